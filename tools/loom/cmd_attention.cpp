// `loom attention [-m MODEL] [-o DIR] [--layers 0,2-4] [--heads ..] [-n N] "text"` (or -f FILE / a pipe):
// records the
// softmax weights of every kept layer and head while the model reads the text (and, for a decoder, greedily
// generates N more tokens, one attention row each), then writes attention.json (bertviz-loadable), PNG
// heatmaps and an interactive attention.html into DIR (see src/attention_maps/attention_outputs.h). Decoder
// models (GGUF or HF folders; the default model without -m) and encoder folders (BERT, RoBERTa, DistilBERT,
// MiniLM).
#include <cstdio>
#include <string>
#include <vector>

#include "attention_maps/attention_capture.h"
#include "attention_maps/attention_outputs.h"
#include "command.h"
#include "core/error.h"
#include "core/parallel.h"
#include "default_model.h"
#include "shared_flags.h"
#include "text_input.h"
#include "models/encoder_config.h"
#include "models/seq2seq_model.h"
#include "tasks/encoder_runner.h"
#include "tasks/translate.h"

namespace loom::cli {
namespace {

struct AttentionArgs {
    std::string model, out_dir = "attention", layers = "all", heads = "all", text;
    std::string file;
    int64_t generate = 0;  // -n
    int threads = 0;
    bool quiet = false;
};

void fill_tokens(AttentionDocument& doc, const Tokenizer& tokenizer, std::span<const int32_t> ids) {
    doc.token_ids.assign(ids.begin(), ids.end());
    for (int32_t id : ids) {
        doc.tokens.push_back(token_label(tokenizer.id_to_token(id)));
        doc.labels.push_back(token_label(tokenizer.decode(std::span<const int32_t>(&id, 1), false)));
    }
}

bool attention_quiet = false;  // -q: no memory line

void report_memory(const AttentionSelection& s, int64_t max_tokens) {
    if (attention_quiet) return;
    std::fprintf(stderr, "loom: recording %zu layers x %zu heads x %lld tokens (%.1f MiB)\n", s.layers.size(),
                 s.heads.size(), static_cast<long long>(max_tokens),
                 static_cast<double>(attention_recorder_bytes(s, max_tokens)) / (1024.0 * 1024.0));
}

AttentionDocument run_encoder(const AttentionArgs& a, const std::string& path, AttentionMaps& maps) {
    if (a.generate > 0) throw Error("-n (tokens to generate) needs a decoder model; " + path + " is an encoder");
    auto runner = EncoderRunner::open(path);
    const std::vector<std::string> texts = {a.text};
    const std::vector<Encoding> encodings = runner->encode(texts);
    const EncoderBatch batch = runner->make_batch(encodings);
    const EncoderConfig& c = runner->model().config();
    const AttentionSelection selection = select_attention(a.layers, a.heads, c.n_layers, c.n_heads);
    report_memory(selection, batch.seq_len);
    maps = capture_encoder_attention(runner->model(), batch, selection);
    AttentionDocument doc;
    doc.architecture = runner->source().architecture;
    doc.causal = false;
    doc.n_prompt = batch.seq_len;
    doc.n_model_layers = c.n_layers;
    doc.n_model_heads = c.n_heads;
    fill_tokens(doc, runner->tokenizer(), batch.ids);
    return doc;
}

AttentionDocument run_decoder(const AttentionArgs& a, const std::string& path, AttentionMaps& maps) {
    LoadedModel m = load_model(path);
    const std::vector<int32_t> prompt = m.tokenizer->encode(a.text, true).ids;
    if (prompt.empty()) throw Error("the text encodes to no tokens");
    const ModelConfig& c = m.model->config();
    const AttentionSelection selection = select_attention(a.layers, a.heads, c.n_layer, c.n_head);
    report_memory(selection, static_cast<int64_t>(prompt.size()) + a.generate);
    DecoderCapture capture =
        capture_decoder_attention(*m.model, prompt, a.generate, selection, m.end_of_generation);
    maps = std::move(capture.maps);
    AttentionDocument doc;
    doc.architecture = c.architecture;
    doc.causal = true;
    doc.n_prompt = capture.n_prompt;
    doc.n_model_layers = c.n_layer;
    doc.n_model_heads = c.n_head;
    fill_tokens(doc, *m.tokenizer, capture.tokens);
    return doc;
}

// Labels of encoder-decoder ids: the pipeline's detokenizer per id (special tokens come out empty: "<id N>").
void fill_seq2seq_tokens(AttentionDocument& doc, const Seq2SeqTextPipeline& pipeline,
                         std::span<const int32_t> ids) {
    doc.token_ids.assign(ids.begin(), ids.end());
    for (int32_t id : ids) {
        std::string text = pipeline.target_text({id});
        if (text.empty()) text = "<id " + std::to_string(id) + ">";
        doc.tokens.push_back(token_label(text));
        doc.labels.push_back(doc.tokens.back());
    }
}

// Encoder-decoder: the text is the source; the decoder starts from its start token (and forced BOS) and
// generates greedily (32 tokens unless --generate says otherwise).
size_t run_seq2seq(const AttentionArgs& a, const ModelSource& source) {
    auto pipeline = Seq2SeqTextPipeline::open(source.path);
    auto model = Seq2SeqModel::load(source);
    const Seq2SeqConfig& c = model->config();
    if (c.decoder_start_token_id < 0) throw Error("the model's config has no decoder_start_token_id");
    const std::vector<int32_t> ids = pipeline->source_ids(a.text, false);
    std::vector<int32_t> prefix = {c.decoder_start_token_id};
    if (c.forced_bos_token_id >= 0) prefix.push_back(c.forced_bos_token_id);
    Seq2SeqCaptureOptions options;
    options.encoder_selection = select_attention(a.layers, a.heads, c.n_encoder_layers, c.n_head);
    options.decoder_selection = select_attention(a.layers, a.heads, c.n_decoder_layers, c.n_head);
    options.n_generate = a.generate > 0 ? a.generate : 32;
    if (c.eos_token_id >= 0) options.end_of_generation = {c.eos_token_id};
    const auto n_target = static_cast<int64_t>(prefix.size()) + options.n_generate;
    report_memory(options.encoder_selection, static_cast<int64_t>(ids.size()));
    report_memory(options.decoder_selection, n_target);
    const Seq2SeqCapture cap = capture_seq2seq_attention(*model, ids, prefix, options);

    AttentionDocument src, tgt;
    src.model = tgt.model = source.path;
    src.architecture = tgt.architecture = c.model_type;
    src.text = tgt.text = a.text;
    src.causal = false;
    src.n_prompt = static_cast<int64_t>(ids.size());
    tgt.n_prompt = cap.n_target_prefix;
    src.n_model_layers = c.n_encoder_layers;
    tgt.n_model_layers = c.n_decoder_layers;
    src.n_model_heads = tgt.n_model_heads = c.n_head;
    fill_seq2seq_tokens(src, *pipeline, cap.source);
    fill_seq2seq_tokens(tgt, *pipeline, cap.target);
    const std::vector<std::string> written = write_seq2seq_attention_outputs(a.out_dir, cap, src, tgt);
    std::printf(
        "%zu source tokens, %zu target tokens (%lld generated): %s -> %s/ (%zu files: attention.json, "
        "encoder_/decoder_attention.html, PNGs)\n",
        cap.source.size(), cap.target.size(), static_cast<long long>(cap.target.size()) - cap.n_target_prefix,
        pipeline->target_text(cap.target).c_str(), a.out_dir.c_str(), written.size());
    return written.size();
}

int run(AttentionArgs& a) {
    a.text = single_text_input(a.text, a.file, false);
    if (a.text.empty())
        throw Error("no text").hint("pass the text to look at as an argument, -f FILE, or pipe it on stdin");
    if (a.generate < 0) throw Error("-n must be >= 0");
    attention_quiet = a.quiet;
    if (a.threads < 0) throw Error("-t must be >= 0, got " + std::to_string(a.threads));
    set_num_threads(a.threads);
    const std::string path = resolve_model_path(a.model);
    const ModelSource probe = open_model_source(path);
    const bool hf = probe.format == SourceFormat::HuggingFace;
    if (hf && is_seq2seq_model_type(probe.architecture)) {
        run_seq2seq(a, probe);
        return 0;
    }
    const bool encoder = hf && is_encoder_model_type(probe.architecture);
    AttentionMaps maps;
    AttentionDocument doc = encoder ? run_encoder(a, path, maps) : run_decoder(a, path, maps);
    doc.model = path;
    doc.text = a.text;
    const std::vector<std::string> written = write_attention_outputs(a.out_dir, maps, doc);
    std::printf(
        "%lld tokens (%lld generated), %zu layers x %zu heads -> %s/ (%zu files: attention.json, "
        "attention.html, PNGs)\n",
        static_cast<long long>(maps.n_tokens), static_cast<long long>(maps.n_tokens - doc.n_prompt),
        maps.layers.size(), maps.heads.size(), a.out_dir.c_str(), written.size());
    return 0;
}

CommandRegistrar attention_registrar(
    {"attention", "attention maps of every layer and head: JSON (bertviz), PNG heatmaps, an HTML page",
     [](CLI::App& sub) -> std::function<int()> {
         auto a = std::make_shared<AttentionArgs>();
         sub.add_option("-m,--model", a->model, "model: GGUF file or HF folder (decoder or encoder)");
         sub.add_option("-o,--out", a->out_dir, "output folder (default: attention)");
         sub.add_option("--layers", a->layers, "layers to keep: all, or e.g. 0,2-4,-1 (bounds memory)");
         sub.add_option("--heads", a->heads, "heads to keep: all, or e.g. 0-3");
         const CLI::Validator new_tokens = whole_number(0, 1 << 16);
         sub.add_option("-n,--n-predict", a->generate,
                        "greedily generate N tokens, one attention row each (decoders: 0 only reads the text; "
                        "encoder-decoders: 0 means 32)")
             ->capture_default_str()
             ->check(new_tokens);
         add_hidden_alias(sub, "--generate", a->generate, &new_tokens);
         add_threads_flag(sub, a->threads);
         sub.add_option("text", a->text, "the text to look at (none: -f or a pipe on stdin)");
         add_file_flag(sub, a->file, "read the text from this file");
         sub.add_flag("-q,--quiet", a->quiet, "no memory line on stderr");
         return [a] { return run(*a); };
     }});

}  // namespace
}  // namespace loom::cli
