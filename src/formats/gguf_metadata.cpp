// GgufFile's typed metadata accessors. Absent key -> nullopt; a key of the wrong type -> loom::Error, because
// model code asking for "llama.block_count" as an integer and finding a string is a broken file, not a
// default.
#include "formats/gguf.h"

namespace loom {

const GgufValue* GgufFile::find(const std::string& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &metadata_[it->second].second;
}

Error GgufFile::key_error(const std::string& key, const char* expected) const {
    const GgufValue* value = find(key);
    std::string found = gguf_type_name(value->type());
    if (value->type() == GgufType::Array)
        found += std::string(" of ") + gguf_type_name(value->as_array().element_type);
    return Error("metadata key '" + key + "' holds " + found + ", expected " + expected).file(path_);
}

namespace {

// The integer held by `value` as int64, or nullopt when it is not an integer or does not fit.
std::optional<int64_t> integer_as_i64(const GgufValue& value) {
    if (gguf_type_is_signed(value.type())) return value.as_signed();
    if (gguf_type_is_unsigned(value.type()) && value.as_unsigned() <= static_cast<uint64_t>(INT64_MAX))
        return static_cast<int64_t>(value.as_unsigned());
    return std::nullopt;
}

}  // namespace

std::optional<std::string> GgufFile::get_string(const std::string& key) const {
    const GgufValue* value = find(key);
    if (!value) return std::nullopt;
    if (value->type() != GgufType::String) throw key_error(key, "STRING");
    return value->as_string();
}

std::optional<uint64_t> GgufFile::get_uint(const std::string& key) const {
    const GgufValue* value = find(key);
    if (!value) return std::nullopt;
    if (gguf_type_is_unsigned(value->type())) return value->as_unsigned();
    if (gguf_type_is_signed(value->type()) && value->as_signed() >= 0)
        return static_cast<uint64_t>(value->as_signed());
    throw key_error(key, "a non-negative integer");
}

std::optional<int64_t> GgufFile::get_int(const std::string& key) const {
    const GgufValue* value = find(key);
    if (!value) return std::nullopt;
    if (std::optional<int64_t> v = integer_as_i64(*value)) return v;
    throw key_error(key, "an integer that fits int64");
}

std::optional<double> GgufFile::get_float(const std::string& key) const {
    const GgufValue* value = find(key);
    if (!value) return std::nullopt;
    if (value->type() == GgufType::Float32) return value->as_f32();
    if (value->type() == GgufType::Float64) return value->as_f64();
    if (gguf_type_is_unsigned(value->type())) return static_cast<double>(value->as_unsigned());
    if (gguf_type_is_signed(value->type())) return static_cast<double>(value->as_signed());
    throw key_error(key, "a number");
}

std::optional<bool> GgufFile::get_bool(const std::string& key) const {
    const GgufValue* value = find(key);
    if (!value) return std::nullopt;
    if (value->type() != GgufType::Bool) throw key_error(key, "BOOL");
    return value->as_bool();
}

std::optional<uint64_t> GgufFile::array_size(const std::string& key) const {
    const GgufValue* value = find(key);
    if (!value || value->type() != GgufType::Array) return std::nullopt;
    return value->as_array().items.size();
}

std::optional<std::vector<std::string>> GgufFile::get_string_array(const std::string& key) const {
    const GgufValue* value = find(key);
    if (!value) return std::nullopt;
    if (value->type() != GgufType::Array || value->as_array().element_type != GgufType::String)
        throw key_error(key, "ARRAY of STRING");
    std::vector<std::string> out;
    out.reserve(value->as_array().items.size());
    for (const GgufValue& item : value->as_array().items) out.push_back(item.as_string());
    return out;
}

std::optional<std::vector<float>> GgufFile::get_float_array(const std::string& key) const {
    const GgufValue* value = find(key);
    if (!value) return std::nullopt;
    if (value->type() != GgufType::Array) throw key_error(key, "ARRAY of FLOAT32");
    const GgufArray& array = value->as_array();
    std::vector<float> out;
    out.reserve(array.items.size());
    if (array.element_type == GgufType::Float32) {
        for (const GgufValue& item : array.items) out.push_back(item.as_f32());
    } else if (array.element_type == GgufType::Float64) {
        for (const GgufValue& item : array.items) out.push_back(static_cast<float>(item.as_f64()));
    } else {
        throw key_error(key, "ARRAY of FLOAT32");
    }
    return out;
}

std::optional<std::vector<int64_t>> GgufFile::get_int_array(const std::string& key) const {
    const GgufValue* value = find(key);
    if (!value) return std::nullopt;
    if (value->type() != GgufType::Array) throw key_error(key, "ARRAY of integers");
    const GgufArray& array = value->as_array();
    std::vector<int64_t> out;
    out.reserve(array.items.size());
    for (const GgufValue& item : array.items) {
        std::optional<int64_t> v = integer_as_i64(item);
        if (!v) throw key_error(key, "ARRAY of integers that fit int64");
        out.push_back(*v);
    }
    return out;
}

}  // namespace loom
