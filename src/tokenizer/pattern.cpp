#include "tokenizer/pattern.h"

#include <algorithm>

#include "core/error.h"

namespace loom::tok {

Pattern::Pattern(const nlohmann::json& j) {
    if (j.contains("String")) {
        literal_ = j["String"].get<std::string>();
    } else if (j.contains("Regex")) {
        regex_ = std::make_unique<Regex>(j["Regex"].get<std::string>());
    } else {
        throw Error("tokenizer: pattern must be {\"String\": ...} or {\"Regex\": ...}, got " + j.dump());
    }
}

void Pattern::find_all(std::string_view text, Ranges& out) const {
    if (regex_) {
        regex_->find_all(text, out);
        return;
    }
    if (literal_.empty()) return;
    for (size_t pos = text.find(literal_); pos != std::string_view::npos; pos = text.find(literal_, pos)) {
        out.emplace_back(pos, pos + literal_.size());
        pos += literal_.size();
    }
}

SplitBehavior parse_split_behavior(const nlohmann::json& j) {
    const std::string b = j.get<std::string>();
    if (b == "Removed") return SplitBehavior::Removed;
    if (b == "Isolated") return SplitBehavior::Isolated;
    if (b == "MergedWithPrevious") return SplitBehavior::MergedWithPrevious;
    if (b == "MergedWithNext") return SplitBehavior::MergedWithNext;
    if (b == "Contiguous") return SplitBehavior::Contiguous;
    throw Error("tokenizer: unknown split behavior \"" + b + "\"");
}

void split_by_matches(NormalizedString&& s, const Ranges& matches, bool invert, SplitBehavior behavior,
                      std::vector<NormalizedString>& out) {
    if (matches.empty() && !invert) {  // nothing matched: the whole text is one non-match piece
        out.push_back(std::move(s));
        return;
    }
    struct Segment {
        size_t start, end;
        bool match;
    };
    // The whole text as alternating segments.
    std::vector<Segment> segs;
    segs.reserve(matches.size() * 2 + 1);
    size_t pos = 0;
    for (const auto& [a, b] : matches) {
        if (a > pos) segs.push_back({pos, a, invert});
        segs.push_back({a, b, !invert});
        pos = b;
    }
    if (pos < s.get().size()) segs.push_back({pos, s.get().size(), invert});

    std::vector<std::pair<size_t, size_t>> pieces;
    pieces.reserve(segs.size());
    bool previous_match = false;
    switch (behavior) {
        case SplitBehavior::Removed:
            for (const auto& g : segs)
                if (!g.match) pieces.emplace_back(g.start, g.end);
            break;
        case SplitBehavior::Isolated:
            for (const auto& g : segs) pieces.emplace_back(g.start, g.end);
            break;
        case SplitBehavior::MergedWithPrevious:
            for (const auto& g : segs) {
                if (g.match && !previous_match && !pieces.empty())
                    pieces.back().second = g.end;
                else
                    pieces.emplace_back(g.start, g.end);
                previous_match = g.match;
            }
            break;
        case SplitBehavior::MergedWithNext:
            for (auto it = segs.rbegin(); it != segs.rend(); ++it) {
                if (it->match && !previous_match && !pieces.empty())
                    pieces.back().first = it->start;
                else
                    pieces.emplace_back(it->start, it->end);
                previous_match = it->match;
            }
            std::reverse(pieces.begin(), pieces.end());
            break;
        case SplitBehavior::Contiguous:
            for (const auto& g : segs) {
                if (g.match == previous_match && !pieces.empty())
                    pieces.back().second = g.end;
                else
                    pieces.emplace_back(g.start, g.end);
                previous_match = g.match;
            }
            break;
    }
    if (pieces.size() == 1 && pieces[0].first == 0 && pieces[0].second == s.get().size()) {
        out.push_back(std::move(s));
        return;
    }
    for (const auto& [a, b] : pieces)
        if (b > a) out.push_back(s.slice(a, b));
}

}  // namespace loom::tok
