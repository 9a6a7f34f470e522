// tokenizer.json -> GGUF vocabulary (convert/tokenizer_to_gguf.h) on real tokenizers from tests/data/upstream:
// the vocabulary written to a GGUF and read back (formats/gguf_tokenizer.h) must tokenize texts exactly as
// the tokenizer.json pipeline does, special tokens included, and carry the expected pre-tokenizer name.
// (llama3 -> llama-bpe and gpt4o -> gpt-4o pass too; they are left out to keep this under ~10 s: every case
// builds four 100k+-token tokenizers.)
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "convert/tokenizer_to_gguf.h"
#include "core/error.h"
#include "formats/gguf.h"
#include "formats/gguf_tokenizer.h"
#include "formats/gguf_writer.h"

namespace loom {
namespace {

using nlohmann::json;

json read_json(const std::string& path) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("missing test data " + path);
    return json::parse(in);
}

std::string read_text(const std::string& path, size_t max_bytes) {
    std::ifstream in(path);
    std::stringstream s;
    s << in.rdbuf();
    return s.str().substr(0, max_bytes);
}

struct Case {
    const char* folder;
    const char* model;  // tokenizer.ggml.model expected
    const char* pre;    // tokenizer.ggml.pre expected
};

class ConvertTokenizer : public ::testing::TestWithParam<Case> {};

TEST_P(ConvertTokenizer, GgufVocabularyTokenizesLikeTokenizerJson) {
    const std::string dir = std::string("tests/data/upstream/tokenizers/") + GetParam().folder + "/";
    HfTokenizerFiles files{read_json(dir + "tokenizer.json"), read_json(dir + "tokenizer_config.json"),
                           nullptr};
    tok::GgufVocab vocab = gguf_vocab_from_hf(files);
    EXPECT_EQ(vocab.model, GetParam().model);
    EXPECT_EQ(vocab.pre, GetParam().pre);

    // Through a real GGUF file's bytes, as `loom run` would read it.
    GgufWriter writer;
    writer.set("general.architecture", GgufValue::string("llama"));
    write_gguf_vocab(writer, vocab, hf_chat_template(files.tokenizer_config));
    std::vector<uint8_t> bytes = writer.to_bytes();
    auto gguf = GgufFile::parse(bytes, nullptr, "converted.gguf");
    auto converted = tokenizer_from_gguf(*gguf);
    auto reference = Tokenizer::from_json(files.tokenizer);

    const std::string botchan = read_text("tests/data/upstream/sentencepiece/botchan.txt", 6000);
    for (const std::string& text :
         {botchan, std::string("def f(x):\n    return x**2  # 😀 ünïcode 東京 123456789\n\n\n  end"),
          std::string(" leading space and trailing   "), std::string("")}) {
        EXPECT_EQ(converted->encode(text, true).ids, reference->encode(text, true).ids) << text.substr(0, 40);
        EXPECT_EQ(converted->encode(text, false).ids, reference->encode(text, false).ids);
    }
    EXPECT_EQ(gguf->has("tokenizer.chat_template"), !hf_chat_template(files.tokenizer_config).empty());
}

INSTANTIATE_TEST_SUITE_P(Real, ConvertTokenizer,
                         ::testing::Values(Case{"qwen3", "gpt2", "qwen2"},
                                           Case{"deepseek-v3", "gpt2", "deepseek-v3"},
                                           Case{"llama2", "llama", ""}),
                         [](const auto& info) {
                             std::string name = info.param.folder;
                             for (char& c : name)
                                 if (c == '-') c = '_';
                             return name;
                         });

TEST(ConvertTokenizerErrors, NonBpeIsRefused) {
    HfTokenizerFiles files{json{{"model", {{"type", "WordPiece"}, {"vocab", json::object()}}}}, nullptr,
                           nullptr};
    EXPECT_THROW(gguf_vocab_from_hf(files), Error);
    HfTokenizerFiles no_model{json::object(), nullptr, nullptr};
    EXPECT_THROW(gguf_vocab_from_hf(no_model), Error);
}

TEST(ConvertTokenizerErrors, ChatTemplateForms) {
    EXPECT_EQ(hf_chat_template(json{{"chat_template", "{{ x }}"}}), "{{ x }}");
    EXPECT_EQ(
        hf_chat_template(json{{"chat_template", json::array({{{"name", "tool_use"}, {"template", "a"}},
                                                             {{"name", "default"}, {"template", "b"}}})}}),
        "b");
    EXPECT_EQ(hf_chat_template(nullptr), "");
}

}  // namespace
}  // namespace loom
