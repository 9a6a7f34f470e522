// libFuzzer target for the GGUF parser: any bytes must parse or throw loom::Error — never crash, hang, leak
// or read outside the buffer. On success every metadata value and every tensor byte is touched, so ASan
// checks that the views the parser made lie inside the input.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/error.h"
#include "formats/gguf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    try {
        auto file = loom::GgufFile::parse(std::span<const uint8_t>(data, size), nullptr, "fuzz.gguf");
        size_t checksum = 0;
        for (const auto& [key, value] : file->metadata()) {
            checksum += value.to_display_string().size();
            try {
                checksum += file->get_float(key).has_value();
            } catch (const loom::Error&) {
            }
            try {
                checksum += file->get_int_array(key).value_or(std::vector<int64_t>{}).size();
            } catch (const loom::Error&) {
            }
        }
        for (const auto& [name, tensor] : file->weights().all()) {
            const auto* bytes = static_cast<const uint8_t*>(tensor.data());
            for (uint64_t i = 0; i < tensor.nbytes(); ++i) checksum += bytes[i];
        }
        volatile size_t sink = checksum;
        (void)sink;
    } catch (const loom::Error&) {
    }
    return 0;
}
