#include "tasks/translate.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "core/error.h"
#include "core/json_depth.h"
#include "core/log.h"
#include "formats/model_tokenizer.h"
#include "generate/beam_seq2seq_adapter.h"
#include "models/marian_tokenizer.h"

namespace loom {
namespace {

// Marian's pair from its tokenizer_config.json (source_lang / target_lang) or its name ("opus-mt-en-de").
std::pair<std::string, std::string> marian_pair(const ModelSource& source, const Seq2SeqConfig& config) {
    const std::filesystem::path cfg = std::filesystem::path(source.side_files_dir) / "tokenizer_config.json";
    if (std::filesystem::is_regular_file(cfg)) {
        const auto j =
            nlohmann::json::parse(read_json_text(cfg.string()), nullptr, /*allow_exceptions=*/false);
        if (j.is_object() && j.contains("source_lang") && j.contains("target_lang") &&
            j["source_lang"].is_string() && j["target_lang"].is_string())
            return {j["source_lang"].get<std::string>(), j["target_lang"].get<std::string>()};
    }
    static const std::regex pair_re(R"(opus-mt-([A-Za-z_]+)-([A-Za-z_]+)$)");
    for (const std::string& name :
         {config.name_or_path, std::filesystem::path(source.path).lexically_normal().filename().string(),
          std::filesystem::path(source.path).lexically_normal().parent_path().filename().string()}) {
        std::smatch m;
        if (std::regex_search(name, m, pair_re)) return {m[1].str(), m[2].str()};
    }
    return {"", ""};
}

}  // namespace

std::string t5_language_name(const std::string& code) {
    static const std::pair<const char*, const char*> names[] = {
        {"en", "English"},  {"de", "German"},     {"fr", "French"},  {"ro", "Romanian"}, {"es", "Spanish"},
        {"it", "Italian"},  {"pt", "Portuguese"}, {"nl", "Dutch"},   {"ru", "Russian"},  {"zh", "Chinese"},
        {"ja", "Japanese"}, {"pl", "Polish"},     {"sv", "Swedish"}, {"cs", "Czech"},    {"fi", "Finnish"}};
    for (const auto& [c, n] : names)
        if (code == c) return n;
    return "";
}

Seq2SeqTextPipeline::~Seq2SeqTextPipeline() = default;

std::unique_ptr<Seq2SeqTextPipeline> Seq2SeqTextPipeline::open(const std::string& path) {
    auto p = std::unique_ptr<Seq2SeqTextPipeline>(new Seq2SeqTextPipeline());
    p->source_ = open_model_source(path);
    p->model_ = Seq2SeqModel::load(p->source_);
    if (p->model_->config().arch == Seq2SeqArch::Marian) {
        p->marian_ = MarianTokenizer::load(p->source_.side_files_dir);  // a GGUF's unpacked copies
        std::tie(p->from_, p->to_) = marian_pair(p->source_, p->model_->config());
    } else {
        p->tokenizer_ = std::make_unique<ModelTokenizer>(load_model_tokenizer_with_info(p->source_));
    }
    return p;
}

void Seq2SeqTextPipeline::set_translation(const std::string& from, const std::string& to) {
    switch (model_->config().arch) {
        case Seq2SeqArch::T5: {
            if (from.empty() || to.empty())
                throw Error("T5 translation needs --from and --to (e.g. --from en --to de)");
            const std::string a = t5_language_name(from), b = t5_language_name(to);
            if (a.empty() || b.empty())
                throw Error("T5 has no task prefix for language '" + (a.empty() ? from : to) + "'");
            prefix_ = "translate " + a + " to " + b + ": ";
            return;
        }
        case Seq2SeqArch::Marian:
            if (from_.empty() && (!from.empty() || !to.empty()))
                throw Error(
                    "cannot tell which language pair this Marian model translates (no tokenizer_config.json "
                    "source_lang/target_lang, no opus-mt-xx-yy name); leave out --from/--to");
            if ((!from.empty() && from != from_) || (!to.empty() && to != to_))
                throw Error("this model translates " + from_ + " -> " + to_ + ", not " +
                            (from.empty() ? from_ : from) + " -> " + (to.empty() ? to_ : to));
            prefix_.clear();
            return;
        case Seq2SeqArch::Bart:
        case Seq2SeqArch::MBart:
            throw Error("'" + model_->config().model_type +
                        "' models are not set up for translation in loom (use a Marian or T5 model)");
    }
}

void Seq2SeqTextPipeline::set_summarization() {
    switch (model_->config().arch) {
        case Seq2SeqArch::T5:
            prefix_ = "summarize: ";
            return;
        case Seq2SeqArch::Bart:
        case Seq2SeqArch::MBart:
            prefix_.clear();
            return;
        case Seq2SeqArch::Marian:
            throw Error("Marian models only translate; use `loom translate`");
    }
}

std::vector<int32_t> Seq2SeqTextPipeline::source_ids(const std::string& text, bool truncate) const {
    const Seq2SeqConfig& c = model_->config();
    std::vector<int32_t> ids =
        marian_ ? marian_->encode(prefix_ + text) : encode_for_model(*tokenizer_, prefix_ + text);
    if (!marian_ && c.eos_token_id >= 0 && (ids.empty() || ids.back() != c.eos_token_id))
        ids.push_back(c.eos_token_id);
    const int64_t limit = c.max_source_positions;
    if (static_cast<int64_t>(ids.size()) > limit) {
        if (!truncate)
            throw Error("source of " + std::to_string(ids.size()) +
                        " tokens is longer than the encoder allows (" + std::to_string(limit) + ")")
                .hint("shorten the input, or allow truncation (--truncate)");
        log_warn("source of ", ids.size(), " tokens truncated to ", limit, " tokens (the encoder's limit)");
        const int32_t last = ids.back();
        ids.resize(limit);
        if (last == c.eos_token_id) ids.back() = last;  // keep the end-of-source marker
    }
    return ids;
}

std::string Seq2SeqTextPipeline::target_text(const std::vector<int32_t>& ids) const {
    if (marian_) return marian_->decode(ids);
    const Seq2SeqConfig& c = model_->config();
    std::vector<int32_t> body;  // without EOS / padding, whether or not the tokenizer marks them special
    for (int32_t id : ids)
        if (id != c.eos_token_id && id != c.pad_token_id) body.push_back(id);
    return tokenizer_->tokenizer->decode(body, /*skip_special_tokens=*/true);
}

std::vector<std::vector<ScoredText>> Seq2SeqTextPipeline::run_beams(
    const std::vector<std::string>& texts, const Seq2SeqTextOptions& options,
    const std::function<void(size_t)>& on_done) const {
    const Seq2SeqConfig& c = model_->config();
    BeamSearchOptions beam = seq2seq_beam_options(c);  // EOS, forced BOS / EOS, banned ids from the config
    beam.num_beams = options.num_beams;
    beam.num_return_sequences = options.num_return_sequences;
    beam.length_penalty = options.length_penalty;
    beam.no_repeat_ngram_size = options.no_repeat_ngram_size;
    beam.early_stopping = options.early_stopping;
    int64_t max_new = options.generate.max_new_tokens;
    if (!c.positions_unbounded) max_new = std::min(max_new, c.max_target_positions - 1);
    beam.max_new_tokens = static_cast<int32_t>(max_new);
    beam.min_new_tokens = static_cast<int32_t>(options.generate.min_new_tokens);
    std::vector<std::vector<ScoredText>> out(texts.size());
    for (size_t i = 0; i < texts.size(); ++i) {
        const BeamSearchResult r = seq2seq_beam_search(*model_, source_ids(texts[i], options.truncate), beam);
        for (const BeamHypothesis& h : r.sequences) out[i].push_back({target_text(h.tokens), h.score});
        if (on_done) on_done(i);
    }
    return out;
}

std::vector<std::string> Seq2SeqTextPipeline::run(const std::vector<std::string>& texts,
                                                  const Seq2SeqTextOptions& options,
                                                  const std::function<void(size_t)>& on_done) const {
    std::vector<std::string> out(texts.size());
    if (options.num_beams > 1) {
        Seq2SeqTextOptions best_only = options;
        best_only.num_return_sequences = 1;
        const auto beams = run_beams(texts, best_only, on_done);
        for (size_t i = 0; i < texts.size(); ++i) out[i] = beams[i].at(0).text;
        return out;
    }
    const size_t batch = std::max<size_t>(options.batch_size, 1);
    for (size_t first = 0; first < texts.size(); first += batch) {
        const size_t n = std::min(batch, texts.size() - first);
        std::vector<std::vector<int32_t>> sources;
        for (size_t i = 0; i < n; ++i) sources.push_back(source_ids(texts[first + i], options.truncate));
        auto targets = seq2seq_generate_batch(*model_, sources, options.generate, [&](size_t i) {
            if (on_done) on_done(first + i);
        });
        for (size_t i = 0; i < n; ++i) out[first + i] = target_text(targets[i]);
    }
    return out;
}

}  // namespace loom
