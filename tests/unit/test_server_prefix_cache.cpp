// Prefix reuse in the scheduler (server/prefix_reuse.h): a job whose prompt starts like a sequence some slot
// holds (a free slot's finished conversation, or a running job's prompt) starts from those keys/values. The
// outputs must equal plain one-sequence greedy decoding token for token, on every tiny decoder family
// (RoPE, GQA, learned positions, ALiBi), for 32 jobs with shared and unshared prefixes on 4 slots; the
// cached counts must be exact where the schedule fixes them, and add up with the prefilled tokens.
// Also: the slot choice itself (pure function), KvCache::copy_prefix_from, and --no-prefix-cache.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "formats/model_source.h"
#include "generate/session.h"
#include "models/decoder_model.h"
#include "server/prefix_reuse.h"
#include "server/scheduler.h"
#include "../tiny_models.h"

namespace loom::server {
namespace {

using Ids = std::vector<int32_t>;

// --- the slot choice ---

TEST(PrefixReusePlan, ContinuesInTheFreeSlotThatHoldsThePromptsStart) {
    const Ids a = {1, 2, 3, 4}, b = {1, 2, 9}, prompt = {1, 2, 3, 4, 5, 6};
    const std::vector<CachedSequence> slots = {{b, true, 5}, {a, true, 1}, {{}, true, 0}};
    const auto plan = plan_prefix_reuse(slots, prompt, true);
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->target, 1u);
    EXPECT_EQ(plan->source, 1u);
    EXPECT_EQ(plan->n_reused, 4);
}

TEST(PrefixReusePlan, CopiesIntoAnEmptySlotSoAPartlyMatchingOneKeepsItsConversation) {
    const Ids held = {1, 2, 3, 4, 5}, prompt = {1, 2, 3, 7};
    const std::vector<CachedSequence> slots = {{held, true, 3}, {{}, true, 9}};
    const auto plan = plan_prefix_reuse(slots, prompt, true);
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->target, 1u);
    EXPECT_EQ(plan->source, 0u);
    EXPECT_EQ(plan->n_reused, 3);
}

TEST(PrefixReusePlan, EvictsTheLeastRecentlyUsedAndCopiesFromARunningSlot) {
    const Ids running = {5, 6, 7, 8}, old = {9, 9}, recent = {8, 8}, prompt = {5, 6, 7, 1};
    const std::vector<CachedSequence> slots = {{running, false, 7}, {recent, true, 6}, {old, true, 2}};
    const auto plan = plan_prefix_reuse(slots, prompt, true);
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->target, 2u);  // the least recently used free slot
    EXPECT_EQ(plan->source, 0u);  // a running slot's rows are final: they may be copied
    EXPECT_EQ(plan->n_reused, 3);
}

TEST(PrefixReusePlan, TheLastPromptTokenAlwaysRunsAndNoFreeSlotMeansWait) {
    const Ids held = {1, 2, 3, 4, 5}, prompt = {1, 2, 3};
    const std::vector<CachedSequence> free_slot = {{held, true, 1}};
    const auto plan = plan_prefix_reuse(free_slot, prompt, true);
    ASSERT_TRUE(plan);
    EXPECT_EQ(plan->n_reused, 2);  // not 3: the logits of the last token are needed
    const std::vector<CachedSequence> busy = {{held, false, 1}};
    EXPECT_FALSE(plan_prefix_reuse(busy, prompt, true));
    const auto off = plan_prefix_reuse(free_slot, prompt, false);
    ASSERT_TRUE(off);
    EXPECT_EQ(off->n_reused, 0);
    const auto empty_prompt = plan_prefix_reuse(free_slot, Ids{}, true);
    ASSERT_TRUE(empty_prompt);
    EXPECT_EQ(empty_prompt->n_reused, 0);
}

TEST(PrefixReusePlan, TheLastPassKeepsMinLastPassTokens) {
    const Ids held = {1, 2, 3, 4, 5, 6, 7, 8}, prompt = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    const std::vector<CachedSequence> slots = {{held, true, 1}};
    EXPECT_EQ(plan_prefix_reuse(slots, prompt, true, 4)->n_reused, 6);   // 10 - 4
    EXPECT_EQ(plan_prefix_reuse(slots, prompt, true, 1)->n_reused, 8);   // all it holds
    EXPECT_EQ(plan_prefix_reuse(slots, prompt, true, 64)->n_reused, 0);  // a prompt under 64 runs whole
}

// --- the models ---

struct Models {
    std::map<std::string, ModelSource> sources;
    std::map<std::string, std::unique_ptr<DecoderModel>> models;
    std::unique_ptr<Tokenizer> tokenizer;
};

Models& models() {
    static Models m = [] {
        Models x;
        const std::string dir = test::tiny_models("write_tiny_weights", "--out ");
        for (const char* name : {"llama", "mistral", "gpt2", "bloom"}) {
            x.sources[name] = open_model_source(dir + "/" + name);
            x.models[name] = load_decoder_model(x.sources[name]);
        }
        x.tokenizer = Tokenizer::from_file("tests/data/upstream/tokenizers/llama3/tokenizer.json");
        return x;
    }();
    return m;
}

// The tiny f32 models' prompts are far below 64 tokens, where every pass takes the same kernel paths: reuse
// down to the last token (the real model's e2e test runs the default min_last_pass).
SchedulerConfig exact_tiny(SchedulerConfig config) {
    config.min_last_pass = 1;
    return config;
}

Ids greedy_alone(DecoderModel& model, const Ids& prompt, int32_t n) {
    Session session(model, 128);
    std::span<const float> logits = session.prefill(prompt);
    Ids out;
    for (int32_t i = 0; i < n; ++i) {
        out.push_back(static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin()));
        if (i + 1 < n) logits = session.decode(out.back());
    }
    return out;
}

TEST(PrefixReuseKvCache, CopiedPrefixEqualsRunningIt) {
    DecoderModel& model = *models().models.at("mistral");
    const Ids prompt = {3, 1, 4, 1, 5, 9, 2, 6};
    KvCache source = model.make_cache(32), copy = model.make_cache(32);
    std::vector<float> logits(static_cast<size_t>(model.config().n_vocab));
    model.forward(prompt, source, logits.data(), false);
    copy.copy_prefix_from(source, 5);
    EXPECT_EQ(copy.size(), 5);
    for (int64_t l = 0; l < source.n_layer(); ++l)
        for (int64_t h = 0; h < source.n_head_kv(); ++h)
            for (int64_t i = 0; i < 5 * source.head_dim(); ++i) {
                ASSERT_EQ(copy.keys(l, h)[i], source.keys(l, h)[i]);
                ASSERT_EQ(copy.values(l, h)[i], source.values(l, h)[i]);
            }
    EXPECT_THROW(copy.copy_prefix_from(source, 9), Error);  // more than the source holds
    KvCache other(source.n_layer(), source.n_head_kv(), source.head_dim() * 2, 32);  // another shape
    EXPECT_THROW(other.copy_prefix_from(source, 1), Error);
}

struct Finished {
    Ids tokens;
    std::string finish;
    int64_t n_cached = -1;
};

std::vector<Finished> run_jobs(Scheduler& scheduler, const std::vector<Ids>& prompts, int32_t max_tokens) {
    auto channel = std::make_shared<EventChannel>();
    std::vector<std::shared_ptr<Job>> jobs;
    for (size_t i = 0; i < prompts.size(); ++i) {
        JobSpec s;
        s.prompt = prompts[i];
        s.max_tokens = max_tokens;
        s.sampling.temperature = 0.0f;
        s.ignore_eos = true;
        jobs.push_back(std::make_shared<Job>(s, channel, static_cast<int32_t>(i)));
    }
    if (scheduler.submit(jobs) != Scheduler::Admission::Accepted) throw std::runtime_error("not accepted");
    std::vector<Finished> out(prompts.size());
    for (size_t finished = 0; finished < prompts.size();) {
        auto e = channel->pop(std::chrono::milliseconds(30000));
        if (!e) throw std::runtime_error("no event within 30 s");
        Finished& f = out[static_cast<size_t>(e->choice)];
        if (e->kind == JobEvent::Kind::Token) f.tokens.push_back(e->token);
        if (e->kind == JobEvent::Kind::Done || e->kind == JobEvent::Kind::Error) {
            f.finish = e->finish_reason;
            f.n_cached = e->n_cached;
            ++finished;
        }
    }
    return out;
}

Ids concat(const Ids& a, const Ids& b) {
    Ids out = a;
    out.insert(out.end(), b.begin(), b.end());
    return out;
}

// 32 jobs over 4 slots: 24 share a 12-token "system prompt" (8 of them are second turns of a conversation
// that ran before), 8 share nothing. Every output equals the job run alone.
void check_shared_and_unshared(const std::string& name) {
    Models& m = models();
    DecoderModel& model = *m.models.at(name);
    const int32_t n_vocab = static_cast<int32_t>(model.config().n_vocab);
    const Ids system = {7, 3, 11, 5, 13, 2, 17, 19, 23, 1, 29, 31};
    const int32_t n_new = 6;
    Metrics metrics;
    Scheduler scheduler(model, *m.tokenizer, {}, exact_tiny(SchedulerConfig{4, 128, /*prefill_chunk=*/5, 64}), metrics);

    // First turns of four conversations (run one after another, so the cached counts are fixed).
    std::vector<Ids> first_turns, first_outputs;
    for (int32_t c = 0; c < 4; ++c) {
        first_turns.push_back(concat(system, {40 + c, 41 + c, 42 + c}));
        const std::vector<Finished> r = run_jobs(scheduler, {first_turns.back()}, n_new);
        ASSERT_EQ(r[0].tokens, greedy_alone(model, first_turns.back(), n_new)) << name << " turn 1 of " << c;
        // The first conversation finds nothing; the later ones reuse the system prompt.
        EXPECT_EQ(r[0].n_cached, c == 0 ? 0 : static_cast<int64_t>(system.size())) << name << " " << c;
        first_outputs.push_back(r[0].tokens);
    }

    std::vector<Ids> prompts;
    std::vector<int64_t> at_least;  // a lower bound of each job's cached tokens where the schedule fixes it
    for (int32_t c = 0; c < 4; ++c) {  // second turns: the history + the reply + a new user message
        prompts.push_back(concat(concat(first_turns[c], first_outputs[c]), {50 + c, 51}));
        // Each conversation's slot is free and holds its first turn and the reply but the reply's last token
        // (sampled, never run): the four are admitted first, each into its own slot.
        at_least.push_back(static_cast<int64_t>(first_turns[c].size() + first_outputs[c].size() - 1));
    }
    for (int32_t i = 0; i < 20; ++i) {  // other users of the same system prompt
        prompts.push_back(concat(system, {(60 + 3 * i) % n_vocab, (61 + i) % n_vocab}));
        at_least.push_back(0);
    }
    for (int32_t i = 0; i < 8; ++i) {  // unrelated prompts, two of them repeated
        prompts.push_back({(90 + (i % 6)) % n_vocab, 8, (i % 6) + 1, 4});
        at_least.push_back(0);
    }
    const uint64_t prefilled_before = metrics.prompt_tokens.load(), cached_before = metrics.prompt_tokens_cached.load();
    const std::vector<Finished> results = run_jobs(scheduler, prompts, n_new);
    int64_t total_prompt = 0, total_cached = 0;
    for (size_t i = 0; i < prompts.size(); ++i) {
        EXPECT_EQ(results[i].finish, "length") << name << " job " << i;
        EXPECT_EQ(results[i].tokens, greedy_alone(model, prompts[i], n_new)) << name << " job " << i;
        EXPECT_GE(results[i].n_cached, at_least[i]) << name << " job " << i;
        EXPECT_LT(results[i].n_cached, static_cast<int64_t>(prompts[i].size())) << name << " job " << i;
        total_prompt += static_cast<int64_t>(prompts[i].size());
        total_cached += results[i].n_cached;
    }
    // Every prompt token was either prefilled or reused, and most of the shared ones were reused.
    EXPECT_EQ(metrics.prompt_tokens_cached.load() - cached_before, static_cast<uint64_t>(total_cached)) << name;
    EXPECT_EQ(metrics.prompt_tokens.load() - prefilled_before + (metrics.prompt_tokens_cached.load() - cached_before),
              static_cast<uint64_t>(total_prompt))
        << name;
    EXPECT_GE(total_cached, static_cast<int64_t>(20 * system.size() / 2)) << name;
}

TEST(PrefixReuseScheduler, SharedAndUnsharedPrefixesEqualEachAloneLlama) { check_shared_and_unshared("llama"); }
TEST(PrefixReuseScheduler, SharedAndUnsharedPrefixesEqualEachAloneMistralGqa) {
    check_shared_and_unshared("mistral");
}
TEST(PrefixReuseScheduler, SharedAndUnsharedPrefixesEqualEachAloneGpt2) { check_shared_and_unshared("gpt2"); }
TEST(PrefixReuseScheduler, SharedAndUnsharedPrefixesEqualEachAloneBloomAlibi) {
    check_shared_and_unshared("bloom");
}

TEST(PrefixReuseScheduler, SamePromptTwiceReusesAllButTheLastToken) {
    Models& m = models();
    DecoderModel& model = *m.models.at("llama");
    Metrics metrics;
    Scheduler scheduler(model, *m.tokenizer, {}, exact_tiny(SchedulerConfig{2, 128, 64, 8}), metrics);
    const Ids prompt = {5, 4, 3, 2, 1, 9};
    const Ids alone = greedy_alone(model, prompt, 10);
    EXPECT_EQ(run_jobs(scheduler, {prompt}, 10)[0].tokens, alone);
    const std::vector<Finished> again = run_jobs(scheduler, {prompt}, 10);
    EXPECT_EQ(again[0].tokens, alone);
    EXPECT_EQ(again[0].n_cached, static_cast<int64_t>(prompt.size()) - 1);
    EXPECT_EQ(metrics.prefix_lookups.load(), 2u);
    EXPECT_EQ(metrics.prefix_hits.load(), 1u);
}

// A running job's rows are the source of a copy while it decodes, and the slot it ran in is later evicted
// (4 new prompts on 2 slots): the running job's output is unchanged, and the evicted conversation's next
// turn is recomputed correctly.
TEST(PrefixReuseScheduler, CopyingFromARunningJobAndEvictionNeverCorruptIt) {
    Models& m = models();
    DecoderModel& model = *m.models.at("mistral");
    Metrics metrics;
    Scheduler scheduler(model, *m.tokenizer, {}, exact_tiny(SchedulerConfig{2, 128, 3, 16}), metrics);
    const Ids long_prompt = {2, 7, 1, 8, 2, 8, 1, 8, 2, 8, 4, 5};
    const int32_t n_long = 60;
    const Ids sharing = concat(Ids(long_prompt.begin(), long_prompt.begin() + 10), {9, 9});
    const std::vector<Ids> others = {sharing, {1, 1, 2}, {3, 5, 8}, {13, 21, 34}, {55, 89, 14}};
    // The references first: the model's scratch buffers are not shared between threads, so nothing may run
    // it beside the scheduler while the scheduler has work (ASan caught a read of a buffer the other resized).
    std::vector<Ids> expected;
    for (const Ids& prompt : others) expected.push_back(greedy_alone(model, prompt, 12));
    const Ids expected_long = greedy_alone(model, long_prompt, n_long);
    JobSpec spec;
    spec.prompt = long_prompt;
    spec.max_tokens = n_long;
    spec.sampling.temperature = 0.0f;
    spec.ignore_eos = true;
    auto channel = std::make_shared<EventChannel>();
    ASSERT_EQ(scheduler.submit({std::make_shared<Job>(spec, channel, 0)}), Scheduler::Admission::Accepted);
    Ids long_tokens;
    std::optional<JobEvent> e = channel->pop(std::chrono::milliseconds(30000));  // its prompt is in the cache
    ASSERT_TRUE(e && e->kind == JobEvent::Kind::Token);
    long_tokens.push_back(e->token);

    const std::vector<Finished> r = run_jobs(scheduler, others, 12);
    EXPECT_EQ(r[0].n_cached, 10);  // copied from the running job
    for (size_t i = 0; i < others.size(); ++i) EXPECT_EQ(r[i].tokens, expected[i]) << i;
    while (true) {
        e = channel->pop(std::chrono::milliseconds(30000));
        ASSERT_TRUE(e);
        if (e->kind == JobEvent::Kind::Token) long_tokens.push_back(e->token);
        if (e->kind == JobEvent::Kind::Done || e->kind == JobEvent::Kind::Error) break;
    }
    EXPECT_EQ(e->finish_reason, "length");
    EXPECT_EQ(long_tokens, expected_long);
    const Ids next_turn = concat(concat(long_prompt, long_tokens), {6});
    const std::vector<Finished> again = run_jobs(scheduler, {next_turn}, 8);
    EXPECT_EQ(again[0].tokens, greedy_alone(model, next_turn, 8));
}

TEST(PrefixReuseScheduler, OffRecomputesEveryPrompt) {
    Models& m = models();
    DecoderModel& model = *m.models.at("llama");
    Metrics metrics;
    SchedulerConfig config = exact_tiny(SchedulerConfig{2, 128, 64, 8});
    config.prefix_cache = false;
    Scheduler scheduler(model, *m.tokenizer, {}, config, metrics);
    const Ids prompt = {5, 4, 3, 2, 1, 9};
    run_jobs(scheduler, {prompt}, 4);
    const std::vector<Finished> again = run_jobs(scheduler, {prompt}, 4);
    EXPECT_EQ(again[0].n_cached, 0);
    EXPECT_EQ(again[0].tokens, greedy_alone(model, prompt, 4));
    EXPECT_EQ(metrics.prompt_tokens.load(), 2 * prompt.size());
    EXPECT_EQ(metrics.prompt_tokens_cached.load(), 0u);
}

}  // namespace
}  // namespace loom::server
