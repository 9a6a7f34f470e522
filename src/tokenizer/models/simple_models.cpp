// WordPiece and WordLevel, the two models that look words up directly, and the model factory.
#include "core/error.h"
#include "tokenizer/models/bpe.h"
#include "tokenizer/models/unigram.h"
#include "tokenizer/models/vocab.h"
#include "tokenizer/unicode.h"

namespace loom::tok {
namespace {

// Greedy longest-match-first over the vocab; pieces after the first carry the continuing prefix ("##").
// A word with a piece that cannot be matched, or longer than max_input_chars_per_word, is one unk token.
class WordPieceModel : public Model {
  public:
    explicit WordPieceModel(const json& j) {
        vocab_.load_dict(require(j, "vocab", "WordPiece model"), "WordPiece model");
        unk_ = j.value("unk_token", std::string("[UNK]"));
        prefix_ = j.value("continuing_subword_prefix", std::string("##"));
        max_chars_ = j.value("max_input_chars_per_word", size_t{100});
    }
    void tokenize(std::string_view word, std::vector<Token>& out) const override {
        const auto whole = static_cast<uint32_t>(word.size());
        if (count_chars(word) > max_chars_) {
            out.push_back({unk_id(), 0, whole});
            return;
        }
        const size_t first = out.size();
        std::string candidate;
        for (size_t start = 0; start < word.size();) {
            size_t end = word.size();
            std::optional<int32_t> found;
            while (start < end) {
                candidate.clear();
                if (start > 0) candidate = prefix_;
                candidate.append(word.substr(start, end - start));
                if ((found = vocab_.find(candidate))) break;
                do --end;
                while (end > start && (static_cast<uint8_t>(word[end]) & 0xC0) == 0x80);
            }
            if (!found) {
                out.resize(first);
                out.push_back({unk_id(), 0, whole});
                return;
            }
            out.push_back({*found, static_cast<uint32_t>(start), static_cast<uint32_t>(end)});
            start = end;
        }
    }
    std::optional<int32_t> token_to_id(std::string_view t) const override { return vocab_.find(t); }
    const std::string* id_to_token(int32_t id) const override { return vocab_.token(id); }
    size_t vocab_size() const override { return vocab_.size(); }

  private:
    int32_t unk_id() const {
        const auto id = vocab_.find(unk_);
        if (!id) throw Error("tokenizer: WordPiece unk_token \"" + unk_ + "\" is not in the vocab");
        return *id;
    }
    Vocab vocab_;
    std::string unk_, prefix_;
    size_t max_chars_;
};

class WordLevelModel : public Model {
  public:
    explicit WordLevelModel(const json& j) {
        vocab_.load_dict(require(j, "vocab", "WordLevel model"), "WordLevel model");
        unk_ = j.value("unk_token", std::string("<unk>"));
    }
    void tokenize(std::string_view word, std::vector<Token>& out) const override {
        auto id = vocab_.find(word);
        if (!id) id = vocab_.find(unk_);
        if (!id) throw Error("tokenizer: WordLevel unk_token \"" + unk_ + "\" is not in the vocab");
        out.push_back({*id, 0, static_cast<uint32_t>(word.size())});
    }
    std::optional<int32_t> token_to_id(std::string_view t) const override { return vocab_.find(t); }
    const std::string* id_to_token(int32_t id) const override { return vocab_.token(id); }
    size_t vocab_size() const override { return vocab_.size(); }

  private:
    Vocab vocab_;
    std::string unk_;
};

}  // namespace

std::unique_ptr<Model> make_model(const json& j) {
    std::string type;
    if (j.contains("type")) {
        type = j["type"].get<std::string>();
    } else if (j.contains("merges")) {  // very old files omit the model type
        type = "BPE";
    } else if (j.contains("vocab") && j["vocab"].is_array()) {
        type = "Unigram";
    } else {
        throw Error("tokenizer: model has no \"type\"");
    }
    if (type == "BPE") return std::make_unique<BpeModel>(j);
    if (type == "WordPiece") return std::make_unique<WordPieceModel>(j);
    if (type == "WordLevel") return std::make_unique<WordLevelModel>(j);
    if (type == "Unigram") return std::make_unique<UnigramModel>(j);
    throw Error("tokenizer: unknown model type \"" + type + "\"");
}

}  // namespace loom::tok
