#include "convert/hf_to_gguf.h"

#include <filesystem>

#include "convert/encdec_to_gguf.h"
#include "convert/hf_metadata.h"
#include "convert/hf_tensor_map.h"
#include "convert/tokenizer_to_gguf.h"
#include "core/error.h"
#include "core/json_depth.h"
#include "core/mapped_file.h"
#include "formats/gguf_writer.h"
#include "formats/model_source.h"
#include "quantize/tensor_quantizer.h"
#include "quantize/type_policy.h"
#include "store/safe_output.h"

namespace loom {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

json read_json_or_null(const std::string& path) {
    if (path.empty() || !fs::exists(path)) return nullptr;
    json j = json::parse(read_json_text(path), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) throw Error("not valid JSON").file(path);
    return j;
}

void write_tokenizer(GgufWriter& writer, const ModelSource& source, const ConvertOptions& options,
                     ConvertReport& report) {
    if (source.tokenizer_json_path.empty()) {
        if (options.warn) options.warn("no tokenizer.json in the folder: the GGUF has no tokenizer");
        return;
    }
    HfTokenizerFiles files{read_json_or_null(source.tokenizer_json_path),
                           read_json_or_null(source.tokenizer_config_path), source.hf_config};
    tok::GgufVocab vocab;
    try {
        vocab = gguf_vocab_from_hf(files);
    } catch (Error& e) {
        throw e.file(source.tokenizer_json_path);
    }
    write_gguf_vocab(writer, vocab, hf_chat_template(files.tokenizer_config));
    report.has_tokenizer = true;
    report.tokenizer_pre = vocab.pre;
}

}  // namespace

bool is_convertible_model_type(const std::string& t) {
    for (const char* decoder : {"llama", "mistral", "qwen2", "gpt2", "bloom"})
        if (t == decoder) return true;
    return is_encdec_convert_type(t);
}

ConvertReport convert_hf_to_gguf(const std::string& folder, const std::string& out_path,
                                 const ConvertOptions& options) {
    refuse_output_over_input(out_path, folder);
    ModelSource source = open_model_source(folder);
    if (source.format != SourceFormat::HuggingFace)
        throw Error("convert reads a Hugging Face model folder (config.json + safetensors)").file(folder);
    std::string name = options.model_name;
    if (name.empty()) name = fs::path(folder).lexically_normal().filename().string();
    if (name.empty()) name = fs::path(folder).lexically_normal().parent_path().filename().string();
    if (!is_convertible_model_type(source.architecture))
        throw Error("loom convert does not support model_type '" + source.architecture + "'")
            .file(folder)
            .hint(std::string("supported: ") + kConvertibleModelTypes);
    if (is_encdec_convert_type(source.architecture))
        return convert_encdec_to_gguf(source, out_path, options, name);

    const HfArchInfo arch = hf_arch_info(source.hf_config);
    ConvertReport report;
    report.architecture = arch.gguf_arch;

    GgufWriter writer;
    write_hf_hyperparameters(writer, source.hf_config, arch, name);
    writer.set("general.file_type", GgufValue::u32(gguf_file_type(options.type)));
    if (dtype_info(options.type).quantized) writer.set("general.quantization_version", GgufValue::u32(2));
    write_tokenizer(writer, source, options, report);

    const auto& all = source.weights.all();
    const int64_t total = static_cast<int64_t>(all.size());
    int64_t done = 0;
    for (const auto& [hf_name, tensor] : all) {
        std::optional<GgufTensorPlan> plan = plan_gguf_tensor(arch, hf_name);
        if (plan) {
            std::vector<float> values = tensor.to_f32();  // [rows, inner] in the folder's layout
            std::vector<int64_t> shape = apply_transform(*plan, values, tensor.shape());
            const DType type = tensor_type_for(options.type, shape);
            const int64_t inner = shape.empty() ? 1 : shape.back();
            const int64_t rows = static_cast<int64_t>(values.size()) / std::max<int64_t>(inner, 1);
            std::vector<uint8_t> bytes = quantize_rows(values.data(), rows, inner, type, plan->gguf_name);
            report.bytes += bytes.size();
            report.tensors += 1;
            writer.add_tensor(plan->gguf_name, type, std::move(shape), std::move(bytes));
        }
        if (options.progress) options.progress(++done, total);
    }
    for (auto& [gguf_name, values] : derived_tensors(source.hf_config, arch)) {
        std::vector<uint8_t> bytes(values.size() * sizeof(float));
        std::memcpy(bytes.data(), values.data(), bytes.size());
        report.bytes += bytes.size();
        report.tensors += 1;
        writer.add_tensor(gguf_name, DType::F32, {static_cast<int64_t>(values.size())}, std::move(bytes));
    }

    write_via_temp_file(out_path, [&](const std::string& temp) { writer.write(temp); });
    return report;
}

}  // namespace loom
