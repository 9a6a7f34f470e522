// Filters on scalars and strings (jinja2 semantics, tojson as Hugging Face defines it). Filters over
// sequences (map, select, sort, ...) are in filters_sequence.cpp.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <unordered_map>

#include "generate/jinja/builtins.h"
#include "generate/jinja/filters_internal.h"
#include "generate/jinja/text.h"

namespace loom::jinja {

namespace {

// Python int(str): optional sign, digits, surrounding whitespace, underscores between digits.
std::optional<int64_t> parse_int(const std::string& s) {
    std::string t = text::strip(s, nullptr, true, true);
    std::string digits;
    for (size_t i = 0; i < t.size(); ++i) {
        if (t[i] == '_' && i > 0 && i + 1 < t.size() && std::isdigit(static_cast<unsigned char>(t[i - 1])) &&
            std::isdigit(static_cast<unsigned char>(t[i + 1])))
            continue;
        digits += t[i];
    }
    if (digits.empty()) return std::nullopt;
    size_t start = digits[0] == '+' || digits[0] == '-' ? 1 : 0;
    if (start == digits.size()) return std::nullopt;
    for (size_t i = start; i < digits.size(); ++i)
        if (!std::isdigit(static_cast<unsigned char>(digits[i]))) return std::nullopt;
    errno = 0;
    const long long v = std::strtoll(digits.c_str(), nullptr, 10);
    if (errno == ERANGE) return std::nullopt;
    return static_cast<int64_t>(v);
}

std::optional<double> parse_float(const std::string& s) {
    std::string t = text::strip(s, nullptr, true, true);
    if (t.empty()) return std::nullopt;
    char* end = nullptr;
    const double v = std::strtod(t.c_str(), &end);
    if (end != t.c_str() + t.size()) return std::nullopt;
    return v;
}

// Python round(x, ndigits): correctly rounded, ties to even on the exact binary value.
double python_round(double x, int64_t ndigits) {
    if (!std::isfinite(x)) return x;
    if (ndigits == 0) return std::nearbyint(x);
    if (ndigits > 300 || ndigits < -300) return ndigits > 0 ? x : 0.0 * x;
    if (ndigits > 0) {
        char buf[512];
        std::snprintf(buf, sizeof buf, "%.*f", static_cast<int>(ndigits), x);
        return std::strtod(buf, nullptr);
    }
    const double scale = std::pow(10.0, static_cast<double>(-ndigits));
    return std::nearbyint(x / scale) * scale;
}

std::string html_escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&#34;";
                break;
            case '\'':
                out += "&#39;";
                break;
            default:
                out += c;
        }
    }
    return out;
}

Value filter_tojson(Interpreter& in, const Value& v, const CallArgs& args) {
    JsonDumpOptions o;
    const Value indent = arg_or(args, 0, "indent", Value::none());
    if (indent.is_int()) {
        o.indent = std::string(static_cast<size_t>(std::max<int64_t>(0, indent.as_int())), ' ');
    } else if (indent.is_string()) {
        o.indent = indent.as_string();
    } else if (!indent.is_none() && !indent.is_undefined()) {
        throw Error("tojson: indent must be an int or a string");
    }
    if (o.indent) o.item_separator = ",";  // json.dumps' default separators when indenting
    o.ensure_ascii = arg_or(args, 1, "ensure_ascii", Value(false)).truthy();
    const Value separators = arg_or(args, 2, "separators", Value::none());
    if (separators.is_list()) {
        if (separators.as_list().size() != 2 || !separators.as_list()[0].is_string() ||
            !separators.as_list()[1].is_string())
            throw Error("tojson: separators must be two strings");
        o.item_separator = separators.as_list()[0].as_string();
        o.key_separator = separators.as_list()[1].as_string();
    }
    o.sort_keys = arg_or(args, 3, "sort_keys", Value(false)).truthy();
    return Value(json_dumps(v, o, &in));
}

Value filter_length(const Value& v) {
    switch (v.type()) {
        case Value::Type::Undefined:
            return Value(int64_t{0});
        case Value::Type::String:
            return Value(static_cast<int64_t>(text::length(v.as_string())));
        case Value::Type::List:
            return Value(static_cast<int64_t>(v.as_list().size()));
        case Value::Type::Dict:
        case Value::Type::Namespace:
            return Value(static_cast<int64_t>(v.as_dict().items.size()));
        default:
            throw Error("object of type '" + v.type_name() + "' has no len()");
    }
}

Value filter_int(const Value& v, const CallArgs& args) {
    const Value fallback = arg_or(args, 0, "default", Value(int64_t{0}));
    if (v.is_int() || v.is_bool()) return Value(v.as_int());
    if (v.is_float()) {
        const double d = v.as_double();
        if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return fallback;
        return Value(static_cast<int64_t>(std::trunc(d)));
    }
    if (v.is_string()) {
        if (auto i = parse_int(v.as_string())) return Value(*i);
        if (auto f = parse_float(v.as_string()); f && std::isfinite(*f) && std::fabs(*f) < 9.2e18)
            return Value(static_cast<int64_t>(std::trunc(*f)));
    }
    return fallback;
}

Value filter_float(const Value& v, const CallArgs& args) {
    const Value fallback = arg_or(args, 0, "default", Value(0.0));
    if (v.is_number()) return Value(v.as_double());
    if (v.is_string()) {
        if (auto f = parse_float(v.as_string())) return Value(*f);
    }
    return fallback;
}

Value filter_round(const Value& v, const CallArgs& args) {
    const int64_t precision = arg_or(args, 0, "precision", Value(int64_t{0})).as_int();
    const std::string method = arg_or(args, 1, "method", Value("common")).str();
    if (!v.is_number()) throw Error("round: expected a number, got " + v.type_name());
    const double x = v.as_double();
    if (method == "common") return Value(python_round(x, precision));
    const double scale = std::pow(10.0, static_cast<double>(precision));
    if (method == "ceil") return Value(std::ceil(x * scale) / scale);
    if (method == "floor") return Value(std::floor(x * scale) / scale);
    throw Error("round: method must be common, ceil or floor");
}

Value filter_indent(const Value& v, const CallArgs& args) {
    const Value width_v = arg_or(args, 0, "width", Value(int64_t{4}));
    const std::string pad =
        width_v.is_string()
            ? width_v.as_string()
            : std::string(static_cast<size_t>(std::clamp<int64_t>(width_v.as_int(), 0, 1024)), ' ');
    const bool first = arg_or(args, 1, "first", Value(false)).truthy();
    const bool blank = arg_or(args, 2, "blank", Value(false)).truthy();
    std::string s = v.str() + "\n";
    const std::string newline = "\n";
    std::vector<std::string> lines = text::split(s, &newline, -1);
    lines.pop_back();
    std::string out;
    for (size_t i = 0; i < lines.size(); ++i) {
        if (i) out += "\n";
        const bool pad_it =
            (i > 0 || first) && (blank || !text::strip(lines[i], nullptr, true, true).empty());
        if (pad_it) out += pad;
        out += lines[i];
    }
    return Value(out);
}

// printf-style "%s %d %%" (jinja2's |format), positional arguments only.
Value filter_format(const Value& v, const CallArgs& args) {
    const std::string fmt = v.str();
    std::string out;
    size_t next = 0;
    for (size_t i = 0; i < fmt.size(); ++i) {
        if (fmt[i] != '%') {
            out += fmt[i];
            continue;
        }
        if (++i >= fmt.size()) throw Error("format: incomplete format");
        const char c = fmt[i];
        if (c == '%') {
            out += '%';
            continue;
        }
        if (next >= args.positional.size()) throw Error("format: not enough arguments for format string");
        const Value& a = args.positional[next++];
        if (c == 's')
            out += a.str();
        else if (c == 'r')
            out += a.repr();
        else if (c == 'd' || c == 'i') {
            if (!a.is_number()) throw Error("format: %d needs a number, not " + a.type_name());
            out +=
                std::to_string(a.is_float() ? static_cast<int64_t>(std::trunc(a.as_double())) : a.as_int());
        } else {
            throw Error(std::string("format: unsupported conversion %") + c);
        }
    }
    if (next < args.positional.size())
        throw Error("format: not all arguments converted during string formatting");
    return Value(out);
}

using FilterFn = Value (*)(Interpreter&, const Value&, const CallArgs&);

const std::unordered_map<std::string, FilterFn>& scalar_filters() {
    static const std::unordered_map<std::string, FilterFn> table = {
        {"tojson",
         [](Interpreter& in, const Value& v, const CallArgs& a) { return filter_tojson(in, v, a); }},
        {"length", [](Interpreter&, const Value& v, const CallArgs&) { return filter_length(v); }},
        {"count", [](Interpreter&, const Value& v, const CallArgs&) { return filter_length(v); }},
        {"trim",
         [](Interpreter&, const Value& v, const CallArgs& a) {
             const Value chars = arg_or(a, 0, "chars", Value::none());
             const std::string cs = chars.is_string() ? chars.as_string() : "";
             return Value(text::strip(v.str(), chars.is_string() ? &cs : nullptr, true, true));
         }},
        {"upper", [](Interpreter&, const Value& v, const CallArgs&) { return Value(text::upper(v.str())); }},
        {"lower", [](Interpreter&, const Value& v, const CallArgs&) { return Value(text::lower(v.str())); }},
        {"capitalize",
         [](Interpreter&, const Value& v, const CallArgs&) { return Value(text::capitalize(v.str())); }},
        {"title",
         [](Interpreter&, const Value& v, const CallArgs&) { return Value(text::jinja_title(v.str())); }},
        {"string", [](Interpreter&, const Value& v, const CallArgs&) { return Value(v.str()); }},
        {"safe", [](Interpreter&, const Value& v, const CallArgs&) { return Value(v.str()); }},
        {"escape", [](Interpreter&, const Value& v, const CallArgs&) { return Value(html_escape(v.str())); }},
        {"e", [](Interpreter&, const Value& v, const CallArgs&) { return Value(html_escape(v.str())); }},
        {"int", [](Interpreter&, const Value& v, const CallArgs& a) { return filter_int(v, a); }},
        {"float", [](Interpreter&, const Value& v, const CallArgs& a) { return filter_float(v, a); }},
        {"round", [](Interpreter&, const Value& v, const CallArgs& a) { return filter_round(v, a); }},
        {"indent", [](Interpreter&, const Value& v, const CallArgs& a) { return filter_indent(v, a); }},
        {"format", [](Interpreter&, const Value& v, const CallArgs& a) { return filter_format(v, a); }},
        {"abs",
         [](Interpreter&, const Value& v, const CallArgs&) {
             if (v.is_float()) return Value(std::fabs(v.as_double()));
             if (!v.is_number()) throw Error("bad operand type for abs(): '" + v.type_name() + "'");
             if (v.as_int() == INT64_MIN) throw Error("integer overflow");
             return Value(v.as_int() < 0 ? -v.as_int() : v.as_int());
         }},
        {"replace",
         [](Interpreter& in, const Value& v, const CallArgs& a) {
             const Value* old_v = a.get(0, "old");
             const Value* new_v = a.get(1, "new");
             if (!old_v || !new_v) throw Error("replace() needs old and new");
             const Value count = arg_or(a, 2, "count", Value::none());
             std::string out =
                 text::replace(v.str(), old_v->str(), new_v->str(), count.is_none() ? -1 : count.as_int());
             in.check_string(out.size());
             return Value(std::move(out));
         }},
        {"default",
         [](Interpreter&, const Value& v, const CallArgs& a) {
             const Value fallback = arg_or(a, 0, "default_value", Value(""));
             const bool boolean = arg_or(a, 1, "boolean", Value(false)).truthy();
             return v.is_undefined() || (boolean && !v.truthy()) ? fallback : v;
         }},
        {"wordcount",
         [](Interpreter&, const Value& v, const CallArgs&) {
             return Value(static_cast<int64_t>(text::split(v.str(), nullptr, -1).size()));
         }},
        {"attr",
         [](Interpreter&, const Value& v, const CallArgs& a) {
             const Value* name = a.get(0, "name");
             if (!name) throw Error("attr() needs a name");
             return get_attribute(v, name->str());
         }},
    };
    return table;
}

}  // namespace

bool is_filter_name(const std::string& name) {
    return name == "d" || scalar_filters().contains(name) || is_sequence_filter(name);
}

Value apply_filter(Interpreter& in, const std::string& name, const Value& input, const CallArgs& args) {
    in.charge();
    const std::string& key = name == "d" ? std::string("default") : name;
    if (auto it = scalar_filters().find(key); it != scalar_filters().end())
        return it->second(in, input, args);
    return apply_sequence_filter(in, key, input, args);
}

}  // namespace loom::jinja
