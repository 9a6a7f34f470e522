// Text-to-text tasks over an encoder-decoder model: translation (T5 task prefix or a Marian language pair)
// and summarisation (T5 "summarize: " prefix, BART directly). Owns the model and its tokenizer; turns texts
// into source ids (prefix, EOS, length limit), runs greedy / sampled generation (models/seq2seq_generate.h),
// several sources at once, and detokenizes.
//
//   auto p = Seq2SeqTextPipeline::open("opus-mt-en-de/");
//   p->set_translation("en", "de");                 // throws for a pair the model does not translate
//   std::string de = p->run({"Hello world."}, options)[0];
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "formats/model_source.h"
#include "generate/beam_search.h"
#include "models/seq2seq_generate.h"
#include "models/seq2seq_model.h"

namespace loom {

class MarianTokenizer;
struct ModelTokenizer;

struct Seq2SeqTextOptions {
    Seq2SeqGenerateOptions generate;  // greedy by default here (temperature 0)
    bool truncate = false;            // cut sources longer than the encoder allows instead of failing
    size_t batch_size = 16;           // sources decoded together (greedy / sampled)
    // num_beams > 1: beam search (generate/beam_search.h) per source instead; its max_new_tokens and
    // min_new_tokens come from `generate`, EOS and forced BOS / EOS from the model's config.
    int32_t num_beams = 1;
    int32_t num_return_sequences = 1;  // run_beams(): hypotheses kept per source, <= num_beams
    float length_penalty = 1.0f;
    int32_t no_repeat_ngram_size = 0;
    EarlyStopping early_stopping = EarlyStopping::Heuristic;
    Seq2SeqTextOptions() { generate.sampling.temperature = 0.0f; }
};

// One finished beam hypothesis as text, with its beam score (sum of log-probs / length^length_penalty).
struct ScoredText {
    std::string text;
    double score = 0.0;
};

class Seq2SeqTextPipeline {
  public:
    static std::unique_ptr<Seq2SeqTextPipeline> open(const std::string& path);
    ~Seq2SeqTextPipeline();

    // Translation from `from` to `to` (ISO codes, "" = the model's own pair). T5: both required, sets the
    // prefix "translate English to German: ". Marian: checks the pair against the model's name / tokenizer
    // config. Throws loom::Error for a pair the model does not have, or a model that does not translate.
    void set_translation(const std::string& from, const std::string& to);
    // Summarisation: T5 gets "summarize: ", BART / mBART none; Marian throws (it only translates).
    void set_summarization();

    // The model ids for one text (prefix, tokenizer, EOS; length checked or truncated).
    std::vector<int32_t> source_ids(const std::string& text, bool truncate) const;
    std::string target_text(const std::vector<int32_t>& ids) const;

    // Every text's output, in order; on_done(i) after text i finishes (for a progress bar).
    std::vector<std::string> run(const std::vector<std::string>& texts, const Seq2SeqTextOptions& options,
                                 const std::function<void(size_t)>& on_done = {}) const;

    // Beam search (options.num_beams >= 1) for every text: options.num_return_sequences hypotheses each, best
    // first. Throws loom::Error when num_return_sequences > num_beams.
    std::vector<std::vector<ScoredText>> run_beams(const std::vector<std::string>& texts,
                                                   const Seq2SeqTextOptions& options,
                                                   const std::function<void(size_t)>& on_done = {}) const;

    const Seq2SeqModel& model() const { return *model_; }
    std::string language_pair() const { return from_ + "-" + to_; }  // Marian: read from the model

  private:
    Seq2SeqTextPipeline() = default;
    ModelSource source_;
    std::unique_ptr<Seq2SeqModel> model_;
    std::unique_ptr<ModelTokenizer> tokenizer_;  // T5 / BART
    std::unique_ptr<MarianTokenizer> marian_;    // Marian
    std::string prefix_;
    std::string from_, to_;  // Marian: the model's pair ("" when unknown)
};

// "en" -> "English" (T5's task prefixes name languages in English); "" for a code T5 prefixes do not know.
std::string t5_language_name(const std::string& code);

}  // namespace loom
