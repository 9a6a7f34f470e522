#include "tokenizer/models/unigram.h"

#include <algorithm>
#include <cstdio>
#include <limits>

#include "core/error.h"
#include "tokenizer/unicode.h"

namespace loom::tok {

namespace {
constexpr double kUnkPenalty = 10.0;
}

UnigramModel::UnigramModel(const json& j) {
    const json& vocab = require(j, "vocab", "Unigram model");
    if (!vocab.is_array()) throw Error("tokenizer: Unigram vocab must be a list of [piece, score]");
    double min_score = std::numeric_limits<double>::infinity();
    int32_t id = 0;
    for (const auto& entry : vocab) {
        if (!entry.is_array() || entry.size() != 2 || !entry[0].is_string() || !entry[1].is_number())
            throw Error("tokenizer: Unigram vocab entry must be [piece, score]")
                .offset(static_cast<uint64_t>(id));
        std::string piece = entry[0].get<std::string>();
        max_piece_bytes_ = std::max(max_piece_bytes_, piece.size());
        const double score = entry[1].get<double>();
        min_score = std::min(min_score, score);
        scores_.push_back(score);
        vocab_.add(std::move(piece), id++);
    }
    unk_score_ = min_score - kUnkPenalty;
    if (j.contains("unk_id") && !j["unk_id"].is_null()) {
        const auto u = j["unk_id"].get<int64_t>();
        if (u < 0 || u >= id) throw Error("tokenizer: Unigram unk_id is out of the vocab");
        unk_id_ = static_cast<int32_t>(u);
    }
    byte_fallback_ = j.value("byte_fallback", false);
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof(name), "<0x%02X>", b);
        byte_ids_[b] = vocab_.find(name).value_or(-1);
    }
}

void UnigramModel::tokenize(std::string_view word, std::vector<Token>& out) const {
    if (word.empty()) return;
    // best[e]: the best path covering word[0, e): its score, where its last piece starts, and that piece.
    struct Node {
        double score = 0;
        int64_t start = -1;  // -1: unreached
        int32_t id = -1;
    };
    const size_t n = word.size();
    std::vector<Node> best(n + 1);
    best[0].start = 0;
    for (size_t s = 0; s < n;) {
        const size_t char_len = utf8_length(static_cast<uint8_t>(word[s]));
        if (best[s].start < 0) {  // unreachable starts are skipped (cannot happen with unk, kept for safety)
            s += char_len;
            continue;
        }
        bool single_char_piece = false;
        // Candidate pieces word[s, e) in increasing length; a strictly better score replaces.
        for (size_t e = s + char_len; e <= n && e - s <= max_piece_bytes_;) {
            if (const auto id = vocab_.find(word.substr(s, e - s))) {
                const double score = best[s].score + scores_[static_cast<size_t>(*id)];
                if (best[e].start < 0 || score > best[e].score)
                    best[e] = {score, static_cast<int64_t>(s), *id};
                if (e == s + char_len) single_char_piece = true;
            }
            if (e == n) break;
            e += utf8_length(static_cast<uint8_t>(word[e]));
        }
        if (!single_char_piece) {
            const size_t e = s + char_len;
            const double score = best[s].score + unk_score_;
            if (best[e].start < 0 || score > best[e].score)
                best[e] = {score, static_cast<int64_t>(s), unk_id_.value_or(-1)};
        }
        s += char_len;
    }
    // Walk back; adjacent unks become one piece.
    std::vector<std::pair<size_t, size_t>> pieces;  // [start, end), reversed order
    std::vector<bool> piece_unk;
    for (size_t e = n; e > 0;) {
        const Node& node = best[e];
        const auto s = static_cast<size_t>(node.start);
        const bool is_unk = node.id < 0 || (unk_id_ && node.id == *unk_id_);
        if (is_unk && !pieces.empty() && piece_unk.back() && pieces.back().first == e) {
            pieces.back().first = s;
        } else {
            pieces.emplace_back(s, e);
            piece_unk.push_back(is_unk);
        }
        e = s;
    }
    for (size_t k = pieces.size(); k-- > 0;) {
        const auto [s, e] = pieces[k];
        const std::string_view text = word.substr(s, e - s);
        const auto start = static_cast<uint32_t>(s), end = static_cast<uint32_t>(e);
        if (const auto id = vocab_.find(text)) {
            out.push_back({*id, start, end});
            continue;
        }
        if (byte_fallback_) {
            bool all = true;
            for (char c : text) all &= byte_ids_[static_cast<uint8_t>(c)] >= 0;
            if (all) {
                for (char c : text) out.push_back({byte_ids_[static_cast<uint8_t>(c)], start, end});
                continue;
            }
        }
        if (!unk_id_) throw Error("tokenizer: Unigram model has no unk_id for text it cannot cover");
        out.push_back({*unk_id_, start, end});
    }
}

}  // namespace loom::tok
