// The Hugging Face side files of a model folder (config.json, tokenizer.json, spiece.model, Marian's
// source.spm / target.spm / vocab.json, sentence-transformers' modules.json + pooling config, ...) carried
// byte for byte inside a GGUF, so the GGUF alone runs the model with exactly the folder's tokenizer and
// settings. Each file is one metadata key "loom.hf_file.<path in the folder>" holding a UINT8 array.
//
// Reading them back: loom's tokenizers and tasks read these files by path, so they are unpacked once into a
// content-addressed folder under the temp directory (temp/loom-gguf-files-<hash>/), written privately and
// renamed into place, and reused by every later open of a GGUF with the same files.
#pragma once

#include <string>
#include <vector>

#include "formats/gguf_writer.h"

namespace loom {

class GgufFile;

inline constexpr const char* kHfFileKeyPrefix = "loom.hf_file.";

// The side files present in `folder`, as paths relative to it ("config.json", "1_Pooling/config.json").
std::vector<std::string> hf_side_files(const std::string& folder);

// Writes each file of `relative_paths` under kHfFileKeyPrefix.
void write_hf_side_files(GgufWriter& writer, const std::string& folder,
                         const std::vector<std::string>& relative_paths);

// Unpacks the files a GGUF carries; returns the folder holding them, or "" when it carries none. Throws
// loom::Error naming the key for a path that would leave the folder ("..", absolute) or a non-byte array.
std::string unpack_hf_side_files(const GgufFile& file);

// One carried file's bytes ("" and false when absent).
bool read_hf_side_file(const GgufFile& file, const std::string& relative_path, std::string& bytes);

}  // namespace loom
