#include "tokenizer/models/bpe.h"

#include <algorithm>
#include <cstdio>

#include "core/bounded_scratch.h"
#include "core/error.h"
#include "tokenizer/unicode.h"

namespace loom::tok {

namespace {
constexpr size_t kCacheCapacity = 1 << 16;
constexpr size_t kMaxCachedWordBytes = 256;

std::string optional_string(const json& j, const char* key) {
    const auto it = j.find(key);
    return it == j.end() || it->is_null() ? std::string() : it->get<std::string>();
}
}  // namespace

BpeModel::BpeModel(const json& j) {
    vocab_.load_dict(require(j, "vocab", "BPE model"), "BPE model");
    prefix_ = optional_string(j, "continuing_subword_prefix");
    suffix_ = optional_string(j, "end_of_word_suffix");
    fuse_unk_ = j.value("fuse_unk", false);
    byte_fallback_ = j.value("byte_fallback", false);
    ignore_merges_ = j.value("ignore_merges", false);
    if (const std::string unk = optional_string(j, "unk_token"); !unk.empty()) {
        unk_id_ = vocab_.find(unk);
        if (!unk_id_) throw Error("tokenizer: BPE unk_token \"" + unk + "\" is not in the vocab");
    }
    for (int b = 0; b < 256; ++b) {
        char name[8];
        std::snprintf(name, sizeof(name), "<0x%02X>", b);
        byte_ids_[b] = vocab_.find(name).value_or(-1);
    }

    // Merges are "a b" strings (older files) or ["a", "b"] pairs; the rank is the position in the list.
    const json& merges = require(j, "merges", "BPE model");
    merges_.reserve(merges.size());
    uint32_t rank = 0;
    for (const auto& m : merges) {
        std::string a, b;
        if (m.is_string()) {
            const std::string& s = m.get_ref<const std::string&>();
            const size_t space = s.find(' ');
            if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
                throw Error("tokenizer: BPE merge \"" + s + "\" is not two tokens").offset(rank);
            a = s.substr(0, space);
            b = s.substr(space + 1);
        } else if (m.is_array() && m.size() == 2) {
            a = m[0].get<std::string>();
            b = m[1].get<std::string>();
        } else {
            throw Error("tokenizer: BPE merge must be \"a b\" or [a, b], got " + m.dump()).offset(rank);
        }
        const auto a_id = vocab_.find(a), b_id = vocab_.find(b);
        if (!a_id || !b_id) throw Error("tokenizer: BPE merge token \"" + (a_id ? b : a) + "\" not in vocab");
        const std::string merged =
            a +
            (prefix_.empty() || b.compare(0, prefix_.size(), prefix_) != 0 ? b : b.substr(prefix_.size()));
        const auto new_id = vocab_.find(merged);
        if (!new_id) throw Error("tokenizer: BPE merge result \"" + merged + "\" not in vocab");
        merges_[pair_key(*a_id, *b_id)] = Merge{rank, *new_id};
        ++rank;
    }
}

void BpeModel::initial_symbols(std::string_view word, std::vector<Symbol>& symbols) const {
    std::string piece;
    uint32_t pending_unk = 0;  // bytes covered by an unk symbol not pushed yet (0: none)
    const auto push = [&](int32_t id, uint32_t len) {
        symbols.push_back({id, len, static_cast<int32_t>(symbols.size()) - 1, -1});
    };
    for (size_t i = 0; i < word.size();) {
        const size_t start = i;
        i += utf8_length(static_cast<uint8_t>(word[i]));
        const auto len = static_cast<uint32_t>(i - start);
        piece.clear();
        if (start > 0) piece += prefix_;
        piece.append(word.substr(start, len));
        if (i == word.size()) piece += suffix_;

        if (const auto id = vocab_.find(piece)) {
            if (pending_unk) push(*unk_id_, pending_unk), pending_unk = 0;
            push(*id, len);
            continue;
        }
        if (byte_fallback_) {
            bool all = true;
            for (size_t k = start; k < i; ++k) all &= byte_ids_[static_cast<uint8_t>(word[k])] >= 0;
            if (all) {
                if (pending_unk) push(*unk_id_, pending_unk), pending_unk = 0;
                for (size_t k = start; k < i; ++k) push(byte_ids_[static_cast<uint8_t>(word[k])], 1);
                continue;
            }
        }
        if (!unk_id_) continue;  // no unk token: the character is dropped (as HF does)
        if (pending_unk && fuse_unk_) {
            pending_unk += len;
        } else {
            if (pending_unk) push(*unk_id_, pending_unk);
            pending_unk = len;
        }
    }
    if (pending_unk) push(*unk_id_, pending_unk);
    for (size_t k = 0; k + 1 < symbols.size(); ++k) symbols[k].next = static_cast<int32_t>(k + 1);
}

void BpeModel::merge_all(std::vector<Symbol>& symbols) const {
    struct Candidate {
        uint32_t rank;
        int32_t pos, new_id;
        // std heap is a max-heap: "less" means lower priority (higher rank, then further right).
        bool operator<(const Candidate& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    thread_local std::vector<Candidate> heap_storage;
    const ScratchLease lease(heap_storage);
    std::vector<Candidate>& heap = *lease;
    const auto consider = [&](int32_t left) {
        const int32_t right = symbols[static_cast<size_t>(left)].next;
        if (right < 0) return;
        const auto it = merges_.find(
            pair_key(symbols[static_cast<size_t>(left)].id, symbols[static_cast<size_t>(right)].id));
        if (it == merges_.end()) return;
        heap.push_back({it->second.rank, left, it->second.new_id});
        std::push_heap(heap.begin(), heap.end());
    };
    for (size_t k = 0; k + 1 < symbols.size(); ++k) consider(static_cast<int32_t>(k));
    while (!heap.empty()) {
        std::pop_heap(heap.begin(), heap.end());
        const Candidate top = heap.back();
        heap.pop_back();
        Symbol& left = symbols[static_cast<size_t>(top.pos)];
        if (left.len == 0 || left.next < 0) continue;
        Symbol& right = symbols[static_cast<size_t>(left.next)];
        // Stale entry: one side was merged into something else since it was queued.
        const auto it = merges_.find(pair_key(left.id, right.id));
        if (it == merges_.end() || it->second.new_id != top.new_id) continue;
        left.id = top.new_id;
        left.len += right.len;
        right.len = 0;
        left.next = right.next;
        if (left.next >= 0) symbols[static_cast<size_t>(left.next)].prev = top.pos;
        if (left.prev >= 0) consider(left.prev);
        consider(top.pos);
    }
}

void BpeModel::tokenize_uncached(std::string_view word, std::vector<Token>& out) const {
    if (ignore_merges_) {
        if (const auto id = vocab_.find(word)) {
            out.push_back({*id, 0, static_cast<uint32_t>(word.size())});
            return;
        }
    }
    thread_local std::vector<Symbol> symbol_storage;
    const ScratchLease lease(symbol_storage);
    std::vector<Symbol>& symbols = *lease;
    initial_symbols(word, symbols);
    if (symbols.empty()) return;
    merge_all(symbols);
    uint32_t pos = 0;
    for (int32_t k = 0; k >= 0; k = symbols[static_cast<size_t>(k)].next) {
        const Symbol& s = symbols[static_cast<size_t>(k)];
        out.push_back({s.id, pos, pos + s.len});
        pos += s.len;
    }
}

void BpeModel::tokenize(std::string_view word, std::vector<Token>& out) const {
    if (word.empty()) return;
    const bool cacheable = word.size() <= kMaxCachedWordBytes;
    if (cacheable) {
        std::lock_guard lock(cache_mutex_);
        if (const auto it = cache_.find(word); it != cache_.end()) {
            out.insert(out.end(), it->second.begin(), it->second.end());
            return;
        }
    }
    const size_t first = out.size();
    tokenize_uncached(word, out);
    if (cacheable) {
        std::lock_guard lock(cache_mutex_);
        if (cache_.size() < kCacheCapacity)
            cache_.emplace(std::string(word),
                           std::vector<Token>(out.begin() + static_cast<std::ptrdiff_t>(first), out.end()));
    }
}

}  // namespace loom::tok
