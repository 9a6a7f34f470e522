// `loom ner -m FOLDER "text" [--aggregation none|simple|first|average|max]` (or the text from -f / a pipe): named entities as a JSON array,
// with the fields and grouping of Hugging Face pipeline("token-classification") (tasks/ner.h); start/end are
// character offsets into the text.
// `loom ner --generative [-m DECODER] "text"`: the same JSON from an instruction-tuned decoder (default: the
// default model) asked to list the entities (tasks/generative_ner.h).
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "core/error.h"
#include "core/parallel.h"
#include "default_model.h"
#include "generate/chat_template.h"
#include "generate/generator.h"
#include "generate/sampling_params.h"
#include "tasks/generative_ner.h"
#include "shared_flags.h"
#include "tasks/ner.h"
#include "text_input.h"

namespace loom::cli {
namespace {

struct NerArgs {
    std::string model, text, file, aggregation = "simple";
    TruncationFlags truncation;
    bool generative = false;
    int32_t n_predict = 128;  // -1: until the context window is full
    int threads = 0;
};

int run_generative_ner(const NerArgs& a) {
    LoadedModel m = load_model(resolve_model_path(a.model));
    if (m.chat_template.empty())
        throw Error("--generative needs an instruction-tuned model with a chat template").file(m.source.path);
    const std::string prompt =
        format_chat(m.chat_template, generative_ner_messages(a.text), true, m.bos_token, m.eos_token);
    const std::vector<int32_t> ids = m.tokenizer->encode(prompt, false).ids;
    const int64_t wanted = a.n_predict == -1 ? 0 : static_cast<int64_t>(ids.size()) + a.n_predict;
    Session session(*m.model, choose_context(m.model->config(), wanted));
    const int64_t room = session.n_ctx() - static_cast<int64_t>(ids.size());
    if (a.n_predict == -1 && room <= 0)
        throw Error("the text fills the context window: nothing is left to generate").hint("shorten the text");
    SamplingParams greedy;
    greedy.temperature = 0.0f;
    auto sampler = make_sampler_chain(greedy);
    GenerationOptions options;
    options.n_predict = a.n_predict == -1 ? static_cast<int32_t>(room) : a.n_predict;
    options.end_of_generation = m.end_of_generation;
    options.top_probs = 1;  // greedy: the most likely token is the chosen one, its probability the score
    std::vector<GeneratedPiece> answer;
    generate(session, *m.tokenizer, ids, *sampler, options, [&](const GenerationStep& step) {
        const float p = step.top.empty() ? 0.0f : step.top.front().probability;
        if (!step.text.empty()) answer.push_back({step.text, p});
    });
    const auto entities = locate_entities(parse_entity_lines(answer), a.text);
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
