// GgufValue: one GGUF metadata value, keeping the exact on-disk type (so a file read and written again is
// bit-identical). Integers are held widened (unsigned as uint64_t, signed as int64_t); float32 stays a float.
// Arrays hold a single element type; an array of arrays holds further GgufValues of type Array.
#pragma once

#include <bit>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace loom {

// The GGUF metadata value type ids, as stored in the file.
enum class GgufType : uint32_t {
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
};

const char* gguf_type_name(GgufType type);  // "UINT32", "STRING", ...
bool gguf_type_valid(uint32_t id);
bool gguf_type_is_unsigned(GgufType type);
bool gguf_type_is_signed(GgufType type);
uint64_t gguf_type_fixed_size(GgufType type);  // bytes of a scalar of this type; 0 for String and Array

class GgufValue;

struct GgufArray {
    GgufType element_type = GgufType::UInt8;
    std::vector<GgufValue> items;
};

class GgufValue {
  public:
    GgufValue() = default;

    static GgufValue u8(uint8_t v) { return {GgufType::UInt8, uint64_t{v}}; }
    static GgufValue i8(int8_t v) { return {GgufType::Int8, static_cast<uint64_t>(int64_t{v})}; }
    static GgufValue u16(uint16_t v) { return {GgufType::UInt16, uint64_t{v}}; }
    static GgufValue i16(int16_t v) { return {GgufType::Int16, static_cast<uint64_t>(int64_t{v})}; }
    static GgufValue u32(uint32_t v) { return {GgufType::UInt32, uint64_t{v}}; }
    static GgufValue i32(int32_t v) { return {GgufType::Int32, static_cast<uint64_t>(int64_t{v})}; }
    static GgufValue u64(uint64_t v) { return {GgufType::UInt64, v}; }
    static GgufValue i64(int64_t v) { return {GgufType::Int64, static_cast<uint64_t>(v)}; }
    static GgufValue f32(float v) { return {GgufType::Float32, std::bit_cast<uint32_t>(v)}; }
    static GgufValue f64(double v) { return {GgufType::Float64, std::bit_cast<uint64_t>(v)}; }
    static GgufValue boolean(bool v) { return {GgufType::Bool, uint64_t{v}}; }
    static GgufValue string(std::string v) {
        GgufValue value(GgufType::String, 0);
        value.string_ = std::move(v);
        return value;
    }
    // Throws loom::Error if an item's type differs from element_type.
    static GgufValue array(GgufType element_type, std::vector<GgufValue> items);
    // Integer values of a given integer type, e.g. int_array(GgufType::Int32, {1, 2, 3}); throws if one does
    // not fit.
    static GgufValue int_array(GgufType element_type, const std::vector<int64_t>& values);
    static GgufValue float_array(const std::vector<float>& values);
    static GgufValue string_array(const std::vector<std::string>& values);
    // An integer of the given integer type; throws if `value` does not fit it.
    static GgufValue integer(GgufType type, int64_t value);

    GgufType type() const { return type_; }
    bool is_integer() const { return gguf_type_is_unsigned(type_) || gguf_type_is_signed(type_); }
    bool is_float() const { return type_ == GgufType::Float32 || type_ == GgufType::Float64; }

    // Exact accessors: the caller has checked type(); a mismatch throws loom::Error (a bug in the caller).
    uint64_t as_unsigned() const;
    int64_t as_signed() const;
    float as_f32() const;
    double as_f64() const;
    bool as_bool() const;
    const std::string& as_string() const;
    const GgufArray& as_array() const;

    // Human-readable: numbers and strings in full, arrays longer than `max_items` shortened to "[49152
    // strings]".
    std::string to_display_string(size_t max_items = 8) const;

    bool operator==(const GgufValue& other) const;

  private:
    // A plain struct rather than std::variant: GCC 12 reports false -Wmaybe-uninitialized on variants of
    // strings under -O2 + sanitizers, and the CI's sanitizer build uses -Werror.
    GgufValue(GgufType type, uint64_t bits) : type_(type), bits_(bits) {}
    void expect(bool ok, const char* wanted) const;

    GgufType type_ = GgufType::UInt8;
    uint64_t bits_ = 0;   // integers (signed ones two's complement), float/double bits, bool
    std::string string_;  // String
    std::shared_ptr<const GgufArray> array_;  // Array (immutable, so copies may share it)
};

}  // namespace loom
