// Token bytes from a tokenizer, the vocabulary trie and the per-state mask walk.
#include "generate/grammar/token_mask.h"

#include <algorithm>

#include "tokenizer/pre_tokenizers/byte_level.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/unicode.h"

namespace loom::grammar {

namespace {

constexpr const char* kMetaspace = "\xE2\x96\x81";  // U+2581, SentencePiece's word-boundary mark
constexpr size_t kMaskCacheEntries = 512;
constexpr size_t kMaxInternedStates = 100000;

// GPT-2 byte-level pieces map each character back to one byte; nullopt when one is not a byte character.
std::optional<std::string> byte_level_bytes(const std::string& piece) {
    std::string out;
    for (size_t i = 0; i < piece.size();) {
        const int b = tok::char_to_byte(tok::next_code_point(piece, i));
        if (b < 0) return std::nullopt;
        out.push_back(static_cast<char>(b));
    }
    return out;
}

std::string replace_metaspace(const std::string& piece) {
    std::string out;
    for (size_t i = 0; i < piece.size();) {
        if (piece.compare(i, 3, kMetaspace) == 0) {
            out.push_back(' ');
            i += 3;
        } else {
            out.push_back(piece[i++]);
        }
    }
    return out;
}

}  // namespace

TokenBytes TokenBytes::from_tokenizer(const Tokenizer& tokenizer) {
    const size_t n = tokenizer.vocab_size();
    // SentencePiece-style vocabularies mark word starts with U+2581; byte-level ones with U+0120 (space's
    // stand-in). Count which mark the vocabulary uses.
    size_t metaspace = 0, byte_level = 0;
    for (size_t id = 0; id < n; ++id) {
        const std::string piece = tokenizer.id_to_token(static_cast<int32_t>(id));
        if (piece.find(kMetaspace) != std::string::npos) ++metaspace;
        if (piece.find("\xC4\xA0") != std::string::npos) ++byte_level;
    }
    const bool sentencepiece = metaspace > byte_level;
    TokenBytes out;
    out.bytes.resize(n);
    for (size_t id = 0; id < n; ++id) {
        const auto tid = static_cast<int32_t>(id);
        if (tokenizer.is_special(tid)) continue;
        const std::string piece = tokenizer.id_to_token(tid);
        if (piece.empty()) continue;
        if (sentencepiece) {
            if (const auto byte = tok::byte_fallback_byte(piece))
                out.bytes[id] = std::string(1, static_cast<char>(*byte));
            else
                out.bytes[id] = replace_metaspace(piece);
        } else {
            auto bytes = byte_level_bytes(piece);
            out.bytes[id] = bytes ? *bytes : piece;  // an added token's text is as written
        }
    }
    return out;
}

TokenTrie::TokenTrie(const TokenBytes& vocabulary) : vocab_size_(vocabulary.bytes.size()), bytes_(vocabulary.bytes) {
    // Build with per-node child lists, then lay the nodes out flat in depth-first order.
    struct BuildNode {
        std::vector<std::pair<uint8_t, uint32_t>> children;  // sorted by byte
        std::vector<int32_t> tokens;
    };
    std::vector<BuildNode> nodes(1);
    for (size_t id = 0; id < bytes_.size(); ++id) {
        if (!bytes_[id] || bytes_[id]->empty()) continue;
        uint32_t node = 0;
        for (char ch : *bytes_[id]) {
            const auto b = static_cast<uint8_t>(ch);
            auto& children = nodes[node].children;
            auto it = std::lower_bound(children.begin(), children.end(), b,
                                       [](const std::pair<uint8_t, uint32_t>& c, uint8_t v) { return c.first < v; });
            if (it != children.end() && it->first == b) {
                node = it->second;
            } else {
                const auto child = static_cast<uint32_t>(nodes.size());
                children.insert(it, {b, child});
                nodes.emplace_back();
                node = child;
            }
        }
        nodes[node].tokens.push_back(static_cast<int32_t>(id));
    }
    std::vector<uint32_t> order;  // depth-first preorder of build indices
    order.reserve(nodes.size());
    std::vector<uint32_t> stack = {0};
    while (!stack.empty()) {
        const uint32_t n = stack.back();
        stack.pop_back();
        order.push_back(n);
        for (auto it = nodes[n].children.rbegin(); it != nodes[n].children.rend(); ++it) stack.push_back(it->second);
    }
    std::vector<uint32_t> renumbered(nodes.size());
    for (uint32_t i = 0; i < order.size(); ++i) renumbered[order[i]] = i;
    edge_begin_.assign(1, 0);
    token_begin_.assign(1, 0);
    for (uint32_t n : order) {
        for (const auto& [byte, child] : nodes[n].children) {
            edge_byte_.push_back(byte);
            edge_child_.push_back(renumbered[child]);
        }
        edge_begin_.push_back(static_cast<uint32_t>(edge_byte_.size()));
        token_ids_.insert(token_ids_.end(), nodes[n].tokens.begin(), nodes[n].tokens.end());
        token_begin_.push_back(static_cast<uint32_t>(token_ids_.size()));
    }
}

int32_t TokenMasker::intern(const GrammarMatcher& m) {
    std::string key = m.state_key();
    auto it = state_ids_.find(key);
    if (it != state_ids_.end()) return it->second;
    const auto id = static_cast<int32_t>(states_.size());
    states_.push_back(m);
    ascii_transitions_.emplace_back();
    ascii_transitions_.back().fill(-2);
    state_ids_.emplace(std::move(key), id);
    return id;
}

int32_t TokenMasker::next_state(int32_t state, char32_t c) {
    if (c < 128) {
        int32_t& known = ascii_transitions_[static_cast<size_t>(state)][c];
        if (known == -2) {
            GrammarMatcher m = states_[static_cast<size_t>(state)];
            const int32_t next = m.accept_code_point(c) ? intern(m) : -1;
            ascii_transitions_[static_cast<size_t>(state)][c] = next;  // intern() may have grown the vector
            return next;
        }
        return known;
    }
    const uint64_t key = (static_cast<uint64_t>(state) << 21) | c;
    auto it = transitions_.find(key);
    if (it != transitions_.end()) return it->second;
    GrammarMatcher m = states_[static_cast<size_t>(state)];
    const int32_t next = m.accept_code_point(c) ? intern(m) : -1;
    transitions_.emplace(key, next);
    return next;
}

int32_t TokenMasker::follow_byte(int32_t state, PartialChar& partial, uint8_t byte) {
    if (partial.size == 0) {
        const int len = utf8_sequence_length(byte);
        if (len == 0) return -1;
        if (len == 1) return next_state(state, byte);
    } else if ((byte & 0xC0) != 0x80) {
        return -1;
    }
    partial.bytes[partial.size++] = static_cast<char>(byte);
    const auto len = static_cast<size_t>(utf8_sequence_length(static_cast<uint8_t>(partial.bytes[0])));
    if (partial.size < len) return states_[static_cast<size_t>(state)].allows_partial(partial.view()) ? state : -1;
    const std::optional<char32_t> c = utf8_decode_sequence(partial.view());
    partial.size = 0;
    return c ? next_state(state, *c) : -1;
}

void TokenMasker::walk(uint32_t node, int32_t state, PartialChar partial, std::vector<uint8_t>& allowed) {
    const TokenTrie& trie = *trie_;
    for (uint32_t edge = trie.edge_begin(node); edge < trie.edge_begin(node + 1); ++edge) {
        PartialChar after = partial;
        const int32_t next = follow_byte(state, after, trie.edge_byte(edge));
        if (next < 0) continue;  // no token below this prefix can be allowed
        const uint32_t child = trie.edge_child(edge);
        for (int32_t id : trie.tokens_at(child)) allowed[static_cast<size_t>(id)] = 1;
        walk(child, next, after, allowed);
    }
}

const std::vector<bool>& TokenMasker::allowed(const GrammarMatcher& matcher) {
    std::string key = matcher.state_key();
    auto it = mask_cache_.find(key);
    if (it != mask_cache_.end()) return it->second;
    if (mask_cache_.size() >= kMaskCacheEntries) mask_cache_.clear();
    if (states_.size() > kMaxInternedStates) {  // a long generation through many distinct states: start over
        states_.clear();
        state_ids_.clear();
        transitions_.clear();
        ascii_transitions_.clear();
    }
    std::vector<uint8_t> marks(trie_->vocab_size(), 0);
    PartialChar partial;
    for (char b : matcher.pending()) partial.bytes[partial.size++] = b;  // at most 3 bytes
    walk(0, intern(matcher.without_pending()), partial, marks);
    std::vector<bool> mask(marks.begin(), marks.end());
    return mask_cache_.emplace(std::move(key), std::move(mask)).first->second;
}

}  // namespace loom::grammar
