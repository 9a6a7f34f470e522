// `loom extract [-m CHAT_MODEL] --schema FILE|JSON "text"` (or the text from -f / a pipe): fills a JSON Schema
// from a text. The model (default: the default model) is given an instruction with the schema and the text
// through its chat template (tasks/extraction.h), and decodes under the schema's grammar, so the answer is
// always an instance of the schema (schema_answer.h); it is printed as one line of JSON (--pretty: indented).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "core/error.h"
#include "core/parallel.h"
#include "default_model.h"
#include "generate/grammar/grammar.h"
#include "generate/grammar/json_schema.h"
#include "grammar_flags.h"
#include "schema_answer.h"
#include "shared_flags.h"
#include "store/progress_bar.h"
#include "tasks/extraction.h"
#include "text_input.h"

namespace loom::cli {
namespace {

struct ExtractArgs {
    std::string model, schema, text, file;
    int32_t n_predict = 512;
    int64_t context = 0;
    float temperature = 0.0f;
    int64_t seed = -1;
    int threads = 0;
    bool pretty = false, quiet = false;
};

int run_extract(ExtractArgs& a) {
    if (a.schema.empty()) throw Error("loom extract needs --schema FILE|JSON (the JSON Schema to fill)");
    a.text = single_text_input(a.text, a.file, false);
    if (a.text.empty()) throw Error("no text").hint("give the text as an argument, -f FILE, or pipe it on stdin");
    // A bad schema fails before the model is loaded, naming the keyword and its JSON pointer.
    const nlohmann::ordered_json schema = read_json_schema_argument(a.schema, "--schema");
    const std::string gbnf = grammar::json_schema_to_gbnf(schema);
    grammar::parse_gbnf(gbnf);
    set_num_threads(a.threads);
    if (a.quiet) set_progress_quiet(true);

    LoadedModel m = load_model(resolve_model_path(a.model));
    SchemaAnswerOptions options;
    options.n_predict = a.n_predict;
    options.context = a.context;
    options.sampling.temperature = a.temperature;
    options.sampling.seed = a.seed == -1 ? SamplingParams::kRandomSeed : static_cast<uint64_t>(a.seed);
    const SchemaAnswer answer = answer_with_schema(m, extraction_messages(a.text, schema), gbnf, options);
    nlohmann::ordered_json value;
    try {
        value = nlohmann::ordered_json::parse(answer.json);
    } catch (const nlohmann::json::parse_error& e) {
        throw Error(std::string("the answer is not JSON (") + e.what() + "): a bug in the schema's grammar");
    }
    std::printf("%s\n", value.dump(a.pretty ? 2 : -1).c_str());
    return 0;
}

CommandRegistrar extract_registrar(
    {"extract", "fill a JSON Schema from a text with a chat model (the answer always fits the schema)",
     [](CLI::App& sub) -> std::function<int()> {
         auto a = std::make_shared<ExtractArgs>();
         sub.add_option("-m,--model", a->model,
                        "an instruction-tuned model with a chat template (default: $LOOM_MODEL or "
                        "models/SmolLM2-135M-Instruct.Q4_1.gguf)");
         sub.add_option("--schema", a->schema, "the JSON Schema to fill (a file, or the schema text itself)");
         sub.add_option("text", a->text, "the text (none: -f or a pipe on stdin)");
         add_file_flag(sub, a->file, "read the text from this file");
         sub.add_option("-n,--n-predict", a->n_predict,
                        "most tokens to generate; an answer not finished by then is an error (-1: until the "
                        "context window is full)")
             ->capture_default_str()
             ->check(tokens_to_generate());
         sub.add_option("-c,--ctx-size", a->context, "context window in tokens (0: the text plus -n)")
             ->capture_default_str()
             ->check(whole_number(0, 1 << 24));
         sub.add_option("--temp", a->temperature, "temperature (0: greedy)")
             ->capture_default_str()
             ->check(real_number(0, 1e6));
         sub.add_option("-s,--seed", a->seed, "random seed (-1: random)")
             ->capture_default_str()
             ->check(whole_number(-1, 0xFFFFFFFELL));
         sub.add_flag("--pretty", a->pretty, "print the JSON indented instead of on one line");
         add_threads_flag(sub, a->threads);
         sub.add_flag("-q,--quiet", a->quiet, "no progress lines on stderr");
         return [a] { return run_extract(*a); };
     }});

}  // namespace
}  // namespace loom::cli
