// One loader for everything a user can point loom at:
//   - a .gguf file (weights + metadata + tokenizer in metadata), or
//   - a Hugging Face folder: config.json, model.safetensors or model.safetensors.index.json + shards,
//     tokenizer.json (+ tokenizer_config.json), or spiece.model / sentencepiece.bpe.model.
// Opening costs metadata only: tensors are views into mapped files.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "formats/weight_map.h"

namespace loom {

class GgufFile;  // formats/gguf.h

enum class SourceFormat { Gguf, HuggingFace };

struct ModelSource {
    std::string path;     // what the user gave
    SourceFormat format;
    WeightMap weights;
    std::string architecture;  // GGUF general.architecture, or HF config.json model_type ("llama", "gpt2", ...)

    // One of these is set, by format; both for a GGUF of an encoder / encoder-decoder model, which is seen
    // as the folder it came from (formats/gguf_hf_view.h: architecture is then the config's model_type,
    // weights carry Hugging Face names, and the paths below point at the GGUF's unpacked files):
    std::shared_ptr<const GgufFile> gguf;  // GGUF metadata (tokenizer.ggml.*, <arch>.* hyperparameters)
    nlohmann::json hf_config;              // HF config.json

    // "" where absent:
    std::string tokenizer_json_path;
    std::string tokenizer_config_path;
    std::string sentencepiece_model_path;
    std::string generation_config_path;

    // The folder holding the side files above (pooling config, Marian's source.spm / vocab.json, ...): the
    // folder itself, or where a GGUF's carried copies were unpacked (formats/gguf_hf_files.h); "" for none.
    std::string side_files_dir;
};

// Throws loom::Error with the path and what is wrong (missing file, bad header, unknown dtype, ...).
ModelSource open_model_source(const std::string& path);

// Points side_files_dir and the tokenizer / generation-config paths at the files `folder` holds (an HF
// folder, or a GGUF's unpacked copies); "" leaves them all empty.
void set_side_file_paths(ModelSource& source, const std::string& folder);

}  // namespace loom
