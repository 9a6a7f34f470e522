// Attention maps: the softmax weights of self-attention, recorded per (layer, head) while a model runs, laid
// out like transformers' output_attentions = [layers][heads][query][key].
//
//   AttentionRecorder rec(n_layers, n_heads, max_tokens, select_attention("0,2-3", "", n_layers, n_heads));
//   AttentionWeightsHook hook = rec.hook();
//   model.set_attention_hook(hook);   // decoder (EncoderModel::forward takes &hook)
//   ... forward passes (prefill, then one token at a time) ...
//   AttentionMaps maps = rec.maps();  // [kept layers, kept heads, n_tokens, n_tokens]
//
// Memory: the recorder allocates 4 * L * H * N^2 bytes up front (L, H: kept layers and heads, N: max_tokens),
// e.g. 30 layers x 9 heads x 512 tokens = 270 MiB; select fewer layers/heads to bound it.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/attention.h"

namespace loom {

struct AttentionMaps {
    std::vector<int64_t> layers;  // model layer index of each kept layer, ascending
    std::vector<int64_t> heads;   // model head index of each kept head, ascending
    int64_t n_tokens = 0;         // query positions (rows)
    int64_t n_keys = 0;          // key positions (columns): n_tokens for self-attention, the source for cross
    std::vector<float> weights;  // [layers, heads, n_tokens (query), n_keys (key)]; unrecorded cells are 0

    int64_t n_layers() const { return static_cast<int64_t>(layers.size()); }
    int64_t n_heads() const { return static_cast<int64_t>(heads.size()); }
    bool square() const { return n_tokens == n_keys; }
    // One head's [n_tokens, n_keys] matrix; layer_slot / head_slot index `layers` / `heads`.
    const float* matrix(int64_t layer_slot, int64_t head_slot) const {
        return weights.data() + (layer_slot * n_heads() + head_slot) * n_tokens * n_keys;
    }
};

struct AttentionSelection {
    std::vector<int64_t> layers;  // model layer indices to keep, ascending, unique
    std::vector<int64_t> heads;   // model head indices to keep, ascending, unique
};

// Parses "all" / "" (every index), or a comma list of indices and ranges: "0,3-5,-1" (negative counts from
// the end: -1 is the last). Throws loom::Error naming `what` for an index outside [-n, n) or a malformed
// item.
std::vector<int64_t> parse_index_list(const std::string& spec, int64_t n, const std::string& what);

AttentionSelection select_attention(const std::string& layers_spec, const std::string& heads_spec,
                                    int64_t n_layers, int64_t n_heads);

// Bytes a recorder for this selection holds: 4 * L * H * max_tokens^2 (max_queries * n_keys for cross).
uint64_t attention_recorder_bytes(const AttentionSelection& selection, int64_t max_tokens);
uint64_t attention_recorder_bytes(const AttentionSelection& selection, int64_t max_queries, int64_t n_keys);

class AttentionRecorder {
  public:
    // Self-attention: up to max_tokens queries over as many keys; maps() trims both to the rows recorded.
    // Throws loom::Error for an empty selection, an index outside the model, or max_tokens <= 0.
    AttentionRecorder(int64_t n_layers, int64_t n_heads, int64_t max_tokens, AttentionSelection selection);
    // Cross-attention: up to max_queries rows over exactly n_keys keys (the source); maps() keeps n_keys.
    AttentionRecorder(int64_t n_layers, int64_t n_heads, int64_t max_queries, int64_t n_keys,
                      AttentionSelection selection);
    AttentionRecorder(const AttentionRecorder&) = delete;
    AttentionRecorder& operator=(const AttentionRecorder&) = delete;

    // The hook to install in a model; it refers to this recorder, which must outlive its use. Thread-safe:
    // each (layer, head, query) writes its own row.
    AttentionWeightsHook hook();

    // What was recorded: n_tokens = highest query position seen + 1. Throws loom::Error when a query position
    // or a weights row went past max_tokens (those rows were dropped).
    AttentionMaps maps() const;

  private:
    void record(int64_t layer, int64_t head, int64_t query_pos, std::span<const float> weights);

    int64_t max_queries_, max_keys_;
    bool square_;  // self-attention: the key count follows the rows recorded
    AttentionSelection selection_;
    std::vector<int64_t> layer_slot_, head_slot_;  // model index -> kept slot, -1 when not kept
    std::vector<float> storage_;                   // [kept layers, kept heads, max_queries, max_keys]
    std::atomic<int64_t> n_rows_{0};
    std::atomic<bool> overflow_{false};
};

}  // namespace loom
