// GGUF vocabulary -> tokenizer.json. One builder per tokenizer.ggml.model:
//   gpt2  byte-level BPE with the original model's pre-tokenizer (gguf_pre_tokenizers.cpp) and the stored
//   merges; llama SentencePiece BPE as HF's Llama tokenizer.json has it: Prepend "▁" + Replace " " -> "▁",
//   BPE with merges
//         derived from the scores, byte fallback, and the Replace/ByteFallback/Fuse/Strip decoder;
//   bert  WordPiece (GGUF writes word-initial pieces with a "▁" prefix and continuations bare; we undo that);
//   t5    Unigram with the SentencePiece normalizer (precompiled charsmap when the file carries one).
// Control tokens become special added tokens, user-defined tokens plain added tokens (decoded as the literal
// text they are: "loom_decode_as", tokenizer/pipeline.h).
#include "tokenizer/gguf_vocab.h"

#include <algorithm>
#include <array>

#include "core/error.h"
#include "tokenizer/gguf_pre_tokenizers.h"
#include "tokenizer/sentencepiece_json.h"

namespace loom::tok {

using nlohmann::json;

GgufTokenType gguf_token_type(const GgufVocab& vocab, size_t id) {
    if (id >= vocab.token_types.size()) return GgufTokenType::Normal;
    return static_cast<GgufTokenType>(vocab.token_types[id]);
}

namespace {

void validate(const GgufVocab& v) {
    if (v.tokens.empty()) throw Error("GGUF vocabulary has no tokens (tokenizer.ggml.tokens)");
    if (!v.scores.empty() && v.scores.size() != v.tokens.size())
        throw Error("tokenizer.ggml.scores has " + std::to_string(v.scores.size()) + " entries for " +
                    std::to_string(v.tokens.size()) + " tokens");
    if (!v.token_types.empty() && v.token_types.size() != v.tokens.size())
        throw Error("tokenizer.ggml.token_type has " + std::to_string(v.token_types.size()) +
                    " entries for " + std::to_string(v.tokens.size()) + " tokens");
    for (auto id :
         {v.bos_id, v.eos_id, v.unk_id, v.sep_id, v.pad_id, v.mask_id, v.cls_id, v.eot_id, v.eom_id})
        if (id && (*id < 0 || static_cast<size_t>(*id) >= v.tokens.size()))
            throw Error("GGUF special token id " + std::to_string(*id) + " is outside the vocabulary of " +
                        std::to_string(v.tokens.size()));
}

std::optional<SpecialTokenRef> ref(const GgufVocab& v, std::optional<int32_t> id) {
    if (!id) return std::nullopt;
    return SpecialTokenRef{v.tokens[static_cast<size_t>(*id)], *id};
}

// Control tokens (and the unknown token) are special; user-defined tokens are matched whole but not special.
json added_tokens(const GgufVocab& v) {
    json out = json::array();
    for (size_t id = 0; id < v.tokens.size(); ++id) {
        GgufTokenType type = gguf_token_type(v, id);
        bool is_unk = v.unk_id && static_cast<size_t>(*v.unk_id) == id;
        if (type == GgufTokenType::Control || (type == GgufTokenType::Unknown && is_unk))
            out.push_back(added_token_json(static_cast<int64_t>(id), v.tokens[id], true));
        else if (type == GgufTokenType::UserDefined && !v.tokens[id].empty())
            out.push_back(added_token_json(static_cast<int64_t>(id), v.tokens[id], false));
    }
    return out;
}

json base_json(json added) {
    return {{"version", "1.0"},          {"truncation", nullptr}, {"padding", nullptr},
            {"added_tokens", added},     {"normalizer", nullptr}, {"pre_tokenizer", nullptr},
            {"post_processor", nullptr}, {"decoder", nullptr}};
}

// GPT-2's byte-to-character table: printable Latin-1 bytes stand for themselves, the other 68 bytes take the
// code points 256, 257, ... in byte order.
std::array<uint32_t, 256> gguf_byte_to_char() {
    std::array<uint32_t, 256> table{};
    uint32_t next = 256;
    for (uint32_t b = 0; b < 256; ++b) {
        bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
        table[b] = printable ? b : next++;
    }
    return table;
}

void append_utf8(std::string& out, uint32_t cp) {
    if (cp < 0x80) {
        out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

// True when every character of `token` is one of the 256 byte-level characters (all below U+0144).
bool in_byte_alphabet(const std::string& token, const std::array<bool, 0x144>& is_alphabet) {
    for (size_t i = 0; i < token.size();) {
        unsigned char c = static_cast<unsigned char>(token[i]);
        uint32_t cp;
        if (c < 0x80) {
            cp = c, i += 1;
        } else if ((c & 0xE0) == 0xC0 && i + 1 < token.size()) {
            cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(token[i + 1]) & 0x3Fu), i += 2;
        } else {
            return false;
        }
        if (cp >= is_alphabet.size() || !is_alphabet[cp]) return false;
    }
    return true;
}

json gpt2_json(const GgufVocab& v) {
    ByteLevelPipeline pipeline = byte_level_pipeline_for(v.pre);
    auto table = gguf_byte_to_char();
    std::array<bool, 0x144> is_alphabet{};
    for (uint32_t cp : table) is_alphabet[cp] = true;

    // Tokens are stored in the byte-level spelling, except some added tokens stored as plain text: spell
    // those the byte-level way so the BPE vocabulary has one alphabet. A spelling seen twice keeps its first
    // id.
    json vocab = json::object();
    for (size_t id = 0; id < v.tokens.size(); ++id) {
        const std::string& token = v.tokens[id];
        std::string key = token;
        if (!in_byte_alphabet(token, is_alphabet)) {
            key.clear();
            for (unsigned char b : token) append_utf8(key, table[b]);
        }
        if (!vocab.contains(key)) vocab[key] = id;
    }
    json model = {{"type", "BPE"},
                  {"dropout", nullptr},
                  {"unk_token", nullptr},
                  {"continuing_subword_prefix", nullptr},
                  {"end_of_word_suffix", nullptr},
                  {"fuse_unk", false},
                  {"byte_fallback", false},
                  {"ignore_merges", pipeline.ignore_merges},
                  {"vocab", std::move(vocab)},
                  {"merges", v.merges}};

    json j = base_json(added_tokens(v));
    // A user-defined token is literal text (llama.cpp matches and prints it as it is; deepseek's 13 tokens
    // "ü", "ö", ... are characters whose byte-level reading is one invalid byte): the decoder gets its
    // byte-level spelling.
    json decode_as = json::object();
    for (size_t id = 0; id < v.tokens.size(); ++id) {
        if (gguf_token_type(v, id) != GgufTokenType::UserDefined || v.tokens[id].empty()) continue;
        std::string spelled;
        for (unsigned char b : v.tokens[id]) append_utf8(spelled, table[b]);
        if (spelled != v.tokens[id]) decode_as[std::to_string(id)] = std::move(spelled);
    }
    if (!decode_as.empty()) j["loom_decode_as"] = std::move(decode_as);
    j["normalizer"] = pipeline.normalizer;
    j["pre_tokenizer"] = pipeline.pre_tokenizer;
    j["model"] = std::move(model);
    json post = template_post_processor(v.add_bos.value_or(false) ? ref(v, v.bos_id) : std::nullopt,
                                        v.add_eos.value_or(false) ? ref(v, v.eos_id) : std::nullopt);
    if (post.is_null())
        post = {{"type", "ByteLevel"},
                {"add_prefix_space", false},
                {"trim_offsets", false},
                {"use_regex", false}};
    j["post_processor"] = std::move(post);
    j["decoder"] = {
        {"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}};
    return j;
}

bool has_byte_tokens(const GgufVocab& v) {
    for (size_t id = 0; id < v.tokens.size(); ++id)
        if (gguf_token_type(v, id) == GgufTokenType::Byte) return true;
    return false;
}

json llama_json(const GgufVocab& v) {
    if (v.scores.empty())
        throw Error("GGUF 'llama' vocabulary has no tokenizer.ggml.scores to rank merges by");
    bool space_prefix = v.add_space_prefix.value_or(true);
    bool byte_fallback = has_byte_tokens(v);
    json vocab = json::object();
    for (size_t id = 0; id < v.tokens.size(); ++id)
        if (!vocab.contains(v.tokens[id])) vocab[v.tokens[id]] = id;
    json model = {{"type", "BPE"},
                  {"dropout", nullptr},
                  {"unk_token", v.unk_id ? json(v.tokens[static_cast<size_t>(*v.unk_id)]) : json(nullptr)},
                  {"continuing_subword_prefix", nullptr},
                  {"end_of_word_suffix", nullptr},
                  {"fuse_unk", true},
                  {"byte_fallback", byte_fallback},
                  {"ignore_merges", false},
                  {"vocab", std::move(vocab)},
                  {"merges", derive_bpe_merges(v.tokens, v.scores, {}, MergeRanking::HfGenerateMerges)}};

    json j = base_json(added_tokens(v));
    json replace = {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\u2581"}};
    if (space_prefix)
        j["normalizer"] = {{"type", "Sequence"},
                           {"normalizers", {{{"type", "Prepend"}, {"prepend", "\u2581"}}, replace}}};
    else
        j["normalizer"] = replace;
    j["model"] = std::move(model);
    j["post_processor"] =
        template_post_processor(v.add_bos.value_or(true) ? ref(v, v.bos_id) : std::nullopt,
                                v.add_eos.value_or(false) ? ref(v, v.eos_id) : std::nullopt);
    j["decoder"] = sentencepiece_decoder(byte_fallback, space_prefix);
    return j;
}

json bert_json(const GgufVocab& v) {
    // Undo the GGUF spelling: "▁word" was "word", "piece" was "##piece"; "[...]" tokens were kept as they
    // were.
    const std::string marker = "\u2581";
    json vocab = json::object();
    bool cased = false;
    for (size_t id = 0; id < v.tokens.size(); ++id) {
        const std::string& t = v.tokens[id];
        std::string original;
        bool bracketed = t.size() >= 2 && t.front() == '[' && t.back() == ']';
        if (gguf_token_type(v, id) == GgufTokenType::Control || bracketed)
            original = t;
        else if (t.rfind(marker, 0) == 0)
            original = t.substr(marker.size());
        else
            original = "##" + t;
        if (!bracketed &&
            std::any_of(original.begin(), original.end(), [](char c) { return c >= 'A' && c <= 'Z'; }))
            cased = true;
        if (!vocab.contains(original)) vocab[original] = id;
    }
    std::string unk = v.unk_id ? v.tokens[static_cast<size_t>(*v.unk_id)] : "[UNK]";
    json j = base_json(added_tokens(v));
    j["normalizer"] = {{"type", "BertNormalizer"},
                       {"clean_text", true},
                       {"handle_chinese_chars", true},
                       {"strip_accents", nullptr},
                       {"lowercase", !cased}};
    j["pre_tokenizer"] = {{"type", "BertPreTokenizer"}};
    j["model"] = {{"type", "WordPiece"},
                  {"unk_token", unk},
                  {"continuing_subword_prefix", "##"},
                  {"max_input_chars_per_word", 100},
                  {"vocab", std::move(vocab)}};
    auto cls = ref(v, v.cls_id ? v.cls_id : v.bos_id);
    auto sep = ref(v, v.sep_id ? v.sep_id : v.eos_id);
    j["post_processor"] = template_post_processor(cls, sep);
    if (cls &&
        sep) {  // BERT's pair template ends each segment with [SEP] and starts only the first with [CLS]
        json& pair = j["post_processor"]["pair"];
        pair.erase(pair.begin() + 3);
    }
    j["decoder"] = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}};
    return j;
}

json t5_json(const GgufVocab& v) {
    if (v.scores.empty()) throw Error("GGUF 't5' vocabulary has no tokenizer.ggml.scores");
    bool space_prefix = v.add_space_prefix.value_or(true);
    bool byte_fallback = has_byte_tokens(v);
    json pieces = json::array();
    for (size_t id = 0; id < v.tokens.size(); ++id)
        pieces.push_back(json::array({v.tokens[id], v.scores[id]}));
    json normalizers = json::array();
    if (!v.precompiled_charsmap.empty())
        normalizers.push_back(
            {{"type", "Precompiled"}, {"precompiled_charsmap", base64_encode(v.precompiled_charsmap)}});
    if (v.remove_extra_whitespaces.value_or(true)) {
        normalizers.push_back(
            {{"type", "Replace"}, {"pattern", {{"Regex", "\\A +| +\\z"}}}, {"content", ""}});
        normalizers.push_back({{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", " "}});
    }
    normalizers.push_back({{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\u2581"}});
    if (space_prefix) normalizers.push_back({{"type", "Prepend"}, {"prepend", "\u2581"}});

    json j = base_json(added_tokens(v));
    j["normalizer"] = {{"type", "Sequence"}, {"normalizers", normalizers}};
    j["model"] = {{"type", "Unigram"},
                  {"unk_id", v.unk_id ? json(*v.unk_id) : json(nullptr)},
                  {"vocab", std::move(pieces)},
                  {"byte_fallback", byte_fallback}};
    j["post_processor"] = template_post_processor(v.add_bos.value_or(false) ? ref(v, v.bos_id) : std::nullopt,
                                                  v.add_eos.value_or(true) ? ref(v, v.eos_id) : std::nullopt);
    j["decoder"] = sentencepiece_decoder(byte_fallback, space_prefix);
    return j;
}

}  // namespace

json gguf_vocab_to_tokenizer_json(const GgufVocab& vocab) {
    validate(vocab);
    if (vocab.model == "gpt2") return gpt2_json(vocab);
    if (vocab.model == "llama") return llama_json(vocab);
    if (vocab.model == "bert") return bert_json(vocab);
    if (vocab.model == "t5") return t5_json(vocab);
    throw Error("unsupported GGUF tokenizer model '" + vocab.model + "'")
        .hint("tokenizer.ggml.model must be one of gpt2, llama, bert, t5");
}

std::unique_ptr<Tokenizer> tokenizer_from_gguf_vocab(const GgufVocab& vocab) {
    return Tokenizer::from_json(gguf_vocab_to_tokenizer_json(vocab));
}

}  // namespace loom::tok
