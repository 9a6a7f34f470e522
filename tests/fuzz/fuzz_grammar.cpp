// libFuzzer target for the grammar engine: the input is "<G|S><grammar or schema>\0<text>". G: GBNF text;
// S: a JSON Schema converted to GBNF. When it compiles, the text is fed to a matcher byte by byte. Any outcome
// is fine except a crash, hang, leak or overread; compile errors must be loom::Error.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/error.h"
#include "generate/grammar/grammar.h"
#include "generate/grammar/grammar_matcher.h"
#include "generate/grammar/json_schema.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    const char mode = all[0];
    const std::string_view rest = all.substr(1);
    const size_t split = rest.find('\0');
    const std::string_view source = rest.substr(0, split);
    const std::string_view text = split == std::string_view::npos ? std::string_view() : rest.substr(split + 1);
    try {
        std::string gbnf;
        if (mode == 'S') {
            const auto schema = nlohmann::ordered_json::parse(source, nullptr, false);
            if (schema.is_discarded()) return 0;
            gbnf = loom::grammar::json_schema_to_gbnf(schema);
        } else {
            gbnf = std::string(source);
        }
        const loom::grammar::Grammar g = loom::grammar::parse_gbnf(gbnf);
        loom::grammar::GrammarMatcher m(g);
        for (char c : text.substr(0, 4096)) {
            if (!m.accept_byte(static_cast<uint8_t>(c))) break;
        }
        (void)m.can_end();
    } catch (const loom::Error&) {
    }
    return 0;
}
