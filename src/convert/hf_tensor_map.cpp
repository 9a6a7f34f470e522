#include "convert/hf_tensor_map.h"

#include <regex>

#include "core/error.h"

namespace loom {
namespace {

struct NameRule {
    const char* hf_suffix;    // after "model.layers.N." / "h.N." (or the whole name for globals)
    const char* gguf_suffix;  // after "blk.N."
    TensorTransform transform;
    bool rope_q = false, rope_k = false;  // PermutePairs with n_head / n_head_kv
};

const NameRule kLlamaLayer[] = {
    {"input_layernorm.weight", "attn_norm.weight", TensorTransform::None},
    {"post_attention_layernorm.weight", "ffn_norm.weight", TensorTransform::None},
    {"self_attn.q_proj.weight", "attn_q.weight", TensorTransform::PermutePairs, true},
    {"self_attn.q_proj.bias", "attn_q.bias", TensorTransform::PermutePairs, true},
    {"self_attn.k_proj.weight", "attn_k.weight", TensorTransform::PermutePairs, false, true},
    {"self_attn.k_proj.bias", "attn_k.bias", TensorTransform::PermutePairs, false, true},
    {"self_attn.v_proj.weight", "attn_v.weight", TensorTransform::None},
    {"self_attn.v_proj.bias", "attn_v.bias", TensorTransform::None},
    {"self_attn.o_proj.weight", "attn_output.weight", TensorTransform::None},
    {"self_attn.o_proj.bias", "attn_output.bias", TensorTransform::None},
    {"mlp.gate_proj.weight", "ffn_gate.weight", TensorTransform::None},
    {"mlp.up_proj.weight", "ffn_up.weight", TensorTransform::None},
    {"mlp.down_proj.weight", "ffn_down.weight", TensorTransform::None},
};

const NameRule kGpt2Layer[] = {
    {"ln_1.weight", "attn_norm.weight", TensorTransform::None},
    {"ln_1.bias", "attn_norm.bias", TensorTransform::None},
    {"ln_2.weight", "ffn_norm.weight", TensorTransform::None},
    {"ln_2.bias", "ffn_norm.bias", TensorTransform::None},
    {"attn.c_attn.weight", "attn_qkv.weight", TensorTransform::Transpose},
    {"attn.c_attn.bias", "attn_qkv.bias", TensorTransform::None},
    {"attn.c_proj.weight", "attn_output.weight", TensorTransform::Transpose},
    {"attn.c_proj.bias", "attn_output.bias", TensorTransform::None},
    {"mlp.c_fc.weight", "ffn_up.weight", TensorTransform::Transpose},
    {"mlp.c_fc.bias", "ffn_up.bias", TensorTransform::None},
    {"mlp.c_proj.weight", "ffn_down.weight", TensorTransform::Transpose},
    {"mlp.c_proj.bias", "ffn_down.bias", TensorTransform::None},
};

const NameRule kBloomLayer[] = {
    {"input_layernorm.weight", "attn_norm.weight", TensorTransform::None},
    {"input_layernorm.bias", "attn_norm.bias", TensorTransform::None},
    {"post_attention_layernorm.weight", "ffn_norm.weight", TensorTransform::None},
    {"post_attention_layernorm.bias", "ffn_norm.bias", TensorTransform::None},
    {"self_attention.query_key_value.weight", "attn_qkv.weight", TensorTransform::GroupQkv},
    {"self_attention.query_key_value.bias", "attn_qkv.bias", TensorTransform::GroupQkv},
    {"self_attention.dense.weight", "attn_output.weight", TensorTransform::None},
    {"self_attention.dense.bias", "attn_output.bias", TensorTransform::None},
    {"mlp.dense_h_to_4h.weight", "ffn_up.weight", TensorTransform::None},
    {"mlp.dense_h_to_4h.bias", "ffn_up.bias", TensorTransform::None},
    {"mlp.dense_4h_to_h.weight", "ffn_down.weight", TensorTransform::None},
    {"mlp.dense_4h_to_h.bias", "ffn_down.bias", TensorTransform::None},
};

struct GlobalRule {
    const char* hf_name;  // without the optional "model." / "transformer." root
    const char* gguf_name;
};

const GlobalRule kLlamaGlobal[] = {{"embed_tokens.weight", "token_embd.weight"},
                                   {"norm.weight", "output_norm.weight"},
                                   {"lm_head.weight", "output.weight"}};
const GlobalRule kGpt2Global[] = {{"wte.weight", "token_embd.weight"},
                                  {"wpe.weight", "position_embd.weight"},
                                  {"ln_f.weight", "output_norm.weight"},
                                  {"ln_f.bias", "output_norm.bias"},
                                  {"lm_head.weight", "output.weight"}};
const GlobalRule kBloomGlobal[] = {{"word_embeddings.weight", "token_embd.weight"},
                                   {"word_embeddings_layernorm.weight", "token_embd_norm.weight"},
                                   {"word_embeddings_layernorm.bias", "token_embd_norm.bias"},
                                   {"ln_f.weight", "output_norm.weight"},
                                   {"ln_f.bias", "output_norm.bias"},
                                   {"lm_head.weight", "output.weight"}};

bool is_buffer(const std::string& name) {
    auto ends_with = [&](const char* s) {
        const std::string suffix(s);
        return name.size() >= suffix.size() &&
               name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    // Non-parameter buffers some checkpoints carry: RoPE inverse frequencies, GPT-2's causal masks.
    // (".attn.bias", not "attn.bias": GPT-2's real c_attn.bias ends in the same letters.)
    return ends_with("rotary_emb.inv_freq") || ends_with(".attn.bias") || ends_with(".attn.masked_bias");
}

template <size_t NL, size_t NG>
std::optional<GgufTensorPlan> plan_with(const HfArchInfo& arch, const std::string& name,
                                        const NameRule (&layer)[NL], const GlobalRule (&global)[NG]) {
    // Strip the task-model root ("model.", "transformer.") that HF adds around the base model.
    static const std::regex kLayer(R"(^(?:model\.|transformer\.)?(?:layers|h)\.(\d+)\.(.+)$)");
    std::smatch m;
    if (std::regex_match(name, m, kLayer)) {
        const std::string suffix = m[2];
        for (const NameRule& rule : layer)
            if (suffix == rule.hf_suffix) {
                GgufTensorPlan plan{"blk." + m[1].str() + "." + rule.gguf_suffix, rule.transform, 0};
                if (rule.transform == TensorTransform::PermutePairs) {
                    if (arch.gguf_arch != "llama") plan.transform = TensorTransform::None;
                    plan.n_head = rule.rope_q ? arch.n_head : arch.n_head_kv;
                }
                if (rule.transform == TensorTransform::GroupQkv) plan.n_head = arch.n_head;
                return plan;
            }
    } else {
        std::string bare = name;
        for (const char* root : {"model.", "transformer."})
            if (bare.rfind(root, 0) == 0) bare = bare.substr(std::string(root).size());
        for (const GlobalRule& rule : global)
            if (bare == rule.hf_name) {
                if (std::string(rule.gguf_name) == "output.weight" && arch.tied_output) return std::nullopt;
                return GgufTensorPlan{rule.gguf_name, TensorTransform::None, 0};
            }
    }
    throw Error("tensor not known to the " + arch.hf_type + " converter").tensor(name);
}

}  // namespace

std::optional<GgufTensorPlan> plan_gguf_tensor(const HfArchInfo& arch, const std::string& hf_name) {
    if (is_buffer(hf_name)) return std::nullopt;
    if (arch.gguf_arch == "llama" || arch.gguf_arch == "qwen2")
        return plan_with(arch, hf_name, kLlamaLayer, kLlamaGlobal);
    if (arch.gguf_arch == "gpt2") return plan_with(arch, hf_name, kGpt2Layer, kGpt2Global);
    if (arch.gguf_arch == "bloom") return plan_with(arch, hf_name, kBloomLayer, kBloomGlobal);
    throw Error("no converter for architecture '" + arch.hf_type + "'");
}

std::vector<int64_t> apply_transform(const GgufTensorPlan& plan, std::vector<float>& data,
                                     const std::vector<int64_t>& shape) {
    const int64_t rows = shape.empty() ? 1 : shape[0];
    const int64_t cols = shape.size() >= 2 ? shape[1] : 1;  // 1 for a bias vector
    std::vector<float> out(data.size());
    switch (plan.transform) {
        case TensorTransform::None:
            return shape;
        case TensorTransform::Transpose: {  // [rows, cols] -> [cols, rows]
            if (shape.size() != 2) throw Error("transpose needs a matrix").tensor(plan.gguf_name);
            for (int64_t r = 0; r < rows; ++r)
                for (int64_t c = 0; c < cols; ++c) out[c * rows + r] = data[r * cols + c];
            data.swap(out);
            return {cols, rows};
        }
        case TensorTransform::PermutePairs: {
            // Rows of one head: [2 halves, hd/2] -> [hd/2, 2]: element i of the second half moves next to
            // element i of the first, so rotating adjacent pairs equals HF's rotate_half.
            const int64_t hd = rows / plan.n_head, half = hd / 2;
            if (plan.n_head <= 0 || rows % plan.n_head != 0 || hd % 2 != 0)
                throw Error("rows do not split into " + std::to_string(plan.n_head) + " heads")
                    .tensor(plan.gguf_name);
            for (int64_t h = 0; h < plan.n_head; ++h)
                for (int64_t part = 0; part < 2; ++part)
                    for (int64_t i = 0; i < half; ++i) {
                        const int64_t from = h * hd + part * half + i, to = h * hd + 2 * i + part;
                        std::copy_n(data.begin() + from * cols, cols, out.begin() + to * cols);
                    }
            data.swap(out);
            return shape;
        }
        case TensorTransform::GroupQkv: {  // rows [n_head, 3, hd] -> [3, n_head, hd]
            const int64_t hd = rows / (3 * plan.n_head);
            if (plan.n_head <= 0 || rows != 3 * plan.n_head * hd)
                throw Error("rows do not split into 3 x " + std::to_string(plan.n_head) + " heads")
                    .tensor(plan.gguf_name);
            for (int64_t h = 0; h < plan.n_head; ++h)
                for (int64_t part = 0; part < 3; ++part) {
                    const int64_t from = (h * 3 + part) * hd, to = (part * plan.n_head + h) * hd;
                    std::copy_n(data.begin() + from * cols, hd * cols, out.begin() + to * cols);
                }
            data.swap(out);
            return shape;
        }
    }
    return shape;
}

}  // namespace loom
