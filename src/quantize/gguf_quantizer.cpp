#include "quantize/gguf_quantizer.h"

#include <chrono>
#include <filesystem>

#include "core/error.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "quantize/tensor_quantizer.h"
#include "quantize/type_policy.h"
#include "store/safe_output.h"

namespace loom {

QuantizeReport quantize_gguf_file(const std::string& in_path, const std::string& out_path, DType target,
                                  const ByteProgress& progress) {
    const auto start = std::chrono::steady_clock::now();
    refuse_output_over_input(out_path, in_path);
    std::shared_ptr<const GgufFile> in = GgufFile::open(in_path);
    GgufWriter writer(static_cast<uint32_t>(in->alignment()));
    for (const auto& [key, value] : in->metadata())
        if (key != "general.alignment") writer.set(key, value);
    writer.set("general.file_type", GgufValue::u32(gguf_file_type(target)));
    writer.set("general.quantized_by", GgufValue::string("loom"));

    QuantizeReport report;
    for (const GgufTensorInfo& info : in->tensor_infos()) report.bytes_in += info.nbytes;
    uint64_t done = 0;
    for (const GgufTensorInfo& info : in->tensor_infos()) {
        const Tensor& tensor = in->weights().get(info.name);
        const DType type = tensor_type_for(target, info.shape);
        // A vector already stored quantized (rare) keeps its type rather than growing to f32.
        const DType chosen = info.shape.size() < 2 && dtype_info(info.dtype).quantized ? info.dtype : type;
        const uint64_t before = done;
        std::vector<uint8_t> bytes =
            requantize_tensor(tensor, chosen, info.name, [&](int64_t rows_done, int64_t rows) {
                done = before + info.nbytes * static_cast<uint64_t>(rows_done) / static_cast<uint64_t>(rows);
                if (progress) progress(done, report.bytes_in);
            });
        done = before + info.nbytes;
        report.tensors += 1;
        report.tensors_requantized += chosen != info.dtype;
        report.bytes_out += bytes.size();
        writer.add_tensor(info.name, chosen, info.shape, std::move(bytes));
    }
    write_via_temp_file(out_path, [&](const std::string& temp) { writer.write(temp); });
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return report;
}

}  // namespace loom
