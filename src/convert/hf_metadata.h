// config.json -> GGUF hyperparameter keys (<arch>.block_count, .embedding_length, ...), as llama.cpp's
// converter names them and loom's GGUF config reader (models/model_config.cpp) reads them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "convert/hf_tensor_map.h"
#include "formats/gguf_writer.h"

namespace loom {

// Reads the architecture (throws loom::Error for one loom does not convert).
HfArchInfo hf_arch_info(const nlohmann::json& config);

// Writes general.architecture / general.name and every <arch>.* key the model needs.
void write_hf_hyperparameters(GgufWriter& writer, const nlohmann::json& config, const HfArchInfo& arch,
                              const std::string& model_name);

// Extra tensors the GGUF form needs that the folder does not hold: LLaMA-3 RoPE scaling becomes per-frequency
// factors in rope_freqs.weight ([n_rot / 2], f32). Empty when none.
std::vector<std::pair<std::string, std::vector<float>>> derived_tensors(const nlohmann::json& config,
                                                                        const HfArchInfo& arch);

}  // namespace loom
