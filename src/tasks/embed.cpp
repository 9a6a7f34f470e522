#include "tasks/embed.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/error.h"
#include "core/json_depth.h"
#include "core/mapped_file.h"

namespace loom {
namespace fs = std::filesystem;
using json = nlohmann::json;

namespace {

json read_json(const fs::path& path) {
    json j = json::parse(read_json_text(path.string()), nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) throw Error("not valid JSON").file(path.string());
    return j;
}

}  // namespace

PoolingMode parse_pooling_mode(const std::string& name) {
    if (name == "cls") return PoolingMode::Cls;
    if (name == "mean") return PoolingMode::Mean;
    if (name == "max") return PoolingMode::Max;
    if (name == "mean_sqrt_len") return PoolingMode::MeanSqrtLen;
    throw Error("unknown pooling '" + name + "' (expected cls, mean, max or mean_sqrt_len)");
}

PoolingConfig read_pooling_config(const std::string& folder) {
    PoolingConfig config;
    const fs::path root(folder);
    if (fs::exists(root / "sentence_bert_config.json")) {
        json sb = read_json(root / "sentence_bert_config.json");
        if (sb.contains("max_seq_length") && sb["max_seq_length"].is_number_integer())
            config.max_seq_length = sb["max_seq_length"].get<size_t>();
    }
    if (!fs::exists(root / "modules.json")) return config;
    json modules = read_json(root / "modules.json");
    if (!modules.is_array())
        throw Error("modules.json: expected an array").file((root / "modules.json").string());
    for (const json& m : modules) {
        const std::string type = m.value("type", std::string());
        if (type.ends_with(".Normalize")) config.normalize = true;
        if (!type.ends_with(".Pooling")) continue;
        const fs::path pooling_path = root / m.value("path", std::string()) / "config.json";
        json p = read_json(pooling_path);
        config.modes.clear();
        // sentence-transformers concatenates in this order.
        if (p.value("pooling_mode_cls_token", false)) config.modes.push_back(PoolingMode::Cls);
        if (p.value("pooling_mode_max_tokens", false)) config.modes.push_back(PoolingMode::Max);
        if (p.value("pooling_mode_mean_tokens", false)) config.modes.push_back(PoolingMode::Mean);
        if (p.value("pooling_mode_mean_sqrt_len_tokens", false))
            config.modes.push_back(PoolingMode::MeanSqrtLen);
        for (const char* unsupported : {"pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"})
            if (p.value(unsupported, false))
                throw Error(std::string("pooling mode '") + unsupported + "' is not supported")
                    .file(pooling_path.string());
        if (config.modes.empty()) throw Error("no pooling mode enabled").file(pooling_path.string());
    }
    return config;
}

std::vector<float> pool(const float* hidden, const uint8_t* mask, int64_t T, int64_t H,
                        const std::vector<PoolingMode>& modes) {
    std::vector<float> out;
    out.reserve(static_cast<size_t>(H) * modes.size());
    int64_t n_real = 0;
    for (int64_t t = 0; t < T; ++t) n_real += mask[t] ? 1 : 0;
    for (PoolingMode mode : modes) {
        std::vector<float> v(static_cast<size_t>(H), 0.0f);
        if (mode == PoolingMode::Cls) {
            std::copy(hidden, hidden + H, v.begin());
        } else if (mode == PoolingMode::Max) {
            // Padding is excluded (sentence-transformers sets it to -1e9 before the max).
            std::fill(v.begin(), v.end(), -1e9f);
            for (int64_t t = 0; t < T; ++t)
                if (mask[t])
                    for (int64_t d = 0; d < H; ++d) v[d] = std::max(v[d], hidden[t * H + d]);
        } else {
            for (int64_t t = 0; t < T; ++t)
                if (mask[t])
                    for (int64_t d = 0; d < H; ++d) v[d] += hidden[t * H + d];
            const float denom = std::max<float>(static_cast<float>(n_real), 1e-9f);
            const float div = mode == PoolingMode::Mean ? denom : std::sqrt(denom);
            for (float& x : v) x /= div;
        }
        out.insert(out.end(), v.begin(), v.end());
    }
    return out;
}

void l2_normalize(std::vector<float>& v) {
    double sum = 0.0;
    for (float x : v) sum += static_cast<double>(x) * x;
    // torch.nn.functional.normalize: divide by max(norm, 1e-12).
    const float norm = static_cast<float>(std::max(std::sqrt(sum), 1e-12));
    for (float& x : v) x /= norm;
}

std::unique_ptr<Embedder> Embedder::open(const std::string& folder, const EmbedOptions& options) {
    std::unique_ptr<Embedder> e(new Embedder());
    EncoderInputOptions input;
    input.truncate = options.truncate;
    e->runner_ = EncoderRunner::open(folder, input);
    // The pooling files sit in the folder, or come unpacked from a GGUF (formats/gguf_hf_view.h).
    e->pooling_ = read_pooling_config(e->runner_->source().side_files_dir);
    if (options.pooling) e->pooling_.modes = {*options.pooling};
    if (options.normalize) e->pooling_.normalize = *options.normalize;
    e->runner_->set_max_tokens(e->pooling_.max_seq_length);
    e->batch_size_ = std::max<size_t>(1, options.batch_size);
    return e;
}

int64_t Embedder::dim() const {
    return runner_->model().config().hidden * static_cast<int64_t>(pooling_.modes.size());
}

std::vector<std::vector<float>> Embedder::embed(
    std::span<const std::string> texts,
    const std::function<void(size_t done, size_t total)>& progress) const {
    std::vector<Encoding> encodings = runner_->encode(texts);
    // Batches of similar lengths waste less on padding (sentence-transformers sorts the same way); results go
    // back to the caller's order.
    std::vector<size_t> order(encodings.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return encodings[a].size() > encodings[b].size(); });
    std::vector<std::vector<float>> out(texts.size());
    const int64_t H = runner_->model().config().hidden;
    for (size_t first = 0; first < order.size(); first += batch_size_) {
        const size_t n = std::min(batch_size_, order.size() - first);
        std::vector<Encoding> chunk;
        for (size_t i = 0; i < n; ++i) chunk.push_back(std::move(encodings[order[first + i]]));
        // Only the real tokens go through the model (no padding work); sequence s is rows
        // [offsets[s], offsets[s + 1]) of hidden [total tokens, H].
        const EncoderBatch batch = runner_->make_batch(chunk);
        std::vector<int64_t> offsets;
        const std::vector<float> hidden = runner_->model().forward_packed(batch, offsets);
        for (size_t s = 0; s < n; ++s) {
            const int64_t row0 = offsets[s], len = offsets[s + 1] - offsets[s];
            const std::vector<uint8_t> real(static_cast<size_t>(len), 1);  // [len] all real
            std::vector<float> v = pool(hidden.data() + row0 * H, real.data(), len, H, pooling_.modes);
            if (pooling_.normalize) l2_normalize(v);
            out[order[first + s]] = std::move(v);
        }
        if (progress) progress(first + n, order.size());
    }
    return out;
}

}  // namespace loom
