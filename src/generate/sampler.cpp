#include "generate/sampler.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace loom {

CandidateArray CandidateArray::from_logits(std::span<const float> logits) {
    CandidateArray out;
    out.data.reserve(logits.size());
    for (size_t i = 0; i < logits.size(); ++i) {
        out.data.push_back({static_cast<int32_t>(i), logits[i], 0.0f});
    }
    return out;
}

namespace {
// Logit descending, ties by id ascending: a total order (ids are unique), so every sort gives one result.
bool higher_logit_first(const TokenCandidate& a, const TokenCandidate& b) {
    if (a.logit != b.logit) return a.logit > b.logit;
    return a.id < b.id;
}
}  // namespace

void CandidateArray::sort_by_logit() {
    if (sorted) return;
    std::sort(data.begin(), data.end(), higher_logit_first);
    sorted = true;
    selected = -1;  // indices moved
}

void CandidateArray::softmax() {
    if (data.empty()) throw Error("sampler: no candidates left to take a softmax over");
    sort_by_logit();
    const float max_logit = data.front().logit;
    if (std::isinf(max_logit) && max_logit < 0) throw NoTokenLeftError();
    // Accumulate in double: 100k+ tiny terms lose mass in float.
    double sum = 0.0;
    std::vector<double> e(data.size());
    for (size_t i = 0; i < data.size(); ++i) {
        e[i] = std::exp(static_cast<double>(data[i].logit) - max_logit);
        sum += e[i];
    }
    for (size_t i = 0; i < data.size(); ++i) data[i].p = static_cast<float>(e[i] / sum);
}

void CandidateArray::keep_first(size_t n) {
    n = std::clamp<size_t>(n, 1, data.size());
    if (!sorted && n < data.size()) {
        // Only the first n are kept: order those (O(size log n) for top-k over a whole vocabulary).
        std::partial_sort(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n), data.end(), higher_logit_first);
        data.resize(n);
        sorted = true;
        selected = -1;
        return;
    }
    sort_by_logit();
    data.resize(n);
}

void CandidateArray::drop_banned() {
    std::erase_if(data, [](const TokenCandidate& c) { return std::isinf(c.logit) && c.logit < 0; });
    selected = -1;
}

}  // namespace loom
