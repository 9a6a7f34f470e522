// "Will this model fit?": the memory a decoder model needs at a context length, next to the RAM this
// machine has available now.
//   weights  = the tensor bytes (memory-mapped: paged in from the file as they are used), plus the f32
//              copies loom makes at load (GPT-2 Hugging Face Conv1D weights are transposed into f32)
//   kv cache = 2 (K and V) x n_layer x n_head_kv x head_dim x n_ctx x 4 bytes (f32)
//   scratch  = activations of one prefill batch of up to kScratchBatch tokens, the attention scores of
//              one head over the context, and a row of logits
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace loom {

struct ModelSource;
struct ModelConfig;

inline constexpr int64_t kScratchBatch = 512;

struct MemoryEstimate {
    int64_t n_ctx = 0;
    uint64_t weights = 0, kv_cache = 0, scratch = 0, total = 0;
    std::optional<uint64_t> available;  // MemAvailable (capped by a cgroup limit); nullopt when unknown
    bool fits() const { return !available || total <= *available; }
};

MemoryEstimate estimate_memory(const ModelSource& source, const ModelConfig& config, int64_t n_ctx);

// Bytes of RAM available to this process now: /proc/meminfo MemAvailable, capped by the cgroup v2/v1
// memory limit minus its usage. nullopt when neither can be read.
std::optional<uint64_t> available_memory_bytes();

// "weights 98.3 MiB + KV cache 45.0 MiB + scratch 12.1 MiB = 155.4 MiB at context 2048; available 7.6 GiB:
// fits"
std::string describe_memory(const MemoryEstimate& estimate);

}  // namespace loom
