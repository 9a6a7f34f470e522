// A chat model's answer constrained to a JSON Schema: the conversation is rendered with the model's chat
// template, and generation runs under the schema's grammar (generate/grammar/), so the answer is a JSON
// instance of the schema whenever it finishes. Used by `loom extract` and `loom ner --generative`.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "default_model.h"
#include "generate/sampling_params.h"
#include "tasks/generative_ner.h"  // GeneratedPiece

namespace loom::cli {

struct SchemaAnswerOptions {
    int32_t n_predict = 512;  // most tokens to generate; -1: until the context window is full
    int64_t context = 0;      // 0: just enough for the prompt and n_predict (or min(trained, 4096) with -1)
    SamplingParams sampling;  // temperature 0: greedy
};

struct SchemaAnswer {
    std::string json;                   // the answer's text: one instance of the schema
    std::vector<GeneratedPiece> pieces;  // its pieces, each with the probability of its token among those the
                                         // schema allowed at that step
};

// Generates the answer. Throws loom::Error when the model has no chat template, and when the answer did not
// finish within n_predict tokens (its JSON would be incomplete: never returned).
SchemaAnswer answer_with_schema(const LoadedModel& m, const nlohmann::ordered_json& messages,
                                const std::string& gbnf, const SchemaAnswerOptions& options);

}  // namespace loom::cli
