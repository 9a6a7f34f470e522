// Tensor names of the encoder-only (BERT, RoBERTa, DistilBERT) and encoder-decoder (T5, BART, mBART, Marian)
// families in both spellings: Hugging Face safetensors and GGUF. The GGUF names are the ones the PyPI `gguf`
// package lists for llama.cpp's "bert" and "t5" architectures (token_embd, blk.N.attn_q, enc.blk.N.attn_q,
// dec.blk.N.cross_attn_q, ...); BART-style models reuse the T5 names for the same roles. A tensor with no
// such name (classification heads, BART layernorm_embedding, Marian final_logits_bias) keeps its Hugging Face
// name behind a "loom." prefix (docs/formats.md).
//
// The same rule table serves `loom convert` (HF -> GGUF) and the GGUF loader (GGUF -> HF, so models/ reads
// one spelling).
#pragma once

#include <optional>
#include <string>

namespace loom {

enum class HfNameFamily { Bert, DistilBert, T5, Bart };

// The family of a config.json model_type (bert, roberta, xlm-roberta, camembert, distilbert, t5, bart,
// mbart, marian); nullopt for others.
std::optional<HfNameFamily> hf_name_family(const std::string& model_type);

// HF name -> GGUF name. `body_prefix` is the task-model root in front of the BERT body ("bert.", "roberta.",
// "distilbert.", "" ...); names outside the table become "loom." + hf_name.
std::string gguf_tensor_name(HfNameFamily family, const std::string& body_prefix, const std::string& hf_name);

// GGUF name -> HF name (the reverse; "loom.X" -> "X"). `t5_gated`: T5 v1.1's ffn_up is "wi_1", v1.0's "wi".
// nullopt for a name neither the table nor the "loom." rule knows.
std::optional<std::string> hf_tensor_name(HfNameFamily family, const std::string& body_prefix,
                                          const std::string& gguf_name, bool t5_gated);

inline constexpr const char* kLoomTensorPrefix = "loom.";

}  // namespace loom
