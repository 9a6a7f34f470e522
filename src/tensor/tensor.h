// Tensor: a typed, shaped view over bytes that are either memory-mapped from a model file or owned.
//
// Shapes are row-major, outermost first, as PyTorch prints them: a Linear weight is [out_features, in_features]
// and each row of in_features elements is contiguous. (GGUF lists dimensions innermost first; the GGUF reader
// reverses them.) Quantized tensors are contiguous rows of blocks along the innermost dimension.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tensor/dtype.h"

namespace loom {

class Tensor {
public:
    Tensor() = default;
    // A view over `data` kept alive by `owner` (a MappedFile or a byte buffer). Checks that the byte size is
    // consistent with dtype and shape; throws loom::Error otherwise.
    Tensor(DType dtype, std::vector<int64_t> shape, const void* data, std::shared_ptr<const void> owner);

    // A new zero-filled tensor that owns its bytes (64-byte aligned).
    static Tensor zeros(DType dtype, std::vector<int64_t> shape);

    DType dtype() const { return dtype_; }
    const std::vector<int64_t>& shape() const { return shape_; }
    int rank() const { return static_cast<int>(shape_.size()); }
    int64_t dim(int i) const { return shape_.at(i < 0 ? shape_.size() + i : i); }
    int64_t numel() const;
    uint64_t nbytes() const;     // total bytes of the data
    uint64_t row_nbytes() const; // bytes of one innermost row
    int64_t rows() const;        // numel / innermost dim (1 for scalars)
    bool empty() const { return data_ == nullptr && numel() == 0; }

    const void* data() const { return data_; }
    void* mutable_data() const { return const_cast<void*>(data_); }  // only for tensors made by zeros()
    template <typename T>
    const T* data_as() const { return static_cast<const T*>(data_); }
    template <typename T>
    T* mutable_data_as() const { return static_cast<T*>(mutable_data()); }
    const uint8_t* row_ptr(int64_t row) const { return static_cast<const uint8_t*>(data_) + row * row_nbytes(); }

    // Every element converted to f32 (dequantized for quantized types), in row-major order.
    std::vector<float> to_f32() const;
    std::string shape_string() const;  // "[576, 49152]"

private:
    DType dtype_ = DType::F32;
    std::vector<int64_t> shape_;
    const void* data_ = nullptr;
    std::shared_ptr<const void> owner_;
};

}  // namespace loom
