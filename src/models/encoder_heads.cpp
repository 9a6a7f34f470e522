#include "models/encoder_heads.h"

#include <cmath>

#include "core/error.h"
#include "formats/weight_map.h"

namespace loom {
namespace {

Error missing_head(const char* what, const std::string& tensor) {
    return Error(std::string("this model has no ") + what + " head (no tensor '" + tensor + "')")
        .tensor(tensor)
        .hint("use a checkpoint fine-tuned for this task");
}

Linear dense(const WeightMap& w, const std::string& name, int64_t out, int64_t in) {
    return load_linear(w, name + ".weight", out, in, name + ".bias", /*bias_required=*/true);
}

// The classifier output count is whatever the file holds: [num_labels, in].
int64_t rows_of(const WeightMap& w, const std::string& name) {
    const Tensor& t = w.get(name);
    if (t.rank() != 2)
        throw Error("tensor '" + name + "': expected a matrix, found " + t.shape_string()).tensor(name);
    return t.dim(0);
}

// rows [B, H] = hidden[b * T] (token 0 of each sequence).
std::vector<float> first_tokens(const float* hidden, int64_t batch, int64_t seq_len, int64_t H) {
    std::vector<float> rows(static_cast<size_t>(batch * H));
    for (int64_t b = 0; b < batch; ++b)
        std::copy(hidden + b * seq_len * H, hidden + (b * seq_len + 1) * H, rows.begin() + b * H);
    return rows;
}

void tanh_inplace(float* x, int64_t n) {
    for (int64_t i = 0; i < n; ++i) x[i] = std::tanh(x[i]);
}

}  // namespace

TokenClassifierHead::TokenClassifierHead(const EncoderModel& model) {
    const WeightMap& w = model.weights();
    if (!w.contains("classifier.weight")) throw missing_head("token-classification", "classifier.weight");
    classifier_ = dense(w, "classifier", rows_of(w, "classifier.weight"), model.config().hidden);
}

std::vector<float> TokenClassifierHead::forward(const float* hidden, int64_t n_rows) const {
    std::vector<float> logits(static_cast<size_t>(n_rows * num_labels()));
    classifier_.forward(hidden, logits.data(), n_rows);
    return logits;
}

BertPooler::BertPooler(const EncoderModel& model) {
    const std::string name = model.prefix() + "pooler.dense";
    if (!model.weights().contains(name + ".weight")) throw missing_head("pooler", name + ".weight");
    dense_ = dense(model.weights(), name, model.config().hidden, model.config().hidden);
}

std::vector<float> BertPooler::forward(const float* hidden, int64_t batch, int64_t seq_len) const {
    const int64_t H = dense_.in_features();
    std::vector<float> cls = first_tokens(hidden, batch, seq_len, H), pooled(cls.size());
    dense_.forward(cls.data(), pooled.data(), batch);
    tanh_inplace(pooled.data(), static_cast<int64_t>(pooled.size()));
    return pooled;
}

SequenceClassifierHead::SequenceClassifierHead(const EncoderModel& model) : arch_(model.config().arch) {
    const WeightMap& w = model.weights();
    const int64_t H = model.config().hidden;
    if (arch_ == EncoderArch::Roberta) {
        if (!w.contains("classifier.out_proj.weight"))
            throw missing_head("sequence-classification", "classifier.out_proj.weight");
        dense_ = dense(w, "classifier.dense", H, H);
        out_ = dense(w, "classifier.out_proj", rows_of(w, "classifier.out_proj.weight"), H);
        return;
    }
    if (!w.contains("classifier.weight")) throw missing_head("sequence-classification", "classifier.weight");
    const std::string first =
        arch_ == EncoderArch::DistilBert ? "pre_classifier" : model.prefix() + "pooler.dense";
    if (!w.contains(first + ".weight")) throw missing_head("sequence-classification", first + ".weight");
    dense_ = dense(w, first, H, H);
    out_ = dense(w, "classifier", rows_of(w, "classifier.weight"), H);
}

std::vector<float> SequenceClassifierHead::forward(const float* hidden, int64_t batch,
                                                   int64_t seq_len) const {
    const int64_t H = dense_.in_features();
    std::vector<float> cls = first_tokens(hidden, batch, seq_len, H), mid(cls.size());
    dense_.forward(cls.data(), mid.data(), batch);
    if (arch_ == EncoderArch::DistilBert)
        apply_activation(EncoderActivation::Relu, mid.data(), static_cast<int64_t>(mid.size()));
    else
        tanh_inplace(mid.data(), static_cast<int64_t>(mid.size()));
    std::vector<float> logits(static_cast<size_t>(batch * num_labels()));
    out_.forward(mid.data(), logits.data(), batch);
    return logits;
}

MaskedLmHead::MaskedLmHead(const EncoderModel& model) : activation_(model.config().activation) {
    const WeightMap& w = model.weights();
    const EncoderConfig& c = model.config();
    const int64_t H = c.hidden;
    // (transform dense, transform norm, decoder weight, bias candidates) per family, as transformers names
    // them.
    std::string dense_name, norm_name, decoder_name;
    std::vector<std::string> bias_names;
    if (c.arch == EncoderArch::Bert) {
        dense_name = "cls.predictions.transform.dense";
        norm_name = "cls.predictions.transform.LayerNorm";
        decoder_name = "cls.predictions.decoder.weight";
        bias_names = {"cls.predictions.bias", "cls.predictions.decoder.bias"};
    } else if (c.arch == EncoderArch::Roberta) {
        dense_name = "lm_head.dense";
        norm_name = "lm_head.layer_norm";
        decoder_name = "lm_head.decoder.weight";
        bias_names = {"lm_head.bias", "lm_head.decoder.bias"};
    } else {
        dense_name = "vocab_transform";
        norm_name = "vocab_layer_norm";
        decoder_name = "vocab_projector.weight";
        bias_names = {"vocab_projector.bias"};
    }
    if (!w.contains(dense_name + ".weight")) throw missing_head("masked-LM", dense_name + ".weight");
    transform_ = dense(w, dense_name, H, H);
    norm_.kind = Norm::Kind::Layer;
    norm_.eps = c.layer_norm_eps;
    norm_.weight = require_vector(w, norm_name + ".weight", H);
    norm_.bias = require_vector(w, norm_name + ".bias", H);
    // Tied decoder: the word embedding table is the output projection (save_pretrained drops the copy).
    decoder_.weight = w.contains(decoder_name) ? require_tensor(w, decoder_name, {c.vocab_size, H})
                                               : model.word_embeddings().table;
    for (const std::string& name : bias_names)
        if (w.contains(name)) {
            decoder_.bias = require_vector(w, name, c.vocab_size);
            break;
        }
}

std::vector<float> MaskedLmHead::forward(const float* hidden, int64_t n_rows) const {
    const int64_t H = transform_.in_features();
    std::vector<float> t(static_cast<size_t>(n_rows * H));  // [n_rows, H]
    transform_.forward(hidden, t.data(), n_rows);
    apply_activation(activation_, t.data(), n_rows * H);
    norm_.forward(t.data(), t.data(), n_rows);
    std::vector<float> logits(static_cast<size_t>(n_rows * vocab_size()));  // [n_rows, vocab]
    decoder_.forward(t.data(), logits.data(), n_rows);
    return logits;
}

}  // namespace loom
