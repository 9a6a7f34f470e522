#include "attention_maps/attention_png.h"

#include <cairo.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include "core/error.h"

namespace loom {
namespace {

constexpr const char* kFont = "DejaVu Sans";
constexpr double kPad = 8.0;
constexpr double kTitleHeight = 22.0;
constexpr double kMinLabelledCell = 7.0;

using Surface = std::unique_ptr<cairo_surface_t, decltype(&cairo_surface_destroy)>;
using Context = std::unique_ptr<cairo_t, decltype(&cairo_destroy)>;

// Labels (when drawn): query labels left of the rows, key labels under the columns (rotated).
struct Labels {
    const std::vector<std::string>& rows;
    const std::vector<std::string>& cols;
};

struct PanelLayout {
    int64_t rows = 0, cols = 0;
    double cell = 0;       // px per token
    double font = 0;       // label font size, 0 for no labels
    double row_label = 0;  // widest query label at that size
    double col_label = 0;  // widest key label
    double gap() const { return font > 0 ? 4 : 0; }
    double width() const { return row_label + gap() + cell * static_cast<double>(cols); }
    double height() const { return kTitleHeight + cell * static_cast<double>(rows) + col_label + gap(); }
};

double widest_label(const std::vector<std::string>& labels, double font) {
    Surface scratch(cairo_image_surface_create(CAIRO_FORMAT_ARGB32, 1, 1), cairo_surface_destroy);
    Context cr(cairo_create(scratch.get()), cairo_destroy);
    cairo_select_font_face(cr.get(), kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr.get(), font);
    double widest = 0;
    for (const std::string& s : labels) {
        cairo_text_extents_t e;
        cairo_text_extents(cr.get(), s.c_str(), &e);
        widest = std::max(widest, e.x_advance);
    }
    return std::ceil(widest);
}

PanelLayout layout(int64_t rows, int64_t cols, const Labels& labels, double target_px, double max_cell,
                   double max_font) {
    PanelLayout p;
    p.rows = rows;
    p.cols = cols;
    const int64_t longest = std::max<int64_t>({rows, cols, 1});
    p.cell = std::clamp(std::floor(target_px / static_cast<double>(longest)), 2.0, max_cell);
    if (p.cell >= kMinLabelledCell && static_cast<int64_t>(labels.rows.size()) == rows &&
        static_cast<int64_t>(labels.cols.size()) == cols) {
        p.font = std::min(max_font, p.cell * 0.8);
        p.row_label = widest_label(labels.rows, p.font);
        p.col_label = widest_label(labels.cols, p.font);
    }
    return p;
}

// White (0) to dark blue (1).
void set_weight_colour(cairo_t* cr, float w) {
    const double t = std::clamp(static_cast<double>(w), 0.0, 1.0);
    cairo_set_source_rgb(cr, 1.0 - t * 0.97, 1.0 - t * 0.81, 1.0 - t * 0.58);
}

void draw_panel(cairo_t* cr, double x0, double y0, const PanelLayout& p, const float* m, const Labels& labels,
                const std::string& title) {
    cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 12);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_move_to(cr, x0, y0 + 15);
    cairo_show_text(cr, title.c_str());

    const double gx = x0 + p.row_label + p.gap(), gy = y0 + kTitleHeight;  // top-left of the cells
    const double w = p.cell * static_cast<double>(p.cols), h = p.cell * static_cast<double>(p.rows);
    for (int64_t q = 0; q < p.rows; ++q)
        for (int64_t k = 0; k < p.cols; ++k) {
            set_weight_colour(cr, m[q * p.cols + k]);
            cairo_rectangle(cr, gx + p.cell * static_cast<double>(k), gy + p.cell * static_cast<double>(q),
                            p.cell, p.cell);
            cairo_fill(cr);
        }
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, gx - 0.5, gy - 0.5, w + 1, h + 1);
    cairo_stroke(cr);
    if (p.font <= 0) return;

    cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, p.font);
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    auto centre = [&](int64_t i) { return p.cell * (static_cast<double>(i) + 0.5) + p.font * 0.35; };
    for (int64_t q = 0; q < p.rows; ++q) {  // query labels: right-aligned left of row q
        cairo_text_extents_t e;
        cairo_text_extents(cr, labels.rows[static_cast<size_t>(q)].c_str(), &e);
        cairo_move_to(cr, gx - p.gap() - e.x_advance, gy + centre(q));
        cairo_show_text(cr, labels.rows[static_cast<size_t>(q)].c_str());
    }
    for (int64_t k = 0; k < p.cols; ++k) {  // key labels: below column k, reading downwards
        cairo_save(cr);
        cairo_move_to(cr, gx + centre(k), gy + h + p.gap());
        cairo_rotate(cr, M_PI / 2);
        cairo_show_text(cr, labels.cols[static_cast<size_t>(k)].c_str());
        cairo_restore(cr);
    }
}

void finish_png(cairo_surface_t* surface, cairo_t* cr, const std::string& path) {
    if (cairo_status(cr) != CAIRO_STATUS_SUCCESS)
        throw Error("attention png " + path + ": cairo: " + cairo_status_to_string(cairo_status(cr)));
    cairo_surface_flush(surface);
    const cairo_status_t st = cairo_surface_write_to_png(surface, path.c_str());
    if (st != CAIRO_STATUS_SUCCESS)
        throw Error("cannot write " + path + ": cairo: " + cairo_status_to_string(st));
}

void fill_white(cairo_t* cr) {
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
}

}  // namespace

void write_heatmap_png(const std::string& path, const float* matrix, int64_t rows, int64_t cols,
                       const std::vector<std::string>& row_labels, const std::vector<std::string>& col_labels,
                       const std::string& title) {
    if (rows <= 0 || cols <= 0) throw Error("attention png " + path + ": no tokens");
    const PanelLayout p = layout(rows, cols, {row_labels, col_labels}, 560, 28, 12);
    const double title_width = widest_label({title}, 13);  // the bold 12 px title, with room to spare
    const int w = static_cast<int>(std::ceil(std::max(p.width(), title_width) + 2 * kPad));
    const int h = static_cast<int>(std::ceil(p.height() + 2 * kPad));
    Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h), cairo_surface_destroy);
    Context cr(cairo_create(surface.get()), cairo_destroy);
    fill_white(cr.get());
    draw_panel(cr.get(), kPad, kPad, p, matrix, {row_labels, col_labels}, title);
    finish_png(surface.get(), cr.get(), path);
}

void write_heatmap_png(const std::string& path, const float* matrix, int64_t n,
                       const std::vector<std::string>& labels, const std::string& title) {
    write_heatmap_png(path, matrix, n, n, labels, labels, title);
}

void write_layer_grid_png(const std::string& path, const AttentionMaps& maps, int64_t layer_slot,
                          const std::vector<std::string>& row_labels,
                          const std::vector<std::string>& col_labels, const std::string& title) {
    const int64_t H = maps.n_heads();
    if (maps.n_tokens <= 0 || maps.n_keys <= 0 || H <= 0)
        throw Error("attention png " + path + ": nothing recorded");
    const PanelLayout p = layout(maps.n_tokens, maps.n_keys, {row_labels, col_labels}, 240, 16, 9);
    const int64_t cols = static_cast<int64_t>(std::ceil(std::sqrt(static_cast<double>(H))));
    const int64_t rows = (H + cols - 1) / cols;
    const double pw = p.width() + kPad, ph = p.height() + kPad;
    const int w = static_cast<int>(std::ceil(static_cast<double>(cols) * pw + kPad));
    const int h = static_cast<int>(std::ceil(kTitleHeight + static_cast<double>(rows) * ph + kPad));
    Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h), cairo_surface_destroy);
    Context cr(cairo_create(surface.get()), cairo_destroy);
    fill_white(cr.get());
    cairo_select_font_face(cr.get(), kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr.get(), 14);
    cairo_set_source_rgb(cr.get(), 0, 0, 0);
    cairo_move_to(cr.get(), kPad, 17);
    cairo_show_text(cr.get(), title.c_str());
    for (int64_t i = 0; i < H; ++i) {
        const double x = kPad + static_cast<double>(i % cols) * pw;
        const double y = kTitleHeight + static_cast<double>(i / cols) * ph;
        draw_panel(cr.get(), x, y, p, maps.matrix(layer_slot, i), {row_labels, col_labels},
                   "head " + std::to_string(maps.heads[i]));
    }
    finish_png(surface.get(), cr.get(), path);
}

void write_layer_grid_png(const std::string& path, const AttentionMaps& maps, int64_t layer_slot,
                          const std::vector<std::string>& labels, const std::string& title) {
    write_layer_grid_png(path, maps, layer_slot, labels, labels, title);
}

}  // namespace loom
