#include "models/model_config.h"

#include <sstream>

#include "core/error.h"
#include "formats/gguf.h"

namespace loom {

const char* supported_decoder_architectures() {
    return "gpt2, llama, mistral, qwen2, qwen3, bloom, gemma3";
}

namespace {

Error unknown_architecture(const std::string& arch) {
    return Error("unknown architecture '" + arch + "'; loom runs: " + supported_decoder_architectures());
}

ModelFamily family_of(const std::string& arch) {
    if (arch == "gpt2") return ModelFamily::Gpt2;
    if (arch == "llama" || arch == "mistral" || arch == "qwen2" || arch == "qwen3") return ModelFamily::Llama;
    if (arch == "bloom") return ModelFamily::Bloom;
    if (arch == "gemma3" || arch == "gemma3_text") return ModelFamily::Gemma3;
    throw unknown_architecture(arch);
}

void check_positive(int64_t value, const std::string& what) {
    if (value <= 0)
        throw Error("model hyperparameter " + what + " must be positive, found " + std::to_string(value));
}

}  // namespace

// The checks every source shares, and head_dim / n_rot defaults (also used by model_config_hf.cpp).
void finish_model_config(ModelConfig& c) {
    check_positive(c.n_layer, "block count");
    check_positive(c.n_embd, "hidden size");
    check_positive(c.n_head, "head count");
    if (c.n_head_kv == 0) c.n_head_kv = c.n_head;
    check_positive(c.n_head_kv, "kv head count");
    if (c.n_head % c.n_head_kv != 0)
        throw Error("head count " + std::to_string(c.n_head) + " is not a multiple of kv head count " +
                    std::to_string(c.n_head_kv));
    if (c.head_dim == 0) {
        if (c.n_embd % c.n_head != 0)
            throw Error("hidden size " + std::to_string(c.n_embd) + " is not a multiple of head count " +
                        std::to_string(c.n_head));
        c.head_dim = c.n_embd / c.n_head;
    }
    check_positive(c.n_ff, "feed-forward size");
    if (c.rope.n_rot == 0) c.rope.n_rot = c.head_dim;
    if (c.rope.n_rot > c.head_dim || c.rope.n_rot % 2 != 0)
        throw Error("rope dimension count " + std::to_string(c.rope.n_rot) + " does not fit head size " +
                    std::to_string(c.head_dim));
    if (!(c.norm_eps > 0.0f)) throw Error("norm epsilon must be positive");
    if (c.sliding_window < 0) throw Error("sliding window must not be negative");
    if (c.sliding_window > 0 && c.swa_layers.empty()) c.swa_layers.assign(c.n_layer, true);
    if (c.sliding_window > 0 && static_cast<int64_t>(c.swa_layers.size()) != c.n_layer)
        throw Error("sliding-window layer list has " + std::to_string(c.swa_layers.size()) + " entries for " +
                    std::to_string(c.n_layer) + " layers");
    if (c.rope_local.n_rot == 0) c.rope_local.n_rot = c.rope.n_rot;
}

// Gemma 3 interleaves 5 local (sliding-window) layers with 1 global one: layer i is global when (i + 1) % 6 == 0
// (transformers' default sliding_window_pattern; llama.cpp's fixed pattern for gemma3 GGUFs).
std::vector<bool> gemma3_swa_layers(int64_t n_layer, int64_t pattern) {
    std::vector<bool> layers(static_cast<size_t>(n_layer));
    for (int64_t i = 0; i < n_layer; ++i) layers[i] = pattern <= 0 || (i + 1) % pattern != 0;
    return layers;
}

namespace {

// ---- GGUF ----

int64_t gguf_required_int(const GgufFile& g, const std::string& key) {
    auto v = g.get_int(key);
    if (!v) throw Error("missing GGUF metadata key '" + key + "'").file(g.path());
    return *v;
}

}  // namespace

ModelConfig model_config_from_gguf(const GgufFile& g) {
    ModelConfig c;
    c.from_gguf = true;
    auto arch = g.get_string("general.architecture");
    if (!arch) throw Error("missing GGUF metadata key 'general.architecture'").file(g.path());
    c.architecture = *arch;
    c.family = family_of(c.architecture);
    const std::string p = c.architecture + ".";

    c.n_layer = gguf_required_int(g, p + "block_count");
    c.n_embd = gguf_required_int(g, p + "embedding_length");
    c.n_ff = gguf_required_int(g, p + "feed_forward_length");
    c.n_head = gguf_required_int(g, p + "attention.head_count");
    c.n_head_kv = g.get_int(p + "attention.head_count_kv").value_or(c.n_head);
    c.n_ctx_train = g.get_int(p + "context_length").value_or(0);
    if (auto kl = g.get_int(p + "attention.key_length")) c.head_dim = *kl;
    if (auto eps = g.get_float(p + "attention.layer_norm_rms_epsilon")) {
        c.norm_eps = static_cast<float>(*eps);
    } else if (auto eps2 = g.get_float(p + "attention.layer_norm_epsilon")) {
        c.norm_eps = static_cast<float>(*eps2);
    }
    if (auto nv = g.get_int(p + "vocab_size")) {
        c.n_vocab = *nv;
    } else if (auto n = g.array_size("tokenizer.ggml.tokens")) {
        c.n_vocab = static_cast<int64_t>(*n);
    }  // else: the model takes it from the embedding table's shape
    c.bos_token_id = g.get_int("tokenizer.ggml.bos_token_id").value_or(-1);
    c.eos_token_id = g.get_int("tokenizer.ggml.eos_token_id").value_or(-1);

    RopeConfig& r = c.rope;
    r.freq_base = static_cast<float>(g.get_float(p + "rope.freq_base").value_or(10000.0));
    r.n_rot = g.get_int(p + "rope.dimension_count").value_or(0);
    // llama.cpp's converter permutes the Q/K rows of llama-arch weights (LLaMA, Mistral, SmolLM2) so that
    // RoPE rotates adjacent pairs; qwen2 is converted unpermuted and keeps the NeoX/HF halves.
    r.layout = c.architecture == "llama" ? RopeLayout::AdjacentPairs : RopeLayout::Halves;
    if (c.family == ModelFamily::Gemma3) {
        // What llama.cpp reads from a gemma3 GGUF; the rest is fixed by the architecture (as llama.cpp fixes it):
        // local layers rotate with base 10000 unscaled; scores scale by 1/sqrt(head_dim) (27B, the 62-layer
        // model, by 1/sqrt(hidden / heads)); norm gains are stored with Gemma's +1 already added.
        c.sliding_window = g.get_int(p + "attention.sliding_window").value_or(0);
        if (c.sliding_window > 0) c.swa_layers = gemma3_swa_layers(c.n_layer, 6);
        if (auto cap = g.get_float(p + "final_logit_softcapping")) c.final_logit_softcap = static_cast<float>(*cap);
    }
    std::string scaling = g.get_string(p + "rope.scaling.type").value_or("none");
    if (scaling == "linear") {
        r.scaling = RopeScaling::Linear;
    } else if (scaling == "yarn") {
        r.scaling = RopeScaling::Yarn;
    } else if (scaling != "none") {
        throw Error("unsupported rope scaling type '" + scaling + "' in " + p + "rope.scaling.type")
            .file(g.path());
    }
    if (auto f = g.get_float(p + "rope.scaling.factor")) r.factor = static_cast<float>(*f);
    if (auto s = g.get_float(p + "rope.scale_linear")) {  // older files
        r.scaling = RopeScaling::Linear;
        r.factor = static_cast<float>(*s);
    }
    r.original_context = g.get_int(p + "rope.scaling.original_context_length").value_or(c.n_ctx_train);
    if (r.scaling != RopeScaling::None && !(r.factor > 0.0f))
        throw Error("rope scaling factor must be positive").file(g.path());
    if (c.family == ModelFamily::Gemma3) {
        c.rope_local = RopeConfig{};
        c.rope_local.layout = RopeLayout::Halves;
        c.rope_local.n_rot = r.n_rot;
        const int64_t head_dim = c.head_dim > 0 ? c.head_dim : c.n_embd / c.n_head;
        c.query_pre_attn_scalar = static_cast<float>(c.n_layer == 62 ? c.n_embd / c.n_head : head_dim);
    }
    finish_model_config(c);
    return c;
}

std::string ModelConfig::describe() const {
    std::ostringstream out;
    out << architecture << ": " << n_layer << " layers, " << n_embd << " hidden, " << n_head << " heads ("
        << n_head_kv << " kv, head size " << head_dim << "), ffn " << n_ff << ", vocab " << n_vocab
        << ", trained context " << n_ctx_train;
    if (sliding_window > 0) {
        int64_t n_swa = 0;
        for (bool b : swa_layers) n_swa += b ? 1 : 0;
        out << ", sliding window " << sliding_window << " on " << n_swa << " of " << n_layer << " layers";
    }
    return out.str();
}

}  // namespace loom
