// `loom pull hf:ORG/REPO[:FILE]`: which files of a repo to fetch, fetched into the store.
//   hf:ORG/REPO:FILE  -> that file
//   hf:ORG/REPO       -> a model folder (config.json, tokenizer files, safetensors shards and index) when the
//                        repo has config.json and safetensors; else its only .gguf file (several: an error
//                        listing them, so the user names one)
#pragma once

#include <string>
#include <vector>

#include "store/hub_client.h"
#include "store/model_store.h"

namespace loom {

// Throws loom::Error when the repo has nothing loom can run, or FILE is not in it.
std::vector<HubFile> select_files(const HubRepoInfo& info, const HfModelName& name);

struct PullResult {
    std::string path;  // what `loom run -m` takes: the folder, or the GGUF file
    std::vector<std::string> downloaded, already_present;
};

// Files already in the store with the listed size (and sha256, when listed) are not fetched again.
PullResult pull_model(const HubClient& client, const std::string& store_root, const HfModelName& name,
                      bool show_progress = true);

}  // namespace loom
