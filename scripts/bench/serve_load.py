#!/usr/bin/env python3
"""Load test of `loom serve` side by side with llama.cpp's server (`python -m llama_cpp.server` from
llama-cpp-python) on the same GGUF, in the same run: 1, 4 and 8 concurrent streaming clients for --seconds each;
reports aggregate generated tokens/s, p50/p99 time to first token and p50/p99 per-token latency (gap between
streamed tokens), and how many requests completed.

    python3 scripts/bench/serve_load.py --loom build/loom --seconds 60            # the full run
    python3 scripts/bench/serve_load.py --loom build/loom --seconds 10 --only loom

Each client loops: one streaming /v1/completions request (fixed prompt, --max-tokens, temperature 0.7, its own
seed), measuring when each streamed chunk arrives. Tokens are counted from the stream's `usage` (asked for with
stream_options.include_usage) when the server sends it, else as the chunks that carry text (both servers send one
chunk per generated token); a stream that ends without a finish_reason counts as an error, not as tokens.
llama_cpp.server runs with --interrupt_requests False: by default a new request aborts the stream in progress
(its streams then end after one chunk, which the first version of this script counted as complete requests).
Both get the same thread count (--threads, default: all cores).
llama.cpp's server needs the llama-cpp-python[server] extras: pip install uvicorn fastapi sse-starlette
starlette-context pydantic-settings.

--servers picks what runs (default loom,llama_cpp): loom, loom_nocache (loom with --no-prefix-cache: the A/B of
prefix reuse), llama_cpp (python -m llama_cpp.server, one request at a time), llama_server (llama.cpp's own
llama-server binary given by --llama-server, with -np = the largest client count, continuous batching and
cache_prompt, the peer issue 20 measures against; -c = --ctx x slots, as its context is split between slots).

--workload chat (issue 20 (b)): each client holds 6-turn conversations on /v1/chat/completions, every
conversation starting with the same ~300-token system prompt; each turn sends the whole history (as OpenAI
clients do) and appends the reply. Reported per turn: TTFT p50 and the mean cached prompt tokens
(usage.prompt_tokens_details.cached_tokens, where the server reports it), so turn 6 vs turn 1 shows whether the
history is recomputed."""
import argparse
import http.client
import json
import os
import shlex
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

PROMPT = "Write a short story about a robot who learns to paint. Once upon a time"
# ~300 tokens with SmolLM2's tokenizer: the system prompt every chat of --workload chat starts with.
SYSTEM_PROMPT = " ".join([
    "You are the help desk of a city library. Answer politely and briefly, in two or three sentences.",
    "The library opens at nine and closes at six on weekdays; on Saturdays it opens at ten and closes at two;",
    "it is closed on Sundays and public holidays. Members may borrow up to twelve items for three weeks and",
    "renew them twice online unless another member has reserved them. Late returns cost twenty cents a day",
    "per item, capped at five euros. The reading room on the second floor is silent; group rooms on the",
    "first floor can be booked for two hours at a time. Printing costs ten cents a page in black and white",
    "and forty cents in colour. The children's section has story hours on Wednesday afternoons. Wifi is free",
    "for everyone; the password is on the notice board at the entrance. Lost cards are replaced for two euros.",
    "Interlibrary loans take about ten days and cost three euros. The archive holds local newspapers since",
    "1850 on microfilm; ask at the desk for a reader. Never invent rules that are not listed here; when you do",
    "not know, say so and suggest asking a librarian at the front desk. Keep answers friendly and factual.",
] * 2)
CHAT_QUESTIONS = ["Can I borrow books on Sunday?", "How long can I keep a book?", "What if I return it late?",
                  "Can I print in colour?", "Is there something for children?", "I lost my card, what now?"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, proc, timeout=120):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited {proc.returncode}")
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            c.request("GET", "/v1/models")
            if c.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("server did not become ready")


def start_loom(args, slots, extra=()):
    port = free_port()
    cmd = [args.loom, "serve", "-m", args.model, "--port", str(port), "--slots", str(slots), "--ctx",
           str(args.ctx), "-t", str(args.threads), *shlex.split(args.loom_args), *extra]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wait_ready(port, proc)
    return proc, port


def start_loom_nocache(args, slots):
    return start_loom(args, slots, ["--no-prefix-cache"])


def start_llama_server(args, slots):
    if not args.llama_server:
        raise SystemExit("--servers llama_server needs --llama-server PATH (llama.cpp's llama-server binary)")
    port = free_port()
    cmd = [args.llama_server, "-m", args.model, "--host", "127.0.0.1", "--port", str(port), "-np", str(slots),
           "-c", str(args.ctx * slots), "-t", str(args.threads), "-tb", str(args.threads), "--no-warmup"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port, proc)
    return proc, port


def start_llama_cpp(args, slots):
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", args.model, "--host", "127.0.0.1", "--port", str(port),
           "--n_ctx", str(args.ctx), "--n_threads", str(args.threads), "--n_threads_batch", str(args.threads),
           "--interrupt_requests", "False"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port, proc)
    return proc, port


def rss_mb(pid):
    """(resident, peak resident) MB of a process (the server; python -m llama_cpp.server's own process)."""
    values = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    values[line.split(":")[0]] = int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return values.get("VmRSS", float("nan")), values.get("VmHWM", float("nan"))


def new_record():
    return {"ttft": [], "gaps": [], "tokens": 0, "requests": 0, "errors": 0, "turn_ttft": {}, "turn_cached": {}}


def merge(into, part):
    for key in ("ttft", "gaps", "tokens", "requests", "errors"):
        into[key] += part[key]
    for key in ("turn_ttft", "turn_cached"):
        for turn, values in part[key].items():
            into[key].setdefault(turn, []).extend(values)


def stream(port, path, body, record, turn=None):
    """One streaming request; returns the generated text (None on error). With `turn`, its TTFT and cached
    prompt tokens are also recorded under that turn."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    t0 = time.perf_counter()
    conn.request("POST", path, json.dumps(body).encode(), {"Content-Type": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        resp.read()
        record["errors"] += 1
        return None
    times, usage, finished, text = [], None, False, ""
    for raw in resp:
        line = raw.decode(errors="replace").strip()
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        chunk = json.loads(line[6:])
        if chunk.get("usage"):
            usage = chunk["usage"]
        choices = chunk.get("choices") or []
        piece = (choices[0].get("text") or (choices[0].get("delta") or {}).get("content")) if choices else None
        if piece:
            times.append(time.perf_counter())
            text += piece
        if choices and choices[0].get("finish_reason"):
            finished = True
    conn.close()
    if not finished or not times:
        record["errors"] += 1
        return None
    record["ttft"].append(times[0] - t0)
    record["gaps"].extend(b - a for a, b in zip(times, times[1:]))
    record["tokens"] += usage["completion_tokens"] if usage and "completion_tokens" in usage else len(times)
    record["requests"] += 1
    if turn is not None:
        record["turn_ttft"].setdefault(turn, []).append(times[0] - t0)
        details = (usage or {}).get("prompt_tokens_details") or {}
        if "cached_tokens" in details:
            record["turn_cached"].setdefault(turn, []).append(details["cached_tokens"])
    return text


def one_request(port, seed, max_tokens, record):
    stream(port, "/v1/completions", {"prompt": PROMPT, "max_tokens": max_tokens, "temperature": 0.7, "seed": seed,
                                     "stream": True, "stream_options": {"include_usage": True}}, record)


def one_chat(port, seed, max_tokens, record, stop_at):
    """A conversation of len(CHAT_QUESTIONS) turns over the shared system prompt (stops early at stop_at)."""
    messages = [{"role": "system", "content": SYSTEM_PROMPT}]
    for turn, question in enumerate(CHAT_QUESTIONS, start=1):
        if time.perf_counter() >= stop_at and turn > 1:
            return
        messages.append({"role": "user", "content": f"{question} (conversation {seed})"})
        reply = stream(port, "/v1/chat/completions",
                       {"messages": messages, "max_tokens": max_tokens, "temperature": 0.7, "seed": seed + turn,
                        "stream": True, "stream_options": {"include_usage": True}}, record, turn)
        if reply is None:
            return
        messages.append({"role": "assistant", "content": reply})


def run_level(port, clients, seconds, max_tokens, workload):
    record = new_record()
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client(k):
        seed = k * 1000
        while time.perf_counter() < stop_at:
            local = new_record()
            if workload == "chat":
                one_chat(port, seed, max_tokens, local, stop_at)
                seed += 10
            else:
                one_request(port, seed, max_tokens, local)
                seed += 1
            with lock:
                merge(record, local)

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - start  # includes finishing the last requests after the window
    q = lambda xs, p: statistics.quantiles(xs, n=100)[p - 1] * 1000 if len(xs) >= 2 else float("nan")
    median_ms = lambda xs: statistics.median(xs) * 1000 if xs else float("nan")
    turns = {turn: {"ttft_p50": median_ms(record["turn_ttft"][turn]), "n": len(record["turn_ttft"][turn]),
                    "cached_mean": statistics.mean(record["turn_cached"][turn])
                    if record["turn_cached"].get(turn) else None}
             for turn in sorted(record["turn_ttft"])}
    return {"clients": clients, "tok_s": record["tokens"] / elapsed, "requests": record["requests"],
            "errors": record["errors"], "ttft_p50": q(record["ttft"], 50), "ttft_p99": q(record["ttft"], 99),
            "tpot_p50": q(record["gaps"], 50), "tpot_p99": q(record["gaps"], 99), "seconds": elapsed,
            "turns": turns}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loom", default="build/loom")
    ap.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--clients", default="1,4,8,16")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--ctx", type=int, default=2048, help="context per slot")
    ap.add_argument("--workload", choices=["independent", "chat"], default="independent")
    ap.add_argument("--servers", default="loom,llama_cpp",
                    help="comma-separated: loom, loom_nocache, llama_cpp, llama_server")
    ap.add_argument("--llama-server", help="llama.cpp's llama-server binary (for --servers llama_server)")
    ap.add_argument("--loom-args", default="", help="more `loom serve` flags, e.g. \"--kv-memory 720M\"")
    ap.add_argument("--only", choices=["loom", "llama_cpp"], help="the same as --servers NAME")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    levels = [int(x) for x in args.clients.split(",")]
    starters = {"loom": start_loom, "loom_nocache": start_loom_nocache, "llama_cpp": start_llama_cpp,
                "llama_server": start_llama_server}
    names = [args.only] if args.only else args.servers.split(",")
    for name in names:
        if name not in starters:
            raise SystemExit(f"unknown server '{name}' in --servers; known: {', '.join(starters)}")
    print(f"workload {args.workload}, {args.seconds:.0f} s per level, threads {args.threads}, "
          f"load average at start {os.getloadavg()[0]:.2f}", flush=True)
    results = []
    for name in names:
        proc, port = starters[name](args, max(levels))
        try:
            one_request(port, 1, 8, new_record())  # warm-up
            for c in levels:
                r = run_level(port, c, args.seconds, args.max_tokens, args.workload)
                r["server"] = name
                r["workload"] = args.workload
                r["load_average"] = os.getloadavg()[0]
                r["rss_mb"], r["peak_rss_mb"] = rss_mb(proc.pid)
                results.append(r)
                print(f"{name:12s} clients={c}: {r['tok_s']:7.1f} tok/s  requests={r['requests']} "
                      f"errors={r['errors']}  TTFT p50/p99 {r['ttft_p50']:.0f}/{r['ttft_p99']:.0f} ms  "
                      f"per-token p50/p99 {r['tpot_p50']:.1f}/{r['tpot_p99']:.1f} ms  "
                      f"load {r['load_average']:.2f}  RSS {r['rss_mb']:.0f} MB (peak {r['peak_rss_mb']:.0f})",
                      flush=True)
                if args.workload == "chat":
                    print("    turn: TTFT p50 ms (n) cached mean: " + "  ".join(
                        f"{turn}: {t['ttft_p50']:.0f} ({t['n']}) "
                        f"{'-' if t['cached_mean'] is None else format(t['cached_mean'], '.0f')}"
                        for turn, t in r["turns"].items()), flush=True)
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
    print("\n| server | clients | tokens/s | requests | TTFT p50 (ms) | TTFT p99 (ms) | per-token p50 (ms) "
          "| per-token p99 (ms) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results:
        print(f"| {r['server']} | {r['clients']} | {r['tok_s']:.1f} | {r['requests']} | {r['ttft_p50']:.0f} | "
              f"{r['ttft_p99']:.0f} | {r['tpot_p50']:.1f} | {r['tpot_p99']:.1f} |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
