#include "models/marian_tokenizer.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_depth.h"
#include "tokenizer/sentencepiece_tokenizer.h"

namespace loom {

namespace fs = std::filesystem;

bool MarianTokenizer::present(const std::string& folder) {
    return fs::is_regular_file(fs::path(folder) / "source.spm") &&
           fs::is_regular_file(fs::path(folder) / "vocab.json");
}

std::unique_ptr<MarianTokenizer> MarianTokenizer::load(const std::string& folder) {
    const fs::path dir(folder);
    const std::string spm = (dir / "source.spm").string(), vocab_path = (dir / "vocab.json").string();
    if (!fs::is_regular_file(spm)) throw Error("Marian tokenizer: missing source.spm").file(spm);
    if (!fs::is_regular_file(vocab_path))
        throw Error("Marian tokenizer: missing vocab.json").file(vocab_path);
    const std::string text = read_json_text(vocab_path);
    nlohmann::json vocab;
    try {
        vocab = nlohmann::json::parse(text);
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("Marian tokenizer: vocab.json is not valid JSON: ") + e.what())
            .file(vocab_path);
    }
    if (!vocab.is_object()) throw Error("Marian tokenizer: vocab.json is not an object").file(vocab_path);
    auto t = std::unique_ptr<MarianTokenizer>(new MarianTokenizer());
    t->source_ = tok::load_sentencepiece_tokenizer(spm);
    for (const auto& [piece, id] : vocab.items()) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > (1 << 24))
            throw Error("Marian tokenizer: bad id for piece '" + piece + "'").file(vocab_path);
        const int32_t i = id.get<int32_t>();
        t->piece_to_id_[piece] = i;
        if (static_cast<size_t>(i) >= t->id_to_piece_.size()) t->id_to_piece_.resize(i + 1);
        t->id_to_piece_[i] = piece;
    }
    auto special = [&](const char* piece) {
        auto it = t->piece_to_id_.find(piece);
        if (it == t->piece_to_id_.end())
            throw Error(std::string("Marian tokenizer: vocab.json has no '") + piece + "'").file(vocab_path);
        return it->second;
    };
    t->unk_ = special("<unk>");
    t->eos_ = special("</s>");
    t->pad_ = t->piece_to_id_.count("<pad>") ? t->piece_to_id_["<pad>"] : -1;
    return t;
}

std::vector<int32_t> MarianTokenizer::encode(std::string_view text) const {
    const Encoding enc = source_->encode(text, /*add_special_tokens=*/false);
    std::vector<int32_t> ids;
    ids.reserve(enc.tokens.size() + 1);
    for (const std::string& piece : enc.tokens) {
        auto it = piece_to_id_.find(piece);
        ids.push_back(it == piece_to_id_.end() ? unk_ : it->second);
    }
    ids.push_back(eos_);
    return ids;
}

std::string MarianTokenizer::decode(std::span<const int32_t> ids) const {
    static const std::string kSpace = "\xE2\x96\x81";  // "▁"
    std::string joined;
    for (int32_t id : ids) {
        if (id == pad_ || id == eos_ || id == unk_ || id < 0 ||
            static_cast<size_t>(id) >= id_to_piece_.size())
            continue;
        joined += id_to_piece_[id];
    }
    std::string out;
    for (size_t i = 0; i < joined.size();) {
        if (joined.compare(i, kSpace.size(), kSpace) == 0) {
            if (!out.empty()) out += ' ';
            i += kSpace.size();
        } else {
            out += joined[i++];
        }
    }
    return out;
}

}  // namespace loom
