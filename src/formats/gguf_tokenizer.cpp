#include "formats/gguf_tokenizer.h"

#include <limits>

#include "core/error.h"

namespace loom {

namespace {

std::optional<int32_t> token_id(const GgufFile& file, const std::string& key) {
    auto v = file.get_int(key);
    if (!v) return std::nullopt;
    // Some converters write -1 (or UINT32_MAX) for "no such token".
    if (*v < 0 || *v > std::numeric_limits<int32_t>::max()) return std::nullopt;
    return static_cast<int32_t>(*v);
}

}  // namespace

tok::GgufVocab read_gguf_vocab(const GgufFile& file) {
    try {
        tok::GgufVocab v;
        auto model = file.get_string("tokenizer.ggml.model");
        if (!model) throw Error("GGUF file has no tokenizer (tokenizer.ggml.model is missing)");
        v.model = *model;
        v.pre = file.get_string("tokenizer.ggml.pre").value_or("");
        v.architecture = file.get_string("general.architecture").value_or("");
        auto tokens = file.get_string_array("tokenizer.ggml.tokens");
        if (!tokens) throw Error("GGUF file has no tokenizer.ggml.tokens");
        v.tokens = std::move(*tokens);
        v.scores = file.get_float_array("tokenizer.ggml.scores").value_or(std::vector<float>{});
        if (auto types = file.get_int_array("tokenizer.ggml.token_type")) {
            v.token_types.reserve(types->size());
            for (int64_t t : *types) v.token_types.push_back(static_cast<int32_t>(t));
        }
        v.merges = file.get_string_array("tokenizer.ggml.merges").value_or(std::vector<std::string>{});
        v.bos_id = token_id(file, "tokenizer.ggml.bos_token_id");
        v.eos_id = token_id(file, "tokenizer.ggml.eos_token_id");
        v.unk_id = token_id(file, "tokenizer.ggml.unknown_token_id");
        // GGUF spells this key "seperator"; accept the correct spelling too.
        v.sep_id = token_id(file, "tokenizer.ggml.seperator_token_id");
        if (!v.sep_id) v.sep_id = token_id(file, "tokenizer.ggml.separator_token_id");
        v.pad_id = token_id(file, "tokenizer.ggml.padding_token_id");
        v.mask_id = token_id(file, "tokenizer.ggml.mask_token_id");
        v.cls_id = token_id(file, "tokenizer.ggml.cls_token_id");
        v.eot_id = token_id(file, "tokenizer.ggml.eot_token_id");
        v.eom_id = token_id(file, "tokenizer.ggml.eom_token_id");
        v.add_bos = file.get_bool("tokenizer.ggml.add_bos_token");
        v.add_eos = file.get_bool("tokenizer.ggml.add_eos_token");
        v.add_space_prefix = file.get_bool("tokenizer.ggml.add_space_prefix");
        v.remove_extra_whitespaces = file.get_bool("tokenizer.ggml.remove_extra_whitespaces");
        if (auto charsmap = file.get_int_array("tokenizer.ggml.precompiled_charsmap")) {
            v.precompiled_charsmap.reserve(charsmap->size());
            for (int64_t b : *charsmap) v.precompiled_charsmap.push_back(static_cast<char>(b & 0xFF));
        }
        return v;
    } catch (Error& e) {
        if (e.file_path().empty()) e.file(file.path());
        throw;
    }
}

std::unique_ptr<Tokenizer> tokenizer_from_gguf(const GgufFile& file) {
    try {
        return tok::tokenizer_from_gguf_vocab(read_gguf_vocab(file));
    } catch (Error& e) {
        if (e.file_path().empty()) e.file(file.path());
        throw;
    }
}

}  // namespace loom
