#include "attention_maps/attention_maps.h"

#include <algorithm>
#include <cstring>

#include "core/error.h"

namespace loom {
namespace {

int64_t parse_index(const std::string& item, int64_t n, const std::string& what) {
    size_t used = 0;
    long long value = 0;
    try {
        value = std::stoll(item, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (item.empty() || used != item.size())
        throw Error(what + ": '" + item + "' is not an index").hint("use e.g. 0,2-4,-1 or all");
    if (value < -n || value >= n)
        throw Error(what + " index " + item + " is outside the model's " + std::to_string(n) + " " + what +
                    "s");
    return value < 0 ? value + n : value;
}

}  // namespace

std::vector<int64_t> parse_index_list(const std::string& spec, int64_t n, const std::string& what) {
    std::vector<int64_t> out;
    if (spec.empty() || spec == "all") {
        for (int64_t i = 0; i < n; ++i) out.push_back(i);
        return out;
    }
    size_t start = 0;
    while (start <= spec.size()) {
        const size_t comma = std::min(spec.find(',', start), spec.size());
        const std::string item = spec.substr(start, comma - start);
        // A range "a-b" has its dash after the first character (a leading dash is a negative index).
        const size_t dash = item.size() > 1 ? item.find('-', 1) : std::string::npos;
        if (dash == std::string::npos) {
            out.push_back(parse_index(item, n, what));
        } else {
            const int64_t first = parse_index(item.substr(0, dash), n, what);
            const int64_t last = parse_index(item.substr(dash + 1), n, what);
            if (last < first) throw Error(what + " range '" + item + "' runs backwards");
            for (int64_t i = first; i <= last; ++i) out.push_back(i);
        }
        start = comma + 1;
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

AttentionSelection select_attention(const std::string& layers_spec, const std::string& heads_spec,
                                    int64_t n_layers, int64_t n_heads) {
    return {parse_index_list(layers_spec, n_layers, "layer"), parse_index_list(heads_spec, n_heads, "head")};
}

uint64_t attention_recorder_bytes(const AttentionSelection& s, int64_t max_queries, int64_t n_keys) {
    return sizeof(float) * s.layers.size() * s.heads.size() * static_cast<uint64_t>(max_queries) *
           static_cast<uint64_t>(n_keys);
}

uint64_t attention_recorder_bytes(const AttentionSelection& s, int64_t max_tokens) {
    return attention_recorder_bytes(s, max_tokens, max_tokens);
}

AttentionRecorder::AttentionRecorder(int64_t n_layers, int64_t n_heads, int64_t max_tokens,
                                     AttentionSelection selection)
    : AttentionRecorder(n_layers, n_heads, max_tokens, max_tokens, std::move(selection)) {
    square_ = true;
}

AttentionRecorder::AttentionRecorder(int64_t n_layers, int64_t n_heads, int64_t max_queries, int64_t n_keys,
                                     AttentionSelection selection)
    : max_queries_(max_queries), max_keys_(n_keys), square_(false), selection_(std::move(selection)) {
    if (max_queries <= 0 || n_keys <= 0) throw Error("attention recorder: token counts must be positive");
    if (selection_.layers.empty() || selection_.heads.empty())
        throw Error("attention recorder: no layer or no head selected");
    layer_slot_.assign(static_cast<size_t>(n_layers), -1);
    head_slot_.assign(static_cast<size_t>(n_heads), -1);
    for (size_t i = 0; i < selection_.layers.size(); ++i) {
        const int64_t l = selection_.layers[i];
        if (l < 0 || l >= n_layers)
            throw Error("attention recorder: layer " + std::to_string(l) + " out of range");
        layer_slot_[static_cast<size_t>(l)] = static_cast<int64_t>(i);
    }
    for (size_t i = 0; i < selection_.heads.size(); ++i) {
        const int64_t h = selection_.heads[i];
        if (h < 0 || h >= n_heads)
            throw Error("attention recorder: head " + std::to_string(h) + " out of range");
        head_slot_[static_cast<size_t>(h)] = static_cast<int64_t>(i);
    }
    storage_.assign(attention_recorder_bytes(selection_, max_queries, n_keys) / sizeof(float), 0.0f);
}

AttentionWeightsHook AttentionRecorder::hook() {
    return [this](int64_t layer, int64_t head, int64_t query_pos, std::span<const float> weights) {
        record(layer, head, query_pos, weights);
    };
}

void AttentionRecorder::record(int64_t layer, int64_t head, int64_t query_pos,
                               std::span<const float> weights) {
    if (layer < 0 || head < 0 || layer >= static_cast<int64_t>(layer_slot_.size()) ||
        head >= static_cast<int64_t>(head_slot_.size()))
        return;
    const int64_t ls = layer_slot_[static_cast<size_t>(layer)], hs = head_slot_[static_cast<size_t>(head)];
    if (ls < 0 || hs < 0) return;
    // Called on worker threads: an overflow cannot throw here, it is reported by maps().
    if (query_pos < 0 || query_pos >= max_queries_ || static_cast<int64_t>(weights.size()) > max_keys_) {
        overflow_.store(true, std::memory_order_relaxed);
        return;
    }
    const int64_t n_heads = static_cast<int64_t>(selection_.heads.size());
    float* row =
        storage_.data() + ((ls * n_heads + hs) * max_queries_ + query_pos) * max_keys_;  // [max_keys]
    std::memcpy(row, weights.data(), weights.size() * sizeof(float));
    int64_t seen = n_rows_.load(std::memory_order_relaxed);
    while (seen < query_pos + 1 &&
           !n_rows_.compare_exchange_weak(seen, query_pos + 1, std::memory_order_relaxed)) {
    }
}

AttentionMaps AttentionRecorder::maps() const {
    if (overflow_.load())
        throw Error("attention recorder: more than " + std::to_string(max_queries_) + " queries or " +
                    std::to_string(max_keys_) + " keys; rows past them were dropped");
    AttentionMaps m;
    m.layers = selection_.layers;
    m.heads = selection_.heads;
    m.n_tokens = n_rows_.load();
    m.n_keys = square_ ? m.n_tokens : max_keys_;
    const int64_t n = m.n_tokens, nk = m.n_keys, L = m.n_layers(), H = m.n_heads();
    m.weights.resize(static_cast<size_t>(L * H * n * nk));
    for (int64_t lh = 0; lh < L * H; ++lh)
        for (int64_t q = 0; q < n; ++q)
            std::memcpy(m.weights.data() + (lh * n + q) * nk,
                        storage_.data() + (lh * max_queries_ + q) * max_keys_,
                        static_cast<size_t>(nk) * sizeof(float));
    return m;
}

}  // namespace loom
