#include "generate/jinja/value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace loom::jinja {

const Value* Dict::find(const std::string& key) const {
    for (const auto& [k, v] : items)
        if (k == key) return &v;
    return nullptr;
}

Value* Dict::find(const std::string& key) {
    for (auto& [k, v] : items)
        if (k == key) return &v;
    return nullptr;
}

void Dict::set(const std::string& key, Value value) {
    if (Value* existing = find(key)) {
        *existing = std::move(value);
    } else {
        items.emplace_back(key, std::move(value));
    }
}

const Value* CallArgs::get(size_t index, const std::string& name) const {
    if (index < positional.size()) return &positional[index];
    for (const auto& [k, v] : keyword)
        if (k == name) return &v;
    return nullptr;
}

Value Value::undefined(std::string name) {
    Value v;
    v.string_ = std::move(name);
    return v;
}

Value Value::none() {
    Value v;
    v.type_ = Type::None;
    return v;
}

Value::Value(bool b) : type_(Type::Bool), bool_(b) {}
Value::Value(int64_t i) : type_(Type::Int), int_(i) {}
Value::Value(double f) : type_(Type::Float), float_(f) {}
Value::Value(std::string s) : type_(Type::String), string_(std::move(s)) {}
Value::Value(List list) : type_(Type::List), list_(std::make_shared<List>(std::move(list))) {
    set_nesting_from_children();
}
Value Value::tuple(List items) {
    Value v(std::move(items));
    v.tuple_ = true;
    return v;
}

Value::Value(Dict dict) : type_(Type::Dict), dict_(std::make_shared<Dict>(std::move(dict))) {
    set_nesting_from_children();
}

Value Value::namespace_of(Dict attributes) {
    Value v(std::move(attributes));
    v.type_ = Type::Namespace;
    v.nesting_ = 1;  // its attributes change after this; nothing descends into a namespace
    return v;
}

// Lists and dicts never change after construction, so their nesting is known here, once.
void Value::set_nesting_from_children() {
    uint32_t deepest = 0;
    if (list_)
        for (const Value& v : *list_) deepest = std::max(deepest, v.nesting_);
    if (dict_)
        for (const auto& [key, v] : dict_->items) deepest = std::max(deepest, v.nesting_);
    nesting_ = deepest + 1;
    if (nesting_ > kMaxNesting)
        throw Error("chat template built a list or dict nested deeper than " + std::to_string(kMaxNesting) +
                    " levels");
}

Value Value::callable(std::string name, std::function<Value(Interpreter&, const CallArgs&)> fn) {
    Value v;
    v.type_ = Type::Callable;
    v.callable_ = std::make_shared<Callable>(Callable{std::move(name), std::move(fn)});
    return v;
}

Value Value::from_json(const nlohmann::ordered_json& j) {
    switch (j.type()) {
        case nlohmann::ordered_json::value_t::null:
            return none();
        case nlohmann::ordered_json::value_t::boolean:
            return Value(j.get<bool>());
        case nlohmann::ordered_json::value_t::number_integer:
            return Value(j.get<int64_t>());
        case nlohmann::ordered_json::value_t::number_unsigned: {
            const uint64_t u = j.get<uint64_t>();
            if (u > static_cast<uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
            return Value(static_cast<int64_t>(u));
        }
        case nlohmann::ordered_json::value_t::number_float:
            return Value(j.get<double>());
        case nlohmann::ordered_json::value_t::string:
            return Value(j.get<std::string>());
        case nlohmann::ordered_json::value_t::array: {
            List list;
            list.reserve(j.size());
            for (const auto& e : j) list.push_back(from_json(e));
            return Value(std::move(list));
        }
        case nlohmann::ordered_json::value_t::object: {
            Dict dict;
            for (auto it = j.begin(); it != j.end(); ++it)
                dict.items.emplace_back(it.key(), from_json(it.value()));
            return Value(std::move(dict));
        }
        default:
            throw Error("chat template context: unsupported JSON value (binary or discarded)");
    }
}

double Value::as_double() const {
    if (is_float()) return float_;
    return static_cast<double>(as_int());
}

bool Value::truthy() const {
    switch (type_) {
        case Type::Undefined:
        case Type::None:
            return false;
        case Type::Bool:
            return bool_;
        case Type::Int:
            return int_ != 0;
        case Type::Float:
            return float_ != 0.0;
        case Type::String:
            return !string_.empty();
        case Type::List:
            return !list_->empty();
        case Type::Dict:
            return !dict_->items.empty();
        case Type::Namespace:
        case Type::Callable:
            return true;
    }
    return false;
}

std::string python_float_repr(double x) {
    if (std::isnan(x)) return "nan";
    if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
    // Shortest round-trip digits in scientific form: d.ddde[+-]XX.
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
    std::string sci(buf, res.ptr);
    const size_t e_pos = sci.find('e');
    std::string mantissa = sci.substr(0, e_pos);
    const int exponent = std::stoi(sci.substr(e_pos + 1));
    const bool negative = mantissa[0] == '-';
    if (negative) mantissa.erase(0, 1);
    std::string digits;
    for (char c : mantissa)
        if (c != '.') digits += c;
    std::string out = negative ? "-" : "";
    // Python's repr switches to exponent form when the decimal exponent is < -4 or >= 16.
    if (exponent < -4 || exponent >= 16) {
        out += digits.substr(0, 1);
        if (digits.size() > 1) out += "." + digits.substr(1);
        char e[16];
        std::snprintf(e, sizeof e, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
        return out + e;
    }
    if (exponent < 0) {
        out += "0." + std::string(static_cast<size_t>(-exponent - 1), '0') + digits;
    } else if (static_cast<size_t>(exponent) + 1 >= digits.size()) {
        out += digits + std::string(static_cast<size_t>(exponent) + 1 - digits.size(), '0') + ".0";
    } else {
        out += digits.substr(0, exponent + 1) + "." + digits.substr(exponent + 1);
    }
    return out;
}

namespace {

// Python repr of a str: single quotes unless the text holds ' and no ".
std::string python_string_repr(const std::string& s) {
    const bool use_double = s.find('\'') != std::string::npos && s.find('"') == std::string::npos;
    const char quote = use_double ? '"' : '\'';
    std::string out(1, quote);
    for (unsigned char c : s) {
        if (c == '\\') {
            out += "\\\\";
        } else if (c == static_cast<unsigned char>(quote)) {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    out += quote;
    return out;
}

}  // namespace

std::string Value::str(size_t limit) const {
    switch (type_) {
        case Type::Undefined:
            return "";
        case Type::String:
            return string_;
        default:
            return repr(limit);
    }
}

std::string Value::repr(size_t limit) const {
    std::string out;
    repr_into(out, limit);
    return out;
}

void Value::repr_into(std::string& out, size_t limit) const {
    if (out.size() > limit) throw Error("printing a value exceeded " + std::to_string(limit) + " bytes");
    switch (type_) {
        case Type::Undefined:
            return;
        case Type::None:
            out += "None";
            return;
        case Type::Bool:
            out += bool_ ? "True" : "False";
            return;
        case Type::Int:
            out += std::to_string(int_);
            return;
        case Type::Float:
            out += python_float_repr(float_);
            return;
        case Type::String:
            out += python_string_repr(string_);
            return;
        case Type::List:
            out += tuple_ ? "(" : "[";
            for (size_t i = 0; i < list_->size(); ++i) {
                if (i) out += ", ";
                (*list_)[i].repr_into(out, limit);
            }
            if (tuple_ && list_->size() == 1) out += ",";
            out += tuple_ ? ")" : "]";
            return;
        case Type::Dict:
            out += "{";
            for (size_t i = 0; i < dict_->items.size(); ++i) {
                if (i) out += ", ";
                out += python_string_repr(dict_->items[i].first) + ": ";
                dict_->items[i].second.repr_into(out, limit);
            }
            out += "}";
            return;
        case Type::Namespace:
            out += "<Namespace>";
            return;
        case Type::Callable:
            out += "<function " + callable_->name + ">";
            return;
    }
}

std::string Value::type_name() const {
    switch (type_) {
        case Type::Undefined:
            return "Undefined";
        case Type::None:
            return "NoneType";
        case Type::Bool:
            return "bool";
        case Type::Int:
            return "int";
        case Type::Float:
            return "float";
        case Type::String:
            return "str";
        case Type::List:
            return "list";
        case Type::Dict:
            return "dict";
        case Type::Namespace:
            return "Namespace";
        case Type::Callable:
            return "function";
    }
    return "?";
}

bool equals(const Value& a, const Value& b) {
    if (a.is_number() && b.is_number()) {
        if (a.is_float() || b.is_float()) return a.as_double() == b.as_double();
        return a.as_int() == b.as_int();
    }
    if (a.type() != b.type()) return false;
    switch (a.type()) {
        case Value::Type::Undefined:
        case Value::Type::None:
            return true;
        case Value::Type::String:
            return a.as_string() == b.as_string();
        case Value::Type::List: {
            const auto &x = a.as_list(), &y = b.as_list();
            if (&x == &y) return true;  // identity first, as Python does; keeps shared structures cheap
            if (x.size() != y.size()) return false;
            for (size_t i = 0; i < x.size(); ++i)
                if (!equals(x[i], y[i])) return false;
            return true;
        }
        case Value::Type::Dict: {
            const auto &x = a.as_dict(), &y = b.as_dict();
            if (&x == &y) return true;
            if (x.items.size() != y.items.size()) return false;
            for (const auto& [k, v] : x.items) {
                const Value* other = y.find(k);
                if (!other || !equals(v, *other)) return false;
            }
            return true;
        }
        case Value::Type::Namespace:
            return &a.as_dict() == &b.as_dict();
        case Value::Type::Callable:
            return &a.as_callable() == &b.as_callable();
        default:
            return false;
    }
}

int compare(const Value& a, const Value& b) {
    if (a.is_number() && b.is_number()) {
        if (a.is_float() || b.is_float()) {
            const double x = a.as_double(), y = b.as_double();
            return x < y ? -1 : (x > y ? 1 : 0);
        }
        const int64_t x = a.as_int(), y = b.as_int();
        return x < y ? -1 : (x > y ? 1 : 0);
    }
    if (a.is_string() && b.is_string()) {
        // UTF-8 byte order is code point order, which is Python's str order.
        const int c = a.as_string().compare(b.as_string());
        return c < 0 ? -1 : (c > 0 ? 1 : 0);
    }
    if (a.is_list() && b.is_list()) {
        const auto &x = a.as_list(), &y = b.as_list();
        for (size_t i = 0; i < x.size() && i < y.size(); ++i) {
            if (equals(x[i], y[i])) continue;
            return compare(x[i], y[i]);
        }
        return x.size() < y.size() ? -1 : (x.size() > y.size() ? 1 : 0);
    }
    throw Error("'<' not supported between instances of '" + a.type_name() + "' and '" + b.type_name() + "'");
}

}  // namespace loom::jinja
