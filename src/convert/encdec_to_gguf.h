// `loom convert` for the encoder-only (BERT, RoBERTa, DistilBERT) and encoder-decoder (T5 v1.0 / v1.1,
// BART, mBART, Marian) families. Tensor names: formats/gguf_hf_names.h (llama.cpp's "bert" / "t5" names,
// "loom."-prefixed Hugging Face names for what those lack); hyperparameters as llama.cpp's converter writes
// them (<arch>.embedding_length, t5.attention.relative_buckets_count, ...); the folder's config, tokenizer
// and pooling files carried byte for byte (formats/gguf_hf_files.h), plus, for T5 with spiece.model, the
// SentencePiece vocabulary as tokenizer.ggml.* ("t5") as llama.cpp reads it. docs/formats.md lists the keys.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "convert/hf_to_gguf.h"
#include "formats/model_source.h"

namespace loom {

// True for the config.json model_type values converted here.
bool is_encdec_convert_type(const std::string& model_type);

// general.architecture written for a model_type: bert (bert, distilbert), roberta (roberta, xlm-roberta,
// camembert: llama.cpp's "bert" would read their position table at the wrong offset), t5, bart, mbart,
// marian.
std::string encdec_gguf_architecture(const std::string& model_type);

// The type a tensor is stored as: small tables (T5's relative buckets, token types, one-row tensors such as
// final_logits_bias) stay f32, the rest follow quantize/type_policy.h's tensor_type_for.
DType encdec_tensor_type(DType requested, const std::string& gguf_name, const std::vector<int64_t>& shape);

// Writes the GGUF (OUT.part, renamed into place). Throws loom::Error naming the folder / tensor.
ConvertReport convert_encdec_to_gguf(const ModelSource& source, const std::string& out_path,
                                     const ConvertOptions& options, const std::string& model_name);

}  // namespace loom
