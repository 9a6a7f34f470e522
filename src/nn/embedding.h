// Token embedding lookup (any dtype: rows are dequantized on the fly), plus learned position embeddings.
#pragma once

#include <cstdint>
#include <span>

#include "tensor/tensor.h"

namespace loom {

struct Embedding {
    Tensor table;  // [n_rows, dim]

    // out: [tokens.size(), dim]. Throws loom::Error for an id outside [0, n_rows).
    void lookup(std::span<const int32_t> tokens, float* out) const;
    // out[t] += table[pos0 + t] for t < n_tokens: learned absolute positions (GPT-2).
    void add_positions(float* out, int64_t pos0, int64_t n_tokens) const;
    int64_t dim() const { return table.dim(1); }
    int64_t rows() const { return table.dim(0); }
};

}  // namespace loom
