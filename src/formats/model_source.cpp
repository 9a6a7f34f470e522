// open_model_source: decide what the user pointed at (a GGUF file or a Hugging Face folder) and load its
// metadata and weight views.
#include "formats/model_source.h"
#include "core/json_depth.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "core/mapped_file.h"
#include "formats/gguf.h"
#include "formats/gguf_hf_view.h"
#include "formats/safetensors.h"

namespace loom {

namespace {

namespace fs = std::filesystem;

std::string existing_file(const fs::path& folder, const char* name) {
    std::error_code ec;
    fs::path candidate = folder / name;
    return fs::is_regular_file(candidate, ec) ? candidate.string() : std::string();
}

ModelSource open_gguf(const std::string& path, std::shared_ptr<MappedFile> mapped) {
    ModelSource source;
    source.path = path;
    source.format = SourceFormat::Gguf;
    source.gguf = GgufFile::parse(mapped->bytes(), mapped, path);
    source.weights = source.gguf->weights();
    source.architecture = source.gguf->get_string("general.architecture").value_or("");
    apply_gguf_hf_view(source);  // BERT / T5 / BART families: their Hugging Face spelling
    return source;
}

nlohmann::json read_hf_config(const std::string& config_path) {
    nlohmann::json config =
        nlohmann::json::parse(read_json_text(config_path), nullptr, /*allow_exceptions=*/false);
    if (config.is_discarded()) throw Error("config.json is not valid JSON").file(config_path);
    if (!config.is_object()) throw Error("config.json is not a JSON object").file(config_path);
    bool has_model_type = config.contains("model_type") && config["model_type"].is_string();
    bool has_architectures = config.contains("architectures") && config["architectures"].is_array() &&
                             !config["architectures"].empty() && config["architectures"][0].is_string();
    if (!has_model_type && !has_architectures)
        throw Error("config.json names no model: it has neither \"model_type\" nor \"architectures\"")
            .file(config_path);
    return config;
}

void load_hf_weights(const fs::path& folder, WeightMap& weights) {
    if (std::string index = existing_file(folder, "model.safetensors.index.json"); !index.empty()) {
        load_safetensors_index(index, weights);
        return;
    }
    if (std::string single = existing_file(folder, "model.safetensors"); !single.empty()) {
        load_safetensors_file(single, weights);
        return;
    }
    // Other single-file names (e.g. "pytorch_model-00001.safetensors" without an index): load them all.
    std::vector<std::string> files;
    std::error_code ec;
    for (const fs::directory_entry& entry : fs::directory_iterator(folder, ec))
        if (entry.is_regular_file() && entry.path().extension() == ".safetensors")
            files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    if (files.empty()) {
        Error error =
            Error("folder has no safetensors weights (model.safetensors or model.safetensors.index.json)");
        error.file(folder.string());
        if (!existing_file(folder, "pytorch_model.bin").empty())
            error.hint("pytorch_model.bin is not read; save the model with safetensors");
        throw error;
    }
    for (const std::string& file : files) load_safetensors_file(file, weights);
}

ModelSource open_hf_folder(const std::string& path) {
    fs::path folder(path);
    std::string config_path = existing_file(folder, "config.json");
    if (config_path.empty())
        throw Error("folder has no config.json")
            .file(path)
            .hint("expected a Hugging Face model folder or a .gguf file");
    ModelSource source;
    source.path = path;
    source.format = SourceFormat::HuggingFace;
    source.hf_config = read_hf_config(config_path);
    if (source.hf_config.contains("model_type") && source.hf_config["model_type"].is_string())
        source.architecture = source.hf_config["model_type"].get<std::string>();
    else
        source.architecture = source.hf_config["architectures"][0].get<std::string>();
    load_hf_weights(folder, source.weights);
    set_side_file_paths(source, path);
    return source;
}

}  // namespace

ModelSource open_model_source(const std::string& path) {
    std::error_code ec;
    fs::file_status status = fs::status(path, ec);
    if (!fs::exists(status)) throw Error("no such file or folder").file(path);
    if (fs::is_directory(status)) return open_hf_folder(path);
    if (!fs::is_regular_file(status)) throw Error("not a regular file or a folder").file(path);

    std::shared_ptr<MappedFile> mapped = MappedFile::open(path);
    if (is_gguf_magic(mapped->bytes())) return open_gguf(path, std::move(mapped));
    if (fs::path(path).extension() == ".safetensors")
        throw Error("a .safetensors file alone has no config.json")
            .file(path)
            .hint("point loom at the model's folder (config.json + safetensors + tokenizer files)");
    throw Error("unknown file type: not a GGUF file and not a model folder")
        .file(path)
        .hint("loom opens .gguf files and Hugging Face folders with config.json + safetensors");
}

void set_side_file_paths(ModelSource& source, const std::string& folder) {
    source.side_files_dir = folder;
    source.tokenizer_json_path.clear();
    source.tokenizer_config_path.clear();
    source.sentencepiece_model_path.clear();
    source.generation_config_path.clear();
    if (folder.empty()) return;  // not the working directory
    source.tokenizer_json_path = existing_file(folder, "tokenizer.json");
    source.tokenizer_config_path = existing_file(folder, "tokenizer_config.json");
    for (const char* name : {"spiece.model", "sentencepiece.bpe.model", "tokenizer.model"})
        if (source.sentencepiece_model_path.empty())
            source.sentencepiece_model_path = existing_file(folder, name);
    source.generation_config_path = existing_file(folder, "generation_config.json");
}

}  // namespace loom
