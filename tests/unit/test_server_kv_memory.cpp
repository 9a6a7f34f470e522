// The scheduler over a KV pool smaller than its slots' contexts (--kv-memory): jobs wait for memory at
// admission, and a decoding job that needs a block the pool lacks preempts the most recently admitted one,
// which later re-runs its prompt and generated tokens and goes on. Under that pressure every output still
// equals plain one-sequence greedy decoding token for token (a running sequence is never corrupted); a
// prompt larger than the whole pool is refused with a clear message and the scheduler goes on.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "formats/model_source.h"
#include "generate/kv_block_pool.h"
#include "generate/session.h"
#include "models/decoder_model.h"
#include "server/scheduler.h"
#include "../tiny_models.h"

namespace loom::server {
namespace {

using Ids = std::vector<int32_t>;

struct Fixture {
    ModelSource source;
    std::unique_ptr<DecoderModel> model;
    std::unique_ptr<Tokenizer> tokenizer;
};

Fixture& fixture() {
    static Fixture f = [] {
        Fixture x;
        x.source = open_model_source(test::tiny_models("write_tiny_weights", "--out ") + "/llama");
        x.model = load_decoder_model(x.source);
        x.tokenizer = Tokenizer::from_file("tests/data/upstream/tokenizers/llama3/tokenizer.json");
        return x;
    }();
    return f;
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

struct Finished {
    Ids tokens;
    std::string finish, error;
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
            f.error = e->error;
            ++finished;
        }
    }
    return out;
}

SchedulerConfig tight(int64_t n_blocks) {
    const ModelConfig& c = fixture().model->config();
    SchedulerConfig config{4, 128, /*prefill_chunk=*/8, 64};
    config.kv_block_size = 16;
    config.min_last_pass = 1;  // the tiny f32 model: every pass size takes the same kernel paths
    config.kv_memory = n_blocks * static_cast<int64_t>(KvBlockPool::block_bytes(c.n_layer, c.n_head_kv, c.head_dim, 16));
    return config;
}

TEST(ServerKvMemory, PreemptedJobsResumeAndEveryOutputEqualsItsJobAlone) {
    Fixture& f = fixture();
    Metrics metrics;
    // 10 blocks = 160 positions for 6 jobs of 20 + 44 positions (4 blocks each) on 4 slots.
    Scheduler scheduler(*f.model, *f.tokenizer, {}, tight(10), metrics);
    EXPECT_EQ(metrics.kv_blocks_total, 10);
    std::vector<Ids> prompts;
    for (int32_t i = 0; i < 6; ++i) {
        Ids p;
        for (int32_t j = 0; j < 20; ++j) p.push_back((7 * i + 3 * j + 1) % 200);
        prompts.push_back(p);
    }
    const std::vector<Finished> r = run_jobs(scheduler, prompts, 44);
    for (size_t i = 0; i < prompts.size(); ++i) {
        EXPECT_EQ(r[i].finish, "length") << i << " " << r[i].error;
        EXPECT_EQ(r[i].tokens, greedy_alone(*f.model, prompts[i], 44)) << "job " << i;
    }
    EXPECT_GT(metrics.preemptions.load(), 0u);  // the pool could not hold three growing jobs
}

TEST(ServerKvMemory, ManyShortJobsShareAPoolSmallerThanTheirContexts) {
    Fixture& f = fixture();
    Metrics metrics;
    // 16 slots of 128 positions would take 128 blocks; 12 blocks serve 16 short jobs (one block each).
    SchedulerConfig config = tight(12);
    config.n_slots = 16;
    Scheduler scheduler(*f.model, *f.tokenizer, {}, config, metrics);
    std::vector<Ids> prompts;
    for (int32_t i = 0; i < 16; ++i) prompts.push_back({(11 * i + 5) % 200, 9, (i % 7) + 1, 4, 2});
    const std::vector<Finished> r = run_jobs(scheduler, prompts, 10);
    for (size_t i = 0; i < prompts.size(); ++i) {
        EXPECT_EQ(r[i].finish, "length") << i << " " << r[i].error;
        EXPECT_EQ(r[i].tokens, greedy_alone(*f.model, prompts[i], 10)) << "job " << i;
    }
}

TEST(ServerKvMemory, APromptLargerThanThePoolIsRefusedAndTheSchedulerGoesOn) {
    Fixture& f = fixture();
    Metrics metrics;
    Scheduler scheduler(*f.model, *f.tokenizer, {}, tight(2), metrics);  // 32 positions
    Ids big(40, 5);
    const std::vector<Finished> r = run_jobs(scheduler, {big}, 4);
    EXPECT_EQ(r[0].finish, "invalid_request");
    EXPECT_NE(r[0].error.find("--kv-memory"), std::string::npos) << r[0].error;
    const Ids small = {1, 2, 3};
    const std::vector<Finished> ok = run_jobs(scheduler, {small}, 6);
    EXPECT_EQ(ok[0].tokens, greedy_alone(*f.model, small, 6));
    // A job that outgrows the pool alone ends at the memory limit, as at the end of a context window.
    const std::vector<Finished> grows = run_jobs(scheduler, {Ids{4, 5, 6}}, 60);
    EXPECT_EQ(grows[0].finish, "length");
    EXPECT_EQ(grows[0].tokens, greedy_alone(*f.model, {4, 5, 6}, static_cast<int32_t>(grows[0].tokens.size())));
    EXPECT_GE(grows[0].tokens.size(), 29u);  // 32 positions: prompt 3 + 29 generated fill the pool
}

}  // namespace
}  // namespace loom::server
