#include "tokenizer/added_vocabulary.h"

#include <algorithm>

#include "tokenizer/unicode.h"

namespace loom::tok {

void AddedVocabulary::Trie::insert(std::string_view pattern, int32_t token) {
    if (pattern.empty()) return;
    first_bytes.set(static_cast<uint8_t>(pattern[0]));
    int32_t node = 0;
    for (char ch : pattern) {
        const auto b = static_cast<uint8_t>(ch);
        auto& kids = nodes[static_cast<size_t>(node)].children;
        auto it = std::lower_bound(kids.begin(), kids.end(), std::make_pair(b, INT32_MIN));
        if (it != kids.end() && it->first == b) {
            node = it->second;
            continue;
        }
        const auto next = static_cast<int32_t>(nodes.size());
        kids.insert(it, {b, next});
        nodes.emplace_back();
        node = next;
    }
    if (nodes[static_cast<size_t>(node)].token < 0) nodes[static_cast<size_t>(node)].token = token;
}

std::pair<int32_t, size_t> AddedVocabulary::Trie::longest_at(std::string_view text, size_t pos) const {
    std::pair<int32_t, size_t> best{-1, 0};
    if (!first_bytes.test(static_cast<uint8_t>(text[pos]))) return best;
    int32_t node = 0;
    for (size_t i = pos; i < text.size(); ++i) {
        const auto b = static_cast<uint8_t>(text[i]);
        const auto& kids = nodes[static_cast<size_t>(node)].children;
        const auto it = std::lower_bound(kids.begin(), kids.end(), std::make_pair(b, INT32_MIN));
        if (it == kids.end() || it->first != b) break;
        node = it->second;
        if (nodes[static_cast<size_t>(node)].token >= 0)
            best = {nodes[static_cast<size_t>(node)].token, i + 1 - pos};
    }
    return best;
}

void AddedVocabulary::build(std::vector<AddedToken> tokens, const Normalizer* normalizer) {
    tokens_ = std::move(tokens);
    for (size_t k = 0; k < tokens_.size(); ++k) {
        const AddedToken& t = tokens_[k];
        by_id_[t.id] = k;
        by_content_.emplace(t.content, k);
        if (t.normalized) {
            NormalizedString n(t.content, 0);
            if (normalizer) normalizer->normalize(n);
            normalized_.insert(n.get(), static_cast<int32_t>(k));
        } else {
            raw_.insert(t.content, static_cast<int32_t>(k));
        }
    }
}

const AddedToken* AddedVocabulary::by_content(std::string_view content) const {
    const auto it = by_content_.find(std::string(content));
    return it == by_content_.end() ? nullptr : &tokens_[it->second];
}

namespace {
bool is_word_char(char32_t c) {
    return c == '_' || is_alphanumeric(c);
}

char32_t char_before(std::string_view s, size_t pos) {
    size_t i = pos - 1;
    while (i > 0 && (static_cast<uint8_t>(s[i]) & 0xC0) == 0x80) --i;
    return next_code_point(s, i);
}
}  // namespace

void AddedVocabulary::split_one(NormalizedString&& s, const Trie& trie, std::vector<Split>& out) const {
    const std::string_view text = s.get();
    struct Match {
        size_t start, end;
        int32_t token;
    };
    std::vector<Match> matches;
    size_t last_end = 0;
    for (size_t pos = 0; pos < text.size();) {
        const auto [token, len] = trie.longest_at(text, pos);
        if (token < 0) {
            ++pos;
            continue;
        }
        const AddedToken& t = tokens_[static_cast<size_t>(token)];
        size_t start = pos, end = pos + len;
        pos = end;  // matches never overlap; scanning resumes after this one, kept or not
        if (t.single_word) {
            size_t k = end;
            const bool word_before = start > 0 && is_word_char(char_before(text, start));
            const bool word_after = end < text.size() && is_word_char(next_code_point(text, k));
            if (word_before || word_after) continue;
        }
        if (t.lstrip)
            while (start > last_end) {
                const char32_t c = char_before(text, start);
                if (!is_whitespace(c)) break;
                start -= utf8_length(c);
            }
        if (t.rstrip)
            while (end < text.size()) {
                size_t k = end;
                if (!is_whitespace(next_code_point(text, k))) break;
                end = k;
            }
        if (t.rstrip) pos = std::max(pos, end);
        matches.push_back({start, end, token});
        last_end = end;
    }
    if (matches.empty()) {
        out.push_back(Split{std::move(s), {}, false});
        return;
    }
    size_t prev = 0;
    for (const Match& m : matches) {
        if (m.start > prev) out.push_back(Split{s.slice(prev, m.start), {}, false});
        Split piece{s.slice(m.start, m.end), {}, true};
        piece.tokens.push_back(
            {tokens_[static_cast<size_t>(m.token)].id, 0, static_cast<uint32_t>(m.end - m.start)});
        out.push_back(std::move(piece));
        prev = m.end;
    }
    if (prev < text.size()) out.push_back(Split{s.slice(prev, text.size()), {}, false});
}

void AddedVocabulary::extract(PreTokenizedString& pts, bool normalized_kind) const {
    const Trie& trie = normalized_kind ? normalized_ : raw_;
    if (trie.nodes.size() == 1) return;
    std::vector<Split> next;
    for (Split& split : pts.splits) {
        if (split.tokenized || split.text.empty()) {
            next.push_back(std::move(split));
            continue;
        }
        split_one(std::move(split.text), trie, next);
    }
    pts.splits = std::move(next);
}

}  // namespace loom::tok
