#include "server/tool_output.h"

#include <random>

#include "core/json_depth.h"

namespace loom::server {
namespace {

constexpr std::string_view kOpenTag = "<tool_call>";
constexpr std::string_view kCloseTag = "</tool_call>";

// What reading one piece of the answer found.
enum class ToolRead { Ok, Incomplete, Malformed };

// A cursor over the answer text with the few JSON pieces the formats need.
struct ToolTextReader {
    const std::string& text;
    size_t pos = 0;

    bool at_end() const { return pos >= text.size(); }
    char peek() const { return text[pos]; }
    void skip_ws() {
        while (!at_end() && (peek() == ' ' || peek() == '\n' || peek() == '\t' || peek() == '\r')) ++pos;
    }
    // A literal: Ok (consumed), Incomplete (the text ends inside it), Malformed.
    ToolRead literal(std::string_view s) {
        const size_t n = std::min(s.size(), text.size() - pos);
        if (text.compare(pos, n, s.substr(0, n)) != 0) return ToolRead::Malformed;
        if (n < s.size()) return ToolRead::Incomplete;
        pos += s.size();
        return ToolRead::Ok;
    }
    ToolRead expect(char c) {
        skip_ws();
        if (at_end()) return ToolRead::Incomplete;
        if (peek() != c) return ToolRead::Malformed;
        ++pos;
        return ToolRead::Ok;
    }

    static int hex_digit(char c) {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    }
    // Four hex digits at `at`: the value, -1 when the text ends first, -2 when they are not hex.
    int hex4(size_t at) const {
        int v = 0;
        for (size_t i = 0; i < 4; ++i) {
            if (at + i >= text.size()) return -1;
            const int d = hex_digit(text[at + i]);
            if (d < 0) return -2;
            v = v * 16 + d;
        }
        return v;
    }
    static void append_utf8(std::string& out, uint32_t cp) {
        if (cp < 0x80) {
            out += static_cast<char>(cp);
        } else if (cp < 0x800) {
            out += static_cast<char>(0xC0 | (cp >> 6));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            out += static_cast<char>(0xE0 | (cp >> 12));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
            out += static_cast<char>(0xF0 | (cp >> 18));
            out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
            out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
            out += static_cast<char>(0x80 | (cp & 0x3F));
        }
    }

    // A JSON string (the cursor on its opening quote), decoded into `out` as far as the text goes: an escape
    // is decoded only once it is whole, so `out` only grows as the text does.
    ToolRead string(std::string& out) {
        if (ToolRead r = expect('"'); r != ToolRead::Ok) return r;
        while (!at_end()) {
            const char c = peek();
            if (c == '"') {
                ++pos;
                return ToolRead::Ok;
            }
            if (static_cast<unsigned char>(c) < 0x20) return ToolRead::Malformed;
            if (c != '\\') {
                out += c;
                ++pos;
                continue;
            }
            if (pos + 1 >= text.size()) return ToolRead::Incomplete;
            const char e = text[pos + 1];
            static const std::string_view simple = "\"\\/bfnrt";
            static const std::string_view decoded = "\"\\/\b\f\n\r\t";
            if (const size_t k = simple.find(e); k != std::string_view::npos) {
                out += decoded[k];
                pos += 2;
                continue;
            }
            if (e != 'u') return ToolRead::Malformed;
            const int unit = hex4(pos + 2);
            if (unit < 0) return unit == -1 ? ToolRead::Incomplete : ToolRead::Malformed;
            uint32_t cp = static_cast<uint32_t>(unit);
            size_t used = 6;
            if (cp >= 0xD800 && cp < 0xDC00) {  // a high surrogate: its low half must follow
                if (pos + 8 > text.size()) return ToolRead::Incomplete;
                if (text[pos + 6] != '\\' || text[pos + 7] != 'u') return ToolRead::Malformed;
                const int low = hex4(pos + 8);
                if (low < 0) return low == -1 ? ToolRead::Incomplete : ToolRead::Malformed;
                if (low < 0xDC00 || low >= 0xE000) return ToolRead::Malformed;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (static_cast<uint32_t>(low) - 0xDC00);
                used = 12;
            } else if (cp >= 0xDC00 && cp < 0xE000) {
                return ToolRead::Malformed;
            }
            append_utf8(out, cp);
            pos += used;
        }
        return ToolRead::Incomplete;
    }

    // A JSON object's text (the cursor on '{'), kept as written in `raw` as far as the text goes; its inside
    // is only matched for brackets and strings (whole calls are checked with a full parser afterwards).
    ToolRead raw_object(std::string& raw) {
        skip_ws();
        if (at_end()) return ToolRead::Incomplete;
        if (peek() != '{') return ToolRead::Malformed;
        const size_t start = pos;
        int depth = 0;
        JsonStringTracker strings;
        for (; !at_end(); ++pos) {
            const char c = peek();
            if (!strings.structural(c)) continue;
            if (c == '{' || c == '[')
                ++depth;
            else if (c == '}' || c == ']') {
                if (--depth == 0) {
                    ++pos;
                    raw = text.substr(start, pos - start);
                    return ToolRead::Ok;
                }
            }
        }
        raw = text.substr(start);
        return ToolRead::Incomplete;
    }

    // {"name": "...", "arguments": {...}} in either member order, nothing else.
    ToolRead call(ToolCallText& call) {
        if (ToolRead r = expect('{'); r != ToolRead::Ok) return r;
        for (bool first = true;; first = false) {
            skip_ws();
            if (at_end()) return ToolRead::Incomplete;
            if (peek() == '}') {
                ++pos;
                if (!call.name_known || !call.arguments_done) return ToolRead::Malformed;
                call.done = true;
                return ToolRead::Ok;
            }
            if (!first)
                if (ToolRead r = expect(','); r != ToolRead::Ok) return r;
            std::string key;
            if (ToolRead r = string(key); r != ToolRead::Ok) return r;
            if (ToolRead r = expect(':'); r != ToolRead::Ok) return r;
            if (key == "name" && !call.name_known) {
                std::string name;
                if (ToolRead r = string(name); r != ToolRead::Ok) return r;
                call.name = name;
                call.name_known = true;
            } else if (key == "arguments" && !call.arguments_done) {
                const ToolRead r = raw_object(call.arguments);
                if (r != ToolRead::Ok) return r;
                call.arguments_done = true;
            } else {
                return ToolRead::Malformed;
            }
        }
    }
};

ToolOutput malformed_output() {
    ToolOutput out;
    out.kind = ToolOutput::Kind::Malformed;
    return out;
}

// {"tool_calls": [call, ...]} or {"response": "..."}.
ToolOutput read_json_format(const std::string& text) {
    ToolOutput out;
    ToolTextReader rd{text};
    if (ToolRead r = rd.expect('{'); r != ToolRead::Ok)
        return r == ToolRead::Malformed ? malformed_output() : out;
    std::string key;
    if (ToolRead r = rd.string(key); r != ToolRead::Ok)
        return r == ToolRead::Malformed ? malformed_output() : out;
    if (key != "response" && key != "tool_calls") return malformed_output();
    if (ToolRead r = rd.expect(':'); r != ToolRead::Ok)
        return r == ToolRead::Malformed ? malformed_output() : out;
    auto finish = [&](ToolRead r) {
        if (r == ToolRead::Malformed) return malformed_output();
        if (r == ToolRead::Ok) {
            r = rd.expect('}');
            rd.skip_ws();
            if (r == ToolRead::Malformed || (r == ToolRead::Ok && !rd.at_end())) return malformed_output();
            out.complete = r == ToolRead::Ok;
        }
        return out;
    };
    if (key == "response") {
        out.kind = ToolOutput::Kind::Text;
        return finish(rd.string(out.content));
    }
    rd.skip_ws();
    if (rd.at_end()) return out;  // still undecided: "[" may not come
    if (ToolRead r = rd.expect('['); r != ToolRead::Ok) return malformed_output();
    out.kind = ToolOutput::Kind::Calls;
    for (;;) {
        out.calls.emplace_back();
        if (ToolRead r = rd.call(out.calls.back()); r != ToolRead::Ok) {
            if (!out.calls.back().name_known && out.calls.back().arguments.empty()) out.calls.pop_back();
            return finish(r == ToolRead::Malformed ? r : ToolRead::Incomplete);
        }
        rd.skip_ws();
        if (rd.at_end()) return out;
        if (rd.peek() == ']') {
            ++rd.pos;
            return finish(ToolRead::Ok);
        }
        if (ToolRead r = rd.expect(','); r != ToolRead::Ok) return finish(r);
    }
}

// The length of the longest end of `text` that is a proper start of `tag`.
size_t partial_tag_at_end(const std::string& text, std::string_view tag) {
    for (size_t n = std::min(tag.size() - 1, text.size()); n > 0; --n)
        if (text.compare(text.size() - n, n, tag.substr(0, n)) == 0) return n;
    return 0;
}

// Text, then <tool_call>\n{call}\n</tool_call> blocks.
ToolOutput read_markup_format(const std::string& text, bool finished) {
    ToolOutput out;
    const size_t open = text.find(kOpenTag);
    if (open == std::string::npos) {
        out.content = finished ? text : text.substr(0, text.size() - partial_tag_at_end(text, kOpenTag));
        out.kind = out.content.empty() && !finished ? ToolOutput::Kind::Undecided : ToolOutput::Kind::Text;
        out.complete = finished;
        return out;
    }
    out.kind = ToolOutput::Kind::Calls;
    out.content = text.substr(0, open);
    ToolTextReader rd{text, open + kOpenTag.size()};
    for (;;) {
        out.calls.emplace_back();
        const ToolRead r = rd.call(out.calls.back());
        if (r == ToolRead::Malformed) return malformed_output();
        if (r == ToolRead::Incomplete) {
            if (!out.calls.back().name_known && out.calls.back().arguments.empty()) out.calls.pop_back();
            return out;
        }
        rd.skip_ws();
        if (ToolRead t = rd.literal(kCloseTag); t != ToolRead::Ok)
            return t == ToolRead::Malformed ? malformed_output() : out;
        rd.skip_ws();
        if (rd.at_end()) {
            out.complete = true;
            return out;
        }
        if (ToolRead t = rd.literal(kOpenTag); t != ToolRead::Ok)
            return t == ToolRead::Malformed ? malformed_output() : out;
    }
}

}  // namespace

ToolOutput read_tool_output(const std::string& text, ToolCallFormat format, bool finished) {
    ToolOutput out =
        format == ToolCallFormat::Json ? read_json_format(text) : read_markup_format(text, finished);
    // A finished answer with a call whose arguments are not a JSON object was not a tool call after all.
    if (finished && out.complete)
        for (const ToolCallText& c : out.calls)
            if (!nlohmann::json::accept(c.arguments)) return malformed_output();
    if (finished && out.kind == ToolOutput::Kind::Undecided) out.kind = ToolOutput::Kind::Malformed;
    return out;
}

std::string make_tool_call_id() {
    static thread_local std::mt19937_64 rng{std::random_device{}()};
    static const char* chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    std::string id = "call_";
    for (int i = 0; i < 24; ++i) id += chars[rng() % 62];
    return id;
}

nlohmann::json tool_answer_message(const std::string& text, ToolCallFormat format,
                                   std::string& finish_reason) {
    const ToolOutput out = read_tool_output(text, format, /*finished=*/true);
    nlohmann::json message = {{"role", "assistant"}, {"content", text}};
    if (out.kind == ToolOutput::Kind::Text) message["content"] = out.content;
    if (out.kind != ToolOutput::Kind::Calls || out.calls.empty()) return message;
    const bool has_text = out.content.find_first_not_of(" \t\r\n") != std::string::npos;
    message["content"] = has_text ? nlohmann::json(out.content) : nlohmann::json(nullptr);
    nlohmann::json calls = nlohmann::json::array();
    for (const ToolCallText& c : out.calls) {
        // A whole call's arguments as compact JSON; a call cut off by max_tokens keeps the text it has.
        const auto parsed = nlohmann::ordered_json::parse(c.arguments, nullptr, false);
        const std::string arguments =
            c.done && !parsed.is_discarded()
                ? parsed.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace)
                : c.arguments;
        calls.push_back({{"id", make_tool_call_id()},
                         {"type", "function"},
                         {"function", {{"name", c.name}, {"arguments", arguments}}}});
    }
    message["tool_calls"] = calls;
    if (finish_reason == "stop") finish_reason = "tool_calls";
    return message;
}

}  // namespace loom::server
