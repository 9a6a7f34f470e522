#include "formats/gguf_hf_files.h"

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "core/json_depth.h"
#include "core/mapped_file.h"
#include "formats/gguf.h"

namespace loom {
namespace {

namespace fs = std::filesystem;

// Files transformers / sentence-transformers read beside the weights. Weights themselves are not here.
const char* const kSideFiles[] = {
    "config.json",
    "generation_config.json",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "spiece.model",
    "sentencepiece.bpe.model",
    "tokenizer.model",
    "source.spm",
    "target.spm",
    "vocab.json",
    "vocab.txt",
    "merges.txt",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
};

std::string file_bytes(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot read file").file(path.string());
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

bool safe_relative(const std::string& rel) {
    const fs::path p(rel);
    if (rel.empty() || p.is_absolute()) return false;
    for (const fs::path& part : p)
        if (part == ".." || part == ".") return false;
    return true;
}

std::string bytes_of(const GgufValue& value, const std::string& key) {
    if (value.type() != GgufType::Array || value.as_array().element_type != GgufType::UInt8)
        throw Error("expected an array of UINT8 (a file's bytes)").tensor(key);
    const auto& items = value.as_array().items;
    std::string bytes(items.size(), '\0');
    for (size_t i = 0; i < items.size(); ++i) bytes[i] = static_cast<char>(items[i].as_unsigned());
    return bytes;
}

// FNV-1a 64 over names and contents: the unpack folder's name, so different files never share one.
uint64_t fnv1a(uint64_t h, const std::string& s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    return (h ^ 0xff) * 1099511628211ull;  // separator, so ("ab","c") and ("a","bc") differ
}

}  // namespace

std::vector<std::string> hf_side_files(const std::string& folder) {
    std::vector<std::string> out;
    std::error_code ec;
    for (const char* name : kSideFiles)
        if (fs::is_regular_file(fs::path(folder) / name, ec)) out.push_back(name);
    // sentence-transformers modules: each module's folder may hold a config.json (pooling, dense, ...).
    const fs::path modules = fs::path(folder) / "modules.json";
    if (fs::is_regular_file(modules, ec)) {
        auto j = nlohmann::json::parse(read_json_text(modules.string()), nullptr, /*allow_exceptions=*/false);
        if (j.is_array())
            for (const auto& m : j) {
                if (!m.is_object() || !m.contains("path") || !m["path"].is_string()) continue;
                const std::string dir = m["path"].get<std::string>();
                if (dir.empty() || !safe_relative(dir)) continue;
                const std::string rel = (fs::path(dir) / "config.json").generic_string();
                if (fs::is_regular_file(fs::path(folder) / rel, ec)) out.push_back(rel);
            }
    }
    return out;
}

void write_hf_side_files(GgufWriter& writer, const std::string& folder,
                         const std::vector<std::string>& relative_paths) {
    for (const std::string& rel : relative_paths) {
        const std::string bytes = file_bytes(fs::path(folder) / rel);
        std::vector<GgufValue> items;
        items.reserve(bytes.size());
        for (unsigned char c : bytes) items.push_back(GgufValue::u8(c));
        writer.set(kHfFileKeyPrefix + rel, GgufValue::array(GgufType::UInt8, std::move(items)));
    }
}

bool read_hf_side_file(const GgufFile& file, const std::string& relative_path, std::string& bytes) {
    const std::string key = kHfFileKeyPrefix + relative_path;
    const GgufValue* value = file.find(key);
    if (!value) return false;
    bytes = bytes_of(*value, key);
    return true;
}

std::string unpack_hf_side_files(const GgufFile& file) {
    const std::string prefix(kHfFileKeyPrefix);
    std::vector<std::pair<std::string, std::string>> files;  // (relative path, bytes)
    uint64_t hash = 14695981039346656037ull;
    for (const auto& [key, value] : file.metadata()) {
        if (key.compare(0, prefix.size(), prefix) != 0) continue;
        const std::string rel = key.substr(prefix.size());
        if (!safe_relative(rel))
            throw Error("carried file path '" + rel + "' leaves its folder").file(file.path()).tensor(key);
        files.emplace_back(rel, bytes_of(value, key));
        hash = fnv1a(fnv1a(hash, rel), files.back().second);
    }
    if (files.empty()) return "";
    char name[64];
    std::snprintf(name, sizeof name, "loom-gguf-files-%016llx", static_cast<unsigned long long>(hash));
    const fs::path final_dir = fs::temp_directory_path() / name;
    // The temp folder is shared: a folder of that name is reused only if it holds exactly these bytes, so a
    // planted or damaged one is never read as this model's tokenizer or config.
    auto holds_these_files = [&files](const fs::path& dir) {
        std::error_code ec;
        if (!fs::exists(dir / ".complete", ec)) return false;
        for (const auto& [rel, bytes] : files) {
            const fs::path path = dir / rel;
            if (fs::is_symlink(path, ec) || !fs::is_regular_file(path, ec)) return false;
            if (fs::file_size(path, ec) != bytes.size() || ec) return false;
            if (file_bytes(path) != bytes) return false;
        }
        return true;
    };
    if (holds_these_files(final_dir)) return final_dir.string();

    const fs::path private_dir = final_dir.string() + ".part-" + std::to_string(getpid());
    std::error_code ec;
    fs::remove_all(private_dir, ec);
    for (const auto& [rel, bytes] : files) {
        const fs::path path = private_dir / rel;
        fs::create_directories(path.parent_path(), ec);
        std::ofstream out(path, std::ios::binary);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!out) throw Error("cannot unpack the GGUF's carried files to " + path.string()).file(file.path());
    }
    std::ofstream(private_dir / ".complete") << "unpacked from " << file.path() << "\n";
    fs::rename(private_dir, final_dir,
               ec);  // fails when another process got there first: use theirs if equal
    if (!ec) return final_dir.string();
    if (holds_these_files(final_dir)) {
        fs::remove_all(private_dir, ec);
        return final_dir.string();
    }
    return private_dir.string();  // the shared name holds something else: keep this process's own copy
}

}  // namespace loom
