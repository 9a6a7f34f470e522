#include "tokenizer/encoding_ops.h"

#include <algorithm>

#include "tokenizer/unicode.h"

namespace loom::tok {

void append_encoding(Encoding& dst, const Encoding& src) {
    const auto cat = [](auto& a, const auto& b) { a.insert(a.end(), b.begin(), b.end()); };
    cat(dst.ids, src.ids);
    cat(dst.type_ids, src.type_ids);
    cat(dst.tokens, src.tokens);
    cat(dst.offsets, src.offsets);
    cat(dst.special_tokens_mask, src.special_tokens_mask);
    cat(dst.attention_mask, src.attention_mask);
    cat(dst.sequence_ids, src.sequence_ids);
}

Encoding special_encoding(const std::vector<int32_t>& ids, const std::vector<std::string>& tokens,
                          int32_t type_id) {
    Encoding e;
    e.ids = ids;
    e.tokens = tokens;
    e.type_ids.assign(ids.size(), type_id);
    e.offsets.assign(ids.size(), {0, 0});
    e.special_tokens_mask.assign(ids.size(), 1);
    e.attention_mask.assign(ids.size(), 1);
    e.sequence_ids.assign(ids.size(), -1);
    return e;
}

void set_type_ids(Encoding& e, int32_t type_id) {
    e.type_ids.assign(e.ids.size(), type_id);
}

static Encoding slice(const Encoding& e, size_t start, size_t stop) {
    Encoding out;
    const auto cut = [&](auto& dst, const auto& src) {
        dst.assign(src.begin() + static_cast<std::ptrdiff_t>(start),
                   src.begin() + static_cast<std::ptrdiff_t>(stop));
    };
    cut(out.ids, e.ids);
    cut(out.type_ids, e.type_ids);
    cut(out.tokens, e.tokens);
    cut(out.offsets, e.offsets);
    cut(out.special_tokens_mask, e.special_tokens_mask);
    cut(out.attention_mask, e.attention_mask);
    cut(out.sequence_ids, e.sequence_ids);
    return out;
}

void truncate_encoding(Encoding& e, size_t max_len, size_t stride, Direction direction) {
    const size_t len = e.size();
    if (max_len >= len) return;
    if (max_len == 0) {
        Encoding all = std::move(e);
        e = Encoding{};
        e.overflowing.push_back(std::move(all));
        return;
    }
    if (stride >= max_len) stride = max_len - 1;
    // Windows of max_len tokens stepping by max_len - stride, from the kept end towards the other.
    const size_t step = max_len - stride;
    std::vector<std::pair<size_t, size_t>> parts;
    if (direction == Direction::Right) {
        for (size_t start = 0; start < len; start += step) {
            const size_t stop = std::min(start + max_len, len);
            parts.emplace_back(start, stop);
            if (stop == len) break;
        }
    } else {
        for (size_t stop = len; stop > 0;) {
            const size_t start = stop > max_len ? stop - max_len : 0;
            parts.emplace_back(start, stop);
            if (start == 0 || stop <= step) break;
            stop -= step;
        }
    }
    Encoding main = slice(e, parts[0].first, parts[0].second);
    for (size_t k = 1; k < parts.size(); ++k)
        main.overflowing.push_back(slice(e, parts[k].first, parts[k].second));
    e = std::move(main);
}

void pad_encoding(Encoding& e, size_t target, const PaddingParams& p) {
    for (auto& o : e.overflowing) pad_encoding(o, target, p);
    if (e.size() >= target) return;
    const size_t n = target - e.size();
    const auto pad = [&](auto& v, auto value) {
        if (p.direction == Direction::Right)
            v.insert(v.end(), n, value);
        else
            v.insert(v.begin(), n, value);
    };
    pad(e.ids, p.pad_id);
    pad(e.type_ids, p.pad_type_id);
    pad(e.tokens, p.pad_token);
    pad(e.offsets, std::pair<size_t, size_t>{0, 0});
    pad(e.special_tokens_mask, uint8_t{1});
    pad(e.attention_mask, uint8_t{0});
    pad(e.sequence_ids, int8_t{-1});
}

void trim_byte_level_offsets(Encoding& e, bool add_prefix_space) {
    // U+0120 'Ġ' stands for a space byte in byte-level tokens.
    const auto is_space = [](char32_t c) { return c == 0x120 || is_whitespace(c); };
    for (size_t i = 0; i < e.size(); ++i) {
        const std::u32string chars = to_u32(e.tokens[i]);
        size_t leading = 0, trailing = 0;
        while (leading < chars.size() && is_space(chars[leading])) ++leading;
        while (trailing < chars.size() && is_space(chars[chars.size() - 1 - trailing])) ++trailing;
        auto& [start, end] = e.offsets[i];
        if (leading > 0) {
            const bool first = i == 0 || start == 0;
            if (first && add_prefix_space && leading == 1) leading = 0;  // the space we added ourselves
            start = std::min(start + leading, end);
        }
        if (trailing > 0 && end >= trailing) end = std::max(end - trailing, start);
    }
}

}  // namespace loom::tok
