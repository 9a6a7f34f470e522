// `loom bench`: prompt-processing (pp) and token-generation (tg) speed, like llama-bench.
//   pp: one batched forward of -p random tokens into an empty cache      -> tokens/s
//   tg: -n single-token forwards, starting from an empty cache           -> tokens/s
// Each is repeated -r times and averaged. --json prints {"pp": x, "tg": y, ...} on one line.
#include <chrono>
#include <cstdio>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "attention_maps/attention_maps.h"
#include "command.h"
#include "core/error.h"
#include "core/parallel.h"
#include "default_model.h"
#include "shared_flags.h"
#include "formats/model_source.h"

namespace loom::cli {
namespace {

struct BenchOptions {
    std::string model;
    int threads = 0;
    int64_t n_prompt = 512, n_gen = 128;
    int repetitions = 1;
    bool json = false;
    bool attention_maps = false;  // record every layer and head (measures the hook's cost)
};

using Clock = std::chrono::steady_clock;

double seconds(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

int run(const BenchOptions& o) {
    if (o.n_prompt < 0 || o.n_gen < 0 || o.n_prompt + o.n_gen == 0)
        throw Error("bench: -p and -n must be >= 0 and not both 0");
    if (o.repetitions <= 0) throw Error("bench: -r must be positive");
    if (o.threads < 0) throw Error("-t must be >= 0, got " + std::to_string(o.threads));
    set_num_threads(o.threads);
    const std::string path = resolve_model_path(o.model);
    ModelSource source = open_model_source(path);
    auto model = load_decoder_model(source);
    const int64_t vocab = model->config().n_vocab;
    std::mt19937 rng(42);
    std::uniform_int_distribution<int32_t> pick(0, static_cast<int32_t>(vocab - 1));
    std::vector<float> logits(static_cast<size_t>(vocab));

    // --attention-maps: a recorder of all layers and heads per pass, allocated outside the timed region.
    auto record_attention = [&](int64_t max_tokens) -> std::unique_ptr<AttentionRecorder> {
        if (!o.attention_maps) return nullptr;
        const ModelConfig& c = model->config();
        auto rec = std::make_unique<AttentionRecorder>(c.n_layer, c.n_head, max_tokens,
                                                       select_attention("all", "all", c.n_layer, c.n_head));
        model->set_attention_hook(rec->hook());
        return rec;
    };
    double pp_seconds = 0.0, tg_seconds = 0.0;
    for (int r = 0; r < o.repetitions; ++r) {
        if (o.n_prompt > 0) {
            std::vector<int32_t> prompt(static_cast<size_t>(o.n_prompt));
            for (int32_t& id : prompt) id = pick(rng);
            KvCache cache = model->make_cache(o.n_prompt);
            const auto recorder = record_attention(o.n_prompt);
            const auto t0 = Clock::now();
            model->forward(prompt, cache, logits.data(), false);
            pp_seconds += seconds(t0);
        }
        if (o.n_gen > 0) {
            KvCache cache = model->make_cache(o.n_gen);
            const auto recorder = record_attention(o.n_gen);
            int32_t token = pick(rng);
            const auto t0 = Clock::now();
            for (int64_t i = 0; i < o.n_gen; ++i) {
                model->forward(std::span<const int32_t>(&token, 1), cache, logits.data(), false);
                token = pick(rng);
            }
            tg_seconds += seconds(t0);
        }
    }
    model->set_attention_hook({});  // the last recorder is gone
    const double pp = pp_seconds > 0 ? static_cast<double>(o.n_prompt * o.repetitions) / pp_seconds : 0.0;
    const double tg = tg_seconds > 0 ? static_cast<double>(o.n_gen * o.repetitions) / tg_seconds : 0.0;
    if (o.json) {
        std::printf(
            "{\"model\": \"%s\", \"threads\": %d, \"n_prompt\": %lld, \"n_gen\": %lld, \"repetitions\": %d, "
            "\"pp\": %.3f, \"tg\": %.3f}\n",
            path.c_str(), num_threads(), static_cast<long long>(o.n_prompt), static_cast<long long>(o.n_gen),
            o.repetitions, pp, tg);
    } else {
        std::printf("model: %s (%s)\nthreads: %d\n", path.c_str(), model->config().architecture.c_str(),
                    num_threads());
        if (o.n_prompt > 0) std::printf("pp%lld: %.2f tokens/s\n", static_cast<long long>(o.n_prompt), pp);
        if (o.n_gen > 0) std::printf("tg%lld: %.2f tokens/s\n", static_cast<long long>(o.n_gen), tg);
    }
    return 0;
}

CommandRegistrar bench_registrar(
    {"bench", "measure prompt processing (pp) and generation (tg) tokens/s",
     [](CLI::App& app) -> std::function<int()> {
         auto o = std::make_shared<BenchOptions>();
         app.add_option("-m,--model", o->model, "model (default: the default model)");
         add_threads_flag(app, o->threads);
         app.add_option("-p,--n-prompt", o->n_prompt, "prompt tokens (llama-bench's -p: a count, not a text)")
             ->capture_default_str()
             ->check(whole_number(0, 1 << 24));
         const CLI::Validator generated = whole_number(0, 1 << 24);
         app.add_option("-n,--n-predict", o->n_gen, "generated tokens")->capture_default_str()->check(generated);
         add_hidden_alias(app, "--n-gen", o->n_gen, &generated);
         app.add_option("-r,--repetitions", o->repetitions, "repetitions (llama-bench's -r)")
             ->capture_default_str()
             ->check(whole_number(1, 1 << 20));
         app.add_flag("--attention-maps", o->attention_maps,
                      "record every layer's attention weights while measuring (the cost of loom attention)");
         app.add_flag("--json", o->json, "one JSON line: {\"pp\": x, \"tg\": y, ...}");
         return [o] { return run(*o); };
     }});

}  // namespace
}  // namespace loom::cli
