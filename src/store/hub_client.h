// A Hugging Face hub client over libcurl: the model-info API and file downloads with resume.
//
//   GET {endpoint}/api/models/{repo}/revision/{revision}?blobs=true  -> siblings with size and LFS sha256
//   GET {endpoint}/{repo}/resolve/{revision}/{file}                  -> the file (redirects followed)
//
// The endpoint is $LOOM_HF_ENDPOINT (default https://huggingface.co); $HF_TOKEN, when set, is sent as
// "Authorization: Bearer" (curl drops it on a redirect to another host). Every failure is a loom::Error with
// one line that says what to do: not found (404), gated/private (401/403), unreachable (offline), checksum.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace loom {

struct HubFile {
    std::string name;                   // rfilename: path inside the repo
    std::optional<uint64_t> size;       // bytes, when the API gives it
    std::optional<std::string> sha256;  // LFS files only (lowercase hex)
};

struct HubRepoInfo {
    std::string repo, revision, commit;  // commit: the API's "sha" ("" when absent)
    std::vector<HubFile> files;
};

struct HubConfig {
    std::string endpoint;  // no trailing slash
    std::string token;     // "" for none
    static HubConfig from_environment();
};

// (bytes of the file on disk so far, total bytes or 0 when unknown)
using DownloadProgress = std::function<void(uint64_t done, uint64_t total)>;

class HubClient {
  public:
    explicit HubClient(HubConfig config);

    HubRepoInfo repo_info(const std::string& repo, const std::string& revision = "main") const;

    // Downloads `file` to dest: bytes go to dest + ".part" (resumed with a Range request when it exists),
    // the sha256 (when known) and size are checked, then it is renamed to dest. An interrupted transfer is
    // resumed up to `attempts` times in this call; the .part is kept for a later pull if all fail. A
    // checksum mismatch deletes the .part and throws.
    void download(const std::string& repo, const std::string& revision, const HubFile& file,
                  const std::string& dest, const DownloadProgress& progress, int attempts = 3) const;

    const HubConfig& config() const { return config_; }

  private:
    HubConfig config_;
};

}  // namespace loom
