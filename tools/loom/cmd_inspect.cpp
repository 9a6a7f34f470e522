// `loom inspect PATH [--json]`: what a model file or folder holds — architecture, hyperparameters (every GGUF
// metadata key, or config.json), tokenizer kind and size, the tensor table, parameter count and the memory
// the weights take (memory-mapped). Opening reads metadata only, so this is fast on any model size.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "flag_ranges.h"
#include "core/error.h"
#include "core/json_depth.h"
#include "core/mapped_file.h"
#include "core/terminal_text.h"
#include "default_model.h"
#include "formats/gguf.h"
#include "formats/model_source.h"
#include "models/decoder_model.h"
#include "store/memory_estimate.h"

namespace loom::cli {
namespace {

using json = nlohmann::ordered_json;  // keeps GGUF metadata in file order

constexpr size_t kMaxArrayItemsShown = 8;  // longer arrays print as "[49152 strings]"

// A GGUF value as JSON; arrays longer than kMaxArrayItemsShown become {"array_of": TYPE, "count": N}.
json gguf_value_json(const GgufValue& value) {
    switch (value.type()) {
        case GgufType::String:
            return value.as_string();
        case GgufType::Bool:
            return value.as_bool();
        case GgufType::Float32:
        case GgufType::Float64: {
            double v = value.type() == GgufType::Float32 ? value.as_f32() : value.as_f64();
            if (!std::isfinite(v)) return value.to_display_string();         // JSON has no NaN/inf
            return std::strtod(value.to_display_string().c_str(), nullptr);  // shortest form: 1e-05
        }
        case GgufType::Array: {
            const GgufArray& array = value.as_array();
            if (array.items.size() > kMaxArrayItemsShown)
                return json{{"array_of", gguf_type_name(array.element_type)}, {"count", array.items.size()}};
            json items = json::array();
            for (const GgufValue& item : array.items) items.push_back(gguf_value_json(item));
            return items;
        }
        default:
            if (gguf_type_is_unsigned(value.type())) return value.as_unsigned();
            return value.as_signed();
    }
}

json gguf_tokenizer(const GgufFile& gguf) {
    json tokenizer = {{"source", "gguf metadata"}};
    tokenizer["kind"] = gguf.has("tokenizer.ggml.model")
                            ? json(gguf.get_string("tokenizer.ggml.model").value())
                            : json(nullptr);
    std::optional<uint64_t> tokens = gguf.array_size("tokenizer.ggml.tokens");
    tokenizer["size"] = tokens ? json(*tokens) : json(nullptr);
    return tokenizer;
}

json hf_tokenizer(const ModelSource& source) {
    if (!source.tokenizer_json_path.empty()) {
        // Plain (unordered) json: tokenizer.json vocabularies have 100k+ keys.
        nlohmann::json file = nlohmann::json::parse(read_json_text(source.tokenizer_json_path), nullptr,
                                                    /*allow_exceptions=*/false);
        if (file.is_discarded() || !file.is_object())
            throw Error("tokenizer.json is not a JSON object").file(source.tokenizer_json_path);
        json tokenizer = {{"source", source.tokenizer_json_path}, {"kind", nullptr}, {"size", nullptr}};
        auto model = file.find("model");
        if (model != file.end() && model->is_object()) {
            auto type = model->find("type");
            if (type != model->end() && type->is_string()) tokenizer["kind"] = type->get<std::string>();
            auto vocab = model->find("vocab");
            if (vocab != model->end() && (vocab->is_object() || vocab->is_array()))
                tokenizer["size"] = vocab->size();
        }
        auto added = file.find("added_tokens");
        if (added != file.end() && added->is_array()) tokenizer["added_tokens"] = added->size();
        return tokenizer;
    }
    if (!source.sentencepiece_model_path.empty())
        return {{"source", source.sentencepiece_model_path}, {"kind", "sentencepiece"}, {"size", nullptr}};
    return {{"source", nullptr}, {"kind", nullptr}, {"size", nullptr}};
}

json build_report(const ModelSource& source) {
    json report;
    report["path"] = source.path;
    report["architecture"] = source.architecture;
    if (source.format == SourceFormat::Gguf) {
        const GgufFile& gguf = *source.gguf;
        report["format"] = "gguf";
        report["gguf_version"] = gguf.version();
        report["alignment"] = gguf.alignment();
        json metadata = json::object();
        for (const auto& [key, value] : gguf.metadata()) metadata[key] = gguf_value_json(value);
        report["metadata"] = std::move(metadata);
        // A GGUF carrying its folder's tokenizer files (formats/gguf_hf_files.h) is read through them.
        const bool carried = !source.tokenizer_json_path.empty() || !source.sentencepiece_model_path.empty();
        report["tokenizer"] = carried ? hf_tokenizer(source) : gguf_tokenizer(gguf);
    } else {
        report["format"] = "huggingface";
        report["metadata"] = json::parse(source.hf_config.dump());
        report["tokenizer"] = hf_tokenizer(source);
    }
    json tensors = json::array();
    uint64_t parameters = 0, bytes = 0;
    for (const auto& [name, tensor] : source.weights.all()) {
        tensors.push_back({{"name", name},
                           {"dtype", dtype_name(tensor.dtype())},
                           {"shape", tensor.shape()},
                           {"bytes", tensor.nbytes()}});
        parameters += static_cast<uint64_t>(tensor.numel());
        bytes += tensor.nbytes();
    }
    report["tensor_count"] = tensors.size();
    report["tensors"] = std::move(tensors);
    report["parameters"] = parameters;
    report["weights_bytes"] = bytes;
    report["memory_mapped"] = true;
    return report;
}

std::string human_count(uint64_t n, const char* const units[], double step) {
    double value = static_cast<double>(n);
    int unit = 0;
    while (value >= step && units[unit + 1] != nullptr) {
        value /= step;
        ++unit;
    }
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, unit == 0 ? "%.0f%s" : "%.2f %s", value, units[unit]);
    return buffer;
}

std::string human_bytes(uint64_t n) {
    static const char* const units[] = {" B", "KiB", "MiB", "GiB", "TiB", nullptr};
    return human_count(n, units, 1024.0);
}

std::string human_params(uint64_t n) {
    static const char* const units[] = {"", "K", "M", "B", "T", nullptr};
    return human_count(n, units, 1000.0);
}

std::string json_scalar_text(const json& value) {
    return value.is_string() ? value.get<std::string>() : value.dump();
}

// Every string below may come from the file (metadata, names, the tokenizer's kind): terminal_safe() shows
// control characters as escapes instead of letting them drive the terminal.
void print_text(const ModelSource& source, const json& report) {
    std::printf("path: %s\n", terminal_safe(source.path).c_str());
    if (source.format == SourceFormat::Gguf)
        std::printf("format: GGUF v%u, alignment %llu\n", source.gguf->version(),
                    static_cast<unsigned long long>(source.gguf->alignment()));
    else
        std::printf("format: Hugging Face folder (config.json + safetensors)\n");
    std::printf("architecture: %s\n",
                source.architecture.empty() ? "(not set)" : terminal_safe(source.architecture).c_str());

    if (source.format == SourceFormat::Gguf) {
        std::printf("metadata (%zu keys):\n", source.gguf->metadata().size());
        for (const auto& [key, value] : source.gguf->metadata()) {
            std::string text = value.to_display_string(kMaxArrayItemsShown);
            if (value.type() == GgufType::String &&
                text.size() > 120)  // chat templates: say how long, not all of it
                text = text.substr(0, 80) + "... (" + std::to_string(text.size()) + " bytes)";
            for (char& c : text)
                if (c == '\n' || c == '\r') c = ' ';
            std::printf("  %s = %s\n", terminal_safe(key).c_str(), terminal_safe(text).c_str());
        }
    } else {
        std::printf("config.json (%zu keys):\n", source.hf_config.size());
        for (const auto& [key, value] : source.hf_config.items())
            std::printf("  %s = %s\n", terminal_safe(key).c_str(),
                        terminal_safe(json_scalar_text(value)).c_str());
    }

    const json& tokenizer = report["tokenizer"];
    std::printf("tokenizer: %s", tokenizer["kind"].is_null()
                                     ? "(none)"
                                     : terminal_safe(json_scalar_text(tokenizer["kind"])).c_str());
    if (!tokenizer["size"].is_null()) std::printf(", %s tokens", tokenizer["size"].dump().c_str());
    if (tokenizer.contains("added_tokens"))
        std::printf(" (+ %s added)", tokenizer["added_tokens"].dump().c_str());
    if (!tokenizer["source"].is_null())
        std::printf(" [%s]", terminal_safe(json_scalar_text(tokenizer["source"])).c_str());
    std::printf("\n");

    size_t name_width = 4;
    for (const auto& [name, tensor] : source.weights.all())
        name_width = std::max(name_width, terminal_safe(name).size());
    std::printf("tensors (%zu):\n", source.weights.size());
    if (source.weights.size() > 0)
        std::printf("  %-*s  %-5s  %-22s  %s\n", static_cast<int>(name_width), "name", "dtype", "shape",
                    "bytes");
    for (const auto& [name, tensor] : source.weights.all())
        std::printf("  %-*s  %-5s  %-22s  %llu\n", static_cast<int>(name_width), terminal_safe(name).c_str(),
                    dtype_name(tensor.dtype()), tensor.shape_string().c_str(),
                    static_cast<unsigned long long>(tensor.nbytes()));
    uint64_t parameters = report["parameters"], bytes = report["weights_bytes"];
    std::printf("parameters: %s (%llu)\n", human_params(parameters).c_str(),
                static_cast<unsigned long long>(parameters));
    std::printf(
        "memory: %s of weights (%llu bytes), memory-mapped: read from the file on first use, not copied\n",
        human_bytes(bytes).c_str(), static_cast<unsigned long long>(bytes));
}

// The memory a decoder needs at a context (weights + KV cache + scratch) against the RAM available; nullopt
// for a source that is not a decoder loom runs (an encoder folder, a vocab-only GGUF).
std::optional<MemoryEstimate> decoder_memory(const ModelSource& source, int64_t requested_ctx) {
    try {
        ModelConfig config = read_model_config(source);
        return estimate_memory(source, config, choose_context(config, requested_ctx));
    } catch (const Error&) {
        return std::nullopt;
    }
}

json memory_json(const MemoryEstimate& e) {
    json j = {{"context", e.n_ctx},
              {"weights_bytes", e.weights},
              {"kv_cache_bytes", e.kv_cache},
              {"scratch_bytes", e.scratch},
              {"total_bytes", e.total}};
    j["available_bytes"] = e.available ? json(*e.available) : json(nullptr);
    j["fits"] = e.fits();
    return j;
}

CommandRegistrar inspect_registrar(
    {"inspect", "show a model's architecture, hyperparameters, tokenizer and tensors",
     [](CLI::App& sub) -> std::function<int()> {
         auto path = std::make_shared<std::string>();
         auto as_json = std::make_shared<bool>(false);
         sub.add_option("path", *path, "a .gguf file or a Hugging Face model folder")->required();
         sub.add_flag("--json", *as_json, "print one JSON object instead of text");
         auto ctx = std::make_shared<int64_t>(0);
         sub.add_option("-c,--ctx-size", *ctx, "context for the memory estimate (0: min(trained, 4096))")
             ->capture_default_str()
             ->check(whole_number(0, 1 << 24));
         return [path, as_json, ctx] {
             ModelSource source = open_model_source(resolve_model_path(*path));
             json report = build_report(source);
             std::optional<MemoryEstimate> memory = decoder_memory(source, *ctx);
             if (memory) report["memory_estimate"] = memory_json(*memory);
             if (*as_json) {
                 std::printf("%s\n", report.dump(2, ' ', false, json::error_handler_t::replace).c_str());
             } else {
                 print_text(source, report);
                 if (memory) std::printf("memory needed: %s\n", describe_memory(*memory).c_str());
             }
             return 0;
         };
     }});

}  // namespace
}  // namespace loom::cli
