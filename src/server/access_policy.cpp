#include "server/access_policy.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <fstream>

#include "core/error.h"

namespace loom::server {
namespace {

std::string ascii_lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

std::string trim_space(const std::string& s) {
    const size_t a = s.find_first_not_of(" \t\r\n");
    if (a == std::string::npos) return "";
    return s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1);
}

// "name:port", "[v6]:port", "name" -> (lowercased name, port text or "").
std::pair<std::string, std::string> split_host(const std::string& host) {
    std::string h = ascii_lower(trim_space(host));
    if (!h.empty() && h.front() == '[') {
        const size_t close = h.find(']');
        if (close == std::string::npos) return {h, ""};
        const std::string rest = h.substr(close + 1);
        return {h.substr(0, close + 1), rest.starts_with(":") ? rest.substr(1) : rest};
    }
    const size_t colon = h.rfind(':');
    if (colon == std::string::npos || h.find(':') != colon) return {h, ""};
    return {h.substr(0, colon), h.substr(colon + 1)};
}

// Compares without leaking, through timing, how much of a key matched.
bool same_key(const std::string& given, const std::string& key) {
    if (key.empty()) return false;
    unsigned char diff = given.size() == key.size() ? 0 : 1;
    for (size_t i = 0; i < given.size(); ++i)
        diff |= static_cast<unsigned char>(given[i] ^ key[i % key.size()]);
    return diff == 0;
}

AccessDecision access_refusal(int status, std::string message, std::string type, std::string code) {
    AccessDecision d;
    d.status = status;
    d.message = std::move(message);
    d.type = std::move(type);
    d.code = std::move(code);
    return d;
}

}  // namespace

bool is_loopback_host(const std::string& host) {
    const std::string h = ascii_lower(trim_space(host));
    return h == "localhost" || h == "::1" || h == "[::1]" || h.starts_with("127.");
}

bool is_public_path(const std::string& path) {
    if (path == "/" || path == "/health") return true;
    for (const char* ext : {".html", ".js", ".css", ".svg"})
        if (path.size() > std::strlen(ext) && path.ends_with(ext) && path.find('/', 1) == std::string::npos)
            return true;
    return false;
}

AccessPolicy::AccessPolicy(AccessConfig config) : config_(std::move(config)) {
    for (std::string& key : config_.api_keys) key = trim_space(key);
    std::erase(config_.api_keys, std::string());
    for (std::string& origin : config_.cors_origins) {
        origin = ascii_lower(trim_space(origin));
        while (origin.size() > 1 && origin.back() == '/') origin.pop_back();
    }
    const bool any_host = std::find(config_.allowed_hosts.begin(), config_.allowed_hosts.end(), "*") !=
                          config_.allowed_hosts.end();
    check_host_ = !any_host && (!config_.allowed_hosts.empty() ||
                                (config_.api_keys.empty() && is_loopback_host(config_.bind_host)));
}

bool AccessPolicy::host_allowed(const std::string& host) const {
    const auto [name, port] = split_host(host);
    const std::string own_port = std::to_string(config_.port);
    if ((name == "localhost" || name == "127.0.0.1" || name == "[::1]") && (port.empty() || port == own_port))
        return true;
    for (const std::string& allowed : config_.allowed_hosts) {
        const auto [allowed_name, allowed_port] = split_host(allowed);
        if (allowed_name == name && (allowed_port.empty() || allowed_port == port)) return true;
    }
    return false;
}

bool AccessPolicy::origin_listed(const std::string& origin) const {
    const std::string o = ascii_lower(trim_space(origin));
    return std::any_of(config_.cors_origins.begin(), config_.cors_origins.end(),
                       [&](const std::string& listed) { return listed == "*" || listed == o; });
}

bool AccessPolicy::key_matches(const std::string& authorization) const {
    const std::string value = trim_space(authorization);
    if (value.size() < 7 || ascii_lower(value.substr(0, 7)) != "bearer ") return false;
    const std::string given = trim_space(value.substr(7));
    bool match = false;
    for (const std::string& key : config_.api_keys) match |= same_key(given, key);  // no early exit
    return match;
}

AccessDecision AccessPolicy::decide(const AccessRequest& r) const {
    if (check_host_ && r.has_host && !host_allowed(r.host))
        return access_refusal(
            403,
            "Host '" + r.host +
                "' is not allowed: a server on loopback without an API key answers only localhost, "
                "127.0.0.1 and [::1] (DNS rebinding protection); add the name with --allowed-hosts",
            "permission_error", "host_not_allowed");
    AccessDecision d;
    if (r.has_origin) {
        const std::string origin = ascii_lower(trim_space(r.origin));
        const std::string host = ascii_lower(trim_space(r.host));
        const bool same_origin = r.has_host && (origin == "http://" + host || origin == "https://" + host);
        const bool listed = origin_listed(r.origin);
        if (!same_origin && !listed)
            return access_refusal(
                403,
                "Origin '" + r.origin +
                    "' is not allowed (cross-origin requests are off); start the server with "
                    "--cors-origins " +
                    r.origin + " to allow it",
                "permission_error", "origin_not_allowed");
        if (listed) {
            const bool any = origin_listed("*") &&
                             !std::count(config_.cors_origins.begin(), config_.cors_origins.end(), origin);
            d.headers.emplace_back("Access-Control-Allow-Origin", any ? "*" : r.origin);
            d.headers.emplace_back("Vary", "Origin");
        }
        if (r.is_preflight) {
            d.status = 204;
            d.headers.emplace_back("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
            d.headers.emplace_back("Access-Control-Allow-Headers", "Authorization, Content-Type");
            d.headers.emplace_back("Access-Control-Max-Age", "600");
            return d;
        }
    }
    if (!config_.api_keys.empty() && !is_public_path(r.path) && !key_matches(r.authorization)) {
        AccessDecision refused =
            access_refusal(401, "invalid or missing API key (send \"Authorization: Bearer KEY\")",
                           "authentication_error", "invalid_api_key");
        refused.headers = d.headers;
        return refused;
    }
    if (r.method == "POST") {
        std::string media = ascii_lower(trim_space(r.content_type.substr(0, r.content_type.find(';'))));
        if (media != "application/json") {
            AccessDecision refused = access_refusal(
                415,
                "Content-Type must be application/json (got '" + r.content_type + "'); send the body as JSON",
                "invalid_request_error", "unsupported_media_type");
            refused.headers = d.headers;
            return refused;
        }
    }
    return d;
}

std::vector<std::string> collect_api_keys(const std::vector<std::string>& given, const std::string& key_file,
                                          const char* env_value) {
    std::vector<std::string> keys;
    for (const std::string& key : given)
        if (!trim_space(key).empty()) keys.push_back(trim_space(key));
    if (!key_file.empty()) {
        std::ifstream in(key_file);
        if (!in)
            throw Error("cannot read --api-key-file " + key_file +
                        " (give a readable file, one key per line)");
        size_t found = 0;
        for (std::string line; std::getline(in, line);) {
            line = trim_space(line);
            if (line.empty() || line.front() == '#') continue;
            keys.push_back(line);
            ++found;
        }
        if (found == 0) throw Error("--api-key-file " + key_file + " holds no key (write one key per line)");
    }
    if (env_value && !trim_space(env_value).empty()) keys.push_back(trim_space(env_value));
    return keys;
}

}  // namespace loom::server
