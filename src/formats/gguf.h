// GgufFile: a parsed GGUF (v2 or v3) file — metadata key/values, tensor infos, and a WeightMap whose tensors
// are views into the mapped bytes (no copy).
//
// Layout read (all little-endian): magic "GGUF", u32 version, u64 tensor_count, u64 kv_count, kv_count x
// (string key, u32 type, value), tensor_count x (string name, u32 n_dims, n_dims x u64 dim innermost-first,
// u32 ggml type, u64 offset into the data section), padding to `general.alignment` (default 32), data
// section. A string is u64 length + bytes; an array is u32 element type + u64 count + elements.
//
// Every count, length, dimension and offset is checked against the bytes that remain and for overflow before
// it is used; a bad file gives a loom::Error naming the file, the byte offset and (where relevant) the
// tensor.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/error.h"
#include "formats/gguf_value.h"
#include "formats/weight_map.h"
#include "tensor/dtype.h"

namespace loom {

inline constexpr uint32_t kGgufDefaultAlignment = 32;
inline constexpr uint32_t kGgufMaxDims = 4;          // GGML's limit
inline constexpr uint32_t kGgufMaxArrayNesting = 8;  // arrays of arrays deeper than this are rejected

struct GgufTensorInfo {
    std::string name;
    DType dtype;
    std::vector<int64_t> shape;  // outermost first (the file lists dimensions innermost first)
    uint64_t offset;             // from the start of the data section
    uint64_t nbytes;
};

class GgufFile {
  public:
    // Maps and parses the file at `path`.
    static std::shared_ptr<const GgufFile> open(const std::string& path);
    // Parses GGUF bytes held elsewhere; `owner` keeps them alive for the tensor views (may be null when the
    // caller guarantees the bytes outlive every Tensor, as a fuzzer does). `name` is used in error messages.
    static std::shared_ptr<const GgufFile> parse(std::span<const uint8_t> bytes,
                                                 std::shared_ptr<const void> owner, std::string name);

    const std::string& path() const { return path_; }
    uint32_t version() const { return version_; }
    uint64_t alignment() const { return alignment_; }
    uint64_t data_offset() const { return data_offset_; }  // where the data section starts in the file

    // Metadata in file order, and lookup by key.
    const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return metadata_; }
    bool has(const std::string& key) const { return index_.count(key) != 0; }
    const GgufValue* find(const std::string& key) const;

    // Typed accessors: nullopt when the key is absent; loom::Error (naming key and stored type) when the key
    // holds a type that cannot be read as asked.
    std::optional<std::string> get_string(const std::string& key) const;
    std::optional<uint64_t> get_uint(const std::string& key) const;  // any integer type; negative -> error
    std::optional<int64_t> get_int(const std::string& key) const;    // any integer type; > INT64_MAX -> error
    std::optional<double> get_float(const std::string& key) const;   // float32/64, or any integer type
    std::optional<bool> get_bool(const std::string& key) const;
    std::optional<std::vector<std::string>> get_string_array(const std::string& key) const;
    std::optional<std::vector<float>> get_float_array(const std::string& key) const;  // float32/64 elements
    std::optional<std::vector<int64_t>> get_int_array(const std::string& key) const;  // integer elements
    // Element count of an array key without copying it (nullopt if absent or not an array).
    std::optional<uint64_t> array_size(const std::string& key) const;

    const std::vector<GgufTensorInfo>& tensor_infos() const { return tensor_infos_; }
    const WeightMap& weights() const { return weights_; }

  private:
    friend class GgufParser;
    GgufFile() = default;
    Error key_error(const std::string& key, const char* expected) const;

    std::string path_;
    uint32_t version_ = 0;
    uint64_t alignment_ = kGgufDefaultAlignment;
    uint64_t data_offset_ = 0;
    std::vector<std::pair<std::string, GgufValue>> metadata_;
    std::unordered_map<std::string, size_t> index_;
    std::vector<GgufTensorInfo> tensor_infos_;
    WeightMap weights_;
};

// True when `bytes` start with the GGUF magic.
bool is_gguf_magic(std::span<const uint8_t> bytes);

}  // namespace loom
