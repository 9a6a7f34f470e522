// load_model_tokenizer_with_info on Hugging Face folders (the GGUF case is in test_vocab_gguf.cpp): special
// ids and the add-BOS flag from tokenizer_config.json, end-of-generation tokens, the chat template. Ids are
// those of the tokenizer.json files in tests/data/upstream/tokenizers.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "formats/model_tokenizer.h"

namespace loom {
namespace {

ModelSource hf_folder(const std::string& name) {
    const std::string dir = "tests/data/upstream/tokenizers/" + name + "/";
    ModelSource source;
    source.path = dir;
    source.format = SourceFormat::HuggingFace;
    source.tokenizer_json_path = dir + "tokenizer.json";
    source.tokenizer_config_path = dir + "tokenizer_config.json";
    return source;
}

TEST(ModelTokenizerHf, Qwen3EndsOnImEndAndEndOfText) {
    auto loaded = load_model_tokenizer_with_info(hf_folder("qwen3"));
    const TokenizerInfo& info = loaded.info;
    EXPECT_FALSE(info.bos_id.has_value());  // bos_token: null
    EXPECT_EQ(info.eos_token, "<|im_end|>");
    EXPECT_EQ(info.eos_id, loaded.tokenizer->token_to_id("<|im_end|>"));
    EXPECT_FALSE(info.add_bos);
    std::vector<int32_t> eog = {*loaded.tokenizer->token_to_id("<|endoftext|>"),
                                *loaded.tokenizer->token_to_id("<|im_end|>")};
    std::sort(eog.begin(), eog.end());
    EXPECT_EQ(info.eog_ids, eog);
    EXPECT_NE(info.chat_template.find("<|im_start|>"), std::string::npos);
}

TEST(ModelTokenizerHf, DeepseekV3AddsBosFromTheConfigFlag) {
    // tokenizer_config.json: add_bos_token = true, but tokenizer.json's post-processor adds nothing.
    auto loaded = load_model_tokenizer_with_info(hf_folder("deepseek-v3"));
    const TokenizerInfo& info = loaded.info;
    EXPECT_EQ(info.bos_id, 0);
    EXPECT_TRUE(info.add_bos);
    EXPECT_FALSE(info.encode_adds_bos);
    auto ids = encode_for_model(loaded, "hello");
    ASSERT_EQ(ids.size(), loaded.tokenizer->encode("hello", false).ids.size() + 1);
    EXPECT_EQ(ids.front(), 0);
}

TEST(ModelTokenizerHf, Llama2TemplateAddsBos) {
    auto loaded = load_model_tokenizer_with_info(hf_folder("llama2"));
    EXPECT_EQ(loaded.info.bos_id, 1);
    EXPECT_EQ(loaded.info.eos_id, 2);
    EXPECT_TRUE(loaded.info.add_bos);
    EXPECT_TRUE(loaded.info.encode_adds_bos);
    auto ids = encode_for_model(loaded, "hello");
    EXPECT_EQ(ids.front(), 1);
    EXPECT_NE(ids.size() > 1 ? ids[1] : 1, 1);  // BOS once, not twice
    EXPECT_EQ(loaded.info.eog_ids, (std::vector<int32_t>{2}));
}

TEST(ModelTokenizerHf, SentencePieceModelWithConfigFlags) {
    auto dir = std::filesystem::temp_directory_path() / "loom_test_spm_folder";
    std::filesystem::create_directories(dir);
    std::ofstream(dir / "tokenizer_config.json") << R"({"add_bos_token": true, "bos_token": "<s>",
        "eos_token": "</s>", "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default",
        "template": "D"}]})";
    ModelSource source;
    source.path = dir.string();
    source.format = SourceFormat::HuggingFace;
    source.sentencepiece_model_path = "tests/data/upstream/sentencepiece/test_model.model";
    source.tokenizer_config_path = (dir / "tokenizer_config.json").string();
    auto loaded = load_model_tokenizer_with_info(source);
    EXPECT_EQ(loaded.info.bos_id, 1);
    EXPECT_EQ(loaded.info.eos_id, 2);
    EXPECT_TRUE(loaded.info.encode_adds_bos);
    EXPECT_EQ(loaded.tokenizer->encode("hello", true).ids.front(), 1);
    EXPECT_EQ(loaded.info.chat_template, "D");
    std::filesystem::remove_all(dir);
}

TEST(ModelTokenizerHf, NoTokenizerIsAnError) {
    ModelSource source;
    source.path = "somewhere";
    source.format = SourceFormat::HuggingFace;
    EXPECT_THROW(load_model_tokenizer(source), Error);
}

}  // namespace
}  // namespace loom
