// libFuzzer target for the safetensors parser: any bytes must parse or throw loom::Error — never crash, hang,
// leak or read outside the buffer. On success every tensor byte is read, so ASan checks the views' bounds.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/error.h"
#include "formats/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        loom::WeightMap weights;
        loom::read_safetensors(std::span<const uint8_t>(data, size), nullptr, "fuzz.safetensors", weights);
        size_t checksum = 0;
        for (const auto& [name, tensor] : weights.all()) {
            const auto* bytes = static_cast<const uint8_t*>(tensor.data());
            for (uint64_t i = 0; i < tensor.nbytes(); ++i) checksum += bytes[i];
        }
        volatile size_t sink = checksum;
        (void)sink;
    } catch (const loom::Error&) {
    }
    return 0;
}
