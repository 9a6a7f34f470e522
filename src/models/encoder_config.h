// Hyperparameters of an encoder-only model (BERT, RoBERTa, DistilBERT, MiniLM) from a Hugging Face
// config.json. DistilBERT spells its keys differently (dim, n_layers, hidden_dim, ...); both are read into
// one struct.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace loom {

enum class EncoderArch { Bert, Roberta, DistilBert };
enum class EncoderActivation { GeluErf, GeluTanh, Relu };

struct EncoderConfig {
    EncoderArch arch = EncoderArch::Bert;
    std::string model_type;  // config.json "model_type": "bert", "roberta", "xlm-roberta", "distilbert"
    int64_t vocab_size = 0;
    int64_t hidden = 0;  // hidden_size / dim
    int64_t n_layers = 0;
    int64_t n_heads = 0;
    int64_t ffn = 0;              // intermediate_size / hidden_dim
    int64_t max_positions = 0;    // rows of the position table
    int64_t type_vocab_size = 0;  // 0: no token type embeddings (DistilBERT)
    float layer_norm_eps = 1e-12f;
    EncoderActivation activation = EncoderActivation::GeluErf;
    int32_t pad_token_id = 0;
    // RoBERTa numbers positions from pad_token_id + 1 (pad tokens get pad_token_id), so the longest input is
    // max_positions - pad_token_id - 1 tokens. 0 for BERT / DistilBERT.
    int64_t position_offset = 0;
    std::vector<std::string> id2label;  // label of each classifier output, "LABEL_i" where config has none
    std::vector<std::string> architectures;

    int64_t head_dim() const { return hidden / n_heads; }
    // The longest token sequence the position table allows.
    int64_t max_sequence_length() const { return max_positions - position_offset; }
};

// Throws loom::Error naming the missing or inconsistent key.
EncoderConfig encoder_config_from_hf(const nlohmann::json& config);

bool is_encoder_model_type(const std::string& model_type);

}  // namespace loom
