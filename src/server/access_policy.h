// Who may use the server, decided per request before routing (as llama-server and ollama do):
//   - Host check (DNS rebinding): a keyless server bound to loopback answers only requests whose Host is
//     localhost / 127.0.0.1 / [::1] (with or without its port) or one of --allowed-hosts; "*" turns it off.
//   - Origin (CORS): off by default. A request carrying an Origin that is neither the server's own nor in
//     --cors-origins is refused (403); listed origins get Access-Control-Allow-Origin and preflight answers.
//   - Content-Type: a POST must be application/json (415), so no page can send one without a preflight.
//   - API keys: "Authorization: Bearer KEY" with any of the configured keys (401 otherwise); the playground
//     files and /health stay open.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace loom::server {

struct AccessConfig {
    std::vector<std::string> api_keys;       // empty: no key required
    std::vector<std::string> cors_origins;   // "scheme://host[:port]" or "*"; empty: no cross-origin use
    std::vector<std::string> allowed_hosts;  // Host values ("name" or "name:port"), "*": any; empty: default
    std::string bind_host = "127.0.0.1";
    int port = 0;
};

// The parts of a request the policy looks at (header values are "" when absent).
struct AccessRequest {
    std::string method, path, host, origin, authorization, content_type;
    bool has_host = false, has_origin = false,
         is_preflight = false;  // OPTIONS + Access-Control-Request-Method
};

struct AccessDecision {
    int status = 0;  // 0: go on to the route; else answer with this status (204: a preflight answered)
    std::string message, type, code;
    std::vector<std::pair<std::string, std::string>> headers;  // CORS headers for the response, either way
};

class AccessPolicy {
  public:
    explicit AccessPolicy(AccessConfig config);
    AccessDecision decide(const AccessRequest& request) const;
    bool checks_host() const { return check_host_; }

  private:
    bool host_allowed(const std::string& host) const;
    bool origin_listed(const std::string& origin) const;
    bool key_matches(const std::string& authorization) const;

    AccessConfig config_;
    bool check_host_ = false;
};

// True when `host` names the loopback interface (127.0.0.0/8, ::1, localhost).
bool is_loopback_host(const std::string& host);

// The playground's files and /health: open without a key.
bool is_public_path(const std::string& path);

// Keys from --api-key values, --api-key-file (one per line; blank lines and lines starting with '#'
// skipped) and the LOOM_API_KEY environment variable. Throws loom::Error naming the file when it cannot be
// read or holds no key.
std::vector<std::string> collect_api_keys(const std::vector<std::string>& given, const std::string& key_file,
                                          const char* env_value);

}  // namespace loom::server
