#include "attention_maps/attention_outputs.h"

#include <filesystem>

#include "attention_maps/attention_aggregate.h"
#include "attention_maps/attention_html.h"
#include "attention_maps/attention_png.h"
#include "core/error.h"

namespace loom {

std::vector<std::string> write_attention_outputs(const std::string& dir, const AttentionMaps& maps,
                                                 const AttentionDocument& doc) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw Error("cannot create folder " + dir + ": " + ec.message());
    std::vector<std::string> written;
    auto path = [&](const std::string& name) { return (fs::path(dir) / name).string(); };

    written.push_back(path("attention.json"));
    write_text_file(written.back(), attention_json(maps, doc));
    written.push_back(path("attention.html"));
    write_text_file(written.back(), attention_html(maps, doc));

    const int64_t n = maps.n_tokens, n2 = n * n;
    const std::vector<float> mean = mean_over_heads(maps);  // [layers, n, n]
    const bool every_head = static_cast<size_t>(maps.n_layers() * maps.n_heads()) <= kMaxSingleHeadPngs;
    for (int64_t l = 0; l < maps.n_layers(); ++l) {
        const std::string layer = "layer" + std::to_string(maps.layers[l]);
        written.push_back(path(layer + "_heads.png"));
        write_layer_grid_png(written.back(), maps, l, doc.labels, "layer " + std::to_string(maps.layers[l]));
        written.push_back(path(layer + "_mean.png"));
        write_heatmap_png(written.back(), mean.data() + l * n2, n, doc.labels,
                          "layer " + std::to_string(maps.layers[l]) + ", mean of " +
                              std::to_string(maps.n_heads()) + " heads");
        for (int64_t h = 0; h < (every_head ? maps.n_heads() : 1); ++h) {
            const std::string head = std::to_string(maps.heads[h]);
            written.push_back(path(layer + "_head" + head + ".png"));
            write_heatmap_png(written.back(), maps.matrix(l, h), n, doc.labels,
                              "layer " + std::to_string(maps.layers[l]) + ", head " + head);
        }
    }
    written.push_back(path("rollout.png"));
    write_heatmap_png(written.back(), attention_rollout(maps).data(), n, doc.labels,
                      "attention rollout over " + std::to_string(maps.n_layers()) + " layers");
    return written;
}

}  // namespace loom
