// The interactive attention page: one self-contained HTML file (no network, no other files) built from the
// page template embedded at build time (attention_page.html) with the attention.json text inside it. Pick a
// layer and a head (or their mean); hovering a token fills the tokens it attends to and underlines those that
// attend to it, and outlines its row and column in the matrix.
#pragma once

#include <string>

#include "attention_maps/attention_json.h"

namespace loom {

// The page for these maps (weights with 4 decimals: the page is for the eye; attention.json has 6).
std::string attention_html(const AttentionMaps& maps, const AttentionDocument& doc);

}  // namespace loom
