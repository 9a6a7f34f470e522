#!/usr/bin/env python3
"""Side-by-side decoder speed: loom vs llama.cpp (through llama-cpp-python) on the same GGUF files, same threads,
same run. Prints one table (markdown) with pp512 / tg128 tokens/s and loom/llama.cpp ratios.

    python3 scripts/bench/decoder_vs_llamacpp.py [--threads 2] [--pp 512] [--tg 128] MODEL.gguf [...]

With no MODEL it uses the default model and the GPT-2-shaped files from scripts/bench/make_gpt2_gguf.py in /tmp
(making them when absent). Needs `pip install llama-cpp-python` (builds llama.cpp from source) and a built loom.
"""
import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
LOOM = os.path.join(ROOT, "build", "loom")


def llama_cpp_bench(path, threads, n_pp, n_tg, reps):
    import llama_cpp

    llm = llama_cpp.Llama(model_path=path, n_ctx=n_pp + n_tg + 8, n_batch=n_pp, n_ubatch=n_pp, n_threads=threads,
                          n_threads_batch=threads, verbose=False, logits_all=False)
    n_vocab = llm.n_vocab()
    prompt = [(i * 7919 + 13) % n_vocab for i in range(n_pp)]
    best_pp, best_tg = 0.0, 0.0
    for _ in range(reps):
        llm.reset()
        llm._ctx.kv_cache_clear() if hasattr(llm._ctx, "kv_cache_clear") else None
        t0 = time.perf_counter()
        llm.eval(prompt)
        best_pp = max(best_pp, n_pp / (time.perf_counter() - t0))
        llm.reset()
        llm._ctx.kv_cache_clear() if hasattr(llm._ctx, "kv_cache_clear") else None
        llm.eval(prompt[:1])
        t0 = time.perf_counter()
        for i in range(n_tg):
            llm.eval([prompt[(i + 1) % n_pp]])
        best_tg = max(best_tg, n_tg / (time.perf_counter() - t0))
    return best_pp, best_tg


def loom_bench(path, threads, n_pp, n_tg, reps):
    out = subprocess.run([LOOM, "bench", "-m", path, "-t", str(threads), "-p", str(n_pp), "-n", str(n_tg),
                          "-r", str(reps), "--json"], check=True, capture_output=True, text=True).stdout
    data = json.loads(out)
    return data["pp"], data["tg"]


def default_models():
    models = [os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")]
    for t in ["f32", "f16", "q8_0", "q4_0"]:
        path = f"/tmp/gpt2-bench-{t}.gguf"
        if not os.path.exists(path):
            subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "bench", "make_gpt2_gguf.py"), "--type", t,
                            "-o", path], check=True)
        models.append(path)
    return models


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("models", nargs="*")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--pp", type=int, default=512)
    ap.add_argument("--tg", type=int, default=128)
    ap.add_argument("--reps", type=int, default=2)
    args = ap.parse_args()
    models = args.models or default_models()
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"machine: {cpu}; threads {args.threads}; {time.strftime('%Y-%m-%d')}; best of {args.reps}\n")
    print(f"| model | loom pp{args.pp} | llama.cpp pp{args.pp} | ratio | loom tg{args.tg} | llama.cpp tg{args.tg} | ratio |")
    print("|---|---|---|---|---|---|---|")
    for path in models:
        lp, lt = loom_bench(path, args.threads, args.pp, args.tg, args.reps)
        cp, ct = llama_cpp_bench(path, args.threads, args.pp, args.tg, args.reps)
        print(f"| {os.path.basename(path)} | {lp:.1f} | {cp:.1f} | {lp / cp:.2f}x | {lt:.1f} | {ct:.1f} | {lt / ct:.2f}x |",
              flush=True)


if __name__ == "__main__":
    main()
