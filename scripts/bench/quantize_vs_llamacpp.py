#!/usr/bin/env python3
"""Quantization quality and speed, loom vs llama.cpp, from the same input file.

1. The source: the default model (SmolLM2-135M-Instruct, GGUF Q4_1) dequantized to F32 by `loom quantize`
   (dequantizing is exact), or --source FILE (any f32/f16 GGUF).
2. Each type is made twice from that one file: `loom quantize SRC OUT TYPE` and llama.cpp's quantizer
   (llama-cpp-python's ctypes binding of llama_model_quantize, with pure=True: every matrix takes the type, as
   loom does; rows that do not split into 256-element super-blocks fall back in both tools).
3. Each file's perplexity on the same text (non-overlapping windows of --ctx tokens, every token after a
   window's first scored) is measured twice: by `loom perplexity` and by llama.cpp (llama-cpp-python eval with
   all logits, the same windows and formula).

    python3 scripts/bench/quantize_vs_llamacpp.py --loom build-store/loom \
        --text tests/data/upstream/sentencepiece/botchan.txt --ctx 256 --chunks 16 --out /tmp/qbench

Prints a Markdown table (for docs/benchmarks.md) and writes it, with the raw JSON, under --out.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import time

import numpy as np

TYPES = ["q8_0", "q6_k", "q5_0", "q4_k", "q4_1", "q4_0"]


def llama_ftype(llama_cpp, name):
    return {
        "f32": llama_cpp.LLAMA_FTYPE_ALL_F32, "f16": llama_cpp.LLAMA_FTYPE_MOSTLY_F16,
        "q8_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q8_0, "q6_k": llama_cpp.LLAMA_FTYPE_MOSTLY_Q6_K,
        "q5_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q5_0, "q5_1": llama_cpp.LLAMA_FTYPE_MOSTLY_Q5_1,
        "q4_k": llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_S, "q4_1": llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_1,
        "q4_0": llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_0,
    }[name]


def llama_quantize(llama_cpp, src, dst, type_name, threads):
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_ftype(llama_cpp, type_name)
    params.nthread = threads
    params.pure = True
    start = time.time()
    rc = llama_cpp.llama_model_quantize(src.encode(), dst.encode(), params)
    if rc != 0:
        raise RuntimeError(f"llama_model_quantize({type_name}) returned {rc}")
    return time.time() - start


def loom_quantize(loom, src, dst, type_name, threads):
    start = time.time()
    subprocess.run([loom, "quantize", src, dst, type_name, "-t", str(threads)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.time() - start


def loom_perplexity(loom, model, text, ctx, chunks, threads):
    out = subprocess.run([loom, "perplexity", "-m", model, "-f", text, "-c", str(ctx), "--chunks", str(chunks),
                          "-t", str(threads), "--json"], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def llama_perplexity(model, text, ctx, chunks, threads):
    from llama_cpp import Llama
    llm = Llama(model_path=model, n_ctx=ctx, n_batch=ctx, logits_all=True, n_threads=threads, verbose=False)
    with open(text, encoding="utf-8") as f:
        tokens = llm.tokenize(f.read().encode("utf-8"), add_bos=False, special=False)
    tokens = tokens[: ctx * chunks]
    nll, scored, windows = 0.0, 0, 0
    for begin in range(0, len(tokens), ctx):
        window = tokens[begin: begin + ctx]
        if len(window) < 2:
            break
        llm.reset()
        llm.eval(window)
        logits = np.asarray(llm.scores[: len(window)], dtype=np.float64)  # [n, vocab]
        logits -= logits.max(axis=1, keepdims=True)
        log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
        nll -= sum(log_probs[i, window[i + 1]] for i in range(len(window) - 1))
        scored += len(window) - 1
        windows += 1
    del llm
    return {"perplexity": math.exp(nll / scored), "scored_tokens": scored, "windows": windows}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loom", default="build/loom")
    parser.add_argument("--source", help="f32/f16 GGUF to quantize (default: the default model dequantized)")
    parser.add_argument("--text", default="tests/data/upstream/sentencepiece/botchan.txt")
    parser.add_argument("--ctx", type=int, default=256)
    parser.add_argument("--chunks", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--types", default=",".join(TYPES))
    parser.add_argument("--out", default="/tmp/loom_quantize_bench")
    args = parser.parse_args()
    import llama_cpp

    os.makedirs(args.out, exist_ok=True)
    loom = os.path.abspath(args.loom)
    source = args.source
    if not source:
        source = os.path.join(args.out, "smollm2-135m-f32.gguf")
        if not os.path.exists(source):
            subprocess.run([loom, "quantize", "models/SmolLM2-135M-Instruct.Q4_1.gguf", source, "f32"], check=True)
    rows = []
    rows.append({"type": "source f32", "loom_size": os.path.getsize(source),
                 "loom_on_loom": loom_perplexity(loom, source, args.text, args.ctx, args.chunks, args.threads),
                 "loom_on_llama": llama_perplexity(source, args.text, args.ctx, args.chunks, args.threads)})
    for t in args.types.split(","):
        mine, theirs = os.path.join(args.out, f"loom-{t}.gguf"), os.path.join(args.out, f"llamacpp-{t}.gguf")
        row = {"type": t,
               "loom_seconds": loom_quantize(loom, source, mine, t, args.threads),
               "llama_seconds": llama_quantize(llama_cpp, source, theirs, t, args.threads),
               "loom_size": os.path.getsize(mine), "llama_size": os.path.getsize(theirs)}
        row["loom_on_loom"] = loom_perplexity(loom, mine, args.text, args.ctx, args.chunks, args.threads)
        row["llama_on_loom"] = loom_perplexity(loom, theirs, args.text, args.ctx, args.chunks, args.threads)
        row["loom_on_llama"] = llama_perplexity(mine, args.text, args.ctx, args.chunks, args.threads)
        row["llama_on_llama"] = llama_perplexity(theirs, args.text, args.ctx, args.chunks, args.threads)
        rows.append(row)
        print(json.dumps(row), file=sys.stderr, flush=True)

    mib = lambda b: f"{b / 2**20:.1f}"
    lines = ["| type | file by | size MiB | quantize s | ppl (loom) | ppl (llama.cpp) |",
             "|------|---------|---------:|-----------:|-----------:|----------------:|"]
    src = rows[0]
    lines.append(f"| f32 (source) | loom (dequantized Q4_1) | {mib(src['loom_size'])} | - | "
                 f"{src['loom_on_loom']['perplexity']:.4f} | {src['loom_on_llama']['perplexity']:.4f} |")
    for r in rows[1:]:
        lines.append(f"| {r['type']} | loom | {mib(r['loom_size'])} | {r['loom_seconds']:.1f} | "
                     f"{r['loom_on_loom']['perplexity']:.4f} | {r['loom_on_llama']['perplexity']:.4f} |")
        lines.append(f"| {r['type']} | llama.cpp | {mib(r['llama_size'])} | {r['llama_seconds']:.1f} | "
                     f"{r['llama_on_loom']['perplexity']:.4f} | {r['llama_on_llama']['perplexity']:.4f} |")
    scored = src["loom_on_loom"]["scored_tokens"], src["loom_on_llama"]["scored_tokens"]
    lines.append("")
    lines.append(f"Scored tokens: loom {scored[0]}, llama.cpp {scored[1]} ({args.chunks} windows of {args.ctx}).")
    table = "\n".join(lines)
    print(table)
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(table + "\n")
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
