// libFuzzer target: arbitrary template source rendered against a fixed chat context. Any loom::Error is
// fine; a crash, sanitizer report, hang or runaway memory is a bug. Tight limits keep each input fast.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "core/error.h"
#include "generate/chat_template.h"

namespace {

const nlohmann::ordered_json& context() {
    static const nlohmann::ordered_json ctx = nlohmann::ordered_json::parse(R"({
        "messages": [
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": "Héllo 🌍"},
            {"role": "assistant", "content": "", "tool_calls": [{"id": "call12345", "type": "function",
                "function": {"name": "f", "arguments": {"x": 1, "y": [true, null, 2.5]}}}]},
            {"role": "tool", "content": "{\"ok\": true}"}
        ],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": {"type": "object",
            "properties": {"x": {"type": "integer"}}}}}],
        "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>"
    })");
    return ctx;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    loom::ChatTemplateOptions options;
    options.limits.max_steps = 100'000;
    options.limits.max_string_bytes = 1 << 20;
    options.limits.max_list_items = 10'000;
    options.limits.max_call_depth = 20;
    std::tm t{};
    t.tm_year = 124;
    options.now = t;
    try {
        const loom::ChatTemplate tmpl(std::string(reinterpret_cast<const char*>(data), size), options);
        (void)tmpl.render(context());
    } catch (const loom::Error&) {
    }
    return 0;
}
