// Python methods callable on template values: str (startswith, split, strip, format, ...), dict (items, keys,
// values, get) and list (index, count). Mutating methods are absent, as in Hugging Face's immutable sandbox.
#include <unordered_set>

#include "generate/jinja/builtins.h"
#include "generate/jinja/text.h"

namespace loom::jinja {

namespace {

const std::unordered_set<std::string> kStringMethods = {
    "startswith", "endswith",   "strip",      "lstrip",  "rstrip",  "split",   "rsplit",  "upper",
    "lower",      "title",      "capitalize", "replace", "find",    "rfind",   "count",   "join",
    "format",     "splitlines", "isdigit",    "isalpha", "isalnum", "isspace", "isupper", "islower"};
const std::unordered_set<std::string> kDictMethods = {"items", "keys", "values", "get"};
const std::unordered_set<std::string> kListMethods = {"index", "count"};

std::string str_arg(const CallArgs& a, size_t i, const char* name, const char* method) {
    const Value* v = a.get(i, name);
    if (!v || !v->is_string()) throw Error(std::string(method) + "() argument must be a string");
    return v->as_string();
}

// A `chars` / `sep` argument that may be None (meaning whitespace).
std::optional<std::string> optional_str(const CallArgs& a, size_t i, const char* name) {
    const Value* v = a.get(i, name);
    if (!v || v->is_none()) return std::nullopt;
    if (!v->is_string()) throw Error(std::string(name) + " must be a string or None");
    return v->as_string();
}

bool prefix_test(const Value& obj, const CallArgs& a, bool at_start) {
    const Value* p = a.get(0, "prefix");
    if (!p) throw Error("startswith/endswith need an argument");
    List candidates = p->is_list() ? p->as_list() : List{*p};
    const std::string& s = obj.as_string();
    for (const auto& c : candidates) {
        if (!c.is_string()) throw Error("startswith/endswith arguments must be strings");
        const std::string& t = c.as_string();
        if (t.size() <= s.size() &&
            (at_start ? s.compare(0, t.size(), t) == 0 : s.compare(s.size() - t.size(), t.size(), t) == 0))
            return true;
    }
    return false;
}

template <typename Pred>
bool all_chars(const std::string& s, Pred pred) {
    const std::u32string cps = text::decode(s);
    if (cps.empty()) return false;
    for (char32_t c : cps)
        if (!pred(c)) return false;
    return true;
}

// Python str.format with {} / {0} / {name} fields and {{ }} escapes; format specs are not supported.
Value format_string(const std::string& fmt, const CallArgs& a) {
    std::string out;
    size_t auto_index = 0;
    for (size_t i = 0; i < fmt.size(); ++i) {
        const char c = fmt[i];
        if (c == '}') {
            if (i + 1 < fmt.size() && fmt[i + 1] == '}')
                ++i;
            else
                throw Error("single '}' encountered in format string");
            out += '}';
            continue;
        }
        if (c != '{') {
            out += c;
            continue;
        }
        if (i + 1 < fmt.size() && fmt[i + 1] == '{') {
            out += '{';
            ++i;
            continue;
        }
        const size_t close = fmt.find('}', i);
        if (close == std::string::npos) throw Error("single '{' encountered in format string");
        const std::string field = fmt.substr(i + 1, close - i - 1);
        if (field.find_first_of(":!") != std::string::npos) throw Error("format specs are not supported");
        const Value* v = nullptr;
        if (field.empty()) {
            v = auto_index < a.positional.size() ? &a.positional[auto_index] : nullptr;
            ++auto_index;
        } else if (std::all_of(field.begin(), field.end(), [](char d) { return d >= '0' && d <= '9'; })) {
            const size_t k = std::stoul(field);
            v = k < a.positional.size() ? &a.positional[k] : nullptr;
        } else {
            for (const auto& [name, val] : a.keyword)
                if (name == field) v = &val;
        }
        if (!v) throw Error("format: no argument for field '{" + field + "}'");
        out += v->str();
        i = close;
    }
    return Value(out);
}

Value string_method(Interpreter& in, const Value& obj, const std::string& m, const CallArgs& a) {
    const std::string& s = obj.as_string();
    if (m == "startswith") return Value(prefix_test(obj, a, true));
    if (m == "endswith") return Value(prefix_test(obj, a, false));
    if (m == "strip" || m == "lstrip" || m == "rstrip") {
        const auto chars = optional_str(a, 0, "chars");
        return Value(text::strip(s, chars ? &*chars : nullptr, m != "rstrip", m != "lstrip"));
    }
    if (m == "split" || m == "rsplit") {
        const auto sep = optional_str(a, 0, "sep");
        const Value* maxsplit = a.get(1, "maxsplit");
        const int64_t n = maxsplit ? maxsplit->as_int() : -1;
        std::vector<std::string> parts;
        if (m == "rsplit" && n >= 0) {
            // Split the reversed text with the reversed separator, then reverse back.
            auto rev = [](const std::string& t) {
                std::u32string c = text::decode(t);
                std::reverse(c.begin(), c.end());
                return text::encode(c);
            };
            const std::optional<std::string> rsep =
                sep ? std::optional<std::string>(rev(*sep)) : std::nullopt;
            for (const auto& p : text::split(rev(s), rsep ? &*rsep : nullptr, n))
                parts.insert(parts.begin(), rev(p));
        } else {
            parts = text::split(s, sep ? &*sep : nullptr, n);
        }
        in.check_list(parts.size());
        List out;
        for (auto& p : parts) out.emplace_back(std::move(p));
        return Value(std::move(out));
    }
    if (m == "upper") return Value(text::upper(s));
    if (m == "lower") return Value(text::lower(s));
    if (m == "title") return Value(text::python_title(s));
    if (m == "capitalize") return Value(text::capitalize(s));
    if (m == "replace") {
        const Value* count = a.get(2, "count");
        std::string out = text::replace(s, str_arg(a, 0, "old", "replace"), str_arg(a, 1, "new", "replace"),
                                        count ? count->as_int() : -1);
        in.check_string(out.size());
        return Value(std::move(out));
    }
    if (m == "find" || m == "rfind") {
        const std::string sub = str_arg(a, 0, "sub", m.c_str());
        const size_t at = m == "find" ? s.find(sub) : s.rfind(sub);
        if (at == std::string::npos) return Value(int64_t{-1});
        return Value(static_cast<int64_t>(text::length(std::string_view(s).substr(0, at))));
    }
    if (m == "count") {
        const std::string sub = str_arg(a, 0, "sub", "count");
        if (sub.empty()) return Value(static_cast<int64_t>(text::length(s) + 1));
        int64_t n = 0;
        for (size_t at = s.find(sub); at != std::string::npos; at = s.find(sub, at + sub.size())) ++n;
        return Value(n);
    }
    if (m == "join") {
        const Value* items = a.get(0, "iterable");
        if (!items) throw Error("join() needs an iterable");
        std::string out;
        bool first = true;
        for (const auto& item : iterate(*items)) {
            if (!item.is_string())
                throw Error("sequence item: expected str instance, " + item.type_name() + " found");
            if (!first) out += s;
            first = false;
            out += item.as_string();
            in.check_string(out.size());
        }
        return Value(std::move(out));
    }
    if (m == "format") return format_string(s, a);
    if (m == "splitlines") {
        List out;
        const std::string nl = "\n";
        std::string t = text::replace(text::replace(s, "\r\n", "\n", -1), "\r", "\n", -1);
        if (!t.empty() && t.back() == '\n') t.pop_back();
        if (!s.empty())
            for (auto& p : text::split(t, &nl, -1)) out.emplace_back(std::move(p));
        return Value(std::move(out));
    }
    if (m == "isdigit") return Value(all_chars(s, [](char32_t c) { return c >= '0' && c <= '9'; }));
    if (m == "isalpha")
        return Value(all_chars(s, [](char32_t c) {
            return text::upper(text::encode(std::u32string(1, c))) !=
                   text::lower(text::encode(std::u32string(1, c)));
        }));
    if (m == "isalnum")
        return Value(all_chars(s, [](char32_t c) {
            return (c >= '0' && c <= '9') || text::upper(text::encode(std::u32string(1, c))) !=
                                                 text::lower(text::encode(std::u32string(1, c)));
        }));
    if (m == "isspace") return Value(all_chars(s, text::is_space));
    if (m == "isupper") return Value(text::upper(s) == s && text::lower(s) != s);
    if (m == "islower") return Value(text::lower(s) == s && text::upper(s) != s);
    throw Error("str has no method '" + m + "'");
}

}  // namespace

bool has_method(const Value& obj, const std::string& name) {
    if (obj.is_string()) return kStringMethods.contains(name);
    if (obj.is_dict()) return kDictMethods.contains(name);
    if (obj.is_list()) return kListMethods.contains(name);
    return false;
}

Value call_method(Interpreter& in, const Value& obj, const std::string& name, const CallArgs& a) {
    in.charge();
    if (obj.is_string()) return string_method(in, obj, name, a);
    if (obj.is_dict()) {
        const Dict& d = obj.as_dict();
        List out;
        if (name == "get") {
            const Value* key = a.get(0, "key");
            if (!key) throw Error("get() needs a key");
            const Value* v = key->is_string() ? d.find(key->as_string()) : nullptr;
            if (v) return *v;
            const Value* fallback = a.get(1, "default");
            return fallback ? *fallback : Value::none();
        }
        for (const auto& [k, v] : d.items) {
            if (name == "items")
                out.push_back(Value::tuple(List{Value(k), v}));
            else if (name == "keys")
                out.emplace_back(k);
            else
                out.push_back(v);
        }
        return Value(std::move(out));
    }
    if (obj.is_list()) {
        const Value* x = a.get(0, "value");
        if (!x) throw Error(name + "() needs an argument");
        const List& l = obj.as_list();
        int64_t count = 0;
        for (size_t i = 0; i < l.size(); ++i) {
            if (!equals(l[i], *x)) continue;
            if (name == "index") return Value(static_cast<int64_t>(i));
            ++count;
        }
        if (name == "index") throw Error(x->repr() + " is not in list");
        return Value(count);
    }
    throw Error("'" + obj.type_name() + "' object has no method '" + name + "'");
}

}  // namespace loom::jinja
