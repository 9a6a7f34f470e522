// The values a chat template computes with: Python's data model, reduced to what Jinja templates use.
// Lists, dicts and namespaces are shared by reference (as in Python); everything else is copied.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace loom::jinja {

class Value;
class Interpreter;

using List = std::vector<Value>;

// Insertion-ordered string-keyed map, like a Python dict built from JSON. Lookup is linear: template dicts
// are small, and order matters for tojson and iteration.
struct Dict {
    std::vector<std::pair<std::string, Value>> items;

    const Value* find(const std::string& key) const;
    Value* find(const std::string& key);
    void set(const std::string& key, Value value);
};

struct CallArgs {
    std::vector<Value> positional;
    std::vector<std::pair<std::string, Value>> keyword;

    // The argument given by position `index` or by `name`; nullptr when absent.
    const Value* get(size_t index, const std::string& name) const;
};

struct Callable {
    std::string name;
    std::function<Value(Interpreter&, const CallArgs&)> call;
};

class Value {
  public:
    enum class Type { Undefined, None, Bool, Int, Float, String, List, Dict, Namespace, Callable };

    Value() = default;  // Undefined
    static Value undefined(std::string name = {});
    static Value none();
    Value(bool b);
    Value(int64_t i);
    Value(int i) : Value(static_cast<int64_t>(i)) {}
    Value(double f);
    Value(std::string s);
    Value(const char* s) : Value(std::string(s)) {}
    Value(List list);
    // A Python tuple: behaves as a list, prints with parentheses.
    static Value tuple(List items);
    Value(Dict dict);
    static Value namespace_of(Dict attributes);
    static Value callable(std::string name, std::function<Value(Interpreter&, const CallArgs&)> fn);
    static Value from_json(const nlohmann::ordered_json& j);

    Type type() const { return type_; }
    bool is_undefined() const { return type_ == Type::Undefined; }
    bool is_none() const { return type_ == Type::None; }
    bool is_bool() const { return type_ == Type::Bool; }
    bool is_int() const { return type_ == Type::Int; }
    bool is_float() const { return type_ == Type::Float; }
    bool is_number() const { return is_int() || is_float() || is_bool(); }  // Python: bool is a number
    bool is_string() const { return type_ == Type::String; }
    bool is_list() const { return type_ == Type::List; }
    bool is_tuple() const { return is_list() && tuple_; }
    bool is_dict() const { return type_ == Type::Dict; }
    bool is_namespace() const { return type_ == Type::Namespace; }
    bool is_callable() const { return type_ == Type::Callable; }

    bool as_bool() const { return bool_; }
    int64_t as_int() const { return is_bool() ? (bool_ ? 1 : 0) : int_; }  // bool or int
    double as_double() const;                                              // any number
    const std::string& as_string() const { return string_; }
    const List& as_list() const { return *list_; }
    const Dict& as_dict() const { return *dict_; }  // dict or namespace
    Dict& mutable_dict() const { return *dict_; }   // namespace attribute assignment
    const Callable& as_callable() const { return *callable_; }
    // For Undefined: the name that was looked up, for error messages.
    const std::string& undefined_name() const { return string_; }

    // Python truthiness.
    bool truthy() const;
    // Python str(): what {{ value }} prints (Undefined prints nothing). Nested lists/dicts may share
    // parts, so printing is capped at `limit` bytes (loom::Error past it).
    std::string str(size_t limit = kPrintLimit) const;
    // Python repr(): how the value prints inside a list or dict.
    std::string repr(size_t limit = kPrintLimit) const;
    static constexpr size_t kPrintLimit = 64u << 20;
    // Lists and dicts nest at most this deep ({% set ns.x = [ns.x] %} in a loop would otherwise build a value
    // that printing, comparing and freeing recurse through, one frame per level). Loom::Error past it.
    static constexpr uint32_t kMaxNesting = 256;
    // Python's type name, for error messages ("str", "int", "dict", ...).
    std::string type_name() const;

  private:
    void repr_into(std::string& out, size_t limit) const;

    void set_nesting_from_children();

    Type type_ = Type::Undefined;
    uint32_t nesting_ = 1;  // levels of list / dict, this one included (a namespace is opaque: 1)
    bool bool_ = false;
    bool tuple_ = false;
    int64_t int_ = 0;
    double float_ = 0.0;
    std::string string_;
    std::shared_ptr<List> list_;
    std::shared_ptr<Dict> dict_;
    std::shared_ptr<Callable> callable_;
};

// Python ==, deep, with 1 == 1.0 == True. Undefined equals only Undefined.
bool equals(const Value& a, const Value& b);
// Python ordering for <, >, <=, >= (numbers, strings, lists); throws loom::Error for other types.
int compare(const Value& a, const Value& b);

// Python float repr: shortest round-trip digits, "1.0", "1e-05", "1e+16", "inf", "nan".
std::string python_float_repr(double x);

}  // namespace loom::jinja
