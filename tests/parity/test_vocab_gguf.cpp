// GGUF vocabularies -> loom Tokenizer, against the Hugging Face tokenizer of each model:
//   - tests/data/upstream/vocab-tests/ggml-vocab-<name>.gguf.inp/.out: test strings separated by lines
//     "__ggml_vocab_test__" and, one line per string, the ids HF gives without special tokens;
//   - the vocabularies without vectors load, encode and decode back to the text;
//   - the default model SmolLM2 against tests/data/spm/smollm2_goldens.json
//   (scripts/goldens/make_spm_goldens.py).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "formats/gguf.h"
#include "formats/gguf_tokenizer.h"
#include "formats/model_tokenizer.h"

namespace loom {
namespace {

const std::string kVocabDir = "tests/data/upstream/vocab-tests/";

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::vector<std::string> split_on(const std::string& text, const std::string& separator) {
    std::vector<std::string> parts;
    size_t start = 0;
    for (size_t at; (at = text.find(separator, start)) != std::string::npos; start = at + separator.size())
        parts.push_back(text.substr(start, at - start));
    parts.push_back(text.substr(start));
    return parts;
}

std::vector<int32_t> parse_ids(const std::string& line) {
    std::vector<int32_t> ids;
    std::istringstream in(line);
    for (int32_t id; in >> id;) ids.push_back(id);
    return ids;
}

class VocabWithVectors : public ::testing::TestWithParam<std::string> {};

TEST_P(VocabWithVectors, MatchesHuggingFaceIds) {
    const std::string path = kVocabDir + "ggml-vocab-" + GetParam() + ".gguf";
    auto file = GgufFile::open(path);
    auto tokenizer = tokenizer_from_gguf(*file);
    // Each input ends with "\n__ggml_vocab_test__\n"; the piece after the last separator is empty.
    auto inputs = split_on(read_file(path + ".inp"), "\n__ggml_vocab_test__\n");
    auto outputs = split_on(read_file(path + ".out"), "\n");
    ASSERT_EQ(inputs.back(), "");
    inputs.pop_back();
    ASSERT_GE(outputs.size(), inputs.size());
    size_t passed = 0;
    for (size_t i = 0; i < inputs.size(); ++i) {
        auto got = tokenizer->encode(inputs[i], /*add_special_tokens=*/false).ids;
        auto expected = parse_ids(outputs[i]);
        EXPECT_EQ(got, expected) << GetParam() << " input " << i << ": '" << inputs[i] << "'";
        passed += got == expected;
    }
    std::cout << GetParam() << ": " << passed << "/" << inputs.size() << " vectors match\n";
    EXPECT_EQ(inputs.size(), 46u);
}

INSTANTIATE_TEST_SUITE_P(GgufVocab, VocabWithVectors,
                         ::testing::Values("gpt-2", "llama-spm", "bert-bge", "phi-3", "deepseek-coder"),
                         [](const auto& info) {
                             std::string name = info.param;
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

class VocabWithoutVectors : public ::testing::TestWithParam<std::string> {};

TEST_P(VocabWithoutVectors, LoadsEncodesAndDecodesBack) {
    auto file = GgufFile::open(kVocabDir + "ggml-vocab-" + GetParam() + ".gguf");
    auto tokenizer = tokenizer_from_gguf(*file);
    const std::vector<std::string> texts = {"Hello world", "The quick brown fox jumps over the lazy dog.",
                                            "int main() { return 42; }", "naïve café, 3.14159 and 1,000,000",
                                            "line one\nline two\n\ttabbed"};
    for (const auto& text : texts) {
        auto enc = tokenizer->encode(text, /*add_special_tokens=*/false);
        ASSERT_FALSE(enc.ids.empty()) << text;
        for (int32_t id : enc.ids) EXPECT_LT(static_cast<size_t>(id), tokenizer->vocab_size());
        EXPECT_EQ(tokenizer->decode(enc.ids, /*skip_special_tokens=*/false), text) << GetParam();
    }
}

INSTANTIATE_TEST_SUITE_P(GgufVocab, VocabWithoutVectors,
                         ::testing::Values("falcon", "starcoder", "mpt", "gpt-neox", "refact", "baichuan",
                                           "deepseek-llm"),
                         [](const auto& info) {
                             std::string name = info.param;
                             std::replace(name.begin(), name.end(), '-', '_');
                             return name;
                         });

TEST(GgufVocab, SpecialTokensFollowTheFileFlags) {
    // deepseek-coder: add_bos_token = true, bos 32013; gpt-2: no flag, so no BOS.
    auto deepseek = tokenizer_from_gguf(*GgufFile::open(kVocabDir + "ggml-vocab-deepseek-coder.gguf"));
    auto with = deepseek->encode("hello", true).ids;
    ASSERT_FALSE(with.empty());
    EXPECT_EQ(with.front(), 32013);
    EXPECT_EQ(deepseek->encode("hello", false).ids.size() + 1, with.size());
    auto gpt2 = tokenizer_from_gguf(*GgufFile::open(kVocabDir + "ggml-vocab-gpt-2.gguf"));
    EXPECT_EQ(gpt2->encode("hello", true).ids, gpt2->encode("hello", false).ids);
    // Control tokens are special: matched whole in text, skipped when decoding with skip_special_tokens.
    auto ids = gpt2->encode("a<|endoftext|>b", false).ids;
    EXPECT_EQ(ids, (std::vector<int32_t>{64, 50256, 65}));
    EXPECT_TRUE(gpt2->is_special(50256));
    EXPECT_EQ(gpt2->decode(ids, true), "ab");
    // BERT: [CLS] text [SEP].
    auto bert = tokenizer_from_gguf(*GgufFile::open(kVocabDir + "ggml-vocab-bert-bge.gguf"));
    auto b = bert->encode("hello", true).ids;
    ASSERT_EQ(b.size(), 3u);
    EXPECT_EQ(b.front(), 101);
    EXPECT_EQ(b.back(), 102);
}

TEST(GgufVocab, DefaultModelSmolLM2MatchesGoldens) {
    const std::string model = "models/SmolLM2-135M-Instruct.Q4_1.gguf";
    if (!std::filesystem::exists(model))
        GTEST_SKIP() << model << " absent: run scripts/fetch_default_model.sh";
    auto golden = nlohmann::json::parse(read_file("tests/data/spm/smollm2_goldens.json"));
    auto source_file = GgufFile::open(model);
    auto tokenizer = tokenizer_from_gguf(*source_file);
    EXPECT_EQ(tokenizer->vocab_size(), 49152u);
    const auto& corpus = golden["corpus"];
    for (size_t i = 0; i < corpus.size(); ++i) {
        std::string text = corpus[i];
        EXPECT_EQ(tokenizer->encode(text, false).ids, golden["ids"][i].get<std::vector<int32_t>>()) << text;
        EXPECT_EQ(tokenizer->decode(golden["ids"][i].get<std::vector<int32_t>>(), false),
                  golden["decoded"][i].get<std::string>());
    }
}

TEST(ModelTokenizer, SmolLM2InfoForGeneration) {
    const std::string model = "models/SmolLM2-135M-Instruct.Q4_1.gguf";
    if (!std::filesystem::exists(model))
        GTEST_SKIP() << model << " absent: run scripts/fetch_default_model.sh";
    ModelSource source;
    source.path = model;
    source.format = SourceFormat::Gguf;
    source.gguf = GgufFile::open(model);
    auto loaded = load_model_tokenizer_with_info(source);
    ASSERT_TRUE(loaded.tokenizer);
    const TokenizerInfo& info = loaded.info;
    EXPECT_EQ(info.bos_id, 1);
    EXPECT_EQ(info.eos_id, 2);
    EXPECT_EQ(info.eos_token, "<|im_end|>");
    EXPECT_FALSE(info.add_bos);  // tokenizer.ggml.add_bos_token = false
    // <|endoftext|> (0) and <|im_end|> (2) end generation.
    EXPECT_EQ(info.eog_ids, (std::vector<int32_t>{0, 2}));
    EXPECT_NE(info.chat_template.find("<|im_start|>"), std::string::npos);
}

}  // namespace
}  // namespace loom
