// Paged KV (generate/kv_block_pool.h, KvCache over a pool): the block pool's bookkeeping, and a model run on a
// paged cache gives exactly the logits of the contiguous cache, for the prompt pass (blocked attention kernel
// over gathered blocks) and for decoding (the per-query loop over block runs), on RoPE/GQA, learned-position
// and ALiBi families. Two sequences sharing a prefix's blocks each get their own continuation: a shared
// block is copied before it is written, never changed under the other.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "formats/model_source.h"
#include "generate/kv_block_pool.h"
#include "generate/kv_cache.h"
#include "models/decoder_model.h"
#include "../tiny_models.h"

namespace loom {
namespace {

using Ids = std::vector<int32_t>;

TEST(KvBlockPool, AllocatesReleasesAndCountsReferences) {
    KvBlockPool pool(2, 1, 4, 8, 3);
    EXPECT_EQ(pool.n_free(), 3);
    const int32_t a = pool.allocate(), b = pool.allocate(), c = pool.allocate();
    EXPECT_GE(a, 0);
    EXPECT_GE(b, 0);
    EXPECT_GE(c, 0);
    EXPECT_EQ(pool.allocate(), -1);  // empty
    pool.retain(a);
    EXPECT_EQ(pool.ref_count(a), 2);
    pool.release(a);
    EXPECT_EQ(pool.n_free(), 0);
    pool.release(a);
    EXPECT_EQ(pool.n_free(), 1);
    EXPECT_THROW(pool.release(a), Error);  // not in use any more
    EXPECT_THROW(pool.retain(a), Error);
    EXPECT_EQ(KvBlockPool::block_bytes(2, 1, 4, 8), size_t{2 * 2 * 1 * 4 * 8 * 4});
    EXPECT_THROW(KvBlockPool(2, 1, 4, 0, 3), Error);
}

std::map<std::string, std::unique_ptr<DecoderModel>>& models() {
    static std::map<std::string, ModelSource> sources;
    static std::map<std::string, std::unique_ptr<DecoderModel>> m = [] {
        std::map<std::string, std::unique_ptr<DecoderModel>> x;
        const std::string dir = test::tiny_models("write_tiny_weights", "--out ");
        for (const char* name : {"llama", "mistral", "gpt2", "bloom"}) {
            sources[name] = open_model_source(dir + "/" + name);
            x[name] = load_decoder_model(sources[name]);
        }
        return x;
    }();
    return m;
}

// The prompt in one pass, then `n` greedy tokens one by one; every step's logits appended.
std::vector<float> run(DecoderModel& model, KvCache& cache, const Ids& prompt, int n, Ids* tokens = nullptr) {
    const size_t V = static_cast<size_t>(model.config().n_vocab);
    std::vector<float> all, logits(V);
    model.forward(prompt, cache, logits.data(), false);
    for (int i = 0; i < n; ++i) {
        all.insert(all.end(), logits.begin(), logits.end());
        const int32_t next = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
        if (tokens) tokens->push_back(next);
        model.forward({&next, 1}, cache, logits.data(), false);
    }
    all.insert(all.end(), logits.begin(), logits.end());
    return all;
}

TEST(KvPagedCache, SameLogitsAsTheContiguousCache) {
    const Ids prompt = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7, 9, 3, 2, 3, 8, 4, 6, 2, 6, 4};  // 24: 1.5 blocks
    for (auto& [name, model] : models()) {
        const ModelConfig& c = model->config();
        KvBlockPool pool(c.n_layer, c.n_head_kv, c.head_dim, 16, 8);
        KvCache paged(pool, 128);
        KvCache contiguous = model->make_cache(128);
        EXPECT_EQ(run(*model, paged, prompt, 20), run(*model, contiguous, prompt, 20)) << name;
        EXPECT_EQ(paged.blocks_held(), 3) << name;  // 44 positions
        EXPECT_EQ(pool.n_free(), 5) << name;
        paged.truncate(10);
        EXPECT_EQ(pool.n_free(), 7) << name;
        paged.clear();
        EXPECT_EQ(pool.n_free(), 8) << name;
        EXPECT_THROW(paged.keys(0, 0), Error) << name;  // no contiguous rows to hand out
    }
}

TEST(KvPagedCache, SharedPrefixBlocksAreCopiedBeforeTheyAreWritten) {
    DecoderModel& model = *models().at("mistral");
    const ModelConfig& c = model.config();
    KvBlockPool pool(c.n_layer, c.n_head_kv, c.head_dim, 16, 12);
    const Ids prompt = {7, 3, 11, 5, 13, 2, 17, 19, 23, 1, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67};  // 20
    KvCache first(pool, 128);
    std::vector<float> logits(static_cast<size_t>(c.n_vocab));
    model.forward(prompt, first, logits.data(), false);
    const int64_t free_before = pool.n_free();
    KvCache second(pool, 128);
    second.copy_prefix_from(first, 18);  // the full block and the partial one are shared, none copied
    EXPECT_EQ(pool.n_free(), free_before);
    EXPECT_EQ(second.blocks_to_write(18, 2), 1);  // the shared partial block needs a private copy
    // The second sequence goes on from position 18 with other tokens; the first from 20 with its own.
    const Ids second_tail = {100, 101};
    Ids second_prompt(prompt.begin(), prompt.begin() + 18);
    second_prompt.insert(second_prompt.end(), second_tail.begin(), second_tail.end());
    Ids first_tokens, second_tokens;
    std::vector<float> second_logits(static_cast<size_t>(c.n_vocab));
    model.forward(second_tail, second, second_logits.data(), false);
    for (int i = 0; i < 12; ++i) {  // interleaved, so each writes while the other's blocks are shared
        const int32_t a = static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
        const int32_t b = static_cast<int32_t>(std::max_element(second_logits.begin(), second_logits.end()) -
                                               second_logits.begin());
        first_tokens.push_back(a);
        second_tokens.push_back(b);
        model.forward({&a, 1}, first, logits.data(), false);
        model.forward({&b, 1}, second, second_logits.data(), false);
    }
    for (const auto& [p, tokens] : {std::pair{prompt, first_tokens}, std::pair{second_prompt, second_tokens}}) {
        KvCache alone = model.make_cache(128);
        Ids expected;
        run(model, alone, p, 12, &expected);
        EXPECT_EQ(tokens, expected);
    }
}

TEST(KvPagedCache, AFullPoolIsAnErrorNotACorruption) {
    DecoderModel& model = *models().at("llama");
    const ModelConfig& c = model.config();
    KvBlockPool pool(c.n_layer, c.n_head_kv, c.head_dim, 4, 2);  // 8 positions in all
    KvCache cache(pool, 128);
    std::vector<float> logits(static_cast<size_t>(c.n_vocab));
    model.forward(Ids{1, 2, 3, 4, 5, 6}, cache, logits.data(), false);
    EXPECT_THROW(model.forward(Ids{7, 8, 9}, cache, logits.data(), false), Error);
    EXPECT_EQ(cache.size(), 6);  // unchanged by the failed pass
    model.forward(Ids{7, 8}, cache, logits.data(), false);
    EXPECT_EQ(cache.size(), 8);
}

}  // namespace
}  // namespace loom
