#!/usr/bin/env python3
"""Fidelity of the fast path, loom vs llama.cpp: KL divergence from the f32 reference on the same file and tokens.

For each GGUF given:
  (a) the reference: `loom perplexity --f32-activations --save-logits REF` (weights dequantized, activations
      f32: matches transformers to f32 rounding) on --text, non-overlapping windows of --ctx tokens, --chunks of
      them; every position after a window's first is scored (not only the second half as llama-perplexity does);
  (b) loom's default path: `loom perplexity --kl-divergence REF` (int8 activations in prefill);
  (c) llama.cpp (llama-cpp-python's Llama with logits_all=True) on the SAME tokens and windows, read from REF,
      each window evaluated from an empty cache; KL(ref || llama.cpp) computed here with the same formula and
      the same renormalised 16-bit reference rows (tasks/logits_file.h describes the file).
Prints a Markdown table (for docs/benchmarks.md). Both engines use --threads threads.

    python3 scripts/bench/kl_vs_llamacpp.py --loom build/loom --ctx 512 --chunks 4 \
        models/SmolLM2-135M-Instruct.Q4_1.gguf /tmp/smollm2-q4_0.gguf /tmp/smollm2-q8_0.gguf /tmp/smollm2-q4_k.gguf
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np


def read_logits_file(path):
    """Header, tokens and a memory map of the rows of a LOOMKLD1 file."""
    with open(path, "rb") as f:
        head = f.read(32)
    if head[:8] != b"LOOMKLD1":
        raise SystemExit(f"{path}: not a loom logits file")
    version, n_vocab = np.frombuffer(head[8:16], dtype="<u4")
    n_ctx, n_tokens = np.frombuffer(head[16:32], dtype="<i8")
    assert version == 1, version
    tokens = np.fromfile(path, dtype="<i4", count=int(n_tokens), offset=32)
    row = np.dtype([("lo", "<f4"), ("step", "<f4"), ("target_logprob", "<f4"), ("argmax", "<i4"),
                    ("q", "<u2", (int(n_vocab),))])
    rows = np.memmap(path, dtype=row, mode="r", offset=32 + 4 * int(n_tokens))
    return int(n_vocab), int(n_ctx), tokens, rows


def windows(n_tokens, n_ctx):
    """(begin, len) of each window, as compute_perplexity cuts them."""
    out = [(b, n_ctx) for b in range(0, n_tokens - n_tokens % n_ctx, n_ctx)]
    if n_tokens % n_ctx >= 2:
        out.append((n_tokens - n_tokens % n_ctx, n_tokens % n_ctx))
    return out


def log_softmax(x):
    x = np.asarray(x, dtype=np.float64)
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


def llama_kl(model, ref_path, threads):
    from llama_cpp import Llama

    n_vocab, n_ctx, tokens, rows = read_logits_file(ref_path)
    llm = Llama(model_path=model, n_ctx=n_ctx, n_batch=n_ctx, logits_all=True, n_threads=threads,
                n_threads_batch=threads, verbose=False)
    assert llm.n_vocab() == n_vocab, (llm.n_vocab(), n_vocab)
    kl, top1, nll, ref_nll = [], 0, 0.0, 0.0
    r = 0
    for begin, length in windows(len(tokens), n_ctx):
        window = [int(t) for t in tokens[begin:begin + length]]
        llm.reset()
        llm.eval(window)
        scores = np.array(llm.scores[: length - 1], dtype=np.float32)  # row i predicts window[i + 1]
        for i in range(0, length - 1, 64):  # 64 rows at a time: [64, n_vocab] float64 temporaries
            logq = log_softmax(scores[i:i + 64])
            ref = rows[r + i:r + min(i + 64, length - 1)]
            logp = ref["lo"][:, None].astype(np.float64) + ref["step"][:, None].astype(np.float64) * ref["q"]
            logp = log_softmax(logp)  # renormalise, as loom's reader does
            kl.extend(np.maximum((np.exp(logp) * (logp - logq)).sum(axis=1), 0.0))
            top1 += int((logq.argmax(axis=1) == ref["argmax"]).sum())
            nll -= logq[np.arange(len(ref)), window[i + 1:i + 1 + len(ref)]].sum()
            ref_nll -= ref["target_logprob"].astype(np.float64).sum()
        r += length - 1
    assert r == len(rows), (r, len(rows))
    kl = np.array(kl)
    return kl, {"kl_mean": kl.mean(), "kl_p99": np.sort(kl)[int(np.ceil(0.99 * len(kl))) - 1], "kl_max": kl.max(),
            "top1_agreement": top1 / len(kl), "perplexity": np.exp(nll / len(kl)),
            "ref_perplexity": np.exp(ref_nll / len(kl)), "scored_tokens": len(kl)}


def loom_json(cmd):
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+")
    ap.add_argument("--loom", default="build/loom")
    ap.add_argument("--text", default="tests/data/upstream/sentencepiece/botchan.txt")
    ap.add_argument("--ctx", type=int, default=512)
    ap.add_argument("--chunks", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--tmp", default=tempfile.gettempdir(), help="where the reference logits file goes")
    args = ap.parse_args()

    lines = ["| model | tokens scored | ref ppl | loom KL mean / p99 | llama.cpp KL mean / p99 | "
             "loom - llama.cpp KL (paired, +- s.e.) | loom top-1 | llama.cpp top-1 | loom ppl | llama.cpp ppl |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for model in args.models:
        ref = os.path.join(args.tmp, f"loom-kl-ref-{os.getpid()}.kld")
        values = os.path.join(args.tmp, f"loom-kl-values-{os.getpid()}.txt")
        try:
            t = ["-t", str(args.threads), "--json"]
            loom_json([args.loom, "perplexity", "-m", model, "-f", args.text, "-c", str(args.ctx), "--chunks",
                       str(args.chunks), "--f32-activations", "--save-logits", ref] + t)
            lo = loom_json([args.loom, "perplexity", "-m", model, "--kl-divergence", ref, "--kl-values", values] + t)
            loom_kl = np.loadtxt(values)
            llama_values, ll = llama_kl(model, ref, args.threads)
        finally:
            for path in (ref, values):
                if os.path.exists(path):
                    os.remove(path)
        # Both engines are scored on the same positions: the difference's standard error is the paired one.
        diff = loom_kl - llama_values
        ll["paired_diff"], ll["paired_diff_se"] = diff.mean(), diff.std(ddof=1) / np.sqrt(len(diff))
        print(json.dumps({"model": model, "loom": lo, "llama.cpp": {k: float(v) for k, v in ll.items()}}),
              file=sys.stderr)
        lines.append(f"| {os.path.basename(model)} | {lo['scored_tokens']} | {lo['ref_perplexity']:.4f} | "
                     f"{lo['kl_mean']:.6f} / {lo['kl_p99']:.5f} | {ll['kl_mean']:.6f} / {ll['kl_p99']:.5f} | "
                     f"{ll['paired_diff']:+.6f} +- {ll['paired_diff_se']:.6f} | "
                     f"{100 * lo['top1_agreement']:.2f}% | {100 * ll['top1_agreement']:.2f}% | "
                     f"{lo['perplexity']:.4f} | {ll['perplexity']:.4f} |")
    print("\n".join(lines))
    print(f"\nload average (uptime): {subprocess.run(['uptime'], stdout=subprocess.PIPE, text=True).stdout.strip()}")


if __name__ == "__main__":
    main()
