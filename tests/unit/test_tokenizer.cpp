// Unit tests of the tokenizer's building blocks: alignment bookkeeping, invalid UTF-8, DecodeStream,
// byte-level tables, JSON errors. End-to-end parity with HF lives in tests/parity/test_tokenizer_json.cpp.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "core/error.h"
#include "tokenizer/normalized_string.h"
#include "tokenizer/normalizers/precompiled.h"
#include "tokenizer/pre_tokenizers/byte_level.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

namespace {

using nlohmann::json;
using namespace loom::tok;

// A tiny byte-level BPE: vocab of the 256 byte characters plus "he", "hel", "hell", "hello", "Ġw".
json byte_level_bpe_json() {
    json vocab = json::object();
    const auto& chars = byte_to_char_utf8();
    for (int b = 0; b < 256; ++b) vocab[chars[b]] = b;
    vocab["he"] = 256;
    vocab["ll"] = 257;
    vocab["hell"] = 258;
    vocab["hello"] = 259;
    vocab["\xC4\xA0w"] = 260;  // "Ġw"
    return {
        {"model",
         {{"type", "BPE"}, {"vocab", vocab}, {"merges", {"h e", "l l", "he ll", "hell o", "\xC4\xA0 w"}}}},
        {"pre_tokenizer", {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", true}}},
        {"decoder", {{"type", "ByteLevel"}}},
        {"added_tokens", {{{"id", 261}, {"content", "<|end|>"}, {"special", true}, {"normalized", false}}}}};
}

TEST(NormalizedString, ReplaceKeepsOriginalOffsets) {
    NormalizedString s("a b", 0);
    s.replace_ranges({{1, 2}}, "\xE2\x96\x81");  // " " -> "▁" (3 bytes)
    EXPECT_EQ(s.get(),
              "a\xE2\x96\x81"
              "b");
    EXPECT_EQ(s.original_span(1, 4).start, 1u);
    EXPECT_EQ(s.original_span(1, 4).end, 2u);
    EXPECT_EQ(s.original_span(4, 5).start, 2u);
}

TEST(NormalizedString, PrependAndFilter) {
    NormalizedString s("xy", 10);
    s.prepend("__");
    EXPECT_EQ(s.get(), "__xy");
    EXPECT_EQ(s.original_span(0, 3).start, 10u);  // the prefix maps to the first character
    EXPECT_EQ(s.original_span(0, 3).end, 11u);
    s.filter([](char32_t c) { return c != U'_'; });
    EXPECT_EQ(s.get(), "xy");
    EXPECT_EQ(s.original_span(1, 2).start, 11u);
}

TEST(Unicode, SanitizeInvalidUtf8) {
    std::vector<uint32_t> original_of;
    const std::string clean = sanitize_utf8(
        "a\xFF"
        "b\xE2\x82",
        original_of);
    EXPECT_EQ(clean,
              "a\xEF\xBF\xBD"
              "b\xEF\xBF\xBD\xEF\xBF\xBD");
    EXPECT_TRUE(is_valid_utf8(clean));
    EXPECT_EQ(original_of[1], 1u);  // the U+FFFD bytes point at the invalid byte
    EXPECT_EQ(original_of[4], 2u);
    EXPECT_FALSE(is_valid_utf8("\xC0\x80"));      // overlong
    EXPECT_FALSE(is_valid_utf8("\xED\xA0\x80"));  // surrogate
}

TEST(ByteLevel, TableIsABijection) {
    for (int b = 0; b < 256; ++b) EXPECT_EQ(char_to_byte(byte_to_char()[b]), b);
    EXPECT_EQ(byte_to_char()[' '], 0x120u);  // 'Ġ'
}

TEST(Tokenizer, ByteLevelBpeEncodeDecode) {
    const auto tok = Tokenizer::from_json(byte_level_bpe_json());
    const Encoding e = tok->encode("hello world<|end|>");
    // "hello" | " world" -> "Ġw" + o r l d | "<|end|>"
    const std::vector<int32_t> want = {259, 260, 'o', 'r', 'l', 'd', 261};
    EXPECT_EQ(e.ids, want);
    EXPECT_EQ(e.offsets[0], (std::pair<size_t, size_t>{0, 5}));
    EXPECT_EQ(e.offsets[1], (std::pair<size_t, size_t>{5, 7}));
    EXPECT_EQ(e.offsets[6], (std::pair<size_t, size_t>{11, 18}));
    EXPECT_EQ(tok->decode(e.ids, false), "hello world<|end|>");
    EXPECT_EQ(tok->decode(e.ids, true), "hello world");
    EXPECT_TRUE(tok->is_special(261));
    EXPECT_EQ(tok->token_to_id("<|end|>"), 261);
    EXPECT_EQ(tok->vocab_size(), 262u);
}

TEST(Tokenizer, InvalidUtf8NeverCrashesAndKeepsOffsets) {
    const auto tok = Tokenizer::from_json(byte_level_bpe_json());
    const std::string text = "he\xFFllo";
    const Encoding e = tok->encode(text);
    ASSERT_FALSE(e.ids.empty());
    for (const auto& [s, t] : e.offsets) {
        EXPECT_LE(s, t);
        EXPECT_LE(t, text.size());
    }
    // U+FFFD is EF BF BD in byte-level characters; decode gives it back.
    EXPECT_EQ(tok->decode(e.ids, false), "he\xEF\xBF\xBDllo");
}

TEST(DecodeStream, WaitsForCompleteCharacters) {
    const auto tok = Tokenizer::from_json(byte_level_bpe_json());
    // "é" is C3 A9: two byte tokens; nothing comes out until the second arrives.
    DecodeStream stream(*tok);
    EXPECT_EQ(stream.step(259), "hello");
    EXPECT_EQ(stream.step(0xC3), "");
    EXPECT_EQ(stream.step(0xA9), "\xC3\xA9");
    EXPECT_EQ(stream.step(260), " w");
    EXPECT_EQ(stream.step(261), "");  // special, skipped
    EXPECT_EQ(stream.flush(), "");
}

TEST(DecodeStream, ConcatenationEqualsFullDecode) {
    const auto tok = Tokenizer::from_json(byte_level_bpe_json());
    const std::string text = "hello wörld 😀 hello";
    const Encoding e = tok->encode(text);
    DecodeStream stream(*tok);
    std::string streamed;
    for (int32_t id : e.ids) streamed += stream.step(id);
    streamed += stream.flush();
    EXPECT_EQ(streamed, text);
}

TEST(Tokenizer, JsonErrorsNameTheProblem) {
    json j = byte_level_bpe_json();
    j["model"]["type"] = "Nope";
    try {
        Tokenizer::from_json(j);
        FAIL() << "expected an error";
    } catch (const loom::Error& e) {
        EXPECT_NE(std::string(e.what()).find("Nope"), std::string::npos);
    }
    j = byte_level_bpe_json();
    j["model"]["merges"].push_back("zz qq");
    EXPECT_THROW(Tokenizer::from_json(j), loom::Error);
    j = byte_level_bpe_json();
    j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(unclosed"}}}, {"behavior", "Isolated"}};
    EXPECT_THROW(Tokenizer::from_json(j), loom::Error);
    EXPECT_THROW(Tokenizer::from_json(json::array()), loom::Error);
    EXPECT_THROW(Tokenizer::from_file("/nonexistent/tokenizer.json"), loom::Error);
}

TEST(Precompiled, CorruptBlobsAreRejectedOrHarmless) {
    EXPECT_THROW(CharsMap(std::string("\x01\x00", 2)), loom::Error);
    EXPECT_THROW(CharsMap(std::string("\xFF\xFF\xFF\x0F"
                                      "abcd",
                                      8)),
                 loom::Error);
    // A trie whose units point anywhere: lookups stay inside the buffer and find nothing.
    std::string blob("\x08\x00\x00\x00", 4);
    blob += std::string("\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x7F", 8);
    blob += "x";
    const CharsMap map(blob);
    EXPECT_FALSE(map.lookup("abc").has_value());
    EXPECT_EQ(base64_decode("aGVsbG8="), "hello");
    EXPECT_THROW(base64_decode("a*b"), loom::Error);
}

}  // namespace

namespace {

// Random bytes (mostly invalid UTF-8) through every kind of pipeline: no crash, offsets inside the input
// and non-decreasing starts, and the decoder always returns valid UTF-8.
TEST(Tokenizer, RandomBytesAreSafe) {
    const char* files[] = {
        "tests/data/tokenizer/tiny/bert_wordpiece.json",   "tests/data/tokenizer/tiny/unigram_metaspace.json",
        "tests/data/tokenizer/tiny/wordlevel_digits.json", "tests/data/tokenizer/tiny/bpe_prefix_splits.json",
        "tests/data/tokenizer/tiny/bytelevel_trim.json",   "tests/data/upstream/tokenizers/llama2/tokenizer.json",
        "tests/data/upstream/tokenizers/qwen3/tokenizer.json"};
    uint64_t state = 12345;
    const auto next = [&] {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return static_cast<uint8_t>(state >> 56);
    };
    for (const char* f : files) {
        const auto tok = Tokenizer::from_file(f);
        for (int round = 0; round < 200; ++round) {
            std::string text(static_cast<size_t>(next() % 64), '\0');
            for (char& c : text) c = static_cast<char>(next() % 4 == 0 ? ' ' : next());
            const Encoding e = tok->encode(text);
            for (size_t k = 0; k < e.size(); ++k) {
                EXPECT_LE(e.offsets[k].first, e.offsets[k].second) << f;
                EXPECT_LE(e.offsets[k].second, text.size()) << f;
            }
            EXPECT_TRUE(is_valid_utf8(tok->decode(e.ids, false))) << f;
        }
    }
}

}  // namespace
