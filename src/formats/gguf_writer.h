// GgufWriter: builds a GGUF v3 (or v2) file — metadata of every type, tensors with their bytes — and writes
// it with the data section and every tensor aligned. Used by tests, fuzz seeds and `loom convert`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "formats/gguf.h"
#include "formats/gguf_value.h"
#include "tensor/dtype.h"

namespace loom {

class GgufWriter {
  public:
    // An alignment other than 32 is recorded as general.alignment (UINT32). Throws unless it is a power of
    // two.
    explicit GgufWriter(uint32_t alignment = kGgufDefaultAlignment, uint32_t version = 3);

    // Adds a key, or replaces its value in place (keeping the original order).
    void set(const std::string& key, GgufValue value);

    // `shape` is outermost first (loom's order; the file stores it reversed). Throws loom::Error naming the
    // tensor when the byte count does not match dtype and shape, the rank exceeds 4 or the name is taken.
    void add_tensor(const std::string& name, DType dtype, std::vector<int64_t> shape,
                    std::vector<uint8_t> bytes);

    std::vector<uint8_t> to_bytes() const;
    // Writes the file (streamed, so big tensors are not copied again); throws loom::Error on I/O failure.
    void write(const std::string& path) const;

  private:
    struct PendingTensor {
        std::string name;
        DType dtype;
        std::vector<int64_t> shape;
        std::vector<uint8_t> bytes;
    };
    using Sink = std::function<void(const void* data, size_t size)>;
    void serialize(const Sink& sink) const;

    uint32_t alignment_;
    uint32_t version_;
    std::vector<std::pair<std::string, GgufValue>> metadata_;
    std::vector<PendingTensor> tensors_;
};

}  // namespace loom
