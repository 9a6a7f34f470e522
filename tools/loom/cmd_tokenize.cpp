// `loom tokenize (--tokenizer FILE | -m MODEL) (TEXT | -f PATH | -f - | a pipe) [--ids | --json | --time]
// [--no-special]`: the tokens of TEXT with their ids and byte offsets into TEXT (--time: load/encode timing
// only); text from a file or stdin is tokenized byte for byte (a final line break included).
// `loom detokenize (--tokenizer FILE | -m MODEL) ID... [--keep-special]`: the text of a list of ids (or of
// the ids read from a pipe, separated by blanks).
// MODEL is a GGUF file or a Hugging Face folder (tokenizer.json, else a SentencePiece .model).
#include <chrono>
#include <climits>
#include <cstdlib>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "command.h"
#include "core/error.h"
#include "default_model.h"
#include "formats/tokenizer_files.h"
#include "shared_flags.h"
#include "text_input.h"
#include "tokenizer/tokenizer.h"

namespace loom::cli {
namespace {

struct TokenizerFlags {
    std::string tokenizer_path, model_path;
};

void add_tokenizer_flags(CLI::App& sub, TokenizerFlags& f) {
    auto* t = sub.add_option("--tokenizer", f.tokenizer_path, "a tokenizer.json, SentencePiece .model, GPT-2 encoder.json + vocab.bpe, GGUF, or a folder holding one");
    auto* m = sub.add_option("-m,--model", f.model_path, "GGUF file or Hugging Face folder");
    t->excludes(m);
}

std::unique_ptr<Tokenizer> open_tokenizer(const TokenizerFlags& f) {
    if (!f.tokenizer_path.empty()) return load_tokenizer_from_path(f.tokenizer_path);
    if (f.model_path.empty()) throw Error("give --tokenizer FILE or -m MODEL");
    return load_tokenizer_of_model(resolve_model_path(f.model_path));
}

// Control characters and quotes escaped, so each piece prints on one line.
std::string printable(const std::string& s) {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

struct TokenizeOptions {
    TokenizerFlags source;
    std::string text, file;
    bool ids_only = false, as_json = false, no_special = false, timing = false;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

int run_tokenize(const TokenizeOptions& o) {
    const std::string text = single_text_input(o.text, o.file, true);
    if (text.empty() && o.file.empty())
        throw Error("no text to tokenize").hint("give it as an argument, -f FILE, or pipe it on stdin");
    auto t0 = std::chrono::steady_clock::now();
    const auto tok = open_tokenizer(o.source);
    const double load_s = seconds_since(t0);
    t0 = std::chrono::steady_clock::now();
    const Encoding e = tok->encode(text, !o.no_special);
    const double encode_s = seconds_since(t0);
    if (o.timing) {
        // One thread, the whole text in one encode call (what scripts/bench/tokenizer_speed.py compares).
        std::printf("load_s %.4f encode_s %.4f bytes %zu tokens %zu mb_per_s %.3f\n", load_s, encode_s,
                    text.size(), e.size(), static_cast<double>(text.size()) / 1e6 / encode_s);
        return 0;
    }
    if (o.as_json) {
        nlohmann::json out = nlohmann::json::array();
        for (size_t k = 0; k < e.size(); ++k)
            out.push_back({{"id", e.ids[k]},
                           {"piece", e.tokens[k]},
                           {"start", e.offsets[k].first},
                           {"end", e.offsets[k].second},
                           {"special", e.special_tokens_mask[k] != 0}});
        std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
        return 0;
    }
    if (o.ids_only) {
        for (size_t k = 0; k < e.size(); ++k) std::printf(k ? " %d" : "%d", e.ids[k]);
        std::printf("\n");
        return 0;
    }
    for (size_t k = 0; k < e.size(); ++k)
        std::printf("%8d  %-24s  [%zu, %zu)\n", e.ids[k], printable(e.tokens[k]).c_str(), e.offsets[k].first,
                    e.offsets[k].second);
    return 0;
}

CommandRegistrar tokenize_registrar({"tokenize", "show the tokens, ids and byte offsets of a text",
                                     [](CLI::App& sub) -> std::function<int()> {
                                         auto o = std::make_shared<TokenizeOptions>();
                                         add_tokenizer_flags(sub, o->source);
                                         sub.add_option("text", o->text,
                                                        "text to tokenize (none: -f or a pipe on stdin)");
                                         add_file_flag(sub, o->file, "tokenize this file's text, byte for byte");
                                         sub.add_flag("--time", o->timing,
                                                      "print load/encode time and MB/s instead of tokens");
                                         sub.add_flag("--ids", o->ids_only, "print the ids only");
                                         sub.add_flag("--json", o->as_json, "print JSON");
                                         sub.add_flag("--no-special", o->no_special,
                                                      "do not add the model's special tokens (BOS, ...)");
                                         return [o] { return run_tokenize(*o); };
                                     }});

// "12 5 99\n" -> {12, 5, 99}; anything else is an error naming the bad word.
std::vector<int32_t> ids_from_text(const std::string& text) {
    std::istringstream words(text);
    std::vector<int32_t> ids;
    for (std::string word; words >> word;) {
        char* end = nullptr;
        const long long id = std::strtoll(word.c_str(), &end, 10);
        if (end != word.c_str() + word.size() || id < 0 || id > INT32_MAX)
            throw Error("'" + word + "' on stdin is not a token id (a whole number >= 0)");
        ids.push_back(static_cast<int32_t>(id));
    }
    return ids;
}

struct DetokenizeOptions {
    TokenizerFlags source;
    std::vector<int32_t> ids;
    bool keep_special = false;
};

CommandRegistrar detokenize_registrar(
    {"detokenize", "turn token ids back into text", [](CLI::App& sub) -> std::function<int()> {
         auto o = std::make_shared<DetokenizeOptions>();
         add_tokenizer_flags(sub, o->source);
         sub.add_option("ids", o->ids, "token ids (none: read from a pipe on stdin, separated by blanks)")
             ->check(whole_number(0, INT32_MAX));
         sub.add_flag("--keep-special", o->keep_special, "keep special tokens in the text");
         return [o] {
             if (o->ids.empty() && stdin_has_text()) o->ids = ids_from_text(read_whole_input("-"));
             if (o->ids.empty())
                 throw Error("no token ids").hint("give them as arguments or pipe them on stdin");
             const auto tok = open_tokenizer(o->source);
             for (int32_t id : o->ids)
                 if (tok->id_to_token(id).empty())
                     throw Error("token id " + std::to_string(id) + " is not in the vocabulary");
             std::printf("%s\n", tok->decode(o->ids, !o->keep_special).c_str());
             return 0;
         };
     }});

}  // namespace
}  // namespace loom::cli
