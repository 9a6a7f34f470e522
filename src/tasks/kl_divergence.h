// How far one run's next-token distributions are from a reference run's (tasks/logits_file.h), position by
// position: KL(ref || this) = sum over the vocabulary of p_ref(v) * (log p_ref(v) - log p_this(v)), in nats,
// and whether both put the same token first. `loom perplexity --kl-divergence` and
// scripts/bench/kl_vs_llamacpp.py (which computes the same numbers for llama.cpp's logits) report these.
#pragma once

#include <cstdint>
#include <vector>

#include "tasks/logits_file.h"

namespace loom {

struct KlStats {
    double mean_kl = 0.0, kl_stderr = 0.0, p99_kl = 0.0, max_kl = 0.0;  // nats per scored position
    double top1_agreement = 0.0;                                        // fraction of positions, 0..1
    double perplexity = 0.0, ref_perplexity = 0.0;
    int64_t positions = 0;
};

class KlAccumulator {
  public:
    // ref: the reference row; logits[n_vocab]: this run's logits at the same position; target: the next
    // token.
    void add(const ReferenceRow& ref, const float* logits, int32_t target);
    KlStats finish() const;  // throws loom::Error when nothing was added
    const std::vector<double>& per_position() const { return kl_; }  // in the order added

  private:
    std::vector<double> kl_;  // per position
    int64_t top1_same_ = 0;
    double nll_ = 0.0, ref_nll_ = 0.0;
};

}  // namespace loom
