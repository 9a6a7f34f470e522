// `loom chat`: a conversation with an instruction-tuned model through its chat template. Each stdin line is a
// user turn; the reply streams to stdout. Works non-interactively: `echo "Hi" | loom chat`.
// The whole conversation is re-rendered every turn (as apply_chat_template does) and the session only runs
// the tokens after the prefix it already holds.
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>

#include "command.h"
#include "core/error.h"
#include "default_model.h"
#include "generate/chat_template.h"
#include "generate/generator.h"
#include "generation_flags.h"

namespace loom::cli {
namespace {

struct ChatOptions {
    GenerationFlags gen;
    std::string system;
};

int run(ChatOptions& o) {
    o.gen.validate_and_finish();
    LoadedModel m = load_model(resolve_or_pull_model_path(o.gen.model));
    if (m.chat_template.empty())
        throw Error("this model has no chat template; use `loom run` for plain completion")
            .file(m.source.path);
    ChatTemplate chat_template(m.chat_template);
    Session session(*m.model, choose_context(m.model->config(), o.gen.context));
    auto sampler = make_sampler_chain(o.gen.sampling);
    GenerationOptions options;
    options.n_predict = o.gen.n_predict;
    options.stop_strings = o.gen.stop;
    options.allow_context_overflow = o.gen.allow_context_overflow;
    if (!o.gen.ignore_eos) options.end_of_generation = m.end_of_generation;

    const bool interactive = isatty(STDIN_FILENO);
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    if (!o.system.empty()) messages.push_back({{"role", "system"}, {"content", o.system}});
    std::string line;
    while (true) {
        if (interactive) std::fputs("> ", stdout), std::fflush(stdout);
        if (!std::getline(std::cin, line)) break;
        if (line.empty()) continue;
        messages.push_back({{"role", "user"}, {"content", line}});
        const std::string prompt = format_chat(chat_template, messages, true, m.bos_token, m.eos_token);
        // The template already holds any BOS/special tokens: encode without adding more.
        std::vector<int32_t> ids = m.tokenizer->encode(prompt, false).ids;
        GenerationResult reply =
            generate(session, *m.tokenizer, ids, *sampler, options, [](const GenerationStep& s) {
                std::fputs(s.text.c_str(), stdout);
                std::fflush(stdout);
            });
        std::fputs("\n", stdout);
        std::fflush(stdout);
        messages.push_back({{"role", "assistant"}, {"content", reply.text}});
    }
    return 0;
}

CommandRegistrar chat_registrar({"chat", "chat with an instruction-tuned model (one user turn per stdin line)",
                            [](CLI::App& app) -> std::function<int()> {
                                auto o = std::make_shared<ChatOptions>();
                                o->gen.n_predict = 256;
                                o->gen.add_to(app);
                                add_offline_flag(app);
                                app.add_option("--system", o->system, "system prompt");
                                return [o] { return run(*o); };
                            }});

}  // namespace
}  // namespace loom::cli
