// Normalization layers applied row by row: RMSNorm (LLaMA family) and LayerNorm (GPT-2, BLOOM).
#pragma once

#include <cstdint>
#include <vector>

namespace loom {

struct Norm {
    enum class Kind { Rms, Layer };
    Kind kind = Kind::Rms;
    std::vector<float> weight;  // [n]
    std::vector<float> bias;    // [n] (LayerNorm; may be empty)
    float eps = 1e-5f;

    // out, x: [n_rows, n] (may alias).
    void forward(float* out, const float* x, int64_t n_rows) const;
    int64_t size() const { return static_cast<int64_t>(weight.size()); }
};

}  // namespace loom
