// Python's json.dumps, as transformers' tojson filter calls it (ensure_ascii=False by default, key order
// kept).
#include <algorithm>
#include <cstdio>

#include "generate/jinja/builtins.h"
#include "generate/jinja/text.h"

namespace loom::jinja {

namespace {

void dump_string(std::string& out, const std::string& s, bool ensure_ascii) {
    out += '"';
    auto escape_unit = [&](uint32_t u) {
        char buf[16];
        std::snprintf(buf, sizeof buf, "\\u%04x", u & 0xFFFFu);
        out += buf;
    };
    if (ensure_ascii) {
        for (char32_t c : text::decode(s)) {
            if (c == '"')
                out += "\\\"";
            else if (c == '\\')
                out += "\\\\";
            else if (c == '\n')
                out += "\\n";
            else if (c == '\r')
                out += "\\r";
            else if (c == '\t')
                out += "\\t";
            else if (c == '\b')
                out += "\\b";
            else if (c == '\f')
                out += "\\f";
            else if (c < 0x20 || c > 0x7e) {
                if (c > 0xFFFF) {  // surrogate pair, as Python writes it
                    const uint32_t v = static_cast<uint32_t>(c) - 0x10000;
                    escape_unit(0xD800 + (v >> 10));
                    escape_unit(0xDC00 + (v & 0x3FF));
                } else {
                    escape_unit(static_cast<uint32_t>(c));
                }
            } else
                out += static_cast<char>(c);
        }
    } else {
        for (unsigned char c : s) {
            if (c == '"')
                out += "\\\"";
            else if (c == '\\')
                out += "\\\\";
            else if (c == '\n')
                out += "\\n";
            else if (c == '\r')
                out += "\\r";
            else if (c == '\t')
                out += "\\t";
            else if (c == '\b')
                out += "\\b";
            else if (c == '\f')
                out += "\\f";
            else if (c < 0x20)
                escape_unit(c);
            else
                out += static_cast<char>(c);
        }
    }
    out += '"';
}

void dump(std::string& out, const Value& v, const JsonDumpOptions& o, int level, Interpreter* meter) {
    if (level > 200) throw Error("tojson: value nests too deeply");
    if (meter) {
        meter->charge();
        if (out.size() > meter->limits().max_string_bytes) meter->check_string(out.size());
    }
    auto newline = [&](int lvl) {
        out += '\n';
        for (int i = 0; i < lvl; ++i) out += *o.indent;
    };
    switch (v.type()) {
        case Value::Type::None:
            out += "null";
            return;
        case Value::Type::Bool:
            out += v.as_bool() ? "true" : "false";
            return;
        case Value::Type::Int:
            out += std::to_string(v.as_int());
            return;
        case Value::Type::Float: {
            const double d = v.as_double();
            if (std::isnan(d))
                out += "NaN";
            else if (std::isinf(d))
                out += d > 0 ? "Infinity" : "-Infinity";
            else
                out += python_float_repr(d);
            return;
        }
        case Value::Type::String:
            dump_string(out, v.as_string(), o.ensure_ascii);
            return;
        case Value::Type::List: {
            const auto& list = v.as_list();
            if (list.empty()) {
                out += "[]";
                return;
            }
            out += '[';
            for (size_t i = 0; i < list.size(); ++i) {
                if (i) out += o.item_separator;
                if (o.indent) newline(level + 1);
                dump(out, list[i], o, level + 1, meter);
            }
            if (o.indent) newline(level);
            out += ']';
            return;
        }
        case Value::Type::Dict: {
            std::vector<const std::pair<std::string, Value>*> items;
            for (const auto& kv : v.as_dict().items) items.push_back(&kv);
            if (items.empty()) {
                out += "{}";
                return;
            }
            if (o.sort_keys)
                std::stable_sort(items.begin(), items.end(),
                                 [](auto a, auto b) { return a->first < b->first; });
            out += '{';
            for (size_t i = 0; i < items.size(); ++i) {
                if (i) out += o.item_separator;
                if (o.indent) newline(level + 1);
                dump_string(out, items[i]->first, o.ensure_ascii);
                out += o.key_separator;
                dump(out, items[i]->second, o, level + 1, meter);
            }
            if (o.indent) newline(level);
            out += '}';
            return;
        }
        default:
            throw Error("Object of type " + v.type_name() + " is not JSON serializable");
    }
}

}  // namespace

std::string json_dumps(const Value& v, const JsonDumpOptions& options, Interpreter* meter) {
    std::string out;
    dump(out, v, options, 0, meter);
    return out;
}

}  // namespace loom::jinja
