// Hostile and broken GGUF files: every one must give a loom::Error that says what is wrong and where (file,
// byte offset, tensor), never a crash or a read past the buffer (run under ASan in CI).
#include <gtest/gtest.h>

#include <cstring>

#include "formats/gguf.h"
#include "formats/gguf_writer.h"

using namespace loom;

namespace {

// Builds GGUF bytes by hand, so each test can put a lie exactly where it wants.
struct Builder {
    std::vector<uint8_t> bytes;
    Builder& raw(const void* p, size_t n) {
        const auto* b = static_cast<const uint8_t*>(p);
        bytes.insert(bytes.end(), b, b + n);
        return *this;
    }
    Builder& u32(uint32_t v) { return raw(&v, 4); }
    Builder& u64(uint64_t v) { return raw(&v, 8); }
    Builder& str(const std::string& s) { return u64(s.size()).raw(s.data(), s.size()); }
    Builder& header(uint64_t tensors, uint64_t kvs, uint32_t version = 3) {
        return raw("GGUF", 4).u32(version).u64(tensors).u64(kvs);
    }
    Builder& kv_u32(const std::string& key, uint32_t v) { return str(key).u32(4).u32(v); }
    // name, dims (innermost first, as stored), ggml type id, offset
    Builder& tensor_info(const std::string& name, std::vector<uint64_t> dims, uint32_t type,
                         uint64_t offset) {
        str(name).u32(static_cast<uint32_t>(dims.size()));
        for (uint64_t d : dims) u64(d);
        return u32(type).u64(offset);
    }
    Builder& pad(size_t alignment = 32) {
        while (bytes.size() % alignment) bytes.push_back(0);
        return *this;
    }
    Builder& zeros(size_t n) {
        bytes.insert(bytes.end(), n, 0);
        return *this;
    }
};

// The error message parse() throws, or "" when it parses.
std::string parse_error(const std::vector<uint8_t>& bytes) {
    try {
        GgufFile::parse(bytes, nullptr, "bad.gguf");
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

#define EXPECT_GGUF_ERROR(bytes, fragment)                                                        \
    do {                                                                                          \
        std::string message = parse_error(bytes);                                                 \
        EXPECT_NE(message.find(fragment), std::string::npos) << "error was: '" << message << "'"; \
        EXPECT_EQ(message.rfind("bad.gguf", 0), 0u) << message;                                   \
    } while (0)

std::vector<uint8_t> small_valid_file() {
    GgufWriter writer;
    writer.set("general.architecture", GgufValue::string("llama"));
    writer.set("tokens", GgufValue::string_array({"a", "bb", "ccc"}));
    writer.set("nested", GgufValue::array(GgufType::Array, {GgufValue::float_array({1.0f, 2.0f})}));
    writer.set("n", GgufValue::u32(7));
    writer.add_tensor("a", DType::F32, {2, 3}, std::vector<uint8_t>(24, 1));
    writer.add_tensor("b", DType::Q4_0, {1, 32}, std::vector<uint8_t>(18, 2));
    writer.add_tensor("c", DType::F16, {5}, std::vector<uint8_t>(10, 3));
    return writer.to_bytes();
}

}  // namespace

TEST(GgufBadInput, EveryTruncationIsAnError) {
    std::vector<uint8_t> full = small_valid_file();
    auto file = GgufFile::parse(full, nullptr, "full.gguf");
    const GgufTensorInfo& last = file->tensor_infos().back();
    uint64_t end_of_data = file->data_offset() + last.offset + last.nbytes;  // after it only padding follows
    for (size_t cut = 0; cut < full.size(); ++cut) {
        std::vector<uint8_t> truncated(full.begin(), full.begin() + static_cast<ptrdiff_t>(cut));
        std::string message = parse_error(truncated);
        if (cut < end_of_data) {
            EXPECT_NE(message, "") << "cut at " << cut << " parsed";
            EXPECT_NE(message.find("at byte"), std::string::npos) << message;
        } else {
            EXPECT_EQ(message, "") << "cut at " << cut << " is only missing padding";
        }
    }
}

TEST(GgufBadInput, EveryByteCorruptedIsAnErrorOrAValidParse) {
    std::vector<uint8_t> full = small_valid_file();
    for (uint8_t poison : {uint8_t{0xff}, uint8_t{0x80}, uint8_t{0x00}, uint8_t{0x7f}})
        for (size_t i = 0; i < full.size(); ++i) {
            std::vector<uint8_t> bad = full;
            bad[i] = poison;
            parse_error(bad);  // must not crash, hang or read past the end; the result may be either
        }
}

TEST(GgufBadInput, WrongMagic) {
    EXPECT_GGUF_ERROR(Builder().raw("GGML", 4).u32(3).u64(0).u64(0).bytes,
                      "not a GGUF file: magic is 'GGML'");
    EXPECT_GGUF_ERROR((std::vector<uint8_t>{0x00, 0x01, 0x02}), "too short");
    EXPECT_GGUF_ERROR(Builder().raw("\x89PNG", 4).zeros(20).bytes, "magic is '\\x89PNG'");
}

TEST(GgufBadInput, UnknownVersions) {
    EXPECT_GGUF_ERROR(Builder().header(0, 0, 1).bytes, "GGUF version 1 is not supported");
    EXPECT_GGUF_ERROR(Builder().header(0, 0, 4).bytes, "unknown GGUF version 4");
    EXPECT_GGUF_ERROR(Builder().header(0, 0, 0x03000000).bytes, "big-endian");
}

TEST(GgufBadInput, HugeCounts) {
    EXPECT_GGUF_ERROR(Builder().header(0, UINT64_MAX).bytes, "metadata count 18446744073709551615");
    EXPECT_GGUF_ERROR(Builder().header(UINT64_MAX, 0).bytes, "tensor count 18446744073709551615");
    EXPECT_GGUF_ERROR(Builder().header(1ull << 40, 0).zeros(100).bytes, "tensor count");
    // A string (key) longer than the file.
    EXPECT_GGUF_ERROR(Builder().header(0, 1).u64(UINT64_MAX).zeros(16).bytes,
                      "metadata key length 18446744073709551615");
    // Array counts that cannot fit: 2^61 uint64s; 2^40 strings.
    EXPECT_GGUF_ERROR(Builder().header(0, 1).str("k").u32(9).u32(10).u64(1ull << 61).zeros(64).bytes,
                      "array count 2305843009213693952 of UINT64");
    EXPECT_GGUF_ERROR(Builder().header(0, 1).str("k").u32(9).u32(8).u64(1ull << 40).zeros(64).bytes,
                      "array count");
}

TEST(GgufBadInput, BadMetadataTypesAndNesting) {
    EXPECT_GGUF_ERROR(Builder().header(0, 1).str("k").u32(13).u32(0).bytes,
                      "unknown GGUF metadata value type 13");
    EXPECT_GGUF_ERROR(Builder().header(0, 1).str("k").u32(9).u32(77).u64(0).bytes,
                      "unknown GGUF metadata value type 77");
    Builder deep;
    deep.header(0, 1).str("k").u32(9);
    for (int level = 0; level < 20; ++level) deep.u32(9).u64(1);  // array of array of ... 20 deep
    deep.u32(4).u64(0);
    EXPECT_GGUF_ERROR(deep.bytes, "nested deeper than 8");
    EXPECT_GGUF_ERROR(Builder().header(0, 2).kv_u32("k", 1).kv_u32("k", 2).bytes,
                      "duplicate metadata key 'k'");
}

TEST(GgufBadInput, BadAlignment) {
    EXPECT_GGUF_ERROR(Builder().header(0, 1).kv_u32("general.alignment", 0).bytes, "not a power of two");
    EXPECT_GGUF_ERROR(Builder().header(0, 1).kv_u32("general.alignment", 48).bytes, "not a power of two");
    EXPECT_GGUF_ERROR(Builder().header(0, 1).str("general.alignment").u32(8).str("32").bytes,
                      "expected UINT32");
}

TEST(GgufBadInput, BadTensorInfos) {
    auto one_tensor = [](std::vector<uint64_t> dims, uint32_t type, uint64_t offset, size_t data = 64) {
        return Builder().header(1, 0).tensor_info("w", std::move(dims), type, offset).pad().zeros(data).bytes;
    };
    EXPECT_GGUF_ERROR(one_tensor({4}, 99, 0), "unknown GGML tensor type id 99");
    EXPECT_EQ(parse_error(one_tensor({4}, 99, 0)).find("tensor 'w'"),
              10u);  // "bad.gguf: tensor 'w' at byte ..."
    EXPECT_GGUF_ERROR(one_tensor({1, 1, 1, 1, 1}, 0, 0), "5 dimensions, at most 4");
    EXPECT_GGUF_ERROR(one_tensor({1ull << 40, 1ull << 40}, 0, 0), "overflow");
    EXPECT_GGUF_ERROR(one_tensor({UINT64_MAX}, 0, 0), "overflow");
    EXPECT_GGUF_ERROR(one_tensor({1ull << 62}, 0, 0), "overflows 64 bits");  // 2^62 floats: 2^64 bytes
    EXPECT_GGUF_ERROR(one_tensor({(1ull << 62) / 32 * 32}, 15, 0),
                      "past the end");  // 2^54 Q8_K blocks fit 64 bits
    EXPECT_GGUF_ERROR(one_tensor({31}, 2, 0), "not a multiple of the Q4_0 block size 32");
    EXPECT_GGUF_ERROR(one_tensor({4}, 0, 4), "not a multiple of the alignment 32");
    EXPECT_GGUF_ERROR(one_tensor({4}, 0, 64), "past the end");
    EXPECT_GGUF_ERROR(one_tensor({32}, 0, 0), "past the end");  // 128 bytes needed, 64 present
    EXPECT_GGUF_ERROR(one_tensor({4}, 0, UINT64_MAX - 31), "past the end");
    EXPECT_GGUF_ERROR(one_tensor({4}, 0, 0, 0), "past the end");  // no data section at all
    EXPECT_EQ(parse_error(one_tensor({4}, 0, 0)), "");  // the control: the same file with sane numbers
    auto two =
        Builder().header(2, 0).tensor_info("w", {4}, 0, 0).tensor_info("w", {4}, 0, 32).pad().zeros(64).bytes;
    EXPECT_GGUF_ERROR(two, "duplicate tensor name");
}

TEST(GgufBadInput, ErrorsCarryFileOffsetAndTensor) {
    auto bytes = Builder().header(1, 0).tensor_info("blk.0.w", {4}, 42, 0).pad().zeros(64).bytes;
    try {
        GgufFile::parse(bytes, nullptr, "m.gguf");
        FAIL() << "parsed";
    } catch (const Error& e) {
        EXPECT_EQ(e.file_path(), "m.gguf");
        EXPECT_EQ(e.tensor_name(), "blk.0.w");
        // header 24 + name (8 + 7) + n_dims 4 + one dim 8 = 51: where the type id sits
        EXPECT_EQ(e.byte_offset(), 51u);
    }
}
