#include "convert/encdec_to_gguf.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include "convert/tokenizer_to_gguf.h"
#include "core/error.h"
#include "core/json_depth.h"
#include "core/mapped_file.h"
#include "formats/gguf_hf_files.h"
#include "formats/gguf_hf_names.h"
#include "formats/gguf_writer.h"
#include "models/encoder_config.h"
#include "models/seq2seq_model.h"
#include "quantize/tensor_quantizer.h"
#include "quantize/type_policy.h"
#include "store/safe_output.h"
#include "tokenizer/sentencepiece_model.h"

namespace loom {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

GgufValue u32_of(int64_t v) {
    return GgufValue::u32(static_cast<uint32_t>(v));
}

// Where the BERT body sits in the folder's names (as models/bert.cpp looks for it).
std::string bert_body_prefix(const WeightMap& weights, const std::string& folder) {
    for (const char* prefix : {"", "bert.", "roberta.", "distilbert.", "model."})
        if (weights.contains(std::string(prefix) + "embeddings.word_embeddings.weight")) return prefix;
    throw Error("no encoder embeddings found (expected 'embeddings.word_embeddings.weight')").file(folder);
}

// sentence-transformers pooling as llama.cpp's <arch>.pooling_type (gguf.PoolingType: MEAN 1, CLS 2); 0 when
// the folder has no pooling module or another mode.
uint32_t pooling_type(const std::string& folder) {
    const fs::path modules = fs::path(folder) / "modules.json";
    if (!fs::exists(modules)) return 0;
    json j = json::parse(read_json_text(modules.string()), nullptr, /*allow_exceptions=*/false);
    if (!j.is_array()) return 0;
    for (const auto& m : j) {
        if (!m.is_object() || m.value("type", "").find("Pooling") == std::string::npos) continue;
        const fs::path cfg = fs::path(folder) / m.value("path", "") / "config.json";
        if (!fs::exists(cfg)) return 0;
        json p = json::parse(read_json_text(cfg.string()), nullptr, /*allow_exceptions=*/false);
        if (!p.is_object()) return 0;
        if (p.value("pooling_mode_mean_tokens", false)) return 1;
        if (p.value("pooling_mode_cls_token", false)) return 2;
    }
    return 0;
}

void write_encoder_keys(GgufWriter& w, const std::string& arch, const EncoderConfig& c,
                        const std::string& folder, const std::string& body_prefix) {
    const std::string p = arch + ".";
    w.set(p + "context_length", u32_of(c.max_positions));
    w.set(p + "embedding_length", u32_of(c.hidden));
    w.set(p + "feed_forward_length", u32_of(c.ffn));
    w.set(p + "block_count", u32_of(c.n_layers));
    w.set(p + "attention.head_count", u32_of(c.n_heads));
    w.set(p + "attention.layer_norm_epsilon", GgufValue::f32(c.layer_norm_eps));
    w.set(p + "attention.causal", GgufValue::boolean(false));
    w.set(p + "vocab_size", u32_of(c.vocab_size));
    if (uint32_t pooling = pooling_type(folder)) w.set(p + "pooling_type", GgufValue::u32(pooling));
    w.set("tokenizer.ggml.token_type_count", u32_of(c.type_vocab_size));
    w.set("loom.hf.body_prefix", GgufValue::string(body_prefix));
}

void write_seq2seq_keys(GgufWriter& w, const std::string& arch, const Seq2SeqConfig& c, const json& config) {
    const std::string p = arch + ".";
    w.set(p + "context_length", u32_of(c.max_source_positions));
    w.set(p + "embedding_length", u32_of(c.d_model));
    w.set(p + "feed_forward_length", u32_of(c.n_ff));
    w.set(p + "block_count", u32_of(c.n_encoder_layers));
    w.set(p + "decoder_block_count", u32_of(c.n_decoder_layers));
    w.set(p + "attention.head_count", u32_of(c.n_head));
    w.set(p + "vocab_size", u32_of(c.n_vocab));
    if (c.decoder_start_token_id >= 0) w.set(p + "decoder_start_token_id", u32_of(c.decoder_start_token_id));
    if (c.arch == Seq2SeqArch::T5) {
        w.set(p + "attention.key_length", u32_of(c.head_dim));
        w.set(p + "attention.value_length", u32_of(c.head_dim));
        w.set(p + "attention.layer_norm_epsilon", GgufValue::f32(config.value("layer_norm_epsilon", 1e-6f)));
        w.set(p + "attention.relative_buckets_count",
              u32_of(config.value("relative_attention_num_buckets", int64_t{32})));
        // GGUF has no key for the bucket distance (llama.cpp assumes T5's 128): loom's own.
        w.set("loom.t5.relative_attention_max_distance",
              u32_of(config.value("relative_attention_max_distance", int64_t{128})));
    } else {
        w.set(p + "attention.layer_norm_epsilon", GgufValue::f32(1e-5f));  // fixed in transformers' BART code
    }
}

// T5's spiece.model as llama.cpp's "t5" vocabulary: pieces by id with their scores and types, padded to the
// model's vocab_size with tokenizer.json's added tokens (<extra_id_N>) or "[PADn]" placeholders.
void write_t5_vocab(GgufWriter& w, const ModelSource& source, const Seq2SeqConfig& c) {
    const tok::SpModel sp = tok::load_sentencepiece_model(source.sentencepiece_model_path);
    tok::GgufVocab v;
    v.model = "t5";
    for (const tok::SpPiece& piece : sp.pieces) {
        v.tokens.push_back(piece.piece);
        v.scores.push_back(piece.score);
        v.token_types.push_back(static_cast<int32_t>(piece.type));
    }
    std::map<int64_t, std::string> added;
    if (!source.tokenizer_json_path.empty()) {
        json t = json::parse(read_json_text(source.tokenizer_json_path), nullptr, /*allow_exceptions=*/false);
        if (t.is_object() && t.contains("added_tokens") && t["added_tokens"].is_array())
            for (const auto& a : t["added_tokens"])
                if (a.contains("id") && a["id"].is_number_integer() && a.contains("content"))
                    added[a["id"].get<int64_t>()] = a["content"].get<std::string>();
    }
    for (int64_t id = static_cast<int64_t>(v.tokens.size()); id < c.n_vocab; ++id) {
        auto it = added.find(id);
        v.tokens.push_back(it != added.end() ? it->second : "[PAD" + std::to_string(id) + "]");
        v.scores.push_back(0.0f);
        v.token_types.push_back(static_cast<int32_t>(it != added.end() ? tok::GgufTokenType::Control
                                                                       : tok::GgufTokenType::Unused));
    }
    auto id_or = [](int32_t config_id, int32_t spm_id) -> std::optional<int32_t> {
        const int32_t id = config_id >= 0 ? config_id : spm_id;
        return id >= 0 ? std::optional<int32_t>(id) : std::nullopt;
    };
    v.eos_id = id_or(c.eos_token_id, sp.trainer.eos_id);
    v.pad_id = id_or(c.pad_token_id, sp.trainer.pad_id);
    v.unk_id = id_or(-1, sp.trainer.unk_id);
    v.add_bos = false;
    v.add_eos = true;
    v.add_space_prefix = sp.normalizer.add_dummy_prefix;
    write_gguf_vocab(w, v, "");
    w.set("tokenizer.ggml.remove_extra_whitespaces",
          GgufValue::boolean(sp.normalizer.remove_extra_whitespaces));
    if (!sp.normalizer.precompiled_charsmap.empty()) {
        std::vector<int64_t> bytes;
        for (unsigned char b : sp.normalizer.precompiled_charsmap) bytes.push_back(b);
        w.set("tokenizer.ggml.precompiled_charsmap", GgufValue::int_array(GgufType::UInt8, bytes));
    }
}

}  // namespace

DType encdec_tensor_type(DType requested, const std::string& gguf_name, const std::vector<int64_t>& shape) {
    const bool small_table = gguf_name.find("rel_b") != std::string::npos ||
                             gguf_name.rfind("token_types", 0) == 0 || (shape.size() == 2 && shape[0] == 1);
    return small_table ? DType::F32 : tensor_type_for(requested, shape);
}

bool is_encdec_convert_type(const std::string& t) {
    return hf_name_family(t).has_value();
}

std::string encdec_gguf_architecture(const std::string& t) {
    if (t == "bert" || t == "distilbert") return "bert";
    if (t == "roberta" || t == "xlm-roberta" || t == "camembert") return "roberta";
    return t;  // t5, bart, mbart, marian
}

ConvertReport convert_encdec_to_gguf(const ModelSource& source, const std::string& out_path,
                                     const ConvertOptions& options, const std::string& model_name) {
    const std::string& folder = source.path;
    const std::string model_type = source.hf_config.value("model_type", "");
    const HfNameFamily family = *hf_name_family(model_type);
    const std::string arch = encdec_gguf_architecture(model_type);
    const bool encoder_only = family == HfNameFamily::Bert || family == HfNameFamily::DistilBert;

    GgufWriter w;
    w.set("general.architecture", GgufValue::string(arch));
    w.set("general.name", GgufValue::string(model_name));
    w.set("general.file_type", GgufValue::u32(gguf_file_type(options.type)));
    if (dtype_info(options.type).quantized) w.set("general.quantization_version", GgufValue::u32(2));

    ConvertReport report;
    report.architecture = arch;
    std::string body_prefix;
    if (encoder_only) {
        body_prefix = bert_body_prefix(source.weights, folder);
        write_encoder_keys(w, arch, encoder_config_from_hf(source.hf_config), folder, body_prefix);
    } else {
        const Seq2SeqConfig c = seq2seq_config_from_hf(source.hf_config);
        write_seq2seq_keys(w, arch, c, source.hf_config);
        if (c.arch == Seq2SeqArch::T5 && !source.sentencepiece_model_path.empty()) {
            write_t5_vocab(w, source, c);
            report.has_tokenizer = true;
        }
    }
    if (options.carry_hf_files) {
        const std::vector<std::string> files = hf_side_files(folder);
        write_hf_side_files(w, folder, files);
        for (const std::string& f : files)
            if (f == "tokenizer.json" || f == "spiece.model" || f == "source.spm" ||
                f == "sentencepiece.bpe.model")
                report.has_tokenizer = true;
    }
    if (!report.has_tokenizer && options.warn)
        options.warn("no tokenizer files in the folder: the GGUF has no tokenizer");

    const auto& all = source.weights.all();
    const int64_t total = static_cast<int64_t>(all.size());
    int64_t done = 0;
    std::set<std::string> written;
    for (const auto& [hf_name, tensor] : all) {
        const std::string name = gguf_tensor_name(family, body_prefix, hf_name);
        if (name.size() >= 64)  // GGML_MAX_NAME: llama.cpp cannot read longer names
            throw Error("tensor name too long for GGUF (" + std::to_string(name.size()) + " >= 64 bytes)")
                .tensor(hf_name);
        // A tied T5 head is the embedding (scaled by d_model^-0.5): llama.cpp reads an absent output.weight
        // as tied, so a copy is not written.
        const bool tied_copy = family == HfNameFamily::T5 && name == "output.weight" &&
                               source.hf_config.value("tie_word_embeddings", true);
        // T5 / BART checkpoints may hold the shared embedding under two or three names: written once.
        if (!tied_copy && written.insert(name).second) {
            std::vector<float> values = tensor.to_f32();  // [rows, inner], the folder's layout
            std::vector<int64_t> shape = tensor.shape();
            const DType type = encdec_tensor_type(options.type, name, shape);
            const int64_t inner = shape.empty() ? 1 : shape.back();
            const int64_t rows = static_cast<int64_t>(values.size()) / std::max<int64_t>(inner, 1);
            std::vector<uint8_t> bytes = quantize_rows(values.data(), rows, inner, type, name);
            report.bytes += bytes.size();
            report.tensors += 1;
            w.add_tensor(name, type, std::move(shape), std::move(bytes));
        }
        if (options.progress) options.progress(++done, total);
    }

    write_via_temp_file(out_path, [&](const std::string& temp) { w.write(temp); });
    return report;
}

}  // namespace loom
