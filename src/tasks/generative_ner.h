// Generative named-entity recognition: ask an instruction-tuned decoder to list the people, places and
// organisations in a text, then find each name in the text so the result has the same shape as the
// token-classification pipeline (tasks/ner.h, grouped strategies): {entity_group, score, word, start, end}.
//
// The model answers with JSON under generative_ner_schema(), {"entities": [{"text": NAME, "type": TYPE}]} with TYPE
// one of PER, LOC, ORG, MISC, generated under that schema's grammar so that it always parses; one worked example
// precedes the text in the conversation (small models follow a shown format far better than a described one).
// A name that does not occur in the text is dropped (a model may paraphrase); every occurrence of a found name
// becomes an entity (as the pipeline reports each mention); overlapping mentions keep the longer name.
// score = mean probability of the tokens the model generated for that name (each among the tokens the schema
// allowed at its step).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "tasks/ner.h"

namespace loom {

// The schema of the answer: at most 8 entities, names of 1 to 40 characters (so it ends within 512 tokens).
nlohmann::ordered_json generative_ner_schema();

// The conversation to render with the model's chat template (system, example turn, then the text).
nlohmann::ordered_json generative_ner_messages(const std::string& text);

// One generated piece of text and the probability of the token that produced it.
struct GeneratedPiece {
    std::string text;
    float probability = 0.0f;
};

// One entity of the answer.
struct EntityLine {
    std::string type, name;
    float score = 0.0f;  // mean probability of the pieces overlapping the name
};

// The entities of the answer (the pieces joined: JSON under generative_ner_schema()); names trimmed, empty
// names and unknown types skipped, duplicates (same type and name) kept once. Throws loom::Error when the
// answer is not such JSON.
std::vector<EntityLine> parse_entity_json(const std::vector<GeneratedPiece>& answer);

// Mentions of each line's name in `text` (whole words only: not inside a longer alphanumeric run), sorted
// by position, overlaps resolved towards the longer name. start/end are CHARACTER offsets (code points).
std::vector<NerEntity> locate_entities(const std::vector<EntityLine>& lines, const std::string& text);

}  // namespace loom
