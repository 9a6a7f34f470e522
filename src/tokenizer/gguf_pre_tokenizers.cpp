// The pre-tokenizer chains below are those of each model's published tokenizer.json (the HF files in
// tests/data/upstream/tokenizers, and the chains recorded for the other models: SmolLM2 / StarCoder use
// Digits(individual) then ByteLevel with its GPT-2 regex; Falcon uses Punctuation, ByteLevel, Digits and a
// three-digit Split; the DeepSeek LLM / Coder vocabularies use a sequence of Split stages then
// Digits(individual)).
#include "tokenizer/gguf_pre_tokenizers.h"

#include <string>
#include <vector>

#include "core/error.h"

namespace loom::tok {
namespace {

using nlohmann::json;

json byte_level(bool use_regex) {
    return {
        {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", use_regex}};
}

json split_isolated(const std::string& regex) {
    return {{"type", "Split"}, {"pattern", {{"Regex", regex}}}, {"behavior", "Isolated"}, {"invert", false}};
}

json digits(bool individual) {
    return {{"type", "Digits"}, {"individual_digits", individual}};
}

json sequence(std::vector<json> stages) {
    return {{"type", "Sequence"}, {"pretokenizers", std::move(stages)}};
}

const char* const kLlama3Regex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
    "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const char* const kQwen2Regex =
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*"
    "|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

const char* const kGpt4oRegex =
    "[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]*[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]+"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    "|[^\\r\\n\\p{L}\\p{N}]?[\\p{Lu}\\p{Lt}\\p{Lm}\\p{Lo}\\p{M}]+[\\p{Ll}\\p{Lm}\\p{Lo}\\p{M}]*"
    "(?i:'s|'t|'re|'ve|'m|'ll|'d)?"
    "|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+[\\r\\n/]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

// CJK unified ideographs, U+0800..U+4E00 and Hangul syllables (+ jamo extension B), as one class.
const char* const kDeepseekCjkRegex = "[\u4e00-\u9fa5\u0800-\u4e00\uac00-\ud7ff]+";

// The Latin, Greek, Cyrillic, ... letters of DeepSeek LLM's tokenizer.json, listed range by range.
const char* const kDeepseekLettersRegex =
    "\\s?[A-Za-z\u00b5\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u01ba\u01bc-\u01bf\u01c4-\u0293\u0295-\u02af"
    "\u0370-\u0373\u0376\u0377\u037b-\u037d\u037f\u0386\u0388-\u038a\u038c\u038e-\u03a1\u03a3-\u03f5"
    "\u03f7-\u0481\u048a-\u052f\u0531-\u0556\u10a0-\u10c5\u13a0-\u13f5\u13f8-\u13fd\u1c90-\u1cba"
    "\u1cbd-\u1cbf\u1d00-\u1d2b\u1d6b-\u1d77\u1d79-\u1d9a\u1e00-\u1f15\u1f18-\u1f1d\u1f20-\u1f45"
    "\u1f48-\u1f4d\u1f50-\u1f57\u1f59\u1f5b\u1f5d\u1f5f-\u1f7d\u1f80-\u1fb4\u1fb6-\u1fbc\u1fbe"
    "\u1fc2-\u1fc4\u1fc6-\u1fcc\u1fd0-\u1fd3\u1fd6-\u1fdb\u1fe0-\u1fec\u1ff2-\u1ff4\u1ff6-\u1ffc"
    "\u2102\u2107\u210a-\u2113\u2115\u2119-\u211d\u2124\u2126\u2128\u212a-\u212d\u212f-\u2134\u2139"
    "\u213c-\u213f\u2145-\u2149\u214e\u2183\u2184\u2c00-\u2c7b\u2c7e-\u2ce4\u2ceb-\u2cee\u2cf2\u2cf3"
    "\ua640-\ua66d\ua680-\ua69b\ua722-\ua76f\ua771-\ua787\ua78b-\ua78e\uab70-\uabbf\ufb00-\ufb06"
    "\ufb13-\ufb17\uff21-\uff3a\uff41-\uff5a\U00010400-\U0001044f\U000104b0-\U000104d3"
    "\U000104d8-\U000104fb\U00010c80-\U00010cb2\U00010cc0-\U00010cf2\U000118a0-\U000118df"
    "\U0001e900-\U0001e943]+";

const char* const kDeepseekPunctRegex = "\\s?[!-/:-~\uff01-\uff0f\uff1a-\uff5e\u2018-\u201f\u3000-\u3002]+";

const char* const kDeepseekV3Regex =
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+"
    "| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";

bool is_one_of(std::string_view pre, std::initializer_list<std::string_view> names) {
    for (auto name : names)
        if (pre == name) return true;
    return false;
}

}  // namespace

ByteLevelPipeline byte_level_pipeline_for(std::string_view pre) {
    ByteLevelPipeline p;
    p.normalizer = nullptr;
    // GPT-2's own regex, inside ByteLevel (GPT-2, Phi-2/CodeGen, GPT-J, OPT, StableLM-2, ...).
    if (is_one_of(pre, {"", "default", "gpt-2", "gpt2", "phi-2", "stablelm2", "jina-v2-en", "roberta-bpe",
                        "jina-v1-en", "poro-chat", "viking", "bloom", "gpt3-finnish"})) {
        p.pre_tokenizer = byte_level(true);
    } else if (is_one_of(pre, {"gpt-neox", "mpt", "olmo"})) {  // GPT-NeoX-20B's tokenizer (MPT reuses it)
        p.normalizer = {{"type", "NFC"}};
        p.pre_tokenizer = byte_level(true);
    } else if (is_one_of(pre, {"starcoder", "refact", "smollm", "codeshell"})) {
        p.pre_tokenizer = sequence({digits(true), byte_level(true)});
    } else if (is_one_of(pre, {"llama3", "llama-v3", "llama-bpe"})) {
        p.pre_tokenizer = sequence({split_isolated(kLlama3Regex), byte_level(false)});
        p.ignore_merges = true;
    } else if (is_one_of(pre, {"dbrx", "smaug-bpe", "falcon3", "pixtral"})) {
        p.pre_tokenizer = sequence({split_isolated(kLlama3Regex), byte_level(false)});
    } else if (is_one_of(pre, {"qwen2", "deepseek-r1-qwen"})) {
        p.normalizer = {{"type", "NFC"}};
        p.pre_tokenizer = sequence({split_isolated(kQwen2Regex), byte_level(false)});
    } else if (is_one_of(pre, {"gpt-4o", "llama4"})) {
        json split = {{"type", "Split"},
                      {"pattern", {{"Regex", kGpt4oRegex}}},
                      {"behavior", "Removed"},
                      {"invert", true}};
        p.pre_tokenizer = sequence({split, byte_level(false)});
    } else if (pre == "falcon") {
        p.pre_tokenizer = sequence({{{"type", "Punctuation"}, {"behavior", "Contiguous"}},
                                    byte_level(true),
                                    digits(false),
                                    split_isolated("[0-9][0-9][0-9]")});
    } else if (pre == "deepseek-coder") {
        p.pre_tokenizer =
            sequence({split_isolated("[\r\n]"), split_isolated("\\s?\\p{L}+"), split_isolated("\\s?\\p{P}+"),
                      split_isolated(kDeepseekCjkRegex), digits(true), byte_level(false)});
    } else if (pre == "deepseek-llm") {
        p.pre_tokenizer = sequence({split_isolated("[\r\n]"), split_isolated(kDeepseekLettersRegex),
                                    split_isolated(kDeepseekPunctRegex), split_isolated("\\s+$"),
                                    split_isolated(kDeepseekCjkRegex), digits(true), byte_level(false)});
    } else if (is_one_of(pre, {"deepseek-v3"})) {
        p.pre_tokenizer = sequence({split_isolated("\\p{N}{1,3}"),
                                    split_isolated("[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+"),
                                    split_isolated(kDeepseekV3Regex), byte_level(false)});
    } else {
        throw Error("unsupported GGUF pre-tokenizer '" + std::string(pre) + "'")
            .hint(
                "tokenizer.ggml.pre names the pre-tokenizer; add its regexes to "
                "tokenizer/gguf_pre_tokenizers.cpp");
    }
    return p;
}

}  // namespace loom::tok
