#include "models/seq2seq_generate.h"

#include <algorithm>
#include <limits>

#include "core/error.h"

namespace loom {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

void force(std::span<float> logits, int32_t token) {
    if (token < 0 || token >= static_cast<int32_t>(logits.size())) return;
    std::fill(logits.begin(), logits.end(), kNegInf);
    logits[token] = 0.0f;
}

void check_can_start(const Seq2SeqModel& model) {
    if (model.config().decoder_start_token_id < 0)
        throw Error(
            "model has no decoder start token (config.json sets neither decoder_start_token_id nor "
            "bos_token_id)");
}

std::unique_ptr<SamplerChain> chain_for(const Seq2SeqGenerateOptions& options, uint64_t seed_offset) {
    SamplingParams p = options.sampling;
    if (p.seed != SamplingParams::kRandomSeed) p.seed += seed_offset;
    return make_sampler_chain(p);
}

// The decoder's position table bounds the output (BART / Marian): max_new_tokens + the start token fit it.
Seq2SeqGenerateOptions bounded(const Seq2SeqModel& model, const Seq2SeqGenerateOptions& options) {
    Seq2SeqGenerateOptions o = options;
    if (o.max_new_tokens <= 0)
        throw Error("max_new_tokens must be positive, got " + std::to_string(o.max_new_tokens));
    const Seq2SeqConfig& c = model.config();
    if (!c.positions_unbounded) o.max_new_tokens = std::min(o.max_new_tokens, c.max_target_positions - 1);
    return o;
}

// Plain greedy (temperature 0, no penalty or logit bias): the chain's answer is the first maximal logit, so
// the batch loop takes the argmax itself instead of building and sorting a candidate array per row and step.
bool seq2seq_plain_greedy(const SamplingParams& p) {
    return p.temperature == 0.0f && p.repeat_penalty == 1.0f && p.presence_penalty == 0.0f &&
           p.frequency_penalty == 0.0f && p.logit_bias.empty();
}

int32_t seq2seq_argmax(std::span<const float> logits) {
    return static_cast<int32_t>(std::max_element(logits.begin(), logits.end()) - logits.begin());
}

}  // namespace

void apply_seq2seq_constraints(const Seq2SeqConfig& config, const Seq2SeqGenerateOptions& options,
                               int64_t step, std::span<float> logits) {
    for (int32_t id : config.banned_token_ids)
        if (id >= 0 && id < static_cast<int32_t>(logits.size())) logits[id] = kNegInf;
    if (step < options.min_new_tokens && config.eos_token_id >= 0 &&
        config.eos_token_id < static_cast<int32_t>(logits.size()))
        logits[config.eos_token_id] = kNegInf;
    if (step == 0 && config.forced_bos_token_id >= 0) force(logits, config.forced_bos_token_id);
    if (step == options.max_new_tokens - 1 && config.forced_eos_token_id >= 0)
        force(logits, config.forced_eos_token_id);
}

std::vector<int32_t> seq2seq_generate(const Seq2SeqModel& model, std::span<const int32_t> source_ids,
                                      const Seq2SeqGenerateOptions& requested,
                                      const std::function<bool(int32_t)>& on_token) {
    check_can_start(model);
    const Seq2SeqGenerateOptions options = bounded(model, requested);
    const Seq2SeqConfig& c = model.config();
    Seq2SeqState st = model.start(model.encode(source_ids), options.max_new_tokens + 1);
    auto chain = chain_for(options, 0);
    std::vector<float> logits(c.n_vocab);
    std::vector<int32_t> out;
    int32_t token = c.decoder_start_token_id;
    for (int64_t step = 0; step < options.max_new_tokens; ++step) {
        model.decode(st, {&token, 1}, logits.data(), false);
        apply_seq2seq_constraints(c, options, step, logits);
        token = chain->sample(logits);
        chain->accept(token);
        out.push_back(token);
        if (on_token && !on_token(token)) break;
        if (token == c.eos_token_id) break;
    }
    return out;
}

std::vector<std::vector<int32_t>> seq2seq_generate_batch(const Seq2SeqModel& model,
                                                         const std::vector<std::vector<int32_t>>& sources,
                                                         const Seq2SeqGenerateOptions& requested,
                                                         const std::function<void(size_t)>& on_done) {
    check_can_start(model);
    const Seq2SeqGenerateOptions options = bounded(model, requested);
    const Seq2SeqConfig& c = model.config();
    const size_t n = sources.size();
    std::vector<Seq2SeqState> states;
    std::vector<std::unique_ptr<SamplerChain>> chains;
    const bool greedy = seq2seq_plain_greedy(options.sampling);
    const auto encoded = model.encode_batch(sources);  // one stacked encoder pass for the whole batch
    for (size_t i = 0; i < n; ++i) {
        states.push_back(model.start(encoded[i], options.max_new_tokens + 1));
        chains.push_back(chain_for(options, i));
    }
    std::vector<std::vector<int32_t>> out(n);
    std::vector<int32_t> next(n, c.decoder_start_token_id);
    std::vector<size_t> active(n);
    for (size_t i = 0; i < n; ++i) active[i] = i;
    std::vector<float> logits;
    for (int64_t step = 0; step < options.max_new_tokens && !active.empty(); ++step) {
        std::vector<Seq2SeqState*> batch;
        std::vector<int32_t> tokens;
        for (size_t i : active) {
            batch.push_back(&states[i]);
            tokens.push_back(next[i]);
        }
        logits.resize(batch.size() * c.n_vocab);  // [n_active, n_vocab]
        model.decode_batch(batch, tokens, logits.data());
        std::vector<size_t> still;
        for (size_t b = 0; b < active.size(); ++b) {
            const size_t i = active[b];
            std::span<float> row(logits.data() + b * c.n_vocab, c.n_vocab);
            apply_seq2seq_constraints(c, options, step, row);
            int32_t token = 0;
            if (greedy) {
                token = seq2seq_argmax(row);
            } else {
                token = chains[i]->sample(row);
                chains[i]->accept(token);
            }
            out[i].push_back(token);
            next[i] = token;
            const bool done = token == c.eos_token_id || step + 1 == options.max_new_tokens;
            if (done) {
                states[i] = Seq2SeqState{};  // free its cache now
                if (on_done) on_done(i);
            } else {
                still.push_back(i);
            }
        }
        active = std::move(still);
    }
    return out;
}

}  // namespace loom
