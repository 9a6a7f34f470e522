// Tokenizer files from hostile model folders and hostile inputs (issue 15 items 2, 5 and 8): deep nesting is
// refused with the limit named, absurd sizes with the file named (not "out of memory"), and a huge input does
// not leave its work buffers pinned on the thread. Files are generated here, never committed.
#include <gtest/gtest.h>
#include <malloc.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "core/error.h"
#include "core/json_depth.h"
#include "formats/model_source.h"
#include "tokenizer/tokenizer.h"

namespace loom {
namespace {

namespace fs = std::filesystem;

fs::path write_temp(const std::string& name, const std::string& text) {
    const fs::path dir = fs::temp_directory_path() / ("loom_tok_hostile_" + std::to_string(getpid()));
    fs::create_directories((dir / name).parent_path());
    std::ofstream(dir / name, std::ios::binary) << text;
    return dir / name;
}

std::string repeated(const std::string& piece, size_t n) {
    std::string out;
    out.reserve(piece.size() * n);
    for (size_t i = 0; i < n; ++i) out += piece;
    return out;
}

// A tiny BPE tokenizer.json with `extra` (",\"key\": value" members) after the model; built as text, since
// building a 100k-deep JSON value would itself recurse.
std::string tokenizer_json(const std::string& extra, const std::string& vocab = R"({"a": 0, "b": 1})") {
    return R"({"model": {"type": "BPE", "vocab": )" + vocab + R"(, "merges": []})" + extra + "}";
}

// `depth` levels of {"type": "Sequence", KEY: [ ... ]} around `leaf`.
std::string nested_sequence(const char* key, const std::string& leaf, size_t depth) {
    return repeated(std::string(R"({"type": "Sequence", ")") + key + R"(": [)", depth) + leaf +
           repeated("]}", depth);
}

std::string load_error(const fs::path& path) {
    try {
        Tokenizer::from_file(path.string());
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

// Sequences nested 50k-100k deep crashed `loom tokenize` and `loom run` (the factories recurse per level).
TEST(TokenizerHostile, DeepSequencesAreRefusedWithTheLimitNamed) {
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"normalizer", nested_sequence("normalizers", R"({"type": "Lowercase"})", 50000)},
        {"pre_tokenizer", nested_sequence("pretokenizers", R"({"type": "Whitespace"})", 50000)},
        {"decoder", nested_sequence("decoders", R"({"type": "Fuse"})", 100000)},
        {"post_processor", nested_sequence("processors", R"({"type": "ByteLevel"})", 100000)},
    };
    for (const auto& [member, value] : cases) {
        const fs::path path = write_temp(member + ".json", tokenizer_json(",\"" + member + "\": " + value));
        const std::string e = load_error(path);
        EXPECT_NE(e.find("nested deeper than 256 levels"), std::string::npos) << member << ": " << e;
        EXPECT_NE(e.find(path.string()), std::string::npos) << member << ": " << e;
    }
    // Honest nesting still loads.
    const fs::path ok = write_temp(
        "ok.json",
        tokenizer_json(",\"normalizer\": " + nested_sequence("normalizers", R"({"type": "Lowercase"})", 3)));
    EXPECT_EQ(Tokenizer::from_file(ok.string())->encode("AB", false).ids, (std::vector<int32_t>{0, 1}));
}

// A 100k-deep array in config.json crashed `loom inspect` (and every command that opens the folder).
TEST(TokenizerHostile, DeepConfigJsonIsRefusedNamingTheFile) {
    const fs::path config =
        write_temp("deep_config/config.json",
                   R"({"model_type": "llama", "x": )" + repeated("[", 100000) + repeated("]", 100000) + "}");
    try {
        open_model_source(config.parent_path().string());
        FAIL() << "a 100k-deep config.json was accepted";
    } catch (const Error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("nested deeper than 256 levels"), std::string::npos) << what;
        EXPECT_NE(what.find(config.string()), std::string::npos) << what;
    }
}

TEST(TokenizerHostile, JsonDepthScanIgnoresBracketsInStrings) {
    EXPECT_EQ(json_nesting_depth(R"({"a": [1, {"b": "[[[[{{{{\"]]]"}]})"), 3u);
    EXPECT_EQ(json_nesting_depth("[[[]]][]"), 3u);
    EXPECT_EQ(json_nesting_depth(repeated("[", 1000000), 256), 257u);  // stops counting past the limit
}

// A 1 MB Replace content and a vocab id of 2^31-1 ended in "out of memory" without naming the file.
TEST(TokenizerHostile, AbsurdSizesNameTheFileAndTheProblem) {
    const std::string big = repeated("x", 1 << 20);
    const fs::path replace = write_temp(
        "replace.json",
        tokenizer_json(R"(,"normalizer": {"type": "Replace", "pattern": {"String": "a"}, "content": ")" +
                       big + "\"}"));
    std::string e = load_error(replace);
    EXPECT_NE(e.find("Replace normalizer's content is 1048576 bytes, over the limit of 1024"),
              std::string::npos)
        << e.substr(0, 300);
    EXPECT_NE(e.find(replace.string()), std::string::npos) << e.substr(0, 300);

    const fs::path decoder = write_temp(
        "replace_decoder.json",
        tokenizer_json(R"(,"decoder": {"type": "Replace", "pattern": {"String": "a"}, "content": ")" + big +
                       "\"}"));
    e = load_error(decoder);
    EXPECT_NE(e.find("Replace decoder's content is 1048576 bytes"), std::string::npos) << e.substr(0, 300);

    // Under the content limit, but every 'a' becomes 1000 bytes: refused when encoding, naming the file.
    const fs::path growing = write_temp(
        "growing.json",
        tokenizer_json(R"(,"normalizer": {"type": "Replace", "pattern": {"String": "a"}, "content": ")" +
                       repeated("b", 1000) + "\"}"));
    try {
        Tokenizer::from_file(growing.string())->encode(std::string(1000, 'a'), false);
        FAIL() << "a Replace growing 1000 bytes to 1 MB was run";
    } catch (const Error& err) {
        const std::string what = err.what();
        EXPECT_NE(what.find("would grow 1000 bytes of text to 1000000"), std::string::npos) << what;
        EXPECT_NE(what.find(growing.string()), std::string::npos) << what;
    }

    const fs::path sparse = write_temp("sparse.json", tokenizer_json("", R"({"a": 0, "b": 2147483647})"));
    e = load_error(sparse);
    EXPECT_NE(e.find("vocab id 2147483647 is far past the 2 entries"), std::string::npos) << e;
    EXPECT_NE(e.find(sparse.string()), std::string::npos) << e;
}

size_t heap_bytes_in_use() {
    const struct mallinfo2 m = mallinfo2();
    return m.uordblks + m.hblkhd;  // small blocks + mmapped ones (big vectors)
}

// A one-word 4 MB prompt left the BPE work buffers (symbols and merge heap, ~110 MB) pinned on every HTTP
// thread that served one. After the call they are back to a small size.
TEST(TokenizerHostile, HugeWordLeavesNoPinnedScratch) {
    const auto tok = Tokenizer::from_file("tests/data/upstream/tokenizers/llama3/tokenizer.json");
    tok->encode("warm up the small buffers", false);
    const size_t before = heap_bytes_in_use();
    {
        const Encoding enc = tok->encode(std::string(2 << 20, 'a'), false);
        EXPECT_GT(enc.ids.size(), 1000u);
    }
    const size_t after = heap_bytes_in_use();
    EXPECT_LT(after, before + (8u << 20))
        << "scratch pinned: " << (after - before) / (1 << 20) << " MB over the baseline";
}

}  // namespace
}  // namespace loom
