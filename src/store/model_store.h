// The local model store: where `loom pull` puts models and what `loom list` / `loom rm` see.
//
//   root: --store flag, else $LOOM_HOME, else ~/.cache/loom
//   <root>/hf/<org>/<repo>/<files>   one folder per Hugging Face repo pulled (a model folder, or GGUF files)
//
// Names: "hf:ORG/REPO" (the repo: a Hugging Face folder, or its only GGUF file) and "hf:ORG/REPO:FILE" (one
// file of the repo); "ORG/REPO[:FILE]" is the same name without the prefix. `loom list` also shows the models
// that come from registry packages without a pull: the files in the source tree's models/ folder
// (scripts/fetch_default_model.sh, scripts/fetch_minilm.sh), named "models/<file>".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace loom {

struct HfModelName {
    std::string repo;  // "ORG/REPO"
    std::string file;  // "" for the whole repo
    std::string to_string() const { return "hf:" + repo + (file.empty() ? "" : ":" + file); }
};

// Parses "hf:ORG/REPO[:FILE]"; nullopt when `name` does not start with "hf:". Throws loom::Error for a
// malformed name after "hf:" (empty parts, "..", a repo without exactly one '/').
std::optional<HfModelName> parse_hf_name(const std::string& name);

// parse_hf_name, and also "ORG/REPO[:FILE]" without the prefix. Without "hf:", nullopt for what reads as a
// path rather than a repo name: a leading '.', '/' or '~', more than one '/' before any ':', or a name ending
// in ".gguf" with no ":FILE" (a GGUF file, not a repo).
std::optional<HfModelName> parse_model_name(const std::string& name);

// The folders whose models `loom list` shows as "models/<file>": ./models, then the source tree's models/.
std::vector<std::string> registry_model_dirs();

// Throws loom::Error ("<what>: ...") unless `file` is a relative path that stays inside its repo folder: no
// leading '/', no empty, "." or ".." part, no backslash or control character. Typed names and the names a hub
// lists pass the same check.
void check_repo_file_path(const std::string& file, const std::string& what);

std::string store_root(const std::string& flag);  // flag, $LOOM_HOME, ~/.cache/loom

// <root>/hf/ORG/REPO
std::string repo_dir(const std::string& root, const HfModelName& name);

struct StoredModel {
    std::string name;    // hf:ORG/REPO[:FILE], or models/<file> for a registry-package model
    std::string path;    // what `loom run -m` / `loom inspect` take
    uint64_t bytes = 0;  // on disk (a folder: every file in it)
    std::string type;    // "gguf F16/Q4_1/..." or "hf folder (llama)"
    std::string origin;  // "store" or "registry package"
};

// Every model under the store root plus the registry-package models; sorted by name.
std::vector<StoredModel> list_models(const std::string& root);

// The path a store name (hf:ORG/REPO[:FILE] or ORG/REPO[:FILE]) refers to; throws loom::Error("not in the
// store: ...; run: loom pull NAME").
std::string resolve_stored_model(const std::string& root, const std::string& name);

// Deletes the repo folder (hf:ORG/REPO) or the one file (hf:ORG/REPO:FILE); returns the bytes freed. Throws
// loom::Error for a name not in the store (registry-package models are not removed by loom).
uint64_t remove_model(const std::string& root, const std::string& name);

}  // namespace loom
