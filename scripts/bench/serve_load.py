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
starlette-context pydantic-settings."""
import argparse
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time

PROMPT = "Write a short story about a robot who learns to paint. Once upon a time"


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


def start_loom(args, slots):
    port = free_port()
    cmd = [args.loom, "serve", "-m", args.model, "--port", str(port), "--slots", str(slots), "--ctx", "1024",
           "-t", str(args.threads)]
    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wait_ready(port, proc)
    return proc, port


def start_llama_cpp(args, slots):
    port = free_port()
    cmd = [sys.executable, "-m", "llama_cpp.server", "--model", args.model, "--host", "127.0.0.1", "--port", str(port),
           "--n_ctx", "1024", "--n_threads", str(args.threads), "--n_threads_batch", str(args.threads),
           "--interrupt_requests", "False"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(port, proc)
    return proc, port


def one_request(port, seed, max_tokens, record):
    body = json.dumps({"prompt": PROMPT, "max_tokens": max_tokens, "temperature": 0.7, "seed": seed,
                       "stream": True, "stream_options": {"include_usage": True}}).encode()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    t0 = time.perf_counter()
    conn.request("POST", "/v1/completions", body, {"Content-Type": "application/json"})
    resp = conn.getresponse()
    if resp.status != 200:
        resp.read()
        record["errors"] += 1
        return
    times, usage, finished = [], None, False
    for raw in resp:
        line = raw.decode(errors="replace").strip()
        if not line.startswith("data: ") or line == "data: [DONE]":
            continue
        chunk = json.loads(line[6:])
        if chunk.get("usage"):
            usage = chunk["usage"].get("completion_tokens")
        choices = chunk.get("choices") or []
        if choices and choices[0].get("text"):
            times.append(time.perf_counter())
        if choices and choices[0].get("finish_reason"):
            finished = True
    conn.close()
    if not finished or not times:
        record["errors"] += 1
        return
    record["ttft"].append(times[0] - t0)
    record["gaps"].extend(b - a for a, b in zip(times, times[1:]))
    record["tokens"] += usage if usage is not None else len(times)
    record["requests"] += 1


def run_level(port, clients, seconds, max_tokens):
    record = {"ttft": [], "gaps": [], "tokens": 0, "requests": 0, "errors": 0}
    lock = threading.Lock()
    stop_at = time.perf_counter() + seconds

    def client(k):
        seed = k * 1000
        while time.perf_counter() < stop_at:
            local = {"ttft": [], "gaps": [], "tokens": 0, "requests": 0, "errors": 0}
            one_request(port, seed, max_tokens, local)
            seed += 1
            with lock:
                for key in record:
                    record[key] += local[key]

    start = time.perf_counter()
    threads = [threading.Thread(target=client, args=(k,)) for k in range(clients)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - start  # includes finishing the last requests after the window
    q = lambda xs, p: statistics.quantiles(xs, n=100)[p - 1] * 1000 if len(xs) >= 2 else float("nan")
    return {"clients": clients, "tok_s": record["tokens"] / elapsed, "requests": record["requests"],
            "errors": record["errors"], "ttft_p50": q(record["ttft"], 50), "ttft_p99": q(record["ttft"], 99),
            "tpot_p50": q(record["gaps"], 50), "tpot_p99": q(record["gaps"], 99), "seconds": elapsed}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loom", default="build/loom")
    ap.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--clients", default="1,4,8")
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--only", choices=["loom", "llama_cpp"])
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args()
    levels = [int(x) for x in args.clients.split(",")]
    servers = [("loom", start_loom), ("llama_cpp", start_llama_cpp)]
    results = []
    for name, start in servers:
        if args.only and name != args.only:
            continue
        proc, port = start(args, max(levels))
        try:
            one_request(port, 1, 8, {"ttft": [], "gaps": [], "tokens": 0, "requests": 0, "errors": 0})  # warm-up
            for c in levels:
                r = run_level(port, c, args.seconds, args.max_tokens)
                r["server"] = name
                results.append(r)
                print(f"{name:10s} clients={c}: {r['tok_s']:7.1f} tok/s  requests={r['requests']} "
                      f"errors={r['errors']}  TTFT p50/p99 {r['ttft_p50']:.0f}/{r['ttft_p99']:.0f} ms  "
                      f"per-token p50/p99 {r['tpot_p50']:.1f}/{r['tpot_p99']:.1f} ms", flush=True)
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
