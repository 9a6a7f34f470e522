#include "nn/linear.h"

#include "core/error.h"
#include "formats/weight_map.h"
#include "kernels/cpu/matmul.h"

namespace loom {

void Linear::forward(const float* x, int64_t ldx, float* y, int64_t ldy, int64_t M) const {
    matmul(weight, x, ldx, y, ldy, M);
    if (bias.empty()) return;
    const int64_t n = out_features();
    for (int64_t m = 0; m < M; ++m) {
        float* row = y + m * ldy;
        for (int64_t i = 0; i < n; ++i) row[i] += bias[i];
    }
}

namespace {
std::string shape_string(const std::vector<int64_t>& shape) {
    std::string s = "[";
    for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}
}  // namespace

void check_shape(const Tensor& t, const std::string& name, const std::vector<int64_t>& expected) {
    if (t.shape() != expected)
        throw Error("tensor '" + name + "': expected shape " + shape_string(expected) + ", found " +
                    t.shape_string())
            .tensor(name);
}

const Tensor& require_tensor(const WeightMap& weights, const std::string& name,
                             const std::vector<int64_t>& shape) {
    const Tensor* t = weights.find(name);
    if (!t)
        throw Error("missing tensor '" + name + "' (expected shape " + shape_string(shape) + ")")
            .tensor(name);
    check_shape(*t, name, shape);
    return *t;
}

std::vector<float> require_vector(const WeightMap& weights, const std::string& name, int64_t n) {
    return require_tensor(weights, name, {n}).to_f32();
}

std::vector<float> optional_vector(const WeightMap& weights, const std::string& name, int64_t n) {
    if (!weights.contains(name)) return {};
    return require_vector(weights, name, n);
}

Linear load_linear(const WeightMap& weights, const std::string& weight_name, int64_t out, int64_t in,
                   const std::string& bias_name, bool bias_required) {
    Linear l;
    l.weight = require_tensor(weights, weight_name, {out, in});
    if (!matmul_supports(l.weight.dtype()))
        throw Error(std::string("tensor '") + weight_name + "': dtype " + dtype_name(l.weight.dtype()) +
                    " has no matmul kernel")
            .tensor(weight_name);
    if (!bias_name.empty())
        l.bias = bias_required ? require_vector(weights, bias_name, out)
                               : optional_vector(weights, bias_name, out);
    return l;
}

Tensor transpose_to_f32(const Tensor& t) {
    if (t.rank() != 2) throw Error("transpose: expected a matrix, found shape " + t.shape_string());
    const int64_t rows = t.dim(0), cols = t.dim(1);
    std::vector<float> src = t.to_f32();  // [rows, cols]
    Tensor out = Tensor::zeros(DType::F32, {cols, rows});
    float* dst = out.mutable_data_as<float>();  // [cols, rows]
    for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) dst[c * rows + r] = src[r * cols + c];
    return out;
}

}  // namespace loom
