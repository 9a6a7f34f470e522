// `loom ner -m FOLDER "text" [--aggregation none|simple|first|average|max]` (or the text from -f / a pipe): named entities as a JSON array,
// with the fields and grouping of Hugging Face pipeline("token-classification") (tasks/ner.h); start/end are
// character offsets into the text.
// `loom ner --generative [-m DECODER] "text"`: the same JSON from an instruction-tuned decoder (default: the
// default model) asked to list the entities as JSON under a schema, decoded under its grammar so the answer
// always parses (tasks/generative_ner.h, schema_answer.h).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "core/error.h"
#include "core/parallel.h"
#include "default_model.h"
#include "generate/grammar/json_schema.h"
#include "schema_answer.h"
#include "shared_flags.h"
#include "tasks/generative_ner.h"
#include "tasks/ner.h"
#include "text_input.h"

namespace loom::cli {
namespace {

struct NerArgs {
    std::string model, text, file, aggregation = "simple";
    TruncationFlags truncation;
    bool generative = false;
    int32_t n_predict = 512;  // -1: until the context window is full
    int threads = 0;
};

int run_generative_ner(const NerArgs& a) {
    LoadedModel m = load_model(resolve_model_path(a.model));
    if (m.chat_template.empty())
        throw Error("--generative needs an instruction-tuned model with a chat template").file(m.source.path);
    SchemaAnswerOptions options;
    options.n_predict = a.n_predict;
    options.sampling.temperature = 0.0f;  // greedy: the same entities every time
    const SchemaAnswer answer = answer_with_schema(
        m, generative_ner_messages(a.text), grammar::json_schema_to_gbnf(generative_ner_schema()), options);
    const auto entities = locate_entities(parse_entity_json(answer.pieces), a.text);
    std::printf("%s\n", ner_to_json(entities, Aggregation::Simple).dump().c_str());
    return 0;
}

int run_ner(NerArgs& a) {
    a.text = single_text_input(a.text, a.file, false);
    if (a.text.empty()) throw Error("no text").hint("give the text as an argument, -f FILE, or pipe it on stdin");
    set_num_threads(a.threads);
    if (a.generative) return run_generative_ner(a);
    if (a.model.empty()) throw Error("loom ner needs -m FOLDER (a token-classification model), or --generative");
    const Aggregation strategy = parse_aggregation(a.aggregation);
    EncoderInputOptions options;
    options.truncate = a.truncation.wanted();
    auto pipeline = NerPipeline::open(resolve_model_path(a.model), options);
    std::printf("%s\n", ner_to_json(pipeline->run(a.text, strategy), strategy).dump().c_str());
    return 0;
}

CommandRegistrar ner_registrar(
    {"ner", "named entities (token classification) in a text, as JSON",
     [](CLI::App& sub) -> std::function<int()> {
         auto a = std::make_shared<NerArgs>();
         sub.add_option("-m,--model", a->model,
                        "Hugging Face token-classification folder (with --generative: a chat model, default "
                        "the default model)");
         sub.add_option("text", a->text, "the text (none: -f or a pipe on stdin)");
         add_file_flag(sub, a->file, "read the text from this file");
         sub.add_option("--aggregation", a->aggregation,
                        "none | simple | first | average | max")
             ->capture_default_str();
         sub.add_flag("--generative", a->generative,
                      "ask an instruction-tuned decoder to list the entities instead of classifying tokens");
         sub.add_option("-n,--n-predict", a->n_predict,
                        "--generative: most tokens to generate (-1: until the context window is full)")
             ->capture_default_str()
             ->check(tokens_to_generate());
         a->truncation.add_to(sub);
         add_threads_flag(sub, a->threads);
         return [a] { return run_ner(*a); };
     }});

}  // namespace
}  // namespace loom::cli
