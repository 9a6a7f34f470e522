// Statement execution: text, prints, if, for (with loop.*), set, macros, call and filter blocks.
#include "generate/jinja/interpreter.h"

#include "generate/jinja/lexer.h"

namespace loom::jinja {

Value Scope::lookup(const std::string& name) const {
    for (const Scope* s = this; s; s = s->parent_.get()) {
        auto it = s->vars_.find(name);
        if (it != s->vars_.end()) return it->second;
    }
    return Value::undefined(name);
}

void Interpreter::charge(uint64_t steps) {
    steps_ += steps;
    if (steps_ > limits_.max_steps) {
        throw Error("chat template exceeded its work limit of " + std::to_string(limits_.max_steps) +
                    " steps");
    }
}

void Interpreter::check_string(size_t bytes) {
    if (bytes > limits_.max_string_bytes) {
        throw Error("chat template built a string of " + std::to_string(bytes) + " bytes (limit " +
                    std::to_string(limits_.max_string_bytes) + ")");
    }
    charge(bytes / 64);
}

void Interpreter::check_list(size_t items) {
    if (items > limits_.max_list_items) {
        throw Error("chat template built a list of " + std::to_string(items) + " items (limit " +
                    std::to_string(limits_.max_list_items) + ")");
    }
    charge(items / 16);
}

namespace {
std::string jinja_count_text(long double n) {
    return n >= 1e19L ? "more than 10^19" : std::to_string(static_cast<uint64_t>(n));
}
}  // namespace

void Interpreter::refuse_string(long double bytes) const {
    throw Error("chat template would build a string of " + jinja_count_text(bytes) + " bytes (limit " +
                std::to_string(limits_.max_string_bytes) + ")");
}

void Interpreter::refuse_list(long double items) const {
    throw Error("chat template would build a list of " + jinja_count_text(items) + " items (limit " +
                std::to_string(limits_.max_list_items) + ")");
}

void Interpreter::append(std::string& out, const std::string& text) {
    // The work is copying `text`: charging for the whole output at every append made a long template's cost
    // quadratic in the meter (200,000 prints of one byte ran out of steps).
    if (out.size() + text.size() > limits_.max_string_bytes) check_string(out.size() + text.size());
    charge(text.size() / 64);
    out += text;
}

std::string Interpreter::render(const Body& body, ScopePtr globals) {
    auto top = std::make_shared<Scope>(std::move(globals));
    std::string out;
    exec(body, top, out);
    return out;
}

Interpreter::Flow Interpreter::exec(const Body& body, const ScopePtr& scope, std::string& out) {
    for (const auto& s : body) {
        const Flow f = exec_stmt(*s, scope, out);
        if (f != Flow::Normal) return f;
    }
    return Flow::Normal;
}

namespace {

[[noreturn]] void fail_at(const Stmt& s, const std::string& what) {
    throw PositionedError("chat template error at " + position(s.line, s.column) + ": " + what);
}

}  // namespace

Interpreter::Flow Interpreter::exec_stmt(const Stmt& s, const ScopePtr& scope, std::string& out) {
    charge();
    switch (s.kind) {
        case Stmt::Kind::Text:
            append(out, s.text);
            break;
        case Stmt::Kind::Print:
            append(out, eval(*s.expr, scope).str(limits_.max_string_bytes));
            break;
        case Stmt::Kind::If:
            for (const auto& [condition, body] : s.branches) {
                if (!condition || eval(*condition, scope).truthy()) return exec(body, scope, out);
            }
            break;
        case Stmt::Kind::For:
            exec_for(s, scope, out);
            break;
        case Stmt::Kind::Set:
            exec_set(s, scope);
            break;
        case Stmt::Kind::SetBlock: {
            std::string captured;
            exec(s.body, scope, captured);
            Value v(std::move(captured));
            for (const auto& f : s.filters) v = apply_filter_expr(*f, std::move(v), scope);
            scope->set(s.targets[0], std::move(v));
            break;
        }
        case Stmt::Kind::Macro:
            scope->set(s.text, make_macro(s, scope));
            break;
        case Stmt::Kind::CallBlock: {
            const Stmt* block = &s;
            std::weak_ptr<Scope> weak = scope;
            Value caller = Value::callable("caller", [this, block, weak](Interpreter&, const CallArgs& args) {
                auto parent = weak.lock();
                if (!parent) throw Error("caller() used after its call block ended");
                auto inner = std::make_shared<Scope>(parent);
                for (size_t i = 0; i < block->params.size(); ++i) {
                    const Value* a = args.get(i, block->params[i].name);
                    inner->set(block->params[i].name, a ? *a
                                                        : (block->params[i].default_value
                                                               ? eval(*block->params[i].default_value, inner)
                                                               : Value::undefined(block->params[i].name)));
                }
                std::string text;
                exec(block->body, inner, text);
                return Value(std::move(text));
            });
            const Expr& call_expr = *s.expr;
            Value callee = eval(*call_expr.args[0], scope);
            CallArgs args = eval_args(call_expr, scope, 1);
            args.keyword.emplace_back("caller", std::move(caller));
            append(out, call(callee, args).str());
            break;
        }
        case Stmt::Kind::FilterBlock: {
            std::string captured;
            exec(s.body, scope, captured);
            Value v(std::move(captured));
            for (const auto& f : s.filters) v = apply_filter_expr(*f, std::move(v), scope);
            append(out, v.str());
            break;
        }
        case Stmt::Kind::Break:
            return Flow::Break;
        case Stmt::Kind::Continue:
            return Flow::Continue;
        case Stmt::Kind::Scope:
            exec(s.body, std::make_shared<Scope>(scope), out);
            break;
    }
    return Flow::Normal;
}

namespace {

void bind_targets(const Stmt& s, Scope& scope, const Value& item) {
    if (s.targets.size() == 1) {
        scope.set(s.targets[0], item);
        return;
    }
    const List parts = iterate(item);
    if (parts.size() != s.targets.size()) {
        fail_at(s, "cannot unpack " + std::to_string(parts.size()) + " values into " +
                       std::to_string(s.targets.size()) + " names");
    }
    for (size_t i = 0; i < parts.size(); ++i) scope.set(s.targets[i], parts[i]);
}

}  // namespace

void Interpreter::exec_for(const Stmt& s, const ScopePtr& scope, std::string& out) {
    const Value iterable = eval(*s.expr, scope);
    if (!iterable.is_undefined() && !iterable.is_list() && !iterable.is_dict() && !iterable.is_string()) {
        fail_at(s, "'" + iterable.type_name() + "' object is not iterable");
    }
    List items = iterate(iterable);
    if (s.filter) {
        // The `if` filter runs first, so loop.length and loop.last see only the kept items.
        List kept;
        for (auto& item : items) {
            charge();
            auto probe = std::make_shared<Scope>(scope);
            bind_targets(s, *probe, item);
            if (eval(*s.filter, probe).truthy()) kept.push_back(std::move(item));
        }
        items = std::move(kept);
    }
    if (items.empty()) {
        exec(s.else_body, scope, out);
        return;
    }
    const int64_t n = static_cast<int64_t>(items.size());
    for (int64_t i = 0; i < n; ++i) {
        charge();
        auto iteration = std::make_shared<Scope>(scope);
        Dict loop;
        loop.items = {{"index", Value(i + 1)},      {"index0", Value(i)},
                      {"revindex", Value(n - i)},   {"revindex0", Value(n - i - 1)},
                      {"first", Value(i == 0)},     {"last", Value(i == n - 1)},
                      {"length", Value(n)},         {"depth", Value(int64_t{1})},
                      {"depth0", Value(int64_t{0})}};
        if (i > 0) loop.items.emplace_back("previtem", items[i - 1]);
        if (i + 1 < n) loop.items.emplace_back("nextitem", items[i + 1]);
        loop.items.emplace_back("cycle", Value::callable("cycle", [i](Interpreter&, const CallArgs& args) {
                                    if (args.positional.empty())
                                        throw Error("loop.cycle() needs at least one value");
                                    return args.positional[static_cast<size_t>(i) % args.positional.size()];
                                }));
        iteration->set("loop", Value(std::move(loop)));
        bind_targets(s, *iteration, items[i]);
        if (exec(s.body, iteration, out) == Flow::Break) break;
    }
}

Interpreter::~Interpreter() {
    for (const Value& ns : assigned_namespaces_) ns.mutable_dict().items.clear();
}

void Interpreter::exec_set(const Stmt& s, const ScopePtr& scope) {
    Value v = eval(*s.expr, scope);
    if (!s.attribute.empty()) {
        Value target = scope->lookup(s.targets[0]);
        if (!target.is_namespace()) fail_at(s, "cannot assign attribute on non-namespace object");
        target.mutable_dict().set(s.attribute, std::move(v));
        if (assigned_namespaces_.empty() || &assigned_namespaces_.back().as_dict() != &target.as_dict())
            assigned_namespaces_.push_back(target);
        return;
    }
    if (s.targets.size() == 1) {
        scope->set(s.targets[0], std::move(v));
        return;
    }
    bind_targets(s, *scope, v);
}

Value Interpreter::make_macro(const Stmt& s, const ScopePtr& scope) {
    const Stmt* macro = &s;
    std::weak_ptr<Scope> weak = scope;  // weak: the scope holds this macro, a strong ref would be a cycle
    return Value::callable(s.text, [macro, weak](Interpreter& in, const CallArgs& args) {
        auto parent = weak.lock();
        if (!parent) throw Error("macro '" + macro->text + "' called after its scope ended");
        if (++in.call_depth_ > in.limits_.max_call_depth) {
            --in.call_depth_;
            throw Error("chat template macros nest deeper than " + std::to_string(in.limits_.max_call_depth));
        }
        struct DepthRestore {
            int& d;
            ~DepthRestore() { --d; }
        } restore{in.call_depth_};
        auto inner = std::make_shared<Scope>(parent);
        const auto& params = macro->params;
        if (args.positional.size() > params.size()) {
            List extra(args.positional.begin() + static_cast<std::ptrdiff_t>(params.size()),
                       args.positional.end());
            inner->set("varargs", Value(std::move(extra)));
        } else {
            inner->set("varargs", Value(List{}));
        }
        Dict kwargs;
        for (const auto& [k, v] : args.keyword) {
            bool is_param = k == "caller";
            for (const auto& p : params) is_param |= p.name == k;
            if (!is_param) kwargs.set(k, v);
            if (k == "caller") inner->set("caller", v);
        }
        inner->set("kwargs", Value(std::move(kwargs)));
        for (size_t i = 0; i < params.size(); ++i) {
            const Value* a = args.get(i, params[i].name);
            if (a) {
                inner->set(params[i].name, *a);
            } else if (params[i].default_value) {
                inner->set(params[i].name, in.eval(*params[i].default_value, inner));
            } else {
                inner->set(params[i].name, Value::undefined(params[i].name));
            }
        }
        std::string text;
        in.exec(macro->body, inner, text);
        return Value(std::move(text));
    });
}

}  // namespace loom::jinja
