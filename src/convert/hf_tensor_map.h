// Hugging Face tensor names -> GGUF tensor names (llama.cpp's naming: token_embd, blk.N.attn_q, ...) and the
// re-layout each tensor needs on the way:
//   - LLaMA/Mistral Q and K rows are permuted from HF's "two halves" RoPE layout to GGUF's adjacent pairs
//     (loom's GGUF reader rotates llama-arch weights as pairs; qwen2 keeps the halves, as llama.cpp does);
//   - GPT-2's Conv1D weights [in, out] are transposed to [out, in];
//   - BLOOM's fused QKV rows, interleaved per head ([n_head, 3, head_dim]), are regrouped to [3, n_head,
//     head_dim] (all Q rows, then K, then V).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace loom {

enum class TensorTransform { None, Transpose, PermutePairs, GroupQkv };

struct GgufTensorPlan {
    std::string gguf_name;
    TensorTransform transform = TensorTransform::None;
    int64_t n_head = 0;  // heads in the rows, for PermutePairs and GroupQkv
};

struct HfArchInfo {
    std::string hf_type;    // config.json model_type: llama, mistral, qwen2, gpt2, bloom
    std::string gguf_arch;  // general.architecture: mistral converts as llama
    int64_t n_head = 0, n_head_kv = 0;
    bool tied_output = false;  // lm_head.weight is the embedding: not written
};

// nullopt for tensors the GGUF does not keep (rotary inv_freq buffers, GPT-2 attention masks, a tied
// lm_head). Throws loom::Error naming the tensor when it is not recognised, so nothing is silently dropped.
std::optional<GgufTensorPlan> plan_gguf_tensor(const HfArchInfo& arch, const std::string& hf_name);

// Applies the plan's re-layout to f32 data of `shape` (outermost first); returns the new shape.
std::vector<int64_t> apply_transform(const GgufTensorPlan& plan, std::vector<float>& data,
                                     const std::vector<int64_t>& shape);

}  // namespace loom
