#include "nn/norm.h"

#include "kernels/cpu/ops.h"

namespace loom {

void Norm::forward(float* out, const float* x, int64_t n_rows) const {
    const int64_t n = size();
    for (int64_t r = 0; r < n_rows; ++r) {
        if (kind == Kind::Rms) {
            rmsnorm(out + r * n, x + r * n, weight.data(), n, eps);
        } else {
            layernorm(out + r * n, x + r * n, weight.data(), bias.empty() ? nullptr : bias.data(), n, eps);
        }
    }
}

}  // namespace loom
