#include "tokenizer/pipeline.h"

#include <climits>
#include <cstdlib>

#include "core/error.h"
#include "tokenizer/unicode.h"

namespace loom::tok {

const json& require(const json& j, const char* key, const char* component) {
    if (!j.is_object() || !j.contains(key))
        throw Error(std::string("tokenizer: ") + component + " has no \"" + key + "\"");
    return j[key];
}

std::string type_of(const json& j, const char* component) {
    const json& t = require(j, "type", component);
    if (!t.is_string()) throw Error(std::string("tokenizer: ") + component + " \"type\" must be a string");
    return t.get<std::string>();
}

namespace {
const json& member_or_null(const json& j, const char* key) {
    static const json null_json;
    const auto it = j.find(key);
    return it == j.end() ? null_json : *it;
}
}  // namespace

Pipeline::Pipeline(const json& j) {
    if (!j.is_object()) throw Error("tokenizer: tokenizer.json must be a JSON object");
    try {
        normalizer_ = make_normalizer(member_or_null(j, "normalizer"));
        pre_tokenizer_ = make_pre_tokenizer(member_or_null(j, "pre_tokenizer"));
        model_ = make_model(require(j, "model", "tokenizer.json"));
        post_processor_ = make_post_processor(member_or_null(j, "post_processor"));
        decoder_ = make_decoder(member_or_null(j, "decoder"));
        std::vector<AddedToken> added;
        for (const auto& t : member_or_null(j, "added_tokens")) {
            AddedToken a;
            a.id = require(t, "id", "added token").get<int32_t>();
            a.content = require(t, "content", "added token").get<std::string>();
            a.special = t.value("special", false);
            a.lstrip = t.value("lstrip", false);
            a.rstrip = t.value("rstrip", false);
            a.single_word = t.value("single_word", false);
            a.normalized = t.value("normalized", !a.special);
            added.push_back(std::move(a));
        }
        added_.build(std::move(added), normalizer_.get());
        const json& decode_as = member_or_null(j, "loom_decode_as");
        if (!decode_as.is_null() && !decode_as.is_object())
            throw Error("tokenizer: loom_decode_as must be an object of id -> token");
        for (const auto& [key, token] : decode_as.items()) {
            char* end = nullptr;
            const long id = std::strtol(key.c_str(), &end, 10);
            if (key.empty() || *end != '\0' || id < 0 || id > INT32_MAX)
                throw Error("tokenizer: loom_decode_as key \"" + key + "\" is not a token id");
            decode_as_[static_cast<int32_t>(id)] = token.get<std::string>();
        }
    } catch (const json::exception& e) {
        throw Error(std::string("tokenizer: malformed tokenizer.json: ") + e.what());
    }
}

Encoding Pipeline::encode_sequence(std::string_view text, int32_t type_id, int8_t sequence_id) const {
    PreTokenizedString pts;
    if (is_valid_utf8(text)) {
        pts.splits.push_back(Split{NormalizedString(std::string(text), 0), {}, false});
    } else {
        // Invalid bytes become U+FFFD, each byte of which points at the one original byte it replaced.
        std::vector<uint32_t> original_of;
        std::string clean = sanitize_utf8(text, original_of);
        std::vector<Span> align(clean.size());
        for (size_t i = 0; i < clean.size();) {
            const size_t n = utf8_length(static_cast<uint8_t>(clean[i]));
            const Span span{original_of[i], original_of[i + n - 1] + 1};
            for (size_t k = 0; k < n; ++k) align[i + k] = span;
            i += n;
        }
        pts.splits.push_back(Split{NormalizedString(std::move(clean), std::move(align)), {}, false});
    }

    added_.extract(pts, false);
    for (Split& s : pts.splits)
        if (!s.tokenized && normalizer_) normalizer_->normalize(s.text);
    added_.extract(pts, true);
    // Pieces that normalization emptied are dropped, as HF does.
    std::erase_if(pts.splits, [](const Split& s) { return !s.tokenized && s.text.empty(); });
    if (pre_tokenizer_) pre_tokenizer_->pre_tokenize(pts);

    Encoding e;
    for (Split& s : pts.splits) {
        if (!s.tokenized) model_->tokenize(s.text.get(), s.tokens);
        for (const Token& t : s.tokens) {
            const Span span = s.text.original_span(t.start, t.end);
            e.ids.push_back(t.id);
            e.offsets.emplace_back(span.start, span.end);
            const AddedToken* added = s.tokenized ? added_.by_id(t.id) : nullptr;
            if (added) {
                e.tokens.push_back(added->content);
            } else {
                const std::string* tok = model_->id_to_token(t.id);
                e.tokens.push_back(tok ? *tok : std::string());
            }
        }
    }
    const size_t n = e.ids.size();
    e.type_ids.assign(n, type_id);
    e.special_tokens_mask.assign(n, 0);
    e.attention_mask.assign(n, 1);
    e.sequence_ids.assign(n, sequence_id);
    return e;
}

}  // namespace loom::tok
