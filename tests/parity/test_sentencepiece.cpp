// SentencePiece .model files -> loom Tokenizer, against libsentencepiece (SentencePieceProcessor.encode, what
// spm_encode prints): tests/data/spm/spm_goldens.json, written by scripts/goldens/make_spm_goldens.py for
// tests/data/upstream/sentencepiece/test_model.model and the unigram / BPE models in tests/data/spm/ (with and
// without byte fallback, user-defined symbols, a precompiled charsmap, remove_extra_whitespaces off).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tokenizer/sentencepiece_tokenizer.h"

namespace loom::tok {
namespace {

const nlohmann::json& goldens() {
    static const nlohmann::json g = [] {
        std::ifstream in("tests/data/spm/spm_goldens.json");
        std::stringstream ss;
        ss << in.rdbuf();
        return nlohmann::json::parse(ss.str());
    }();
    return g;
}

class SentencePieceParity : public ::testing::TestWithParam<std::string> {};

TEST_P(SentencePieceParity, IdsAndTextMatchLibSentencePiece) {
    const auto& model = goldens()["models"][GetParam()];
    auto tokenizer = load_sentencepiece_tokenizer(model["path"].get<std::string>());
    const auto& corpus = goldens()["corpus"];
    size_t passed = 0;
    for (size_t i = 0; i < corpus.size(); ++i) {
        const std::string text = corpus[i];
        auto expected = model["ids"][i].get<std::vector<int32_t>>();
        auto got = tokenizer->encode(text, /*add_special_tokens=*/false).ids;
        EXPECT_EQ(got, expected) << GetParam() << " text " << i << ": '" << text << "'";
        passed += got == expected;
        if (!model["decoded"][i].is_null()) {
            EXPECT_EQ(tokenizer->decode(expected, true), model["decoded"][i].get<std::string>()) << text;
        }
    }
    std::cout << GetParam() << ": " << passed << "/" << corpus.size() << " texts match\n";
}

// A bare .model decodes as sentencepiece does: <unk> is " \u2047 " whether special tokens are skipped or not,
// control pieces render nothing, leading "▁" pieces lose their space only while nothing is rendered yet.
TEST_P(SentencePieceParity, DecodesUnknownControlAndLeadingPiecesAsLibSentencePiece) {
    const auto& model = goldens()["models"][GetParam()];
    auto tokenizer = load_sentencepiece_tokenizer(model["path"].get<std::string>());
    for (const auto& c : model["decode_cases"]) {
        const auto ids = c["ids"].get<std::vector<int32_t>>();
        EXPECT_EQ(tokenizer->decode(ids, true), c["text"].get<std::string>())
            << GetParam() << " " << c["ids"];
    }
    const int32_t unk = 0;
    EXPECT_EQ(tokenizer->decode(std::vector<int32_t>{unk}, false), " \u2047 ") << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Spm, SentencePieceParity,
                         ::testing::Values("test_model", "unigram_1000_identity",
                                           "unigram_1000_bytefb_userdef_identity",
                                           "bpe_1000_identity_keepspaces", "bpe_1000_bytefb_nfkc"));

TEST(SentencePieceModel, ReadsTrainerAndNormalizerSpecs) {
    SpModel m = load_sentencepiece_model("tests/data/upstream/sentencepiece/test_model.model");
    EXPECT_EQ(m.pieces.size(), 1000u);
    EXPECT_EQ(m.trainer.model_type, SpModelType::Unigram);
    EXPECT_EQ(m.trainer.unk_id, 0);
    EXPECT_EQ(m.pieces[0].type, SpPieceType::Unknown);
    EXPECT_EQ(m.pieces[1].type, SpPieceType::Control);
    EXPECT_EQ(m.normalizer.name, "nfkc");  // as `strings test_model.model` shows
    EXPECT_FALSE(m.normalizer.precompiled_charsmap.empty());
    SpModel bpe = load_sentencepiece_model("tests/data/spm/bpe_1000_bytefb_nfkc.model");
    EXPECT_EQ(bpe.trainer.model_type, SpModelType::Bpe);
    EXPECT_TRUE(bpe.trainer.byte_fallback);
    SpModel keep = load_sentencepiece_model("tests/data/spm/bpe_1000_identity_keepspaces.model");
    EXPECT_FALSE(keep.normalizer.remove_extra_whitespaces);
    EXPECT_TRUE(keep.normalizer.precompiled_charsmap.empty());
}

}  // namespace
}  // namespace loom::tok
