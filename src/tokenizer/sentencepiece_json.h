// Pieces of tokenizer.json shared by the loaders that rebuild a HF pipeline from a vocabulary: GGUF
// vocabularies (gguf_vocab.cpp) and SentencePiece .model files (sentencepiece_tokenizer.cpp).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace loom::tok {

// How BPE merges are ranked when a vocabulary has scores but no merge list (SentencePiece BPE).
enum class MergeRanking {
    // transformers' generate_merges: every piece may be a merge result; ranked by the result's score (high
    // first),
    // then longer left part, then longer right part; ties keep vocabulary order. What HF's Llama conversion
    // uses.
    HfGenerateMerges,
    // SentencePiece's own rule: only pieces marked mergeable; ranked by score (high first), then by the
    // result's id.
    SentencePiece,
};

// Merges [[left, right], ...] best first, for pieces `pieces` with `scores` (same length). `mergeable[i]`
// false excludes piece i as a merge result and as a part (SentencePiece ranking only; may be empty = all).
nlohmann::json derive_bpe_merges(const std::vector<std::string>& pieces, const std::vector<float>& scores,
                                 const std::vector<bool>& mergeable, MergeRanking ranking);

// One "added_tokens" entry as HF serializes it.
nlohmann::json added_token_json(int64_t id, const std::string& content, bool special);

// A TemplateProcessing post-processor: single = [bos] $A [eos], pair = [bos] $A [eos] [bos] $B [eos] (type id
// 1 for the second half), each of bos/eos only where given. Returns null when neither is given.
struct SpecialTokenRef {
    std::string content;
    int64_t id;
};
nlohmann::json template_post_processor(const std::optional<SpecialTokenRef>& bos,
                                       const std::optional<SpecialTokenRef>& eos);

// The SentencePiece decoder chain: "▁" -> " ", byte pieces <0xXX> -> bytes, fuse, and drop the one leading
// space the dummy prefix added.
nlohmann::json sentencepiece_decoder(bool byte_fallback, bool strip_dummy_prefix);

std::string base64_encode(std::string_view bytes);

// Number of Unicode code points in valid UTF-8 (continuation bytes are not counted).
size_t utf8_length(std::string_view s);

}  // namespace loom::tok
