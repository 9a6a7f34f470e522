// PNG heatmaps of attention maps, drawn with cairo: rows are queries (the token attending, labelled on the
// left), columns are keys (the token attended to, labelled underneath), white = 0 to dark blue = 1. Token
// labels are drawn while a cell is at least 7 px tall (about 80 tokens for one head); longer inputs get the
// cells alone.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attention_maps/attention_maps.h"

namespace loom {

// One [n, n] matrix (one head, a head average, or a rollout). labels: n printable labels (token_label).
// Throws loom::Error naming the path when cairo cannot draw or write it.
void write_heatmap_png(const std::string& path, const float* matrix, int64_t n,
                       const std::vector<std::string>& labels, const std::string& title);

// A [rows, cols] matrix with its own query (row) and key (column) labels: cross-attention.
void write_heatmap_png(const std::string& path, const float* matrix, int64_t rows, int64_t cols,
                       const std::vector<std::string>& row_labels, const std::vector<std::string>& col_labels,
                       const std::string& title);

// Every kept head of one kept layer (layer_slot indexes maps.layers), as a grid of small heatmaps.
void write_layer_grid_png(const std::string& path, const AttentionMaps& maps, int64_t layer_slot,
                          const std::vector<std::string>& labels, const std::string& title);
void write_layer_grid_png(const std::string& path, const AttentionMaps& maps, int64_t layer_slot,
                          const std::vector<std::string>& row_labels,
                          const std::vector<std::string>& col_labels, const std::string& title);

}  // namespace loom
