// Chat templates from hostile model files (issue 15 items 5 and 8): nothing a template contains may overflow
// the stack or burn minutes of CPU before a limit stops it; limit messages print sensible counts.
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "generate/chat_template.h"

using namespace loom;

namespace {

std::string parse_error_of(const std::string& source) {
    try {
        ChatTemplate t(source);
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

std::string repeated(const std::string& piece, size_t n) {
    std::string out;
    for (size_t i = 0; i < n; ++i) out += piece;
    return out;
}

}  // namespace

// A chain is parsed by a loop but evaluated (and was freed) by recursion, one frame per link: 16,000 `|trim`
// crashed `loom chat` and the server's first chat request.
TEST(JinjaHostile, LongChainsAreRefusedWithTheLimitNamed) {
    const std::vector<std::string> chains = {
        "{{ 'x'" + repeated("|trim", 16000) + " }}",
        "{{ 1" + repeated(" + 1", 100000) + " }}",
        "{{ a" + repeated(".b", 100000) + " }}",
        "{{ a" + repeated("[0]", 100000) + " }}",
        "{{ f" + repeated("()", 100000) + " }}",
        "{% set x = 'x'" + repeated("|trim", 50000) + " %}",
        "{% for m in messages" + repeated("|list", 50000) + " %}{% endfor %}",
    };
    for (const std::string& source : chains) {
        const std::string e = parse_error_of(source);
        EXPECT_NE(e.find("nested deeper than 256 levels"), std::string::npos)
            << source.substr(0, 40) << ": " << e;
    }
    // A chain within the limit still renders.
    EXPECT_EQ(ChatTemplate("{{ ' x '" + repeated("|trim", 200) + " }}").render(nlohmann::json::object()),
              "x");
}

// A loop can nest a value one level per iteration; printing, comparing and freeing it recurse per level.
TEST(JinjaHostile, DeeplyNestedValuesAreRefused) {
    for (const char* wrap : {"[ns.x]", "{'k': ns.x}", "(ns.x, 1)"}) {
        std::string source = "{% set ns = namespace(x=0) %}{% for i in range(100000) %}{% set ns.x = ";
        source.append(wrap).append(" %}{% endfor %}{{ ns.x }}");
        std::string e = "no error";
        try {
            ChatTemplate(source).render(nlohmann::json::object());
        } catch (const Error& err) {
            e = err.what();
        }
        EXPECT_NE(e.find("nested deeper than 256 levels"), std::string::npos) << wrap << ": " << e;
    }
    EXPECT_EQ(ChatTemplate("{{ [[[1]]] }}").render(nlohmann::json::object()), "[[[1]]]");
}

// The work limit refused range(10**12) with "a list of 18446744073709551615 items".
TEST(JinjaHostile, LimitMessagesPrintTheCountAskedFor) {
    const auto error_of = [](const std::string& source) {
        try {
            ChatTemplate(source).render(nlohmann::json::object());
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string("no error");
    };
    const std::string range = error_of("{{ range(1000000000000) | length }}");
    EXPECT_NE(range.find("a list of 1000000000000 items (limit"), std::string::npos) << range;
    const std::string list = error_of("{{ ([1, 2] * 1000000000000) | length }}");
    EXPECT_NE(list.find("a list of 2000000000000 items (limit"), std::string::npos) << list;
    const std::string text = error_of("{{ ('ab' * 1000000000000) | length }}");
    EXPECT_NE(text.find("a string of 2000000000000 bytes (limit"), std::string::npos) << text;
    for (const std::string& e : {range, list, text})
        EXPECT_EQ(e.find("18446744073709551615"), std::string::npos) << e;
}

// Lexing searched back for the previous newline at every token: a long one-line template cost quadratic time
// (seconds of CPU on an HTTP thread). 200,000 tokens on one line now parse in a blink; the bound is generous
// (quadratic lexing took minutes here), so a loaded machine does not fail it.
TEST(JinjaHostile, OneLineTemplatesParseInLinearTime) {
    const std::string source = repeated("{{ x }}", 200000);
    const auto start = std::chrono::steady_clock::now();
    ChatTemplate t(source);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    EXPECT_LT(seconds, 20.0);
    EXPECT_EQ(t.render(nlohmann::json{{"x", 1}}).size(), 200000u);
}

// A namespace that holds itself (or two that hold each other) is a reference cycle: every render leaked it
// (found by fuzz_jinja with 64 KB inputs). The interpreter empties the namespaces it assigned to when a render
// ends, so the sanitizer job's leak checker sees nothing left; the render itself behaves as jinja2's.
TEST(JinjaHostile, NamespacesHoldingThemselvesAreFreed) {
    const ChatTemplate self("{% set ns = namespace(a=1) %}{% set ns.a = ns %}{{ ns.a is defined }}");
    const ChatTemplate pair(
        "{% set x = namespace(p=0) %}{% set y = namespace(q=x) %}{% set x.p = [y] %}{{ x.p | length }}");
    for (int i = 0; i < 100; ++i) {
        EXPECT_EQ(self.render(nlohmann::json::object()), "True");
        EXPECT_EQ(pair.render(nlohmann::json::object()), "1");
    }
}
