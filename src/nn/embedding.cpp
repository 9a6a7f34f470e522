#include "nn/embedding.h"

#include <string>
#include <vector>

#include "core/error.h"
#include "kernels/cpu/ops.h"

namespace loom {

void Embedding::lookup(std::span<const int32_t> tokens, float* out) const {
    const int64_t d = dim();
    for (size_t t = 0; t < tokens.size(); ++t) {
        if (tokens[t] < 0 || tokens[t] >= rows())
            throw Error("token id " + std::to_string(tokens[t]) + " is out of range for a vocabulary of " +
                        std::to_string(rows()));
        embedding_row(table, tokens[t], out + static_cast<int64_t>(t) * d);
    }
}

void Embedding::add_positions(float* out, int64_t pos0, int64_t n_tokens) const {
    const int64_t d = dim();
    if (pos0 + n_tokens > rows())
        throw Error("position " + std::to_string(pos0 + n_tokens - 1) + " is past the model's " +
                    std::to_string(rows()) + " learned positions");
    std::vector<float> row(static_cast<size_t>(d));  // [dim]
    for (int64_t t = 0; t < n_tokens; ++t) {
        embedding_row(table, pos0 + t, row.data());
        add(out + t * d, out + t * d, row.data(), d);
    }
}

}  // namespace loom
