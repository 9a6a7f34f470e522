// The grammar token mask on the default model's real vocabulary (SmolLM2, 49152 byte-level tokens): equal to
// a brute-force check (each token's bytes tried against the grammar) at states reached by random allowed
// tokens, for the JSON grammar and a schema-shaped one. Also prints what one uncached mask costs.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <random>

#include "formats/gguf.h"
#include "formats/gguf_tokenizer.h"
#include "generate/grammar/grammar.h"
#include "generate/grammar/grammar_matcher.h"
#include "generate/grammar/grammar_sampler.h"
#include "generate/grammar/token_mask.h"

namespace loom::grammar {
namespace {

const char* kDefaultModel = "models/SmolLM2-135M-Instruct.Q4_1.gguf";

TEST(GrammarMaskSmolLM2, EqualsBruteForceAtRandomStates) {
    ASSERT_TRUE(std::filesystem::exists(kDefaultModel)) << "run scripts/fetch_default_model.sh first";
    auto tokenizer = tokenizer_from_gguf(*GgufFile::open(kDefaultModel));
    auto trie = std::make_shared<TokenTrie>(TokenBytes::from_tokenizer(*tokenizer));
    ASSERT_EQ(trie->vocab_size(), 49152u);
    const Grammar json = parse_gbnf(json_value_gbnf());
    const Grammar person = parse_gbnf(R"(root ::= "{" ws "\"name\":" ws str "," ws "\"tags\":" ws "[" ws (str ("," ws str)*)? "]" ws "}"
str ::= "\"" [^"\\\n]* "\"" ws
ws ::= [ \n]{0,2})");
    for (const Grammar* g : {&json, &person}) {
        for (uint32_t seed : {11u, 12u, 13u}) {
            TokenMasker masker(trie);
            GrammarMatcher state(*g);
            std::mt19937 rng(seed);
            double slowest_ms = 0;
            for (int step = 0; step < 20 && !state.must_end(); ++step) {
                const auto t0 = std::chrono::steady_clock::now();
                const std::vector<bool> fast = masker.allowed(state);
                slowest_ms = std::max(
                    slowest_ms, std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
                std::vector<int32_t> allowed_ids;
                for (size_t id = 0; id < trie->vocab_size(); ++id) {
                    const auto& bytes = trie->bytes_of(static_cast<int32_t>(id));
                    GrammarMatcher copy = state;
                    const bool brute = bytes && !bytes->empty() && copy.accept(*bytes);
                    ASSERT_EQ(fast[id], brute) << "seed " << seed << " step " << step << " token " << id;
                    if (brute) allowed_ids.push_back(static_cast<int32_t>(id));
                }
                ASSERT_FALSE(allowed_ids.empty());
                ASSERT_TRUE(state.accept(*trie->bytes_of(allowed_ids[rng() % allowed_ids.size()])));
            }
            std::printf("slowest uncached mask: %.1f ms\n", slowest_ms);
        }
    }
}

}  // namespace
}  // namespace loom::grammar
