// Everything `loom attention` writes into its output folder:
//   attention.json              all kept layers x heads x query x key + tokens (attention_json.h; bertviz)
//   attention.html              the interactive page (attention_html.h)
//   layer<L>_heads.png          every kept head of layer L in a grid
//   layer<L>_mean.png           the mean over the kept heads of layer L
//   layer<L>_head<H>.png        one head; written for every kept (layer, head) pair when there are at most
//                               kMaxSingleHeadPngs of them, else for the first kept head of each layer
//   rollout.png                 attention rollout over the kept layers
#pragma once

#include <string>
#include <vector>

#include "attention_maps/attention_json.h"

namespace loom {

inline constexpr size_t kMaxSingleHeadPngs = 32;

// Creates `dir` when missing; returns the paths written. Throws loom::Error naming a path it cannot write.
std::vector<std::string> write_attention_outputs(const std::string& dir, const AttentionMaps& maps,
                                                 const AttentionDocument& doc);

}  // namespace loom
