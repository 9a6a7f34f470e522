// Unit tests of the GGUF-vocabulary and SentencePiece loaders' building blocks: merge ranking, the
// tokenizer.json they build, the protobuf reader's bounds checks, base64. Expected values are worked out by
// hand in comments.
#include <gtest/gtest.h>

#include "core/error.h"
#include "tokenizer/gguf_vocab.h"
#include "tokenizer/sentencepiece_json.h"
#include "tokenizer/sentencepiece_model.h"

namespace loom::tok {
namespace {

using nlohmann::json;

TEST(Base64, Rfc4648Vectors) {
    EXPECT_EQ(base64_encode(""), "");
    EXPECT_EQ(base64_encode("f"), "Zg==");
    EXPECT_EQ(base64_encode("fo"), "Zm8=");
    EXPECT_EQ(base64_encode("foo"), "Zm9v");
    EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
    EXPECT_EQ(base64_encode(std::string("\xff\x00\x80", 3)), "/wCA");
}

TEST(DeriveMerges, HfRankingByScoreThenLeftThenRightLength) {
    // ab (-1): a+b; bc (-2): b+c; abc (-3): a+bc (lengths 1,2) and ab+c (2,1): the longer left part ranks
    // first.
    std::vector<std::string> pieces = {"a", "b", "c", "ab", "bc", "abc"};
    std::vector<float> scores = {0, 0, 0, -1, -2, -3};
    json merges = derive_bpe_merges(pieces, scores, {}, MergeRanking::HfGenerateMerges);
    EXPECT_EQ(merges, json::parse(R"([["a","b"],["b","c"],["ab","c"],["a","bc"]])"));
}

TEST(DeriveMerges, SentencePieceRankingAndMergeablePieces) {
    // Same score: ordered by the merged piece's id, then by the left part as a string ("a" < "ab").
    std::vector<std::string> pieces = {"a", "b", "c", "ab", "bc", "abc"};
    std::vector<float> scores = {0, 0, 0, -1, -2, -3};
    EXPECT_EQ(derive_bpe_merges(pieces, scores, {}, MergeRanking::SentencePiece),
              json::parse(R"([["a","b"],["b","c"],["a","bc"],["ab","c"]])"));
    // "bc" not mergeable (e.g. a control piece): neither a result nor a part.
    std::vector<bool> mergeable = {true, true, true, true, false, true};
    EXPECT_EQ(derive_bpe_merges(pieces, scores, mergeable, MergeRanking::SentencePiece),
              json::parse(R"([["a","b"],["ab","c"]])"));
}

TEST(DeriveMerges, CutsOnlyBetweenCodePoints) {
    // "▁é" is two code points (5 bytes): one cut, not four.
    std::vector<std::string> pieces = {"\u2581", "\u00e9", "\u2581\u00e9"};
    json merges = derive_bpe_merges(pieces, {0, 0, -1}, {}, MergeRanking::HfGenerateMerges);
    EXPECT_EQ(merges, json::array({json::array({"\u2581", "\u00e9"})}));
}

GgufVocab tiny_gpt2() {
    GgufVocab v;
    v.model = "gpt2";
    v.pre = "gpt-2";
    v.tokens = {"a", "b", "ab", "<|endoftext|>", "  "};
    v.token_types = {1, 1, 1, 3, 4};
    v.merges = {"a b"};
    v.eos_id = 3;
    return v;
}

TEST(GgufVocabJson, Gpt2AddedTokensAndByteLevelSpelling) {
    json j = gguf_vocab_to_tokenizer_json(tiny_gpt2());
    EXPECT_EQ(j["model"]["type"], "BPE");
    // The user-defined "  " is stored as plain spaces: the BPE vocabulary spells it in the byte alphabet (Ġ =
    // U+0120).
    EXPECT_EQ(j["model"]["vocab"]["\u0120\u0120"], 4);
    ASSERT_EQ(j["added_tokens"].size(), 2u);
    EXPECT_EQ(j["added_tokens"][0]["content"], "<|endoftext|>");
    EXPECT_EQ(j["added_tokens"][0]["special"], true);
    EXPECT_EQ(j["added_tokens"][1]["content"], "  ");
    EXPECT_EQ(j["added_tokens"][1]["special"], false);
    EXPECT_EQ(j["pre_tokenizer"]["type"], "ByteLevel");
    EXPECT_EQ(j["pre_tokenizer"]["use_regex"], true);
    EXPECT_EQ(j["post_processor"]["type"], "ByteLevel");  // no add_bos flag: nothing added
}

TEST(GgufVocabJson, SmollmSplitsDigitsBeforeByteLevel) {
    GgufVocab v = tiny_gpt2();
    v.pre = "smollm";
    json pre = gguf_vocab_to_tokenizer_json(v)["pre_tokenizer"];
    EXPECT_EQ(pre["type"], "Sequence");
    EXPECT_EQ(pre["pretokenizers"][0], json::parse(R"({"type":"Digits","individual_digits":true})"));
    EXPECT_EQ(pre["pretokenizers"][1]["type"], "ByteLevel");
    EXPECT_EQ(pre["pretokenizers"][1]["use_regex"], true);
}

TEST(GgufVocabJson, BertUndoesTheGgufSpelling) {
    GgufVocab v;
    v.model = "bert";
    v.tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "\u2581hello", "llo", "\u2581he", "[unused0]"};
    v.token_types = {3, 3, 3, 3, 1, 1, 1, 1};
    v.unk_id = 1, v.cls_id = 2, v.sep_id = 3;
    json j = gguf_vocab_to_tokenizer_json(v);
    const json& vocab = j["model"]["vocab"];
    EXPECT_EQ(vocab["hello"], 4);
    EXPECT_EQ(vocab["##llo"], 5);
    EXPECT_EQ(vocab["he"], 6);
    EXPECT_EQ(vocab["[unused0]"], 7);
    EXPECT_EQ(j["model"]["unk_token"], "[UNK]");
    EXPECT_EQ(j["normalizer"]["lowercase"], true);  // no upper-case letters in the vocabulary
    // [CLS] $A [SEP] and [CLS] $A [SEP] $B [SEP].
    EXPECT_EQ(j["post_processor"]["single"].size(), 3u);
    EXPECT_EQ(j["post_processor"]["pair"].size(), 5u);
}

TEST(GgufVocabJson, LlamaPrependsSpaceAndAddsBosByDefault) {
    GgufVocab v;
    v.model = "llama";
    v.tokens = {"<unk>", "<s>", "</s>", "\u2581", "a", "b", "\u2581a", "ab", "<0x41>"};
    v.scores = {0, 0, 0, -1, -2, -3, -4, -5, 0};
    v.token_types = {2, 3, 3, 1, 1, 1, 1, 1, 6};
    v.unk_id = 0, v.bos_id = 1, v.eos_id = 2;
    json j = gguf_vocab_to_tokenizer_json(v);
    EXPECT_EQ(j["normalizer"]["normalizers"][0], json::parse(R"({"type":"Prepend","prepend":"▁"})"));
    EXPECT_EQ(j["model"]["byte_fallback"], true);
    EXPECT_EQ(j["model"]["unk_token"], "<unk>");
    EXPECT_EQ(j["post_processor"]["single"][0]["SpecialToken"]["id"], "<s>");
    // Merges by score of the result: ▁a (-4) before ab (-5).
    EXPECT_EQ(j["model"]["merges"], json::parse(R"([["▁","a"],["a","b"]])"));
    v.add_space_prefix = false;
    v.add_bos = false;
    j = gguf_vocab_to_tokenizer_json(v);
    EXPECT_EQ(j["normalizer"]["type"], "Replace");
    EXPECT_TRUE(j["post_processor"].is_null());
}

TEST(GgufVocabJson, RejectsWhatItCannotBuild) {
    GgufVocab v = tiny_gpt2();
    v.model = "rwkv";
    EXPECT_THROW(gguf_vocab_to_tokenizer_json(v), Error);
    v = tiny_gpt2();
    v.pre = "no-such-pre";
    EXPECT_THROW(gguf_vocab_to_tokenizer_json(v), Error);
    v = tiny_gpt2();
    v.bos_id = 99;
    EXPECT_THROW(gguf_vocab_to_tokenizer_json(v), Error);
    v = tiny_gpt2();
    v.token_types = {1};
    EXPECT_THROW(gguf_vocab_to_tokenizer_json(v), Error);
    v = tiny_gpt2();
    v.tokens.clear();
    EXPECT_THROW(gguf_vocab_to_tokenizer_json(v), Error);
}

// A hand-written ModelProto: one piece {"▁a", -1.5, NORMAL}, trainer {model_type BPE, pad_id -1}, normalizer
// {name "x", add_dummy_prefix false}.
std::vector<uint8_t> tiny_model_proto() {
    std::vector<uint8_t> piece = {0x0A, 0x04, 0xE2, 0x96, 0x81, 'a',  // 1: piece "▁a"
                                  0x15, 0x00, 0x00, 0xC0, 0xBF,       // 2: float -1.5
                                  0x18, 0x01};                        // 3: type 1
    std::vector<uint8_t> trainer = {0x18, 0x02,                       // 3: model_type 2
                                    0xD8, 0x02, 0xFF, 0xFF, 0xFF, 0xFF,
                                    0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};  // 43: -1
    std::vector<uint8_t> normalizer = {0x0A, 0x01, 'x', 0x18, 0x00};
    std::vector<uint8_t> out;
    auto add = [&](uint8_t key, const std::vector<uint8_t>& body) {
        out.push_back(key);
        out.push_back(static_cast<uint8_t>(body.size()));
        out.insert(out.end(), body.begin(), body.end());
    };
    add(0x0A, piece);
    add(0x12, trainer);
    add(0x1A, normalizer);
    out.insert(out.end(), {0xA0, 0x06, 0x07});  // an unknown field 100 (varint): skipped
    return out;
}

TEST(SentencePieceProto, ParsesTheFieldsItNeeds) {
    auto bytes = tiny_model_proto();
    SpModel m = parse_sentencepiece_model(bytes);
    ASSERT_EQ(m.pieces.size(), 1u);
    EXPECT_EQ(m.pieces[0].piece, "\u2581a");
    EXPECT_EQ(m.pieces[0].score, -1.5f);
    EXPECT_EQ(m.pieces[0].type, SpPieceType::Normal);
    EXPECT_EQ(m.trainer.model_type, SpModelType::Bpe);
    EXPECT_EQ(m.trainer.pad_id, -1);
    EXPECT_EQ(m.trainer.unk_id, 0);  // default
    EXPECT_EQ(m.normalizer.name, "x");
    EXPECT_FALSE(m.normalizer.add_dummy_prefix);
    EXPECT_TRUE(m.normalizer.remove_extra_whitespaces);  // default
}

TEST(SentencePieceProto, EveryTruncationIsAnErrorNotAnOverread) {
    auto bytes = tiny_model_proto();
    for (size_t n = 1; n < bytes.size(); ++n) {
        std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
        try {
            parse_sentencepiece_model(cut, "cut");
        } catch (const Error&) {
            continue;  // a malformed or piece-less prefix: reported
        }
        // A cut that lands between fields is a shorter, valid message: it must hold the piece.
        EXPECT_GE(n, 15u) << "prefix of " << n << " bytes parsed without its piece";
    }
}

TEST(SentencePieceProto, LengthPastTheEndNamesTheOffset) {
    std::vector<uint8_t> bytes = {0x0A, 0x7F, 0x01};  // field 1, length 127, one byte left
    try {
        parse_sentencepiece_model(bytes, "bad.model");
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.file_path(), "bad.model");
        ASSERT_TRUE(e.byte_offset().has_value());
        EXPECT_EQ(*e.byte_offset(), 2u);
    }
    std::vector<uint8_t> group = {0x0B};  // field 1, wire type 3 (groups): unsupported
    EXPECT_THROW(parse_sentencepiece_model(group), Error);
}

}  // namespace
}  // namespace loom::tok
