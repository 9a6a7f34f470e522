// ModelConfig: the hyperparameters of a decoder-only model, read once from GGUF metadata (`<arch>.*` keys) or
// from a Hugging Face config.json, so every architecture file works from one typed struct whatever the
// source.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace loom {

class GgufFile;

// Which architecture file builds the model. LLaMA, Mistral, Qwen2, Qwen3 and SmolLM2 share one (llama).
enum class ModelFamily { Gpt2, Llama, Bloom, Gemma3 };

// How RoPE pairs up the dimensions of a head it rotates:
//   Halves:        (x[i], x[i + d/2]) — Hugging Face "rotate_half", and GGUF gpt-neox-style archs (qwen2).
//   AdjacentPairs: (x[2i], x[2i + 1]) — GGUF llama: its converter permutes Q/K rows so this matches HF
//   Halves.
enum class RopeLayout { Halves, AdjacentPairs };

enum class RopeScaling { None, Linear, Llama3, DynamicNtk, Yarn };

struct RopeConfig {
    float freq_base = 10000.0f;
    int64_t n_rot = 0;  // rotated dimensions per head (<= head_dim); the rest pass through
    RopeLayout layout = RopeLayout::Halves;
    RopeScaling scaling = RopeScaling::None;
    float factor = 1.0f;              // linear / llama3 / dynamic / yarn
    float low_freq_factor = 1.0f;     // llama3
    float high_freq_factor = 4.0f;    // llama3
    int64_t original_context = 0;     // llama3 / dynamic / yarn: context the model was trained with
    float yarn_beta_fast = 32.0f;     // yarn
    float yarn_beta_slow = 1.0f;      // yarn
    std::vector<float> freq_factors;  // GGUF rope_freqs.weight (llama3 baked in): inv_freq[i] /= factors[i]
};

struct ModelConfig {
    std::string architecture;  // as the source names it: "llama", "qwen2", "gpt2", "bloom", "mistral", ...
    ModelFamily family = ModelFamily::Llama;
    bool from_gguf = false;

    int64_t n_layer = 0;
    int64_t n_embd = 0;  // hidden size
    int64_t n_ff = 0;    // feed-forward inner size
    int64_t n_head = 0;
    int64_t n_head_kv = 0;  // == n_head for MHA, fewer for GQA
    int64_t head_dim = 0;   // usually n_embd / n_head
    int64_t n_vocab = 0;
    int64_t n_ctx_train = 0;  // the context the model was trained with (its position table size for GPT-2)
    float norm_eps = 1e-5f;   // RMSNorm or LayerNorm epsilon
    RopeConfig rope;          // llama family and Gemma 3 (its global layers)

    // Sliding-window attention: a query at position i sees keys i - sliding_window + 1 .. i on the layers
    // swa_layers marks (Mistral: every layer; Gemma 3: the local layers, 5 of every 6). 0: no window.
    int64_t sliding_window = 0;
    std::vector<bool> swa_layers;  // [n_layer] when sliding_window > 0
    RopeConfig rope_local;         // Gemma 3's local (sliding-window) layers: their own base, no scaling
    // Gemma: scores are q.k / sqrt(query_pre_attn_scalar) (0: head_dim); logits -> cap * tanh(logits / cap)
    // when final_logit_softcap > 0.
    float query_pre_attn_scalar = 0.0f;
    float final_logit_softcap = 0.0f;

    // Tokens ids the source declares (-1 when absent); the tokenizer's TokenizerInfo is authoritative.
    int64_t bos_token_id = -1;
    int64_t eos_token_id = -1;

    // The window of layer l's attention (0: full causal attention).
    int64_t window_of_layer(int64_t l) const {
        return sliding_window > 0 && static_cast<size_t>(l) < swa_layers.size() && swa_layers[l] ? sliding_window
                                                                                                 : 0;
    }

    std::string describe() const;  // one line: "llama: 30 layers, 576 hidden, 9 heads (3 kv), ..."
};

// The architectures loom runs, for error messages: "gpt2, llama, mistral, qwen2, qwen3, bloom, gemma3".
const char* supported_decoder_architectures();

// Throws loom::Error naming the key when a required hyperparameter is missing or invalid, and
// "unknown architecture 'xyz'; loom runs: ..." for an architecture loom has no model for.
ModelConfig model_config_from_gguf(const GgufFile& gguf);
ModelConfig model_config_from_hf(const nlohmann::json& config);

// Shared by both readers: validates the numbers and fills head_dim / rope.n_rot defaults.
void finish_model_config(ModelConfig& config);

// Gemma 3's layer pattern: every `pattern`-th layer (1-based) is global, the others use the sliding window.
std::vector<bool> gemma3_swa_layers(int64_t n_layer, int64_t pattern);

}  // namespace loom
