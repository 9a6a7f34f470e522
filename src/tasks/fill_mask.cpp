#include "tasks/fill_mask.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/error.h"
#include "kernels/cpu/ops.h"

namespace loom {

std::unique_ptr<FillMaskPipeline> FillMaskPipeline::open(const std::string& folder,
                                                         EncoderInputOptions options) {
    std::unique_ptr<FillMaskPipeline> p(new FillMaskPipeline());
    p->runner_ = EncoderRunner::open(folder, options);
    p->head_ = std::make_unique<MaskedLmHead>(p->runner_->model());
    for (const char* candidate : {"[MASK]", "<mask>"})
        if (auto id = p->runner_->tokenizer().token_to_id(candidate)) {
            p->mask_token_ = candidate;
            p->mask_id_ = *id;
            return p;
        }
    throw Error("the tokenizer has no mask token ([MASK] or <mask>)")
        .file(p->runner_->source().tokenizer_json_path);
}

std::vector<std::vector<float>> FillMaskPipeline::mask_logits(const std::string& text,
                                                              std::vector<int32_t>* ids_out) const {
    std::vector<std::string> texts{text};
    std::vector<Encoding> enc = runner_->encode(texts);
    const Encoding& e = enc.front();
    std::vector<int64_t> positions;
    for (size_t t = 0; t < e.size(); ++t)
        if (e.ids[t] == mask_id_) positions.push_back(static_cast<int64_t>(t));
    if (positions.empty())
        throw Error("no " + mask_token_ + " token in the text")
            .hint("write " + mask_token_ + " where a word is missing");
    std::vector<float> hidden = runner_->run(enc);  // [T, H]
    const int64_t H = runner_->model().config().hidden;
    std::vector<float> rows;  // [n_masks, H]
    for (int64_t p : positions) rows.insert(rows.end(), hidden.begin() + p * H, hidden.begin() + (p + 1) * H);
    const int64_t n = static_cast<int64_t>(positions.size()), V = head_->vocab_size();
    std::vector<float> logits = head_->forward(rows.data(), n);  // [n, V]
    std::vector<std::vector<float>> out;
    for (int64_t i = 0; i < n; ++i) out.emplace_back(logits.begin() + i * V, logits.begin() + (i + 1) * V);
    if (ids_out) *ids_out = e.ids;
    return out;
}

std::vector<std::vector<FillMaskCandidate>> FillMaskPipeline::run(const std::string& text,
                                                                  size_t top_k) const {
    std::vector<int32_t> ids;
    std::vector<std::vector<float>> logits = mask_logits(text, &ids);
    const bool single = logits.size() == 1;
    std::vector<size_t> mask_positions;
    for (size_t t = 0; t < ids.size(); ++t)
        if (ids[t] == mask_id_) mask_positions.push_back(t);
    const Tokenizer& tok = runner_->tokenizer();
    std::vector<std::vector<FillMaskCandidate>> results;
    for (size_t m = 0; m < logits.size(); ++m) {
        std::vector<float>& probs = logits[m];
        softmax(probs.data(), static_cast<int64_t>(probs.size()));
        std::vector<int32_t> order(probs.size());
        std::iota(order.begin(), order.end(), 0);
        const size_t k = std::min(top_k, order.size());
        std::partial_sort(
            order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
            [&](int32_t a, int32_t b) { return probs[a] > probs[b] || (probs[a] == probs[b] && a < b); });
        std::vector<FillMaskCandidate> candidates;
        for (size_t i = 0; i < k; ++i) {
            FillMaskCandidate c;
            c.token = order[i];
            c.score = probs[static_cast<size_t>(c.token)];
            std::vector<int32_t> one{c.token};
            c.token_str = tok.decode(one, /*skip_special_tokens=*/false);
            std::vector<int32_t> filled = ids;
            filled[mask_positions[m]] = c.token;
            c.sequence = tok.decode(filled, /*skip_special_tokens=*/single);
            candidates.push_back(std::move(c));
        }
        results.push_back(std::move(candidates));
    }
    return results;
}

nlohmann::json fill_mask_to_json(const std::vector<std::vector<FillMaskCandidate>>& results) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& per_mask : results) {
        nlohmann::ordered_json list = nlohmann::ordered_json::array();
        for (const FillMaskCandidate& c : per_mask)
            list.push_back({{"score", c.score},
                            {"token", c.token},
                            {"token_str", c.token_str},
                            {"sequence", c.sequence}});
        out.push_back(std::move(list));
    }
    return nlohmann::json::parse(out.dump());
}

}  // namespace loom
