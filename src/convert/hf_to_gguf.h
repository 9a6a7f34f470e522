// `loom convert`: a Hugging Face model folder (config.json, safetensors, tokenizer.json) written as one GGUF
// file that loom (and llama.cpp) can run. Decoders here: llama.cpp's metadata keys and tensor names
// (convert/hf_metadata.h, convert/hf_tensor_map.h), the tokenizer as tokenizer.ggml.* keys
// (convert/tokenizer_to_gguf.h), each matrix stored as the requested type (quantize/type_policy.h).
// Encoders and encoder-decoders: convert/encdec_to_gguf.h.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "tensor/dtype.h"

namespace loom {

struct ConvertOptions {
    DType type = DType::F16;
    std::string model_name;  // general.name; default: the folder's name
    // Encoder / encoder-decoder models: carry the folder's config, tokenizer and pooling files
    // (loom.hf_file.*, formats/gguf_hf_files.h). false writes only llama.cpp's keys (a T5 file as llama.cpp's
    // converter would write it; loom then rebuilds the config from t5.* keys).
    bool carry_hf_files = true;
    // Called with (tensors done, total) after each tensor.
    std::function<void(int64_t, int64_t)> progress;
    // Called with a one-line note (e.g. "no tokenizer.json: the GGUF has no tokenizer").
    std::function<void(const std::string&)> warn;
};

struct ConvertReport {
    std::string architecture;  // general.architecture written
    int64_t tensors = 0;
    uint64_t bytes = 0;          // tensor data written
    bool has_tokenizer = false;  // tokenizer.ggml.* written
    std::string tokenizer_pre;   // tokenizer.ggml.pre chosen ("" for none)
};

// config.json model_type values convert handles (the decoders, the BERT family, T5, BART, mBART, Marian).
inline constexpr const char* kConvertibleModelTypes =
    "llama, mistral, qwen2, gpt2, bloom, bert, roberta, xlm-roberta, camembert, distilbert, t5, bart, mbart, "
    "marian";
bool is_convertible_model_type(const std::string& model_type);

// Throws loom::Error naming the folder/tensor on anything it cannot convert. Writes OUT.part and renames it.
ConvertReport convert_hf_to_gguf(const std::string& folder, const std::string& out_path,
                                 const ConvertOptions& options);

}  // namespace loom
