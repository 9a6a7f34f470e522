// The Jinja-subset interpreter beyond the Hugging Face parity goldens: error reporting (line/column,
// raise_exception), resource limits on hostile templates, and the chat-template API helpers.
#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "generate/chat_template.h"

using namespace loom;
using ojson = nlohmann::ordered_json;

namespace {

std::string render(const std::string& source, const ojson& context = ojson::object(),
                   ChatTemplateOptions options = {}) {
    return ChatTemplate(source, options).render(context);
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "no error";
}

ChatTemplateOptions small_limits() {
    ChatTemplateOptions o;
    o.limits.max_steps = 200'000;
    o.limits.max_string_bytes = 1 << 20;
    o.limits.max_list_items = 100'000;
    o.limits.max_call_depth = 50;
    return o;
}

}  // namespace

TEST(Jinja, SyntaxErrorsNameLineAndColumn) {
    const std::string e1 = error_of([] { ChatTemplate("line one\n{% if x %}\n  {{ 1 + }}\n{% endif %}"); });
    EXPECT_NE(e1.find("line 3, column"), std::string::npos) << e1;
    const std::string e2 = error_of([] { ChatTemplate("{% frobnicate %}"); });
    EXPECT_NE(e2.find("unknown or unsupported tag 'frobnicate'"), std::string::npos) << e2;
    EXPECT_NE(e2.find("line 1, column 4"), std::string::npos) << e2;
    EXPECT_NE(error_of([] { ChatTemplate("{% if x %}never closed"); }).find("'endif'"),
              std::string::npos);
    EXPECT_NE(error_of([] { ChatTemplate("{{ x | nosuchfilter }}"); }).find("no filter named 'nosuchfilter'"),
              std::string::npos);
    EXPECT_NE(error_of([] { ChatTemplate("{{ x is nosuchtest }}"); }).find("no test named"),
              std::string::npos);
    EXPECT_NE(error_of([] { ChatTemplate("{{ 'unterminated }}"); }).find("unterminated string"),
              std::string::npos);
    EXPECT_NE(error_of([] { ChatTemplate("{# open comment"); }).find("missing end of comment"),
              std::string::npos);
    EXPECT_NE(error_of([] { ChatTemplate("{% break %}"); }).find("outside of a loop"), std::string::npos);
    EXPECT_NE(error_of([] { ChatTemplate("{{ (1 ]"); }).find("unexpected ']'"), std::string::npos);
}

TEST(Jinja, RuntimeErrorsNamePosition) {
    const std::string e = error_of([] { render("ok\n  {{ 'a' + 1 }}"); });
    EXPECT_NE(e.find("line 2"), std::string::npos) << e;
    EXPECT_NE(e.find("unsupported operand"), std::string::npos) << e;
    EXPECT_NE(error_of([] { render("{{ nope.attr }}"); }).find("'nope' is undefined"), std::string::npos);
}

TEST(Jinja, RaiseExceptionCarriesExactMessage) {
    try {
        render("{{ raise_exception('Roles must alternate: ' ~ n) }}", {{"n", 3}});
        FAIL() << "no exception";
    } catch (const Error& e) {
        EXPECT_EQ(e.message(), "Roles must alternate: 3");
    }
}

TEST(Jinja, UndefinedPrintsEmptyLikeJinja2) {
    EXPECT_EQ(render("[{{ x }}][{{ x.y is defined }}]", {{"x", ojson::object()}}), "[{}][False]");
    EXPECT_EQ(render("[{{ missing }}]"), "[]");
}

TEST(Jinja, KeyOrderIsKeptForOrderedJson) {
    ojson ctx = {{"d", {{"z", 1}, {"a", 2}}}};
    EXPECT_EQ(render("{{ d|tojson }}", ctx), "{\"z\": 1, \"a\": 2}");
    nlohmann::json sorted = {{"d", {{"z", 1}, {"a", 2}}}};
    EXPECT_EQ(ChatTemplate("{{ d|tojson }}").render(sorted), "{\"a\": 2, \"z\": 1}");
}

TEST(Jinja, ParsesOnceRendersMany) {
    const ChatTemplate t("{% for m in messages %}{{ m.role }}:{{ m.content }};{% endfor %}");
    EXPECT_EQ(t.render(ojson{{"messages", {{{"role", "user"}, {"content", "a"}}}}}), "user:a;");
    EXPECT_EQ(t.render(ojson{{"messages", ojson::array()}}), "");
}

TEST(Jinja, FormatChatPassesHfVariables) {
    const std::string src =
        "{{ bos_token }}{% for m in messages %}<{{ m.role }}>{{ m.content }}{{ eos_token }}{% endfor %}"
        "{% if add_generation_prompt %}<assistant>{% endif %}{{ tools is none }}{{ documents is none }}";
    const ojson messages = {{{"role", "user"}, {"content", "hi"}}};
    EXPECT_EQ(format_chat(src, messages, true, "<s>", "</s>"), "<s><user>hi</s><assistant>TrueTrue");
    EXPECT_EQ(format_chat(src, messages, false, "", "", ojson::array({{{"type", "function"}}})),
              "<user>hiFalseTrue");
}

TEST(Jinja, StrftimeNowUsesFixedClockOrEnvironment) {
    ChatTemplateOptions o;
    std::tm t{};
    t.tm_year = 2025 - 1900;
    t.tm_mon = 0;
    t.tm_mday = 2;
    o.now = t;
    EXPECT_EQ(render("{{ strftime_now('%Y-%m-%d %A') }}", ojson::object(), o), "2025-01-02 Thursday");
    ::setenv("LOOM_CHAT_TEMPLATE_NOW", "2024-07-26T10:30:00", 1);
    EXPECT_EQ(render("{{ strftime_now('%d %b %Y %H:%M') }}"), "26 Jul 2024 10:30");
    ::unsetenv("LOOM_CHAT_TEMPLATE_NOW");
}

TEST(Jinja, TokenizerConfigLoader) {
    const std::string t =
        chat_template_from_tokenizer_config("tests/data/upstream/tokenizers/llama3/tokenizer_config.json");
    EXPECT_NE(t.find("start_header_id"), std::string::npos);
    EXPECT_THROW(
        chat_template_from_tokenizer_config("tests/data/upstream/tokenizers/llama2/tokenizer_config.json"), Error);
    EXPECT_THROW(chat_template_from_tokenizer_config("/nonexistent/tokenizer_config.json"), Error);
}

// Hostile templates must end with loom::Error, quickly, never hang or exhaust memory.
TEST(JinjaLimits, HostileTemplatesFailCleanly) {
    const auto o = small_limits();
    const std::vector<std::string> hostile = {
        "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",  // work
        "{{ 'x' * 1000000000 }}",                                                             // memory
        "{% set ns = namespace(s='ab') %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
        "{% set ns = namespace(l=[1]) %}{% for i in range(80) %}{% set ns.l = [ns.l, ns.l] %}{% endfor %}{{ "
        "ns.l }}",
        "{% set ns = namespace(l=[1]) %}{% for i in range(80) %}{% set ns.l = [ns.l, ns.l] %}{% endfor %}{{ "
        "ns.l|tojson }}",
        "{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}",  // unbounded recursion
        "{{ range(10000000000)|list }}",
        "{{ 2 ** 64 }}",
        "{{ [1] * 100000000 }}",
    };
    for (const auto& src : hostile) {
        SCOPED_TRACE(src);
        EXPECT_THROW(render(src, ojson::object(), o), Error);
    }
}

TEST(JinjaLimits, DeepNestingIsASyntaxErrorNotAStackOverflow) {
    std::string deep(5000, '(');
    EXPECT_THROW(ChatTemplate("{{ " + deep + "1" + std::string(5000, ')') + " }}"), Error);
    std::string ifs;
    for (int i = 0; i < 1000; ++i) ifs += "{% if true %}";
    EXPECT_THROW(ChatTemplate(ifs + "x"), Error);
    std::string nots = "{{ ";
    for (int i = 0; i < 5000; ++i) nots += "not ";
    EXPECT_THROW(ChatTemplate(nots + "x }}"), Error);
}

TEST(JinjaLimits, NormalTemplatesStayWellInsideTheLimits) {
    const auto o = small_limits();
    EXPECT_EQ(render("{% for i in range(1000) %}{% endfor %}{{ range(100)|sum }}", ojson::object(), o),
              "4950");
}
