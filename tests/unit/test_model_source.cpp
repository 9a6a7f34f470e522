// open_model_source: GGUF files and Hugging Face folders load; every way a path can be wrong gives one clear
// error.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/mapped_file.h"
#include "formats/gguf.h"
#include "formats/gguf_writer.h"
#include "formats/model_source.h"

using namespace loom;
namespace fs = std::filesystem;

namespace {

const std::string kHfTiny = "tests/data/safetensors/hf_tiny";

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

// A scratch folder per test, removed at the end.
struct ScratchDir {
    fs::path path;
    explicit ScratchDir(const std::string& name) : path(fs::path(::testing::TempDir()) / name) {
        fs::remove_all(path);
        fs::create_directories(path);
    }
    ~ScratchDir() { fs::remove_all(path); }
    std::string write(const std::string& name, const std::string& text) const {
        std::ofstream(path / name, std::ios::binary) << text;
        return (path / name).string();
    }
    void copy(const std::string& from, const std::string& name) const {
        fs::copy_file(from, path / name, fs::copy_options::overwrite_existing);
    }
};

}  // namespace

TEST(ModelSource, OpensATinyHuggingFaceFolder) {
    ModelSource source = open_model_source(kHfTiny);
    EXPECT_EQ(source.format, SourceFormat::HuggingFace);
    EXPECT_EQ(source.architecture, "llama");
    EXPECT_EQ(source.hf_config["hidden_size"], 8);
    EXPECT_FALSE(source.gguf);
    nlohmann::json expected = nlohmann::json::parse(read_text_file("tests/data/safetensors/expected.json"));
    ASSERT_EQ(source.weights.size(), expected["hf_tiny"]["tensors"].size());
    for (const auto& [name, t] : expected["hf_tiny"]["tensors"].items()) {
        EXPECT_EQ(dtype_name(source.weights.get(name).dtype()), t["dtype"].get<std::string>());
        EXPECT_EQ(source.weights.get(name).shape(), t["shape"].get<std::vector<int64_t>>());
    }
    EXPECT_EQ(source.tokenizer_json_path, kHfTiny + "/tokenizer.json");
    EXPECT_EQ(source.tokenizer_config_path, kHfTiny + "/tokenizer_config.json");
    EXPECT_EQ(source.generation_config_path, kHfTiny + "/generation_config.json");
    EXPECT_EQ(source.sentencepiece_model_path, "");
}

TEST(ModelSource, OpensAShardedFolderAndFindsSentencePiece) {
    ScratchDir dir("loom_ms_sharded");
    dir.write("config.json", R"({"architectures": ["T5ForConditionalGeneration"]})");
    for (const char* name : {"model.safetensors.index.json", "model-00001-of-00002.safetensors",
                             "model-00002-of-00002.safetensors"})
        dir.copy(std::string("tests/data/safetensors/sharded/") + name, name);
    dir.copy("tests/data/upstream/sentencepiece/test_model.model", "spiece.model");
    ModelSource source = open_model_source(dir.path.string());
    EXPECT_EQ(source.architecture, "T5ForConditionalGeneration");  // no model_type: the first architecture
    EXPECT_EQ(source.weights.size(), 4u);
    EXPECT_EQ(source.sentencepiece_model_path, (dir.path / "spiece.model").string());
    EXPECT_EQ(source.tokenizer_json_path, "");
}

TEST(ModelSource, OpensAGgufFile) {
    ScratchDir dir("loom_ms_gguf");
    GgufWriter writer;
    writer.set("general.architecture", GgufValue::string("gpt2"));
    writer.add_tensor("token_embd.weight", DType::F32, {4, 2}, std::vector<uint8_t>(32));
    std::string path = (dir.path / "m.bin").string();  // the magic decides, not the extension
    writer.write(path);
    ModelSource source = open_model_source(path);
    EXPECT_EQ(source.format, SourceFormat::Gguf);
    EXPECT_EQ(source.architecture, "gpt2");
    ASSERT_TRUE(source.gguf);
    EXPECT_EQ(source.weights.get("token_embd.weight").shape(), (std::vector<int64_t>{4, 2}));
}

TEST(ModelSource, ClearErrors) {
    ScratchDir dir("loom_ms_errors");
    std::string missing = error_of([&] { open_model_source((dir.path / "nope.gguf").string()); });
    EXPECT_NE(missing.find("no such file or folder"), std::string::npos) << missing;
    EXPECT_NE(missing.find("nope.gguf"), std::string::npos) << missing;

    std::string no_config = error_of([&] { open_model_source(dir.path.string()); });
    EXPECT_NE(no_config.find("folder has no config.json"), std::string::npos) << no_config;

    dir.write("config.json", R"({"model_type": "bert"})");
    std::string no_weights = error_of([&] { open_model_source(dir.path.string()); });
    EXPECT_NE(no_weights.find("no safetensors weights"), std::string::npos) << no_weights;
    dir.write("pytorch_model.bin", "not really");
    no_weights = error_of([&] { open_model_source(dir.path.string()); });
    EXPECT_NE(no_weights.find("pytorch_model.bin is not read"), std::string::npos) << no_weights;

    dir.write("config.json", R"({"hidden_size": 8})");
    std::string unnamed = error_of([&] { open_model_source(dir.path.string()); });
    EXPECT_NE(unnamed.find("neither \"model_type\" nor \"architectures\""), std::string::npos) << unnamed;
    dir.write("config.json", "[1, 2]");
    EXPECT_NE(error_of([&] { open_model_source(dir.path.string()); }).find("not a JSON object"),
              std::string::npos);
    dir.write("config.json", "{broken");
    EXPECT_NE(error_of([&] { open_model_source(dir.path.string()); }).find("not valid JSON"),
              std::string::npos);

    std::string text = dir.write("notes.txt", "hello, not a model");
    std::string unknown = error_of([&] { open_model_source(text); });
    EXPECT_NE(unknown.find("unknown file type"), std::string::npos) << unknown;
    std::string lone = dir.write("model.safetensors", "x");
    EXPECT_NE(error_of([&] { open_model_source(lone); }).find("has no config.json"), std::string::npos);
    std::string empty = dir.write("empty.gguf", "");
    EXPECT_NE(error_of([&] { open_model_source(empty); }).find("unknown file type"), std::string::npos);
    std::string truncated = dir.write("t.gguf", "GGUF\x03");
    EXPECT_NE(error_of([&] { open_model_source(truncated); }).find("t.gguf at byte 4"), std::string::npos);
}
