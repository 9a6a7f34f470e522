// Post-processors (special tokens around the sequences, type ids) and their factory, keyed on "type".
#include <map>

#include "core/error.h"
#include "tokenizer/components.h"
#include "tokenizer/encoding_ops.h"

namespace loom::tok {
namespace {

class TemplateProcessing : public PostProcessor {
  public:
    explicit TemplateProcessing(const json& j) {
        for (const auto& [name, spec] : require(j, "special_tokens", "TemplateProcessing").items()) {
            Special s;
            s.ids = require(spec, "ids", "TemplateProcessing special token").get<std::vector<int32_t>>();
            s.tokens =
                require(spec, "tokens", "TemplateProcessing special token").get<std::vector<std::string>>();
            if (s.ids.size() != s.tokens.size())
                throw Error("tokenizer: TemplateProcessing special token \"" + name +
                            "\" has ids/tokens of different lengths");
            specials_[name] = std::move(s);
        }
        single_ = parse(require(j, "single", "TemplateProcessing"));
        pair_ = parse(require(j, "pair", "TemplateProcessing"));
    }
    size_t added_tokens(bool is_pair) const override {
        size_t n = 0;
        for (const Piece& p : is_pair ? pair_ : single_)
            if (!p.is_sequence) n += specials_.at(p.name).ids.size();
        return n;
    }
    void process(std::vector<Encoding>& encodings, bool add_special_tokens) const override {
        Encoding out;
        const bool is_pair = encodings.size() > 1;
        for (const Piece& p : is_pair ? pair_ : single_) {
            if (p.is_sequence) {
                if (p.name != "A" && !is_pair) continue;
                Encoding& seq = encodings[p.name == "A" ? 0 : 1];
                set_type_ids(seq, p.type_id);
                append_encoding(out, seq);
            } else if (add_special_tokens) {
                const Special& s = specials_.at(p.name);
                append_encoding(out, special_encoding(s.ids, s.tokens, p.type_id));
            }
        }
        encodings.assign(1, std::move(out));
    }

  private:
    struct Piece {
        bool is_sequence;
        std::string name;  // "A"/"B" for sequences, the special token's key otherwise
        int32_t type_id;
    };
    struct Special {
        std::vector<int32_t> ids;
        std::vector<std::string> tokens;
    };
    std::vector<Piece> parse(const json& pieces) const {
        std::vector<Piece> out;
        for (const auto& p : pieces) {
            if (p.contains("Sequence")) {
                const auto& s = p["Sequence"];
                out.push_back({true, s.value("id", std::string("A")), s.value("type_id", 0)});
            } else if (p.contains("SpecialToken")) {
                const auto& s = p["SpecialToken"];
                Piece piece{false, require(s, "id", "TemplateProcessing piece").get<std::string>(),
                            s.value("type_id", 0)};
                if (!specials_.count(piece.name))
                    throw Error("tokenizer: TemplateProcessing uses undefined special token \"" + piece.name +
                                "\"");
                out.push_back(std::move(piece));
            } else {
                throw Error("tokenizer: TemplateProcessing piece must be Sequence or SpecialToken: " +
                            p.dump());
            }
        }
        return out;
    }
    std::map<std::string, Special> specials_;
    std::vector<Piece> single_, pair_;
};

// BERT ([CLS] A [SEP] B [SEP]) and RoBERTa (<s> A </s></s> B </s>).
class ClsSepProcessing : public PostProcessor {
  public:
    ClsSepProcessing(const json& j, bool roberta) : roberta_(roberta) {
        const char* what = roberta ? "RobertaProcessing" : "BertProcessing";
        const auto& sep = require(j, "sep", what);
        const auto& cls = require(j, "cls", what);
        sep_token_ = sep.at(0).get<std::string>();
        sep_id_ = sep.at(1).get<int32_t>();
        cls_token_ = cls.at(0).get<std::string>();
        cls_id_ = cls.at(1).get<int32_t>();
        trim_offsets_ = roberta && j.value("trim_offsets", true);
        add_prefix_space_ = j.value("add_prefix_space", true);
    }
    size_t added_tokens(bool is_pair) const override { return is_pair ? (roberta_ ? 4 : 3) : 2; }
    void process(std::vector<Encoding>& encodings, bool add_special_tokens) const override {
        if (trim_offsets_)
            for (auto& e : encodings) trim_byte_level_offsets(e, add_prefix_space_);
        if (!add_special_tokens) return;
        Encoding& a = encodings[0];
        Encoding out = special_encoding({cls_id_}, {cls_token_}, 0);
        set_type_ids(a, 0);
        append_encoding(out, a);
        append_encoding(out, special_encoding({sep_id_}, {sep_token_}, 0));
        if (encodings.size() > 1) {
            Encoding& second = encodings[1];
            const int32_t type = roberta_ ? 0 : 1;
            if (roberta_) append_encoding(out, special_encoding({sep_id_}, {sep_token_}, type));
            set_type_ids(second, type);
            append_encoding(out, second);
            append_encoding(out, special_encoding({sep_id_}, {sep_token_}, type));
        }
        encodings.assign(1, std::move(out));
    }

  private:
    bool roberta_;
    std::string sep_token_, cls_token_;
    int32_t sep_id_, cls_id_;
    bool trim_offsets_, add_prefix_space_;
};

class ByteLevelProcessing : public PostProcessor {
  public:
    explicit ByteLevelProcessing(const json& j)
        : trim_offsets_(j.value("trim_offsets", true)),
          add_prefix_space_(j.value("add_prefix_space", true)) {}
    size_t added_tokens(bool) const override { return 0; }
    void process(std::vector<Encoding>& encodings, bool) const override {
        if (trim_offsets_)
            for (auto& e : encodings) trim_byte_level_offsets(e, add_prefix_space_);
    }

  private:
    bool trim_offsets_, add_prefix_space_;
};

class SequenceProcessing : public PostProcessor {
  public:
    explicit SequenceProcessing(std::vector<std::unique_ptr<PostProcessor>> stages)
        : stages_(std::move(stages)) {}
    size_t added_tokens(bool is_pair) const override {
        size_t n = 0;
        for (const auto& s : stages_) n += s->added_tokens(is_pair);
        return n;
    }
    void process(std::vector<Encoding>& encodings, bool add_special_tokens) const override {
        for (const auto& s : stages_) s->process(encodings, add_special_tokens);
    }

  private:
    std::vector<std::unique_ptr<PostProcessor>> stages_;
};

}  // namespace

std::unique_ptr<PostProcessor> make_post_processor(const json& j) {
    if (j.is_null()) return nullptr;
    const std::string type = type_of(j, "post_processor");
    if (type == "TemplateProcessing") return std::make_unique<TemplateProcessing>(j);
    if (type == "BertProcessing") return std::make_unique<ClsSepProcessing>(j, false);
    if (type == "RobertaProcessing") return std::make_unique<ClsSepProcessing>(j, true);
    if (type == "ByteLevel") return std::make_unique<ByteLevelProcessing>(j);
    if (type == "Sequence") {
        std::vector<std::unique_ptr<PostProcessor>> stages;
        for (const auto& s : require(j, "processors", "Sequence post_processor"))
            if (auto p = make_post_processor(s)) stages.push_back(std::move(p));
        return std::make_unique<SequenceProcessing>(std::move(stages));
    }
    throw Error("tokenizer: unknown post_processor type \"" + type + "\"");
}

}  // namespace loom::tok
