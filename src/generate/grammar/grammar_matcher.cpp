// GrammarMatcher: expand() turns a stack whose innermost position is a rule reference into one stack per
// alternative (popping finished sequences), until every stack waits on a character set; advance() moves the
// stacks whose set holds the next character. Left recursion is refused at parse time, so expansion ends.
#include "generate/grammar/grammar_matcher.h"

#include <algorithm>

#include "core/error.h"

namespace loom::grammar {

namespace {

// A grammar this ambiguous is refused rather than slowing decode down: a step costs time in proportion to the
// parse positions of all its stacks (a JSON grammar keeps a few dozen stacks of depth <= its nesting; a fuzzed
// one with two adjacent bounded repetitions kept 13,792 stacks, 10 ms a byte).
constexpr size_t kMaxStacks = 20000;
constexpr size_t kMaxParsePositions = 65536;
constexpr int kMaxExpansionDepth = 4096;

uint32_t rule_of(uint64_t p) { return static_cast<uint32_t>(p >> 32); }
uint32_t alt_of(uint64_t p) { return static_cast<uint32_t>((p >> 16) & 0xFFFF); }
uint32_t index_of(uint64_t p) { return static_cast<uint32_t>(p & 0xFFFF); }
uint64_t make_position(uint32_t rule, uint32_t alt, uint32_t index) {
    return (static_cast<uint64_t>(rule) << 32) | (static_cast<uint64_t>(alt) << 16) | index;
}

}  // namespace

int utf8_sequence_length(uint8_t lead) {
    if (lead < 0x80) return 1;
    if ((lead >> 5) == 0x6) return 2;
    if ((lead >> 4) == 0xE) return 3;
    if ((lead >> 3) == 0x1E) return 4;
    return 0;
}

char32_t utf8_min_code_point(int len) { return len == 2 ? 0x80 : len == 3 ? 0x800 : len == 4 ? 0x10000 : 0; }

bool is_valid_code_point(char32_t c, int len) {
    return c >= utf8_min_code_point(len) && c <= 0x10FFFF && (c < 0xD800 || c > 0xDFFF);
}

std::optional<char32_t> utf8_decode_sequence(std::string_view sequence) {
    const auto len = static_cast<int>(sequence.size());
    char32_t c = static_cast<uint8_t>(sequence[0]) & (0x7F >> len);
    for (int i = 1; i < len; ++i) c = (c << 6) | (static_cast<uint8_t>(sequence[i]) & 0x3F);
    if (!is_valid_code_point(c, len)) return std::nullopt;
    return c;
}

GrammarMatcher::GrammarMatcher(const Grammar& grammar) : grammar_(&grammar) {
    size_t positions = 0;
    for (size_t a = 0; a < grammar.rules.at(grammar.root).alternatives.size(); ++a)
        expand({make_position(grammar.root, static_cast<uint32_t>(a), 0)}, stacks_, positions, 0);
    normalize(stacks_);
}

const Element& GrammarMatcher::element_at(Position p) const {
    return grammar_->rules[rule_of(p)].alternatives[alt_of(p)][index_of(p)];
}

void GrammarMatcher::expand(Stack stack, std::vector<Stack>& out, size_t& positions, int depth) const {
    if (depth > kMaxExpansionDepth) throw Error("grammar: nesting too deep while matching (over 4096 rules)");
    while (true) {
        if (stack.empty()) {
            out.push_back(std::move(stack));
            return;
        }
        if (positions + stack.size() > kMaxParsePositions)
            throw Error("grammar: too ambiguous (over " + std::to_string(kMaxParsePositions) +
                        " parse positions at once); simplify the grammar");
        const Position top = stack.back();
        const Sequence& seq = grammar_->rules[rule_of(top)].alternatives[alt_of(top)];
        if (index_of(top) >= seq.size()) {  // this sequence is done: continue with its caller
            stack.pop_back();
            continue;
        }
        const Element& e = seq[index_of(top)];
        if (e.kind == Element::Kind::Chars) {
            positions += stack.size();
            out.push_back(std::move(stack));
            return;
        }
        // A rule reference: the caller resumes after it (dropped when nothing follows, so X* stays flat).
        stack.pop_back();
        if (index_of(top) + 1 < seq.size()) stack.push_back(top + 1);
        const auto& alternatives = grammar_->rules[e.rule].alternatives;
        for (size_t a = 0; a < alternatives.size(); ++a) {
            Stack next = stack;
            next.push_back(make_position(e.rule, static_cast<uint32_t>(a), 0));
            expand(std::move(next), out, positions, depth + 1);
            if (out.size() > kMaxStacks)
                throw Error("grammar: too ambiguous (over " + std::to_string(kMaxStacks) +
                            " parse states at once); simplify the grammar");
        }
        return;
    }
}

void GrammarMatcher::normalize(std::vector<Stack>& stacks) {
    std::sort(stacks.begin(), stacks.end());
    stacks.erase(std::unique(stacks.begin(), stacks.end()), stacks.end());
}

bool GrammarMatcher::advance(char32_t c) {
    std::vector<Stack> next;
    size_t positions = 0;
    for (const Stack& s : stacks_) {
        if (s.empty() || !element_at(s.back()).matches(c)) continue;
        Stack moved = s;
        moved.back() += 1;  // next element of the same sequence
        expand(std::move(moved), next, positions, 0);
    }
    if (next.empty()) return false;
    normalize(next);
    stacks_ = std::move(next);
    return true;
}

bool GrammarMatcher::allows_partial(std::string_view prefix) const {
    // The code points that start with these bytes form one range: fill the missing bits with 0s, then 1s.
    const auto lead = static_cast<uint8_t>(prefix[0]);
    const int len = utf8_sequence_length(lead);
    char32_t lo = lead & (0x7F >> len), hi = lo;
    for (int i = 1; i < len; ++i) {
        const char32_t bits = i < static_cast<int>(prefix.size()) ? (static_cast<uint8_t>(prefix[i]) & 0x3F) : 0;
        lo = (lo << 6) | bits;
        hi = (hi << 6) | (i < static_cast<int>(prefix.size()) ? bits : 0x3F);
    }
    lo = std::max(lo, utf8_min_code_point(len));  // overlong forms and values past U+10FFFF are not UTF-8
    hi = std::min<char32_t>(hi, 0x10FFFF);
    if (lo > hi) return false;
    for (const Stack& s : stacks_)
        if (!s.empty() && element_at(s.back()).matches_any_in(lo, hi)) return true;
    return false;
}

bool GrammarMatcher::accept_byte(uint8_t byte) {
    if (pending_.empty()) {
        const int len = utf8_sequence_length(byte);
        if (len == 0) return false;
        if (len == 1) return advance(byte);
        pending_.push_back(static_cast<char>(byte));
        if (!allows_partial(pending_)) {
            pending_.clear();
            return false;
        }
        return true;
    }
    if ((byte & 0xC0) != 0x80) return false;
    pending_.push_back(static_cast<char>(byte));
    const auto lead = static_cast<uint8_t>(pending_[0]);
    const int len = utf8_sequence_length(lead);
    if (static_cast<int>(pending_.size()) < len) {
        if (allows_partial(pending_)) return true;
        pending_.pop_back();
        return false;
    }
    const std::optional<char32_t> c = utf8_decode_sequence(pending_);
    if (!c || !advance(*c)) {
        pending_.pop_back();
        return false;
    }
    pending_.clear();
    return true;
}

bool GrammarMatcher::accept(std::string_view bytes) {
    const std::vector<Stack> saved_stacks = stacks_;
    const std::string saved_pending = pending_;
    for (char b : bytes) {
        if (!accept_byte(static_cast<uint8_t>(b))) {
            stacks_ = saved_stacks;
            pending_ = saved_pending;
            return false;
        }
    }
    return true;
}

bool GrammarMatcher::accept_code_point(char32_t c) { return pending_.empty() && advance(c); }

GrammarMatcher GrammarMatcher::without_pending() const {
    GrammarMatcher copy = *this;
    copy.pending_.clear();
    return copy;
}

bool GrammarMatcher::can_end() const {
    return pending_.empty() && !stacks_.empty() && stacks_.front().empty();  // sorted: empty first
}

// Bytes that finish one parse: each position on the stack finishes its sequence (the top waits on a character
// set, its own element counted; the others resume after the rule they called).
uint64_t GrammarMatcher::stack_completion_bytes(const Stack& stack, const CompletionLengths& lengths) {
    uint64_t sum = 0;
    for (Position p : stack)
        sum = std::min(sum + lengths.suffix(rule_of(p), alt_of(p), index_of(p)), CompletionLengths::kNever);
    return sum;
}

uint64_t GrammarMatcher::min_completion_bytes(const CompletionLengths& lengths) const {
    uint64_t best = CompletionLengths::kNever;
    for (const Stack& s : stacks_) best = std::min(best, stack_completion_bytes(s, lengths));
    if (!pending_.empty() && best < CompletionLengths::kNever) {
        // plus the rest of the unfinished character (its set's shortest character was counted already, so this
        // over-estimates by a byte or more: on the safe side)
        const int len = utf8_sequence_length(static_cast<uint8_t>(pending_[0]));
        best += static_cast<uint64_t>(std::max(0, len - static_cast<int>(pending_.size())));
    }
    return best;
}

uint64_t GrammarMatcher::max_completion_bytes(const CompletionLengths& lengths) const {
    uint64_t worst = 0;
    for (const Stack& s : stacks_) {
        const uint64_t sum = stack_completion_bytes(s, lengths);
        if (sum < CompletionLengths::kNever) worst = std::max(worst, sum);
    }
    return worst + 4;  // and a pending character's rest
}

bool GrammarMatcher::must_end() const { return can_end() && stacks_.size() == 1; }

std::string GrammarMatcher::state_key() const {
    std::string key = pending_;
    key.push_back('\x01');
    for (const Stack& s : stacks_) {  // each stack as its length, then its positions
        const uint64_t n = s.size();
        key.append(reinterpret_cast<const char*>(&n), sizeof n);
        key.append(reinterpret_cast<const char*>(s.data()), s.size() * sizeof(Position));
    }
    return key;
}

}  // namespace loom::grammar
