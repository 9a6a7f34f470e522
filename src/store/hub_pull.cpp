#include "store/hub_pull.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "store/progress_bar.h"
#include "store/sha256.h"

namespace loom {
namespace {

namespace fs = std::filesystem;

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// The files of a Hugging Face folder that loom reads (formats/model_source.h), top level only.
bool is_folder_file(const std::string& name) {
    if (name.find('/') != std::string::npos) return false;
    static const char* const kExact[] = {"config.json",
                                         "generation_config.json",
                                         "tokenizer.json",
                                         "tokenizer_config.json",
                                         "special_tokens_map.json",
                                         "tokenizer.model",
                                         "spiece.model",
                                         "sentencepiece.bpe.model",
                                         "vocab.json",
                                         "merges.txt",
                                         "vocab.txt",
                                         "model.safetensors.index.json"};
    for (const char* exact : kExact)
        if (name == exact) return true;
    return ends_with(name, ".safetensors");
}

bool already_present(const std::string& path, const HubFile& file) {
    std::error_code ec;
    if (!fs::is_regular_file(path, ec)) return false;
    if (file.size && fs::file_size(path, ec) != *file.size) return false;
    return !file.sha256 || sha256_file_hex(path) == *file.sha256;
}

}  // namespace

std::vector<HubFile> select_files(const HubRepoInfo& info, const HfModelName& name) {
    const std::string repo = "hf:" + info.repo;
    if (!name.file.empty()) {
        for (const HubFile& f : info.files)
            if (f.name == name.file) return {f};
        throw Error(name.to_string() + ": the repository has no file '" + name.file + "'");
    }
    std::vector<HubFile> folder, ggufs;
    bool has_config = false, has_weights = false;
    for (const HubFile& f : info.files) {
        if (is_folder_file(f.name)) folder.push_back(f);
        has_config |= f.name == "config.json";
        has_weights |= ends_with(f.name, ".safetensors");
        if (ends_with(f.name, ".gguf")) ggufs.push_back(f);
    }
    // A hub (or a mirror) lists names; they decide where files land, so they are checked as typed names are.
    const auto checked = [&repo](std::vector<HubFile> files) {
        for (const HubFile& f : files)
            check_repo_file_path(f.name, repo + " lists the file '" + f.name + "'");
        return files;
    };
    if (has_config && has_weights) return checked(folder);
    if (ggufs.size() == 1) return checked(ggufs);
    if (ggufs.size() > 1) {
        std::string list;
        for (const HubFile& f : ggufs) list += "\n  " + repo + ":" + f.name;
        throw Error(repo + " has " + std::to_string(ggufs.size()) + " GGUF files; pull one of them:" + list);
    }
    throw Error(repo + " has neither safetensors weights with a config.json nor a GGUF file");
}

PullResult pull_model(const HubClient& client, const std::string& store_root, const HfModelName& name,
                      bool show_progress) {
    HubRepoInfo info = client.repo_info(name.repo);
    std::vector<HubFile> files = select_files(info, name);
    const fs::path dir = repo_dir(store_root, name);
    PullResult result;
    for (const HubFile& file : files) {
        const std::string dest = (dir / file.name).string();
        if (already_present(dest, file)) {
            result.already_present.push_back(file.name);
            continue;
        }
        ProgressBar bar(file.name, file.size.value_or(0), show_progress);
        client.download(name.repo, info.revision, file, dest, [&](uint64_t done, uint64_t total) {
            bar.set_total(total);
            bar.update(done);
        });
        bar.finish();
        result.downloaded.push_back(file.name);
    }
    const bool single_gguf = files.size() == 1 && ends_with(files[0].name, ".gguf");
    result.path = single_gguf ? (dir / files[0].name).string() : dir.string();
    return result;
}

}  // namespace loom
