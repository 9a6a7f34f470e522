#include "nn/alibi.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace loom {

std::vector<float> alibi_slopes(int64_t n_head) {
    if (n_head <= 0) throw Error("alibi: head count must be positive");
    int64_t p = 1;
    while (p * 2 <= n_head) p *= 2;
    std::vector<float> slopes;
    slopes.reserve(static_cast<size_t>(n_head));
    // base = 2^(-8/p): slope_i = base^i for i = 1..p
    const double base = std::pow(2.0, -8.0 / static_cast<double>(p));
    for (int64_t i = 1; i <= p; ++i)
        slopes.push_back(static_cast<float>(std::pow(base, static_cast<double>(i))));
    if (p < n_head) {
        const double extra_base = std::pow(2.0, -8.0 / static_cast<double>(2 * p));
        const int64_t remaining = std::min(p, n_head - p);
        for (int64_t i = 0; i < remaining; ++i)
            slopes.push_back(static_cast<float>(std::pow(extra_base, static_cast<double>(2 * i + 1))));
    }
    return slopes;
}

}  // namespace loom
