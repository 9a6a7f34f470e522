// The pre-tokenizers of tokenizer.json and their factory (make_pre_tokenizer), keyed on "type".
#include <cstring>

#include "core/error.h"
#include "tokenizer/components.h"
#include "tokenizer/pattern.h"
#include "tokenizer/pre_tokenizers/byte_level.h"
#include "tokenizer/unicode.h"

namespace loom::tok {
namespace {

// Applies one split rule to every untokenized piece.
template <typename FindMatches>
void split_each(PreTokenizedString& pts, bool invert, SplitBehavior behavior, FindMatches&& find) {
    Ranges matches;
    pts.split([&](size_t, NormalizedString&& s, std::vector<NormalizedString>& out) {
        matches.clear();
        find(s.get(), matches);
        split_by_matches(std::move(s), matches, invert, behavior, out);
    });
}

class SplitPreTokenizer : public PreTokenizer {
  public:
    explicit SplitPreTokenizer(const json& j)
        : pattern_(require(j, "pattern", "Split pre-tokenizer")),
          behavior_(parse_split_behavior(require(j, "behavior", "Split pre-tokenizer"))),
          invert_(j.value("invert", false)) {}
    void pre_tokenize(PreTokenizedString& pts) const override {
        split_each(pts, invert_, behavior_, [&](std::string_view t, Ranges& m) { pattern_.find_all(t, m); });
    }

  private:
    Pattern pattern_;
    SplitBehavior behavior_;
    bool invert_;
};

class ByteLevel : public PreTokenizer {
  public:
    explicit ByteLevel(const json& j)
        : add_prefix_space_(j.value("add_prefix_space", true)), use_regex_(j.value("use_regex", true)) {
        if (use_regex_) regex_ = std::make_unique<Regex>(kGpt2Pattern);
    }
    void pre_tokenize(PreTokenizedString& pts) const override {
        if (add_prefix_space_ || use_regex_) {
            Ranges matches;
            pts.split([&](size_t, NormalizedString&& s, std::vector<NormalizedString>& out) {
                if (add_prefix_space_ && s.get()[0] != ' ') s.prepend(" ");
                if (!use_regex_) {
                    out.push_back(std::move(s));
                    return;
                }
                matches.clear();
                regex_->find_all(s.get(), matches);
                split_by_matches(std::move(s), matches, false, SplitBehavior::Isolated, out);
            });
        }
        // Every byte becomes its printable stand-in; the bytes of one character share its alignment.
        const auto& table = byte_to_char();
        std::vector<CharChange> dest;
        for (Split& split : pts.splits) {
            if (split.tokenized) continue;
            const std::string& t = split.text.get();
            dest.clear();
            for (size_t i = 0; i < t.size();) {
                const size_t n = utf8_length(static_cast<uint8_t>(t[i]));
                for (size_t k = 0; k < n; ++k)
                    dest.push_back({table[static_cast<uint8_t>(t[i + k])], k ? 1 : 0});
                i += n;
            }
            split.text.transform(dest, 0);
        }
    }

  private:
    bool add_prefix_space_, use_regex_;
    std::unique_ptr<Regex> regex_;
};

class Metaspace : public PreTokenizer {
  public:
    explicit Metaspace(const json& j) : split_(j.value("split", true)) {
        replacement_ = j.value("replacement", std::string("\xE2\x96\x81"));
        std::string scheme = "always";
        if (j.contains("prepend_scheme"))
            scheme = j["prepend_scheme"].get<std::string>();
        else if (j.contains("add_prefix_space") && !j["add_prefix_space"].get<bool>())
            scheme = "never";
        if (scheme == "always")
            prepend_ = Prepend::Always;
        else if (scheme == "first")
            prepend_ = Prepend::First;
        else if (scheme == "never")
            prepend_ = Prepend::Never;
        else
            throw Error("tokenizer: Metaspace prepend_scheme must be always/first/never, got " + scheme);
    }
    void pre_tokenize(PreTokenizedString& pts) const override {
        Ranges matches;
        pts.split([&](size_t, NormalizedString&& s, std::vector<NormalizedString>& out) {
            matches.clear();
            find_char_matches(
                s.get(), [](char32_t c) { return c == U' '; }, matches);
            s.replace_ranges(matches, replacement_);
            const bool starts = s.get().compare(0, replacement_.size(), replacement_) == 0;
            if (!starts &&
                (prepend_ == Prepend::Always || (prepend_ == Prepend::First && s.original_span().start == 0)))
                s.prepend(replacement_);
            if (!split_) {
                out.push_back(std::move(s));
                return;
            }
            matches.clear();
            for (size_t p = s.get().find(replacement_); p != std::string::npos;
                 p = s.get().find(replacement_, p + replacement_.size()))
                matches.emplace_back(p, p + replacement_.size());
            split_by_matches(std::move(s), matches, false, SplitBehavior::MergedWithNext, out);
        });
    }

  private:
    enum class Prepend { Always, First, Never };
    std::string replacement_;
    Prepend prepend_ = Prepend::Always;
    bool split_;
};

// Splits on characters of one class (whitespace, punctuation, digits, a delimiter).
template <typename Pred>
class CharSplit : public PreTokenizer {
  public:
    CharSplit(Pred pred, SplitBehavior behavior) : pred_(pred), behavior_(behavior) {}
    void pre_tokenize(PreTokenizedString& pts) const override {
        split_each(pts, false, behavior_,
                   [&](std::string_view t, Ranges& m) { find_char_matches(t, pred_, m); });
    }

  private:
    Pred pred_;
    SplitBehavior behavior_;
};
template <typename Pred>
std::unique_ptr<PreTokenizer> char_split(Pred pred, SplitBehavior behavior) {
    return std::make_unique<CharSplit<Pred>>(pred, behavior);
}

class SequencePreTokenizer : public PreTokenizer {
  public:
    explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> stages)
        : stages_(std::move(stages)) {}
    void pre_tokenize(PreTokenizedString& pts) const override {
        for (const auto& p : stages_) p->pre_tokenize(pts);
    }

  private:
    std::vector<std::unique_ptr<PreTokenizer>> stages_;
};

// HF's Whitespace pre-tokenizer: keeps runs of word characters and runs of other non-space characters.
// Oniguruma's Unicode \w (what HF runs) also covers marks and the joiners U+200C/U+200D, so spell it out.
std::unique_ptr<PreTokenizer> whitespace_pre_tokenizer() {
    const char* word = R"([\p{Alphabetic}\p{M}\p{Nd}\p{Pc}\x{200C}\x{200D}])";
    const std::string pattern =
        std::string(word) + "+|[^\\s" + std::string(word + 1, std::strlen(word) - 2) + "]+";
    const json j = {{"pattern", {{"Regex", pattern}}}, {"behavior", "Removed"}, {"invert", true}};
    return std::make_unique<SplitPreTokenizer>(j);
}

}  // namespace

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const json& j) {
    if (j.is_null()) return nullptr;
    const std::string type = type_of(j, "pre_tokenizer");
    if (type == "Split") return std::make_unique<SplitPreTokenizer>(j);
    if (type == "ByteLevel") return std::make_unique<ByteLevel>(j);
    if (type == "Metaspace") return std::make_unique<Metaspace>(j);
    if (type == "Whitespace") return whitespace_pre_tokenizer();
    if (type == "WhitespaceSplit") return char_split(is_whitespace, SplitBehavior::Removed);
    if (type == "BertPreTokenizer") {
        std::vector<std::unique_ptr<PreTokenizer>> stages;
        stages.push_back(char_split(is_whitespace, SplitBehavior::Removed));
        stages.push_back(char_split(is_bert_punctuation, SplitBehavior::Isolated));
        return std::make_unique<SequencePreTokenizer>(std::move(stages));
    }
    if (type == "Punctuation")
        return char_split(is_bert_punctuation, parse_split_behavior(j.value("behavior", json("Isolated"))));
    if (type == "Digits")
        return char_split(is_numeric, j.value("individual_digits", false) ? SplitBehavior::Isolated
                                                                          : SplitBehavior::Contiguous);
    if (type == "CharDelimiterSplit") {
        const std::u32string d = to_u32(require(j, "delimiter", "CharDelimiterSplit").get<std::string>());
        if (d.size() != 1) throw Error("tokenizer: CharDelimiterSplit delimiter must be one character");
        const char32_t delim = d[0];
        return char_split([delim](char32_t c) { return c == delim; }, SplitBehavior::Removed);
    }
    if (type == "Sequence") {
        std::vector<std::unique_ptr<PreTokenizer>> stages;
        for (const auto& s : require(j, "pretokenizers", "Sequence pre-tokenizer"))
            if (auto p = make_pre_tokenizer(s)) stages.push_back(std::move(p));
        return std::make_unique<SequencePreTokenizer>(std::move(stages));
    }
    throw Error("tokenizer: unknown pre_tokenizer type \"" + type + "\"");
}

}  // namespace loom::tok
