#include "formats/safetensors.h"

#include <cstring>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "core/error.h"
#include "core/json_depth.h"
#include "core/mapped_file.h"
#include "tensor/dtype.h"

namespace loom {

namespace {

using nlohmann::json;

// The safetensors dtype strings loom maps to its DTypes. Others (U8, BOOL, F8_*, U16/U32/U64) are rejected by
// name.
std::optional<DType> safetensors_dtype(const std::string& name) {
    static const std::map<std::string, DType> kTypes = {
        {"F32", DType::F32}, {"F16", DType::F16}, {"BF16", DType::BF16}, {"F64", DType::F64},
        {"I64", DType::I64}, {"I32", DType::I32}, {"I16", DType::I16},   {"I8", DType::I8},
    };
    auto it = kTypes.find(name);
    if (it == kTypes.end()) return std::nullopt;
    return it->second;
}

struct Entry {
    DType dtype;
    std::vector<int64_t> shape;
    uint64_t begin, end;  // relative to the data section
};

// Validates one header entry; errors name the file, the tensor and the header's byte range.
Entry parse_entry(const std::string& tensor, const json& value, const std::string& file, uint64_t data_size) {
    auto fail = [&](const std::string& message) {
        return Error(message).file(file).tensor(tensor).offset(8);
    };
    if (!value.is_object()) throw fail("header entry is not a JSON object");
    auto dtype_it = value.find("dtype");
    auto shape_it = value.find("shape");
    auto offsets_it = value.find("data_offsets");
    if (dtype_it == value.end() || !dtype_it->is_string()) throw fail("header entry has no string 'dtype'");
    if (shape_it == value.end() || !shape_it->is_array()) throw fail("header entry has no array 'shape'");
    if (offsets_it == value.end() || !offsets_it->is_array() || offsets_it->size() != 2)
        throw fail("header entry has no 'data_offsets' pair");

    Entry entry{};
    std::string dtype_name_str = dtype_it->get<std::string>();
    std::optional<DType> dtype = safetensors_dtype(dtype_name_str);
    if (!dtype)
        throw fail("dtype " + dtype_name_str +
                   " is not supported (loom reads F32, F16, BF16, F64, I64, I32, I16, I8)");
    entry.dtype = *dtype;

    uint64_t numel = 1;
    for (const json& dim : *shape_it) {
        if (!dim.is_number_unsigned())
            throw fail("shape holds " + dim.dump() + ", not a non-negative integer");
        uint64_t d = dim.get<uint64_t>();
        if (d > static_cast<uint64_t>(INT64_MAX) || __builtin_mul_overflow(numel, d, &numel) ||
            numel > static_cast<uint64_t>(INT64_MAX))
            throw fail("shape " + shape_it->dump() + " overflows the element count");
        entry.shape.push_back(static_cast<int64_t>(d));
    }
    for (const json& offset : *offsets_it)
        if (!offset.is_number_unsigned())
            throw fail("data_offsets hold " + offset.dump() + ", not non-negative integers");
    entry.begin = (*offsets_it)[0].get<uint64_t>();
    entry.end = (*offsets_it)[1].get<uint64_t>();
    if (entry.end < entry.begin)
        throw fail("data_offsets [" + std::to_string(entry.begin) + ", " + std::to_string(entry.end) +
                   "] end before they begin");
    if (entry.end > data_size)
        throw fail("data_offsets end " + std::to_string(entry.end) + " is past the " +
                   std::to_string(data_size) + "-byte data section");
    uint64_t element_bytes = dtype_info(entry.dtype).block_bytes;
    uint64_t nbytes = 0;
    if (__builtin_mul_overflow(numel, element_bytes, &nbytes)) throw fail("tensor byte size overflows");
    if (entry.end - entry.begin != nbytes)
        throw fail("data_offsets span " + std::to_string(entry.end - entry.begin) + " bytes but shape " +
                   shape_it->dump() + " of " + dtype_name_str + " needs " + std::to_string(nbytes));
    return entry;
}

}  // namespace

size_t read_safetensors(std::span<const uint8_t> bytes, std::shared_ptr<const void> owner,
                        const std::string& name, WeightMap& weights) {
    if (bytes.size() < 8)
        throw Error("file too short for a safetensors header (" + std::to_string(bytes.size()) + " bytes)")
            .file(name);
    uint64_t header_size = 0;
    std::memcpy(&header_size, bytes.data(), 8);
    if (header_size > bytes.size() - 8)
        throw Error("header length " + std::to_string(header_size) + " is past the end of the " +
                    std::to_string(bytes.size()) + "-byte file (truncated, or not a safetensors file)")
            .file(name)
            .offset(0);
    if (header_size > kSafetensorsMaxHeaderBytes)
        throw Error("header length " + std::to_string(header_size) + " exceeds the 100 MB limit")
            .file(name)
            .offset(0);
    const char* header_begin = reinterpret_cast<const char*>(bytes.data() + 8);
    json header;
    try {
        check_json_depth(std::string_view(header_begin, header_size), name + " (safetensors header)");
        header = json::parse(header_begin, header_begin + header_size);
    } catch (const json::exception& e) {
        uint64_t where = 8;
        if (const auto* parse_error = dynamic_cast<const json::parse_error*>(&e))
            where += parse_error->byte > 0 ? parse_error->byte - 1 : 0;
        throw Error("header is not valid JSON").file(name).offset(where);
    }
    if (!header.is_object()) throw Error("header is not a JSON object").file(name).offset(8);

    const uint64_t data_start = 8 + header_size;
    const uint64_t data_size = bytes.size() - data_start;
    size_t added = 0;
    for (const auto& [tensor, value] : header.items()) {
        if (tensor == "__metadata__") continue;
        Entry entry = parse_entry(tensor, value, name, data_size);
        if (weights.contains(tensor))
            throw Error("tensor appears in more than one file").file(name).tensor(tensor);
        const uint8_t* data = bytes.data() + data_start + entry.begin;
        uint64_t element_bytes = dtype_info(entry.dtype).block_bytes;
        if (reinterpret_cast<uintptr_t>(data) % element_bytes == 0) {
            weights.add(tensor, Tensor(entry.dtype, entry.shape, data, owner));
        } else {
            // Files written before the reference library padded its header can leave data unaligned for its
            // element type; such a tensor is copied into aligned memory instead of viewed.
            Tensor copy = Tensor::zeros(entry.dtype, entry.shape);
            std::memcpy(copy.mutable_data(), data, static_cast<size_t>(entry.end - entry.begin));
            weights.add(tensor, std::move(copy));
        }
        ++added;
    }
    return added;
}

size_t load_safetensors_file(const std::string& path, WeightMap& weights) {
    std::shared_ptr<MappedFile> mapped = MappedFile::open(path);
    return read_safetensors(mapped->bytes(), mapped, path, weights);
}

void load_safetensors_index(const std::string& index_path, WeightMap& weights) {
    json index = json::parse(read_json_text(index_path), nullptr, /*allow_exceptions=*/false);
    if (index.is_discarded() || !index.is_object()) throw Error("not a JSON object").file(index_path);
    auto map_it = index.find("weight_map");
    if (map_it == index.end() || !map_it->is_object())
        throw Error("no \"weight_map\" object in the shard index").file(index_path);

    std::map<std::string, std::vector<std::string>> tensors_by_shard;
    for (const auto& [tensor, shard] : map_it->items()) {
        if (!shard.is_string())
            throw Error("weight_map value is not a file name").file(index_path).tensor(tensor);
        std::string shard_name = shard.get<std::string>();
        std::filesystem::path shard_path(shard_name);
        // Shards live beside the index; a path that climbs out of the folder is refused.
        if (shard_name.empty() || shard_path.is_absolute() || shard_name.find("..") != std::string::npos)
            throw Error("shard path '" + shard_name + "' must be a file name in the index's folder")
                .file(index_path)
                .tensor(tensor);
        tensors_by_shard[shard_name].push_back(tensor);
    }
    std::filesystem::path folder = std::filesystem::path(index_path).parent_path();
    for (const auto& [shard, tensors] : tensors_by_shard) {
        std::string shard_path = (folder / shard).string();
        WeightMap shard_weights;
        load_safetensors_file(shard_path, shard_weights);
        for (const std::string& tensor : tensors)
            if (!shard_weights.contains(tensor))
                throw Error("the index places this tensor in " + shard + ", which does not contain it")
                    .file(index_path)
                    .tensor(tensor);
        for (const auto& [tensor_name, tensor] : shard_weights.all()) {
            if (weights.contains(tensor_name))
                throw Error("tensor appears in more than one shard").file(shard_path).tensor(tensor_name);
            weights.add(tensor_name, tensor);
        }
    }
}

}  // namespace loom
