// Attention maps without a model: index lists, the recorder's layout and selection, head mean and rollout on
// matrices small enough to work by hand, the JSON layout (transformers' output_attentions order), token
// labels, the PNG heatmap colours and the HTML page's data.
#include <cairo.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "attention_maps/attention_aggregate.h"
#include "attention_maps/attention_html.h"
#include "attention_maps/attention_json.h"
#include "attention_maps/attention_png.h"
#include "core/error.h"

namespace loom {
namespace {

TEST(AttentionIndexList, AllRangesNegativesAndErrors) {
    EXPECT_EQ(parse_index_list("all", 3, "layer"), std::vector<int64_t>({0, 1, 2}));
    EXPECT_EQ(parse_index_list("", 2, "layer"), std::vector<int64_t>({0, 1}));
    EXPECT_EQ(parse_index_list("4,0-1,-1,1", 6, "layer"), std::vector<int64_t>({0, 1, 4, 5}));
    EXPECT_EQ(parse_index_list("-2--1", 6, "head"), std::vector<int64_t>({4, 5}));
    EXPECT_THROW(parse_index_list("6", 6, "layer"), Error);
    EXPECT_THROW(parse_index_list("-7", 6, "layer"), Error);
    EXPECT_THROW(parse_index_list("x", 6, "layer"), Error);
    EXPECT_THROW(parse_index_list("3-1", 6, "layer"), Error);
    EXPECT_THROW(parse_index_list("1,", 6, "layer"), Error);
}

// Rows arrive as the causal kernel gives them: weights over keys 0..query_pos.
TEST(AttentionRecorder, KeepsSelectedLayersAndHeadsInOutputAttentionsOrder) {
    AttentionRecorder rec(3, 4, 5, {{0, 2}, {1, 3}});
    AttentionWeightsHook hook = rec.hook();
    for (int64_t l = 0; l < 3; ++l)
        for (int64_t h = 0; h < 4; ++h)
            for (int64_t q = 0; q < 3; ++q) {
                std::vector<float> w(static_cast<size_t>(q + 1), static_cast<float>(100 * l + 10 * h + q));
                hook(l, h, q, w);
            }
    const AttentionMaps m = rec.maps();
    EXPECT_EQ(m.n_tokens, 3);
    EXPECT_EQ(m.layers, std::vector<int64_t>({0, 2}));
    EXPECT_EQ(m.heads, std::vector<int64_t>({1, 3}));
    ASSERT_EQ(m.weights.size(), 2u * 2u * 3u * 3u);
    EXPECT_EQ(m.matrix(1, 0)[2 * 3 + 1], 212.0f);  // layer 2, head 1, query 2, key 1
    EXPECT_EQ(m.matrix(0, 1)[1 * 3 + 0], 31.0f);   // layer 0, head 3, query 1, key 0
    EXPECT_EQ(m.matrix(0, 1)[1 * 3 + 2], 0.0f);    // above the diagonal: never written
    EXPECT_EQ(attention_recorder_bytes({{0, 2}, {1, 3}}, 5), 4u * 2u * 2u * 25u);
}

// Cross-attention: every row spans the whole source (n_keys fixed), rows are the target positions seen.
TEST(AttentionRecorder, CrossAttentionKeepsAllSourceKeys) {
    AttentionRecorder rec(1, 2, 4, 3, {{0}, {0, 1}});
    const std::vector<float> w = {0.5f, 0.25f, 0.25f};
    rec.hook()(0, 1, 1, w);
    const AttentionMaps m = rec.maps();
    EXPECT_EQ(m.n_tokens, 2);
    EXPECT_EQ(m.n_keys, 3);
    EXPECT_FALSE(m.square());
    EXPECT_EQ(m.matrix(0, 1)[1 * 3 + 2], 0.25f);
    EXPECT_EQ(m.matrix(0, 0)[1 * 3 + 0], 0.0f);
    EXPECT_EQ(mean_over_heads(m)[1 * 3 + 0], 0.25f);
    EXPECT_THROW(attention_rollout(m), Error);
    const std::vector<float> too_long = {0.25f, 0.25f, 0.25f, 0.25f};
    rec.hook()(0, 0, 0, too_long);
    EXPECT_THROW(rec.maps(), Error);
}

TEST(AttentionRecorder, OverflowIsReportedAndBadSelectionsRejected) {
    AttentionRecorder rec(1, 1, 2, {{0}, {0}});
    std::vector<float> w = {0.5f, 0.25f, 0.25f};
    rec.hook()(0, 0, 2, w);
    EXPECT_THROW(rec.maps(), Error);
    EXPECT_THROW(AttentionRecorder(2, 2, 4, {{2}, {0}}), Error);
    EXPECT_THROW(AttentionRecorder(2, 2, 4, {{}, {0}}), Error);
    EXPECT_THROW(AttentionRecorder(2, 2, 0, {{0}, {0}}), Error);
}

AttentionMaps two_token_maps() {
    // 2 layers x 2 heads x 2 x 2; head mean of both layers = [[1, 0], [0.5, 0.5]].
    AttentionMaps m;
    m.layers = {0, 1};
    m.heads = {0, 1};
    m.n_tokens = 2;
    m.n_keys = 2;
    m.weights = {1, 0, 1, 0, /**/ 1, 0, 0, 1, /**/ 1, 0, 0.25f, 0.75f, /**/ 1, 0, 0.75f, 0.25f};
    return m;
}

TEST(AttentionAggregate, MeanOverHeads) {
    const std::vector<float> mean = mean_over_heads(two_token_maps());
    const std::vector<float> want = {1, 0, 0.5f, 0.5f, 1, 0, 0.5f, 0.5f};
    ASSERT_EQ(mean.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_FLOAT_EQ(mean[i], want[i]) << i;
}

// A = row_normalise(mean + I) = [[1, 0], [0.25, 0.75]] for both layers; rollout = A * A = [[1, 0], [0.4375,
// 0.5625]].
TEST(AttentionAggregate, RolloutByHand) {
    const std::vector<float> r = attention_rollout(two_token_maps());
    ASSERT_EQ(r.size(), 4u);
    EXPECT_FLOAT_EQ(r[0], 1.0f);
    EXPECT_FLOAT_EQ(r[1], 0.0f);
    EXPECT_FLOAT_EQ(r[2], 0.4375f);
    EXPECT_FLOAT_EQ(r[3], 0.5625f);
    AttentionMaps one = two_token_maps();
    one.layers = {0};
    one.weights.resize(8);
    const std::vector<float> r1 = attention_rollout(one);
    EXPECT_FLOAT_EQ(r1[2], 0.25f);
    EXPECT_FLOAT_EQ(r1[3], 0.75f);
}

AttentionDocument two_token_doc() {
    AttentionDocument d;
    d.model = "tiny";
    d.architecture = "gpt2";
    d.text = "a</script>";
    d.token_ids = {5, 6};
    d.tokens = {"a", "</script>"};
    d.labels = {"a", "</script>"};
    d.n_prompt = 2;
    d.n_model_layers = 2;
    d.n_model_heads = 2;
    return d;
}

TEST(AttentionJson, LayersHeadsQueryKeyWithTokens) {
    const std::string text = attention_json(two_token_maps(), two_token_doc());
    EXPECT_EQ(text.find('<'), std::string::npos);  // safe inside an HTML <script> element
    const nlohmann::json j = nlohmann::json::parse(text);
    EXPECT_EQ(j["tokens"][1], "</script>");
    EXPECT_EQ(j["attention"].size(), 2u);
    EXPECT_EQ(j["attention"][0].size(), 2u);
    EXPECT_EQ(j["attention"][1][1][1][0].get<double>(), 0.75);
    EXPECT_EQ(j["attention"][1][0][1][1].get<double>(), 0.75);
    EXPECT_EQ(j["layers"], nlohmann::json({0, 1}));
    EXPECT_TRUE(j["causal"].get<bool>());
}

TEST(AttentionJson, TokenLabelsArePrintableUtf8) {
    EXPECT_EQ(token_label(" the"), " the");
    EXPECT_EQ(token_label("\n"), "\xE2\x86\xB5");
    EXPECT_EQ(token_label("  "), "\xE2\x90\xA3\xE2\x90\xA3");
    EXPECT_EQ(token_label("a\xE2\x82"), "a\xEF\xBF\xBD\xEF\xBF\xBD");  // a cut-off 3-byte sequence
    EXPECT_EQ(token_label("\xC3\xA9t\xC3\xA9"), "\xC3\xA9t\xC3\xA9");
}

TEST(AttentionHtml, PageCarriesTheDataAndNoPlaceholder) {
    const std::string page = attention_html(two_token_maps(), two_token_doc());
    EXPECT_EQ(page.find("/*LOOM_ATTENTION_DATA*/"), std::string::npos);
    EXPECT_NE(page.find("\"format\":\"loom.attention/1\""), std::string::npos);
    // The only "</script>" texts are the page's own two closing tags, not the token.
    size_t closes = 0;
    for (size_t at = page.find("</script>"); at != std::string::npos; at = page.find("</script>", at + 1))
        ++closes;
    EXPECT_EQ(closes, 2u);
}

uint32_t pixel(cairo_surface_t* s, int x, int y) {
    const unsigned char* data = cairo_image_surface_get_data(s);
    return *reinterpret_cast<const uint32_t*>(data + y * cairo_image_surface_get_stride(s) + x * 4) &
           0xFFFFFF;
}

// Channels within 1 of the expected colour (cairo rounds through 16-bit channels).
bool near_colour(uint32_t got, uint32_t want) {
    for (int shift : {0, 8, 16}) {
        const int g = static_cast<int>((got >> shift) & 0xFF), w = static_cast<int>((want >> shift) & 0xFF);
        if (std::abs(g - w) > 1) return false;
    }
    return true;
}

// Without labels the cells start at (8, 30) (padding 8, title 22) and are 28 px for 2 tokens.
TEST(AttentionPng, HeatmapColoursWeights) {
    const std::string path =
        (std::filesystem::temp_directory_path() / ("loom_attn_" + std::to_string(getpid()) + ".png"))
            .string();
    const std::vector<float> m = {1, 0, 0.5f, 0.5f};
    write_heatmap_png(path, m.data(), 2, {}, "test");
    cairo_surface_t* s = cairo_image_surface_create_from_png(path.c_str());
    ASSERT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    EXPECT_EQ(cairo_image_surface_get_width(s), 8 + 56 + 8);
    EXPECT_EQ(cairo_image_surface_get_height(s), 8 + 22 + 56 + 8);
    // weight 1: dark blue (0.03, 0.19, 0.42) * 255
    EXPECT_TRUE(near_colour(pixel(s, 8 + 14, 30 + 14), 0x08306Bu)) << std::hex << pixel(s, 8 + 14, 30 + 14);
    EXPECT_EQ(pixel(s, 8 + 42, 30 + 14), 0xFFFFFFu);  // weight 0: white
    const uint32_t half = pixel(s, 8 + 14, 30 + 42);
    EXPECT_NE(half, 0xFFFFFFu);
    EXPECT_FALSE(near_colour(half, 0x08306Bu));
    EXPECT_TRUE(near_colour(half, 0x8398B5u)) << std::hex << half;  // weight 0.5: halfway
    cairo_surface_destroy(s);
    std::filesystem::remove(path);
    EXPECT_THROW(write_heatmap_png("/nonexistent-dir/x.png", m.data(), 2, {}, "t"), Error);
}

TEST(AttentionPng, LayerGridWithLabels) {
    const std::string path =
        (std::filesystem::temp_directory_path() / ("loom_attn_grid_" + std::to_string(getpid()) + ".png"))
            .string();
    write_layer_grid_png(path, two_token_maps(), 1, {"a", "b"}, "layer 1");
    cairo_surface_t* s = cairo_image_surface_create_from_png(path.c_str());
    ASSERT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    EXPECT_GT(cairo_image_surface_get_width(s), 2 * 2 * 14);
    cairo_surface_destroy(s);
    std::filesystem::remove(path);
}

}  // namespace
}  // namespace loom
