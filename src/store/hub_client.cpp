#include "store/hub_client.h"

#include <curl/curl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "core/json_depth.h"
#include "store/sha256.h"
#include "store/url_escape.h"

namespace loom {
namespace {

namespace fs = std::filesystem;

constexpr long kConnectTimeoutSeconds = 15;
constexpr long kStallSeconds = 60;  // abort a transfer that moves no bytes for this long

struct CurlHandle {
    CURL* curl;
    curl_slist* headers = nullptr;
    CurlHandle() {
        static std::once_flag once;
        std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
        curl = curl_easy_init();
        if (!curl) throw Error("libcurl: cannot create a handle");
    }
    ~CurlHandle() {
        curl_slist_free_all(headers);
        curl_easy_cleanup(curl);
    }
};

// What one request saw: status, the hub's error headers, and the body of an error response.
struct Response {
    long status = 0;
    std::string error_code, error_message;  // X-Error-Code / X-Error-Message
    std::string body;                       // small bodies (API JSON, error text)
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
    auto* response = static_cast<Response*>(user);
    std::string line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) {  // a new response (after a redirect): forget the previous headers
        response->error_code.clear();
        response->error_message.clear();
    }
    const size_t colon = line.find(':');
    if (colon != std::string::npos) {
        std::string key = line.substr(0, colon), value = line.substr(colon + 1);
        for (char& c : key) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        while (!value.empty() && (value.front() == ' ')) value.erase(0, 1);
        while (!value.empty() && (value.back() == '\r' || value.back() == '\n')) value.pop_back();
        if (key == "x-error-code") response->error_code = value;
        if (key == "x-error-message") response->error_message = value;
    }
    return size * count;
}

void setup_common(CurlHandle& h, const HubConfig& config, const std::string& url, Response& response) {
    curl_easy_setopt(h.curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h.curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(h.curl, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(h.curl, CURLOPT_USERAGENT, "loom/0.1");
    curl_easy_setopt(h.curl, CURLOPT_CONNECTTIMEOUT, kConnectTimeoutSeconds);
    curl_easy_setopt(h.curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h.curl, CURLOPT_LOW_SPEED_TIME, kStallSeconds);
    curl_easy_setopt(h.curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h.curl, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h.curl, CURLOPT_HEADERDATA, &response);
    if (!config.token.empty())
        h.headers = curl_slist_append(h.headers, ("Authorization: Bearer " + config.token).c_str());
    curl_easy_setopt(h.curl, CURLOPT_HTTPHEADER, h.headers);
}

bool is_connection_failure(CURLcode code) {
    return code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_HOST ||
           code == CURLE_COULDNT_RESOLVE_PROXY || code == CURLE_OPERATION_TIMEDOUT ||
           code == CURLE_SSL_CONNECT_ERROR;
}

Error unreachable(const HubConfig& config, CURLcode code) {
    return Error("cannot reach " + config.endpoint + " (" + curl_easy_strerror(code) +
                 "): offline? set LOOM_HF_ENDPOINT to use a mirror");
}

// One line per HTTP failure, saying what to do.
Error http_error(const HubConfig& config, const Response& r, const std::string& what) {
    std::string detail = r.error_message.empty() ? "" : " (" + r.error_message + ")";
    if (r.status == 401 || r.status == 403) {
        if (config.token.empty())
            return Error(
                what + " is gated or private (HTTP " + std::to_string(r.status) +
                "): set HF_TOKEN to a token with access, after accepting the terms on the model page" +
                detail);
        return Error(what + ": access denied with the token in HF_TOKEN (HTTP " + std::to_string(r.status) +
                     "): accept the model's terms on its page, or use a token with access" + detail);
    }
    if (r.status == 404) {
        const bool entry = r.error_code == "EntryNotFound" || r.error_code == "RevisionNotFound";
        return Error(what + (entry ? " not found in the repository" : " not found") + " on " +
                     config.endpoint + " (HTTP 404): check the name" + detail);
    }
    return Error(what + ": HTTP " + std::to_string(r.status) + " from " + config.endpoint + detail);
}

size_t append_body(char* data, size_t size, size_t count, void* user) {
    auto* body = static_cast<std::string*>(user);
    if (body->size() < (16u << 20)) body->append(data, size * count);  // API answers are small
    return size * count;
}

// Writes a download into the .part file: appends after a 206, restarts after a 200 (the server ignored
// the Range), keeps error bodies out of the file.
struct PartWriter {
    CURL* curl;
    std::FILE* file;
    Sha256* hash;      // fed only when the download starts from byte 0 (else the file is hashed at the end)
    uint64_t on_disk;  // bytes in the .part file
    bool decided = false, ok_status = false;
    Response* response;
};

size_t write_part(char* data, size_t size, size_t count, void* user) {
    auto* w = static_cast<PartWriter*>(user);
    const size_t n = size * count;
    if (!w->decided) {
        w->decided = true;
        long status = 0;
        curl_easy_getinfo(w->curl, CURLINFO_RESPONSE_CODE, &status);
        w->ok_status = status == 200 || status == 206;
        if (status == 200 && w->on_disk > 0) {  // the whole file again: start the .part over
            if (std::fflush(w->file) != 0 || ftruncate(fileno(w->file), 0) != 0) return 0;
            std::fseek(w->file, 0, SEEK_SET);
            w->on_disk = 0;
        }
    }
    if (!w->ok_status) {
        if (w->response->body.size() < 4096) w->response->body.append(data, n);
        return n;
    }
    if (std::fwrite(data, 1, n, w->file) != n) return 0;  // disk full: curl reports a write error
    w->on_disk += n;
    return n;
}

struct ProgressContext {
    const DownloadProgress* progress;
    uint64_t base;  // bytes on disk when the request started
    uint64_t total;
};

int on_progress(void* user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t, curl_off_t) {
    auto* p = static_cast<ProgressContext*>(user);
    if (*p->progress) {
        const uint64_t total =
            p->total ? p->total : (dltotal > 0 ? p->base + static_cast<uint64_t>(dltotal) : 0);
        (*p->progress)(p->base + static_cast<uint64_t>(dlnow), total);
    }
    return 0;
}

uint64_t file_size_or_zero(const std::string& path) {
    std::error_code ec;
    const uint64_t size = fs::file_size(path, ec);
    return ec ? 0 : size;
}

}  // namespace

HubConfig HubConfig::from_environment() {
    HubConfig config;
    const char* endpoint = std::getenv("LOOM_HF_ENDPOINT");
    config.endpoint = endpoint && *endpoint ? endpoint : "https://huggingface.co";
    while (!config.endpoint.empty() && config.endpoint.back() == '/') config.endpoint.pop_back();
    if (const char* token = std::getenv("HF_TOKEN")) config.token = token;
    return config;
}

HubClient::HubClient(HubConfig config) : config_(std::move(config)) {}

HubRepoInfo HubClient::repo_info(const std::string& repo, const std::string& revision) const {
    CurlHandle h;
    Response r;
    const std::string url = config_.endpoint + "/api/models/" + escape_url_path(repo) + "/revision/" +
                            escape_url_path(revision) + "?blobs=true";
    setup_common(h, config_, url, r);
    curl_easy_setopt(h.curl, CURLOPT_WRITEFUNCTION, append_body);
    curl_easy_setopt(h.curl, CURLOPT_WRITEDATA, &r.body);
    const CURLcode code = curl_easy_perform(h.curl);
    if (is_connection_failure(code)) throw unreachable(config_, code);
    if (code != CURLE_OK)
        throw Error("hf:" + repo + ": model info request failed: " + curl_easy_strerror(code));
    curl_easy_getinfo(h.curl, CURLINFO_RESPONSE_CODE, &r.status);
    if (r.status != 200) throw http_error(config_, r, "hf:" + repo);

    check_json_depth(r.body, "hf:" + repo + " model info");
    nlohmann::json info = nlohmann::json::parse(r.body, nullptr, false);
    if (info.is_discarded() || !info.is_object() || !info.contains("siblings") ||
        !info["siblings"].is_array())
        throw Error("hf:" + repo + ": the model info from " + config_.endpoint + " has no file list");
    HubRepoInfo out{repo, revision, info.value("sha", ""), {}};
    for (const auto& s : info["siblings"]) {
        HubFile file;
        file.name = s.value("rfilename", "");
        if (file.name.empty()) continue;
        if (s.contains("size") && s["size"].is_number_unsigned()) file.size = s["size"].get<uint64_t>();
        if (s.contains("lfs") && s["lfs"].is_object()) {
            const auto& lfs = s["lfs"];
            if (lfs.contains("sha256") && lfs["sha256"].is_string())
                file.sha256 = lfs["sha256"].get<std::string>();
            if (lfs.contains("size") && lfs["size"].is_number_unsigned())
                file.size = lfs["size"].get<uint64_t>();
        }
        out.files.push_back(std::move(file));
    }
    return out;
}

void HubClient::download(const std::string& repo, const std::string& revision, const HubFile& file,
                         const std::string& dest, const DownloadProgress& progress, int attempts) const {
    const std::string part = dest + ".part";
    const std::string what = "hf:" + repo + ":" + file.name;
    const std::string url = config_.endpoint + "/" + escape_url_path(repo) + "/resolve/" +
                            escape_url_path(revision) + "/" + escape_url_path(file.name);
    fs::create_directories(fs::path(dest).parent_path());
    bool complete = false;
    for (int attempt = 1; attempt <= attempts && !complete; ++attempt) {
        uint64_t on_disk = file_size_or_zero(part);
        if (file.size && on_disk == *file.size) break;  // a previous pull got every byte: just verify
        if (file.size && on_disk > *file.size) {        // cannot be a prefix of this file
            fs::remove(part);
            on_disk = 0;
        }
        if (on_disk > 0)
            std::fprintf(stderr, "%s: resuming at byte %llu\n", file.name.c_str(),
                         static_cast<unsigned long long>(on_disk));
        std::FILE* f = std::fopen(part.c_str(), on_disk > 0 ? "r+b" : "wb");
        if (!f) throw Error("cannot write the download").file(part);
        std::fseek(f, 0, SEEK_END);
        CurlHandle h;
        Response r;
        setup_common(h, config_, url, r);
        PartWriter writer{h.curl, f, nullptr, on_disk, false, false, &r};
        ProgressContext pc{&progress, on_disk, file.size.value_or(0)};
        curl_easy_setopt(h.curl, CURLOPT_WRITEFUNCTION, write_part);
        curl_easy_setopt(h.curl, CURLOPT_WRITEDATA, &writer);
        curl_easy_setopt(h.curl, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h.curl, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h.curl, CURLOPT_XFERINFODATA, &pc);
        const std::string range = std::to_string(on_disk) + "-";
        if (on_disk > 0) curl_easy_setopt(h.curl, CURLOPT_RANGE, range.c_str());
        const CURLcode code = curl_easy_perform(h.curl);
        const bool closed_ok = std::fclose(f) == 0;
        curl_easy_getinfo(h.curl, CURLINFO_RESPONSE_CODE, &r.status);
        if (is_connection_failure(code) && r.status == 0) throw unreachable(config_, code);
        if (r.status == 416) {  // the .part already holds the whole file (size unknown to us): verify it
            complete = true;
            break;
        }
        if (r.status >= 400) throw http_error(config_, r, what);
        if (code == CURLE_WRITE_ERROR || !closed_ok)
            throw Error("cannot write the download (disk full?)").file(part);
        if (code == CURLE_OK) {
            complete = true;
        } else {
            std::fprintf(stderr, "\n%s: transfer interrupted (%s) after %llu bytes%s\n", file.name.c_str(),
                         curl_easy_strerror(code), static_cast<unsigned long long>(file_size_or_zero(part)),
                         attempt < attempts ? "; retrying" : "");
        }
    }
    const uint64_t got = file_size_or_zero(part);
    if (!complete && !(file.size && got == *file.size))
        throw Error(what + ": download interrupted; " + std::to_string(got) + " bytes kept in " + part +
                    ", run the same pull again to resume");
    if (file.size && got != *file.size) {
        fs::remove(part);
        throw Error(what + ": downloaded " + std::to_string(got) + " bytes but the hub lists " +
                    std::to_string(*file.size) + "; the partial file was deleted, pull again");
    }
    if (file.sha256) {
        const std::string actual = sha256_file_hex(part);
        if (actual != *file.sha256) {
            fs::remove(part);
            throw Error(what + ": sha256 mismatch (expected " + *file.sha256 + ", got " + actual +
                        "); the download was deleted and not used");
        }
    }
    std::error_code ec;
    fs::rename(part, dest, ec);
    if (ec) throw Error("cannot rename " + part + " to " + dest + ": " + ec.message());
}

}  // namespace loom
