#include "attention_maps/attention_outputs.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "attention_maps/attention_aggregate.h"
#include "attention_maps/attention_html.h"
#include "attention_maps/attention_png.h"
#include "core/error.h"

namespace loom {
namespace {

namespace fs = std::filesystem;

struct OutputFolder {
    std::string dir;
    std::vector<std::string> written;

    explicit OutputFolder(std::string d) : dir(std::move(d)) {
        std::error_code ec;
        fs::create_directories(dir, ec);
        if (ec) throw Error("cannot create folder " + dir + ": " + ec.message());
    }
    // Registers and returns the path of a file to write.
    const std::string& file(const std::string& name) {
        written.push_back((fs::path(dir) / name).string());
        return written.back();
    }
};

// <prefix>layer<L>_heads.png, _mean.png, _head<H>.png (see the header), and <prefix>rollout.png for
// self-attention.
void write_pngs(OutputFolder& out, const std::string& prefix, const std::string& what,
                const AttentionMaps& maps, const std::vector<std::string>& row_labels,
                const std::vector<std::string>& col_labels) {
    const int64_t rows = maps.n_tokens, cols = maps.n_keys, cells = rows * cols;
    const std::vector<float> mean = mean_over_heads(maps);  // [layers, rows, cols]
    const bool every_head = static_cast<size_t>(maps.n_layers() * maps.n_heads()) <= kMaxSingleHeadPngs;
    for (int64_t l = 0; l < maps.n_layers(); ++l) {
        const std::string layer = prefix + "layer" + std::to_string(maps.layers[l]);
        const std::string title = what + "layer " + std::to_string(maps.layers[l]);
        write_layer_grid_png(out.file(layer + "_heads.png"), maps, l, row_labels, col_labels, title);
        write_heatmap_png(out.file(layer + "_mean.png"), mean.data() + l * cells, rows, cols, row_labels,
                          col_labels, title + ", mean of " + std::to_string(maps.n_heads()) + " heads");
        for (int64_t h = 0; h < (every_head ? maps.n_heads() : 1); ++h) {
            const std::string head = std::to_string(maps.heads[h]);
            write_heatmap_png(out.file(layer + "_head" + head + ".png"), maps.matrix(l, h), rows, cols,
                              row_labels, col_labels, title + ", head " + head);
        }
    }
    if (maps.square())
        write_heatmap_png(out.file(prefix + "rollout.png"), attention_rollout(maps).data(), rows, row_labels,
                          what + "attention rollout over " + std::to_string(maps.n_layers()) + " layers");
}

}  // namespace

std::vector<std::string> write_attention_outputs(const std::string& dir, const AttentionMaps& maps,
                                                 const AttentionDocument& doc) {
    OutputFolder out(dir);
    write_text_file(out.file("attention.json"), attention_json(maps, doc));
    write_text_file(out.file("attention.html"), attention_html(maps, doc));
    write_pngs(out, "", "", maps, doc.labels, doc.labels);
    return out.written;
}

std::vector<std::string> write_seq2seq_attention_outputs(const std::string& dir, const Seq2SeqCapture& cap,
                                                         const AttentionDocument& source,
                                                         const AttentionDocument& target) {
    OutputFolder out(dir);
    nlohmann::ordered_json head = {
        {"format", "loom.attention.seq2seq/1"},  {"model", source.model},
        {"architecture", source.architecture},   {"text", source.text},
        {"n_target_prefix", target.n_prompt},    {"encoder_layers", cap.encoder.layers},
        {"decoder_layers", cap.decoder.layers},  {"heads", cap.decoder.heads},
        {"encoder_token_ids", source.token_ids}, {"decoder_token_ids", target.token_ids},
        {"encoder_tokens", source.tokens},       {"decoder_tokens", target.tokens},
        {"encoder_labels", source.labels},       {"decoder_labels", target.labels}};
    std::string json = head.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    json.pop_back();  // the closing brace: the weights follow
    json += ",\"encoder_attention\":";
    append_attention_array(json, cap.encoder, 6);
    json += ",\"decoder_attention\":";
    append_attention_array(json, cap.decoder, 6);
    json += ",\"cross_attention\":";
    append_attention_array(json, cap.cross, 6);
    json += "}";
    write_text_file(out.file("attention.json"), html_safe(json));
    // The page shows self-attention (one token list); cross-attention is in the JSON and the PNGs.
    write_text_file(out.file("encoder_attention.html"), attention_html(cap.encoder, source));
    write_text_file(out.file("decoder_attention.html"), attention_html(cap.decoder, target));
    write_pngs(out, "encoder_", "encoder ", cap.encoder, source.labels, source.labels);
    write_pngs(out, "decoder_", "decoder ", cap.decoder, target.labels, target.labels);
    write_pngs(out, "cross_", "cross ", cap.cross, target.labels, source.labels);
    return out.written;
}

}  // namespace loom
