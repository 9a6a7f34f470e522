#include "engine.h"

#include <nlohmann/json.hpp>

#include "attention_maps/attention_capture.h"
#include "core/error.h"
#include "core/parallel.h"
#include "formats/model_source.h"
#include "formats/tokenizer_files.h"
#include "generate/chat_template.h"
#include "models/encoder_config.h"
#include "models/seq2seq_model.h"
#include "store/default_model_path.h"
#include "tasks/encoder_runner.h"

namespace loom::python {

namespace {

TaskKind task_kind_of(const ModelSource& source) {
    TaskKind kind;
    const bool hf_view = source.format == SourceFormat::HuggingFace;
    if (hf_view && is_seq2seq_model_type(source.architecture))
        kind.seq2seq = true;
    else if (hf_view && is_encoder_model_type(source.architecture))
        kind.encoder = true;
    else
        kind.decoder = true;
    return kind;
}

const char* task_kind_name(const TaskKind& kind) {
    return kind.seq2seq ? "encoder-decoder" : kind.encoder ? "encoder" : "decoder";
}

// The same message the CLI gives when a task meets a model of the wrong kind.
void require(bool ok, const std::string& task, const std::string& needs, const std::string& path) {
    if (!ok) throw Error(task + " needs " + needs).file(path);
}

}  // namespace

Engine::Engine(const std::string& name, int threads, int64_t context) : context_(context) {
    if (threads < 0) throw Error("threads must be >= 0 (0: all cores), got " + std::to_string(threads));
    if (context < 0) throw Error("context must be >= 0 (0: min(trained, 4096)), got " + std::to_string(context));
    path_ = resolve_model_or_default(name, false);
    const ModelSource source = open_model_source(path_);
    kind_ = task_kind_of(source);
    architecture_ = source.architecture;
    set_num_threads(threads);
}

std::string Engine::info_json() const {
    nlohmann::ordered_json info = {{"path", path_}, {"architecture", architecture_}, {"kind", task_kind_name(kind_)}};
    const ModelSource source = open_model_source(path_);
    info["format"] = source.format == SourceFormat::Gguf ? "gguf" : "huggingface";
    if (kind_.decoder) {
        const ModelConfig c = read_model_config(source);
        info["description"] = c.describe();
        info["n_layer"] = c.n_layer;
        info["n_embd"] = c.n_embd;
        info["n_head"] = c.n_head;
        info["n_head_kv"] = c.n_head_kv;
        info["n_vocab"] = c.n_vocab;
        info["n_ctx_train"] = c.n_ctx_train;
        info["context"] = choose_context(c, context_);
    } else {
        info["config"] = source.hf_config;
    }
    return info.dump();
}

Encoding Engine::tokenize(const std::string& text, bool add_special_tokens) {
    std::unique_lock lock(tokenizer_mutex_);
    if (!tokenizer_) tokenizer_ = load_tokenizer_of_model(path_);
    lock.unlock();  // a Tokenizer is immutable once loaded: encode may run concurrently
    return tokenizer_->encode(text, add_special_tokens);
}

std::string Engine::detokenize(const std::vector<int32_t>& ids, bool skip_special_tokens) {
    std::unique_lock lock(tokenizer_mutex_);
    if (!tokenizer_) tokenizer_ = load_tokenizer_of_model(path_);
    lock.unlock();
    for (int32_t id : ids)  // as `loom detokenize`
        if (id < 0 || tokenizer_->id_to_token(id).empty())
            throw Error("token id " + std::to_string(id) + " is not in the vocabulary");
    return tokenizer_->decode(ids, skip_special_tokens);
}

LoadedModel& Engine::decoder() {
    require(kind_.decoder, "generate / stream / chat", "a decoder model (GGUF or a causal-LM folder)", path_);
    if (!decoder_) {
        decoder_.emplace(load_model(path_));
        session_ = std::make_unique<Session>(*decoder_->model, choose_context(decoder_->model->config(), context_));
    }
    return *decoder_;
}

GenerationResult Engine::generate(const GenerateRequest& r, const StepCallback& on_step) {
    // loom run's checks (tools/loom/generation_flags.cpp), before anything is loaded.
    if (r.max_tokens == 0 || r.max_tokens < -1)
        throw Error("max_tokens must be -1 (until the context window is full) or >= 1, got " +
                    std::to_string(r.max_tokens));
    if (r.seed < -1) throw Error("seed must be >= -1 (-1: random), got " + std::to_string(r.seed));
    SamplingParams sampling = r.sampling;
    sampling.seed = r.seed == -1 ? SamplingParams::kRandomSeed : static_cast<uint64_t>(r.seed);
    auto sampler = make_sampler_chain(sampling);  // validates

    std::lock_guard lock(decoder_mutex_);
    LoadedModel& m = decoder();
    std::vector<int32_t> ids;
    if (!r.messages_json.empty()) {
        if (m.chat_template.empty())
            throw Error("chat needs a model with a chat template").file(path_).hint("use generate() instead");
        const auto messages = nlohmann::ordered_json::parse(r.messages_json);
        // As loom chat renders a turn (tools/loom/chat_reply.cpp): the template holds the special tokens.
        const std::string prompt =
            format_chat(ChatTemplate(m.chat_template), messages, true, m.bos_token, m.eos_token);
        ids = m.tokenizer->encode(prompt, false).ids;
    } else {
        if (r.prompt.empty()) throw Error("the prompt is empty");
        ids = m.tokenizer->encode(r.prompt, true).ids;
    }
    session_->clear();  // every call starts from an empty cache, as a `loom run` process does
    const int64_t n_ctx = session_->n_ctx();
    int32_t n_predict = r.max_tokens;
    if (n_predict == -1) {
        const int64_t room = n_ctx - static_cast<int64_t>(ids.size());
        if (room <= 0)
            throw Error("the prompt (" + std::to_string(ids.size()) + " tokens) fills the context window of " +
                        std::to_string(n_ctx) + " tokens: nothing is left to generate")
                .hint("raise context= or shorten the prompt");
        n_predict = static_cast<int32_t>(std::min<int64_t>(room, INT32_MAX));
    }
    GenerationOptions options;
    options.n_predict = n_predict;
    options.stop_strings = r.stop;
    options.top_probs = r.top_probs;
    if (!r.ignore_eos) options.end_of_generation = m.end_of_generation;
    std::atomic<bool> cancel{false};
    options.cancel = &cancel;
    return loom::generate(*session_, *m.tokenizer, ids, *sampler, options, [&](const GenerationStep& step) {
        if (on_step && !on_step(step)) cancel = true;
    });
}

const Embedder& Engine::embedder(const std::string& pooling, std::optional<bool> normalize, size_t batch_size,
                                 bool truncate) {
    require(kind_.encoder, "embed", "an encoder model folder (BERT family, sentence-transformers)", path_);
    if (batch_size == 0) throw Error("batch_size must be >= 1");
    const int normalize_key = normalize ? (*normalize ? 1 : 0) : -1;
    std::lock_guard lock(embedder_mutex_);
    auto& slot = embedders_[{pooling, normalize_key, batch_size, truncate}];
    if (!slot) {
        EmbedOptions options;  // as loom embed builds them (tools/loom/cmd_embed.cpp)
        if (!pooling.empty()) options.pooling = parse_pooling_mode(pooling);
        options.normalize = normalize;
        options.truncate = truncate;
        options.batch_size = batch_size;
        slot = Embedder::open(path_, options);
    }
    return *slot;
}

std::vector<float> Engine::embed(const std::vector<std::string>& texts, size_t batch_size,
                                 const std::string& pooling, std::optional<bool> normalize, bool truncate,
                                 const Checkpoint& checkpoint, int64_t* dim) {
    if (texts.empty()) throw Error("no texts to embed").hint("pass a non-empty list of strings");
    const Embedder& e = embedder(pooling, normalize, batch_size, truncate);
    const std::vector<std::vector<float>> vectors = e.embed(texts, [&](size_t, size_t) {
        if (checkpoint) checkpoint();
    });
    *dim = e.dim();
    std::vector<float> out;  // [texts, dim]
    out.reserve(vectors.size() * static_cast<size_t>(*dim));
    for (const auto& v : vectors) out.insert(out.end(), v.begin(), v.end());
    return out;
}

std::string Engine::ner_json(const std::string& text, const std::string& aggregation) {
    require(kind_.encoder, "ner", "a token-classification model folder", path_);
    if (text.empty()) throw Error("the text is empty");
    const Aggregation strategy = parse_aggregation(aggregation);
    std::unique_lock lock(ner_mutex_);
    if (!ner_) ner_ = NerPipeline::open(path_, EncoderInputOptions{});
    lock.unlock();
    return ner_to_json(ner_->run(text, strategy), strategy).dump();
}

std::string Engine::fill_mask_json(const std::string& text, size_t top_k) {
    require(kind_.encoder, "fill_mask", "a masked-LM model folder", path_);
    if (text.empty()) throw Error("the text is empty");
    if (top_k == 0) throw Error("top_k must be >= 1");
    std::unique_lock lock(fill_mask_mutex_);
    if (!fill_mask_) fill_mask_ = FillMaskPipeline::open(path_, EncoderInputOptions{});
    lock.unlock();
    const auto results = fill_mask_->run(text, top_k);
    const nlohmann::json out = fill_mask_to_json(results);
    return (results.size() == 1 ? out[0] : out).dump();  // as loom fill-mask prints it
}

std::vector<std::string> Engine::translate(const std::vector<std::string>& texts, const std::string& from,
                                           const std::string& to, const Seq2SeqTextOptions& options,
                                           const Checkpoint& checkpoint) {
    require(kind_.seq2seq, "translate", "an encoder-decoder model folder (Marian, T5)", path_);
    if (texts.empty()) throw Error("no texts to translate").hint("pass a non-empty list of strings");
    validate(options.generate.sampling);
    std::lock_guard lock(seq2seq_mutex_);
    if (!seq2seq_) seq2seq_ = Seq2SeqTextPipeline::open(path_);
    seq2seq_->set_translation(from, to);
    return seq2seq_->run(texts, options, [&](size_t) {
        if (checkpoint) checkpoint();
    });
}

AttentionMaps Engine::attention(const std::string& text, const std::string& layers, const std::string& heads,
                                std::vector<int32_t>* token_ids) {
    if (text.empty()) throw Error("the text is empty");
    require(!kind_.seq2seq, "attention", "a decoder or an encoder model (encoder-decoders: use loom attention)",
            path_);
    if (kind_.encoder) {  // as loom attention reads an encoder (tools/loom/cmd_attention.cpp)
        auto runner = EncoderRunner::open(path_);
        const std::vector<std::string> texts = {text};
        const std::vector<Encoding> encodings = runner->encode(texts);
        const EncoderBatch batch = runner->make_batch(encodings);
        const EncoderConfig& c = runner->model().config();
        *token_ids = batch.ids;
        return capture_encoder_attention(runner->model(), batch, select_attention(layers, heads, c.n_layers, c.n_heads));
    }
    std::lock_guard lock(decoder_mutex_);
    LoadedModel& m = decoder();
    const std::vector<int32_t> prompt = m.tokenizer->encode(text, true).ids;
    if (prompt.empty()) throw Error("the text encodes to no tokens");
    const ModelConfig& c = m.model->config();
    DecoderCapture capture = capture_decoder_attention(*m.model, prompt, 0,
                                                       select_attention(layers, heads, c.n_layer, c.n_head),
                                                       m.end_of_generation);
    *token_ids = capture.tokens;
    return std::move(capture.maps);
}

}  // namespace loom::python
