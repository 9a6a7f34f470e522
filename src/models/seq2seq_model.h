// Seq2SeqModel: an encoder-decoder transformer (T5 v1.0 / v1.1 / FLAN-T5, MarianMT, BART / mBART) built
// from a Hugging Face folder. The model holds weights only; what a generation needs per source and per
// hypothesis lives in two value types the caller owns:
//
//   Seq2SeqEncoded  the encoder output for one source and every decoder layer's cross-attention K/V,
//                   computed once (encode) and shared, read-only, by every hypothesis of that source;
//   Seq2SeqState    one hypothesis: its self-attention K/V for the target positions run so far. Copyable and
//                   assignable, so beam search reorders beams by copying states (the copy costs the
//                   positions filled, not the capacity).
//
//   auto model = Seq2SeqModel::load(open_model_source("opus-mt-en-de/"));
//   auto enc = model->encode(source_ids);                        // [T_src, d_model] + cross K/V
//   Seq2SeqState st = model->start(enc, 256);
//   std::vector<float> logits(model->config().n_vocab);
//   int32_t tok = model->config().decoder_start_token_id;
//   model->decode(st, {&tok, 1}, logits.data(), /*all_logits=*/false);   // one step
//
// Thread safety: encode/decode are const and keep no scratch in the model, so several threads may run
// different states at once (each call parallelises internally through core/parallel.h as well).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace loom {

struct ModelSource;
struct Seq2SeqWeights;  // models/seq2seq_weights.h

enum class Seq2SeqArch { T5, Marian, Bart, MBart };

struct Seq2SeqConfig {
    Seq2SeqArch arch = Seq2SeqArch::T5;
    std::string model_type;    // config.json "model_type": "t5", "marian", "bart", "mbart"
    std::string name_or_path;  // config.json "_name_or_path" ("" when absent): Marian pairs are read from it
    int64_t n_vocab = 0;       // rows of the output projection (logits per position)
    int64_t d_model = 0;
    int64_t n_head = 0;
    int64_t head_dim = 0;  // T5 d_kv (n_head * head_dim may differ from d_model); else d_model / n_head
    int64_t n_ff = 0;
    int64_t n_encoder_layers = 0;
    int64_t n_decoder_layers = 0;
    // The longest source / target in tokens: the learned or sinusoidal position table size (BART, Marian);
    // T5's relative positions have no hard limit, so this is config n_positions (default 512) and only
    // enforced as a soft limit by the tasks.
    int64_t max_source_positions = 0;
    int64_t max_target_positions = 0;
    bool positions_unbounded = false;     // true for T5 (the limits above are advisory)
    int32_t decoder_start_token_id = -1;  // -1: the config has none (generation refuses to start)
    int32_t eos_token_id = -1;
    int32_t pad_token_id = -1;
    int32_t bos_token_id = -1;
    int32_t forced_bos_token_id = -1;  // forced as the first generated token (mBART / BART-large-cnn); -1 off
    int32_t forced_eos_token_id = -1;  // forced at the last allowed step; -1 off
    std::vector<std::string> architectures;  // config.json "architectures"
};

// One source after the encoder. Shared (via shared_ptr) by every Seq2SeqState decoding it.
struct Seq2SeqEncoded {
    int64_t n_source = 0;
    std::vector<float> hidden;  // [n_source, d_model]: the encoder's last hidden state (final norm applied)
    // Per decoder layer, the cross-attention keys and values of every source position:
    std::vector<float> cross_k;  // [n_decoder_layers, n_head, n_source, head_dim]
    std::vector<float> cross_v;  // [n_decoder_layers, n_head, n_source, head_dim]
};

struct Seq2SeqState {
    std::shared_ptr<const Seq2SeqEncoded> encoded;
    int64_t n_past = 0;      // target positions run so far (the next token's position)
    int64_t max_target = 0;  // capacity: decode() throws past it
    // Self-attention keys and values, appended position by position so a copy costs only what is filled:
    std::vector<float> self_kv;  // [n_past, n_decoder_layers, 2 (k, v), n_head * head_dim]
};

enum class Seq2SeqAttentionKind { EncoderSelf, DecoderSelf, Cross };

// Optional observer of attention weights (for attention maps): called once per (kind, layer, head, query
// position) with the softmax weights over the key positions (0..query_pos for decoder self-attention, every
// source position otherwise). Called from worker threads: must be thread-safe. Null by default, costing
// nothing.
using Seq2SeqAttentionHook = std::function<void(Seq2SeqAttentionKind kind, int64_t layer, int64_t head,
                                                int64_t query_pos, std::span<const float> weights)>;

class Seq2SeqModel {
  public:
    // Picks the architecture from source.architecture (config.json model_type: t5, marian, bart, mbart);
    // throws loom::Error for an unknown one, a GGUF source, a missing tensor or a shape that differs from the
    // config (naming the tensor, expected and found shapes).
    static std::unique_ptr<Seq2SeqModel> load(const ModelSource& source);
    ~Seq2SeqModel();
    Seq2SeqModel(const Seq2SeqModel&) = delete;
    Seq2SeqModel& operator=(const Seq2SeqModel&) = delete;

    const Seq2SeqConfig& config() const { return config_; }

    // Runs the encoder over one source (ids as the tokenizer gave them, EOS included where the model wants
    // it). Throws loom::Error for an empty source, an id outside the vocabulary, or (BART / Marian) a source
    // longer than max_source_positions.
    std::shared_ptr<const Seq2SeqEncoded> encode(std::span<const int32_t> source_ids) const;

    // A fresh hypothesis over `encoded` with room for max_target_len target positions (decoder start token
    // included). Throws when max_target_len exceeds max_target_positions (BART, Marian).
    Seq2SeqState start(std::shared_ptr<const Seq2SeqEncoded> encoded, int64_t max_target_len) const;

    // Runs `tokens` at target positions state.n_past .. n_past + n - 1, appends their self-attention K/V and
    // advances the state. logits: [n, n_vocab] when all_logits, else [1, n_vocab] for the last token.
    void decode(Seq2SeqState& state, std::span<const int32_t> tokens, float* logits, bool all_logits) const;

    // One token for each of several states in one pass (the linears run on all rows at once: this is what
    // makes beams and batched translation fast). states[i] gets tokens[i]; logits: [states.size(), n_vocab].
    // The states may share or not share an encoding.
    void decode_batch(std::span<Seq2SeqState* const> states, std::span<const int32_t> tokens,
                      float* logits) const;

    // Attention-map observer; pass an empty function to turn it off. Not to be changed while decoding.
    void set_attention_hook(Seq2SeqAttentionHook hook) { attention_hook_ = std::move(hook); }

  private:
    Seq2SeqModel(Seq2SeqConfig config, std::unique_ptr<Seq2SeqWeights> weights);
    struct DecodeRow;
    void run_decoder(std::span<const DecodeRow> rows, float* logits,
                     std::span<const int64_t> logit_rows) const;

    Seq2SeqConfig config_;
    std::unique_ptr<Seq2SeqWeights> weights_;
    Seq2SeqAttentionHook attention_hook_;
};

// The hyperparameters of a Hugging Face config.json (model_type t5, marian, bart, mbart), without weights.
// Throws loom::Error naming the missing key or the unknown model type.
Seq2SeqConfig seq2seq_config_from_hf(const nlohmann::json& config);
bool is_seq2seq_model_type(const std::string& model_type);

}  // namespace loom
