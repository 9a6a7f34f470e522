#include "tensor/tensor.h"

#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "tensor/dequantize.h"

namespace loom {

Tensor::Tensor(DType dtype, std::vector<int64_t> shape, const void* data, std::shared_ptr<const void> owner)
    : dtype_(dtype), shape_(std::move(shape)), data_(data), owner_(std::move(owner)) {
    for (int64_t d : shape_)
        if (d < 0) throw Error("negative tensor dimension in shape " + shape_string());
    if (!shape_.empty()) row_bytes(dtype_, static_cast<uint64_t>(shape_.back()));  // throws if not whole blocks
}

Tensor Tensor::zeros(DType dtype, std::vector<int64_t> shape) {
    Tensor probe(dtype, shape, nullptr, nullptr);
    uint64_t bytes = probe.nbytes();
    size_t alloc = static_cast<size_t>((bytes + 63) / 64 * 64);
    void* memory = std::aligned_alloc(64, alloc == 0 ? 64 : alloc);
    if (!memory) throw Error("out of memory allocating " + std::to_string(bytes) + " bytes");
    std::memset(memory, 0, alloc == 0 ? 64 : alloc);
    std::shared_ptr<const void> owner(memory, [](const void* p) { std::free(const_cast<void*>(p)); });
    return Tensor(dtype, std::move(shape), memory, std::move(owner));
}

int64_t Tensor::numel() const {
    int64_t n = 1;
    for (int64_t d : shape_) n *= d;
    return n;
}

uint64_t Tensor::row_nbytes() const {
    return shape_.empty() ? row_bytes(dtype_, 1) : row_bytes(dtype_, static_cast<uint64_t>(shape_.back()));
}

int64_t Tensor::rows() const {
    if (shape_.empty()) return 1;
    return shape_.back() == 0 ? 0 : numel() / shape_.back();
}

uint64_t Tensor::nbytes() const { return static_cast<uint64_t>(rows()) * row_nbytes(); }

std::vector<float> Tensor::to_f32() const {
    std::vector<float> out(static_cast<size_t>(numel()));
    int64_t cols = shape_.empty() ? 1 : shape_.back();
    for (int64_t r = 0; r < rows(); ++r) dequantize_row(dtype_, row_ptr(r), out.data() + r * cols, cols);
    return out;
}

std::string Tensor::shape_string() const {
    std::string s = "[";
    for (size_t i = 0; i < shape_.size(); ++i) s += (i ? ", " : "") + std::to_string(shape_[i]);
    return s + "]";
}

}  // namespace loom
