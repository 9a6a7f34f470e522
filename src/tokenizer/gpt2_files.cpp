#include "tokenizer/gpt2_files.h"

#include <climits>

#include "core/error.h"
#include "core/json_depth.h"
#include "core/mapped_file.h"
#include "tokenizer/sentencepiece_json.h"

namespace loom::tok {

using nlohmann::json;

namespace {

const char* const kGpt2EndOfText = "<|endoftext|>";

json gpt2_files_vocab(std::string_view encoder_json) {
    check_json_depth(encoder_json, "encoder.json");
    json vocab;
    try {
        vocab = json::parse(encoder_json);
    } catch (const json::exception& e) {
        throw Error(std::string("encoder.json is not valid JSON: ") + e.what());
    }
    if (!vocab.is_object() || vocab.empty()) throw Error("encoder.json must be a JSON object of token -> id");
    for (const auto& [token, id] : vocab.items())
        if (!id.is_number_unsigned() || id.get<uint64_t>() > INT32_MAX)
            throw Error("encoder.json: token \"" + token + "\" has no id (a number from 0)");
    return vocab;
}

json gpt2_files_merges(std::string_view vocab_bpe) {
    json merges = json::array();
    size_t line_no = 0;
    while (!vocab_bpe.empty()) {
        const size_t end = vocab_bpe.find('\n');
        std::string_view line = vocab_bpe.substr(0, end);
        vocab_bpe.remove_prefix(end == std::string_view::npos ? vocab_bpe.size() : end + 1);
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty() || (line_no == 1 && line.substr(0, 8) == "#version")) continue;
        const size_t space = line.find(' ');
        if (space == 0 || space == std::string_view::npos || space + 1 == line.size() ||
            line.find(' ', space + 1) != std::string_view::npos)
            throw Error("vocab.bpe line " + std::to_string(line_no) + " is not a merge \"left right\"");
        merges.push_back(std::string(line));
    }
    return merges;
}

}  // namespace

json gpt2_files_to_tokenizer_json(std::string_view encoder_json, std::string_view vocab_bpe) {
    json vocab = gpt2_files_vocab(encoder_json);
    json added = json::array();
    if (vocab.contains(kGpt2EndOfText))
        added.push_back(added_token_json(vocab[kGpt2EndOfText].get<int64_t>(), kGpt2EndOfText, true));
    const json byte_level = {
        {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
    json j = {
        {"version", "1.0"},
        {"truncation", nullptr},
        {"padding", nullptr},
        {"added_tokens", std::move(added)},
        {"normalizer", nullptr},
        {"pre_tokenizer", byte_level},
        {"post_processor",
         {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}}},
        {"decoder",
         {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}}};
    j["model"] = {{"type", "BPE"},
                  {"dropout", nullptr},
                  {"unk_token", nullptr},
                  {"continuing_subword_prefix", nullptr},
                  {"end_of_word_suffix", nullptr},
                  {"fuse_unk", false},
                  {"byte_fallback", false},
                  {"ignore_merges", false},
                  {"vocab", std::move(vocab)},
                  {"merges", gpt2_files_merges(vocab_bpe)}};
    return j;
}

std::unique_ptr<Tokenizer> load_gpt2_files(const std::string& encoder_json_path,
                                           const std::string& vocab_bpe_path) {
    const std::string encoder = read_text_file(encoder_json_path);
    const std::string merges = read_text_file(vocab_bpe_path);
    json j;
    try {
        j = gpt2_files_to_tokenizer_json(encoder, "");
    } catch (Error& e) {
        if (e.file_path().empty()) e.file(encoder_json_path);
        throw;
    }
    try {
        j["model"]["merges"] = gpt2_files_merges(merges);
        return Tokenizer::from_json(j);
    } catch (Error& e) {
        if (e.file_path().empty()) e.file(vocab_bpe_path);
        throw;
    }
}

}  // namespace loom::tok
