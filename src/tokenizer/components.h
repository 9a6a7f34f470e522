// The interfaces of the pipeline stages. Each concrete stage is a small class built from its JSON object by
// the factory of its kind (make_normalizer, ...), keyed on the JSON "type"; a Sequence holds a list.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/normalized_string.h"
#include "tokenizer/tokenizer.h"

namespace loom::tok {

using json = nlohmann::json;

// A model token inside one split: id and byte range in the split's normalized text.
struct Token {
    int32_t id;
    uint32_t start, end;
};

// The text cut into pieces by added tokens and pre-tokenizers. A piece already tokenized (an added token)
// is left alone by later stages.
struct Split {
    NormalizedString text;
    std::vector<Token> tokens;
    bool tokenized = false;
};

struct PreTokenizedString {
    std::vector<Split> splits;

    // Replaces every untokenized split by the pieces `f` returns (empty pieces are dropped).
    // f(index of the split among all splits, the split's text, out pieces).
    template <typename F>
    void split(F&& f) {
        std::vector<Split> next;
        next.reserve(splits.size());
        std::vector<NormalizedString> pieces;
        for (size_t i = 0; i < splits.size(); ++i) {
            if (splits[i].tokenized) {
                next.push_back(std::move(splits[i]));
                continue;
            }
            pieces.clear();
            f(i, std::move(splits[i].text), pieces);
            for (auto& p : pieces)
                if (!p.empty()) next.push_back(Split{std::move(p), {}, false});
        }
        splits = std::move(next);
    }
};

class Normalizer {
  public:
    virtual ~Normalizer() = default;
    virtual void normalize(NormalizedString& s) const = 0;
};

class PreTokenizer {
  public:
    virtual ~PreTokenizer() = default;
    virtual void pre_tokenize(PreTokenizedString& pts) const = 0;
};

class Model {
  public:
    virtual ~Model() = default;
    // Appends the tokens of one pre-tokenized word (offsets relative to `word`).
    virtual void tokenize(std::string_view word, std::vector<Token>& out) const = 0;
    virtual std::optional<int32_t> token_to_id(std::string_view token) const = 0;
    virtual const std::string* id_to_token(int32_t id) const = 0;  // nullptr when out of range
    virtual size_t vocab_size() const = 0;
};

class PostProcessor {
  public:
    virtual ~PostProcessor() = default;
    virtual size_t added_tokens(bool is_pair) const = 0;
    // Rewrites the encodings of the sequences (one, or two for a pair), adding special tokens when asked;
    // the tokenizer concatenates what is left.
    virtual void process(std::vector<Encoding>& encodings, bool add_special_tokens) const = 0;
};

class Decoder {
  public:
    virtual ~Decoder() = default;
    // Rewrites the token strings; the decoded text is the concatenation of the result.
    virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

// The factories recurse once per Sequence level; the JSON they walk is nested at most kMaxJsonDepth levels
// (core/json_depth.h checks every file before it is parsed), so the recursion is bounded.
std::unique_ptr<Normalizer> make_normalizer(const json& j);  // null JSON -> nullptr
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json& j);
std::unique_ptr<Model> make_model(const json& j);
std::unique_ptr<PostProcessor> make_post_processor(const json& j);
std::unique_ptr<Decoder> make_decoder(const json& j);
// The loom-only "LoomSentencePiece" decoder (decoders/sentencepiece_decoder.cpp).
std::unique_ptr<Decoder> make_sentencepiece_decoder(const json& j);

// JSON access with errors that name the component and field.
const json& require(const json& j, const char* key, const char* component);
std::string type_of(const json& j, const char* component);

}  // namespace loom::tok
