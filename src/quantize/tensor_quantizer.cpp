#include "quantize/tensor_quantizer.h"

#include <algorithm>
#include <atomic>
#include <cstring>

#include "core/error.h"
#include "core/parallel.h"
#include "tensor/dequantize.h"
#include "tensor/quantize.h"

namespace loom {
namespace {

constexpr int64_t kRowsPerProgressChunk = 256;  // progress granularity; also the unit of parallel work

int64_t inner_dim(const Tensor& t) {
    return t.rank() == 0 ? 1 : t.dim(-1);
}

void check_target(DType target, int64_t inner, const std::string& name) {
    if (!has_quantizer(target))
        throw Error(std::string("no quantizer for type ") + dtype_name(target)).tensor(name);
    const uint32_t block = dtype_info(target).block_size;
    if (inner % block != 0)
        throw Error("row of " + std::to_string(inner) + " elements is not a multiple of the " +
                    dtype_name(target) + " block size " + std::to_string(block))
            .tensor(name);
}

}  // namespace

bool can_store_rows(DType type, int64_t inner) {
    return has_quantizer(type) && inner > 0 && inner % dtype_info(type).block_size == 0;
}

std::vector<uint8_t> requantize_tensor(const Tensor& src, DType target, const std::string& name,
                                       const RowProgress& progress) {
    const int64_t inner = inner_dim(src), rows = src.rows();
    if (src.dtype() == target) {
        const auto* bytes = static_cast<const uint8_t*>(src.data());
        if (progress) progress(rows, rows);
        return std::vector<uint8_t>(bytes, bytes + src.nbytes());
    }
    check_target(target, inner, name);
    const uint64_t out_row = row_bytes(target, static_cast<uint64_t>(inner));
    std::vector<uint8_t> out(out_row * static_cast<uint64_t>(rows));  // [rows, out_row]
    // Chunks of rows in order on this thread, each chunk's rows split across threads: progress can be
    // reported between chunks without a callback from worker threads.
    const int64_t chunk = std::max<int64_t>(kRowsPerProgressChunk, rows / 64);
    for (int64_t first = 0; first < rows; first += chunk) {
        const int64_t last = std::min(rows, first + chunk);
        parallel_for(last - first, 1, [&](int64_t begin, int64_t end) {
            std::vector<float> row(static_cast<size_t>(inner));  // one f32 row per worker
            for (int64_t r = first + begin; r < first + end; ++r) {
                dequantize_row(src.dtype(), src.row_ptr(r), row.data(), inner);
                quantize_row(target, row.data(), out.data() + out_row * r, inner);
            }
        });
        if (progress) progress(last, rows);
    }
    return out;
}

std::vector<uint8_t> quantize_rows(const float* values, int64_t rows, int64_t inner, DType target,
                                   const std::string& name) {
    check_target(target, inner, name);
    const uint64_t out_row = row_bytes(target, static_cast<uint64_t>(inner));
    std::vector<uint8_t> out(out_row * static_cast<uint64_t>(rows));  // [rows, out_row]
    parallel_for(rows, 16, [&](int64_t begin, int64_t end) {
        for (int64_t r = begin; r < end; ++r)
            quantize_row(target, values + r * inner, out.data() + out_row * r, inner);
    });
    return out;
}

}  // namespace loom
