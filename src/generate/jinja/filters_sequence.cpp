// Filters over sequences and mappings: first/last/list/join/map/select/reject/selectattr/rejectattr/items/
// sort/unique/reverse/sum/min/max/dictsort.
#include <algorithm>
#include <unordered_map>

#include "generate/jinja/builtins.h"
#include "generate/jinja/filters_internal.h"
#include "generate/jinja/text.h"

namespace loom::jinja {

namespace {

// jinja2's attribute getter: "a.b.0" walks dict keys and integer indices.
Value lookup_path(const Value& item, const std::string& path) {
    Value cur = item;
    const std::string dot = ".";
    for (const auto& part : text::split(path, &dot, -1)) {
        const bool numeric = !part.empty() && std::all_of(part.begin(), part.end(),
                                                          [](char c) { return c >= '0' && c <= '9'; });
        cur = numeric ? get_item(cur, Value(static_cast<int64_t>(std::stoll(part))))
                      : get_item(cur, Value(part));
    }
    return cur;
}

// Sort/unique key: strings are compared case-insensitively unless case_sensitive.
Value sort_key(const Value& v, bool case_sensitive) {
    if (!case_sensitive && v.is_string()) return Value(text::lower(v.as_string()));
    return v;
}

List select_or_reject(Interpreter& in, const Value& input, const CallArgs& args, bool by_attribute,
                      bool select) {
    List out;
    size_t next = 0;
    std::string attribute;
    if (by_attribute) {
        if (args.positional.empty()) throw Error("selectattr/rejectattr need an attribute name");
        attribute = args.positional[next++].str();
    }
    std::string test;
    CallArgs test_args;
    if (next < args.positional.size()) {
        test = args.positional[next++].str();
        test_args.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(next),
                                    args.positional.end());
        test_args.keyword = args.keyword;
    }
    for (const auto& item : iterate(input)) {
        in.charge();
        const Value subject = by_attribute ? lookup_path(item, attribute) : item;
        const bool passed = test.empty() ? subject.truthy() : apply_test(in, test, subject, test_args);
        if (passed == select) out.push_back(item);
    }
    return out;
}

Value min_or_max(const Value& input, const CallArgs& args, bool want_max) {
    const bool case_sensitive = arg_or(args, 0, "case_sensitive", Value(false)).truthy();
    const Value attribute = arg_or(args, 1, "attribute", Value::none());
    const List items = iterate(input);
    if (items.empty()) return Value::undefined();
    size_t best = 0;
    auto key = [&](size_t i) {
        return sort_key(attribute.is_string() ? lookup_path(items[i], attribute.as_string()) : items[i],
                        case_sensitive);
    };
    for (size_t i = 1; i < items.size(); ++i) {
        const int c = compare(key(i), key(best));
        if (want_max ? c > 0 : c < 0) best = i;
    }
    return items[best];
}

using FilterFn = Value (*)(Interpreter&, const Value&, const CallArgs&);

const std::unordered_map<std::string, FilterFn>& sequence_filters() {
    static const std::unordered_map<std::string, FilterFn> table = {
        {"first",
         [](Interpreter&, const Value& v, const CallArgs&) {
             const List items = iterate(v);
             return items.empty() ? Value::undefined() : items.front();
         }},
        {"last",
         [](Interpreter&, const Value& v, const CallArgs&) {
             const List items = iterate(v);
             return items.empty() ? Value::undefined() : items.back();
         }},
        {"list", [](Interpreter&, const Value& v, const CallArgs&) { return Value(iterate(v)); }},
        {"items",
         [](Interpreter&, const Value& v, const CallArgs&) {
             if (v.is_undefined()) return Value(List{});
             if (!v.is_dict()) throw Error("can only get item pairs from a mapping, not " + v.type_name());
             List out;
             for (const auto& [k, val] : v.as_dict().items) out.push_back(Value::tuple(List{Value(k), val}));
             return Value(std::move(out));
         }},
        {"join",
         [](Interpreter& in, const Value& v, const CallArgs& a) {
             const std::string sep = arg_or(a, 0, "d", Value("")).str();
             const Value attribute = arg_or(a, 1, "attribute", Value::none());
             std::string out;
             bool first = true;
             for (const auto& item : iterate(v)) {
                 if (!first) out += sep;
                 first = false;
                 out += (attribute.is_none() ? item : lookup_path(item, attribute.str())).str();
                 in.check_string(out.size());
             }
             return Value(std::move(out));
         }},
        {"map",
         [](Interpreter& in, const Value& v, const CallArgs& a) {
             List out;
             const Value* attribute = nullptr;
             for (const auto& [k, val] : a.keyword)
                 if (k == "attribute") attribute = &val;
             if (attribute) {
                 const Value fallback = arg_or(CallArgs{{}, a.keyword}, 99, "default", Value::undefined());
                 for (const auto& item : iterate(v)) {
                     Value got = lookup_path(item, attribute->str());
                     out.push_back(got.is_undefined() && !fallback.is_undefined() ? fallback : got);
                 }
                 return Value(std::move(out));
             }
             if (a.positional.empty()) throw Error("map() needs a filter name or attribute=");
             const std::string filter = a.positional[0].str();
             if (!is_filter_name(filter)) throw Error("no filter named '" + filter + "'");
             CallArgs rest{List(a.positional.begin() + 1, a.positional.end()), a.keyword};
             for (const auto& item : iterate(v)) out.push_back(apply_filter(in, filter, item, rest));
             return Value(std::move(out));
         }},
        {"select", [](Interpreter& in, const Value& v,
                      const CallArgs& a) { return Value(select_or_reject(in, v, a, false, true)); }},
        {"reject", [](Interpreter& in, const Value& v,
                      const CallArgs& a) { return Value(select_or_reject(in, v, a, false, false)); }},
        {"selectattr", [](Interpreter& in, const Value& v,
                          const CallArgs& a) { return Value(select_or_reject(in, v, a, true, true)); }},
        {"rejectattr", [](Interpreter& in, const Value& v,
                          const CallArgs& a) { return Value(select_or_reject(in, v, a, true, false)); }},
        {"reverse",
         [](Interpreter&, const Value& v, const CallArgs&) {
             if (v.is_string()) {
                 std::u32string cps = text::decode(v.as_string());
                 std::reverse(cps.begin(), cps.end());
                 return Value(text::encode(cps));
             }
             List items = iterate(v);
             std::reverse(items.begin(), items.end());
             return Value(std::move(items));
         }},
        {"sort",
         [](Interpreter& in, const Value& v, const CallArgs& a) {
             const bool reverse = arg_or(a, 0, "reverse", Value(false)).truthy();
             const bool case_sensitive = arg_or(a, 1, "case_sensitive", Value(false)).truthy();
             const Value attribute = arg_or(a, 2, "attribute", Value::none());
             List items = iterate(v);
             in.charge(items.size());
             auto key = [&](const Value& x) {
                 return sort_key(attribute.is_string() ? lookup_path(x, attribute.as_string()) : x,
                                 case_sensitive);
             };
             std::stable_sort(items.begin(), items.end(), [&](const Value& x, const Value& y) {
                 const int c = compare(key(x), key(y));
                 return reverse ? c > 0 : c < 0;
             });
             return Value(std::move(items));
         }},
        {"unique",
         [](Interpreter& in, const Value& v, const CallArgs& a) {
             const bool case_sensitive = arg_or(a, 0, "case_sensitive", Value(false)).truthy();
             const Value attribute = arg_or(a, 1, "attribute", Value::none());
             List out, seen;
             for (const auto& item : iterate(v)) {
                 const Value k = sort_key(
                     attribute.is_string() ? lookup_path(item, attribute.as_string()) : item, case_sensitive);
                 in.charge(seen.size() + 1);
                 if (std::none_of(seen.begin(), seen.end(), [&](const Value& s) { return equals(s, k); })) {
                     seen.push_back(k);
                     out.push_back(item);
                 }
             }
             return Value(std::move(out));
         }},
        {"sum",
         [](Interpreter& in, const Value& v, const CallArgs& a) {
             const Value attribute = arg_or(a, 0, "attribute", Value::none());
             Value total = arg_or(a, 1, "start", Value(int64_t{0}));
             for (const auto& item : iterate(v))
                 total = binary_op(in, "+", total,
                                   attribute.is_string() ? lookup_path(item, attribute.as_string()) : item);
             return total;
         }},
        {"min", [](Interpreter&, const Value& v, const CallArgs& a) { return min_or_max(v, a, false); }},
        {"max", [](Interpreter&, const Value& v, const CallArgs& a) { return min_or_max(v, a, true); }},
        {"dictsort",
         [](Interpreter&, const Value& v, const CallArgs& a) {
             if (!v.is_dict()) throw Error("dictsort needs a mapping, not " + v.type_name());
             const bool case_sensitive = arg_or(a, 0, "case_sensitive", Value(false)).truthy();
             const std::string by = arg_or(a, 1, "by", Value("key")).str();
             const bool reverse = arg_or(a, 2, "reverse", Value(false)).truthy();
             if (by != "key" && by != "value") throw Error("dictsort: by must be 'key' or 'value'");
             const size_t pos = by == "key" ? 0 : 1;
             List pairs;
             for (const auto& [k, val] : v.as_dict().items)
                 pairs.push_back(Value::tuple(List{Value(k), val}));
             std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& x, const Value& y) {
                 const int c = compare(sort_key(x.as_list()[pos], case_sensitive),
                                       sort_key(y.as_list()[pos], case_sensitive));
                 return reverse ? c > 0 : c < 0;
             });
             return Value(std::move(pairs));
         }},
    };
    return table;
}

}  // namespace

bool is_sequence_filter(const std::string& name) {
    return sequence_filters().contains(name);
}

Value apply_sequence_filter(Interpreter& in, const std::string& name, const Value& input,
                            const CallArgs& args) {
    auto it = sequence_filters().find(name);
    if (it == sequence_filters().end()) throw Error("no filter named '" + name + "'");
    return it->second(in, input, args);
}

}  // namespace loom::jinja
