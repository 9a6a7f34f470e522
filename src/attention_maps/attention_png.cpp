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

struct PanelLayout {
    int64_t n = 0;
    double cell = 0;         // px per token
    double font = 0;         // label font size, 0 for no labels
    double label_width = 0;  // widest label at that size
    double width() const { return label_width + (font > 0 ? 4 : 0) + cell * static_cast<double>(n); }
    double height() const {
        return kTitleHeight + cell * static_cast<double>(n) + label_width + (font > 0 ? 4 : 0);
    }
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

PanelLayout layout(int64_t n, const std::vector<std::string>& labels, double target_px, double max_cell,
                   double max_font) {
    PanelLayout p;
    p.n = n;
    p.cell = std::clamp(std::floor(target_px / static_cast<double>(std::max<int64_t>(n, 1))), 2.0, max_cell);
    if (p.cell >= kMinLabelledCell && static_cast<int64_t>(labels.size()) == n) {
        p.font = std::min(max_font, p.cell * 0.8);
        p.label_width = widest_label(labels, p.font);
    }
    return p;
}

// White (0) to dark blue (1).
void set_weight_colour(cairo_t* cr, float w) {
    const double t = std::clamp(static_cast<double>(w), 0.0, 1.0);
    cairo_set_source_rgb(cr, 1.0 - t * 0.97, 1.0 - t * 0.81, 1.0 - t * 0.58);
}

void draw_panel(cairo_t* cr, double x0, double y0, const PanelLayout& p, const float* m,
                const std::vector<std::string>& labels, const std::string& title) {
    cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
    cairo_set_font_size(cr, 12);
    cairo_set_source_rgb(cr, 0.1, 0.1, 0.1);
    cairo_move_to(cr, x0, y0 + 15);
    cairo_show_text(cr, title.c_str());

    const double gap = p.font > 0 ? 4 : 0;
    const double gx = x0 + p.label_width + gap, gy = y0 + kTitleHeight;  // top-left of the cells
    const double side = p.cell * static_cast<double>(p.n);
    for (int64_t q = 0; q < p.n; ++q)
        for (int64_t k = 0; k < p.n; ++k) {
            set_weight_colour(cr, m[q * p.n + k]);
            cairo_rectangle(cr, gx + p.cell * static_cast<double>(k), gy + p.cell * static_cast<double>(q),
                            p.cell, p.cell);
            cairo_fill(cr);
        }
    cairo_set_source_rgb(cr, 0.6, 0.6, 0.6);
    cairo_set_line_width(cr, 1.0);
    cairo_rectangle(cr, gx - 0.5, gy - 0.5, side + 1, side + 1);
    cairo_stroke(cr);
    if (p.font <= 0) return;

    cairo_select_font_face(cr, kFont, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, p.font);
    cairo_set_source_rgb(cr, 0.15, 0.15, 0.15);
    for (int64_t i = 0; i < p.n; ++i) {
        cairo_text_extents_t e;
        cairo_text_extents(cr, labels[static_cast<size_t>(i)].c_str(), &e);
        const double centre = p.cell * (static_cast<double>(i) + 0.5) + p.font * 0.35;
        // Query labels: right-aligned left of row i.
        cairo_move_to(cr, gx - gap - e.x_advance, gy + centre);
        cairo_show_text(cr, labels[static_cast<size_t>(i)].c_str());
        // Key labels: below column i, reading downwards.
        cairo_save(cr);
        cairo_move_to(cr, gx + centre, gy + side + gap);
        cairo_rotate(cr, M_PI / 2);
        cairo_show_text(cr, labels[static_cast<size_t>(i)].c_str());
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

void write_heatmap_png(const std::string& path, const float* matrix, int64_t n,
                       const std::vector<std::string>& labels, const std::string& title) {
    if (n <= 0) throw Error("attention png " + path + ": no tokens");
    const PanelLayout p = layout(n, labels, 560, 28, 12);
    const int w = static_cast<int>(std::ceil(p.width() + 2 * kPad));
    const int h = static_cast<int>(std::ceil(p.height() + 2 * kPad));
    Surface surface(cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h), cairo_surface_destroy);
    Context cr(cairo_create(surface.get()), cairo_destroy);
    fill_white(cr.get());
    draw_panel(cr.get(), kPad, kPad, p, matrix, labels, title);
    finish_png(surface.get(), cr.get(), path);
}

void write_layer_grid_png(const std::string& path, const AttentionMaps& maps, int64_t layer_slot,
                          const std::vector<std::string>& labels, const std::string& title) {
    const int64_t n = maps.n_tokens, H = maps.n_heads();
    if (n <= 0 || H <= 0) throw Error("attention png " + path + ": nothing recorded");
    const PanelLayout p = layout(n, labels, 240, 16, 9);
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
        draw_panel(cr.get(), x, y, p, maps.matrix(layer_slot, i), labels,
                   "head " + std::to_string(maps.heads[i]));
    }
    finish_png(surface.get(), cr.get(), path);
}

}  // namespace loom
