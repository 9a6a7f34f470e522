// Chat templates rendered by loom vs. Hugging Face (transformers' own jinja2 environment): exact string
// equality for every template x conversation x add_generation_prompt, and for the feature templates.
// Goldens: tests/data/chat/chat_template_goldens.json, made by scripts/goldens/make_chat_template_goldens.py.
// Where Python raised, loom must throw too; for raise_exception the message must match exactly.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "generate/chat_template.h"

using namespace loom;
using ojson = nlohmann::ordered_json;

namespace {

const ojson& goldens() {
    static const ojson data = [] {
        std::ifstream in("tests/data/chat/chat_template_goldens.json");
        if (!in)
            throw std::runtime_error(
                "cannot open tests/data/chat/chat_template_goldens.json (run from repo root)");
        return ojson::parse(in);
    }();
    return data;
}

// The fixed clock the golden script gives strftime_now (2024-07-26T10:30:00).
ChatTemplateOptions fixed_clock() {
    ChatTemplateOptions o;
    std::tm t{};
    t.tm_year = 2024 - 1900;
    t.tm_mon = 6;
    t.tm_mday = 26;
    t.tm_hour = 10;
    t.tm_min = 30;
    o.now = t;
    return o;
}

std::string read_source(const ojson& t) {
    const std::string path = t["path"];
    if (path.ends_with("tokenizer_config.json")) return chat_template_from_tokenizer_config(path);
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot open " + path);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// Checks one rendering against a golden entry ("expected" text, or "error" + "error_type").
void check(const std::function<std::string()>& render, const ojson& golden) {
    if (golden.contains("expected")) {
        try {
            EXPECT_EQ(render(), golden["expected"].get<std::string>());
        } catch (const std::exception& e) {
            ADD_FAILURE() << "threw: " << e.what();
        }
        return;
    }
    try {
        const std::string got = render();
        ADD_FAILURE() << "expected an error (" << golden["error_type"].get<std::string>() << ": "
                      << golden["error"].get<std::string>() << "), got text:\n"
                      << got;
    } catch (const Error& e) {
        if (golden["error_type"] == "TemplateError") {
            EXPECT_EQ(e.message(), golden["error"].get<std::string>());
        }
    }
}

void run_template(const std::string& name) {
    const ojson* entry = nullptr;
    for (const auto& t : goldens()["templates"])
        if (t["name"] == name) entry = &t;
    ASSERT_NE(entry, nullptr) << "template " << name << " missing from goldens";
    const ChatTemplate tmpl(read_source(*entry), fixed_clock());
    int cases = 0;
    for (const auto& c : goldens()["cases"]) {
        if (c["template"] != name) continue;
        ++cases;
        const auto& conv = goldens()["conversations"][c["conversation"].get<std::string>()];
        SCOPED_TRACE(name + " / " + c["conversation"].get<std::string>() +
                     (c["add_generation_prompt"].get<bool>() ? " / add_generation_prompt" : ""));
        check(
            [&] {
                return format_chat(tmpl, conv["messages"], c["add_generation_prompt"].get<bool>(),
                                   (*entry)["bos_token"], (*entry)["eos_token"],
                                   conv.contains("tools") ? conv["tools"] : ojson(nullptr));
            },
            c);
    }
    EXPECT_GE(cases, 20);
}

}  // namespace

TEST(ChatTemplateParity, Hermes3ToolUse) {
    run_template("NousResearch-Hermes-3-Llama-3.1-8B-tool_use");
}
TEST(ChatTemplateParity, Qwen25Instruct) {
    run_template("Qwen-Qwen2.5-7B-Instruct");
}
TEST(ChatTemplateParity, DeepSeekR1Distill) {
    run_template("deepseek-ai-DeepSeek-R1-Distill-Qwen-32B");
}
TEST(ChatTemplateParity, Gemma2It) {
    run_template("google-gemma-2-2b-it");
}
TEST(ChatTemplateParity, Llama31Instruct) {
    run_template("meta-llama-Llama-3.1-8B-Instruct");
}
TEST(ChatTemplateParity, Phi35Mini) {
    run_template("microsoft-Phi-3.5-mini-instruct");
}
TEST(ChatTemplateParity, MistralNemo) {
    run_template("mistralai-Mistral-Nemo-Instruct-2407");
}
TEST(ChatTemplateParity, TokenizerConfigDeepSeekV3) {
    run_template("tokenizer-deepseek-v3");
}
TEST(ChatTemplateParity, TokenizerConfigGemma3) {
    run_template("tokenizer-gemma3");
}
TEST(ChatTemplateParity, TokenizerConfigLlama3) {
    run_template("tokenizer-llama3");
}
TEST(ChatTemplateParity, TokenizerConfigQwen3) {
    run_template("tokenizer-qwen3");
}

TEST(ChatTemplateParity, EveryGoldenTemplateHasATest) {
    const std::set<std::string> tested = {"NousResearch-Hermes-3-Llama-3.1-8B-tool_use",
                                          "Qwen-Qwen2.5-7B-Instruct",
                                          "deepseek-ai-DeepSeek-R1-Distill-Qwen-32B",
                                          "google-gemma-2-2b-it",
                                          "meta-llama-Llama-3.1-8B-Instruct",
                                          "microsoft-Phi-3.5-mini-instruct",
                                          "mistralai-Mistral-Nemo-Instruct-2407",
                                          "tokenizer-deepseek-v3",
                                          "tokenizer-gemma3",
                                          "tokenizer-llama3",
                                          "tokenizer-qwen3"};
    for (const auto& t : goldens()["templates"]) EXPECT_TRUE(tested.contains(t["name"])) << t["name"];
}

TEST(ChatTemplateParity, FeatureTemplates) {
    int n = 0;
    for (const auto& f : goldens()["features"]) {
        ++n;
        SCOPED_TRACE("feature " + f["name"].get<std::string>());
        check(
            [&] { return ChatTemplate(f["source"].get<std::string>(), fixed_clock()).render(f["context"]); },
            f);
    }
    EXPECT_GE(n, 30);
}
