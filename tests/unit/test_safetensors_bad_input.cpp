// Broken and hostile safetensors files: a header that lies about its length, sizes or offsets must give a
// clear loom::Error naming the file (and the tensor), never a crash or a read past the buffer.
#include <gtest/gtest.h>

#include <cstring>
#include <optional>

#include "core/error.h"
#include "core/mapped_file.h"
#include "formats/safetensors.h"

using namespace loom;

namespace {

// u64 header length + header (space-padded to 8 bytes, as the reference writer does) + data; `declared`
// overrides the length field.
std::vector<uint8_t> make_file(std::string header, size_t data_bytes, std::optional<uint64_t> declared = {}) {
    while (header.size() % 8) header += ' ';
    uint64_t length = declared.value_or(header.size());
    // One allocation filled in place (GCC 12 -O3 reports a false -Warray-bounds on vector::insert here).
    std::vector<uint8_t> out(8 + header.size() + data_bytes, 0x5a);
    std::memcpy(out.data(), &length, 8);
    std::memcpy(out.data() + 8, header.data(), header.size());
    return out;
}

std::string error_of(const std::vector<uint8_t>& bytes) {
    WeightMap weights;
    try {
        read_safetensors(bytes, nullptr, "bad.safetensors", weights);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

#define EXPECT_ST_ERROR(bytes, fragment)                                                          \
    do {                                                                                          \
        std::string message = error_of(bytes);                                                    \
        EXPECT_NE(message.find(fragment), std::string::npos) << "error was: '" << message << "'"; \
        EXPECT_EQ(message.rfind("bad.safetensors", 0), 0u) << message;                            \
    } while (0)

std::vector<uint8_t> fixture() {
    auto mapped = MappedFile::open("tests/data/safetensors/tiny.safetensors");
    return {mapped->data(), mapped->data() + mapped->size()};
}

}  // namespace

TEST(SafetensorsBadInput, EveryTruncationIsAnError) {
    std::vector<uint8_t> full = fixture();
    EXPECT_EQ(error_of(full), "");
    for (size_t cut = 0; cut < full.size(); ++cut) {
        std::vector<uint8_t> truncated(full.begin(), full.begin() + static_cast<ptrdiff_t>(cut));
        EXPECT_NE(error_of(truncated), "") << "cut at " << cut << " parsed";
    }
}

TEST(SafetensorsBadInput, EveryByteCorruptedIsAnErrorOrAValidParse) {
    std::vector<uint8_t> full = fixture();
    for (uint8_t poison : {uint8_t{0xff}, uint8_t{'9'}, uint8_t{'"'}, uint8_t{0}})
        for (size_t i = 0; i < full.size(); ++i) {
            std::vector<uint8_t> bad = full;
            bad[i] = poison;
            error_of(bad);  // either result is fine; a crash or an ASan report is not
        }
}

TEST(SafetensorsBadInput, HeaderLengthLies) {
    std::string ok = R"({"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})";
    EXPECT_EQ(error_of(make_file(ok, 8)), "");  // the control
    EXPECT_ST_ERROR(make_file(ok, 8, ok.size() + 100), "header length");
    EXPECT_ST_ERROR(make_file(ok, 8, UINT64_MAX), "header length 18446744073709551615 is past the end");
    EXPECT_ST_ERROR(make_file(ok, 8, ok.size() - 5), "not valid JSON");
    EXPECT_ST_ERROR((std::vector<uint8_t>{1, 2, 3}), "too short");
    EXPECT_ST_ERROR(make_file("[1, 2]", 0), "not a JSON object");
    EXPECT_ST_ERROR(make_file("{\"w\": ", 0), "not valid JSON");
}

TEST(SafetensorsBadInput, EntriesThatLie) {
    auto entry = [](const std::string& body, size_t data = 8) {
        return make_file("{\"w\":" + body + "}", data);
    };
    EXPECT_ST_ERROR(entry(R"({"dtype":"F32","shape":[2],"data_offsets":[0,16]})"),
                    "past the 8-byte data section");
    EXPECT_ST_ERROR(entry(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})"), "needs 12");
    EXPECT_ST_ERROR(entry(R"({"dtype":"F32","shape":[1],"data_offsets":[8,4]})"), "end before they begin");
    EXPECT_ST_ERROR(entry(R"({"dtype":"F32","shape":[1099511627776,1099511627776],"data_offsets":[0,8]})"),
                    "overflows");
    EXPECT_ST_ERROR(entry(R"({"dtype":"F64","shape":[2305843009213693952],"data_offsets":[0,8]})"),
                    "overflows");
    EXPECT_ST_ERROR(entry(R"({"dtype":"F32","shape":[-2],"data_offsets":[0,8]})"),
                    "not a non-negative integer");
    EXPECT_ST_ERROR(entry(R"({"dtype":"F32","shape":[2.5],"data_offsets":[0,8]})"),
                    "not a non-negative integer");
    EXPECT_ST_ERROR(entry(R"({"dtype":"F32","shape":[2],"data_offsets":[-8,0]})"),
                    "not non-negative integers");
    EXPECT_ST_ERROR(entry(R"({"dtype":"F32","shape":[2],"data_offsets":[0,8,16]})"),
                    "no 'data_offsets' pair");
    EXPECT_ST_ERROR(entry(R"({"shape":[2],"data_offsets":[0,8]})"), "no string 'dtype'");
    EXPECT_ST_ERROR(entry(R"({"dtype":"F32","data_offsets":[0,8]})"), "no array 'shape'");
    EXPECT_ST_ERROR(entry(R"({"dtype":"F8_E4M3","shape":[8],"data_offsets":[0,8]})"),
                    "dtype F8_E4M3 is not supported");
    EXPECT_ST_ERROR(entry(R"("just a string")"), "not a JSON object");
    // Errors name the tensor.
    EXPECT_NE(error_of(entry(R"({"dtype":"F32","shape":[3],"data_offsets":[0,8]})")).find("tensor 'w'"),
              std::string::npos);
}

TEST(SafetensorsBadInput, MisalignedDataIsCopiedNotViewed) {
    std::vector<uint8_t> bytes = make_file(R"({"w":{"dtype":"F32","shape":[1],"data_offsets":[2,6]}})", 8);
    float want = 1.5f;
    size_t at = bytes.size() - 8 + 2;
    std::memcpy(bytes.data() + at, &want, 4);
    auto buffer = std::make_shared<std::vector<uint8_t>>(bytes);
    ASSERT_EQ(reinterpret_cast<uintptr_t>(buffer->data()) % 4, 0u);  // so file offset and address agree
    WeightMap weights;
    read_safetensors(*buffer, buffer, "m.safetensors", weights);
    const Tensor& w = weights.get("w");
    EXPECT_EQ(reinterpret_cast<uintptr_t>(w.data()) % 4, 0u);
    EXPECT_NE(reinterpret_cast<uintptr_t>(w.data()), reinterpret_cast<uintptr_t>(buffer->data() + at))
        << static_cast<const void*>(buffer->data());
    EXPECT_EQ(w.to_f32(), std::vector<float>{1.5f});
}

TEST(SafetensorsBadInput, MetadataIsIgnoredAndDuplicatesAreRefused) {
    std::string with_metadata =
        R"({"__metadata__":{"format":"pt"},"w":{"dtype":"I8","shape":[2],"data_offsets":[0,2]}})";
    WeightMap weights;
    std::vector<uint8_t> bytes = make_file(with_metadata, 2);
    EXPECT_EQ(read_safetensors(bytes, nullptr, "a.safetensors", weights), 1u);
    EXPECT_THROW(read_safetensors(bytes, nullptr, "b.safetensors", weights), Error);  // "w" again
}
