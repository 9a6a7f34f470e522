// Decoders (token strings -> text) and their factory (make_decoder), keyed on "type".

#include "core/error.h"
#include "tokenizer/components.h"
#include "tokenizer/pattern.h"
#include "tokenizer/pre_tokenizers/byte_level.h"
#include "tokenizer/unicode.h"

namespace loom::tok {
namespace {

// Undoes BERT-style spacing around punctuation and contractions (WordPiece/CTC "cleanup").
std::string cleanup_spaces(std::string s) {
    static const std::pair<const char*, const char*> rules[] = {
        {" .", "."},   {" ?", "?"},           {" !", "!"},   {" ,", ","},     {" ' ", "'"},   {" n't", "n't"},
        {" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"}};
    for (const auto& [from, to] : rules) {
        const std::string_view f(from), t(to);
        std::string out;
        size_t pos = 0;
        for (size_t hit = s.find(f); hit != std::string::npos; hit = s.find(f, pos)) {
            out.append(s, pos, hit - pos);
            out.append(t);
            pos = hit + f.size();
        }
        out.append(s, pos, std::string::npos);
        s = std::move(out);
    }
    return s;
}

std::string replace_all(const std::string& s, std::string_view from, std::string_view to) {
    if (from.empty()) return s;
    std::string out;
    size_t pos = 0;
    for (size_t hit = s.find(from); hit != std::string::npos; hit = s.find(from, pos)) {
        out.append(s, pos, hit - pos);
        out.append(to);
        pos = hit + from.size();
    }
    out.append(s, pos, std::string::npos);
    return out;
}


class ByteLevelDecoder : public Decoder {
  public:
    void decode_chain(std::vector<std::string>& tokens) const override {
        std::string bytes;
        for (const std::string& t : tokens) {
            const size_t before = bytes.size();
            bool all = true;
            for (size_t i = 0; i < t.size() && all;) {
                const int b = char_to_byte(next_code_point(t, i));
                if (b < 0)
                    all = false;
                else
                    bytes.push_back(static_cast<char>(b));
            }
            if (!all) {  // not a byte-level token (e.g. an added token): its text as is
                bytes.resize(before);
                bytes += t;
            }
        }
        tokens.assign(1, lossy_utf8(bytes));
    }
};

class MetaspaceDecoder : public Decoder {
  public:
    explicit MetaspaceDecoder(const json& j) {
        replacement_ = j.value("replacement", std::string("\xE2\x96\x81"));
        std::string scheme = "always";
        if (j.contains("prepend_scheme"))
            scheme = j["prepend_scheme"].get<std::string>();
        else if (j.contains("add_prefix_space") && !j["add_prefix_space"].get<bool>())
            scheme = "never";
        strip_first_ = scheme != "never";
    }
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (size_t i = 0; i < tokens.size(); ++i) {
            std::string s = replace_all(tokens[i], replacement_, " ");
            if (i == 0 && strip_first_ && !s.empty() && s[0] == ' ') s.erase(0, 1);
            tokens[i] = std::move(s);
        }
    }

  private:
    std::string replacement_;
    bool strip_first_;
};

class WordPieceDecoder : public Decoder {
  public:
    explicit WordPieceDecoder(const json& j)
        : prefix_(j.value("prefix", std::string("##"))), cleanup_(j.value("cleanup", true)) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (size_t i = 0; i < tokens.size(); ++i) {
            std::string& t = tokens[i];
            if (i != 0) {
                if (t.compare(0, prefix_.size(), prefix_) == 0)
                    t.erase(0, prefix_.size());
                else
                    t.insert(0, " ");
            }
            if (cleanup_) t = cleanup_spaces(std::move(t));
        }
    }

  private:
    std::string prefix_;
    bool cleanup_;
};

// Runs of <0xXX> tokens become the text of their bytes (U+FFFD per byte when not valid UTF-8).
class ByteFallbackDecoder : public Decoder {
  public:
    void decode_chain(std::vector<std::string>& tokens) const override {
        std::vector<std::string> out;
        std::string bytes;
        const auto flush = [&] {
            if (bytes.empty()) return;
            if (is_valid_utf8(bytes)) {
                out.push_back(bytes);
            } else {
                for (size_t k = 0; k < bytes.size(); ++k) out.push_back("\xEF\xBF\xBD");
            }
            bytes.clear();
        };
        for (std::string& t : tokens) {
            if (const auto byte = byte_fallback_byte(t)) {
                bytes.push_back(static_cast<char>(*byte));
                continue;
            }
            flush();
            out.push_back(std::move(t));
        }
        flush();
        tokens = std::move(out);
    }
};

class FuseDecoder : public Decoder {
  public:
    void decode_chain(std::vector<std::string>& tokens) const override {
        std::string all;
        for (const auto& t : tokens) all += t;
        tokens.assign(1, std::move(all));
    }
};

class StripDecoder : public Decoder {
  public:
    explicit StripDecoder(const json& j)
        : start_(j.value("start", size_t{0})), stop_(j.value("stop", size_t{0})) {
        const std::u32string c = to_u32(require(j, "content", "Strip decoder").get<std::string>());
        if (c.size() != 1) throw Error("tokenizer: Strip decoder content must be one character");
        content_ = c[0];
    }
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (std::string& t : tokens) {
            std::u32string chars = to_u32(t);
            size_t lead = 0, trail = 0;
            while (lead < start_ && lead < chars.size() && chars[lead] == content_) ++lead;
            while (trail < stop_ && trail < chars.size() - lead &&
                   chars[chars.size() - 1 - trail] == content_)
                ++trail;
            std::string s;
            for (size_t k = lead; k + trail < chars.size(); ++k) append_utf8(s, chars[k]);
            t = std::move(s);
        }
    }

  private:
    char32_t content_;
    size_t start_, stop_;
};

class ReplaceDecoder : public Decoder {
  public:
    explicit ReplaceDecoder(const json& j)
        : pattern_(require(j, "pattern", "Replace decoder")),
          content_(require(j, "content", "Replace decoder").get<std::string>()) {
        if (content_.size() > kMaxReplaceContentBytes)
            throw Error("tokenizer: a Replace decoder's content is " + std::to_string(content_.size()) +
                        " bytes, over the limit of " + std::to_string(kMaxReplaceContentBytes) +
                        " (real ones are a few bytes); the file is damaged or hostile");
    }
    void decode_chain(std::vector<std::string>& tokens) const override {
        Ranges matches;
        for (std::string& t : tokens) {
            matches.clear();
            pattern_.find_all(t, matches);
            if (matches.empty()) continue;
            std::string out;
            size_t pos = 0;
            for (const auto& [a, b] : matches) {
                out.append(t, pos, a - pos);
                out += content_;
                pos = b;
            }
            out.append(t, pos, std::string::npos);
            t = std::move(out);
        }
    }

  private:
    Pattern pattern_;
    std::string content_;
};

class CtcDecoder : public Decoder {
  public:
    explicit CtcDecoder(const json& j)
        : pad_(j.value("pad_token", std::string("<pad>"))),
          delimiter_(j.value("word_delimiter_token", std::string("|"))),
          cleanup_(j.value("cleanup", true)) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        std::vector<std::string> out;
        for (size_t i = 0; i < tokens.size(); ++i) {
            if (i > 0 && tokens[i] == tokens[i - 1]) continue;  // CTC repeats collapse
            std::string t = tokens[i] == pad_ ? std::string() : replace_all(tokens[i], delimiter_, " ");
            if (cleanup_) t = cleanup_spaces(std::move(t));
            if (!t.empty()) out.push_back(std::move(t));
        }
        tokens = std::move(out);
    }

  private:
    std::string pad_, delimiter_;
    bool cleanup_;
};

class BpeDecoder : public Decoder {
  public:
    explicit BpeDecoder(const json& j) : suffix_(j.value("suffix", std::string("</w>"))) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (size_t i = 0; i < tokens.size(); ++i)
            tokens[i] = replace_all(tokens[i], suffix_, i + 1 == tokens.size() ? "" : " ");
    }

  private:
    std::string suffix_;
};

class SequenceDecoder : public Decoder {
  public:
    explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> stages) : stages_(std::move(stages)) {}
    void decode_chain(std::vector<std::string>& tokens) const override {
        for (const auto& d : stages_) d->decode_chain(tokens);
    }

  private:
    std::vector<std::unique_ptr<Decoder>> stages_;
};

}  // namespace

std::unique_ptr<Decoder> make_decoder(const json& j) {
    if (j.is_null()) return nullptr;
    const std::string type = type_of(j, "decoder");
    if (type == "ByteLevel") return std::make_unique<ByteLevelDecoder>();
    if (type == "Metaspace") return std::make_unique<MetaspaceDecoder>(j);
    if (type == "WordPiece") return std::make_unique<WordPieceDecoder>(j);
    if (type == "ByteFallback") return std::make_unique<ByteFallbackDecoder>();
    if (type == "Fuse") return std::make_unique<FuseDecoder>();
    if (type == "Strip") return std::make_unique<StripDecoder>(j);
    if (type == "Replace") return std::make_unique<ReplaceDecoder>(j);
    if (type == "CTC") return std::make_unique<CtcDecoder>(j);
    if (type == "BPEDecoder") return std::make_unique<BpeDecoder>(j);
    if (type == "LoomSentencePiece") return make_sentencepiece_decoder(j);
    if (type == "Sequence") {
        std::vector<std::unique_ptr<Decoder>> stages;
        for (const auto& s : require(j, "decoders", "Sequence decoder"))
            if (auto d = make_decoder(s)) stages.push_back(std::move(d));
        return std::make_unique<SequenceDecoder>(std::move(stages));
    }
    throw Error("tokenizer: unknown decoder type \"" + type + "\"");
}

}  // namespace loom::tok
