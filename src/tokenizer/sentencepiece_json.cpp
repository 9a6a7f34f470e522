#include "tokenizer/sentencepiece_json.h"

#include <algorithm>
#include <tuple>
#include <unordered_map>

namespace loom::tok {

using nlohmann::json;

size_t utf8_length(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
}

namespace {

// Byte offsets where a code point starts, excluding 0 and the end: the places a piece can be cut in two.
std::vector<size_t> inner_boundaries(std::string_view s) {
    std::vector<size_t> cuts;
    for (size_t i = 1; i < s.size(); ++i)
        if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) cuts.push_back(i);
    return cuts;
}

struct Candidate {
    std::string left, right;
    float score;
    size_t left_chars, right_chars;
    int64_t result_id, left_id, right_id;
};

json to_json(const std::vector<Candidate>& merges) {
    json out = json::array();
    for (const auto& m : merges) out.push_back(json::array({m.left, m.right}));
    return out;
}

json hf_generate_merges(const std::vector<std::string>& pieces, const std::vector<float>& scores) {
    // Python dict semantics: a repeated piece keeps its first position but its last id and score.
    std::unordered_map<std::string, int64_t> id_of;
    std::unordered_map<std::string, float> score_of;
    std::vector<const std::string*> order;
    for (size_t i = 0; i < pieces.size(); ++i) {
        if (!id_of.count(pieces[i])) order.push_back(&pieces[i]);
        id_of[pieces[i]] = static_cast<int64_t>(i);
        score_of[pieces[i]] = scores[i];
    }
    std::vector<Candidate> merges;
    for (const std::string* piece : order) {
        size_t first_local = merges.size();
        for (size_t cut : inner_boundaries(*piece)) {
            std::string left = piece->substr(0, cut), right = piece->substr(cut);
            auto l = id_of.find(left), r = id_of.find(right);
            if (l == id_of.end() || r == id_of.end()) continue;
            merges.push_back({left, right, score_of[*piece], utf8_length(left), utf8_length(right),
                              id_of[*piece], l->second, r->second});
        }
        std::sort(merges.begin() + static_cast<std::ptrdiff_t>(first_local), merges.end(),
                  [](const Candidate& a, const Candidate& b) {
                      return std::tie(a.left_id, a.right_id) < std::tie(b.left_id, b.right_id);
                  });
    }
    // sorted(..., reverse=True) keeps equal keys in their original order: a stable sort on "greater than".
    std::stable_sort(merges.begin(), merges.end(), [](const Candidate& a, const Candidate& b) {
        return std::tie(a.score, a.left_chars, a.right_chars) >
               std::tie(b.score, b.left_chars, b.right_chars);
    });
    return to_json(merges);
}

json sentencepiece_merges(const std::vector<std::string>& pieces, const std::vector<float>& scores,
                          const std::vector<bool>& mergeable) {
    std::unordered_map<std::string, std::pair<float, int64_t>> normal;  // piece -> (score, id), last id wins
    std::vector<const std::string*> order;
    for (size_t i = 0; i < pieces.size(); ++i) {
        if (!mergeable.empty() && !mergeable[i]) continue;
        if (!normal.count(pieces[i])) order.push_back(&pieces[i]);
        normal[pieces[i]] = {scores[i], static_cast<int64_t>(i)};
    }
    std::vector<Candidate> merges;
    for (const std::string* piece : order) {
        auto [score, id] = normal[*piece];
        for (size_t cut : inner_boundaries(*piece)) {
            std::string left = piece->substr(0, cut), right = piece->substr(cut);
            if (!normal.count(left) || !normal.count(right)) continue;
            merges.push_back({left, right, score, 0, 0, id, 0, 0});
        }
    }
    std::sort(merges.begin(), merges.end(), [](const Candidate& a, const Candidate& b) {
        return std::make_tuple(-a.score, a.result_id, std::cref(a.left), std::cref(a.right)) <
               std::make_tuple(-b.score, b.result_id, std::cref(b.left), std::cref(b.right));
    });
    return to_json(merges);
}

}  // namespace

json derive_bpe_merges(const std::vector<std::string>& pieces, const std::vector<float>& scores,
                       const std::vector<bool>& mergeable, MergeRanking ranking) {
    if (ranking == MergeRanking::HfGenerateMerges) return hf_generate_merges(pieces, scores);
    return sentencepiece_merges(pieces, scores, mergeable);
}

json added_token_json(int64_t id, const std::string& content, bool special) {
    return {{"id", id},        {"content", content},  {"single_word", false}, {"lstrip", false},
            {"rstrip", false}, {"normalized", false}, {"special", special}};
}

json template_post_processor(const std::optional<SpecialTokenRef>& bos,
                             const std::optional<SpecialTokenRef>& eos) {
    if (!bos && !eos) return nullptr;
    auto special = [](const SpecialTokenRef& t, int type_id) {
        return json{{"SpecialToken", {{"id", t.content}, {"type_id", type_id}}}};
    };
    auto sequence = [](const char* name, int type_id) {
        return json{{"Sequence", {{"id", name}, {"type_id", type_id}}}};
    };
    json single = json::array(), pair = json::array();
    if (bos) single.push_back(special(*bos, 0));
    single.push_back(sequence("A", 0));
    if (eos) single.push_back(special(*eos, 0));
    pair = single;
    if (bos) pair.push_back(special(*bos, 1));
    pair.push_back(sequence("B", 1));
    if (eos) pair.push_back(special(*eos, 1));
    json specials = json::object();
    for (const auto* t : {&bos, &eos})
        if (*t)
            specials[(*t)->content] = {
                {"id", (*t)->content}, {"ids", {(*t)->id}}, {"tokens", {(*t)->content}}};
    return {{"type", "TemplateProcessing"}, {"single", single}, {"pair", pair}, {"special_tokens", specials}};
}

json sentencepiece_decoder(bool byte_fallback, bool strip_dummy_prefix) {
    json decoders = json::array();
    decoders.push_back({{"type", "Replace"}, {"pattern", {{"String", "\u2581"}}}, {"content", " "}});
    if (byte_fallback) decoders.push_back({{"type", "ByteFallback"}});
    decoders.push_back({{"type", "Fuse"}});
    if (strip_dummy_prefix)
        decoders.push_back({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}});
    return {{"type", "Sequence"}, {"decoders", decoders}};
}

std::string base64_encode(std::string_view bytes) {
    static const char* const kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        uint32_t v = (uint32_t(uint8_t(bytes[i])) << 16) | (uint32_t(uint8_t(bytes[i + 1])) << 8) |
                     uint8_t(bytes[i + 2]);
        for (int shift : {18, 12, 6, 0}) out.push_back(kAlphabet[(v >> shift) & 63]);
    }
    size_t rest = bytes.size() - i;
    if (rest > 0) {
        uint32_t v = uint32_t(uint8_t(bytes[i])) << 16;
        if (rest == 2) v |= uint32_t(uint8_t(bytes[i + 1])) << 8;
        out.push_back(kAlphabet[(v >> 18) & 63]);
        out.push_back(kAlphabet[(v >> 12) & 63]);
        out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
        out.push_back('=');
    }
    return out;
}

}  // namespace loom::tok
