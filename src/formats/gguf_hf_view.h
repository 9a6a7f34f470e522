// A GGUF of an encoder-only (BERT family) or encoder-decoder (T5, BART, mBART, Marian) model seen as the
// Hugging Face folder it was converted from, so models/ and tasks/ read one spelling for both sources:
//   - hf_config: the config.json the GGUF carries (loom convert), or, for a T5 GGUF without one (written by
//     llama.cpp's converter), one rebuilt from the t5.* keys and the tensors present;
//   - weights: renamed from GGUF names to Hugging Face names (formats/gguf_hf_names.h);
//   - tokenizer / generation / pooling files: unpacked from the GGUF (formats/gguf_hf_files.h) and their
//     paths set, side_files_dir naming the folder.
// Before renaming, every tensor the architecture needs is checked for, so a missing one is named as the GGUF
// spells it.
#pragma once

#include "formats/model_source.h"

namespace loom {

// True for the general.architecture values this view handles: bert, roberta, t5, bart, mbart, marian.
bool is_hf_view_architecture(const std::string& gguf_architecture);

// Applies the view to a source opened from a GGUF of such an architecture; no-op for others. Throws
// loom::Error naming the file and the missing tensor or key.
void apply_gguf_hf_view(ModelSource& source);

}  // namespace loom
