#include "generate/beam_search.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "generate/beam_hypotheses.h"
#include "generate/beam_processors.h"

namespace loom {
namespace {

bool is_eos(const BeamSearchOptions& o, int32_t id) {
    return std::find(o.eos_token_ids.begin(), o.eos_token_ids.end(), id) != o.eos_token_ids.end();
}

// HF keeps max(2, 1 + n_eos) * num_beams continuations: even when every EOS id is among the best, num_beams
// continuations that do not stop remain.
int32_t n_candidates(const BeamSearchOptions& o) {
    return std::max<int32_t>(2, 1 + static_cast<int32_t>(o.eos_token_ids.size())) * o.num_beams;
}

void check_id(const char* what, int32_t id, int64_t n_vocab) {
    if (id < 0 || id >= n_vocab)
        throw Error(std::string("beam search: ") + what + " " + std::to_string(id) +
                    " is outside the vocabulary of " + std::to_string(n_vocab));
}

}  // namespace

void validate(const BeamSearchOptions& o, int64_t n_vocab) {
    auto fail = [](const std::string& what) { throw Error("beam search: " + what); };
    if (o.num_beams < 1) fail("num_beams must be >= 1, got " + std::to_string(o.num_beams));
    if (o.num_return_sequences < 1 || o.num_return_sequences > o.num_beams)
        fail("num_return_sequences must be in 1.." + std::to_string(o.num_beams) + " (num_beams), got " +
             std::to_string(o.num_return_sequences));
    if (o.max_new_tokens < 1) fail("max_new_tokens must be >= 1, got " + std::to_string(o.max_new_tokens));
    if (!std::isfinite(o.length_penalty)) fail("length_penalty must be finite");
    if (!(o.repetition_penalty > 0.0f) || !std::isfinite(o.repetition_penalty))
        fail("repetition_penalty must be > 0, got " + std::to_string(o.repetition_penalty));
    if (o.no_repeat_ngram_size < 0)
        fail("no_repeat_ngram_size must be >= 0, got " + std::to_string(o.no_repeat_ngram_size));
    if (o.min_length < 0) fail("min_length must be >= 0, got " + std::to_string(o.min_length));
    if (o.min_new_tokens < 0) fail("min_new_tokens must be >= 0, got " + std::to_string(o.min_new_tokens));
    for (int32_t id : o.eos_token_ids) check_id("EOS id", id, n_vocab);
    for (int32_t id : o.forced_eos_token_ids) check_id("forced EOS id", id, n_vocab);
    for (int32_t id : o.banned_token_ids) check_id("banned id", id, n_vocab);
    if (o.forced_bos_token_id != -1) check_id("forced BOS id", o.forced_bos_token_id, n_vocab);
    if (static_cast<int64_t>(n_candidates(o)) > o.num_beams * n_vocab)
        fail("a vocabulary of " + std::to_string(n_vocab) + " is too small for " +
             std::to_string(o.num_beams) + " beams");
}

BeamSearchResult beam_search(BeamStepModel& model, std::span<const int32_t> prefix,
                             const BeamSearchOptions& o,
                             const std::function<void(const BeamSearchProgress&)>& on_step) {
    const int64_t n_vocab = model.n_vocab();
    validate(o, n_vocab);
    if (prefix.empty())
        throw Error("beam search: empty prefix (a prompt or a decoder start token is needed)");
    const int32_t n_beams = o.num_beams;
    const int64_t prefix_len = static_cast<int64_t>(prefix.size());
    const int64_t max_length = prefix_len + o.max_new_tokens;

    std::vector<float> scores(static_cast<size_t>(n_beams * n_vocab));  // [n_beams, n_vocab]
    model.begin(prefix, n_beams, max_length, scores.data());
    if (o.constraint) o.constraint->begin(n_beams);
    BeamSearchResult result;
    result.n_steps = 1;

    // Every beam starts as the prefix; only beam 0 counts at the first step (the others start at -1e9, as in
    // HF), so the first step does not pick the same continuation once per beam.
    std::vector<float> running_scores(static_cast<size_t>(n_beams), kBeamExcluded);  // sums of log-probs
    running_scores[0] = 0.0f;
    std::vector<std::vector<int32_t>> running(static_cast<size_t>(n_beams));  // generated ids per beam
    FinishedHypotheses finished(n_beams, o.length_penalty, o.early_stopping);
    std::vector<int32_t> sequence(prefix.begin(), prefix.end());  // scratch: prefix + one beam's ids
    std::vector<BeamCandidate> candidates;
    std::vector<float> stay_scores;
    std::vector<int32_t> parents(static_cast<size_t>(n_beams)), tokens(static_cast<size_t>(n_beams));

    for (int64_t cur_len = prefix_len;; ++result.n_steps) {
        // Each beam's processed log-probs plus its running score: the score of every continuation.
        for (int32_t b = 0; b < n_beams; ++b) {
            float* row = scores.data() + b * n_vocab;
            log_softmax_in_place(row, n_vocab);
            sequence.resize(static_cast<size_t>(prefix_len));
            sequence.insert(sequence.end(), running[b].begin(), running[b].end());
            apply_beam_processors(o, sequence, prefix_len, max_length, row, n_vocab);
            if (o.constraint) o.constraint->mask(b, row, n_vocab);
            for (int64_t t = 0; t < n_vocab; ++t) row[t] += running_scores[b];
        }

        // The best continuations over all beams; which of them stop here.
        candidates.clear();
        bool all_stop = true;
        for (int32_t flat : top_k_indices(scores, n_candidates(o))) {
            BeamCandidate c;
            c.parent = static_cast<int32_t>(flat / n_vocab);
            c.token = static_cast<int32_t>(flat % n_vocab);
            c.sum_logprobs = scores[static_cast<size_t>(flat)];
            c.hits_stop = is_eos(o, c.token) || cur_len + 1 >= max_length;
            all_stop = all_stop && c.hits_stop;
            candidates.push_back(c);
        }

        // The beams that run on: the best candidates that did not stop (a stopped one only when fewer than
        // num_beams did not, then with its score pushed down by 1e9, as HF does).
        stay_scores.clear();
        for (const BeamCandidate& c : candidates)
            stay_scores.push_back(c.sum_logprobs + (c.hits_stop ? kBeamExcluded : 0.0f));
        const std::vector<int32_t> staying = top_k_indices(stay_scores, n_beams);

        finished.offer(candidates, running, cur_len + 1 - prefix_len);

        std::vector<std::vector<int32_t>> next_running(static_cast<size_t>(n_beams));
        for (int32_t b = 0; b < n_beams; ++b) {
            const BeamCandidate& c = candidates[static_cast<size_t>(staying[b])];
            next_running[b] = running[static_cast<size_t>(c.parent)];
            next_running[b].push_back(c.token);
            running_scores[b] = stay_scores[static_cast<size_t>(staying[b])];
            parents[b] = c.parent;
            tokens[b] = c.token;
        }
        running = std::move(next_running);
        ++cur_len;

        finished.update_improvement_possible(running_scores[0], cur_len - prefix_len, o.max_new_tokens);
        if (on_step) {
            BeamSearchProgress p;
            p.step = cur_len - prefix_len;
            p.max_steps = o.max_new_tokens;
            p.best_running = running[0];
            p.best_running_score = running_scores[0];
            p.n_finished = finished.n_finished();
            p.best_finished_score = finished.slots()[0].score;
            on_step(p);
        }
        const bool full_and_done = finished.all_finished() && o.early_stopping == EarlyStopping::WhenFull;
        if (!finished.improvement_possible() || full_and_done || all_stop) break;

        if (o.constraint) o.constraint->advance(parents, tokens);
        model.reorder(parents);
        model.step(tokens, scores.data());
    }

    for (int32_t i = 0; i < o.num_return_sequences; ++i) {
        const FinishedHypotheses::Slot& slot = finished.slots()[static_cast<size_t>(i)];
        result.sequences.push_back({slot.tokens, slot.score});
    }
    return result;
}

}  // namespace loom
