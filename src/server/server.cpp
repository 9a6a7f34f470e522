#include "server/server.h"

#include <httplib.h>
#include <malloc.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <thread>

#include "core/error.h"
#include "core/log.h"
#include "server/access_policy.h"
#include "server/api_error.h"
#include "server/capabilities.h"
#include "server/guarded_server.h"
#include "server/request_log.h"
#include "server/response_format.h"
#include "server/server_context.h"

namespace loom::server {

void send_error(ServerContext& ctx, httplib::Response& res, int status, const std::string& message,
                const std::string& type, const std::string& param, const std::string& code) {
    ctx.metrics.requests_errors.fetch_add(1);
    res.status = status;
    res.set_content(
        json_text(error_body(message, type.empty() ? error_type_for_status(status) : type, param, code)),
        "application/json");
}

void add_get(httplib::Server& server, ServerContext& ctx, const std::string& path,
             std::function<void(const httplib::Request&, httplib::Response&)> handler) {
    server.Get(path, std::move(handler));
    ctx.route_methods[path].insert("GET");
    ctx.route_methods[path].insert("HEAD");  // httplib answers HEAD with the GET handler
}

void add_post(httplib::Server& server, ServerContext& ctx, const std::string& path,
              std::function<void(const httplib::Request&, httplib::Response&)> handler) {
    server.Post(path, std::move(handler));
    ctx.route_methods[path].insert("POST");
}

void release_memory_after(const httplib::Request& req) {
    if (req.body.size() >= (256u << 10)) malloc_trim(0);
}

namespace {

// Debian's compiled cpp-httplib 0.11 listens with a backlog of 5, so a burst of connections (hundreds of
// clients at once) overflows the accept queue and clients see resets. Linux lets listen() be called again on
// a listening socket to change its backlog: find ours by its port and raise it.
void widen_listen_backlog(int port) {
    for (int fd = 3; fd < 4096; ++fd) {
        int accepting = 0;
        socklen_t len = sizeof accepting;
        if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &len) != 0 || !accepting) continue;
        sockaddr_storage addr{};
        socklen_t addr_len = sizeof addr;
        if (getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &addr_len) != 0) continue;
        int bound = -1;
        if (addr.ss_family == AF_INET) bound = ntohs(reinterpret_cast<const sockaddr_in*>(&addr)->sin_port);
        if (addr.ss_family == AF_INET6)
            bound = ntohs(reinterpret_cast<const sockaddr_in6*>(&addr)->sin6_port);
        if (bound == port) listen(fd, 1024);
    }
}

// Each pending connection is a file descriptor: raise the soft limit to the hard one (commonly 1024 -> far
// more), and keep the pending-connection cap below what is left after the workers and the model's files, so
// accept() never fails for want of descriptors while the cap still has room.
size_t pending_connections_within_fd_limit(size_t wanted, int workers) {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return wanted;
    if (limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
        getrlimit(RLIMIT_NOFILE, &limit);
    }
    const size_t reserve = 256 + 2 * static_cast<size_t>(workers);
    const size_t room = limit.rlim_cur > reserve + 16 ? limit.rlim_cur - reserve : 16;
    if (wanted <= room) return wanted;
    log_warn("--max-pending-connections ", wanted, " lowered to ", room, " (open-file limit ", limit.rlim_cur,
             "; raise it with ulimit -n)");
    return room;
}

std::string header_or_empty(const httplib::Request& req, const char* name) {
    return req.has_header(name) ? req.get_header_value(name) : std::string();
}

AccessRequest access_request(const httplib::Request& req) {
    AccessRequest r;
    r.method = req.method;
    r.path = req.path;
    r.host = header_or_empty(req, "Host");
    r.has_host = req.has_header("Host");
    r.origin = header_or_empty(req, "Origin");
    r.has_origin = req.has_header("Origin");
    r.authorization = header_or_empty(req, "Authorization");
    r.content_type = header_or_empty(req, "Content-Type");
    r.is_preflight = req.method == "OPTIONS" && req.has_header("Access-Control-Request-Method");
    return r;
}

void configure(httplib::Server& svr, ServerContext& ctx, const std::optional<AccessPolicy>& access) {
    const ServerConfig& c = ctx.config;
    svr.set_payload_max_length(c.max_body_bytes);  // GuardedServer enforces it on decoded bytes first
    svr.set_write_timeout(10, 0);
    svr.set_keep_alive_max_count(1000);  // what its Keep-Alive header announces; GuardedServer enforces it
    svr.set_pre_routing_handler([&ctx, &access](const httplib::Request& req, httplib::Response& res) {
        const AccessDecision d = access->decide(access_request(req));
        for (const auto& [name, value] : d.headers) res.set_header(name, value);
        if (d.status == 0) return httplib::Server::HandlerResponse::Unhandled;
        if (d.status == 204) {
            res.status = 204;
            return httplib::Server::HandlerResponse::Handled;
        }
        send_error(ctx, res, d.status, d.message, d.type, "", d.code);
        return httplib::Server::HandlerResponse::Handled;
    });
    // httplib's own errors (no route: 404, body over the limit: 413, unparsable request: 400) get a body too.
    svr.set_error_handler([&ctx](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;
        const auto known = ctx.route_methods.find(req.path);
        if (res.status == 404 && known != ctx.route_methods.end()) {
            std::string allow;
            for (const std::string& m : known->second) allow += (allow.empty() ? "" : ", ") + m;
            res.set_header("Allow", allow);
            send_error(ctx, res, 405, req.method + " is not allowed on " + req.path + "; use " + allow,
                       "invalid_request_error", "", "method_not_allowed");
            return;
        }
        const std::string message = res.status == 404 ? "no route for " + req.method + " " + req.path
                                    : res.status == 413
                                        ? "the request body is larger than the server's limit of " +
                                              std::to_string(ctx.config.max_body_bytes) + " bytes"
                                        : "the server could not read this request";
        send_error(ctx, res, res.status, message);
    });
    svr.set_logger([](const httplib::Request& req, const httplib::Response& res) {
        log_request(req.method, req.path, res.status);
    });
    svr.set_exception_handler([&ctx](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string message = "internal error";
        try {
            if (ep) std::rethrow_exception(ep);
        } catch (const std::exception& e) {
            message = e.what();
        } catch (...) {
        }
        send_error(ctx, res, 500, message, "server_error");
    });
}

}  // namespace

void block_shutdown_signals() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

int run_server(const ServerModel& model, const ServerConfig& given_config,
               const std::function<void(int)>& on_listening) {
    ServerConfig config = given_config;
    const char* pacing = std::getenv("LOOM_SERVE_TEST_PACING");
    if (pacing && std::strcmp(pacing, "1") == 0) config.test_pacing = true;
    // Block the shutdown signals here so every thread started below inherits the mask and one thread waits.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGUSR2);  // sent by run_server itself when listening ends without a signal
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    signal(SIGPIPE, SIG_IGN);  // a client that hangs up mid-write is an error return, not a process kill

    ServerContext ctx{model, config, {}, nullptr, std::nullopt, {}, {}, {}, {}, {}};
    if (model.model) {
        ctx.scheduler = std::make_unique<Scheduler>(*model.model, *model.tokenizer, model.end_of_generation,
                                                    config.scheduler, ctx.metrics);
        if (!model.chat_template.empty()) ctx.chat_template.emplace(model.chat_template);
    }
    HttpLimits limits;
    limits.max_body_bytes = config.max_body_bytes;
    limits.header_timeout_s = config.header_timeout_s;
    limits.body_timeout_s = config.body_timeout_s;
    limits.clients.requests_per_minute = static_cast<double>(config.rate_limit_per_minute);
    limits.clients.max_connections_per_client = config.max_client_connections;
    limits.worker_threads = config.http_threads > 0 ? config.http_threads
                                                    : config.scheduler.n_slots +
                                                          static_cast<int>(config.scheduler.max_queue) + 16;
    limits.max_pending_connections =
        pending_connections_within_fd_limit(config.max_pending_connections, limits.worker_threads);
    GuardedServer svr(limits, [&ctx](int status, const std::string& message) {
        ctx.metrics.requests_errors.fetch_add(1);
        // The HTTP layer's only 429s are the per-client limits (client_limits.h); the queue's is
        // "queue_full".
        return json_text(error_body(message, error_type_for_status(status), "",
                                    status == 429 ? "rate_limit_exceeded" : ""));
    });
    std::optional<AccessPolicy> access;  // needs the bound port (the default Host check names it)
    configure(svr, ctx, access);
    add_generation_routes(svr, ctx);
    add_utility_routes(svr, ctx);
    add_task_routes(svr, ctx);
    add_attention_routes(svr, ctx);

    int port = config.port;
    if (port == 0) {
        port = svr.bind_to_any_port(config.host);
        if (port < 0) throw Error("could not bind " + config.host + " to a free port");
    } else if (!svr.bind_to_port(config.host, port)) {
        throw Error("could not listen on " + config.host + ":" + std::to_string(port) + " (in use?)");
    }

    widen_listen_backlog(port);
    access.emplace(
        AccessConfig{config.api_keys, config.cors_origins, config.allowed_hosts, config.host, port});

    std::thread watcher([&] {
        int sig = 0;
        sigwait(&signals, &sig);
        if (sig == SIGUSR2) return;  // run_server is returning without a signal
        log_info("loom serve: signal ", sig, ": no new requests; finishing in-flight work");
        ctx.shutting_down.store(true);
        svr.begin_shutdown();  // idle and half-sent connections close now
        if (ctx.scheduler) {
            ctx.scheduler->stop_accepting();
            const auto until = std::chrono::steady_clock::now() +
                               std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(config.shutdown_grace_s));
            while (!ctx.scheduler->idle() && std::chrono::steady_clock::now() < until)
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
            if (!ctx.scheduler->idle()) {
                log_info("loom serve: grace period over; cancelling what is left");
                ctx.scheduler->cancel_all();
                while (!ctx.scheduler->idle()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            std::this_thread::sleep_for(
                std::chrono::milliseconds(200));  // let handlers write their last bytes
        }
        svr.stop();
    });

    for (const std::string& line : startup_lines(model, ctx.chat_template.has_value()))
        std::fprintf(stderr, "%s\n", line.c_str());
    if (config.test_pacing) std::fprintf(stderr, "loom serve: test pacing on (LOOM_SERVE_TEST_PACING=1)\n");
    std::fflush(stderr);
    if (on_listening) on_listening(port);
    const bool ok = svr.listen_after_bind();
    if (!ctx.shutting_down.load()) pthread_kill(watcher.native_handle(), SIGUSR2);
    watcher.join();
    svr.finish();
    ctx.scheduler.reset();
    log_info("loom serve: stopped");
    return ok || ctx.shutting_down.load() ? 0 : 1;
}

}  // namespace loom::server
