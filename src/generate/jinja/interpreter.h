// Executes a parsed template: statements write text, expressions evaluate to Values with Python semantics.
// Scoping follows jinja2: `if` shares its scope, every `for` iteration and macro call gets a new child scope,
// and macros see the scope they were defined in (at call time). All work is metered, so hostile templates
// fail with loom::Error instead of hanging or exhausting memory.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/error.h"
#include "generate/jinja/ast.h"
#include "generate/jinja/value.h"

namespace loom::jinja {

struct RenderLimits {
    uint64_t max_steps = 20'000'000;  // expression evaluations + loop iterations + bytes/64 of strings built
    size_t max_string_bytes = 64u << 20;  // any single string, including the output
    size_t max_list_items = 1u << 20;     // any single list (range(), repetition)
    int max_call_depth = 100;             // nested macro calls
};

class Scope {
  public:
    explicit Scope(std::shared_ptr<Scope> parent = nullptr) : parent_(std::move(parent)) {}
    // The nearest binding of `name`, or Undefined(name).
    Value lookup(const std::string& name) const;
    void set(const std::string& name, Value value) { vars_[name] = std::move(value); }

  private:
    std::shared_ptr<Scope> parent_;
    std::unordered_map<std::string, Value> vars_;
};
using ScopePtr = std::shared_ptr<Scope>;

// A loom::Error already carrying a template position (so outer frames do not add another).
class PositionedError : public Error {
  public:
    using Error::Error;
};
// The error raise_exception() throws: its message is exactly the template's message.
class RaisedError : public Error {
  public:
    using Error::Error;
};

class Interpreter {
  public:
    explicit Interpreter(RenderLimits limits) : limits_(limits) {}
    // Empties every namespace a template assigned to: `{% set ns.x = ns %}` (or two namespaces holding each
    // other) is a reference cycle that shared ownership alone would never free.
    ~Interpreter();
    Interpreter(const Interpreter&) = delete;
    Interpreter& operator=(const Interpreter&) = delete;

    std::string render(const Body& body, ScopePtr globals);

    Value eval(const Expr& e, const ScopePtr& scope);
    Value call(const Value& callee, const CallArgs& args);
    // Applies `filter` (a Filter expression whose input is `input`).
    Value apply_filter_expr(const Expr& filter, Value input, const ScopePtr& scope);

    // Metering: every unit of work calls charge(); big strings and lists are checked against the limits.
    void charge(uint64_t steps = 1);
    void check_string(size_t bytes);
    void check_list(size_t items);
    // For what is over a limit before it is built (range(10**12), "x" * 10**12): the count asked for may not
    // fit a size_t, so it comes as a long double and is printed as a count, not as a wrapped-around number.
    [[noreturn]] void refuse_string(long double bytes) const;
    [[noreturn]] void refuse_list(long double items) const;
    const RenderLimits& limits() const { return limits_; }

  private:
    enum class Flow { Normal, Break, Continue };

    Flow exec(const Body& body, const ScopePtr& scope, std::string& out);
    Flow exec_stmt(const Stmt& s, const ScopePtr& scope, std::string& out);
    void exec_for(const Stmt& s, const ScopePtr& scope, std::string& out);
    void exec_set(const Stmt& s, const ScopePtr& scope);
    Value make_macro(const Stmt& s, const ScopePtr& scope);
    void append(std::string& out, const std::string& text);

    Value eval_inner(const Expr& e, const ScopePtr& scope);
    Value eval_call(const Expr& e, const ScopePtr& scope);
    CallArgs eval_args(const Expr& e, const ScopePtr& scope, size_t first_positional);
    Value eval_compare(const Expr& e, const ScopePtr& scope);
    Value eval_binary(const Expr& e, const ScopePtr& scope);

    RenderLimits limits_;
    uint64_t steps_ = 0;
    int call_depth_ = 0;
    std::vector<Value> assigned_namespaces_;  // every namespace an attribute was set on (see ~Interpreter)
};

// Iteration as Python's for: list items, dict keys, string characters; Undefined is empty.
List iterate(const Value& v);
// obj.name and obj[key] as jinja2 resolves them (missing -> Undefined; attribute of Undefined -> error).
Value get_attribute(const Value& obj, const std::string& name);
Value get_item(const Value& obj, const Value& key);
Value slice(const Value& obj, const Value& start, const Value& stop, const Value& step);

}  // namespace loom::jinja
