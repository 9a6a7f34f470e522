#include "tasks/encoder_runner.h"

#include <algorithm>

#include "core/error.h"
#include "core/log.h"

namespace loom {

std::unique_ptr<EncoderRunner> EncoderRunner::open(const std::string& path, EncoderInputOptions options) {
    std::unique_ptr<EncoderRunner> r(new EncoderRunner());
    r->source_ = open_model_source(path);
    if (!r->source_.hf_config.is_object() || !is_encoder_model_type(r->source_.architecture))
        throw Error("not an encoder model (model_type '" + r->source_.architecture + "')")
            .file(path)
            .hint("encoder tasks take a Hugging Face folder of a BERT, RoBERTa or DistilBERT model");
    if (r->source_.tokenizer_json_path.empty())
        throw Error("the model folder has no tokenizer.json").file(path);
    r->model_ = EncoderModel::load(r->source_);
    r->tokenizer_ = Tokenizer::from_file(r->source_.tokenizer_json_path);
    r->tokenizer_->set_padding(std::nullopt);
    r->options_ = options;
    r->set_max_tokens(options.max_tokens);
    return r;
}

void EncoderRunner::set_max_tokens(size_t n) {
    const size_t limit = static_cast<size_t>(model_->config().max_sequence_length());
    max_tokens_ = n == 0 ? limit : std::min(n, limit);
    tok::TruncationParams t;
    t.max_length = max_tokens_;
    tokenizer_->set_truncation(t);
}

std::vector<Encoding> EncoderRunner::encode(std::span<const std::string> texts) const {
    if (texts.empty()) throw Error("no texts to encode (empty batch)");
    std::vector<Encoding> out;
    out.reserve(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
        Encoding e = tokenizer_->encode(texts[i]);
        if (!e.overflowing.empty()) {
            if (!options_.truncate)
                throw Error("text " + std::to_string(i + 1) + " is longer than " +
                            std::to_string(max_tokens_) + " tokens")
                    .hint("shorten it, or allow truncation (drop --no-truncate)");
            log_warn("text ", i + 1, " truncated to ", max_tokens_, " tokens (the model's limit)");
            e.overflowing.clear();
        }
        out.push_back(std::move(e));
    }
    return out;
}

EncoderBatch EncoderRunner::make_batch(std::span<const Encoding> encodings) const {
    if (encodings.empty()) throw Error("empty batch");
    EncoderBatch b;
    b.batch = static_cast<int64_t>(encodings.size());
    for (const Encoding& e : encodings)
        b.seq_len = std::max<int64_t>(b.seq_len, static_cast<int64_t>(e.size()));
    if (b.seq_len == 0) throw Error("empty input: the tokenizer produced no tokens");
    const size_t M = static_cast<size_t>(b.batch * b.seq_len);
    b.ids.assign(M, model_->config().pad_token_id);
    b.type_ids.assign(M, 0);
    b.mask.assign(M, 0);
    for (size_t s = 0; s < encodings.size(); ++s) {
        const Encoding& e = encodings[s];
        for (size_t t = 0; t < e.size(); ++t) {
            const size_t r = s * static_cast<size_t>(b.seq_len) + t;
            b.ids[r] = e.ids[t];
            b.type_ids[r] = t < e.type_ids.size() ? e.type_ids[t] : 0;
            b.mask[r] = 1;
        }
    }
    return b;
}

std::vector<float> EncoderRunner::run(std::span<const Encoding> encodings, EncoderBatch* batch_out) const {
    EncoderBatch b = make_batch(encodings);
    std::vector<float> hidden = model_->forward(b);
    if (batch_out) *batch_out = std::move(b);
    return hidden;
}

size_t utf8_char_index(const std::string& text, size_t byte_offset) {
    size_t chars = 0;
    for (size_t i = 0; i < byte_offset && i < text.size(); ++i)
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++chars;
    return chars;
}

}  // namespace loom
