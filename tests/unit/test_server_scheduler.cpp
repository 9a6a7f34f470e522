// The scheduler against plain one-sequence greedy decoding: several jobs running together (continuous
// batching, prompts prefilled in small chunks, jobs of different lengths joining and leaving) must produce
// exactly the tokens each prompt gives alone. Also: a full queue refuses, cancelled and timed-out jobs end
// with their reason; run_exclusive runs a task on the scheduler thread between steps (running jobs unchanged,
// exceptions passed back, refused after shutdown starts); a job whose sampler throws ends alone, the
// scheduler thread lives on. Tiny random LLaMA
// (scripts/goldens/write_tiny_weights.py) + the LLaMA-3 tokenizer (its ids 0..255 cover the tiny model's
// vocabulary).
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/error.h"
#include "formats/model_source.h"
#include "generate/session.h"
#include "models/decoder_model.h"
#include "server/scheduler.h"

namespace loom::server {
namespace {

namespace fs = std::filesystem;

struct Fixture {
    ModelSource source;
    std::unique_ptr<DecoderModel> model;
    std::unique_ptr<Tokenizer> tokenizer;
};

Fixture& fixture() {
    static Fixture f = [] {
        const fs::path d = fs::temp_directory_path() / ("loom_server_sched_" + std::to_string(getpid()));
        const std::string cmd = "python3 scripts/goldens/write_tiny_weights.py --out '" + d.string() +
                                "' --only llama > /dev/null";
        if (std::system(cmd.c_str()) != 0) throw std::runtime_error("could not write the tiny model");
        Fixture x;
        x.source = open_model_source((d / "llama").string());
        x.model = load_decoder_model(x.source);
        x.tokenizer = Tokenizer::from_file("tests/data/upstream/tokenizers/llama3/tokenizer.json");
        return x;
    }();
    return f;
}

std::vector<int32_t> greedy_alone(DecoderModel& model, const std::vector<int32_t>& prompt, int32_t n) {
    Session session(model, 128);
    std::span<const float> logits = session.prefill(prompt);
    std::vector<int32_t> out;
    for (int32_t i = 0; i < n; ++i) {
        out.push_back(static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin()));
        if (i + 1 < n) logits = session.decode(out.back());
    }
    return out;
}

struct Collected {
    std::vector<std::vector<int32_t>> tokens;
    std::vector<std::string> finish;
};

Collected collect(EventChannel& channel, size_t n_jobs) {
    Collected c{std::vector<std::vector<int32_t>>(n_jobs), std::vector<std::string>(n_jobs)};
    size_t finished = 0;
    while (finished < n_jobs) {
        auto e = channel.pop(std::chrono::milliseconds(10000));
        if (!e) throw std::runtime_error("no event within 10 s");
        if (e->kind == JobEvent::Kind::Token) c.tokens[e->choice].push_back(e->token);
        if (e->kind == JobEvent::Kind::Done || e->kind == JobEvent::Kind::Error) {
            c.finish[e->choice] = e->finish_reason;
            ++finished;
        }
    }
    return c;
}

JobSpec greedy_spec(std::vector<int32_t> prompt, int32_t max_tokens) {
    JobSpec s;
    s.prompt = std::move(prompt);
    s.max_tokens = max_tokens;
    s.sampling.temperature = 0.0f;
    s.ignore_eos = true;
    return s;
}

TEST(ServerScheduler, BatchedJobsEqualEachAlone) {
    Fixture& f = fixture();
    Metrics metrics;
    SchedulerConfig config{3, 128, /*prefill_chunk=*/4, 16};
    Scheduler scheduler(*f.model, *f.tokenizer, {}, config, metrics);
    // Five jobs on three slots: two wait and join as others finish (different max_tokens).
    const std::vector<std::vector<int32_t>> prompts = {{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11},
                                                       {42},
                                                       {100, 7, 9},
                                                       {5, 5, 5, 5, 5, 5},
                                                       {200, 201, 202, 203, 204}};
    const std::vector<int32_t> lengths = {12, 20, 7, 15, 9};
    auto channel = std::make_shared<EventChannel>();
    std::vector<std::shared_ptr<Job>> jobs;
    for (size_t i = 0; i < prompts.size(); ++i)
        jobs.push_back(
            std::make_shared<Job>(greedy_spec(prompts[i], lengths[i]), channel, static_cast<int32_t>(i)));
    ASSERT_EQ(scheduler.submit(jobs), Scheduler::Admission::Accepted);
    Collected c = collect(*channel, prompts.size());
    for (size_t i = 0; i < prompts.size(); ++i) {
        EXPECT_EQ(c.finish[i], "length") << i;
        EXPECT_EQ(c.tokens[i], greedy_alone(*f.model, prompts[i], lengths[i])) << "job " << i;
    }
    EXPECT_GT(metrics.decode_batch_rows.load(), metrics.decode_steps.load());  // some steps were batched
    EXPECT_GE(metrics.prefill_chunks.load(), 3u + 2u);  // the 11-token prompt took 3 chunks of 4
    EXPECT_TRUE(scheduler.idle());
}

TEST(ServerScheduler, FullQueueRefusesAndShutdownRefuses) {
    Fixture& f = fixture();
    Metrics metrics;
    Scheduler scheduler(*f.model, *f.tokenizer, {}, SchedulerConfig{1, 128, 64, 2}, metrics);
    auto channel = std::make_shared<EventChannel>();
    std::vector<std::shared_ptr<Job>> three;
    for (int i = 0; i < 3; ++i) three.push_back(std::make_shared<Job>(greedy_spec({1, 2}, 4), channel, i));
    EXPECT_EQ(scheduler.submit(three), Scheduler::Admission::QueueFull);
    scheduler.stop_accepting();
    EXPECT_EQ(scheduler.submit({three[0]}), Scheduler::Admission::ShuttingDown);
}

TEST(ServerScheduler, CancelledAndTimedOutJobsEndWithTheirReason) {
    Fixture& f = fixture();
    Metrics metrics;
    Scheduler scheduler(*f.model, *f.tokenizer, {}, SchedulerConfig{2, 128, 64, 8}, metrics);
    auto channel = std::make_shared<EventChannel>();
    auto cancelled = std::make_shared<Job>(greedy_spec({1, 2, 3}, 100), channel, 0);
    cancelled->cancel();
    JobSpec late = greedy_spec({1, 2, 3}, 100);
    late.deadline = Clock::now() - std::chrono::seconds(1);
    auto timed_out = std::make_shared<Job>(late, channel, 1);
    ASSERT_EQ(scheduler.submit({cancelled, timed_out}), Scheduler::Admission::Accepted);
    Collected c = collect(*channel, 2);
    EXPECT_EQ(c.finish[0], "cancelled");
    EXPECT_EQ(c.finish[1], "timeout");
    EXPECT_EQ(metrics.jobs_cancelled.load(), 2u);
    // The slots are free again: a normal job runs to the end.
    auto ok = std::make_shared<Job>(greedy_spec({9, 8}, 5), channel, 0);
    ASSERT_EQ(scheduler.submit({ok}), Scheduler::Admission::Accepted);
    EXPECT_EQ(collect(*channel, 1).finish[0], "length");
}

TEST(ServerScheduler, StopStringEndsTheJobAndIsNotEmitted) {
    Fixture& f = fixture();
    Metrics metrics;
    Scheduler scheduler(*f.model, *f.tokenizer, {}, SchedulerConfig{1, 128, 64, 8}, metrics);
    const std::vector<int32_t> prompt = {10, 20, 30};
    const std::vector<int32_t> reference = greedy_alone(*f.model, prompt, 30);
    // A later greedy token whose text is one ASCII letter or digit becomes the stop string.
    size_t k = 2;
    std::string stop;
    for (; k < reference.size(); ++k) {
        const std::string piece = f.tokenizer->decode(std::span<const int32_t>(&reference[k], 1), true);
        if (piece.size() == 1 && std::isalnum(static_cast<unsigned char>(piece[0]))) {
            stop = piece;
            break;
        }
    }
    ASSERT_FALSE(stop.empty()) << "no single-character token among the greedy tokens";
    JobSpec spec = greedy_spec(prompt, 30);
    spec.stop = {stop};
    auto channel = std::make_shared<EventChannel>();
    ASSERT_EQ(scheduler.submit({std::make_shared<Job>(spec, channel, 0)}), Scheduler::Admission::Accepted);
    std::string text, finish;
    size_t n_tokens = 0;
    while (finish.empty()) {
        auto e = channel->pop(std::chrono::milliseconds(10000));
        ASSERT_TRUE(e.has_value());
        if (e->kind == JobEvent::Kind::Token) ++n_tokens;
        if (e->kind == JobEvent::Kind::Token || e->kind == JobEvent::Kind::Text) text += e->text;
        if (e->kind == JobEvent::Kind::Done || e->kind == JobEvent::Kind::Error) finish = e->finish_reason;
    }
    EXPECT_EQ(finish, "stop");
    EXPECT_EQ(text.find(stop), std::string::npos);  // the stop string itself is never emitted
    EXPECT_LE(n_tokens, k + 1);                     // it ended at (or before) that token
}

TEST(ServerScheduler, ExclusiveTaskRunsBetweenStepsAndLeavesJobsUnchanged) {
    Fixture& f = fixture();
    Metrics metrics;
    Scheduler scheduler(*f.model, *f.tokenizer, {}, SchedulerConfig{2, 128, 4, 8}, metrics);
    const std::vector<int32_t> prompt = {3, 1, 4, 1, 5, 9, 2, 6};
    // References first: once the job runs, only the scheduler thread may touch the model.
    const std::vector<int32_t> job_alone = greedy_alone(*f.model, prompt, 40);
    const std::vector<int32_t> task_alone = greedy_alone(*f.model, {7, 7, 7}, 3);
    auto channel = std::make_shared<EventChannel>();
    ASSERT_EQ(scheduler.submit({std::make_shared<Job>(greedy_spec(prompt, 40), channel, 0)}),
              Scheduler::Admission::Accepted);
    // Meanwhile: tasks that run the model themselves (as attention recording does) on the scheduler thread.
    const std::thread::id caller = std::this_thread::get_id();
    std::vector<int32_t> inside;
    for (int i = 0; i < 3; ++i)
        scheduler.run_exclusive([&](DecoderModel& model) {
            EXPECT_NE(std::this_thread::get_id(), caller);
            EXPECT_EQ(&model, f.model.get());
            inside = greedy_alone(model, {7, 7, 7}, 3);
        });
    EXPECT_EQ(inside, task_alone);
    Collected c = collect(*channel, 1);
    EXPECT_EQ(c.finish[0], "length");
    EXPECT_EQ(c.tokens[0], job_alone);
    EXPECT_THROW(scheduler.run_exclusive([](DecoderModel&) { throw std::runtime_error("task failed"); }),
                 std::runtime_error);
    EXPECT_TRUE(scheduler.idle());
    scheduler.stop_accepting();
    EXPECT_THROW(scheduler.run_exclusive([](DecoderModel&) {}), Error);
}

// Issue 15 item 1: a logit_bias that bans every token made the sampler throw on the scheduler thread, which
// ended the process. Now that job alone ends ("invalid_request", the server answers 400); the job batched
// beside it and the jobs after it run as before.
TEST(ServerScheduler, AJobWhoseSamplerThrowsEndsAloneAndTheSchedulerLives) {
    Fixture& f = fixture();
    Metrics metrics;
    Scheduler scheduler(*f.model, *f.tokenizer, {}, SchedulerConfig{2, 128, 64, 8}, metrics);
    const int32_t n_vocab = static_cast<int32_t>(f.model->config().n_vocab);
    for (const float temperature :
         {0.0f, 0.8f}) {  // greedy and random draws both refuse a fully banned vocabulary
        JobSpec banned = greedy_spec({1, 2, 3}, 8);
        banned.sampling.temperature = temperature;
        for (int32_t id = 0; id < n_vocab; ++id) banned.sampling.logit_bias[id] = -INFINITY;
        auto channel = std::make_shared<EventChannel>();
        std::vector<std::shared_ptr<Job>> jobs = {
            std::make_shared<Job>(banned, channel, 0),
            std::make_shared<Job>(greedy_spec({4, 5, 6}, 8), channel, 1)};
        ASSERT_EQ(scheduler.submit(jobs), Scheduler::Admission::Accepted);
        Collected c = collect(*channel, 2);
        EXPECT_EQ(c.finish[0], "invalid_request") << "temperature " << temperature;
        EXPECT_EQ(c.finish[1], "length");
        EXPECT_EQ(c.tokens[1], greedy_alone(*f.model, {4, 5, 6}, 8));
    }
    auto channel = std::make_shared<EventChannel>();
    ASSERT_EQ(scheduler.submit({std::make_shared<Job>(greedy_spec({9, 8}, 5), channel, 0)}),
              Scheduler::Admission::Accepted);
    EXPECT_EQ(collect(*channel, 1).finish[0], "length");
    // The last event is pushed just before its slot is released: wait (bounded) for the release.
    for (int i = 0; i < 500 && !scheduler.idle(); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    EXPECT_TRUE(scheduler.idle());
}

}  // namespace
}  // namespace loom::server
