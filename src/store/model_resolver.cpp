#include "store/model_resolver.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "core/error.h"
#include "store/hub_pull.h"
#include "store/model_store.h"

namespace loom {
namespace {

namespace fs = std::filesystem;

std::atomic<bool> g_offline_flag{false};

// "models/<file>" as `loom list` prints a registry-package model: looked up in every registry folder.
std::string find_registry_model(const std::string& name) {
    const std::string prefix = "models/";
    if (name.rfind(prefix, 0) != 0 || name.size() == prefix.size()) return "";
    const std::string file = name.substr(prefix.size());
    std::error_code ec;
    for (const std::string& dir : registry_model_dirs()) {
        const fs::path candidate = fs::path(dir) / file;
        if (fs::exists(candidate, ec)) return candidate.string();
    }
    return "";
}

// In the store and complete: an interrupted pull leaves a FILE.part, which the next pull resumes.
bool store_has(const std::string& root, const HfModelName& name) {
    std::error_code ec;
    const fs::path dir = repo_dir(root, name);
    if (!fs::exists(name.file.empty() ? dir : dir / name.file, ec)) return false;
    for (const auto& entry : fs::directory_iterator(dir, ec))
        if (entry.path().extension() == ".part") return false;
    return true;
}

}  // namespace

void set_offline(bool offline) {
    g_offline_flag = offline;
}

bool offline_mode() {
    if (g_offline_flag) return true;
    const char* env = std::getenv("LOOM_OFFLINE");
    if (!env) return false;
    const std::string v = env;
    return v == "1" || v == "true" || v == "yes";
}

std::string resolve_model(const std::string& name, const ModelLookup& lookup) {
    if (name.empty())
        throw Error("no model given: pass -m MODEL (a path, a name from loom list, or ORG/REPO)");
    std::error_code ec;
    if (fs::exists(name, ec)) return name;  // a path that exists always wins over a store name
    if (std::string registry = find_registry_model(name); !registry.empty()) return registry;
    const std::optional<HfModelName> parsed = parse_model_name(name);  // throws for a malformed hf: name
    if (!parsed)
        throw Error("model not found: '" + name +
                    "' is no file or folder, nor a store name (ORG/REPO[:FILE] or hf:ORG/REPO[:FILE]); "
                    "loom list shows the models there are");
    const std::string root = store_root(lookup.store);
    if (!store_has(root, *parsed) && lookup.pull_if_missing) {
        if (offline_mode())
            throw Error(parsed->to_string() + " is not in the store (" + root +
                        ") and loom is offline (--offline / LOOM_OFFLINE); run: loom pull " +
                        parsed->to_string());
        HubClient client(HubConfig::from_environment());
        if (lookup.show_progress)
            std::fprintf(stderr, "loom: %s is not in the store yet: pulling it into %s\n",
                         parsed->to_string().c_str(), root.c_str());
        return pull_model(client, root, *parsed, lookup.show_progress).path;
    }
    return resolve_stored_model(root, name);
}

}  // namespace loom
