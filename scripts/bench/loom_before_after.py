#!/usr/bin/env python3
"""No-regression check between two loom builds on the encoder and encoder-decoder paths: sentence embeddings
(all-MiniLM-L6-v2, `loom embed`) and translation (the random-weight bench Marian, `loom translate`), the two
binaries interleaved (before, after, before, ...) for --rounds rounds, reporting best and median and the
load average before and after. Use it when a kernel change touches those paths and the peers
(sentence-transformers, CTranslate2) are not installed: if "after" keeps "before"'s speed, the ratios to the
peers in docs/benchmarks.md still hold.

    cp build/loom /tmp/loom-before        # before the change
    ... rebuild ...
    python3 scripts/bench/loom_before_after.py --before /tmp/loom-before --after build/loom [--threads 1,2]

Embedding throughput: sentences/s of the whole command minus a one-sentence run (process start and model
load subtracted, as embed_vs_torch.py does). Translation: loom's own `--timing` report (tokenize + encode +
decode + detokenize after the load), 32 sentences x 32 target tokens, batch 16, greedy.
"""
import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORDS = ("the quick brown fox jumps over a lazy dog while seven bright stars shine above quiet hills and "
         "rivers near old towns where people read books").split()


def sentences(n):
    return [" ".join(WORDS[(i * 5 + j) % len(WORDS)] for j in range(8 + (i * 7) % 17)).capitalize() + "."
            for i in range(n)]


def load():
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def embed_rate(loom, model, threads, many, one, n):
    def run(path):
        t0 = time.perf_counter()
        subprocess.run([loom, "embed", "-m", model, "-f", path, "--batch-size", "32", "-t", str(threads)],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return time.perf_counter() - t0
    return n / max(run(many) - run(one), 1e-9)


def translate_rate(loom, model, threads, path, n_sentences, tokens):
    proc = subprocess.run([loom, "translate", "-m", model, "-f", path, "-n", str(tokens), "--min-new-tokens",
                           str(tokens), "-t", str(threads), "--batch-size", "16", "--timing"],
                          check=True, capture_output=True, text=True)
    seconds = [float(l.split(":")[1]) for l in proc.stderr.splitlines() if l.startswith("translate seconds:")][0]
    return n_sentences * tokens / seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", default=os.path.join(ROOT, "build", "loom"))
    ap.add_argument("--minilm", default=os.path.join(ROOT, "models", "all-MiniLM-L6-v2"))
    ap.add_argument("--threads", default="2", help="comma-separated thread counts")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "goldens", "write_tiny_seq2seq.py"), "--out",
                        tmp, "--bench-marian"], check=True, stdout=subprocess.DEVNULL)
        marian = os.path.join(tmp, "marian-bench")
        texts = sentences(256)
        many, one, src = (os.path.join(tmp, n) for n in ("many.txt", "one.txt", "src.txt"))
        open(many, "w").write("\n".join(texts) + "\n")
        open(one, "w").write(texts[0] + "\n")
        open(src, "w").write("\n".join(texts[:32]) + "\n")
        tests = {
            "embed MiniLM, 256 sentences (sentences/s)":
                lambda loom, t: embed_rate(loom, args.minilm, t, many, one, len(texts)),
            "translate Marian, 32 x 32 tokens (tokens/s)":
                lambda loom, t: translate_rate(loom, marian, t, src, 32, 32),
        }
        print(f"{time.strftime('%Y-%m-%d %H:%M')}; rounds {args.rounds} (before, after, ..., before); "
              f"load before {load()}\n")
        print("| test | threads | before best / median | after best / median | after / before (medians) |")
        print("|---|---|---|---|---|")
        for threads in [int(t) for t in args.threads.split(",")]:
            for name, fn in tests.items():
                before, after = [fn(args.before, threads)], []
                for _ in range(args.rounds):
                    after.append(fn(args.after, threads))
                    before.append(fn(args.before, threads))
                ratio = statistics.median(after) / statistics.median(before)
                print(f"| {name} | {threads} | {max(before):.1f} / {statistics.median(before):.1f} | "
                      f"{max(after):.1f} / {statistics.median(after):.1f} | {ratio:.2f}x |", flush=True)
        print(f"\nload after {load()}")


if __name__ == "__main__":
    main()
