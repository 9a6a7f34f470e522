#include "tokenizer/sentencepiece_tokenizer.h"

#include <algorithm>

#include "core/error.h"
#include "tokenizer/sentencepiece_json.h"

namespace loom::tok {

using nlohmann::json;

namespace {

// A regex literal for `text`: every character that PCRE2 / Oniguruma could read as syntax is escaped.
std::string regex_escape(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (std::string_view("\\^$.|?*+()[]{}-/#&~ ").find(c) != std::string_view::npos) out.push_back('\\');
        out.push_back(c);
    }
    return out;
}

json normalizer_for(const SpNormalizerSpec& spec) {
    json stages = json::array();
    if (!spec.precompiled_charsmap.empty())
        stages.push_back(
            {{"type", "Precompiled"}, {"precompiled_charsmap", base64_encode(spec.precompiled_charsmap)}});
    if (spec.remove_extra_whitespaces) {
        // Only U+0020 counts: SentencePiece leaves tabs and newlines (if the charsmap kept them) alone.
        stages.push_back({{"type", "Replace"}, {"pattern", {{"Regex", "\\A +| +\\z"}}}, {"content", ""}});
        stages.push_back({{"type", "Replace"}, {"pattern", {{"Regex", " {2,}"}}}, {"content", " "}});
    }
    if (spec.escape_whitespaces)
        stages.push_back({{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "\u2581"}});
    if (spec.add_dummy_prefix) {
        const char* prefix = spec.escape_whitespaces ? "\u2581" : " ";
        stages.push_back({{"type", "Prepend"}, {"prepend", prefix}});
    }
    if (stages.empty()) return nullptr;
    return {{"type", "Sequence"}, {"normalizers", stages}};
}

}  // namespace

json sentencepiece_to_tokenizer_json(const SpModel& m, SpDecodeStyle style) {
    const auto& t = m.trainer;
    if (t.model_type != SpModelType::Unigram && t.model_type != SpModelType::Bpe)
        throw Error("unsupported SentencePiece model type " + std::to_string(static_cast<int>(t.model_type)))
            .hint("only unigram (1) and BPE (2) models are supported");
    if (t.treat_whitespace_as_suffix)
        throw Error("SentencePiece treat_whitespace_as_suffix is not supported");
    const size_t n = m.pieces.size();
    if (t.unk_id < 0 || static_cast<size_t>(t.unk_id) >= n)
        throw Error("SentencePiece unk_id " + std::to_string(t.unk_id) + " is outside the " +
                    std::to_string(n) + " pieces");

    json added = json::array();
    std::vector<std::string> user_defined;
    for (size_t id = 0; id < n; ++id) {
        const SpPiece& p = m.pieces[id];
        if (p.type == SpPieceType::Control || p.type == SpPieceType::Unknown)
            added.push_back(added_token_json(static_cast<int64_t>(id), p.piece, true));
        else if (p.type == SpPieceType::UserDefined && !p.piece.empty())
            user_defined.push_back(p.piece);
    }

    json model;
    if (t.model_type == SpModelType::Unigram) {
        json vocab = json::array();
        for (const auto& p : m.pieces) vocab.push_back(json::array({p.piece, p.score}));
        model = {
            {"type", "Unigram"}, {"unk_id", t.unk_id}, {"vocab", vocab}, {"byte_fallback", t.byte_fallback}};
    } else {
        std::vector<std::string> pieces;
        std::vector<float> scores;
        std::vector<bool> mergeable;
        json vocab = json::object();
        for (size_t id = 0; id < n; ++id) {
            pieces.push_back(m.pieces[id].piece);
            scores.push_back(m.pieces[id].score);
            mergeable.push_back(m.pieces[id].type == SpPieceType::Normal);
            if (!vocab.contains(m.pieces[id].piece)) vocab[m.pieces[id].piece] = id;
        }
        model = {{"type", "BPE"},
                 {"dropout", nullptr},
                 {"unk_token", m.pieces[static_cast<size_t>(t.unk_id)].piece},
                 {"continuing_subword_prefix", nullptr},
                 {"end_of_word_suffix", nullptr},
                 {"fuse_unk", true},
                 {"byte_fallback", t.byte_fallback},
                 // User-defined pieces are whole words of the vocabulary: emit them without merging.
                 {"ignore_merges", !user_defined.empty()},
                 {"vocab", vocab},
                 {"merges", derive_bpe_merges(pieces, scores, mergeable, MergeRanking::SentencePiece)}};
    }

    json pre_tokenizer = nullptr;
    if (!user_defined.empty()) {
        // Longest first, so a piece that is a prefix of another does not cut it.
        std::stable_sort(user_defined.begin(), user_defined.end(),
                         [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
        std::string pattern;
        for (const auto& piece : user_defined) pattern += (pattern.empty() ? "" : "|") + regex_escape(piece);
        pre_tokenizer = {{"type", "Split"},
                         {"pattern", {{"Regex", pattern}}},
                         {"behavior", "Isolated"},
                         {"invert", false}};
    }

    json j = {{"version", "1.0"},
              {"truncation", nullptr},
              {"padding", nullptr},
              {"added_tokens", added},
              {"normalizer", normalizer_for(m.normalizer)},
              {"pre_tokenizer", pre_tokenizer},
              {"model", model},
              {"post_processor", nullptr},
              {"decoder", sentencepiece_decoder(t.byte_fallback, m.normalizer.add_dummy_prefix)}};
    if (style == SpDecodeStyle::SentencePiece) {
        const std::string& unk = m.pieces[static_cast<size_t>(t.unk_id)].piece;
        j["decoder"] = {
            {"type", "LoomSentencePiece"},
            {"unk_piece", unk},
            {"unk_surface", " \u2047 "},
            {"byte_fallback", t.byte_fallback},
            {"strip_dummy_prefix", m.normalizer.add_dummy_prefix || m.normalizer.remove_extra_whitespaces},
            {"remove_extra_whitespaces", m.normalizer.remove_extra_whitespaces}};
        // sentencepiece prints the unknown piece whatever it is asked about special tokens.
        j["loom_decode_as"] = {{std::to_string(t.unk_id), unk}};
    }
    return j;
}

std::unique_ptr<Tokenizer> tokenizer_from_sentencepiece(const SpModel& model) {
    return Tokenizer::from_json(sentencepiece_to_tokenizer_json(model, SpDecodeStyle::SentencePiece));
}

std::unique_ptr<Tokenizer> load_sentencepiece_tokenizer(const std::string& path) {
    try {
        return tokenizer_from_sentencepiece(load_sentencepiece_model(path));
    } catch (Error& e) {
        if (e.file_path().empty()) e.file(path);
        throw;
    }
}

}  // namespace loom::tok
