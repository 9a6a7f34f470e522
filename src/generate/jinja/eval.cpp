// Expression evaluation: names, literals, attribute/item access, calls, filters, tests, operators.
#include <cmath>

#include "generate/jinja/builtins.h"
#include "generate/jinja/interpreter.h"
#include "generate/jinja/lexer.h"
#include "generate/jinja/text.h"

namespace loom::jinja {

List iterate(const Value& v) {
    switch (v.type()) {
        case Value::Type::Undefined:
            return {};
        case Value::Type::List:
            return v.as_list();
        case Value::Type::Dict: {
            List keys;
            for (const auto& [k, _] : v.as_dict().items) keys.emplace_back(k);
            return keys;
        }
        case Value::Type::String: {
            List chars;
            for (char32_t c : text::decode(v.as_string()))
                chars.emplace_back(text::encode(std::u32string(1, c)));
            return chars;
        }
        default:
            throw Error("'" + v.type_name() + "' object is not iterable");
    }
}

Value get_attribute(const Value& obj, const std::string& name) {
    if (obj.is_undefined()) {
        throw Error(obj.undefined_name().empty() ? "undefined value has no attribute '" + name + "'"
                                                 : "'" + obj.undefined_name() + "' is undefined");
    }
    if (obj.is_dict() || obj.is_namespace()) {
        if (const Value* v = obj.as_dict().find(name)) return *v;
    }
    return Value::undefined(name);
}

Value get_item(const Value& obj, const Value& key) {
    if (obj.is_undefined()) {
        throw Error(obj.undefined_name().empty() ? "undefined value is not subscriptable"
                                                 : "'" + obj.undefined_name() + "' is undefined");
    }
    if ((obj.is_dict() || obj.is_namespace()) && key.is_string()) return get_attribute(obj, key.as_string());
    if ((obj.is_list() || obj.is_string()) && (key.is_int() || key.is_bool())) {
        int64_t i = key.as_int();
        if (obj.is_list()) {
            const int64_t n = static_cast<int64_t>(obj.as_list().size());
            if (i < 0) i += n;
            if (i < 0 || i >= n) return Value::undefined();
            return obj.as_list()[static_cast<size_t>(i)];
        }
        const std::u32string cps = text::decode(obj.as_string());
        const int64_t n = static_cast<int64_t>(cps.size());
        if (i < 0) i += n;
        if (i < 0 || i >= n) return Value::undefined();
        return Value(text::encode(std::u32string(1, cps[static_cast<size_t>(i)])));
    }
    if (key.is_string()) return Value::undefined(key.as_string());
    return Value::undefined();
}

Value slice(const Value& obj, const Value& start_v, const Value& stop_v, const Value& step_v) {
    auto as_index = [](const Value& v, const char* what) -> std::optional<int64_t> {
        if (v.is_undefined() || v.is_none()) return std::nullopt;
        if (!v.is_int() && !v.is_bool()) throw Error(std::string("slice ") + what + " must be an integer");
        return v.as_int();
    };
    const int64_t step = as_index(step_v, "step").value_or(1);
    if (step == 0) throw Error("slice step cannot be zero");
    auto take = [&](int64_t n, auto&& at) {
        // Python's slice.indices().
        auto clamp = [&](std::optional<int64_t> v, int64_t dflt) {
            if (!v) return dflt;
            int64_t x = *v;
            if (x < 0) x += n;
            if (step > 0) return std::clamp<int64_t>(x, 0, n);
            return std::clamp<int64_t>(x, -1, n - 1);
        };
        const int64_t start = clamp(as_index(start_v, "start"), step > 0 ? 0 : n - 1);
        const int64_t stop = clamp(as_index(stop_v, "stop"), step > 0 ? n : -1);
        for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) at(static_cast<size_t>(i));
    };
    if (obj.is_list()) {
        List out;
        take(static_cast<int64_t>(obj.as_list().size()), [&](size_t i) { out.push_back(obj.as_list()[i]); });
        return Value(std::move(out));
    }
    if (obj.is_string()) {
        const std::u32string cps = text::decode(obj.as_string());
        std::u32string out;
        take(static_cast<int64_t>(cps.size()), [&](size_t i) { out.push_back(cps[i]); });
        return Value(text::encode(out));
    }
    if (obj.is_undefined()) throw Error("'" + obj.undefined_name() + "' is undefined");
    throw Error("'" + obj.type_name() + "' object is not subscriptable");
}

Value Interpreter::eval(const Expr& e, const ScopePtr& scope) {
    charge();
    try {
        return eval_inner(e, scope);
    } catch (const PositionedError&) {
        throw;
    } catch (const RaisedError&) {
        throw;
    } catch (const Error& err) {
        throw PositionedError("chat template error at " + position(e.line, e.column) + ": " + err.message());
    }
}

CallArgs Interpreter::eval_args(const Expr& e, const ScopePtr& scope, size_t first_positional) {
    CallArgs args;
    for (size_t i = first_positional; i < e.args.size(); ++i)
        args.positional.push_back(eval(*e.args[i], scope));
    for (const auto& [k, v] : e.kwargs) args.keyword.emplace_back(k, eval(*v, scope));
    return args;
}

Value Interpreter::call(const Value& callee, const CallArgs& args) {
    if (callee.is_undefined()) {
        throw Error("'" + (callee.undefined_name().empty() ? std::string("value") : callee.undefined_name()) +
                    "' is undefined and cannot be called");
    }
    if (!callee.is_callable()) throw Error("'" + callee.type_name() + "' object is not callable");
    return callee.as_callable().call(*this, args);
}

Value Interpreter::eval_call(const Expr& e, const ScopePtr& scope) {
    const Expr& target = *e.args[0];
    if (target.kind == Expr::Kind::GetAttr) {
        Value obj = eval(*target.args[0], scope);
        if (has_method(obj, target.name)) return call_method(*this, obj, target.name, eval_args(e, scope, 1));
        Value callee = get_attribute(obj, target.name);
        return call(callee, eval_args(e, scope, 1));
    }
    Value callee = eval(target, scope);
    return call(callee, eval_args(e, scope, 1));
}

Value Interpreter::apply_filter_expr(const Expr& filter, Value input, const ScopePtr& scope) {
    CallArgs args = eval_args(filter, scope, 1);
    return apply_filter(*this, filter.name, input, args);
}

Value Interpreter::eval_inner(const Expr& e, const ScopePtr& scope) {
    switch (e.kind) {
        case Expr::Kind::Literal:
            return e.value;
        case Expr::Kind::Name:
            return scope->lookup(e.name);
        case Expr::Kind::ListLit: {
            List items;
            for (const auto& a : e.args) items.push_back(eval(*a, scope));
            return e.name == "tuple" ? Value::tuple(std::move(items)) : Value(std::move(items));
        }
        case Expr::Kind::DictLit: {
            Dict d;
            for (size_t i = 0; i + 1 < e.args.size(); i += 2) {
                Value key = eval(*e.args[i], scope);
                if (!key.is_string()) throw Error("dict keys must be strings here, got " + key.type_name());
                d.set(key.as_string(), eval(*e.args[i + 1], scope));
            }
            return Value(std::move(d));
        }
        case Expr::Kind::GetAttr:
            return get_attribute(eval(*e.args[0], scope), e.name);
        case Expr::Kind::GetItem:
            return get_item(eval(*e.args[0], scope), eval(*e.args[1], scope));
        case Expr::Kind::Slice: {
            Value obj = eval(*e.args[0], scope);
            auto part = [&](size_t i) { return e.args[i] ? eval(*e.args[i], scope) : Value::none(); };
            return slice(obj, part(1), part(2), part(3));
        }
        case Expr::Kind::Call:
            return eval_call(e, scope);
        case Expr::Kind::Filter:
            return apply_filter_expr(e, eval(*e.args[0], scope), scope);
        case Expr::Kind::Test: {
            Value v = eval(*e.args[0], scope);
            const bool result = apply_test(*this, e.name, v, eval_args(e, scope, 1));
            return Value(result != e.negated);
        }
        case Expr::Kind::Unary: {
            Value v = eval(*e.args[0], scope);
            if (e.name == "not") return Value(!v.truthy());
            if (!v.is_number())
                throw Error("bad operand type for unary " + e.name + ": '" + v.type_name() + "'");
            if (e.name == "+") return v.is_bool() ? Value(v.as_int()) : v;
            if (v.is_float()) return Value(-v.as_double());
            if (v.as_int() == INT64_MIN) throw Error("integer overflow");
            return Value(-v.as_int());
        }
        case Expr::Kind::Binary:
            return eval_binary(e, scope);
        case Expr::Kind::Compare:
            return eval_compare(e, scope);
        case Expr::Kind::Conditional: {
            if (eval(*e.args[0], scope).truthy()) return eval(*e.args[1], scope);
            return e.args[2] ? eval(*e.args[2], scope) : Value::undefined();
        }
    }
    return Value();
}

Value Interpreter::eval_compare(const Expr& e, const ScopePtr& scope) {
    Value left = eval(*e.args[0], scope);
    for (size_t i = 0; i < e.ops.size(); ++i) {
        Value right = eval(*e.args[i + 1], scope);
        const std::string& op = e.ops[i];
        bool ok;
        if (op == "==") {
            ok = equals(left, right);
        } else if (op == "!=") {
            ok = !equals(left, right);
        } else if (op == "in" || op == "not in") {
            ok = contains(right, left) == (op == "in");
        } else {
            const int c = compare(left, right);
            ok = op == "<" ? c < 0 : op == "<=" ? c <= 0 : op == ">" ? c > 0 : c >= 0;
        }
        if (!ok) return Value(false);
        left = std::move(right);
    }
    return Value(true);
}

Value Interpreter::eval_binary(const Expr& e, const ScopePtr& scope) {
    const std::string& op = e.name;
    if (op == "and") {
        Value left = eval(*e.args[0], scope);
        return left.truthy() ? eval(*e.args[1], scope) : left;
    }
    if (op == "or") {
        Value left = eval(*e.args[0], scope);
        return left.truthy() ? left : eval(*e.args[1], scope);
    }
    Value left = eval(*e.args[0], scope);
    Value right = eval(*e.args[1], scope);
    return binary_op(*this, op, left, right);
}

}  // namespace loom::jinja
