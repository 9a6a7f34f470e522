// EncoderModel::forward_packed (only real tokens, packed back to back, attention per sequence at its own
// length) against Hugging Face's padded-batch hidden states for the tiny BERT, RoBERTa and DistilBERT models
// (goldens: tests/data/encoders/, scripts/goldens/make_encoder_goldens.py), tolerance 1e-4 absolute as in
// test_encoder_tiny.cpp; and the attention-map observer on the fast padded path.
#include <gtest/gtest.h>

#include <cmath>
#include <mutex>

#include "core/error.h"
#include "formats/model_source.h"
#include "models/bert.h"
#include "test_encoder_util.h"

namespace loom {
namespace {

using test::batch_from;
using test::flat;
using test::golden;
using test::max_abs_diff;
using test::tiny_model;
constexpr float kTol = 1e-4f;

void check_packed(const std::string& model_dir, const std::string& golden_name) {
    const nlohmann::json g = golden(golden_name);
    auto model = EncoderModel::load(open_model_source(model_dir));
    const EncoderBatch b = batch_from(g);
    const std::vector<float> padded_want = flat(g["last_hidden_state"]);  // [B * T, H]
    const int64_t H = model->config().hidden;
    std::vector<int64_t> offsets;
    const std::vector<float> got = model->forward_packed(b, offsets);
    ASSERT_EQ(offsets.size(), static_cast<size_t>(b.batch + 1));
    std::vector<float> want;  // the real rows of the golden, in order
    for (int64_t s = 0; s < b.batch; ++s) {
        int64_t real = 0;
        for (int64_t t = 0; t < b.seq_len; ++t) real += b.mask[s * b.seq_len + t];
        EXPECT_EQ(offsets[s + 1] - offsets[s], real) << "sequence " << s;
        want.insert(want.end(), padded_want.begin() + s * b.seq_len * H,
                    padded_want.begin() + (s * b.seq_len + real) * H);
    }
    EXPECT_LE(max_abs_diff(got, want), kTol) << golden_name << " packed";

    // An attention-map observer on the padded batch: every (layer, head, query row) once, T weights summing
    // to 1 with 0 at padded keys; the hidden states do not change.
    const EncoderConfig& c = model->config();
    std::mutex lock;  // called from the attention threads
    int64_t calls = 0;
    float worst_sum = 0.0f, worst_pad = 0.0f;
    const AttentionWeightsHook hook = [&](int64_t, int64_t, int64_t pos, std::span<const float> w) {
        const std::lock_guard<std::mutex> guard(lock);
        ++calls;
        ASSERT_EQ(static_cast<int64_t>(w.size()), b.seq_len);
        float sum = 0.0f;
        for (int64_t j = 0; j < b.seq_len; ++j) {
            sum += w[j];
            if (!b.mask[(pos / b.seq_len) * b.seq_len + j]) worst_pad = std::max(worst_pad, std::fabs(w[j]));
        }
        worst_sum = std::max(worst_sum, std::fabs(sum - 1.0f));
    };
    EXPECT_EQ(model->forward(b, &hook), model->forward(b)) << golden_name;
    EXPECT_EQ(calls, c.n_layers * c.n_heads * b.batch * b.seq_len);
    EXPECT_LE(worst_sum, 1e-5f);
    EXPECT_EQ(worst_pad, 0.0f);
}

TEST(EncoderPacked, BertRealTokensOnly) {
    check_packed(tiny_model("bert"), "tiny_bert.json");
}
TEST(EncoderPacked, RobertaRealTokensOnly) {
    check_packed(tiny_model("roberta"), "tiny_roberta.json");
}
TEST(EncoderPacked, DistilBertRealTokensOnly) {
    check_packed(tiny_model("distilbert"), "tiny_distilbert.json");
}

TEST(EncoderPacked, PaddingBetweenTokensIsAnError) {
    auto model = EncoderModel::load(open_model_source(tiny_model("bert")));
    EncoderBatch b;
    b.batch = 1;
    b.seq_len = 3;
    b.ids = {2, 5, 3};
    b.mask = {1, 0, 1};
    std::vector<int64_t> offsets;
    EXPECT_THROW(model->forward_packed(b, offsets), Error);
}

}  // namespace
}  // namespace loom
