#include "server/http_head.h"

#include <cctype>

namespace loom::server {
namespace {

constexpr size_t kMaxTargetBytes = 8192;  // cpp-httplib's own limit on the request target

bool is_token_char(unsigned char c) {
    return std::isalnum(c) ||
           std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_http_token(std::string_view s) {
    if (s.empty()) return false;
    for (unsigned char c : s)
        if (!is_token_char(c)) return false;
    return true;
}

std::string_view trim_ows(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

// Splits "a, b ,c" into trimmed elements (empty ones kept, so "a,,b" can be refused where it matters).
std::vector<std::string_view> split_header_list(std::string_view s) {
    std::vector<std::string_view> parts;
    size_t start = 0;
    for (;;) {
        const size_t comma = s.find(',', start);
        parts.push_back(trim_ows(
            s.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)));
        if (comma == std::string_view::npos) return parts;
        start = comma + 1;
    }
}

bool head_fail(HeadError& error, int status, std::string message) {
    error = {status, std::move(message)};
    return false;
}

bool parse_request_line(std::string_view line, RequestHead& out, HeadError& error) {
    const size_t sp1 = line.find(' ');
    const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
    if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos)
        return head_fail(error, 400, "malformed request line (expected \"METHOD /path HTTP/1.1\")");
    const std::string_view method = line.substr(0, sp1), target = line.substr(sp1 + 1, sp2 - sp1 - 1),
                           version = line.substr(sp2 + 1);
    if (!is_http_token(method) || method.size() > 32)
        return head_fail(error, 400, "malformed request method");
    if (target.empty()) return head_fail(error, 400, "empty request target");
    if (target.size() > kMaxTargetBytes)
        return head_fail(error, 414,
                         "request target longer than " + std::to_string(kMaxTargetBytes) + " bytes");
    for (unsigned char c : target)
        if (c <= 0x20 || c == 0x7f)
            return head_fail(error, 400, "control character or space in the request target");
    if (version != "HTTP/1.1" && version != "HTTP/1.0")
        return head_fail(error, version.starts_with("HTTP/") ? 505 : 400,
                         "only HTTP/1.0 and HTTP/1.1 are served");
    out.method = method;
    out.target = target;
    out.version = version;
    out.keep_alive = version == "HTTP/1.1";
    return true;
}

bool parse_content_length(std::string_view value, RequestHead& out, HeadError& error) {
    for (std::string_view part : split_header_list(value)) {
        if (part.empty() || part.size() > 18)
            return head_fail(error, 400, "invalid Content-Length (send one decimal byte count)");
        uint64_t n = 0;
        for (char c : part) {
            if (c < '0' || c > '9')
                return head_fail(error, 400, "invalid Content-Length (send one decimal byte count)");
            n = n * 10 + static_cast<uint64_t>(c - '0');
        }
        if (out.framing == BodyFraming::Length && n != out.content_length)
            return head_fail(error, 400, "conflicting Content-Length headers (send exactly one)");
        out.framing = BodyFraming::Length;
        out.content_length = n;
    }
    return true;
}

// Applies one header's meaning to `out` (framing, coding, expectations, connection).
bool apply_header(std::string_view name, std::string_view value, RequestHead& out, bool& chunked,
                  bool& has_length, HeadError& error) {
    if (same_token(name, "Content-Length")) {
        has_length = true;
        return parse_content_length(value, out, error);
    }
    if (same_token(name, "Transfer-Encoding")) {
        for (std::string_view coding : split_header_list(value)) {
            if (chunked) return head_fail(error, 400, "Transfer-Encoding: chunked must come last, once");
            if (!same_token(coding, "chunked"))
                return head_fail(error, 501, "unsupported Transfer-Encoding (only chunked is accepted)");
            chunked = true;
        }
        return true;
    }
    if (same_token(name, "Content-Encoding")) {
        if (out.coding != BodyCoding::Identity)
            return head_fail(error, 415, "more than one Content-Encoding");
        if (same_token(value, "gzip") || same_token(value, "x-gzip"))
            out.coding = BodyCoding::Gzip;
        else if (same_token(value, "deflate"))
            out.coding = BodyCoding::Deflate;
        else if (!same_token(value, "identity") && !value.empty())
            return head_fail(error, 415, "unsupported Content-Encoding (send gzip, deflate or none)");
        return true;
    }
    if (same_token(name, "Expect")) {
        if (!same_token(value, "100-continue"))
            return head_fail(error, 417, "only \"Expect: 100-continue\" is supported");
        out.expect_continue = true;
        return true;
    }
    if (same_token(name, "Connection")) {
        for (std::string_view option : split_header_list(value)) {
            if (same_token(option, "close")) out.keep_alive = false;
            if (same_token(option, "keep-alive") && out.version == "HTTP/1.0") out.keep_alive = true;
        }
    }
    return true;
}

}  // namespace

bool same_token(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    return true;
}

std::optional<size_t> find_head_end(std::string_view bytes) {
    size_t line_start = 0;
    for (size_t i = 0; i < bytes.size(); ++i) {
        if (bytes[i] != '\n') continue;
        const size_t length = i - line_start;
        if (line_start > 0 && (length == 0 || (length == 1 && bytes[line_start] == '\r'))) return i + 1;
        line_start = i + 1;
    }
    return std::nullopt;
}

bool parse_request_head(std::string_view head, RequestHead& out, HeadError& error) {
    out = RequestHead{};
    if (head.size() > kMaxHeadBytes)
        return head_fail(error, 431,
                         "request headers larger than " + std::to_string(kMaxHeadBytes) + " bytes");
    bool first = true, chunked = false, has_length = false;
    while (!head.empty()) {
        const size_t nl = head.find('\n');
        std::string_view line = head.substr(0, nl);
        head.remove_prefix(nl == std::string_view::npos ? head.size() : nl + 1);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.empty()) break;  // the blank line that ends the head
        if (first) {
            if (!parse_request_line(line, out, error)) return false;
            first = false;
            continue;
        }
        if (line.front() == ' ' || line.front() == '\t')
            return head_fail(error, 400, "folded header line (obsolete line folding is not accepted)");
        const size_t colon = line.find(':');
        if (colon == std::string_view::npos || !is_http_token(line.substr(0, colon)))
            return head_fail(error, 400, "malformed header line (expected \"Name: value\")");
        const std::string_view name = line.substr(0, colon), value = trim_ows(line.substr(colon + 1));
        for (unsigned char c : value)
            if ((c < 0x20 && c != '\t') || c == 0x7f)
                return head_fail(error, 400, "control character in the value of header " + std::string(name));
        if (out.headers.size() == kMaxHeaderCount)
            return head_fail(error, 431, "more than " + std::to_string(kMaxHeaderCount) + " request headers");
        if (!apply_header(name, value, out, chunked, has_length, error)) return false;
        out.headers.emplace_back(name, value);
    }
    if (first) return head_fail(error, 400, "empty request");
    if (chunked && has_length)
        return head_fail(error, 400, "both Transfer-Encoding and Content-Length (send one of them)");
    if (chunked) out.framing = BodyFraming::Chunked;
    if (out.framing == BodyFraming::None && out.coding != BodyCoding::Identity)
        out.coding = BodyCoding::Identity;
    return true;
}

std::string normalized_head(const RequestHead& head, size_t body_size) {
    std::string text = head.method + " " + head.target + " " + head.version + "\r\n";
    for (const auto& [name, value] : head.headers) {
        if (same_token(name, "Content-Length") || same_token(name, "Transfer-Encoding") ||
            same_token(name, "Content-Encoding") || same_token(name, "Expect"))
            continue;
        text += name + ": " + value + "\r\n";
    }
    if (head.framing != BodyFraming::None || body_size > 0)
        text += "Content-Length: " + std::to_string(body_size) + "\r\n";
    text += "\r\n";
    return text;
}

}  // namespace loom::server
