#!/usr/bin/env python3
"""Side-by-side decoder speed: loom vs llama.cpp (through llama-cpp-python, built from its sdist's vendored
llama.cpp with GGML_NATIVE) on the same GGUF files and threads, interleaved (llama.cpp, loom, llama.cpp, loom,
..., llama.cpp) for --rounds rounds, so both see the same machine conditions. Prints one markdown table per
thread count: best and median tokens/s of each engine per test, the loom/llama.cpp ratio of the medians, and
for tg the bandwidth bound (bytes of weights one token reads / measured read bandwidth) with each engine's share
of it. `uptime`'s load is printed before and after every table: a table taken at load > 1.5 is a draft.

    CMAKE_ARGS="-DGGML_NATIVE=ON" pip install llama-cpp-python      # the peer (builds llama.cpp from source)
    python3 scripts/bench/decoder_vs_llamacpp.py [--threads 1,2] [--pp 16,128,512,2048] [--tg 128] \
        [--rounds 3] MODEL.gguf [...]

With no MODEL it uses the default model and the GPT-2-shaped files from scripts/bench/make_gpt2_gguf.py in /tmp
(making them when absent). The read bandwidth comes from scripts/bench/read_bandwidth.c (compiled here with
-O3 -march=native -fopenmp: an AVX read loop over 1 GiB, per thread count).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LOOM = os.path.join(ROOT, "build", "loom")


def load():
    return open("/proc/loadavg").read().split()[:3]


class LlamaCpp:
    def __init__(self, path, threads, n_ctx):
        import llama_cpp

        self.llm = llama_cpp.Llama(model_path=path, n_ctx=n_ctx, n_batch=n_ctx, n_ubatch=min(n_ctx, 512),
                                   n_threads=threads, n_threads_batch=threads, verbose=False, logits_all=False)
        self.n_vocab = self.llm.n_vocab()

    def _reset(self):
        self.llm.reset()
        if hasattr(self.llm._ctx, "kv_cache_clear"):
            self.llm._ctx.kv_cache_clear()

    def pp(self, n):
        prompt = [(i * 7919 + 13) % self.n_vocab for i in range(n)]
        self._reset()
        t0 = time.perf_counter()
        self.llm.eval(prompt)
        return n / (time.perf_counter() - t0)

    def tg(self, n):
        self._reset()
        self.llm.eval([1])
        t0 = time.perf_counter()
        for i in range(n):
            self.llm.eval([(i * 7919 + 13) % self.n_vocab])
        return n / (time.perf_counter() - t0)


def loom_run(path, threads, n_pp, n_tg):
    out = subprocess.run([LOOM, "bench", "-m", path, "-t", str(threads), "-p", str(n_pp), "-n", str(n_tg), "-r", "1",
                          "--json"], check=True, capture_output=True, text=True).stdout
    data = json.loads(out)
    return data["pp"], data["tg"]


def weight_bytes_per_token(path):
    """Bytes of the weights one decoded token reads: every matrix but the token embedding (one row), unless the
    embedding is also the output projection (no output.weight)."""
    import gguf

    r = gguf.GGUFReader(path)
    names = {t.name for t in r.tensors}
    total = 0
    for t in r.tensors:
        if t.name == "token_embd.weight" and "output.weight" in names:
            continue
        total += int(t.n_bytes)
    return total


def read_bandwidth(threads):
    src = os.path.join(ROOT, "scripts", "bench", "read_bandwidth.c")
    exe = os.path.join(tempfile.gettempdir(), "loom_read_bandwidth")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(src):
        subprocess.run(["cc", "-O3", "-march=native", "-fopenmp", src, "-o", exe], check=True)
    out = subprocess.run([exe], env=dict(os.environ, OMP_NUM_THREADS=str(threads)), check=True,
                         capture_output=True, text=True).stdout
    return float(out.split()[0])  # GB/s


def default_models():
    models = [os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")]
    for t in ["f32", "f16", "q8_0", "q4_0"]:
        path = f"/tmp/gpt2-bench-{t}.gguf"
        if not os.path.exists(path):
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "bench", "make_gpt2_gguf.py"), "--type", t,
                            "-o", path], check=True)
        models.append(path)
    return models


def fmt(values):
    return f"{max(values):.1f} / {statistics.median(values):.1f}"


def bench_table(models, threads, pps, tg, rounds):
    bw = read_bandwidth(threads)
    print(f"threads {threads}; read bandwidth {bw:.1f} GB/s; rounds {rounds} (llama.cpp, loom, ..., llama.cpp); "
          f"load before {' '.join(load())}\n")
    print("| model | test | loom best / median | llama.cpp best / median | ratio (medians) | bound | loom / llama.cpp "
          "of bound |")
    print("|---|---|---|---|---|---|---|")
    for path in models:
        peer = LlamaCpp(path, threads, max(pps) + tg + 8)
        tests = [("pp", n) for n in pps] + [("tg", tg)]
        ours = {t: [] for t in tests}
        theirs = {t: [] for t in tests}

        def peer_round():
            for kind, n in tests:
                theirs[(kind, n)].append(peer.pp(n) if kind == "pp" else peer.tg(n))

        peer_round()
        for _ in range(rounds):
            for kind, n in tests:
                p, t = loom_run(path, threads, n if kind == "pp" else 16, n if kind == "tg" else 1)
                ours[(kind, n)].append(p if kind == "pp" else t)
            peer_round()
        del peer
        bound = bw * 1e9 / weight_bytes_per_token(path)
        for kind, n in tests:
            a, b = ours[(kind, n)], theirs[(kind, n)]
            ratio = statistics.median(a) / statistics.median(b)
            extra = (f"{bound:.0f} | {100 * statistics.median(a) / bound:.0f}% / {100 * statistics.median(b) / bound:.0f}%"
                     if kind == "tg" else " | ")
            print(f"| {os.path.basename(path)} | {kind}{n} | {fmt(a)} | {fmt(b)} | {ratio:.2f}x | {extra} |", flush=True)
    print(f"\nload after {' '.join(load())}\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="*")
    ap.add_argument("--threads", default="2", help="comma-separated thread counts")
    ap.add_argument("--pp", default="128,512", help="comma-separated prompt lengths")
    ap.add_argument("--tg", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    models = args.models or default_models()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    import llama_cpp

    print(f"machine: {cpu}; {time.strftime('%Y-%m-%d %H:%M')}; llama-cpp-python {llama_cpp.__version__}\n")
    for threads in [int(t) for t in args.threads.split(",")]:
        bench_table(models, threads, [int(p) for p in args.pp.split(",")], args.tg, args.rounds)


if __name__ == "__main__":
    main()
