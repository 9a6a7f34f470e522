// The grammar engine (generate/grammar): GBNF parsing and its errors, strings each construct accepts and
// refuses, UTF-8 split across tokens, the JSON grammar, and the token mask against a brute-force check
// (every token's bytes tried against the grammar) on real vocabularies.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <random>
#include <string>

#include "core/error.h"
#include "formats/gguf.h"
#include "formats/gguf_tokenizer.h"
#include "generate/grammar/grammar.h"
#include "generate/grammar/grammar_completion.h"
#include "generate/grammar/grammar_matcher.h"
#include "generate/grammar/grammar_sampler.h"
#include "generate/grammar/token_mask.h"
#include "tokenizer/tokenizer.h"

namespace loom::grammar {
namespace {

// The whole string is a sentence of the grammar.
bool matches(const Grammar& g, const std::string& text) {
    GrammarMatcher m(g);
    return m.accept(text) && m.can_end();
}
// The string can be continued into a sentence (a valid prefix).
bool is_prefix(const Grammar& g, const std::string& text) {
    GrammarMatcher m(g);
    return m.accept(text);
}

std::string parse_error(const std::string& text) {
    try {
        parse_gbnf(text);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

TEST(Gbnf, LiteralsAlternativesAndRuleReferences) {
    const Grammar g = parse_gbnf(R"(root ::= greeting " " name
greeting ::= "hello" | "hi"
name ::= "world" | "loom")");
    EXPECT_TRUE(matches(g, "hello world"));
    EXPECT_TRUE(matches(g, "hi loom"));
    EXPECT_FALSE(matches(g, "hello"));
    EXPECT_TRUE(is_prefix(g, "hello"));
    EXPECT_FALSE(is_prefix(g, "hey"));
    EXPECT_FALSE(matches(g, "hi loomx"));
}

TEST(Gbnf, CharacterClassesNegationAndAnyCharacter) {
    const Grammar g = parse_gbnf(R"(root ::= [a-c0-9_] [^xyz] .)");
    EXPECT_TRUE(matches(g, "a!q"));
    EXPECT_TRUE(matches(g, "7é\n"));
    EXPECT_FALSE(matches(g, "d!q"));
    EXPECT_FALSE(matches(g, "ayq"));
    EXPECT_FALSE(matches(g, "a!"));
}

TEST(Gbnf, RepetitionOperators) {
    const Grammar g = parse_gbnf(R"(root ::= "a"* "b"+ "c"? d{2} e{1,3} f{2,}
d ::= "d"
e ::= "e"
f ::= "f")");
    EXPECT_TRUE(matches(g, "bddeff"));
    EXPECT_TRUE(matches(g, "aaabbbcddeeefffff"));
    EXPECT_FALSE(matches(g, "ddeff"));         // b+ needs one b
    EXPECT_FALSE(matches(g, "bdeff"));         // d{2}
    EXPECT_FALSE(matches(g, "bddeeeeff"));     // e{1,3}
    EXPECT_FALSE(matches(g, "bddef"));         // f{2,}
    EXPECT_FALSE(matches(g, "bccddeff"));      // c?
}

TEST(Gbnf, RepetitionAppliesToTheWholeLiteralAndGroup) {
    const Grammar g = parse_gbnf(R"(root ::= "ab"{2} ("x" | "yz")+)");
    EXPECT_TRUE(matches(g, "ababx"));
    EXPECT_TRUE(matches(g, "ababyzxyz"));
    EXPECT_FALSE(matches(g, "abbx"));
    EXPECT_FALSE(matches(g, "abab"));
}

TEST(Gbnf, NewlinesCommentsAndEscapes) {
    const Grammar g = parse_gbnf(R"(# a comment line
root ::=
  "\x41\u00e9\t" (  # inside parentheses a rule may span lines
    "\"" |
    "\\"
  ) [\n\]]
)");
    EXPECT_TRUE(matches(g, "A\xC3\xA9\t\"\n"));
    EXPECT_TRUE(matches(g, "A\xC3\xA9\t\\]"));
    EXPECT_FALSE(matches(g, "A\xC3\xA9\t\"x"));
}

TEST(Gbnf, ErrorsNameTheLineAndColumn) {
    EXPECT_NE(parse_error("root ::= foo").find("'foo' is used but not defined"), std::string::npos);
    EXPECT_NE(parse_error("start ::= \"a\"").find("no 'root' rule"), std::string::npos);
    EXPECT_NE(parse_error("root ::= \"a\"\nroot ::= \"b\"").find("defined twice at line 2, column 1"),
              std::string::npos);
    EXPECT_NE(parse_error("root ::= \"abc").find("unterminated string literal"), std::string::npos);
    EXPECT_NE(parse_error("root ::= [a-").find("unterminated character class"), std::string::npos);
    EXPECT_NE(parse_error("root ::= \"a\"{3,1}").find("maximum is below"), std::string::npos);
    EXPECT_NE(parse_error("root ::= \"\\q\"").find("unknown escape"), std::string::npos);
    EXPECT_NE(parse_error("root ::= list\nlist ::= list \",\" \"x\" | \"x\"").find("left-recursive"),
              std::string::npos);
    // Left recursion through a rule that can match nothing is found too.
    EXPECT_NE(parse_error("root ::= e root \"x\" | \"y\"\ne ::= \"z\"?").find("left-recursive"),
              std::string::npos);
    EXPECT_NE(parse_error("root ::= " + std::string(300, '(') + "\"a\"" + std::string(300, ')')).find("nested deeper"),
              std::string::npos);
    EXPECT_NE(parse_error("root ::= \"a\" ]").find("line 1, column 14"), std::string::npos);
}

TEST(GrammarMatcher, Utf8SplitAcrossTokensIsJudgedByItsPrefix) {
    const Grammar g = parse_gbnf(R"(root ::= "é" [α-γ])");  // U+00E9, then U+03B1..U+03B3
    GrammarMatcher m(g);
    EXPECT_TRUE(m.accept("\xC3"));       // could still become é
    EXPECT_FALSE(m.accept("\xA8"));      // è: refused, state unchanged
    EXPECT_TRUE(m.accept("\xA9"));
    EXPECT_FALSE(m.accept("\xCE\xB4"));  // δ is outside the class
    EXPECT_TRUE(m.accept("\xCE"));
    EXPECT_FALSE(m.can_end());           // inside a character
    EXPECT_TRUE(m.accept("\xB2"));       // β
    EXPECT_TRUE(m.can_end());
    EXPECT_TRUE(m.must_end());
    EXPECT_FALSE(GrammarMatcher(g).accept("\xFF"));  // never valid UTF-8
    const Grammar any = parse_gbnf("root ::= .");
    EXPECT_FALSE(GrammarMatcher(any).accept("\xC1"));      // only starts overlong forms
    EXPECT_FALSE(GrammarMatcher(any).accept("\xE0\x81"));  // overlong
    EXPECT_FALSE(GrammarMatcher(any).accept("\xED\xA0\x80"));  // a surrogate
    EXPECT_FALSE(GrammarMatcher(any).accept("\xF4\x90"));  // past U+10FFFF
    EXPECT_TRUE(GrammarMatcher(any).accept("\xF0\x9F\x98\x80"));
}

TEST(JsonGrammar, AcceptsJsonAndRefusesTheRest) {
    const Grammar g = parse_gbnf(json_value_gbnf());
    for (const char* ok : {"{}", "[]", "0", "-12.5e+3", "\"a\\n\\u00e9 b\"", "true", "null",
                           "{\"a\": [1, 2, {\"b\": false}], \"c\": \"x\"}", "[ \"\xC3\xA9\" , -0.5 ]"})
        EXPECT_TRUE(matches(g, ok)) << ok;
    for (const char* bad : {"{", "{'a': 1}", "[1,]", "01", "\"tab\there\"", "tru", "{\"a\" 1}", "[1 2]",
                            "\"\\x\"", "+1", "{}}"})
        EXPECT_FALSE(matches(g, bad)) << bad;
}

// A fuzzed JSON grammar with bounded repetitions side by side ("ws ::= [ \t\n]{0,20}", "[0-9]{0,95}") whose
// parse stacks multiply with nesting: 13,792 stacks (10 ms a byte, 12.6 s in the sanitizer build) before the
// matcher bounded its parse positions. It must now stop with the "too ambiguous" error, early.
TEST(GrammarMatcher, AmbiguityExplosionIsRefusedNotGroundThrough) {
    std::ifstream file("tests/fuzz/corpus/fuzz_grammar/ambiguous_bounded_repetitions", std::ios::binary);
    ASSERT_TRUE(file) << "run from the repository root";
    const std::string input((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    const size_t split = input.find('\0');  // "G<grammar>\0<text>", the fuzz target's format
    ASSERT_NE(split, std::string::npos);
    const Grammar g = parse_gbnf(input.substr(1, split - 1));
    GrammarMatcher m(g);
    size_t fed = 0;
    try {
        for (const char c : input.substr(split + 1)) {
            if (!m.accept_byte(static_cast<uint8_t>(c))) break;
            ++fed;
        }
        FAIL() << "the text was matched to byte " << fed << " without the ambiguity limit";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("too ambiguous"), std::string::npos) << e.what();
        EXPECT_LT(fed, 480u);  // it grew past 65,536 positions at byte 325
    }
}

// The mask from the trie walk equals trying every token's bytes on its own, for states reached by random
// allowed tokens (so the states are the ones generation meets).
void expect_mask_equals_brute_force(const Tokenizer& tokenizer, const Grammar& grammar, int steps, uint32_t seed) {
    auto trie = std::make_shared<TokenTrie>(TokenBytes::from_tokenizer(tokenizer));
    TokenMasker masker(trie);
    GrammarMatcher state(grammar);
    std::mt19937 rng(seed);
    for (int step = 0; step < steps && !state.must_end(); ++step) {
        const std::vector<bool> fast = masker.allowed(state);
        std::vector<int32_t> allowed_ids;
        for (size_t id = 0; id < trie->vocab_size(); ++id) {
            const auto& bytes = trie->bytes_of(static_cast<int32_t>(id));
            GrammarMatcher copy = state;
            const bool brute = bytes && !bytes->empty() && copy.accept(*bytes);
            ASSERT_EQ(fast[id], brute) << "step " << step << " token " << id << " '" << (bytes ? *bytes : "") << "'";
            if (brute) allowed_ids.push_back(static_cast<int32_t>(id));
        }
        ASSERT_FALSE(allowed_ids.empty()) << "step " << step;
        const int32_t pick = allowed_ids[rng() % allowed_ids.size()];
        ASSERT_TRUE(state.accept(*trie->bytes_of(pick)));
    }
}

const char* kSmallSchemaLikeGrammar = R"(root ::= "{" ws "\"name\"" ws ":" ws str "," ws "\"age\"" ws ":" ws num "}"
str ::= "\"" [^"\\]{0,12} "\""
num ::= [0-9]{1,3}
ws ::= " "?)";

TEST(TokenMask, EqualsBruteForceOnByteLevelVocabulary) {  // GPT-2's 50257 tokens
    auto tokenizer = tokenizer_from_gguf(*GgufFile::open("tests/data/upstream/vocab-tests/ggml-vocab-gpt-2.gguf"));
    expect_mask_equals_brute_force(*tokenizer, parse_gbnf(json_value_gbnf()), 25, 1);
    expect_mask_equals_brute_force(*tokenizer, parse_gbnf(kSmallSchemaLikeGrammar), 25, 2);
}

TEST(TokenMask, EqualsBruteForceOnSentencePieceVocabulary) {  // LLaMA's 32000 tokens with byte fallback
    auto tokenizer =
        tokenizer_from_gguf(*GgufFile::open("tests/data/upstream/vocab-tests/ggml-vocab-llama-spm.gguf"));
    expect_mask_equals_brute_force(*tokenizer, parse_gbnf(json_value_gbnf()), 25, 3);
    expect_mask_equals_brute_force(*tokenizer, parse_gbnf(R"(root ::= [一-龥]{1,4} "。")"), 6, 4);
}

TEST(GrammarSampler, EndOfGenerationOnlyWhereTheGrammarMayEnd) {
    auto tokenizer = tokenizer_from_gguf(*GgufFile::open("tests/data/upstream/vocab-tests/ggml-vocab-gpt-2.gguf"));
    auto trie = std::make_shared<TokenTrie>(TokenBytes::from_tokenizer(*tokenizer));
    const int32_t eos = *tokenizer->token_to_id("<|endoftext|>");
    GrammarSampler sampler(std::make_shared<Grammar>(parse_gbnf(R"(root ::= "ab" "c"?)")), trie, {eos});
    const auto allowed_ids = [&] {
        CandidateArray c;
        for (int32_t id = 0; id < static_cast<int32_t>(trie->vocab_size()); ++id) c.data.push_back({id, 0.0f, 0.0f});
        sampler.apply(c);
        std::vector<int32_t> ids;
        for (const auto& x : c.data)
            if (x.logit == 0.0f) ids.push_back(x.id);
        return ids;
    };
    auto first = allowed_ids();
    EXPECT_EQ(std::count(first.begin(), first.end(), eos), 0);
    EXPECT_EQ(first, (std::vector<int32_t>{*tokenizer->token_to_id("a"), *tokenizer->token_to_id("ab"),
                                           *tokenizer->token_to_id("abc")}));
    sampler.accept(*tokenizer->token_to_id("ab"));
    auto second = allowed_ids();  // "c" or the end
    EXPECT_EQ(second, (std::vector<int32_t>{*tokenizer->token_to_id("c"), eos}));
    sampler.accept(*tokenizer->token_to_id("c"));
    EXPECT_EQ(allowed_ids(), std::vector<int32_t>{eos});
    EXPECT_THROW(sampler.accept(*tokenizer->token_to_id("x")), Error);
    sampler.reset();
    EXPECT_EQ(allowed_ids(), first);
}

// The fewest bytes that finish a sentence: per rule (recursion, multi-byte characters, negated sets), and
// from a matcher's state (nesting open, a UTF-8 character half-written).
TEST(GrammarCompletion, FewestBytesToFinish) {
    const Grammar g = parse_gbnf(R"(root ::= "ab" x | "c"
x ::= "[" x "]" | "é" | [^a-z\x00-\x7F])");
    const CompletionLengths lengths(g);
    EXPECT_EQ(lengths.rule(g.root), 1u);  // "c"
    GrammarMatcher m(g);
    EXPECT_EQ(m.min_completion_bytes(lengths), 1u);
    ASSERT_TRUE(m.accept("ab"));
    EXPECT_EQ(m.min_completion_bytes(lengths), 2u);  // "é" (the negated set's shortest is 2 bytes too)
    ASSERT_TRUE(m.accept("[["));
    EXPECT_EQ(m.min_completion_bytes(lengths), 4u);  // "é]]"
    ASSERT_TRUE(m.accept("\xC3"));  // the first byte of é: its second byte and "]]" are left, counted safe
    EXPECT_GE(m.min_completion_bytes(lengths), 3u);
    EXPECT_LE(m.min_completion_bytes(lengths), 5u);
    ASSERT_TRUE(m.accept("\xA9]]"));
    EXPECT_EQ(m.min_completion_bytes(lengths), 0u);

    const Grammar json = parse_gbnf(json_value_gbnf());
    const CompletionLengths json_lengths(json);
    GrammarMatcher j(json);
    ASSERT_TRUE(j.accept(R"({"a": [1, [2)"));
    EXPECT_EQ(j.min_completion_bytes(json_lengths), 3u);  // "]]}"
}

// A model that prefers to keep nesting: with a token budget the grammar stage closes the nesting in time, so
// the answer ends with the end-of-generation token inside the budget; without one it is cut off unfinished.
TEST(GrammarSampler, TokenBudgetClosesNestingInTime) {
    auto tokenizer = tokenizer_from_gguf(*GgufFile::open("tests/data/upstream/vocab-tests/ggml-vocab-gpt-2.gguf"));
    auto trie = std::make_shared<TokenTrie>(TokenBytes::from_tokenizer(*tokenizer));
    const int32_t eos = *tokenizer->token_to_id("<|endoftext|>");
    const auto grammar = std::make_shared<Grammar>(parse_gbnf(R"(root ::= "[" root "]" | "x")"));
    std::vector<float> logits(trie->vocab_size(), 0.0f);
    logits[static_cast<size_t>(*tokenizer->token_to_id("["))] = 5.0f;
    logits[static_cast<size_t>(*tokenizer->token_to_id("]"))] = 2.0f;
    logits[static_cast<size_t>(*tokenizer->token_to_id("x"))] = 1.0f;
    const auto run = [&](int64_t budget) {
        GrammarSampler sampler(grammar, trie, {eos});
        sampler.set_token_budget(budget);
        std::string text;
        for (int step = 0; step < 12; ++step) {
            CandidateArray c = CandidateArray::from_logits(logits);
            sampler.apply(c);
            const auto best = std::max_element(c.data.begin(), c.data.end(),
                                               [](const auto& a, const auto& b) { return a.logit < b.logit; });
            sampler.accept(best->id);
            if (best->id == eos) return std::make_pair(text, step + 1);
            text += *trie->bytes_of(best->id);
        }
        return std::make_pair(text, -1);  // not ended
    };
    const auto [text, steps] = run(9);
    EXPECT_EQ(text, "[[[x]]]");  // as deep as 9 steps allow: 7 tokens, then the end
    EXPECT_EQ(steps, 8);
    EXPECT_TRUE(matches(*grammar, text));
    const auto [unbounded, never] = run(0);
    EXPECT_EQ(never, -1);
    EXPECT_EQ(unbounded, "[[[[[[[[[[[[");
}

}  // namespace
}  // namespace loom::grammar
