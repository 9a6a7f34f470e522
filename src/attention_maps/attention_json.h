// attention.json: recorded attention maps with their tokens, laid out as transformers' output_attentions
// (attention[layer][head][query][key], the batch dimension dropped), so bertviz loads it directly:
//   d = json.load(open("attention.json"))
//   head_view([torch.tensor(a).unsqueeze(0) for a in d["attention"]], d["tokens"])   # or model_view
// Layers/heads not kept are absent; "layers" / "heads" give the model index of each entry.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "attention_maps/attention_maps.h"

namespace loom {

struct AttentionDocument {
    std::string model;         // path as given
    std::string architecture;  // "llama", "bert", ...
    bool causal = true;        // decoder self-attention (rows zero above the diagonal)
    std::string text;          // the input text
    std::vector<int32_t> token_ids;
    std::vector<std::string> tokens;  // vocabulary pieces ("Ġthe", "##ing"), as convert_ids_to_tokens gives
    std::vector<std::string> labels;  // each token's decoded text, printable (token_label), for display
    int64_t n_prompt = 0;             // tokens of the input; any after it were generated
    int64_t n_model_layers = 0, n_model_heads = 0;
};

// Printable, valid UTF-8 form of a decoded token: invalid bytes become U+FFFD, newline "↵", tab "→", other
// control characters "·", an all-whitespace token "␣" per space.
std::string token_label(const std::string& decoded);

// The whole document as one JSON text; weights with `decimals` digits after the point (trailing zeros cut).
// Every '<' is written as \u003c so the text can sit inside an HTML <script> element.
std::string attention_json(const AttentionMaps& maps, const AttentionDocument& doc, int decimals = 6);

// Appends maps.weights as nested arrays [layers][heads][query][key] (`decimals` digits, trailing zeros cut).
void append_attention_array(std::string& out, const AttentionMaps& maps, int decimals);

// `json` with every '<' written as \u003c (only strings can hold one), for use inside an HTML <script>.
std::string html_safe(const std::string& json);

// Writes `text` to `path`; throws loom::Error naming the path when it cannot.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace loom
