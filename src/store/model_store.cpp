#include "store/model_store.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "core/error.h"
#include "formats/gguf.h"
#include "formats/model_source.h"

namespace loom {
namespace {

namespace fs = std::filesystem;

// One part of a repo or file path: not empty, "." or "..", and no backslash or control character.
bool valid_part(const std::string& part) {
    if (part.empty() || part == "." || part == "..") return false;
    for (const char c : part)
        if (c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    return true;
}

uint64_t size_on_disk(const fs::path& path) {
    std::error_code ec;
    if (fs::is_regular_file(path, ec)) return fs::file_size(path, ec);
    uint64_t total = 0;
    for (auto it = fs::recursive_directory_iterator(path, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file(ec)) total += it->file_size(ec);
    return total;
}

std::string describe(const fs::path& path) {
    try {
        ModelSource source = open_model_source(path.string());
        if (source.format == SourceFormat::HuggingFace) return "hf folder (" + source.architecture + ")";
        std::string type = "gguf";
        // The most common matrix type names the file's quantization.
        std::map<std::string, uint64_t> bytes_by_type;
        for (const auto& [name, t] : source.weights.all())
            if (t.rank() >= 2) bytes_by_type[dtype_name(t.dtype())] += t.nbytes();
        auto top = std::max_element(bytes_by_type.begin(), bytes_by_type.end(),
                                    [](const auto& a, const auto& b) { return a.second < b.second; });
        if (top != bytes_by_type.end()) type += " " + top->first;
        return type + " (" + source.architecture + ")";
    } catch (const Error&) {
        return "incomplete or unreadable";
    }
}

bool is_model_folder(const fs::path& dir) {
    return fs::exists(dir / "config.json");
}

void add_repo(const fs::path& dir, const std::string& repo, std::vector<StoredModel>& out) {
    if (is_model_folder(dir)) {
        out.push_back({"hf:" + repo, dir.string(), size_on_disk(dir), describe(dir), "store"});
        return;
    }
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.is_regular_file() && entry.path().extension() == ".gguf")
            out.push_back({"hf:" + repo + ":" + entry.path().filename().string(), entry.path().string(),
                           size_on_disk(entry.path()), describe(entry.path()), "store"});
}

}  // namespace

std::vector<std::string> registry_model_dirs() {
    std::vector<fs::path> dirs{fs::current_path() / "models"};
#ifdef LOOM_SOURCE_DIR
    dirs.push_back(fs::path(LOOM_SOURCE_DIR) / "models");
#endif
    std::vector<std::string> unique;
    std::error_code ec;
    for (const fs::path& d : dirs) {
        if (!fs::is_directory(d, ec)) continue;
        const std::string canonical = fs::weakly_canonical(d, ec).string();
        if (std::find(unique.begin(), unique.end(), canonical) == unique.end()) unique.push_back(canonical);
    }
    return unique;
}

std::optional<HfModelName> parse_model_name(const std::string& name) {
    if (name.rfind("hf:", 0) == 0) return parse_hf_name(name);
    if (name.empty() || name[0] == '.' || name[0] == '/' || name[0] == '~') return std::nullopt;
    const std::string repo = name.substr(0, name.find(':'));
    if (std::count(repo.begin(), repo.end(), '/') != 1) return std::nullopt;
    if (repo.size() == name.size() && repo.size() >= 5 && repo.compare(repo.size() - 5, 5, ".gguf") == 0)
        return std::nullopt;
    try {
        return parse_hf_name("hf:" + name);
    } catch (const Error&) {
        return std::nullopt;  // not a well-formed repo name: left to be reported as a missing path
    }
}

std::optional<HfModelName> parse_hf_name(const std::string& name) {
    if (name.rfind("hf:", 0) != 0) return std::nullopt;
    const std::string rest = name.substr(3);
    HfModelName parsed;
    const size_t colon = rest.find(':');
    parsed.repo = rest.substr(0, colon);
    if (colon != std::string::npos) parsed.file = rest.substr(colon + 1);
    const size_t slash = parsed.repo.find('/');
    if (slash == std::string::npos || parsed.repo.find('/', slash + 1) != std::string::npos ||
        !valid_part(parsed.repo.substr(0, slash)) || !valid_part(parsed.repo.substr(slash + 1)))
        throw Error("model name '" + name + "': expected hf:ORG/REPO or hf:ORG/REPO:FILE");
    if (colon != std::string::npos) check_repo_file_path(parsed.file, "model name '" + name + "'");
    return parsed;
}

void check_repo_file_path(const std::string& file, const std::string& what) {
    // FILE may sit in a subfolder of the repo, but may not climb out of it.
    if (file.empty()) throw Error(what + ": empty FILE");
    if (file.front() == '/') throw Error(what + ": an absolute FILE path would land outside the store");
    size_t start = 0;
    while (true) {
        const size_t slash = file.find('/', start);
        if (!valid_part(file.substr(start, slash - start)))
            throw Error(what +
                        ": an empty, '.' or '..' part, a backslash or a control character in the FILE path "
                        "(it could land outside the store)");
        if (slash == std::string::npos) break;
        start = slash + 1;
    }
}

std::string store_root(const std::string& flag) {
    if (!flag.empty()) return flag;
    if (const char* home = std::getenv("LOOM_HOME"); home && *home) return home;
    const char* user_home = std::getenv("HOME");
    return (fs::path(user_home && *user_home ? user_home : ".") / ".cache" / "loom").string();
}

std::string repo_dir(const std::string& root, const HfModelName& name) {
    return (fs::path(root) / "hf" / name.repo).string();
}

std::vector<StoredModel> list_models(const std::string& root) {
    std::vector<StoredModel> out;
    std::error_code ec;
    const fs::path hf = fs::path(root) / "hf";
    for (const auto& org : fs::directory_iterator(hf, ec)) {
        if (!org.is_directory()) continue;
        for (const auto& repo : fs::directory_iterator(org.path(), ec))
            if (repo.is_directory())
                add_repo(repo.path(), org.path().filename().string() + "/" + repo.path().filename().string(),
                         out);
    }
    for (const fs::path dir : registry_model_dirs())
        for (const auto& entry : fs::directory_iterator(dir, ec)) {
            const bool gguf = entry.is_regular_file() && entry.path().extension() == ".gguf";
            if (gguf || (entry.is_directory() && is_model_folder(entry.path())))
                out.push_back({"models/" + entry.path().filename().string(), entry.path().string(),
                               size_on_disk(entry.path()), describe(entry.path()), "registry package"});
        }
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
    return out;
}

std::string resolve_stored_model(const std::string& root, const std::string& name) {
    std::optional<HfModelName> parsed = parse_model_name(name);
    if (!parsed) throw Error("'" + name + "' is not a store name (ORG/REPO[:FILE] or hf:ORG/REPO[:FILE])");
    fs::path dir = repo_dir(root, *parsed);
    fs::path path = parsed->file.empty() ? dir : dir / parsed->file;
    std::error_code ec;
    if (!fs::exists(path, ec))
        throw Error("not in the store (" + root + "): " + name + "; run: loom pull " + parsed->to_string());
    if (parsed->file.empty() && !is_model_folder(dir)) {  // a GGUF repo: its only .gguf file
        std::vector<fs::path> ggufs;
        for (const auto& entry : fs::directory_iterator(dir, ec))
            if (entry.path().extension() == ".gguf") ggufs.push_back(entry.path());
        if (ggufs.size() == 1) return ggufs[0].string();
        throw Error(name + " holds " + std::to_string(ggufs.size()) + " GGUF files; name one: " + name +
                    ":FILE");
    }
    return path.string();
}

uint64_t remove_model(const std::string& root, const std::string& name) {
    std::optional<HfModelName> parsed = parse_model_name(name);
    if (!parsed)
        throw Error("'" + name +
                    "' is not a store name (ORG/REPO[:FILE] or hf:ORG/REPO[:FILE]); registry-package models "
                    "in models/ are not removed by loom");
    const fs::path dir = repo_dir(root, *parsed);
    const fs::path target = parsed->file.empty() ? dir : dir / parsed->file;
    std::error_code ec;
    if (!fs::exists(target, ec)) throw Error("not in the store (" + root + "): " + name);
    const uint64_t bytes = size_on_disk(target);
    fs::remove_all(target, ec);
    if (ec) throw Error("cannot remove " + target.string() + ": " + ec.message());
    fs::remove(fs::path(target.string() + ".part"), ec);
    // Drop folders left empty (the repo, then the org), never the store root.
    for (fs::path p = parsed->file.empty() ? dir.parent_path() : dir;
         p != fs::path(root) / "hf" && fs::is_empty(p, ec); p = p.parent_path())
        fs::remove(p, ec);
    return bytes;
}

}  // namespace loom
