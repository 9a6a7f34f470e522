#include "schema_answer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "generate/chat_template.h"
#include "generate/generator.h"
#include "generate/grammar/grammar_sampler.h"
#include "generate/sampler_chain.h"

namespace loom::cli {
namespace {

// A chain stage placed right after the grammar: remembers the allowed logits of the step, and on accept()
// the probability of the chosen token among the allowed ones (softmax over the tokens the grammar left).
class AllowedTokenProbability : public Sampler {
  public:
    explicit AllowedTokenProbability(float* last) : last_(last) {}
    std::string name() const override { return "allowed_token_probability"; }
    void apply(CandidateArray& candidates) override {
        logits_.clear();
        max_logit_ = -std::numeric_limits<float>::infinity();
        for (const TokenCandidate& c : candidates.data) {
            if (c.id >= static_cast<int32_t>(logits_.size()))
                logits_.resize(static_cast<size_t>(c.id) + 1, -std::numeric_limits<float>::infinity());
            logits_[static_cast<size_t>(c.id)] = c.logit;
            max_logit_ = std::max(max_logit_, c.logit);
        }
        sum_ = 0.0;
        for (float l : logits_)
            if (std::isfinite(l)) sum_ += std::exp(static_cast<double>(l - max_logit_));
    }
    void accept(int32_t token) override {
        const size_t i = static_cast<size_t>(token);
        const bool known = token >= 0 && i < logits_.size() && std::isfinite(logits_[i]) && sum_ > 0.0;
        *last_ = known ? static_cast<float>(std::exp(static_cast<double>(logits_[i] - max_logit_)) / sum_) : 0.0f;
    }

  private:
    float* last_;
    std::vector<float> logits_;
    float max_logit_ = 0.0f;
    double sum_ = 0.0;
};

}  // namespace

SchemaAnswer answer_with_schema(const LoadedModel& m, const nlohmann::ordered_json& messages,
                                const std::string& gbnf, const SchemaAnswerOptions& options) {
    if (m.chat_template.empty())
        throw Error("this model has no chat template: use an instruction-tuned model").file(m.source.path);
    const std::string prompt = format_chat(m.chat_template, messages, true, m.bos_token, m.eos_token);
    const std::vector<int32_t> ids = m.tokenizer->encode(prompt, false).ids;
    const int64_t wanted = options.context > 0 ? options.context
                           : options.n_predict == -1 ? 0
                                                     : static_cast<int64_t>(ids.size()) + options.n_predict;
    Session session(*m.model, choose_context(m.model->config(), wanted));
    const int64_t room = session.n_ctx() - static_cast<int64_t>(ids.size());
    if (room <= 0 || (options.n_predict != -1 && room < options.n_predict))
        throw Error("the text (" + std::to_string(ids.size()) + " tokens with the instructions) leaves too little "
                    "of the context window of " + std::to_string(session.n_ctx()) + " tokens to answer")
            .hint("shorten the text, raise -c or lower -n");

    float chosen_probability = 0.0f;
    auto sampler = make_sampler_chain(options.sampling);
    sampler->add_front(std::make_unique<AllowedTokenProbability>(&chosen_probability));
    GenerationOptions generation;
    generation.n_predict = options.n_predict == -1 ? static_cast<int32_t>(std::min<int64_t>(room, INT32_MAX))
                                                   : options.n_predict;
    auto grammar_stage = grammar::make_grammar_sampler(gbnf, *m.tokenizer, m.end_of_generation);
    grammar_stage->set_token_budget(generation.n_predict);  // the answer closes within -n
    sampler->add_front(std::move(grammar_stage));
    generation.end_of_generation = m.end_of_generation;
    SchemaAnswer answer;
    GenerationResult result = generate(session, *m.tokenizer, ids, *sampler, generation,
                                       [&](const GenerationStep& step) {
                                           if (!step.text.empty())
                                               answer.pieces.push_back({step.text, chosen_probability});
                                       });
    if (result.stop != StopReason::EndOfGeneration)
        throw Error("the answer did not finish within " + std::to_string(generation.n_predict) +
                    " tokens, so its JSON is incomplete")
            .hint("raise -n, or bound the schema (maxItems, maxLength)");
    answer.json = result.text;
    return answer;
}

}  // namespace loom::cli
