// The built-in vocabulary of chat templates: operators, filters, tests, Python methods on str/dict/list,
// and the global functions Hugging Face provides (raise_exception, strftime_now, namespace, range, dict).
#pragma once

#include <ctime>
#include <functional>
#include <optional>
#include <string>

#include "generate/jinja/interpreter.h"
#include "generate/jinja/value.h"

namespace loom::jinja {

// Operators (+ - * / // % ** ~) with Python semantics; throws loom::Error on unsupported operand types.
Value binary_op(Interpreter& in, const std::string& op, const Value& left, const Value& right);
// Python `needle in container` (substring, list member, dict key); Undefined containers hold nothing.
bool contains(const Value& container, const Value& needle);

bool is_filter_name(const std::string& name);
Value apply_filter(Interpreter& in, const std::string& name, const Value& input, const CallArgs& args);

bool is_test_name(const std::string& name);
bool apply_test(Interpreter& in, const std::string& name, const Value& v, const CallArgs& args);

// Python methods: str.startswith/split/strip/..., dict.items/keys/values/get, list.index/count.
bool has_method(const Value& obj, const std::string& name);
Value call_method(Interpreter& in, const Value& obj, const std::string& name, const CallArgs& args);

// json.dumps(value, ensure_ascii=False, indent, separators, sort_keys) as Hugging Face's tojson filter does.
struct JsonDumpOptions {
    std::optional<std::string> indent;  // nullopt: one line; an int indent n becomes n spaces
    std::string item_separator = ", ";
    std::string key_separator = ": ";
    bool sort_keys = false;
    bool ensure_ascii = false;
};
std::string json_dumps(const Value& v, const JsonDumpOptions& options, Interpreter* meter = nullptr);

// The globals every chat template sees. `now` gives strftime_now its time.
struct GlobalsOptions {
    std::function<std::tm()> now;
};
void add_builtin_globals(Scope& scope, const GlobalsOptions& options);

}  // namespace loom::jinja
