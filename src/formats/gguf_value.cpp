#include "formats/gguf_value.h"

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "core/error.h"

namespace loom {

const char* gguf_type_name(GgufType type) {
    switch (type) {
        case GgufType::UInt8:
            return "UINT8";
        case GgufType::Int8:
            return "INT8";
        case GgufType::UInt16:
            return "UINT16";
        case GgufType::Int16:
            return "INT16";
        case GgufType::UInt32:
            return "UINT32";
        case GgufType::Int32:
            return "INT32";
        case GgufType::Float32:
            return "FLOAT32";
        case GgufType::Bool:
            return "BOOL";
        case GgufType::String:
            return "STRING";
        case GgufType::Array:
            return "ARRAY";
        case GgufType::UInt64:
            return "UINT64";
        case GgufType::Int64:
            return "INT64";
        case GgufType::Float64:
            return "FLOAT64";
    }
    return "UNKNOWN";
}

bool gguf_type_valid(uint32_t id) {
    return id <= static_cast<uint32_t>(GgufType::Float64);
}

bool gguf_type_is_unsigned(GgufType type) {
    return type == GgufType::UInt8 || type == GgufType::UInt16 || type == GgufType::UInt32 ||
           type == GgufType::UInt64;
}

bool gguf_type_is_signed(GgufType type) {
    return type == GgufType::Int8 || type == GgufType::Int16 || type == GgufType::Int32 ||
           type == GgufType::Int64;
}

uint64_t gguf_type_fixed_size(GgufType type) {
    switch (type) {
        case GgufType::UInt8:
        case GgufType::Int8:
        case GgufType::Bool:
            return 1;
        case GgufType::UInt16:
        case GgufType::Int16:
            return 2;
        case GgufType::UInt32:
        case GgufType::Int32:
        case GgufType::Float32:
            return 4;
        case GgufType::UInt64:
        case GgufType::Int64:
        case GgufType::Float64:
            return 8;
        case GgufType::String:
        case GgufType::Array:
            return 0;
    }
    return 0;
}

GgufValue GgufValue::array(GgufType element_type, std::vector<GgufValue> items) {
    for (const GgufValue& item : items)
        if (item.type() != element_type)
            throw Error(std::string("GGUF array of ") + gguf_type_name(element_type) +
                        " given an item of type " + gguf_type_name(item.type()));
    GgufValue value(GgufType::Array, 0);
    value.array_ = std::make_shared<const GgufArray>(GgufArray{element_type, std::move(items)});
    return value;
}

GgufValue GgufValue::integer(GgufType type, int64_t value) {
    auto fits = [&](int64_t lo, uint64_t hi) {
        if (value < lo || (value >= 0 && static_cast<uint64_t>(value) > hi))
            throw Error("value " + std::to_string(value) + " does not fit GGUF " + gguf_type_name(type));
    };
    switch (type) {
        case GgufType::UInt8:
            fits(0, UINT8_MAX);
            break;
        case GgufType::Int8:
            fits(INT8_MIN, INT8_MAX);
            break;
        case GgufType::UInt16:
            fits(0, UINT16_MAX);
            break;
        case GgufType::Int16:
            fits(INT16_MIN, INT16_MAX);
            break;
        case GgufType::UInt32:
            fits(0, UINT32_MAX);
            break;
        case GgufType::Int32:
            fits(INT32_MIN, INT32_MAX);
            break;
        case GgufType::UInt64:
            fits(0, UINT64_MAX);
            break;
        case GgufType::Int64:
            break;
        default:
            throw Error(std::string("GGUF type ") + gguf_type_name(type) + " is not an integer type");
    }
    return {type, static_cast<uint64_t>(value)};  // signed values kept as two's complement bits
}

GgufValue GgufValue::int_array(GgufType element_type, const std::vector<int64_t>& values) {
    std::vector<GgufValue> items;
    items.reserve(values.size());
    for (int64_t v : values) items.push_back(integer(element_type, v));
    return array(element_type, std::move(items));
}

GgufValue GgufValue::float_array(const std::vector<float>& values) {
    std::vector<GgufValue> items;
    items.reserve(values.size());
    for (float v : values) items.push_back(f32(v));
    return array(GgufType::Float32, std::move(items));
}

GgufValue GgufValue::string_array(const std::vector<std::string>& values) {
    std::vector<GgufValue> items;
    items.reserve(values.size());
    for (const std::string& v : values) items.push_back(string(v));
    return array(GgufType::String, std::move(items));
}

namespace {

std::string lowercase_type_plural(GgufType type) {
    std::string name = gguf_type_name(type);
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (type == GgufType::String) return "strings";
    if (type == GgufType::Array) return "arrays";
    return name;  // "[64000 float32]" reads better than "float32s"
}

// The shortest decimal that reads back to the same value ("1e-05", not "9.99999975e-06").
std::string shortest_float(float v) {
    char buffer[64];
    for (int precision = 6; precision <= 9; ++precision) {
        std::snprintf(buffer, sizeof buffer, "%.*g", precision, static_cast<double>(v));
        if (std::strtof(buffer, nullptr) == v) break;
    }
    return buffer;
}

std::string shortest_double(double v) {
    char buffer[64];
    for (int precision = 15; precision <= 17; ++precision) {
        std::snprintf(buffer, sizeof buffer, "%.*g", precision, v);
        if (std::strtod(buffer, nullptr) == v) break;
    }
    return buffer;
}

}  // namespace

void GgufValue::expect(bool ok, const char* wanted) const {
    if (!ok)
        throw Error(std::string("internal: GGUF value of type ") + gguf_type_name(type_) + " read as " +
                    wanted);
}

uint64_t GgufValue::as_unsigned() const {
    expect(gguf_type_is_unsigned(type_), "unsigned");
    return bits_;
}
int64_t GgufValue::as_signed() const {
    expect(gguf_type_is_signed(type_), "signed");
    return static_cast<int64_t>(bits_);
}
float GgufValue::as_f32() const {
    expect(type_ == GgufType::Float32, "FLOAT32");
    return std::bit_cast<float>(static_cast<uint32_t>(bits_));
}
double GgufValue::as_f64() const {
    expect(type_ == GgufType::Float64, "FLOAT64");
    return std::bit_cast<double>(bits_);
}
bool GgufValue::as_bool() const {
    expect(type_ == GgufType::Bool, "BOOL");
    return bits_ != 0;
}
const std::string& GgufValue::as_string() const {
    expect(type_ == GgufType::String, "STRING");
    return string_;
}
const GgufArray& GgufValue::as_array() const {
    expect(type_ == GgufType::Array, "ARRAY");
    return *array_;
}

std::string GgufValue::to_display_string(size_t max_items) const {
    switch (type_) {
        case GgufType::Float32:
            return shortest_float(as_f32());
        case GgufType::Float64:
            return shortest_double(as_f64());
        case GgufType::Bool:
            return as_bool() ? "true" : "false";
        case GgufType::String:
            return as_string();
        case GgufType::Array: {
            const GgufArray& array = as_array();
            if (array.items.size() > max_items)
                return "[" + std::to_string(array.items.size()) + " " +
                       lowercase_type_plural(array.element_type) + "]";
            std::string out = "[";
            for (size_t i = 0; i < array.items.size(); ++i) {
                if (i) out += ", ";
                if (array.element_type == GgufType::String)
                    out += "\"" + array.items[i].as_string() + "\"";
                else
                    out += array.items[i].to_display_string(max_items);
            }
            return out + "]";
        }
        default:
            return gguf_type_is_unsigned(type_) ? std::to_string(as_unsigned()) : std::to_string(as_signed());
    }
}

bool GgufValue::operator==(const GgufValue& other) const {
    if (type_ != other.type_) return false;
    if (type_ == GgufType::String) return string_ == other.string_;
    if (type_ == GgufType::Array)
        return array_->element_type == other.array_->element_type && array_->items == other.array_->items;
    return bits_ == other.bits_;  // floats compare by bits: "reads back bit-exact" is what == means
}

}  // namespace loom
