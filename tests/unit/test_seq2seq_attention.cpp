// attend_row's AVX-512 variant against its scalar reference (dots in double), over head sizes with and
// without a 16-lane tail, strided key/value runs (as the decoder's self-attention cache lays them out), odd
// key counts, with and without an additive bias; and the math itself on a case with a known answer.
// The AVX-512 SiLU against loom::silu. encode_batch against encode on each source (tiny Marian and T5 from
// scripts/goldens/write_tiny_seq2seq.py).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <vector>

#include "../tiny_models.h"
#include "core/cpu_features.h"
#include "core/error.h"
#include "core/parallel.h"
#include "formats/model_source.h"
#include "kernels/cpu/ops.h"
#include "models/seq2seq_attention.h"
#include "models/seq2seq_layers.h"
#include "models/seq2seq_model.h"

namespace loom {
namespace {

TEST(Seq2SeqAttention, ReferenceMatchesHandComputedSoftmax) {
    // Two keys, q . k = (0, 1) at scale 1: weights softmax(0, 1) = (1, e) / (1 + e); out = their mix of v.
    const float q[2] = {1.0f, 0.0f};
    const float k[4] = {0.0f, 5.0f, 1.0f, -3.0f};  // key j at k + 2j
    const float v[4] = {2.0f, 0.0f, 0.0f, 4.0f};
    float out[2], w[2];
    attend_row_reference(out, q, KeyValueRun{k, v, 2, 2}, 2, 1.0f, nullptr, w);
    const double e = std::exp(1.0), w0 = 1.0 / (1.0 + e), w1 = e / (1.0 + e);
    EXPECT_NEAR(w[0], w0, 1e-7);
    EXPECT_NEAR(w[1], w1, 1e-7);
    EXPECT_NEAR(out[0], 2.0 * w0, 1e-6);
    EXPECT_NEAR(out[1], 4.0 * w1, 1e-6);
}

TEST(Seq2SeqAttention, Avx512MatchesReference) {
    if (simd_level() < SimdLevel::Avx512) GTEST_SKIP() << "no AVX-512 on this CPU";
    std::mt19937 rng(7);
    std::normal_distribution<float> normal(0.0f, 1.0f);
    for (const int64_t head_dim : {8, 16, 24, 64, 80, 128}) {
        for (const int64_t n : {1, 2, 7, 33}) {
            for (const bool with_bias : {false, true}) {
                const int64_t stride = 3 * head_dim + 5;  // keys and values interleaved with other data
                std::vector<float> kv_data(n * stride + head_dim * 2), q(head_dim), bias(n);
                for (float& f : kv_data) f = normal(rng);
                for (float& f : q) f = normal(rng);
                for (float& f : bias) f = normal(rng);
                const KeyValueRun kv{kv_data.data(), kv_data.data() + head_dim + 1, stride, n};
                std::vector<float> out_ref(head_dim), out_fast(head_dim), w_ref(n), w_fast(n);
                const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
                const float* b = with_bias ? bias.data() : nullptr;
                attend_row_reference(out_ref.data(), q.data(), kv, head_dim, scale, b, w_ref.data());
                attend_row_avx512(out_fast.data(), q.data(), kv, head_dim, scale, b, w_fast.data());
                // f32 lanes vs double dots: a few ulps of the O(1) scores, through exp.
                for (int64_t j = 0; j < n; ++j)
                    EXPECT_NEAR(w_fast[j], w_ref[j], 1e-5) << head_dim << " " << n;
                for (int64_t d = 0; d < head_dim; ++d)
                    EXPECT_NEAR(out_fast[d], out_ref[d], 1e-5) << "head_dim " << head_dim << " n " << n;
            }
        }
    }
}

class Seq2SeqEncodeBatch : public ::testing::TestWithParam<const char*> {};

TEST_P(Seq2SeqEncodeBatch, EqualsEncodeOnEachSource) {
    set_num_threads(1);
    static const std::filesystem::path dir = test::tiny_models("write_tiny_seq2seq", "--out ");
    const auto model = Seq2SeqModel::load(open_model_source((dir / GetParam()).string()));
    const std::vector<std::vector<int32_t>> sources = {
        {5, 17, 99, 2},
        {300, 2},
        {7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 2},
        {42, 2}};
    const auto batch = model->encode_batch(sources);
    ASSERT_EQ(batch.size(), sources.size());
    for (size_t s = 0; s < sources.size(); ++s) {
        const auto one = model->encode(sources[s]);
        ASSERT_EQ(batch[s]->n_source, one->n_source);
        ASSERT_EQ(batch[s]->hidden.size(), one->hidden.size());
        ASSERT_EQ(batch[s]->cross_k.size(), one->cross_k.size());
        // The stacked rows may take another matmul path (more rows): equal up to f32 rounding.
        for (size_t i = 0; i < one->hidden.size(); ++i)
            ASSERT_NEAR(batch[s]->hidden[i], one->hidden[i], 1e-4);
        for (size_t i = 0; i < one->cross_k.size(); ++i) {
            ASSERT_NEAR(batch[s]->cross_k[i], one->cross_k[i], 1e-4);
            ASSERT_NEAR(batch[s]->cross_v[i], one->cross_v[i], 1e-4);
        }
    }
    EXPECT_THROW(model->encode_batch(std::vector<std::vector<int32_t>>{{5, 2}, {}}), Error);
}

INSTANTIATE_TEST_SUITE_P(TinyModels, Seq2SeqEncodeBatch, ::testing::Values("marian", "t5-v1_0", "bart"));

}  // namespace
}  // namespace loom
