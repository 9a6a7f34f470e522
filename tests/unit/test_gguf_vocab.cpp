// Every vocab-only GGUF in tests/data/upstream/vocab-tests reads as the reference reader (PyPI `gguf`) saw it:
// tests/data/gguf/vocab_tests.expected.json, written by scripts/goldens/make_gguf_vocab_golden.py.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "core/mapped_file.h"
#include "formats/gguf.h"
#include "formats/model_source.h"

using namespace loom;
using nlohmann::json;

namespace {

const std::string kVocabDir = "tests/data/upstream/vocab-tests/";

std::string key_signature(const std::string& key, const GgufValue& value) {
    std::string out = key + " " + gguf_type_name(value.type());
    if (value.type() == GgufType::Array)
        out += std::string(" ") + gguf_type_name(value.as_array().element_type) + " " +
               std::to_string(value.as_array().items.size());
    return out;
}

}  // namespace

TEST(GgufVocab, EveryVocabFileReadsAsTheReferenceReaderSawIt) {
    json expected = json::parse(read_text_file("tests/data/gguf/vocab_tests.expected.json"));
    ASSERT_GE(expected.size(), 12u);
    for (const auto& [name, want] : expected.items()) {
        SCOPED_TRACE(name);
        auto file = GgufFile::open(kVocabDir + name);
        EXPECT_EQ(file->version(), want["version"].get<uint32_t>());
        EXPECT_EQ(file->tensor_infos().size(), want["tensor_count"].get<size_t>());
        EXPECT_EQ(file->weights().size(), 0u);
        std::vector<std::string> keys;
        for (const auto& [key, value] : file->metadata()) keys.push_back(key_signature(key, value));
        EXPECT_EQ(keys, want["keys"].get<std::vector<std::string>>());
        EXPECT_EQ(file->get_string("general.architecture"), want["architecture"].get<std::string>());
        EXPECT_EQ(file->get_string("tokenizer.ggml.model"), want["tokenizer_model"].get<std::string>());
        auto tokens = file->get_string_array("tokenizer.ggml.tokens");
        ASSERT_TRUE(tokens.has_value());
        ASSERT_EQ(tokens->size(), want["token_count"].get<size_t>());
        EXPECT_EQ(file->array_size("tokenizer.ggml.tokens"), tokens->size());
        for (const auto& [index, token] : want["tokens_sample"].items())
            EXPECT_EQ((*tokens)[std::stoul(index)], token.get<std::string>()) << "token " << index;
    }
}

TEST(GgufVocab, OpensAsAModelSourceWithNoWeights) {
    ModelSource source = open_model_source(kVocabDir + "ggml-vocab-llama-spm.gguf");
    EXPECT_EQ(source.format, SourceFormat::Gguf);
    EXPECT_EQ(source.architecture, "llama");
    ASSERT_TRUE(source.gguf);
    EXPECT_EQ(source.weights.size(), 0u);
    EXPECT_TRUE(source.hf_config.is_null());
}

TEST(GgufVocab, WrongTypeAccessNamesKeyAndType) {
    auto file = GgufFile::open(kVocabDir + "ggml-vocab-gpt-2.gguf");
    EXPECT_FALSE(file->get_uint("no.such.key").has_value());
    try {
        (void)file->get_uint("general.architecture");
        FAIL() << "expected loom::Error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("'general.architecture' holds STRING"), std::string::npos)
            << e.what();
        EXPECT_NE(std::string(e.what()).find("ggml-vocab-gpt-2.gguf"), std::string::npos) << e.what();
    }
    EXPECT_THROW((void)file->get_float_array("tokenizer.ggml.tokens"), Error);
    EXPECT_THROW((void)file->get_string("tokenizer.ggml.tokens"), Error);
}
