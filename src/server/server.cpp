#include "server/server.h"

#include <httplib.h>
#include <malloc.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "core/error.h"
#include "core/log.h"
#include "server/api_error.h"
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

bool is_public_path(const std::string& path) {
    if (path == "/" || path == "/health") return true;
    for (const char* ext : {".html", ".js", ".css", ".svg"})
        if (path.size() > std::strlen(ext) && path.ends_with(ext) && path.find('/', 1) == std::string::npos)
            return true;
    return false;
}

// Constant-time comparison so a wrong key's timing says nothing about the right one.
bool same_secret(const std::string& a, const std::string& b) {
    unsigned char diff = a.size() == b.size() ? 0 : 1;
    for (size_t i = 0; i < a.size(); ++i)
        diff |= static_cast<unsigned char>(a[i] ^ b[i % (b.empty() ? 1 : b.size())]);
    return diff == 0 && !b.empty();
}

void configure(httplib::Server& svr, ServerContext& ctx) {
    const ServerConfig& c = ctx.config;
    svr.set_payload_max_length(c.max_body_bytes);
    svr.set_read_timeout(10, 0);
    svr.set_write_timeout(10, 0);
    svr.set_keep_alive_max_count(1000);
    const int threads = c.http_threads > 0
                            ? c.http_threads
                            : c.scheduler.n_slots + static_cast<int>(c.scheduler.max_queue) + 16;
    svr.new_task_queue = [threads] { return new httplib::ThreadPool(static_cast<size_t>(threads)); };
    svr.set_pre_routing_handler([&ctx](const httplib::Request& req, httplib::Response& res) {
        if (ctx.config.api_key.empty() || is_public_path(req.path))
            return httplib::Server::HandlerResponse::Unhandled;
        std::string given = req.get_header_value("Authorization");
        if (given.rfind("Bearer ", 0) == 0) given = given.substr(7);
        if (same_secret(given, ctx.config.api_key)) return httplib::Server::HandlerResponse::Unhandled;
        send_error(ctx, res, 401, "invalid or missing API key (send \"Authorization: Bearer KEY\")",
                   "authentication_error", "", "invalid_api_key");
        return httplib::Server::HandlerResponse::Handled;
    });
    // httplib's own errors (no route: 404, body over the limit: 413, unparsable request: 400) get a body too.
    svr.set_error_handler([&ctx](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return;
        const std::string message = res.status == 404 ? "no route for " + req.method + " " + req.path
                                    : res.status == 413
                                        ? "the request body is larger than the server's limit of " +
                                              std::to_string(ctx.config.max_body_bytes) + " bytes"
                                        : "the server could not read this request";
        send_error(ctx, res, res.status, message);
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

int run_server(const ServerModel& model, const ServerConfig& config,
               const std::function<void(int)>& on_listening) {
    // Block the shutdown signals here so every thread started below inherits the mask and one thread waits.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    sigaddset(&signals, SIGUSR2);  // sent by run_server itself when listening ends without a signal
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    signal(SIGPIPE, SIG_IGN);  // a client that hangs up mid-write is an error return, not a process kill

    ServerContext ctx{model, config, {}, nullptr, std::nullopt, {}, {}, {}, {}};
    if (model.model) {
        ctx.scheduler = std::make_unique<Scheduler>(*model.model, *model.tokenizer, model.end_of_generation,
                                                    config.scheduler, ctx.metrics);
        if (!model.chat_template.empty()) ctx.chat_template.emplace(model.chat_template);
    }
    httplib::Server svr;
    configure(svr, ctx);
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

    std::thread watcher([&] {
        int sig = 0;
        sigwait(&signals, &sig);
        if (sig == SIGUSR2) return;  // run_server is returning without a signal
        log_info("loom serve: signal ", sig, ": no new requests; finishing in-flight work");
        ctx.shutting_down.store(true);
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

    if (on_listening) on_listening(port);
    const bool ok = svr.listen_after_bind();
    if (!ctx.shutting_down.load()) pthread_kill(watcher.native_handle(), SIGUSR2);
    watcher.join();
    ctx.scheduler.reset();
    log_info("loom serve: stopped");
    return ok || ctx.shutting_down.load() ? 0 : 1;
}

}  // namespace loom::server
