// Arithmetic and membership with Python semantics (ints are 64-bit: overflow is an error, not a bigint).
#include <cmath>

#include "generate/jinja/builtins.h"

namespace loom::jinja {

namespace {

[[noreturn]] void unsupported(const std::string& op, const Value& a, const Value& b) {
    if (a.is_undefined() || b.is_undefined()) {
        const Value& u = a.is_undefined() ? a : b;
        throw Error("'" + (u.undefined_name().empty() ? std::string("value") : u.undefined_name()) +
                    "' is undefined");
    }
    throw Error("unsupported operand type(s) for " + op + ": '" + a.type_name() + "' and '" + b.type_name() +
                "'");
}

// Wraps __builtin_*_overflow, whose result must only be read after the call.
template <typename Op>
int64_t checked(Op op, int64_t a, int64_t b) {
    int64_t r = 0;
    if (op(a, b, &r)) throw Error("integer overflow in chat template arithmetic");
    return r;
}
bool add_overflow(int64_t a, int64_t b, int64_t* r) {
    return __builtin_add_overflow(a, b, r);
}
bool sub_overflow(int64_t a, int64_t b, int64_t* r) {
    return __builtin_sub_overflow(a, b, r);
}
bool mul_overflow(int64_t a, int64_t b, int64_t* r) {
    return __builtin_mul_overflow(a, b, r);
}

Value repeat(Interpreter& in, const Value& seq, int64_t times) {
    if (times <= 0) return seq.is_string() ? Value(std::string()) : Value(List{});
    if (seq.is_string()) {
        const size_t n = seq.as_string().size();
        if (n && static_cast<uint64_t>(times) > in.limits().max_string_bytes / n + 1)
            in.refuse_string(static_cast<long double>(n) * static_cast<long double>(times));
        in.check_string(n * static_cast<size_t>(times));
        std::string out;
        out.reserve(n * static_cast<size_t>(times));
        for (int64_t i = 0; i < times; ++i) out += seq.as_string();
        return Value(std::move(out));
    }
    const size_t n = seq.as_list().size();
    if (n && static_cast<uint64_t>(times) > in.limits().max_list_items / n + 1)
        in.refuse_list(static_cast<long double>(n) * static_cast<long double>(times));
    in.check_list(n * static_cast<size_t>(times));
    List out;
    for (int64_t i = 0; i < times; ++i) out.insert(out.end(), seq.as_list().begin(), seq.as_list().end());
    return Value(std::move(out));
}

}  // namespace

bool contains(const Value& container, const Value& needle) {
    switch (container.type()) {
        case Value::Type::Undefined:
            return false;
        case Value::Type::String:
            if (!needle.is_string()) {
                throw Error("'in <string>' requires string as left operand, not " + needle.type_name());
            }
            return container.as_string().find(needle.as_string()) != std::string::npos;
        case Value::Type::List:
            for (const auto& item : container.as_list())
                if (equals(item, needle)) return true;
            return false;
        case Value::Type::Dict:
            return needle.is_string() && container.as_dict().find(needle.as_string()) != nullptr;
        default:
            throw Error("argument of type '" + container.type_name() + "' is not iterable");
    }
}

Value binary_op(Interpreter& in, const std::string& op, const Value& a, const Value& b) {
    if (op == "~") {
        std::string s = a.str(in.limits().max_string_bytes);
        const std::string t = b.str(in.limits().max_string_bytes);
        in.check_string(s.size() + t.size());
        return Value(s + t);
    }
    const bool numbers = a.is_number() && b.is_number();
    const bool ints = numbers && !a.is_float() && !b.is_float();
    if (op == "+") {
        if (ints) return Value(checked(add_overflow, a.as_int(), b.as_int()));
        if (numbers) return Value(a.as_double() + b.as_double());
        if (a.is_string() && b.is_string()) {
            in.check_string(a.as_string().size() + b.as_string().size());
            return Value(a.as_string() + b.as_string());
        }
        if (a.is_list() && b.is_list()) {
            in.check_list(a.as_list().size() + b.as_list().size());
            List out = a.as_list();
            out.insert(out.end(), b.as_list().begin(), b.as_list().end());
            return Value(std::move(out));
        }
        unsupported(op, a, b);
    }
    if (op == "-") {
        if (ints) return Value(checked(sub_overflow, a.as_int(), b.as_int()));
        if (numbers) return Value(a.as_double() - b.as_double());
        unsupported(op, a, b);
    }
    if (op == "*") {
        if (ints) return Value(checked(mul_overflow, a.as_int(), b.as_int()));
        if (numbers) return Value(a.as_double() * b.as_double());
        if ((a.is_string() || a.is_list()) && (b.is_int() || b.is_bool())) return repeat(in, a, b.as_int());
        if ((b.is_string() || b.is_list()) && (a.is_int() || a.is_bool())) return repeat(in, b, a.as_int());
        unsupported(op, a, b);
    }
    if (!numbers) unsupported(op, a, b);
    if (op == "/") {
        if (b.as_double() == 0.0) throw Error("division by zero");
        return Value(a.as_double() / b.as_double());
    }
    if (op == "//" || op == "%") {
        if (ints) {
            const int64_t x = a.as_int(), y = b.as_int();
            if (y == 0) throw Error("integer division or modulo by zero");
            if (x == INT64_MIN && y == -1) throw Error("integer overflow in chat template arithmetic");
            int64_t q = x / y, m = x % y;
            if (m != 0 && ((m < 0) != (y < 0))) {  // Python floors toward -inf
                --q;
                m += y;
            }
            return Value(op == "//" ? q : m);
        }
        const double x = a.as_double(), y = b.as_double();
        if (y == 0.0) throw Error("float division or modulo by zero");
        if (op == "//") return Value(std::floor(x / y));
        double m = std::fmod(x, y);
        if (m != 0 && ((m < 0) != (y < 0))) m += y;
        return Value(m);
    }
    if (op == "**") {
        if (ints && b.as_int() >= 0) {
            int64_t result = 1, base = a.as_int();
            for (int64_t e = b.as_int(); e > 0; e >>= 1) {
                if (e & 1) result = checked(mul_overflow, result, base);
                if (e > 1) base = checked(mul_overflow, base, base);
            }
            return Value(result);
        }
        return Value(std::pow(a.as_double(), b.as_double()));
    }
    throw Error("unknown operator " + op);
}

}  // namespace loom::jinja
