// The model store without a network: names, the store root's precedence, sha256 (FIPS 180-2 test vectors),
// which files a pull selects from a repo listing (hostile names refused), URL escaping, removal, and the
// memory estimate's arithmetic.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "formats/model_source.h"
#include "models/model_config.h"
#include "store/hub_pull.h"
#include "store/memory_estimate.h"
#include "store/model_store.h"
#include "store/sha256.h"
#include "store/url_escape.h"

namespace loom {
namespace {

namespace fs = std::filesystem;

TEST(StoreNames, ParsesRepoAndFile) {
    auto n = parse_hf_name("hf:HuggingFaceTB/SmolLM2-135M-Instruct");
    ASSERT_TRUE(n);
    EXPECT_EQ(n->repo, "HuggingFaceTB/SmolLM2-135M-Instruct");
    EXPECT_EQ(n->file, "");
    auto f = parse_hf_name("hf:org/repo:sub/model-Q4_K.gguf");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->repo, "org/repo");
    EXPECT_EQ(f->file, "sub/model-Q4_K.gguf");
    EXPECT_EQ(f->to_string(), "hf:org/repo:sub/model-Q4_K.gguf");
    EXPECT_FALSE(parse_hf_name("models/x.gguf"));
}

TEST(StoreNames, RejectsMalformedNames) {
    for (const char* bad : {"hf:", "hf:repo", "hf:a/b/c", "hf:/b", "hf:a/", "hf:../b",
                            "hf:a/b:", "hf:a/b:../x", "hf:a/b:/etc/passwd", "hf:a/b:x/../../y"})
        EXPECT_THROW(parse_hf_name(bad), Error) << bad;
}

TEST(StoreRoot, FlagThenEnvironmentThenHome) {
    const char* old_home = std::getenv("LOOM_HOME");
    setenv("LOOM_HOME", "/tmp/loom-env-store", 1);
    EXPECT_EQ(store_root("/tmp/flag"), "/tmp/flag");
    EXPECT_EQ(store_root(""), "/tmp/loom-env-store");
    unsetenv("LOOM_HOME");
    setenv("HOME", "/home/someone", 1);
    EXPECT_EQ(store_root(""), "/home/someone/.cache/loom");
    if (old_home) setenv("LOOM_HOME", old_home, 1);
}

TEST(Sha256, KnownVectors) {
    Sha256 empty;
    EXPECT_EQ(empty.hex_digest(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    Sha256 abc;
    abc.update("ab", 2);
    abc.update("c", 1);  // incremental == one piece
    EXPECT_EQ(abc.hex_digest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const fs::path file = fs::temp_directory_path() / ("loom_sha_" + std::to_string(getpid()));
    std::ofstream(file) << "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    EXPECT_EQ(sha256_file_hex(file.string()),
              "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    fs::remove(file);
    EXPECT_THROW(sha256_file_hex("/nonexistent/file"), Error);
}

HubRepoInfo listing(std::initializer_list<const char*> names) {
    HubRepoInfo info{"org/repo", "main", "", {}};
    for (const char* n : names) info.files.push_back({n, 10, std::nullopt});
    return info;
}

std::vector<std::string> names_of(const std::vector<HubFile>& files) {
    std::vector<std::string> out;
    for (const HubFile& f : files) out.push_back(f.name);
    return out;
}

TEST(PullSelection, FolderFilesOnly) {
    auto info = listing({".gitattributes", "README.md", "config.json", "model-00001-of-00002.safetensors",
                         "model-00002-of-00002.safetensors", "model.safetensors.index.json", "tokenizer.json",
                         "tokenizer_config.json", "pytorch_model.bin", "onnx/model.onnx", "model.Q4_K.gguf"});
    EXPECT_EQ(names_of(select_files(info, {"org/repo", ""})),
              (std::vector<std::string>{"config.json", "model-00001-of-00002.safetensors",
                                        "model-00002-of-00002.safetensors", "model.safetensors.index.json",
                                        "tokenizer.json", "tokenizer_config.json"}));
}

TEST(PullSelection, GgufRepos) {
    EXPECT_EQ(names_of(select_files(listing({"README.md", "m.Q4_K_M.gguf"}), {"org/repo", ""})),
              (std::vector<std::string>{"m.Q4_K_M.gguf"}));
    auto several = listing({"m.Q4_K_M.gguf", "m.Q8_0.gguf"});
    try {
        select_files(several, {"org/repo", ""});
        FAIL() << "several GGUF files must be an error";
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("hf:org/repo:m.Q8_0.gguf"), std::string::npos) << e.what();
    }
    EXPECT_EQ(names_of(select_files(several, {"org/repo", "m.Q8_0.gguf"})),
              (std::vector<std::string>{"m.Q8_0.gguf"}));
    EXPECT_THROW(select_files(several, {"org/repo", "other.gguf"}), Error);
    EXPECT_THROW(select_files(listing({"README.md"}), {"org/repo", ""}), Error);
}

// Issue 15 item 6: the names a hub lists decide where files land; they pass the typed names' check.
TEST(PullSelection, RefusesHubNamesThatLeaveTheRepoFolder) {
    for (const char* hostile :
         {"../../x.gguf", "/abs/x.gguf", "sub/../../x.gguf", "a\\b.gguf", "x\x1b]0;t.gguf"}) {
        try {
            select_files(listing({hostile}), {"org/repo", ""});
            FAIL() << hostile << " was selected";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("hf:org/repo lists the file"), std::string::npos)
                << e.what();
        }
    }
    EXPECT_EQ(names_of(select_files(listing({"%2e%2e/a?b#c.gguf"}), {"org/repo", ""})),
              (std::vector<std::string>{"%2e%2e/a?b#c.gguf"}));  // odd but inside the folder
}

TEST(HubUrls, FileNamesArePercentEscaped) {
    EXPECT_EQ(escape_url_path("org/Repo-1.5_x~"), "org/Repo-1.5_x~");
    EXPECT_EQ(escape_url_path("%2e%2e/a?b#c d.gguf"), "%252e%252e/a%3Fb%23c%20d.gguf");
    EXPECT_EQ(escape_url_path("\xc3\xa9"), "%C3%A9");  // UTF-8 bytes one by one
}

TEST(StoreRemove, RemovesFolderAndEmptyParents) {
    const fs::path root = fs::temp_directory_path() / ("loom_store_" + std::to_string(getpid()));
    fs::create_directories(root / "hf/org/repo");
    std::ofstream(root / "hf/org/repo/a.gguf") << "12345";
    std::ofstream(root / "hf/org/repo/b.gguf") << "123";
    EXPECT_EQ(resolve_stored_model(root.string(), "hf:org/repo:a.gguf"),
              (root / "hf/org/repo/a.gguf").string());
    EXPECT_THROW(resolve_stored_model(root.string(), "hf:org/repo"), Error);  // two GGUFs: name one
    EXPECT_EQ(remove_model(root.string(), "hf:org/repo:a.gguf"), 5u);
    EXPECT_EQ(resolve_stored_model(root.string(), "hf:org/repo"), (root / "hf/org/repo/b.gguf").string());
    EXPECT_EQ(remove_model(root.string(), "hf:org/repo"), 3u);
    EXPECT_FALSE(fs::exists(root / "hf/org"));
    EXPECT_TRUE(fs::exists(root / "hf"));
    EXPECT_THROW(remove_model(root.string(), "hf:org/repo"), Error);
    EXPECT_THROW(remove_model(root.string(), "models/x.gguf"), Error);
    fs::remove_all(root);
}

TEST(MemoryEstimate, KvCacheArithmetic) {
    ModelSource source;  // no weights: the estimate is the cache and the scratch
    source.format = SourceFormat::Gguf;
    ModelConfig c;
    c.n_layer = 30, c.n_embd = 576, c.n_head = 9, c.n_head_kv = 3, c.head_dim = 64, c.n_ff = 1536,
    c.n_vocab = 49152;
    MemoryEstimate e = estimate_memory(source, c, 2048);
    // SmolLM2-135M's shape: 2 x 30 layers x 3 kv heads x 64 x 2048 positions x 4 bytes = 90 MiB.
    EXPECT_EQ(e.kv_cache, 2ull * 30 * 3 * 64 * 2048 * 4);
    EXPECT_EQ(e.total, e.weights + e.kv_cache + e.scratch);
    EXPECT_GT(e.scratch, 49152u * 4);
    e.available = e.total;
    EXPECT_TRUE(e.fits());
    e.available = e.total - 1;
    EXPECT_FALSE(e.fits());
    EXPECT_NE(describe_memory(e).find("does NOT fit"), std::string::npos);
    EXPECT_TRUE(available_memory_bytes().has_value());  // Linux: /proc/meminfo
}

}  // namespace
}  // namespace loom
