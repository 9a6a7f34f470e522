// Beam search with the semantics of Hugging Face transformers `generate(num_beams > 1, do_sample=False)`
// (its vectorised `_beam_search`): at each step the log-softmax of every beam's logits goes through the
// logits processors (beam_processors.h), is added to the beam's running score, and the top
// max(2, 1 + n_eos) * num_beams continuations over all beams are kept. Of those, continuations that end with
// an EOS id or reach max_length become finished hypotheses (only those ranked in the first num_beams, scored
// sum_logprobs / generated_length ** length_penalty, beam_hypotheses.h), the best num_beams others keep
// running.
//
//   DecoderBeamModel beams(*model);                       // beam_decoder_adapter.h
//   BeamSearchOptions opt;  opt.num_beams = 4;  opt.eos_token_ids = {eos};
//   BeamSearchResult r = beam_search(beams, prompt_ids, opt);
//   r.sequences[0].tokens  // the best hypothesis' generated ids (EOS included when it ended on one)
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "generate/beam_constraint.h"
#include "generate/beam_step_model.h"

namespace loom {

// HF `early_stopping`: when the search stops once num_beams hypotheses are finished.
enum class EarlyStopping {
    Heuristic,  // False: stop when the best running beam, scored at its current length, cannot beat the worst
    WhenFull,   // True: stop as soon as num_beams hypotheses are finished
    Never,  // "never": as Heuristic, but a positive length_penalty assumes the beam could reach max_length
};

struct BeamSearchOptions {
    int32_t num_beams = 4;             // >= 1
    int32_t num_return_sequences = 1;  // 1 .. num_beams
    // Finished scores are sum_logprobs / generated_length ** length_penalty: > 0 favours longer sequences.
    float length_penalty = 1.0f;
    EarlyStopping early_stopping = EarlyStopping::Heuristic;
    // HF max_length = prefix length + max_new_tokens (decoder-only: the prompt; encoder-decoder: the decoder
    // start token), as HF computes it from max_new_tokens.
    int32_t max_new_tokens = 20;         // >= 1
    std::vector<int32_t> eos_token_ids;  // empty: hypotheses finish only at max_length
    // The logits processors, in the order HF applies them (each off at its default):
    float repetition_penalty = 1.0f;   // > 0; on every id of the sequence (prefix included)
    int32_t no_repeat_ngram_size = 0;  // > 0: an n-gram of the sequence (prefix included) never repeats
    std::vector<int32_t>
        banned_token_ids;              // never generated (HF bad_words_ids of one token, e.g. Marian pad)
    int32_t min_length = 0;            // EOS banned while the sequence (prefix included) is shorter
    int32_t min_new_tokens = 0;        // EOS banned while fewer tokens than this were generated
    int32_t forced_bos_token_id = -1;  // >= 0: the only choice when the sequence holds one token
    std::vector<int32_t> forced_eos_token_ids;  // non-empty: the only choices at the last allowed step
    // Not owned; applied after the processors (a grammar: only ids it allows are chosen). nullptr: none.
    BeamConstraint* constraint = nullptr;
};

struct BeamHypothesis {
    std::vector<int32_t> tokens;  // generated ids (prefix excluded), ending with the EOS id when one ended it
    float score = 0.0f;           // sum of processed log-probs / tokens.size() ** length_penalty
};

struct BeamSearchResult {
    std::vector<BeamHypothesis> sequences;  // [num_return_sequences], best first
    int64_t n_steps = 0;                    // model steps run (the first from the prefix included)
};

// Reported after each step, for progress displays.
struct BeamSearchProgress {
    int64_t step = 0;                       // 1-based
    int64_t max_steps = 0;                  // max_new_tokens
    std::span<const int32_t> best_running;  // the best running beam's generated ids so far
    float best_running_score = 0.0f;        // its sum of log-probs (no length penalty)
    int32_t n_finished = 0;                 // finished hypotheses kept so far (<= num_beams)
    float best_finished_score = 0.0f;       // meaningful when n_finished > 0
};

// Throws loom::Error naming the first invalid option and its value.
void validate(const BeamSearchOptions& options, int64_t n_vocab);

// Runs the search from `prefix` (non-empty). Throws loom::Error for invalid options; model errors (a full
// context window, an id outside the vocabulary) propagate. on_step may be empty.
BeamSearchResult beam_search(BeamStepModel& model, std::span<const int32_t> prefix,
                             const BeamSearchOptions& options,
                             const std::function<void(const BeamSearchProgress&)>& on_step = {});

}  // namespace loom
