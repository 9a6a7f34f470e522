#include "tasks/generative_ner.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "core/error.h"
#include "tasks/encoder_runner.h"

namespace loom {
namespace {

constexpr std::array<std::string_view, 4> kEntityTypes = {"PER", "LOC", "ORG", "MISC"};
constexpr unsigned kMaxEntities = 8;   // bounds the answer, so it always ends within the default -n
constexpr unsigned kMaxNameChars = 40;

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

// ASCII letters/digits and any byte of a multi-byte UTF-8 character count as word characters, so "Paris"
// is not found inside "Parisian" and "Zürich" is one word.
bool is_word_byte(unsigned char c) {
    return std::isalnum(c) || c >= 0x80;
}

}  // namespace

nlohmann::ordered_json generative_ner_schema() {
    nlohmann::ordered_json types = nlohmann::ordered_json::array();
    for (std::string_view t : kEntityTypes) types.push_back(std::string(t));
    nlohmann::ordered_json entity = {
        {"type", "object"},
        {"properties",
         {{"text", {{"type", "string"}, {"minLength", 1u}, {"maxLength", kMaxNameChars}}},
          {"type", {{"enum", types}}}}},
        {"required", {"text", "type"}},
        {"additionalProperties", false}};
    return {{"type", "object"},
            {"properties", {{"entities", {{"type", "array"}, {"items", entity}, {"maxItems", kMaxEntities}}}}},
            {"required", {"entities"}},
            {"additionalProperties", false}};
}

nlohmann::ordered_json generative_ner_messages(const std::string& text) {
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    messages.push_back({{"role", "system"},
                        {"content",
                         "You extract named entities. For the user's text, list every person (PER), place "
                         "(LOC) and organization (ORG) as JSON, copying names exactly from the text. Nothing "
                         "else."}});
    messages.push_back({{"role", "user"}, {"content", "Barack Obama visited Microsoft in Seattle."}});
    messages.push_back({{"role", "assistant"},
                        {"content",
                         R"({"entities": [{"text": "Barack Obama", "type": "PER"}, )"
                         R"({"text": "Microsoft", "type": "ORG"}, {"text": "Seattle", "type": "LOC"}]})"}});
    messages.push_back({{"role", "user"}, {"content", text}});
    return messages;
}

std::vector<EntityLine> parse_entity_json(const std::vector<GeneratedPiece>& answer) {
    // The answer with, per byte, the index of the piece that produced it.
    std::string joined;
    std::vector<size_t> piece_of_byte;
    for (size_t i = 0; i < answer.size(); ++i) {
        joined += answer[i].text;
        piece_of_byte.insert(piece_of_byte.end(), answer[i].text.size(), i);
    }
    nlohmann::json parsed;
    try {
        parsed = nlohmann::json::parse(joined);
    } catch (const nlohmann::json::parse_error& e) {
        throw Error(std::string("generative NER: the answer is not JSON (") + e.what() + ")");
    }
    const auto list = parsed.find("entities");
    if (!parsed.is_object() || list == parsed.end() || !list->is_array())
        throw Error("generative NER: the answer has no \"entities\" array");
    std::vector<EntityLine> lines;
    size_t cursor = 0;  // names are searched for in order, each after the previous one
    for (const nlohmann::json& item : *list) {
        if (!item.is_object() || !item.contains("text") || !item.contains("type") || !item["text"].is_string() ||
            !item["type"].is_string())
            continue;
        const std::string type = item["type"].get<std::string>();
        const std::string name(trim(item["text"].get<std::string>()));
        if (name.empty() || std::find(kEntityTypes.begin(), kEntityTypes.end(), type) == kEntityTypes.end())
            continue;
        // Score: mean probability over the pieces that overlap the name's bytes (inside its quotes); all
        // pieces when the name was written with escapes and cannot be found as is.
        const std::string quoted = nlohmann::json(item["text"]).dump();
        const size_t at = joined.find(quoted, cursor);
        size_t first = 0, last = answer.empty() ? 0 : answer.size() - 1;
        if (at != std::string::npos && quoted.size() > 2) {
            first = piece_of_byte[at + 1];
            last = piece_of_byte[at + quoted.size() - 2];
            cursor = at + quoted.size();
        }
        double sum = 0.0;
        for (size_t p = first; p <= last && p < answer.size(); ++p) sum += answer[p].probability;
        EntityLine e{type, name, answer.empty() ? 0.0f : static_cast<float>(sum / static_cast<double>(last - first + 1))};
        const bool seen = std::any_of(lines.begin(), lines.end(),
                                      [&](const EntityLine& l) { return l.type == e.type && l.name == e.name; });
        if (!seen) lines.push_back(std::move(e));
    }
    return lines;
}

std::vector<NerEntity> locate_entities(const std::vector<EntityLine>& lines, const std::string& text) {
    struct Mention {
        size_t begin, end;  // bytes
        const EntityLine* line;
    };
    std::vector<Mention> mentions;
    for (const EntityLine& l : lines) {
        for (size_t at = text.find(l.name); at != std::string::npos; at = text.find(l.name, at + 1)) {
            const size_t end = at + l.name.size();
            const bool starts_word = at == 0 || !is_word_byte(static_cast<unsigned char>(text[at - 1])) ||
                                     !is_word_byte(static_cast<unsigned char>(l.name.front()));
            const bool ends_word = end == text.size() ||
                                   !is_word_byte(static_cast<unsigned char>(text[end])) ||
                                   !is_word_byte(static_cast<unsigned char>(l.name.back()));
            if (starts_word && ends_word) mentions.push_back({at, end, &l});
        }
    }
    // Longer names first, so that a shorter overlapping one ("Paris" inside "Paris Hilton") is the one
    // dropped.
    std::stable_sort(mentions.begin(), mentions.end(), [](const Mention& a, const Mention& b) {
        return (a.end - a.begin) > (b.end - b.begin);
    });
    std::vector<Mention> kept;
    for (const Mention& m : mentions) {
        const bool overlaps = std::any_of(
            kept.begin(), kept.end(), [&](const Mention& k) { return m.begin < k.end && k.begin < m.end; });
        if (!overlaps) kept.push_back(m);
    }
    std::sort(kept.begin(), kept.end(), [](const Mention& a, const Mention& b) { return a.begin < b.begin; });
    std::vector<NerEntity> entities;
    for (const Mention& m : kept) {
        NerEntity e;
        e.label = m.line->type;
        e.score = m.line->score;
        e.word = text.substr(m.begin, m.end - m.begin);
        e.start = utf8_char_index(text, m.begin);
        e.end = utf8_char_index(text, m.end);
        entities.push_back(std::move(e));
    }
    return entities;
}

}  // namespace loom
