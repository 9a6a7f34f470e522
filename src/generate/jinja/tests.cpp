// Tests (`x is name`), with jinja2's definitions: e.g. Undefined is iterable and a sequence, bool is a
// number.
#include <cmath>
#include <unordered_map>

#include "generate/jinja/builtins.h"
#include "generate/jinja/text.h"

namespace loom::jinja {

namespace {

const Value& need(const CallArgs& args, const char* test) {
    const Value* v = args.get(0, "value");
    if (!v) throw Error(std::string("test '") + test + "' needs an argument");
    return *v;
}

using TestFn = bool (*)(Interpreter&, const Value&, const CallArgs&);

const std::unordered_map<std::string, TestFn>& table() {
    static const TestFn eq = [](Interpreter&, const Value& v, const CallArgs& a) {
        return equals(v, need(a, "eq"));
    };
    static const TestFn ne = [](Interpreter&, const Value& v, const CallArgs& a) {
        return !equals(v, need(a, "ne"));
    };
    static const TestFn lt = [](Interpreter&, const Value& v, const CallArgs& a) {
        return compare(v, need(a, "lt")) < 0;
    };
    static const TestFn le = [](Interpreter&, const Value& v, const CallArgs& a) {
        return compare(v, need(a, "le")) <= 0;
    };
    static const TestFn gt = [](Interpreter&, const Value& v, const CallArgs& a) {
        return compare(v, need(a, "gt")) > 0;
    };
    static const TestFn ge = [](Interpreter&, const Value& v, const CallArgs& a) {
        return compare(v, need(a, "ge")) >= 0;
    };
    static const std::unordered_map<std::string, TestFn> t = {
        {"defined", [](Interpreter&, const Value& v, const CallArgs&) { return !v.is_undefined(); }},
        {"undefined", [](Interpreter&, const Value& v, const CallArgs&) { return v.is_undefined(); }},
        {"none", [](Interpreter&, const Value& v, const CallArgs&) { return v.is_none(); }},
        {"string", [](Interpreter&, const Value& v, const CallArgs&) { return v.is_string(); }},
        {"mapping", [](Interpreter&, const Value& v, const CallArgs&) { return v.is_dict(); }},
        {"iterable",
         [](Interpreter&, const Value& v, const CallArgs&) {
             return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict();
         }},
        {"sequence",
         [](Interpreter&, const Value& v, const CallArgs&) {
             return v.is_undefined() || v.is_string() || v.is_list() || v.is_dict();
         }},
        {"number", [](Interpreter&, const Value& v, const CallArgs&) { return v.is_number(); }},
        {"integer", [](Interpreter&, const Value& v, const CallArgs&) { return v.is_int(); }},
        {"float", [](Interpreter&, const Value& v, const CallArgs&) { return v.is_float(); }},
        {"boolean", [](Interpreter&, const Value& v, const CallArgs&) { return v.is_bool(); }},
        {"true", [](Interpreter&, const Value& v, const CallArgs&) { return v.is_bool() && v.as_bool(); }},
        {"false", [](Interpreter&, const Value& v, const CallArgs&) { return v.is_bool() && !v.as_bool(); }},
        {"callable", [](Interpreter&, const Value& v, const CallArgs&) { return v.is_callable(); }},
        {"odd",
         [](Interpreter&, const Value& v, const CallArgs&) {
             if (!v.is_int() && !v.is_bool()) throw Error("odd: expected an integer");
             return v.as_int() % 2 != 0;
         }},
        {"even",
         [](Interpreter&, const Value& v, const CallArgs&) {
             if (!v.is_int() && !v.is_bool()) throw Error("even: expected an integer");
             return v.as_int() % 2 == 0;
         }},
        {"divisibleby",
         [](Interpreter&, const Value& v, const CallArgs& a) {
             const Value& d = need(a, "divisibleby");
             if (!v.is_number() || !d.is_number()) throw Error("divisibleby: expected numbers");
             if (v.is_float() || d.is_float()) {
                 if (d.as_double() == 0) throw Error("float modulo by zero");
                 return std::fmod(v.as_double(), d.as_double()) == 0;
             }
             if (d.as_int() == 0) throw Error("integer modulo by zero");
             if (d.as_int() == -1) return true;
             return v.as_int() % d.as_int() == 0;
         }},
        {"lower",
         [](Interpreter&, const Value& v, const CallArgs&) {
             return v.is_string() && text::lower(v.as_string()) == v.as_string();
         }},
        {"upper",
         [](Interpreter&, const Value& v, const CallArgs&) {
             return v.is_string() && text::upper(v.as_string()) == v.as_string();
         }},
        {"sameas",
         [](Interpreter&, const Value& v, const CallArgs& a) {
             const Value& o = need(a, "sameas");
             // Python `is`: singletons compare by value; containers by identity.
             if (v.type() != o.type()) return false;
             if (v.is_list()) return &v.as_list() == &o.as_list();
             if (v.is_dict() || v.is_namespace()) return &v.as_dict() == &o.as_dict();
             if (v.is_callable()) return &v.as_callable() == &o.as_callable();
             return equals(v, o);
         }},
        {"in", [](Interpreter&, const Value& v, const CallArgs& a) { return contains(need(a, "in"), v); }},
        {"eq", eq},
        {"equalto", eq},
        {"==", eq},
        {"ne", ne},
        {"!=", ne},
        {"lt", lt},
        {"lessthan", lt},
        {"<", lt},
        {"le", le},
        {"<=", le},
        {"gt", gt},
        {"greaterthan", gt},
        {">", gt},
        {"ge", ge},
        {">=", ge},
    };
    return t;
}

}  // namespace

bool is_test_name(const std::string& name) {
    return table().contains(name);
}

bool apply_test(Interpreter& in, const std::string& name, const Value& v, const CallArgs& args) {
    in.charge();
    auto it = table().find(name);
    if (it == table().end()) throw Error("no test named '" + name + "'");
    return it->second(in, v, args);
}

}  // namespace loom::jinja
