#include "nn/rope.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace loom {
namespace {

std::vector<float> base_inv_freq(double base, int64_t n_rot) {
    std::vector<float> inv(static_cast<size_t>(n_rot / 2));
    for (int64_t i = 0; i < n_rot / 2; ++i)
        inv[i] =
            static_cast<float>(1.0 / std::pow(base, static_cast<double>(2 * i) / static_cast<double>(n_rot)));
    return inv;
}

// Llama 3.1: long wavelengths are divided by `factor`, short ones kept, the band between blended smoothly.
void apply_llama3(std::vector<float>& inv, const RopeConfig& c) {
    const double old_ctx = static_cast<double>(c.original_context);
    const double low_wavelen = old_ctx / c.low_freq_factor;
    const double high_wavelen = old_ctx / c.high_freq_factor;
    for (float& f : inv) {
        const double wavelen = 2.0 * M_PI / f;
        if (wavelen < high_wavelen) continue;
        if (wavelen > low_wavelen) {
            f = static_cast<float>(f / c.factor);
            continue;
        }
        const double smooth =
            (old_ctx / wavelen - c.low_freq_factor) / (c.high_freq_factor - c.low_freq_factor);
        f = static_cast<float>((1.0 - smooth) * f / c.factor + smooth * f);
    }
}

// YaRN: interpolate (divide by factor) the low frequencies, keep (extrapolate) the high ones, with a linear
// ramp between the dimensions that complete beta_fast and beta_slow rotations over the original context.
void apply_yarn(std::vector<float>& inv, const RopeConfig& c, int64_t n_rot) {
    const double base = c.freq_base, dim = static_cast<double>(n_rot);
    const double max_pos = static_cast<double>(c.original_context);
    auto correction_dim = [&](double rotations) {
        return dim * std::log(max_pos / (rotations * 2.0 * M_PI)) / (2.0 * std::log(base));
    };
    double low = std::max(std::floor(correction_dim(c.yarn_beta_fast)), 0.0);
    double high = std::min(std::ceil(correction_dim(c.yarn_beta_slow)), dim - 1.0);
    if (low == high) high += 0.001;
    for (size_t i = 0; i < inv.size(); ++i) {
        const double ramp = std::clamp((static_cast<double>(i) - low) / (high - low), 0.0, 1.0);
        const double extrapolation_weight = 1.0 - ramp;
        const double extrapolated = inv[i], interpolated = inv[i] / c.factor;
        inv[i] = static_cast<float>(interpolated * (1.0 - extrapolation_weight) +
                                    extrapolated * extrapolation_weight);
    }
}

}  // namespace

Rope::Rope(const RopeConfig& config, int64_t head_dim) : config_(config), head_dim_(head_dim) {
    const int64_t n_rot = config.n_rot;
    if (n_rot <= 0 || n_rot > head_dim || n_rot % 2 != 0)
        throw Error("rope: dimension count " + std::to_string(n_rot) + " does not fit head size " +
                    std::to_string(head_dim));
    inv_freq_ = base_inv_freq(config.freq_base, n_rot);
    switch (config.scaling) {
        case RopeScaling::None:
        case RopeScaling::DynamicNtk:
            break;
        case RopeScaling::Linear:
            for (float& f : inv_freq_) f /= config.factor;
            break;
        case RopeScaling::Llama3:
            apply_llama3(inv_freq_, config);
            break;
        case RopeScaling::Yarn:
            apply_yarn(inv_freq_, config, n_rot);
            attention_factor_ =
                config.factor > 1.0f ? static_cast<float>(0.1 * std::log(config.factor) + 1.0) : 1.0f;
            break;
    }
    if (!config.freq_factors.empty()) {
        if (static_cast<int64_t>(config.freq_factors.size()) != n_rot / 2)
            throw Error("tensor 'rope_freqs.weight': expected " + std::to_string(n_rot / 2) +
                        " factors, found " + std::to_string(config.freq_factors.size()));
        for (size_t i = 0; i < inv_freq_.size(); ++i) inv_freq_[i] /= config.freq_factors[i];
    }
}

std::vector<float> Rope::inv_freq_for_length(int64_t seq_len) const {
    if (config_.scaling != RopeScaling::DynamicNtk || seq_len <= config_.original_context) return inv_freq_;
    const double dim = static_cast<double>(config_.n_rot);
    const double ratio =
        config_.factor * static_cast<double>(seq_len) / static_cast<double>(config_.original_context) -
        (config_.factor - 1.0);
    const double base = config_.freq_base * std::pow(ratio, dim / (dim - 2.0));
    return base_inv_freq(base, config_.n_rot);
}

void Rope::apply(float* x, int64_t ld, int64_t n_heads, int64_t pos0, int64_t n_tokens) const {
    const std::vector<float> inv = inv_freq_for_length(pos0 + n_tokens);
    const int64_t half = config_.n_rot / 2;
    const bool halves = config_.layout == RopeLayout::Halves;
    std::vector<float> cos_t(static_cast<size_t>(half)), sin_t(static_cast<size_t>(half));  // [half]
    for (int64_t t = 0; t < n_tokens; ++t) {
        const float pos = static_cast<float>(pos0 + t);
        for (int64_t i = 0; i < half; ++i) {
            const float angle = pos * inv[i];  // f32 product, as the reference computes it
            cos_t[i] = static_cast<float>(std::cos(static_cast<double>(angle))) * attention_factor_;
            sin_t[i] = static_cast<float>(std::sin(static_cast<double>(angle))) * attention_factor_;
        }
        for (int64_t h = 0; h < n_heads; ++h) {
            float* head = x + t * ld + h * head_dim_;  // [head_dim]
            for (int64_t i = 0; i < half; ++i) {
                float* a = halves ? head + i : head + 2 * i;
                float* b = halves ? head + i + half : head + 2 * i + 1;
                const float a0 = *a, b0 = *b;
                *a = a0 * cos_t[i] - b0 * sin_t[i];
                *b = b0 * cos_t[i] + a0 * sin_t[i];
            }
        }
    }
}

}  // namespace loom
