// The converter walks the schema and writes one GBNF rule per sub-schema, named after its JSON pointer.
// Shared primitive rules (value, string, number, ws ...) are written once at the end.
#include "generate/grammar/json_schema.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "core/error.h"

namespace loom::grammar {

namespace {

using json = nlohmann::ordered_json;

const std::set<std::string>& annotation_keywords() {
    static const std::set<std::string> k = {"title", "description", "default", "examples", "$schema", "$id",
                                            "$comment", "deprecated", "readOnly", "writeOnly"};
    return k;
}

// The JSON text of a value as a GBNF literal.
std::string gbnf_literal(const std::string& text) {
    std::string out = "\"";
    for (unsigned char c : text) {
        if (c == '"' || c == '\\') {
            out += '\\';
            out += static_cast<char>(c);
        } else if (c < 0x20) {
            static const char* hex = "0123456789ABCDEF";
            out += "\\x";
            out += hex[c >> 4];
            out += hex[c & 15];
        } else {
            out += static_cast<char>(c);
        }
    }
    return out + "\"";
}

// The primitives every converted schema may use. Whitespace sits only between tokens (never after the last
// one, so the output ends with the value) and is bounded so a model cannot pad forever.
const char* kPrimitives = R"(ws ::= [ \t\n]{0,20}
value ::= object | array | string | number | "true" | "false" | "null"
object ::= "{" ws ( member ( ws "," ws member )* )? ws "}"
member ::= string ws ":" ws value
array ::= "[" ws ( value ( ws "," ws value )* )? ws "]"
string ::= "\"" char* "\""
char ::= [^"\\\x00-\x1F] | "\\" ( ["\\/bfnrt] | "u" hex hex hex hex )
hex ::= [0-9a-fA-F]
number ::= "-"? int-part ( "." [0-9]+ )? ( [eE] [-+]? [0-9]+ )?
integer ::= "-"? int-part
int-part ::= "0" | [1-9] [0-9]{0,15}
boolean ::= "true" | "false"
null ::= "null"
date-core ::= [0-9]{4} "-" ( "0" [1-9] | "1" [0-2] ) "-" ( "0" [1-9] | [12] [0-9] | "3" [01] )
time-core ::= ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] ":" [0-5] [0-9] ( "." [0-9]{1,9} )? ( "Z" | [+-] ( [01] [0-9] | "2" [0-3] ) ":" [0-5] [0-9] )
format-date ::= "\"" date-core "\""
format-time ::= "\"" time-core "\""
format-date-time ::= "\"" date-core "T" time-core "\""
format-uuid ::= "\"" hex{8} "-" hex{4} "-" hex{4} "-" hex{4} "-" hex{12} "\""
format-email ::= "\"" [a-zA-Z0-9._%+-]{1,64} "@" [a-zA-Z0-9-]{1,63} ( "." [a-zA-Z0-9-]{1,63} ){1,8} "\""
)";

// A regular expression (the subset JSON Schema `pattern` needs most) -> a GBNF expression over the
// string's characters, as they appear inside the JSON string (quotes and backslashes excluded, so the
// pattern's own characters need no JSON escaping).
class PatternConverter {
  public:
    PatternConverter(std::string_view re, std::string where) : re_(re), where_(std::move(where)) {}

    std::string convert() {
        if (!re_.empty() && re_.front() == '^') ++pos_;
        else unanchored_start_ = true;
        std::string body = alternation();
        if (pos_ < re_.size()) fail("unexpected ')'");
        const std::string any = "[^\"\\\\\\x00-\\x1F]*";
        // JSON Schema patterns are not anchored: without ^ or $ anything may come before or after.
        return (unanchored_start_ ? any + " " : "") + "(" + body + ")" + (anchored_end_ ? "" : " " + any);
    }

  private:
    std::string_view re_;
    size_t pos_ = 0;
    std::string where_;
    bool unanchored_start_ = false;
    bool anchored_end_ = false;

    [[noreturn]] void fail(const std::string& what) const {
        throw Error("json schema: pattern at " + where_ + ": " + what + " (at offset " + std::to_string(pos_) +
                    "); supported: literals . [classes] \\d \\w \\s groups | * + ? {m,n} ^ $");
    }

    std::string alternation() {
        std::string out = sequence();
        while (pos_ < re_.size() && re_[pos_] == '|') {
            ++pos_;
            out += " | " + sequence();
        }
        return out;
    }

    std::string sequence() {
        std::string out;
        while (pos_ < re_.size() && re_[pos_] != '|' && re_[pos_] != ')') {
            if (re_[pos_] == '$' && pos_ + 1 == re_.size()) {
                anchored_end_ = true;
                ++pos_;
                break;
            }
            std::string atom_text = atom();
            atom_text += quantifier();
            out += (out.empty() ? "" : " ") + atom_text;
        }
        return out.empty() ? "\"\"" : out;
    }

    std::string quantifier() {
        if (pos_ >= re_.size()) return "";
        const char c = re_[pos_];
        if (c == '*' || c == '+' || c == '?') {
            ++pos_;
            if (pos_ < re_.size() && (re_[pos_] == '?' || re_[pos_] == '+')) fail("lazy/possessive quantifiers");
            return std::string(1, c);
        }
        if (c == '{') {
            const size_t close = re_.find('}', pos_);
            if (close == std::string_view::npos) fail("unterminated {m,n}");
            std::string inside(re_.substr(pos_ + 1, close - pos_ - 1));
            for (char d : inside)
                if (!(std::isdigit(static_cast<unsigned char>(d)) || d == ',')) fail("bad {m,n}");
            pos_ = close + 1;
            return "{" + inside + "}";
        }
        return "";
    }

    std::string atom() {
        const char c = re_[pos_];
        if (c == '(') {
            ++pos_;
            if (pos_ < re_.size() && re_[pos_] == '?') {
                if (pos_ + 1 < re_.size() && re_[pos_ + 1] == ':') pos_ += 2;
                else fail("lookaround and named groups");
            }
            std::string inner = alternation();
            if (pos_ >= re_.size() || re_[pos_] != ')') fail("missing ')'");
            ++pos_;
            return "(" + inner + ")";
        }
        if (c == '[') return char_class();
        if (c == '.') {
            ++pos_;
            return "[^\"\\\\\\x00-\\x1F]";
        }
        if (c == '\\') return escape(false);
        if (c == '^' || c == '$') fail("anchors in the middle of a pattern");
        if (c == '*' || c == '+' || c == '?' || c == '{') fail("nothing to repeat");
        ++pos_;
        return char_literal(c);
    }

    // A character the JSON string holds escaped: the pattern's " and \ match JSON's \" and \\.
    static std::string char_literal(char c) {
        if (c == '"') return "\"\\\\\\\"\"";
        if (c == '\\') return "\"\\\\\\\\\"";
        return gbnf_literal(std::string(1, c));
    }

    std::string escape(bool in_class) {
        ++pos_;
        if (pos_ >= re_.size()) fail("trailing backslash");
        const char e = re_[pos_++];
        switch (e) {
            case 'd': return in_class ? "0-9" : "[0-9]";
            case 'w': return in_class ? "a-zA-Z0-9_" : "[a-zA-Z0-9_]";
            case 's': return in_class ? " \\t\\n\\r" : "[ \\t]";
            case 'D': case 'W': case 'S':
                if (in_class) fail("negated shorthand inside a class");
                return e == 'D' ? "[^0-9\"\\\\\\x00-\\x1F]" : e == 'W' ? "[^a-zA-Z0-9_\"\\\\\\x00-\\x1F]"
                                                                        : "[^ \"\\\\\\x00-\\x1F]";
            case 'n': case 't': case 'r': case 'b': case 'B': case 'f': case 'v':
                fail("\\" + std::string(1, e) + " (control characters are escaped in JSON strings)");
            default:
                if (std::isalnum(static_cast<unsigned char>(e))) fail("escape \\" + std::string(1, e));
                if (in_class) {
                    if (e == ']' || e == '\\' || e == '-' || e == '^') return std::string("\\") + e;
                    return std::string(1, e);
                }
                return char_literal(e);
        }
    }

    std::string char_class() {
        ++pos_;  // [
        std::string out = "[";
        if (pos_ < re_.size() && re_[pos_] == '^') {
            out += "^\"\\\\\\x00-\\x1F";  // a negated class still never matches what JSON must escape
            ++pos_;
        }
        bool first = true;
        while (pos_ < re_.size() && (re_[pos_] != ']' || first)) {
            first = false;
            const char c = re_[pos_];
            if (c == '\\') {
                out += escape(true);
            } else if (c == '"') {
                fail("a quote inside a class");
            } else {
                out += c;
                ++pos_;
            }
        }
        if (pos_ >= re_.size()) fail("unterminated [class]");
        ++pos_;
        return out + "]";
    }
};

class SchemaConverter {
  public:
    explicit SchemaConverter(const json& root) : root_(root) {}

    std::string convert() {
        const std::string start = visit(root_, "");
        std::string out = "root ::= " + start + "\n";
        for (const auto& [name, body] : rules_) out += name + " ::= " + body + "\n";
        return out + kPrimitives;
    }

  private:
    const json& root_;
    std::map<std::string, std::string> rules_;     // name -> body
    std::map<std::string, std::string> ref_rules_; // $ref pointer -> rule name

    [[noreturn]] static void fail(const std::string& pointer, const std::string& what) {
        throw Error("json schema at " + (pointer.empty() ? std::string("#") : "#" + pointer) + ": " + what);
    }

    std::string rule_name(const std::string& pointer) {
        std::string name = "s";
        for (char c : pointer) name += std::isalnum(static_cast<unsigned char>(c)) ? c : '-';
        std::string unique = name;
        for (int n = 2; rules_.count(unique); ++n) unique = name + "-" + std::to_string(n);
        rules_[unique] = "";  // reserved
        return unique;
    }

    static void check_keywords(const json& s, const std::set<std::string>& allowed, const std::string& at) {
        for (const auto& [key, _] : s.items()) {
            if (allowed.count(key) || annotation_keywords().count(key)) continue;
            fail(at, "keyword '" + key + "' is not supported here, so it could not be enforced; remove it or "
                     "express it with the supported keywords (docs/grammar.md)");
        }
    }

    std::string visit(const json& s, const std::string& at) {
        if (s.is_boolean()) {
            if (!s.get<bool>()) fail(at, "the schema false accepts nothing");
            return "value";
        }
        if (!s.is_object()) fail(at, "a schema must be an object or a boolean");
        if (s.contains("$ref")) {
            check_keywords(s, {"$ref", "$defs", "definitions"}, at);
            return reference(s["$ref"], at);
        }
        if (s.contains("const")) {
            check_keywords(s, {"const", "type", "$defs", "definitions"}, at);
            return gbnf_literal(s["const"].dump());
        }
        if (s.contains("enum")) {
            check_keywords(s, {"enum", "type", "$defs", "definitions"}, at);
            if (!s["enum"].is_array() || s["enum"].empty()) fail(at + "/enum", "enum must be a non-empty array");
            std::string alts;
            for (const json& v : s["enum"]) alts += (alts.empty() ? "" : " | ") + gbnf_literal(v.dump());
            return "(" + alts + ")";
        }
        for (const char* key : {"anyOf", "oneOf"}) {
            if (!s.contains(key)) continue;
            check_keywords(s, {key, "$defs", "definitions", "type"}, at);
            const json& list = s[key];
            if (!list.is_array() || list.empty()) fail(at + "/" + key, std::string(key) + " must be a non-empty array");
            std::string alts;
            for (size_t i = 0; i < list.size(); ++i)
                alts += (i ? " | " : "") + visit(list[i], at + "/" + key + "/" + std::to_string(i));
            return named(at, "(" + alts + ")");
        }
        if (s.contains("allOf")) {
            check_keywords(s, {"allOf", "$defs", "definitions"}, at);
            if (!s["allOf"].is_array() || s["allOf"].size() != 1)
                fail(at + "/allOf", "allOf with more than one schema is not supported (it could not be enforced)");
            return visit(s["allOf"][0], at + "/allOf/0");
        }
        if (!s.contains("type")) {
            // No type: decide from the keywords present, or any value.
            if (s.contains("properties") || s.contains("additionalProperties") || s.contains("required"))
                return object_schema(s, at);
            if (s.contains("items") || s.contains("prefixItems")) return array_schema(s, at);
            check_keywords(s, {"$defs", "definitions"}, at);
            return "value";
        }
        const json& type = s["type"];
        if (type.is_array()) {
            std::string alts;
            for (size_t i = 0; i < type.size(); ++i) {
                json one = s;
                one["type"] = type[i];
                alts += (i ? " | " : "") + visit(one, at);
            }
            return "(" + alts + ")";
        }
        if (!type.is_string()) fail(at + "/type", "type must be a string or a list of strings");
        const std::string t = type.get<std::string>();
        if (t == "object") return object_schema(s, at);
        if (t == "array") return array_schema(s, at);
        if (t == "string") return string_schema(s, at);
        if (t == "integer") return integer_schema(s, at);
        if (t == "number") {
            check_keywords(s, {"type", "$defs", "definitions"}, at);
            return "number";
        }
        if (t == "boolean" || t == "null") {
            check_keywords(s, {"type", "$defs", "definitions"}, at);
            return t;
        }
        fail(at + "/type", "unknown type '" + t + "'");
    }

    std::string named(const std::string& at, const std::string& body) {
        const std::string name = rule_name(at);
        rules_[name] = body;
        return name;
    }

    std::string reference(const json& ref, const std::string& at) {
        if (!ref.is_string()) fail(at + "/$ref", "$ref must be a string");
        const std::string pointer = ref.get<std::string>();
        auto known = ref_rules_.find(pointer);
        if (known != ref_rules_.end()) return known->second;
        if (pointer.rfind("#", 0) != 0) fail(at + "/$ref", "only references inside this schema (#/...) are supported");
        json::json_pointer jp;
        try {
            jp = json::json_pointer(pointer.substr(1));
        } catch (const json::exception&) {
            fail(at + "/$ref", "'" + pointer + "' is not a JSON pointer");
        }
        if (!root_.contains(jp)) fail(at + "/$ref", "'" + pointer + "' points at nothing");
        const std::string name = rule_name(pointer.substr(1));
        ref_rules_[pointer] = name;  // before visiting, so a recursive reference finds it
        rules_[name] = visit(root_.at(jp), pointer.substr(1));
        return name;
    }

    std::string object_schema(const json& s, const std::string& at) {
        check_keywords(s, {"type", "properties", "required", "additionalProperties", "$defs", "definitions"}, at);
        std::vector<std::pair<std::string, std::string>> members;  // (literal key, value rule), schema order
        std::set<std::string> required;
        if (s.contains("required")) {
            for (const json& r : s["required"]) {
                if (!r.is_string()) fail(at + "/required", "required must list strings");
                required.insert(r.get<std::string>());
            }
        }
        std::vector<bool> is_required;
        if (s.contains("properties")) {
            if (!s["properties"].is_object()) fail(at + "/properties", "properties must be an object");
            for (const auto& [key, sub] : s["properties"].items()) {
                members.emplace_back(gbnf_literal(json(key).dump()), visit(sub, at + "/properties/" + key));
                is_required.push_back(required.count(key) > 0);
            }
        }
        for (const std::string& r : required) {
            if (!s.contains("properties") || !s["properties"].contains(r))
                fail(at + "/required", "required property '" + r + "' has no schema in properties");
        }
        // Extra members: absent or false -> none (the output stays valid; a model is not invited to add
        // members nobody asked for); true -> any value; a schema -> values of it.
        std::string extra;
        if (!s.contains("additionalProperties")) {
        } else if (s["additionalProperties"] == true) {
            extra = "string ws \":\" ws value";
        } else if (s["additionalProperties"].is_object()) {
            extra = "string ws \":\" ws " + visit(s["additionalProperties"], at + "/additionalProperties");
        } else if (s["additionalProperties"] != false) {
            fail(at + "/additionalProperties", "must be a boolean or a schema");
        }
        // first(k): nothing written yet, members k.. to come; rest(k): something written (so a comma first).
        const std::string base = rule_name(at + "/obj");
        const size_t n = members.size();
        const auto first = [&](size_t k) { return base + "-f" + std::to_string(k); };
        const auto rest = [&](size_t k) { return base + "-r" + std::to_string(k); };
        const auto member = [&](size_t k) { return members[k].first + " ws \":\" ws " + members[k].second; };
        const std::string extras = extra.empty() ? "" : "( ws \",\" ws " + extra + " )*";
        rules_[first(n)] = extra.empty() ? "\"\"" : "( " + extra + " " + extras + " )?";
        rules_[rest(n)] = extra.empty() ? "\"\"" : extras;
        for (size_t k = n; k-- > 0;) {
            if (is_required[k]) {
                rules_[first(k)] = member(k) + " " + rest(k + 1);
                rules_[rest(k)] = "ws \",\" ws " + member(k) + " " + rest(k + 1);
            } else {
                rules_[first(k)] = member(k) + " " + rest(k + 1) + " | " + first(k + 1);
                rules_[rest(k)] = "( ws \",\" ws " + member(k) + " )? " + rest(k + 1);
            }
        }
        rules_[base] = "\"{\" ws " + first(0) + " ws \"}\"";
        return base;
    }

    std::string array_schema(const json& s, const std::string& at) {
        check_keywords(s, {"type", "items", "prefixItems", "minItems", "maxItems", "$defs", "definitions"}, at);
        std::vector<std::string> prefix;
        if (s.contains("prefixItems")) {
            if (!s["prefixItems"].is_array()) fail(at + "/prefixItems", "prefixItems must be an array");
            for (size_t i = 0; i < s["prefixItems"].size(); ++i)
                prefix.push_back(visit(s["prefixItems"][i], at + "/prefixItems/" + std::to_string(i)));
        }
        std::string item = "value";
        bool more_allowed = true;
        if (s.contains("items")) {
            if (s["items"] == false) more_allowed = false;
            else item = visit(s["items"], at + "/items");
        }
        const auto count = [&](const char* key, size_t dflt) -> size_t {
            if (!s.contains(key)) return dflt;
            if (!s[key].is_number_unsigned()) fail(at + "/" + key, std::string(key) + " must be a non-negative integer");
            const auto v = s[key].get<uint64_t>();
            if (v > 10000) fail(at + "/" + key, std::string(key) + " above 10000 is not supported");
            return static_cast<size_t>(v);
        };
        const size_t min_items = count("minItems", 0);
        const bool has_max = s.contains("maxItems");
        size_t max_items = count("maxItems", 0);
        if (!more_allowed) {
            max_items = has_max ? std::min(max_items, prefix.size()) : prefix.size();
        }
        const bool bounded = has_max || !more_allowed;
        if (bounded && max_items < min_items) fail(at, "maxItems is below minItems: no array fits");
        // Element i (0-based) is prefix[i] when there is one, else `item`.
        const auto element = [&](size_t i) { return i < prefix.size() ? prefix[i] : item; };
        // Required elements: the first max(min_items, 0) ones; then optional ones up to max (or unbounded).
        std::string body;
        const size_t required_n = min_items;
        for (size_t i = 0; i < required_n; ++i) body += (i ? " ws \",\" ws " : " ") + element(i);
        // Optional tail after the required ones, nested so each comma belongs to an element.
        std::string tail;
        if (bounded) {
            for (size_t i = max_items; i-- > required_n;) {
                const std::string sep = i == 0 ? "" : "ws \",\" ws ";
                tail = "( " + sep + element(i) + (tail.empty() ? "" : " " + tail) + " )?";
            }
        } else {
            // The prefix elements past the minimum, then any number of `item`s.
            const size_t fixed_end = std::max(prefix.size(), required_n);
            std::string repeat = fixed_end == 0 ? "( " + item + " ( ws \",\" ws " + item + " )* )?"
                                                : "( ws \",\" ws " + item + " )*";
            tail = repeat;
            for (size_t i = fixed_end; i-- > required_n;) {
                const std::string sep = i == 0 ? "" : "ws \",\" ws ";
                tail = "( " + sep + element(i) + " " + tail + " )?";
            }
        }
        return named(at, "\"[\" ws" + body + " " + tail + " ws \"]\"");
    }

    std::string string_schema(const json& s, const std::string& at) {
        check_keywords(s, {"type", "minLength", "maxLength", "pattern", "format", "$defs", "definitions"}, at);
        if (s.contains("format")) {
            if (s.contains("pattern") || s.contains("minLength") || s.contains("maxLength"))
                fail(at, "format together with pattern/minLength/maxLength is not supported");
            const std::string f = s["format"].get<std::string>();
            if (f == "date" || f == "time" || f == "date-time" || f == "uuid" || f == "email") return "format-" + f;
            fail(at + "/format", "format '" + f + "' is not supported (date, time, date-time, uuid, email are)");
        }
        if (s.contains("pattern")) {
            if (s.contains("minLength") || s.contains("maxLength"))
                fail(at, "pattern together with minLength/maxLength is not supported");
            if (!s["pattern"].is_string()) fail(at + "/pattern", "pattern must be a string");
            return named(at, "\"\\\"\" " + PatternConverter(s["pattern"].get<std::string>(), "#" + at + "/pattern").convert() +
                                 " \"\\\"\"");
        }
        const auto length = [&](const char* key) -> std::optional<uint64_t> {
            if (!s.contains(key)) return std::nullopt;
            if (!s[key].is_number_unsigned()) fail(at + "/" + key, std::string(key) + " must be a non-negative integer");
            if (s[key].get<uint64_t>() > 10000) fail(at + "/" + key, std::string(key) + " above 10000 is not supported");
            return s[key].get<uint64_t>();
        };
        const auto min_len = length("minLength");
        const auto max_len = length("maxLength");
        if (!min_len && !max_len) return "string";
        if (min_len && max_len && *max_len < *min_len) fail(at, "maxLength is below minLength");
        const std::string count = "{" + std::to_string(min_len.value_or(0)) + "," +
                                  (max_len ? std::to_string(*max_len) : std::string()) + "}";
        return named(at, "\"\\\"\" char" + count + " \"\\\"\"");
    }

    std::string integer_schema(const json& s, const std::string& at) {
        check_keywords(s, {"type", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "$defs", "definitions"},
                       at);
        const auto bound = [&](const char* key) -> std::optional<int64_t> {
            if (!s.contains(key)) return std::nullopt;
            if (!s[key].is_number_integer()) fail(at + "/" + key, std::string(key) + " must be an integer here");
            return s[key].get<int64_t>();
        };
        std::optional<int64_t> lo = bound("minimum"), hi = bound("maximum");
        if (auto x = bound("exclusiveMinimum")) lo = lo ? std::max(*lo, *x + 1) : *x + 1;
        if (auto x = bound("exclusiveMaximum")) hi = hi ? std::min(*hi, *x - 1) : *x - 1;
        if (!lo && !hi) return "integer";
        if (lo && hi) {
            if (*hi < *lo) fail(at, "maximum is below minimum: no integer fits");
            if (*hi - *lo > 10000)
                fail(at, "an integer range wider than 10000 values is not supported (it could not be enforced)");
            std::string alts;
            for (int64_t v = *lo; v <= *hi; ++v) alts += (alts.empty() ? "" : " | ") + gbnf_literal(std::to_string(v));
            return named(at, "(" + alts + ")");
        }
        if (lo && !hi && (*lo == 0 || *lo == 1))
            return *lo == 0 ? "int-part" : "[1-9] [0-9]{0,15}";
        fail(at, "a one-sided integer bound other than minimum 0 or 1 is not supported (it could not be enforced)");
    }
};

}  // namespace

std::string json_schema_to_gbnf(const nlohmann::ordered_json& schema) { return SchemaConverter(schema).convert(); }

const char* json_value_gbnf() {
    static const std::string text = std::string("root ::= value\n") + kPrimitives;
    return text.c_str();
}

}  // namespace loom::grammar
