#include "tokenizer/normalized_string.h"

#include "core/error.h"
#include "tokenizer/unicode.h"

namespace loom::tok {

NormalizedString::NormalizedString(std::string text, uint32_t original_start) : text_(std::move(text)) {
    align_.resize(text_.size());
    for (size_t i = 0; i < text_.size();) {
        const size_t n = utf8_length(static_cast<uint8_t>(text_[i]));
        const Span span{static_cast<uint32_t>(original_start + i),
                        static_cast<uint32_t>(original_start + i + n)};
        for (size_t k = 0; k < n && i + k < text_.size(); ++k) align_[i + k] = span;
        i += n;
    }
}

Span NormalizedString::original_span(size_t start, size_t end) const {
    if (start >= end || start >= align_.size()) {
        // An empty range sits just before byte `start` (or at the end of the text).
        if (start < align_.size()) return {align_[start].start, align_[start].start};
        if (!align_.empty()) return {align_.back().end, align_.back().end};
        return {};
    }
    if (end > align_.size()) end = align_.size();
    return {align_[start].start, align_[end - 1].end};
}

void NormalizedString::transform_range(size_t start, size_t end, const std::vector<CharChange>& dest,
                                       size_t initial_removed) {
    std::string out;
    std::vector<Span> out_align;
    out.reserve(end - start + dest.size());
    out_align.reserve(end - start + dest.size());

    // `cursor` walks the input characters of [start, end) as dest consumes them.
    size_t cursor = start;
    const auto skip_chars = [&](size_t n) {
        for (size_t k = 0; k < n && cursor < end; ++k)
            cursor += utf8_length(static_cast<uint8_t>(text_[cursor]));
    };
    skip_chars(initial_removed);
    for (const CharChange& cc : dest) {
        Span span;
        if (cc.change > 0) {
            span = cursor == 0 ? Span{} : align_[cursor - 1];
        } else {
            span = cursor < align_.size() ? align_[cursor] : (cursor == 0 ? Span{} : align_[cursor - 1]);
            skip_chars(1);
            if (cc.change < 0) skip_chars(static_cast<size_t>(-cc.change));
        }
        const size_t before = out.size();
        append_utf8(out, cc.c);
        out_align.insert(out_align.end(), out.size() - before, span);
    }
    text_.replace(start, end - start, out);
    align_.erase(align_.begin() + static_cast<std::ptrdiff_t>(start),
                 align_.begin() + static_cast<std::ptrdiff_t>(end));
    align_.insert(align_.begin() + static_cast<std::ptrdiff_t>(start), out_align.begin(), out_align.end());
}

NormalizedString NormalizedString::slice(size_t start, size_t end) const {
    NormalizedString s;
    s.text_ = text_.substr(start, end - start);
    s.align_.assign(align_.begin() + static_cast<std::ptrdiff_t>(start),
                    align_.begin() + static_cast<std::ptrdiff_t>(end));
    return s;
}

void NormalizedString::map_chars(const std::function<char32_t(char32_t)>& f) {
    std::vector<CharChange> dest;
    dest.reserve(text_.size());
    bool changed = false;
    for (size_t i = 0; i < text_.size();) {
        const char32_t c = next_code_point(text_, i);
        const char32_t m = f(c);
        changed |= m != c;
        dest.push_back({m, 0});
    }
    if (changed) transform(dest, 0);
}

void NormalizedString::filter(const std::function<bool(char32_t)>& keep) {
    // A removed character is charged to the kept character before it; leading removed ones are dropped
    // up front (initial_removed).
    std::vector<CharChange> dest;
    size_t leading = 0;
    int32_t removed = 0;
    bool have_last = false, changed = false;
    char32_t last = 0;
    for (size_t i = 0; i < text_.size();) {
        const char32_t c = next_code_point(text_, i);
        if (keep(c)) {
            if (have_last) {
                dest.push_back({last, -removed});
            } else {
                leading = static_cast<size_t>(removed);
            }
            last = c;
            have_last = true;
            removed = 0;
        } else {
            ++removed;
            changed = true;
        }
    }
    if (!changed) return;
    if (have_last) {
        dest.push_back({last, -removed});
    } else {
        leading = static_cast<size_t>(removed);
    }
    transform(dest, leading);
}

void NormalizedString::prepend(std::string_view s) {
    if (text_.empty() || s.empty()) return;
    // The new characters take the alignment of the first existing character.
    std::vector<CharChange> dest;
    bool first = true;
    for (size_t i = 0; i < s.size();) {
        dest.push_back({next_code_point(s, i), first ? 0 : 1});
        first = false;
    }
    size_t i = 0;
    const char32_t head = next_code_point(text_, i);
    dest.push_back({head, 1});
    transform_range(0, i, dest, 0);
}

void NormalizedString::append(std::string_view s) {
    if (text_.empty() || s.empty()) return;
    size_t last = text_.size() - 1;
    while (last > 0 && (static_cast<uint8_t>(text_[last]) & 0xC0) == 0x80) --last;
    size_t i = last;
    std::vector<CharChange> dest{{next_code_point(text_, i), 0}};
    for (size_t k = 0; k < s.size();) dest.push_back({next_code_point(s, k), 1});
    transform_range(last, text_.size(), dest, 0);
}

void NormalizedString::lstrip_rstrip(bool left, bool right) {
    const std::u32string chars = to_u32(text_);
    size_t lead = 0, trail = 0;
    if (left)
        while (lead < chars.size() && is_whitespace(chars[lead])) ++lead;
    if (right)
        while (trail < chars.size() - lead && is_whitespace(chars[chars.size() - 1 - trail])) ++trail;
    if (lead == 0 && trail == 0) return;
    std::vector<CharChange> dest;
    for (size_t k = lead; k + trail < chars.size(); ++k) {
        const bool last = k + trail + 1 == chars.size();
        dest.push_back({chars[k], last ? -static_cast<int32_t>(trail) : 0});
    }
    transform(dest, lead);
}

void NormalizedString::replace_ranges(const std::vector<std::pair<size_t, size_t>>& ranges,
                                      std::string_view content) {
    // Each match is replaced as if its characters were removed first and `content` inserted after: the new
    // characters all take the alignment of the last matched byte. Built in one pass (a text may hold
    // hundreds of thousands of matches).
    if (ranges.empty()) return;
    size_t removed = 0;
    for (const auto& [start, end] : ranges) removed += end - start;
    const size_t grown = text_.size() - removed + ranges.size() * content.size();
    if (grown > text_.size() * kMaxReplaceGrowth + kMaxReplaceContentBytes)
        throw Error("tokenizer: a Replace normalizer would grow " + std::to_string(text_.size()) +
                    " bytes of text to " + std::to_string(grown) + " (limit " +
                    std::to_string(kMaxReplaceGrowth) + " times); the tokenizer file is damaged or hostile");
    std::string out;
    std::vector<Span> out_align;
    out.reserve(text_.size() + ranges.size() * content.size());
    out_align.reserve(out.capacity());
    size_t pos = 0;
    for (const auto& [start, end] : ranges) {
        out.append(text_, pos, start - pos);
        out_align.insert(out_align.end(), align_.begin() + static_cast<std::ptrdiff_t>(pos),
                         align_.begin() + static_cast<std::ptrdiff_t>(start));
        const Span span = end > 0 ? align_[end - 1] : Span{};
        out.append(content);
        out_align.insert(out_align.end(), content.size(), span);
        pos = end;
    }
    out.append(text_, pos, std::string::npos);
    out_align.insert(out_align.end(), align_.begin() + static_cast<std::ptrdiff_t>(pos), align_.end());
    text_ = std::move(out);
    align_ = std::move(out_align);
}

}  // namespace loom::tok
