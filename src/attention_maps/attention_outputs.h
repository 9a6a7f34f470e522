// Everything `loom attention` writes into its output folder:
//   attention.json              all kept layers x heads x query x key + tokens (attention_json.h; bertviz)
//   attention.html              the interactive page (attention_html.h)
//   layer<L>_heads.png          every kept head of layer L in a grid
//   layer<L>_mean.png           the mean over the kept heads of layer L
//   layer<L>_head<H>.png        one head; written for every kept (layer, head) pair when there are at most
//                               kMaxSingleHeadPngs of them, else for the first kept head of each layer
//   rollout.png                 attention rollout over the kept layers
// Encoder-decoder models: attention.json holds encoder_attention [S x S], decoder_attention [T x T] and
// cross_attention [T x S] with encoder_tokens / decoder_tokens (bertviz model_view's encoder-decoder
// arguments); encoder_attention.html and decoder_attention.html show the two self-attentions; the PNGs above
// come with the prefixes encoder_, decoder_ and cross_ (no rollout for cross-attention).
#pragma once

#include <string>
#include <vector>

#include "attention_maps/attention_json.h"
#include "attention_maps/attention_seq2seq.h"

namespace loom {

inline constexpr size_t kMaxSingleHeadPngs = 32;

// Creates `dir` when missing; returns the paths written. Throws loom::Error naming a path it cannot write.
std::vector<std::string> write_attention_outputs(const std::string& dir, const AttentionMaps& maps,
                                                 const AttentionDocument& doc);

// source / target: tokens and labels of the encoder input and of the decoder side (n_prompt = the target
// prefix).
std::vector<std::string> write_seq2seq_attention_outputs(const std::string& dir,
                                                         const Seq2SeqCapture& capture,
                                                         const AttentionDocument& source,
                                                         const AttentionDocument& target);

}  // namespace loom
