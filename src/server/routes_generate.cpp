// POST /v1/completions and /v1/chat/completions: validate, tokenize, queue one job per choice, then either
// stream the scheduler's events as SSE chunks or wait for them and answer one JSON object.
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <thread>

#include "core/error.h"
#include "generate/chat_template.h"
#include "generate/grammar/grammar.h"
#include "generate/grammar/json_schema.h"
#include "server/api_error.h"
#include "server/client_connection.h"
#include "server/request_log.h"
#include "server/request_parse.h"
#include "server/response_format.h"
#include "server/structured_output.h"
#include "server/server_context.h"
#include "server/tool_output.h"
#include "server/tool_prompt.h"
#include "server/tool_stream.h"

namespace loom::server {
namespace {

using std::chrono::milliseconds;

// One request in flight: its jobs, their channel, and what each choice has produced so far.
struct InFlight {
    GenerationRequest request;
    ResponseHeader header;
    std::shared_ptr<EventChannel> channel = std::make_shared<EventChannel>();
    std::vector<std::shared_ptr<Job>> jobs;
    std::vector<ChoiceResult> choices;
    std::vector<size_t> text_offset;  // bytes of text so far per choice (completions' text_offset)
    int64_t n_prompt = 0, n_generated = 0;
    int64_t n_cached = -1;  // prompt tokens reused from the KV cache: the least over finished choices
    int32_t n_finished = 0;
    // Function calling (chat only): the tools, the format the model answers in, a streamer per choice.
    ToolRequest tools;
    ToolCallFormat tool_format = ToolCallFormat::Json;
    std::vector<ToolCallStreamer> tool_streamers;

    void cancel_all() {
        for (auto& job : jobs) job->cancel();
    }
};

// The chat prompt with the request's tools: a template that renders tools gets them (even with tool_choice
// "none", as OpenAI still shows them); otherwise they are described in a system message unless "none".
std::string chat_prompt(ServerContext& ctx, const InFlight& f) {
    const GenerationRequest& r = f.request;
    if (f.tool_format == ToolCallFormat::Markup)
        return render_chat_prompt(ctx, r.messages, true, f.tools.has_tools() ? f.tools.tools : nullptr);
    const nlohmann::ordered_json messages = tool_turns_as_plain_messages(r.messages);
    if (!f.tools.calls_possible()) return render_chat_prompt(ctx, messages, true);
    return render_chat_prompt(ctx, with_generic_tool_instructions(messages, f.tools), true);
}

// Reads tools / tool_choice (chat) and sets the request's grammar to the tool-call one; the completions route
// takes no tools, as OpenAI's does not.
void apply_tools(ServerContext& ctx, InFlight& f, const nlohmann::json& body, const std::string& raw_body) {
    const bool asks_tools = (body.contains("tools") && !body["tools"].is_null()) ||
                            (body.contains("tool_choice") && !body["tool_choice"].is_null());
    if (!f.request.chat) {
        if (asks_tools)
            throw ApiError(400,
                           std::string("'") + (body.contains("tools") ? "tools" : "tool_choice") +
                               "' is not supported on /v1/completions; use /v1/chat/completions",
                           "invalid_request_error", body.contains("tools") ? "tools" : "tool_choice");
        return;
    }
    f.tool_format = tool_call_format_of(ctx.model.chat_template);
    if (!asks_tools && !body.contains("parallel_tool_calls")) return;
    const auto ordered = nlohmann::ordered_json::parse(raw_body, nullptr, false);
    if (ordered.is_discarded()) throw ApiError(400, "the body could not be read again", "invalid_request_error");
    f.tools = parse_tool_request(ordered);
    if (!f.tools.calls_possible()) return;
    if (f.request.spec.grammar)
        throw ApiError(400, "'tools' and 'response_format' / 'grammar' exclude each other: give one",
                       "invalid_request_error", "tools");
    for (size_t i = 0; i < f.tools.tools.size(); ++i) {  // a schema error names the tool and its pointer
        const auto& fn = f.tools.tools[i]["function"];
        if (!fn.contains("parameters") || fn["parameters"].is_null()) continue;
        try {
            grammar::json_schema_to_gbnf(fn["parameters"]);
        } catch (const Error& e) {
            throw ApiError(400, "'tools': tools[" + std::to_string(i) + "].function.parameters: " + e.what(),
                           "invalid_request_error", "tools");
        }
    }
    try {
        f.request.spec.grammar =
            std::make_shared<const grammar::Grammar>(grammar::parse_gbnf(tool_call_gbnf(f.tools, f.tool_format)));
    } catch (const Error& e) {
        throw ApiError(400, std::string("'tools': the tool-call grammar could not be built: ") + e.what(),
                       "invalid_request_error", "tools");
    }
    f.tool_streamers.assign(static_cast<size_t>(f.request.n), ToolCallStreamer(f.tool_format));
}

std::vector<int32_t> prompt_ids(ServerContext& ctx, const InFlight& f) {
    const GenerationRequest& r = f.request;
    const ServerModel& m = ctx.model;
    std::vector<int32_t> ids;
    if (r.chat) {
        const std::string text = chat_prompt(ctx, f);
        ids = m.tokenizer->encode(text, /*add_special_tokens=*/false).ids;  // the template holds them
    } else if (r.prompt_is_ids) {
        const auto n_vocab = static_cast<int32_t>(m.model->config().n_vocab);
        for (int32_t id : r.prompt_ids)
            if (id >= n_vocab)
                throw ApiError(400,
                               "prompt token id " + std::to_string(id) + " is outside the vocabulary of " +
                                   std::to_string(n_vocab),
                               "invalid_request_error", "prompt");
        ids = r.prompt_ids;
    } else {
        ids = m.encode_prompt(r.prompt_text);
    }
    if (ids.empty())
        throw ApiError(400, "the prompt is empty", "invalid_request_error", r.chat ? "messages" : "prompt");
    const int64_t n_ctx = ctx.scheduler->config().n_ctx;
    if (static_cast<int64_t>(ids.size()) >= n_ctx)
        throw ApiError(400,
                       "This model's maximum context length is " + std::to_string(n_ctx) +
                           " tokens. However, your prompt has " + std::to_string(ids.size()) +
                           " tokens (one more is needed to generate).",
                       "invalid_request_error", r.chat ? "messages" : "prompt", "context_length_exceeded");
    return ids;
}

std::shared_ptr<InFlight> start(ServerContext& ctx, const httplib::Request& req, httplib::Response& res,
                                bool chat) {
    if (!ctx.scheduler)
        throw ApiError(400, "this server has no text-generation model (it serves embeddings only)",
                       "invalid_request_error", "model");
    auto f = std::make_shared<InFlight>();
    const nlohmann::json body = parse_json_object(req.body);
    f->request = parse_generation_request(body, chat);
    GenerationRequest& r = f->request;
    r.spec.grammar = parse_output_constraint(body, req.body);
    apply_tools(ctx, *f, body, req.body);
    if (r.test_token_delay_ms > 0 && !ctx.config.test_pacing)
        throw ApiError(
            400, "'loom_test_token_delay_ms' is for tests: start the server with LOOM_SERVE_TEST_PACING=1",
            "invalid_request_error", "loom_test_token_delay_ms");
    const std::vector<int32_t> ids = prompt_ids(ctx, *f);
    f->n_prompt = static_cast<int64_t>(ids.size());
    request_note().prompt_tokens = f->n_prompt;
    const int64_t room = ctx.scheduler->config().n_ctx - f->n_prompt;
    if (r.spec.max_tokens <= 0 || r.spec.max_tokens > room) r.spec.max_tokens = static_cast<int32_t>(room);
    r.spec.prompt = ids;
    r.spec.deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                         std::chrono::duration<double>(ctx.config.request_timeout_s));
    f->header = {make_response_id(chat ? "chatcmpl-" : "cmpl-"), static_cast<int64_t>(std::time(nullptr)),
                 ctx.model.name, chat};
    for (int32_t i = 0; i < r.n; ++i) {
        JobSpec spec = r.spec;
        if (spec.sampling.seed != SamplingParams::kRandomSeed) spec.sampling.seed += static_cast<uint64_t>(i);
        f->jobs.push_back(std::make_shared<Job>(std::move(spec), f->channel, i));
    }
    f->choices.resize(r.n);
    f->text_offset.assign(r.n, 0);
    switch (ctx.scheduler->submit(f->jobs)) {
        case Scheduler::Admission::Accepted:
            return f;
        case Scheduler::Admission::QueueFull:
            ctx.metrics.requests_rejected.fetch_add(1);
            res.set_header("Retry-After", "1");
            throw ApiError(429,
                           "the server is busy: every slot is in use and the queue is full; retry shortly",
                           "rate_limit_error", "", "queue_full");
        case Scheduler::Admission::ShuttingDown:
            ctx.metrics.requests_rejected.fetch_add(1);
            res.set_header("Retry-After", "5");
            throw ApiError(503, "the server is shutting down", "server_overloaded", "", "shutting_down");
    }
    return f;
}

// Applies one event to the in-flight state; returns the logprobs JSON of a token event (null otherwise).
nlohmann::json absorb(ServerContext& ctx, InFlight& f, const JobEvent& e) {
    ChoiceResult& c = f.choices[e.choice];
    nlohmann::json lp = nullptr;
    if (e.kind == JobEvent::Kind::Token && f.request.spec.logprobs) {
        lp = token_logprobs(*ctx.model.tokenizer, e, f.request.chat, f.text_offset[e.choice]);
        append_logprobs(c.logprobs, lp, f.request.chat);
    }
    if (e.kind == JobEvent::Kind::Token || e.kind == JobEvent::Kind::Text) {
        c.text += e.text;
        f.text_offset[e.choice] += e.text.size();
    }
    if (e.kind == JobEvent::Kind::Done || e.kind == JobEvent::Kind::Error) {
        c.finish_reason = e.finish_reason;
        f.n_generated += e.n_generated;
        f.n_cached = f.n_cached < 0 ? e.n_cached : std::min(f.n_cached, e.n_cached);
        ++f.n_finished;
        request_note().generated_tokens = f.n_generated;  // absorb runs on the request's own thread
    }
    return lp;
}

ApiError error_of(const JobEvent& e) {
    if (e.finish_reason == "timeout") return ApiError(504, e.error, "timeout_error", "", "timeout");
    if (e.finish_reason == "cancelled") return ApiError(503, e.error, "server_overloaded", "", "cancelled");
    if (e.finish_reason == "invalid_request") return ApiError(400, e.error, "invalid_request_error");
    return ApiError(500, e.error, "server_error");
}

void answer_whole(ServerContext& ctx, std::shared_ptr<InFlight> f, const httplib::Request& req,
                  httplib::Response& res) {
    const ClientConnection client(req);  // a client that hangs up frees its slots, as a dropped stream does
    const auto give_up =
        Clock::now() + std::chrono::duration_cast<Clock::duration>(
                           std::chrono::duration<double>(ctx.config.request_timeout_s + 30.0));
    auto next_check = Clock::now();
    while (f->n_finished < f->request.n) {
        std::optional<JobEvent> e = f->channel->pop(milliseconds(100));
        // Tokens keep arriving while a job runs, so the client is checked by time, not only when idle. Either
        // way the scheduler still owes each job an event; keep waiting for it.
        if (Clock::now() >= next_check) {
            next_check = Clock::now() + milliseconds(200);
            if (Clock::now() > give_up || client.closed()) f->cancel_all();
        }
        if (!e) continue;
        absorb(ctx, *f, *e);
        if (e->kind == JobEvent::Kind::Error) {
            f->cancel_all();
            // Drain the other choices so their slots are free before the error goes out.
            while (f->n_finished < f->request.n)
                if (auto other = f->channel->pop(milliseconds(100))) absorb(ctx, *f, *other);
            throw error_of(*e);
        }
    }
    nlohmann::json out = whole_response(f->header, f->choices, f->n_prompt, f->n_generated, std::max<int64_t>(0, f->n_cached));
    if (f->tools.calls_possible())
        for (size_t i = 0; i < f->choices.size(); ++i) {
            std::string finish_reason = f->choices[i].finish_reason;
            out["choices"][i]["message"] = tool_answer_message(f->choices[i].text, f->tool_format, finish_reason);
            out["choices"][i]["finish_reason"] = finish_reason;
        }
    res.set_content(json_text(out), "application/json");
}

bool write_event(httplib::DataSink& sink, const nlohmann::json& j) {
    const std::string data = "data: " + json_text(j) + "\n\n";
    return sink.write(data.data(), data.size());
}

// A chat chunk whose delta is `delta` (tool-call streaming).
nlohmann::json delta_chunk(const ResponseHeader& h, int32_t choice, const nlohmann::json& delta) {
    nlohmann::json chunk = stream_chunk(h, choice, "", nullptr, "");
    chunk["choices"][0]["delta"] = delta;
    return chunk;
}

// With tools: a choice's event becomes the deltas its answer adds (text held while it may be a call).
bool write_tool_event(InFlight& f, const JobEvent& e, httplib::DataSink& sink) {
    ToolCallStreamer& streamer = f.tool_streamers[static_cast<size_t>(e.choice)];
    const std::string& text = f.choices[e.choice].text;
    std::string finish_reason = e.finish_reason;
    const bool done = e.kind == JobEvent::Kind::Done;
    for (const nlohmann::json& delta : done ? streamer.finish(text, finish_reason) : streamer.grow(text))
        if (!write_event(sink, delta_chunk(f.header, e.choice, delta))) return false;
    return !done || write_event(sink, stream_chunk(f.header, e.choice, "", nullptr, finish_reason));
}

// Writes the events of one request as SSE chunks until every choice has ended; false when the client left.
bool stream_events(ServerContext& ctx, InFlight& f, httplib::DataSink& sink) {
    const GenerationRequest& r = f.request;
    if (r.chat)  // the first chunk of each choice carries the role
        for (int32_t i = 0; i < r.n; ++i)
            if (!write_event(sink, stream_chunk(f.header, i, "", nullptr, "", true))) {
                f.cancel_all();
                return false;
            }
    while (f.n_finished < r.n) {
        std::optional<JobEvent> e = f.channel->pop(milliseconds(100));
        if (!e) {
            if (!sink.is_writable()) {  // the client went away: free its slots
                f.cancel_all();
                return false;
            }
            continue;
        }
        const nlohmann::json lp = absorb(ctx, f, *e);
        if (r.test_token_delay_ms > 0 && e->kind == JobEvent::Kind::Token)  // tests only (ServerConfig)
            std::this_thread::sleep_for(milliseconds(r.test_token_delay_ms));
        bool ok = true;
        const bool tool_event = f.tools.calls_possible() && e->kind != JobEvent::Kind::Error;
        if (tool_event) {
            ok = write_tool_event(f, *e, sink);
        } else if (e->kind == JobEvent::Kind::Token || e->kind == JobEvent::Kind::Text) {
            if (!e->text.empty() || !lp.is_null())
                ok = write_event(sink, stream_chunk(f.header, e->choice, e->text, lp, ""));
        } else if (e->kind == JobEvent::Kind::Done) {
            ok = write_event(sink, stream_chunk(f.header, e->choice, "", nullptr, e->finish_reason));
        } else {
            f.cancel_all();
            ok = write_event(sink, error_body(error_of(*e)));
        }
        if (!ok) {
            f.cancel_all();
            return false;
        }
    }
    if (r.include_usage) {
        nlohmann::json u = stream_chunk(f.header, 0, "", nullptr, "");
        u["choices"] = nlohmann::json::array();
        u["usage"] = usage_json(f.n_prompt, f.n_generated, std::max<int64_t>(0, f.n_cached));
        write_event(sink, u);
    }
    const std::string done = "data: [DONE]\n\n";
    sink.write(done.data(), done.size());
    sink.done();
    return true;
}

void answer_stream(ServerContext& ctx, std::shared_ptr<InFlight> f, httplib::Response& res) {
    res.set_header("Cache-Control", "no-cache");
    res.set_header("X-Accel-Buffering", "no");
    res.set_chunked_content_provider(
        "text/event-stream",
        [&ctx, f](size_t, httplib::DataSink& sink) {
            // httplib runs this outside its handler's try: an exception here would end the process.
            try {
                return stream_events(ctx, *f, sink);
            } catch (const std::exception& e) {
                f->cancel_all();
                write_event(sink, error_body(e.what(), "server_error"));
            } catch (...) {
                f->cancel_all();
                write_event(sink, error_body("internal error while streaming", "server_error"));
            }
            return false;
        },
        [f](bool success) {
            if (!success) f->cancel_all();
        });
}

}  // namespace

std::string render_chat_prompt(const ServerContext& ctx, const nlohmann::ordered_json& messages,
                               bool add_generation_prompt, const nlohmann::ordered_json& tools) {
    if (!ctx.chat_template)
        throw ApiError(400, "this model has no chat template; use /v1/completions", "invalid_request_error",
                       "messages");
    try {
        return format_chat(*ctx.chat_template, messages, add_generation_prompt, ctx.model.bos_token,
                           ctx.model.eos_token, tools);
    } catch (const std::exception& e) {
        throw ApiError(400, std::string("the chat template failed on these messages: ") + e.what(),
                       "invalid_request_error", "messages");
    }
}

void add_generation_routes(httplib::Server& server, ServerContext& ctx) {
    for (bool chat : {false, true}) {
        auto handler = [&ctx, chat](const httplib::Request& req, httplib::Response& res) {
            ctx.metrics.requests_total.fetch_add(1);
            try {
                std::shared_ptr<InFlight> f = start(ctx, req, res, chat);
                if (f->request.stream)
                    answer_stream(ctx, f, res);
                else
                    answer_whole(ctx, f, req, res);
            } catch (const ApiError& e) {
                send_error(ctx, res, e.status, e.what(), e.type, e.param, e.code);
            } catch (const std::exception& e) {
                send_error(ctx, res, 400, e.what());
            }
            release_memory_after(req);
        };
        for (const char* path : chat ? std::vector<const char*>{"/v1/chat/completions", "/chat/completions"}
                                     : std::vector<const char*>{"/v1/completions", "/completions"})
            add_post(server, ctx, path, handler);
    }
}

}  // namespace loom::server
