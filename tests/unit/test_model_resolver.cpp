// The one model resolver (store/model_resolver.h) and the safe-output rules (store/safe_output.h) without a
// network: which spellings are store names, a path that exists winning, the errors naming `loom pull`,
// offline refusing to pull, and an output that is the input refused in each of its spellings.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>

#include "core/error.h"
#include "store/model_resolver.h"
#include "store/model_store.h"
#include "store/safe_output.h"

namespace loom {
namespace {

namespace fs = std::filesystem;

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

class TempDir : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("loom_resolver_" + std::to_string(getpid()) + "_" +
                                            ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir_);
        fs::create_directories(dir_);
    }
    void TearDown() override {
        set_offline(false);
        fs::remove_all(dir_);
    }
    fs::path dir_;
};

TEST(ModelNames, WithAndWithoutThePrefix) {
    for (const char* name : {"hf:org/repo", "org/repo"}) {
        auto n = parse_model_name(name);
        ASSERT_TRUE(n) << name;
        EXPECT_EQ(n->repo, "org/repo");
        EXPECT_EQ(n->file, "");
    }
    auto f = parse_model_name("org/repo:model-Q4_K.gguf");
    ASSERT_TRUE(f);
    EXPECT_EQ(f->to_string(), "hf:org/repo:model-Q4_K.gguf");
    EXPECT_TRUE(parse_model_name("Qwen/Qwen2.5-0.5B-Instruct"));
}

TEST(ModelNames, PathsAreNotStoreNames) {
    for (const char* path : {"model.gguf", "./org/repo", "/abs/org/repo", "~/org/repo", "a/b/c", "dir/x.gguf",
                             "models/SmolLM2-135M-Instruct.Q4_1.gguf", "../org/repo", ""})
        EXPECT_FALSE(parse_model_name(path)) << path;
    EXPECT_THROW(parse_model_name("hf:a/b/c"), Error);  // with the prefix, a malformed name is an error
}

TEST_F(TempDir, AnExistingPathWinsOverAStoreName) {
    const fs::path store = dir_ / "store";
    fs::create_directories(store / "hf" / "org" / "repo");
    std::ofstream(store / "hf" / "org" / "repo" / "m.gguf") << "x";
    const fs::path cwd = fs::current_path();
    fs::current_path(dir_);
    fs::create_directories(dir_ / "org" / "repo");
    ModelLookup lookup;
    lookup.store = store.string();
    const std::string local = resolve_model("org/repo", lookup);
    const std::string stored = resolve_model("hf:org/repo", lookup);
    fs::current_path(cwd);
    EXPECT_EQ(local, "org/repo");
    EXPECT_EQ(stored, (store / "hf" / "org" / "repo" / "m.gguf").string());
}

TEST_F(TempDir, MissingModelsSayWhatToDo) {
    ModelLookup lookup;
    lookup.store = (dir_ / "store").string();
    EXPECT_NE(error_of([&] { resolve_model("org/absent", lookup); }).find("loom pull hf:org/absent"),
              std::string::npos);
    EXPECT_NE(error_of([&] { resolve_model("nothing-here.gguf", lookup); }).find("is no file or folder"),
              std::string::npos);
    lookup.pull_if_missing = true;
    set_offline(true);
    const std::string offline = error_of([&] { resolve_model("org/absent", lookup); });
    EXPECT_NE(offline.find("offline"), std::string::npos) << offline;
    EXPECT_NE(offline.find("loom pull hf:org/absent"), std::string::npos) << offline;
    EXPECT_FALSE(fs::exists(dir_ / "store" / "hf" / "org" / "absent"));
}

TEST_F(TempDir, OfflineFromTheEnvironment) {
    setenv("LOOM_OFFLINE", "1", 1);
    EXPECT_TRUE(offline_mode());
    setenv("LOOM_OFFLINE", "0", 1);
    EXPECT_FALSE(offline_mode());
    unsetenv("LOOM_OFFLINE");
}

TEST_F(TempDir, OutputThatIsTheInputIsRefused) {
    const fs::path in = dir_ / "in.gguf";
    std::ofstream(in) << "model";
    fs::create_symlink(in, dir_ / "link.gguf");
    fs::create_hard_link(in, dir_ / "hard.gguf");
    const fs::path cwd = fs::current_path();
    fs::current_path(dir_);
    for (const std::string& out : {in.string(), std::string("in.gguf"), std::string("./in.gguf"),
                                   std::string("link.gguf"), std::string("hard.gguf")})
        EXPECT_THROW(refuse_output_over_input(out, "in.gguf"), Error) << out;
    fs::create_directories("folder");
    std::ofstream("folder/config.json") << "{}";
    EXPECT_THROW(refuse_output_over_input("folder/config.json", "folder"), Error);
    EXPECT_NO_THROW(refuse_output_over_input("folder/new.gguf", "folder"));  // a new file beside the inputs
    EXPECT_NO_THROW(refuse_output_over_input("other.gguf", "in.gguf"));
    fs::current_path(cwd);
}

TEST_F(TempDir, TempFileRenamedOnlyWhenComplete) {
    const fs::path out = dir_ / "out.gguf";
    std::ofstream(out) << "old";
    EXPECT_THROW(write_via_temp_file(out.string(),
                                     [](const std::string& temp) {
                                         std::ofstream(temp) << "half";
                                         throw Error("disk full");
                                     }),
                 Error);
    std::ifstream old(out);
    std::string text;
    old >> text;
    EXPECT_EQ(text, "old");
    size_t files = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_)) ++files;
    EXPECT_EQ(files, 1u);  // no temp file left
    write_via_temp_file(out.string(), [](const std::string& temp) { std::ofstream(temp) << "new"; });
    std::ifstream fresh(out);
    fresh >> text;
    EXPECT_EQ(text, "new");
}

}  // namespace
}  // namespace loom
