#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/json_depth.h"
#include "tokenizer/encoding_ops.h"
#include "tokenizer/pipeline.h"

namespace loom::tok {

namespace {
Direction parse_direction(const json& j) {
    const std::string d = j.is_string() ? j.get<std::string>() : "Right";
    if (d == "Right") return Direction::Right;
    if (d == "Left") return Direction::Left;
    throw Error("tokenizer: direction must be Left or Right, got " + d);
}

std::optional<TruncationParams> parse_truncation(const json& j) {
    if (j.is_null()) return std::nullopt;
    TruncationParams p;
    p.max_length = j.value("max_length", size_t{512});
    p.stride = j.value("stride", size_t{0});
    const std::string s = j.value("strategy", std::string("LongestFirst"));
    if (s == "LongestFirst")
        p.strategy = TruncationStrategy::LongestFirst;
    else if (s == "OnlyFirst")
        p.strategy = TruncationStrategy::OnlyFirst;
    else if (s == "OnlySecond")
        p.strategy = TruncationStrategy::OnlySecond;
    else
        throw Error("tokenizer: unknown truncation strategy " + s);
    if (j.contains("direction")) p.direction = parse_direction(j["direction"]);
    return p;
}

std::optional<PaddingParams> parse_padding(const json& j) {
    if (j.is_null()) return std::nullopt;
    PaddingParams p;
    if (j.contains("strategy") && j["strategy"].is_object() && j["strategy"].contains("Fixed"))
        p.fixed_length = j["strategy"]["Fixed"].get<size_t>();
    if (j.contains("pad_to_multiple_of") && !j["pad_to_multiple_of"].is_null())
        p.pad_to_multiple_of = j["pad_to_multiple_of"].get<size_t>();
    p.pad_id = j.value("pad_id", 0);
    p.pad_type_id = j.value("pad_type_id", 0);
    p.pad_token = j.value("pad_token", std::string("[PAD]"));
    if (j.contains("direction")) p.direction = parse_direction(j["direction"]);
    return p;
}

// Shortens the sequences to fit max_length tokens in total (HF's truncate_encodings).
void truncate_pair(Encoding& a, Encoding* b, const TruncationParams& p, size_t max_length) {
    const size_t total = a.size() + (b ? b->size() : 0);
    if (total <= max_length) return;
    const size_t to_remove = total - max_length;
    if (p.strategy == TruncationStrategy::LongestFirst) {
        if (!b) {
            truncate_encoding(a, max_length, p.stride, p.direction);
            return;
        }
        // Give the shorter sequence what it needs (up to half), the longer one the rest.
        size_t n1 = a.size(), n2 = b->size();
        const bool swapped = n1 > n2;
        if (swapped) std::swap(n1, n2);
        n2 = n1 > max_length ? n1 : std::max(n1, max_length - n1);
        if (n1 + n2 > max_length) {
            n1 = max_length / 2;
            n2 = n1 + max_length % 2;
        }
        if (swapped) std::swap(n1, n2);
        truncate_encoding(a, n1, p.stride, p.direction);
        truncate_encoding(*b, n2, p.stride, p.direction);
        return;
    }
    Encoding* target = p.strategy == TruncationStrategy::OnlyFirst ? &a : b;
    if (!target) throw Error("tokenizer: truncation strategy only_second needs a pair of sequences");
    if (target->size() <= to_remove)
        throw Error("tokenizer: sequence too short to truncate by " + std::to_string(to_remove) + " tokens");
    truncate_encoding(*target, target->size() - to_remove, p.stride, p.direction);
}
}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<Pipeline> pipeline) : pipeline_(std::move(pipeline)) {}
Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::from_json(const nlohmann::json& j) {
    std::unique_ptr<Tokenizer> t(new Tokenizer(std::make_unique<Pipeline>(j)));
    try {
        t->truncation_ = parse_truncation(j.contains("truncation") ? j["truncation"] : json());
        t->padding_ = parse_padding(j.contains("padding") ? j["padding"] : json());
    } catch (const json::exception& e) {
        throw Error(std::string("tokenizer: malformed truncation/padding: ") + e.what());
    }
    return t;
}

std::unique_ptr<Tokenizer> Tokenizer::from_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open tokenizer file").file(path);
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    check_json_depth(text, path);
    json j;
    try {
        j = json::parse(text);
    } catch (const json::exception& e) {
        throw Error(std::string("tokenizer file is not valid JSON: ") + e.what()).file(path);
    }
    std::unique_ptr<Tokenizer> tokenizer;
    try {
        tokenizer = from_json(j);
    } catch (Error& e) {
        throw e.file(path);
    }
    tokenizer->source_path_ = path;
    return tokenizer;
}

Encoding Tokenizer::encode_impl(std::string_view a, std::optional<std::string_view> b,
                                bool add_special) const {
    std::vector<Encoding> encs;
    try {
        encs.push_back(pipeline_->encode_sequence(a, 0, 0));
        if (b) encs.push_back(pipeline_->encode_sequence(*b, 1, 1));
    } catch (Error& e) {  // a stage the file defines refused this text (a Replace growing it too much): name
                          // the file
        if (source_path_.empty() || !e.file_path().empty()) throw;
        throw e.file(source_path_);
    }
    const PostProcessor* post = pipeline_->post_processor();
    if (truncation_) {
        const size_t added = add_special && post ? post->added_tokens(b.has_value()) : 0;
        const size_t max_length = truncation_->max_length > added ? truncation_->max_length - added : 0;
        truncate_pair(encs[0], b ? &encs[1] : nullptr, *truncation_, max_length);
    }
    // Overflowing pieces are post-processed like the main one (a pair keeps the other side whole).
    std::vector<std::vector<Encoding>> overflow_sets;
    for (size_t side = 0; side < encs.size(); ++side)
        for (Encoding& o : encs[side].overflowing) {
            std::vector<Encoding> set;
            for (size_t k = 0; k < encs.size(); ++k) set.push_back(k == side ? std::move(o) : encs[k]);
            for (Encoding& s : set) s.overflowing.clear();
            overflow_sets.push_back(std::move(set));
        }
    const auto finish = [&](std::vector<Encoding>& set) {
        if (post) post->process(set, add_special);
        Encoding out;
        for (const Encoding& e : set) append_encoding(out, e);
        return out;
    };
    for (Encoding& e : encs) e.overflowing.clear();
    Encoding result = finish(encs);
    for (auto& set : overflow_sets) result.overflowing.push_back(finish(set));
    if (padding_) {
        size_t target = padding_->fixed_length.value_or(result.size());
        if (padding_->pad_to_multiple_of > 0 && target % padding_->pad_to_multiple_of != 0)
            target += padding_->pad_to_multiple_of - target % padding_->pad_to_multiple_of;
        pad_encoding(result, target, *padding_);
    }
    return result;
}

Encoding Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
    return encode_impl(text, std::nullopt, add_special_tokens);
}

Encoding Tokenizer::encode_pair(std::string_view a, std::string_view b, bool add_special_tokens) const {
    return encode_impl(a, b, add_special_tokens);
}

std::vector<Encoding> Tokenizer::encode_batch(std::span<const std::string> texts, bool add_special) const {
    std::vector<Encoding> out;
    for (const auto& t : texts) out.push_back(encode(t, add_special));
    if (padding_ && !padding_->fixed_length) {
        size_t longest = 0;
        for (const auto& e : out) longest = std::max(longest, e.size());
        if (padding_->pad_to_multiple_of > 0 && longest % padding_->pad_to_multiple_of != 0)
            longest += padding_->pad_to_multiple_of - longest % padding_->pad_to_multiple_of;
        for (auto& e : out) pad_encoding(e, longest, *padding_);
    }
    return out;
}

std::vector<std::string> Tokenizer::decode_pieces(std::span<const int32_t> ids, bool skip_special) const {
    std::vector<std::string> tokens;
    tokens.reserve(ids.size());
    for (int32_t id : ids) {
        if (const std::string* as = pipeline_->decode_as(id)) {
            tokens.push_back(*as);
            continue;
        }
        const AddedToken* added = pipeline_->added().by_id(id);
        if (added) {
            if (!(skip_special && added->special)) tokens.push_back(added->content);
            continue;
        }
        if (const std::string* t = pipeline_->model().id_to_token(id)) tokens.push_back(*t);
    }
    if (const Decoder* d = pipeline_->decoder()) {
        d->decode_chain(tokens);
    } else {
        for (size_t k = 1; k < tokens.size(); ++k) tokens[k].insert(0, " ");
    }
    return tokens;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool skip_special_tokens) const {
    std::string out;
    for (const auto& piece : decode_pieces(ids, skip_special_tokens)) out += piece;
    return out;
}

std::optional<int32_t> Tokenizer::token_to_id(std::string_view token) const {
    if (const AddedToken* a = pipeline_->added().by_content(token)) return a->id;
    return pipeline_->model().token_to_id(token);
}

std::string Tokenizer::id_to_token(int32_t id) const {
    if (const AddedToken* a = pipeline_->added().by_id(id)) return a->content;
    const std::string* t = pipeline_->model().id_to_token(id);
    return t ? *t : std::string();
}

size_t Tokenizer::vocab_size() const {
    size_t n = pipeline_->model().vocab_size();
    for (const AddedToken& a : pipeline_->added().tokens())
        if (!pipeline_->model().token_to_id(a.content)) ++n;
    return n;
}

bool Tokenizer::is_special(int32_t id) const {
    const AddedToken* a = pipeline_->added().by_id(id);
    return a && a->special;
}

}  // namespace loom::tok
