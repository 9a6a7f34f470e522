#include "store/memory_estimate.h"

#include <algorithm>
#include <fstream>
#include <sstream>

#include "formats/model_source.h"
#include "models/model_config.h"
#include "store/progress_bar.h"

namespace loom {
namespace {

std::optional<uint64_t> read_number(const std::string& path) {
    std::ifstream in(path);
    std::string text;
    if (!(in >> text) || text == "max") return std::nullopt;
    try {
        return std::stoull(text);
    } catch (...) {
        return std::nullopt;
    }
}

std::optional<uint64_t> mem_available() {
    std::ifstream in("/proc/meminfo");
    std::string key;
    uint64_t kib = 0;
    std::string unit;
    while (in >> key >> kib >> unit)
        if (key == "MemAvailable:") return kib * 1024;
    return std::nullopt;
}

}  // namespace

std::optional<uint64_t> available_memory_bytes() {
    std::optional<uint64_t> available = mem_available();
    // A container's limit can be far below the host's free memory.
    std::optional<uint64_t> limit = read_number("/sys/fs/cgroup/memory.max");
    std::optional<uint64_t> usage = read_number("/sys/fs/cgroup/memory.current");
    if (!limit) {
        limit = read_number("/sys/fs/cgroup/memory/memory.limit_in_bytes");
        usage = read_number("/sys/fs/cgroup/memory/memory.usage_in_bytes");
    }
    if (limit && *limit < (uint64_t{1} << 60)) {
        const uint64_t room = *limit > usage.value_or(0) ? *limit - usage.value_or(0) : 0;
        available = available ? std::min(*available, room) : room;
    }
    return available;
}

MemoryEstimate estimate_memory(const ModelSource& source, const ModelConfig& c, int64_t n_ctx) {
    MemoryEstimate e;
    e.n_ctx = n_ctx;
    for (const auto& [name, tensor] : source.weights.all()) {
        e.weights += tensor.nbytes();
        const bool transposed_copy = source.format == SourceFormat::HuggingFace &&
                                     c.family == ModelFamily::Gpt2 && tensor.rank() == 2 &&
                                     name.find(".h.") != std::string::npos;
        if (transposed_copy) e.weights += static_cast<uint64_t>(tensor.numel()) * 4;
    }
    const uint64_t f = sizeof(float);
    e.kv_cache = 2 * f * static_cast<uint64_t>(c.n_layer * c.n_head_kv * c.head_dim * n_ctx);
    const int64_t batch = std::min(kScratchBatch, n_ctx);
    const int64_t q_dim = c.n_head * c.head_dim, kv_dim = c.n_head_kv * c.head_dim;
    // Per token of the batch: residual + normed input, q/k/v, attention output, and the FFN's up/gate/act.
    const int64_t per_token = 2 * c.n_embd + q_dim + 2 * kv_dim + q_dim + 3 * c.n_ff;
    e.scratch = f * static_cast<uint64_t>(batch * per_token + batch * n_ctx + c.n_vocab);
    e.total = e.weights + e.kv_cache + e.scratch;
    e.available = available_memory_bytes();
    return e;
}

std::string describe_memory(const MemoryEstimate& e) {
    std::ostringstream out;
    out << "weights " << format_bytes(e.weights) << " + KV cache " << format_bytes(e.kv_cache)
        << " + scratch " << format_bytes(e.scratch) << " = " << format_bytes(e.total) << " at context "
        << e.n_ctx;
    if (e.available)
        out << "; available RAM " << format_bytes(*e.available) << ": "
            << (e.fits() ? "fits" : "does NOT fit");
    else
        out << "; available RAM unknown";
    return out.str();
}

}  // namespace loom
