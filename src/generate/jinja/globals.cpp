// Global functions: range, namespace, dict (jinja2), raise_exception and strftime_now (Hugging Face).
#include "generate/jinja/builtins.h"

namespace loom::jinja {

namespace {

Value make_range(Interpreter& in, const CallArgs& a) {
    std::vector<int64_t> v;
    for (const auto& x : a.positional) {
        if (!x.is_int() && !x.is_bool())
            throw Error("range() arguments must be integers, not " + x.type_name());
        v.push_back(x.as_int());
    }
    if (v.empty() || v.size() > 3) throw Error("range expected 1 to 3 arguments");
    const int64_t start = v.size() == 1 ? 0 : v[0];
    const int64_t stop = v.size() == 1 ? v[0] : v[1];
    const int64_t step = v.size() == 3 ? v[2] : 1;
    if (step == 0) throw Error("range() arg 3 must not be zero");
    const long double span = static_cast<long double>(stop) - start;
    const long double count = span / step;
    if (count > static_cast<long double>(in.limits().max_list_items)) in.refuse_list(count);
    List out;
    for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
        out.emplace_back(i);
        if (step > 0 ? i > INT64_MAX - step : i < INT64_MIN - step) break;
    }
    in.check_list(out.size());
    return Value(std::move(out));
}

Dict dict_from(const CallArgs& a, const char* fn) {
    Dict d;
    for (const auto& p : a.positional) {
        if (!p.is_dict()) throw Error(std::string(fn) + "() positional argument must be a mapping");
        for (const auto& [k, v] : p.as_dict().items) d.set(k, v);
    }
    for (const auto& [k, v] : a.keyword) d.set(k, v);
    return d;
}

}  // namespace

void add_builtin_globals(Scope& scope, const GlobalsOptions& options) {
    scope.set("range",
              Value::callable("range", [](Interpreter& in, const CallArgs& a) { return make_range(in, a); }));
    scope.set("namespace", Value::callable("namespace", [](Interpreter&, const CallArgs& a) {
                  return Value::namespace_of(dict_from(a, "namespace"));
              }));
    scope.set("dict", Value::callable("dict", [](Interpreter&, const CallArgs& a) {
                  return Value(dict_from(a, "dict"));
              }));
    scope.set("raise_exception",
              Value::callable("raise_exception", [](Interpreter&, const CallArgs& a) -> Value {
                  const Value* m = a.get(0, "message");
                  throw RaisedError(m ? m->str() : std::string("raise_exception() called"));
              }));
    auto now = options.now;
    scope.set("strftime_now", Value::callable("strftime_now", [now](Interpreter&, const CallArgs& a) {
                  const Value* f = a.get(0, "format");
                  if (!f || !f->is_string()) throw Error("strftime_now() needs a format string");
                  if (!now) throw Error("strftime_now() has no clock");
                  const std::tm t = now();
                  char buf[1024];
                  const size_t n = std::strftime(buf, sizeof buf, f->as_string().c_str(), &t);
                  if (n == 0 && !f->as_string().empty())
                      throw Error("strftime_now(): format produced no text or too much");
                  return Value(std::string(buf, n));
              }));
}

}  // namespace loom::jinja
