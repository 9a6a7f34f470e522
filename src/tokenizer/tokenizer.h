// The Hugging Face `tokenizer.json` pipeline with exact parity to HF `tokenizers`:
//   added tokens -> normalizer -> pre-tokenizer -> model -> post-processor   (encode)
//   ids -> tokens -> decoder                                                  (decode)
// Every component is built from JSON exactly as HF serializes it, so GGUF vocabularies and SentencePiece
// .model files can be turned into a tokenizer.json object in memory and loaded with Tokenizer::from_json.
//
// Offsets are BYTE offsets [start, end) into the original text given to encode(); for encode_pair, the
// tokens of the second sequence have offsets into the second text (as HF does); special tokens added by the
// post-processor have (0, 0).
// Invalid UTF-8 input (which HF Python cannot receive): every byte that starts no valid UTF-8 sequence is
// replaced by U+FFFD before the pipeline runs; the offsets of whatever comes from that U+FFFD point at the
// one original byte. Nothing reads past the input; decode() always returns valid UTF-8.
// Thread safety: a Tokenizer is immutable after loading; encode/decode may run concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loom::tok {

struct Encoding {
    std::vector<int32_t> ids, type_ids;
    std::vector<std::string> tokens;
    std::vector<std::pair<size_t, size_t>> offsets;  // byte offsets into the original text
    std::vector<uint8_t> special_tokens_mask, attention_mask;
    // Pieces cut off by truncation (each with the same fields), in HF order.
    std::vector<Encoding> overflowing;
    // Which input sequence each token came from: 0 (first), 1 (pair), -1 (added by the post-processor).
    std::vector<int8_t> sequence_ids;

    size_t size() const { return ids.size(); }
};

enum class TruncationStrategy { LongestFirst, OnlyFirst, OnlySecond };
enum class Direction { Left, Right };

struct TruncationParams {
    size_t max_length = 512;
    size_t stride = 0;
    TruncationStrategy strategy = TruncationStrategy::LongestFirst;
    Direction direction = Direction::Right;
};

struct PaddingParams {
    std::optional<size_t> fixed_length;  // empty: pad to the longest in the batch (one sequence: no-op)
    size_t pad_to_multiple_of = 0;       // 0: off
    int32_t pad_id = 0;
    int32_t pad_type_id = 0;
    std::string pad_token = "[PAD]";
    Direction direction = Direction::Right;
};

class Pipeline;  // the internal stages (tokenizer/pipeline.h)

class Tokenizer {
  public:
    // Throws loom::Error naming the component that is wrong.
    static std::unique_ptr<Tokenizer> from_json(const nlohmann::json& tokenizer_json);
    static std::unique_ptr<Tokenizer> from_file(const std::string& tokenizer_json_path);
    ~Tokenizer();

    Encoding encode(std::string_view text, bool add_special_tokens = true) const;
    Encoding encode_pair(std::string_view a, std::string_view b, bool add_special_tokens = true) const;
    // Encodes each text, then pads all to the longest (when padding is set without a fixed length).
    std::vector<Encoding> encode_batch(std::span<const std::string> texts,
                                       bool add_special_tokens = true) const;

    std::string decode(std::span<const int32_t> ids, bool skip_special_tokens = true) const;
    // The decoder's output for each token separately, before joining (what DecodeStream builds on).
    std::vector<std::string> decode_pieces(std::span<const int32_t> ids, bool skip_special_tokens) const;

    std::optional<int32_t> token_to_id(std::string_view token) const;
    std::string id_to_token(int32_t id) const;  // "" for an unknown id
    size_t vocab_size() const;                  // including added tokens
    bool is_special(int32_t id) const;

    void set_truncation(std::optional<TruncationParams> params) { truncation_ = std::move(params); }
    void set_padding(std::optional<PaddingParams> params) { padding_ = std::move(params); }
    const std::optional<TruncationParams>& truncation() const { return truncation_; }
    const std::optional<PaddingParams>& padding() const { return padding_; }

    const Pipeline& pipeline() const { return *pipeline_; }

  private:
    explicit Tokenizer(std::unique_ptr<Pipeline> pipeline);
    Encoding encode_impl(std::string_view a, std::optional<std::string_view> b,
                         bool add_special_tokens) const;

    std::unique_ptr<Pipeline> pipeline_;
    std::string source_path_;  // the tokenizer.json it came from ("" when built from JSON), named in errors
    std::optional<TruncationParams> truncation_;
    std::optional<PaddingParams> padding_;
};

// Incremental detokenization for streaming generation: step() returns the text that the new id completes
// (possibly ""), never a partial UTF-8 character; flush() returns whatever is left.
class DecodeStream {
  public:
    explicit DecodeStream(const Tokenizer& tokenizer, bool skip_special_tokens = true);
    std::string step(int32_t id);
    std::string flush();

  private:
    const Tokenizer& tokenizer_;
    bool skip_special_tokens_;
    std::vector<int32_t> ids_;  // the ids whose text is not fully returned yet, plus a little context
    size_t prefix_index_ = 0;   // ids_[0, prefix_index_) are context already returned
    std::string prefix_;        // decode(ids_[0, prefix_index_))
};

}  // namespace loom::tok

namespace loom {
using tok::DecodeStream;
using tok::Encoding;
using tok::Tokenizer;
}  // namespace loom
