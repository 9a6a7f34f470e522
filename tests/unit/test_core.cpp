#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <fstream>

#include "core/error.h"
#include "core/half.h"
#include "core/mapped_file.h"
#include "core/parallel.h"
#include "tensor/dtype.h"
#include "tensor/tensor.h"

using namespace loom;

TEST(Error, CarriesContextInMessage) {
    Error e = Error("data past end of file").file("m.gguf").tensor("blk.0.w").offset(1234);
    EXPECT_STREQ(e.what(), "m.gguf: tensor 'blk.0.w' at byte 1234: data past end of file");
    EXPECT_EQ(e.tensor_name(), "blk.0.w");
    EXPECT_EQ(*e.byte_offset(), 1234u);
}

TEST(Half, F16RoundTripsEveryHalfValue) {
    for (uint32_t h = 0; h < 0x10000; ++h) {
        float f = f16_to_f32(static_cast<uint16_t>(h));
        if (std::isnan(f)) {
            EXPECT_TRUE(std::isnan(f16_to_f32(f32_to_f16(f))));
            continue;
        }
        EXPECT_EQ(f32_to_f16(f), h) << "half bits " << h;
    }
}

TEST(Half, F16RoundsToNearestEven) {
    EXPECT_EQ(f16_to_f32(f32_to_f16(1.0f + 1.0f / 2048)), 1.0f);  // exactly half an ulp: ties to even
    EXPECT_EQ(f16_to_f32(f32_to_f16(1.0f + 3.0f / 2048)), 1.0f + 2.0f / 1024);
    EXPECT_TRUE(std::isinf(f16_to_f32(f32_to_f16(70000.0f))));
    EXPECT_EQ(f16_to_f32(f32_to_f16(std::ldexp(1.0f, -24))), std::ldexp(1.0f, -24));  // smallest subnormal
    EXPECT_EQ(f16_to_f32(f32_to_f16(std::ldexp(1.0f, -26))), 0.0f);
}

TEST(Half, Bf16) {
    EXPECT_EQ(bf16_to_f32(f32_to_bf16(1.5f)), 1.5f);
    EXPECT_EQ(f32_to_bf16(1.0f + 1.0f / 256), f32_to_bf16(1.0f));  // tie to even
    EXPECT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(std::nanf("")))));
}

TEST(MappedFile, MapsAndReportsMissingFile) {
    std::string path = ::testing::TempDir() + "/loom_map_test.bin";
    std::ofstream(path, std::ios::binary) << "hello";
    auto file = MappedFile::open(path);
    ASSERT_EQ(file->size(), 5u);
    EXPECT_EQ(std::memcmp(file->data(), "hello", 5), 0);
    EXPECT_THROW(MappedFile::open(path + ".missing"), Error);
}

TEST(Parallel, CoversRangeExactlyOnce) {
    std::vector<int> hits(1000, 0);
    parallel_for(1000, 1, [&](int64_t b, int64_t e) {
        for (int64_t i = b; i < e; ++i) hits[i]++;
    });
    for (int h : hits) EXPECT_EQ(h, 1);
}

TEST(DType, SizesFollowGgufBlockLayouts) {
    EXPECT_EQ(row_bytes(DType::Q4_K, 512), 288u);
    EXPECT_EQ(row_bytes(DType::Q8_0, 64), 68u);
    EXPECT_THROW(row_bytes(DType::Q4_0, 33), Error);
    EXPECT_FALSE(dtype_info(4u).has_value());  // ids 4 and 5 were removed from GGML
    EXPECT_EQ(*dtype_from_name("q6_k"), DType::Q6_K);
}

TEST(Tensor, ZerosOwnsAlignedMemory) {
    Tensor t = Tensor::zeros(DType::F32, {3, 4});
    EXPECT_EQ(t.numel(), 12);
    EXPECT_EQ(t.nbytes(), 48u);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data()) % 64, 0u);
    EXPECT_EQ(t.to_f32()[11], 0.0f);
}
