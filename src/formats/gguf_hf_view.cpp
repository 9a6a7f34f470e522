#include "formats/gguf_hf_view.h"

#include <filesystem>

#include "core/error.h"
#include "core/json_depth.h"
#include "core/mapped_file.h"
#include "formats/gguf.h"
#include "formats/gguf_hf_files.h"
#include "formats/gguf_hf_names.h"

namespace loom {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

int64_t config_int(const json& c, const char* key, int64_t fallback) {
    return c.contains(key) && c[key].is_number_integer() ? c[key].get<int64_t>() : fallback;
}

// config.json for a T5 GGUF that carries none (llama.cpp's converter): the t5.* hyperparameters, plus what
// only the tensors tell (gated FFN, untied output head). transformers' defaults fill the rest; the bucket
// distance has no GGUF key: loom's loom.t5.relative_attention_max_distance, else T5's 128 (as llama.cpp).
json t5_config_from_gguf(const GgufFile& g) {
    auto need = [&](const std::string& key) -> int64_t {
        auto v = g.get_int(key);
        if (!v) throw Error("missing GGUF metadata key '" + key + "'").file(g.path());
        return *v;
    };
    const WeightMap& w = g.weights();
    const Tensor* embd = w.find("token_embd.weight");
    if (!embd || embd->rank() != 2) throw Error("missing tensor 'token_embd.weight'").file(g.path());
    json c;
    c["model_type"] = "t5";
    c["d_model"] = need("t5.embedding_length");
    c["d_ff"] = need("t5.feed_forward_length");
    c["num_heads"] = need("t5.attention.head_count");
    c["d_kv"] = g.get_int("t5.attention.key_length")
                    .value_or(c["d_model"].get<int64_t>() / c["num_heads"].get<int64_t>());
    c["num_layers"] = need("t5.block_count");
    int64_t n_dec = 0;
    while (w.contains("dec.blk." + std::to_string(n_dec) + ".attn_q.weight")) ++n_dec;
    c["num_decoder_layers"] = g.get_int("t5.decoder_block_count").value_or(n_dec);
    c["n_positions"] = g.get_int("t5.context_length").value_or(512);
    c["layer_norm_epsilon"] = g.get_float("t5.attention.layer_norm_epsilon").value_or(1e-6);
    c["relative_attention_num_buckets"] = g.get_int("t5.attention.relative_buckets_count").value_or(32);
    c["relative_attention_max_distance"] = g.get_int("loom.t5.relative_attention_max_distance").value_or(128);
    c["vocab_size"] = embd->dim(0);
    const bool gated = w.contains("enc.blk.0.ffn_gate.weight");
    c["feed_forward_proj"] = gated ? "gated-gelu" : "relu";
    c["tie_word_embeddings"] = !w.contains("output.weight");
    if (auto id = g.get_int("t5.decoder_start_token_id")) c["decoder_start_token_id"] = *id;
    if (auto id = g.get_int("tokenizer.ggml.eos_token_id")) c["eos_token_id"] = *id;
    if (auto id = g.get_int("tokenizer.ggml.padding_token_id")) {
        c["pad_token_id"] = *id;
        if (!c.contains("decoder_start_token_id")) c["decoder_start_token_id"] = *id;  // T5 starts with pad
    }
    return c;
}

// The GGUF tensors the architecture cannot run without, given its config.
std::vector<std::string> required_tensors(HfNameFamily family, const json& c) {
    std::vector<std::string> out;
    auto per_layer = [&](const std::string& root, int64_t n, std::initializer_list<const char*> stems) {
        for (int64_t i = 0; i < n; ++i)
            for (const char* s : stems) out.push_back(root + std::to_string(i) + "." + s);
    };
    const std::string type = c.value("model_type", "");
    switch (family) {
        case HfNameFamily::Bert:
        case HfNameFamily::DistilBert: {
            out = {"token_embd.weight", "position_embd.weight", "token_embd_norm.weight"};
            if (family == HfNameFamily::Bert && config_int(c, "type_vocab_size", 2) > 0)
                out.push_back("token_types.weight");
            const int64_t n = family == HfNameFamily::Bert ? config_int(c, "num_hidden_layers", 0)
                                                           : config_int(c, "n_layers", 0);
            per_layer(
                "blk.", n,
                {"attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_output.weight",
                 "attn_output_norm.weight", "ffn_up.weight", "ffn_down.weight", "layer_output_norm.weight"});
            break;
        }
        case HfNameFamily::T5: {
            out = {"token_embd.weight", "enc.output_norm.weight", "dec.output_norm.weight",
                   "enc.blk.0.attn_rel_b.weight", "dec.blk.0.attn_rel_b.weight"};
            if (!c.value("tie_word_embeddings", true)) out.push_back("output.weight");
            const bool gated = c.value("feed_forward_proj", std::string("relu")).rfind("gated-", 0) == 0;
            const int64_t n_enc = config_int(c, "num_layers", 0);
            const int64_t n_dec = config_int(c, "num_decoder_layers", n_enc);
            per_layer("enc.blk.", n_enc,
                      {"attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_o.weight",
                       "ffn_norm.weight", "ffn_up.weight", "ffn_down.weight"});
            per_layer("dec.blk.", n_dec,
                      {"attn_norm.weight", "attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_o.weight",
                       "cross_attn_norm.weight", "cross_attn_q.weight", "cross_attn_k.weight",
                       "cross_attn_v.weight", "cross_attn_o.weight", "ffn_norm.weight", "ffn_up.weight",
                       "ffn_down.weight"});
            if (gated) {
                per_layer("enc.blk.", n_enc, {"ffn_gate.weight"});
                per_layer("dec.blk.", n_dec, {"ffn_gate.weight"});
            }
            break;
        }
        case HfNameFamily::Bart: {
            out = {"token_embd.weight"};
            if (type != "marian")
                out.insert(out.end(), {"enc.position_embd.weight", "dec.position_embd.weight"});
            for (const bool dec : {false, true}) {
                const std::string root = dec ? "dec.blk." : "enc.blk.";
                const int64_t n = config_int(c, dec ? "decoder_layers" : "encoder_layers", 0);
                per_layer(root, n,
                          {"attn_q.weight", "attn_k.weight", "attn_v.weight", "attn_o.weight",
                           "attn_norm.weight", "ffn_up.weight", "ffn_down.weight", "ffn_norm.weight"});
                if (dec)
                    per_layer(root, n,
                              {"cross_attn_q.weight", "cross_attn_k.weight", "cross_attn_v.weight",
                               "cross_attn_o.weight", "cross_attn_norm.weight"});
            }
            break;
        }
    }
    return out;
}

std::string existing_in(const std::string& dir, const char* name) {
    std::error_code ec;
    const fs::path p = fs::path(dir) / name;
    return !dir.empty() && fs::is_regular_file(p, ec) ? p.string() : std::string();
}

}  // namespace

bool is_hf_view_architecture(const std::string& a) {
    return a == "bert" || a == "roberta" || a == "t5" || a == "bart" || a == "mbart" || a == "marian";
}

void apply_gguf_hf_view(ModelSource& source) {
    if (source.format != SourceFormat::Gguf || !source.gguf || !is_hf_view_architecture(source.architecture))
        return;
    const GgufFile& g = *source.gguf;
    try {
        const std::string dir = unpack_hf_side_files(g);
        const std::string config_path = existing_in(dir, "config.json");
        json config;
        if (!config_path.empty()) {
            config = json::parse(read_json_text(config_path), nullptr, /*allow_exceptions=*/false);
            if (!config.is_object()) throw Error("the carried config.json is not a JSON object");
        } else if (source.architecture == "t5" && g.weights().size() > 0) {
            config = t5_config_from_gguf(g);
        } else {
            // A vocabulary-only file, or a BERT / BART GGUF of another converter (no faithful config for
            // it): left a plain GGUF, readable by inspect / tokenize; the model loaders refuse it.
            return;
        }
        const std::string model_type = config.value("model_type", "");
        const std::optional<HfNameFamily> family = hf_name_family(model_type);
        if (!family)
            throw Error("the carried config.json has model_type '" + model_type + "', not one loom maps");

        for (const std::string& name : required_tensors(*family, config))
            if (!g.weights().contains(name))
                throw Error("missing tensor '" + name + "' (a " + model_type + " model needs it)")
                    .tensor(name);

        const std::string body_prefix = g.get_string("loom.hf.body_prefix").value_or("");
        const bool t5_gated = config.value("feed_forward_proj", std::string()).rfind("gated-", 0) == 0;
        WeightMap renamed;
        for (const auto& [name, tensor] : g.weights().all()) {
            std::optional<std::string> hf = hf_tensor_name(*family, body_prefix, name, t5_gated);
            renamed.add(hf ? *hf : name, tensor);  // an unknown extra keeps its GGUF name: never read
        }
        source.weights = std::move(renamed);
        source.hf_config = std::move(config);
        source.architecture = model_type;
        set_side_file_paths(source, dir);
    } catch (Error& e) {
        if (e.file_path().empty()) e.file(source.path);
        throw;
    }
}

}  // namespace loom
