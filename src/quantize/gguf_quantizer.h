// `loom quantize`: a GGUF file re-encoded to another type, metadata kept (general.file_type updated), every
// tensor's type chosen by quantize/type_policy.h, rows quantized on all threads.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "tensor/dtype.h"

namespace loom {

struct QuantizeReport {
    uint64_t bytes_in = 0, bytes_out = 0;  // tensor data only
    int64_t tensors = 0, tensors_requantized = 0;
    double seconds = 0.0;
};

// progress(bytes of tensor data done, total): called from the calling thread.
using ByteProgress = std::function<void(uint64_t done, uint64_t total)>;

// Throws loom::Error naming the file/tensor on a bad input, an unsupported type, or a failed write. The
// output is written to OUT.part and renamed, so a failed run leaves no half file under the final name.
QuantizeReport quantize_gguf_file(const std::string& in_path, const std::string& out_path, DType target,
                                  const ByteProgress& progress = {});

}  // namespace loom
