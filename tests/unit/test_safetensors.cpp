// safetensors files written by the reference library (scripts/goldens/make_safetensors_fixtures.py) read back
// bit-exact: every supported dtype, scalars, zero-size tensors, sharded checkpoints; unsupported dtypes are
// named.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/mapped_file.h"
#include "formats/safetensors.h"

using namespace loom;
using nlohmann::json;

namespace {

const std::string kDir = "tests/data/safetensors/";

json expected() {
    return json::parse(read_text_file(kDir + "expected.json"));
}

std::vector<uint8_t> hex_bytes(const std::string& hex) {
    std::vector<uint8_t> out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<uint8_t>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    return out;
}

void expect_tensors(const WeightMap& weights, const json& want) {
    ASSERT_EQ(weights.size(), want.size());
    for (const auto& [name, t] : want.items()) {
        SCOPED_TRACE(name);
        const Tensor& tensor = weights.get(name);
        EXPECT_EQ(dtype_name(tensor.dtype()), t["dtype"].get<std::string>());
        EXPECT_EQ(tensor.shape(), t["shape"].get<std::vector<int64_t>>());
        std::vector<uint8_t> bytes = hex_bytes(t["hex"]);
        ASSERT_EQ(tensor.nbytes(), bytes.size());
        if (!bytes.empty()) {
            EXPECT_EQ(0, std::memcmp(tensor.data(), bytes.data(), bytes.size()));
        }
    }
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(Safetensors, ReadsEveryDTypeBitExact) {
    WeightMap weights;
    EXPECT_EQ(load_safetensors_file(kDir + "tiny.safetensors", weights), 10u);
    expect_tensors(weights, expected()["tiny.safetensors"]);
    EXPECT_EQ(weights.get("scalar").rank(), 0);
    EXPECT_EQ(weights.get("scalar").to_f32(), std::vector<float>{2.5f});
    EXPECT_EQ(weights.get("empty").numel(), 0);
}

TEST(Safetensors, TensorsAreViewsThatOutliveTheWeightMapsCaller) {
    Tensor kept;
    {
        WeightMap weights;
        load_safetensors_file(kDir + "tiny.safetensors", weights);
        kept = weights.get("f32");
    }
    // The mapping is owned by the tensor now; reading it is valid (ASan would catch a use after unmap).
    std::vector<float> values = kept.to_f32();
    std::vector<uint8_t> bytes = hex_bytes(expected()["tiny.safetensors"]["f32"]["hex"]);
    EXPECT_EQ(0, std::memcmp(values.data(), bytes.data(), bytes.size()));
}

TEST(Safetensors, ShardedIndexLoadsAllShardsIntoOneMap) {
    WeightMap weights;
    load_safetensors_index(kDir + "sharded/model.safetensors.index.json", weights);
    expect_tensors(weights, expected()["sharded"]);
}

TEST(Safetensors, UnsupportedDTypesAreNamed) {
    WeightMap weights;
    std::string u8 = error_of([&] { load_safetensors_file(kDir + "unsupported_u8.safetensors", weights); });
    EXPECT_NE(u8.find("tensor 'u8'"), std::string::npos) << u8;
    EXPECT_NE(u8.find("dtype U8 is not supported"), std::string::npos) << u8;
    std::string b = error_of([&] { load_safetensors_file(kDir + "unsupported_bool.safetensors", weights); });
    EXPECT_NE(b.find("tensor 'mask'"), std::string::npos) << b;
    EXPECT_NE(b.find("dtype BOOL is not supported"), std::string::npos) << b;
}

TEST(Safetensors, IndexErrors) {
    std::string dir = ::testing::TempDir() + "loom_index_test/";
    std::filesystem::create_directories(dir);
    auto write = [&](const std::string& name, const std::string& text) {
        std::ofstream(dir + name) << text;
        return dir + name;
    };
    WeightMap weights;
    std::string missing_shard = write("a.json", R"({"weight_map": {"w": "nope.safetensors"}})");
    EXPECT_NE(error_of([&] { load_safetensors_index(missing_shard, weights); }).find("nope.safetensors"),
              std::string::npos);
    std::string escaping = write("b.json", R"({"weight_map": {"w": "../../etc/passwd"}})");
    EXPECT_NE(error_of([&] { load_safetensors_index(escaping, weights); }).find("must be a file name"),
              std::string::npos);
    std::string no_map = write("c.json", R"({"metadata": {}})");
    EXPECT_NE(error_of([&] { load_safetensors_index(no_map, weights); }).find("no \"weight_map\""),
              std::string::npos);
    std::string not_json = write("d.json", "{oops");
    EXPECT_NE(error_of([&] { load_safetensors_index(not_json, weights); }).find("not a JSON object"),
              std::string::npos);
    // The index names a tensor the shard does not hold.
    std::filesystem::copy_file(kDir + "tiny.safetensors", dir + "tiny.safetensors",
                               std::filesystem::copy_options::overwrite_existing);
    std::string wrong = write("e.json", R"({"weight_map": {"ghost": "tiny.safetensors"}})");
    std::string message = error_of([&] { load_safetensors_index(wrong, weights); });
    EXPECT_NE(message.find("tensor 'ghost'"), std::string::npos) << message;
    EXPECT_NE(message.find("does not contain it"), std::string::npos) << message;
    std::filesystem::remove_all(dir);
}
