// safetensors reader: u64 little-endian header length, a JSON header {name: {dtype, shape, data_offsets}},
// then the data section. Tensors become views into the bytes (no copy). A sharded checkpoint
// (model.safetensors.index.json: {"weight_map": {tensor name: shard file}}) loads all shards into one
// WeightMap.
//
// Checked before use: header length against the file, JSON syntax and shape of every entry, dtype, offsets
// inside the data section with end >= begin, byte size == numel * element size, no overflow. `__metadata__`
// is ignored. A tensor whose data is not aligned for its element type (files written before the reference
// library padded its header) is copied into aligned memory rather than viewed.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "formats/weight_map.h"

namespace loom {

inline constexpr uint64_t kSafetensorsMaxHeaderBytes = 100ull << 20;  // the reference library's limit too

// Parses safetensors bytes and adds each tensor to `weights` as a view kept alive by `owner` (may be null
// when the caller keeps the bytes alive). `name` is the file name used in errors. Returns the number of
// tensors added.
size_t read_safetensors(std::span<const uint8_t> bytes, std::shared_ptr<const void> owner,
                        const std::string& name, WeightMap& weights);

// Maps `path` and adds its tensors to `weights`.
size_t load_safetensors_file(const std::string& path, WeightMap& weights);

// Loads every shard named by a model.safetensors.index.json (shard paths relative to the index's folder) and
// checks that each tensor the index lists was found in the shard it names.
void load_safetensors_index(const std::string& index_path, WeightMap& weights);

}  // namespace loom
