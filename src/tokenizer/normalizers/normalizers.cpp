// The normalizers of tokenizer.json and their factory (make_normalizer), keyed on "type".
#include <utf8proc.h>

#include "core/error.h"
#include "tokenizer/components.h"
#include "tokenizer/normalizers/precompiled.h"
#include "tokenizer/normalizers/unicode_forms.h"
#include "tokenizer/pattern.h"
#include "tokenizer/unicode.h"

namespace loom::tok {
namespace {

class UnicodeNormalizer : public Normalizer {
  public:
    explicit UnicodeNormalizer(UnicodeForm form) : form_(form) {}
    void normalize(NormalizedString& s) const override { normalize_unicode(s, form_); }

  private:
    UnicodeForm form_;
};

// Full lowercase mapping per character (Rust char::to_lowercase): only U+0130 maps to two characters.
void lowercase(NormalizedString& s) {
    const std::string& t = s.get();
    std::vector<CharChange> dest;
    dest.reserve(t.size());
    bool changed = false;
    for (size_t i = 0; i < t.size();) {
        const char32_t c = next_code_point(t, i);
        if (c < 0x80) {
            const char32_t l = (c >= 'A' && c <= 'Z') ? c + 32 : c;
            changed |= l != c;
            dest.push_back({l, 0});
        } else if (c == 0x130) {
            dest.push_back({U'i', 0});
            dest.push_back({0x307, 1});
            changed = true;
        } else {
            const auto l = static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c)));
            changed |= l != c;
            dest.push_back({l, 0});
        }
    }
    if (changed) s.transform(dest, 0);
}

void strip_accents(NormalizedString& s) {
    s.filter([](char32_t c) { return !is_combining_mark(c); });
}

class Lowercase : public Normalizer {
  public:
    void normalize(NormalizedString& s) const override { lowercase(s); }
};

class StripAccents : public Normalizer {
  public:
    void normalize(NormalizedString& s) const override { strip_accents(s); }
};

class Strip : public Normalizer {
  public:
    Strip(bool left, bool right) : left_(left), right_(right) {}
    void normalize(NormalizedString& s) const override { s.lstrip_rstrip(left_, right_); }

  private:
    bool left_, right_;
};

class Replace : public Normalizer {
  public:
    Replace(const json& pattern, std::string content) : pattern_(pattern), content_(std::move(content)) {}
    void normalize(NormalizedString& s) const override {
        Ranges matches;
        pattern_.find_all(s.get(), matches);
        s.replace_ranges(matches, content_);
    }

  private:
    Pattern pattern_;
    std::string content_;
};

class Prepend : public Normalizer {
  public:
    explicit Prepend(std::string prefix) : prefix_(std::move(prefix)) {}
    void normalize(NormalizedString& s) const override { s.prepend(prefix_); }

  private:
    std::string prefix_;
};

class BertNormalizer : public Normalizer {
  public:
    explicit BertNormalizer(const json& j)
        : clean_text_(j.value("clean_text", true)),
          chinese_chars_(j.value("handle_chinese_chars", true)),
          lowercase_(j.value("lowercase", true)) {
        const auto it = j.find("strip_accents");
        strip_accents_ = (it == j.end() || it->is_null()) ? lowercase_ : it->get<bool>();
    }
    void normalize(NormalizedString& s) const override {
        if (clean_text_) {
            s.filter([](char32_t c) { return !(c == 0 || c == 0xFFFD || is_control(c)); });
            s.map_chars([](char32_t c) { return is_whitespace(c) ? U' ' : c; });
        }
        if (chinese_chars_) pad_chinese_chars(s);
        if (strip_accents_) {
            normalize_unicode(s, UnicodeForm::NFD);
            s.filter([](char32_t c) { return !is_nonspacing_mark(c); });
        }
        if (lowercase_) lowercase(s);
    }

  private:
    static void pad_chinese_chars(NormalizedString& s) {
        const std::string& t = s.get();
        std::vector<CharChange> dest;
        bool any = false;
        for (size_t i = 0; i < t.size();) {
            const char32_t c = next_code_point(t, i);
            if (is_chinese_char(c)) {
                dest.push_back({U' ', 0});
                dest.push_back({c, 1});
                dest.push_back({U' ', 1});
                any = true;
            } else {
                dest.push_back({c, 0});
            }
        }
        if (any) s.transform(dest, 0);
    }

    bool clean_text_, chinese_chars_, lowercase_, strip_accents_;
};

class SequenceNormalizer : public Normalizer {
  public:
    explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> stages)
        : stages_(std::move(stages)) {}
    void normalize(NormalizedString& s) const override {
        for (const auto& n : stages_) n->normalize(s);
    }

  private:
    std::vector<std::unique_ptr<Normalizer>> stages_;
};

}  // namespace

std::unique_ptr<Normalizer> make_normalizer(const json& j) {
    if (j.is_null()) return nullptr;
    const std::string type = type_of(j, "normalizer");
    if (type == "NFC") return std::make_unique<UnicodeNormalizer>(UnicodeForm::NFC);
    if (type == "NFD") return std::make_unique<UnicodeNormalizer>(UnicodeForm::NFD);
    if (type == "NFKC") return std::make_unique<UnicodeNormalizer>(UnicodeForm::NFKC);
    if (type == "NFKD") return std::make_unique<UnicodeNormalizer>(UnicodeForm::NFKD);
    if (type == "Lowercase") return std::make_unique<Lowercase>();
    if (type == "StripAccents") return std::make_unique<StripAccents>();
    if (type == "Strip")
        return std::make_unique<Strip>(j.value("strip_left", true), j.value("strip_right", true));
    if (type == "Replace") {
        std::string content = require(j, "content", "Replace normalizer").get<std::string>();
        if (content.size() > kMaxReplaceContentBytes)
            throw Error("tokenizer: a Replace normalizer's content is " + std::to_string(content.size()) +
                        " bytes, over the limit of " + std::to_string(kMaxReplaceContentBytes) +
                        " (real ones are a few bytes); the file is damaged or hostile");
        return std::make_unique<Replace>(require(j, "pattern", "Replace normalizer"), std::move(content));
    }
    if (type == "Prepend")
        return std::make_unique<Prepend>(require(j, "prepend", "Prepend normalizer").get<std::string>());
    if (type == "BertNormalizer") return std::make_unique<BertNormalizer>(j);
    if (type == "Precompiled") return make_precompiled_normalizer(j);
    if (type == "Sequence") {
        std::vector<std::unique_ptr<Normalizer>> stages;
        for (const auto& s : require(j, "normalizers", "Sequence normalizer"))
            if (auto n = make_normalizer(s)) stages.push_back(std::move(n));
        return std::make_unique<SequenceNormalizer>(std::move(stages));
    }
    throw Error("tokenizer: unknown normalizer type \"" + type + "\"");
}

}  // namespace loom::tok
