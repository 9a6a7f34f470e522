#!/usr/bin/env python3
"""The Python package's overhead over the `loom` command, same machine, same run, same threads (issue 18):

  embed:    model.embed(256 sentences) vs `loom embed` on the same sentences, the command's process start +
            model load (measured on one sentence) subtracted, as scripts/bench/embed_vs_torch.py does;
  generate: Completion.tokens_per_second vs the tok/s `loom run` prints (decode only, greedy, same prompt).

    python3 scripts/bench/python_overhead.py [--loom build/loom] [--threads 2] [--repeats 5]

Runs alternate (command, Python, command, ...) so that a change in the machine's load hits both; each figure is
the median of --repeats. Needs the loom package installed (pip install ./python).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

import loom

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MINILM = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
DEFAULT = os.path.join(ROOT, "models", "SmolLM2-135M-Instruct.Q4_1.gguf")


def sentences(n):
    """Varied lengths (10 to 60 words), as a corpus has them."""
    topics = ["the weather", "a football match", "stock prices", "a new phone", "cooking pasta", "a museum"]
    return [f"Sentence {i} is a note about {topics[i % len(topics)]}." + " It goes on a little longer" * (i % 9)
            for i in range(n)]


def timed(cmd, **kw):
    start = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True, **kw)
    return time.perf_counter() - start, done


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--loom", default=os.path.join(ROOT, "build", "loom"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--tokens", type=int, default=128)
    a = ap.parse_args()
    t = str(a.threads)

    texts = sentences(256)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(texts) + "\n")
        corpus = f.name
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(texts[0] + "\n")
        one = f.name
    model = loom.Model(MINILM, threads=a.threads)
    model.embed(texts[:2])
    cli_s, py_s = [], []
    for _ in range(a.repeats):
        whole, _ = timed([a.loom, "embed", "-m", MINILM, "-t", t, "-q", "-f", corpus])
        base, _ = timed([a.loom, "embed", "-m", MINILM, "-t", t, "-q", "-f", one])
        cli_s.append(whole - base)
        start = time.perf_counter()
        model.embed(texts)
        py_s.append(time.perf_counter() - start)
    c, p = statistics.median(cli_s), statistics.median(py_s)
    print(f"embed 256 sentences ({a.threads} threads): loom embed {c:.3f} s, model.embed {p:.3f} s, "
          f"python/cli {p / c:.3f}")

    prompt = "The three primary colors are"
    llm = loom.Model(DEFAULT, threads=a.threads)
    llm.generate(prompt, max_tokens=4, temperature=0)
    cli_tps, py_tps = [], []
    for _ in range(a.repeats):
        _, done = timed([a.loom, "run", "-m", DEFAULT, "-t", t, "--temp", "0", "-n", str(a.tokens),
                         "--ignore-eos", "--no-display-prompt", prompt])
        cli_tps.append(float(re.search(r"generated \d+ tokens in [\d.]+ s \(([\d.]+) tok/s\)", done.stderr)[1]))
        py_tps.append(llm.generate(prompt, max_tokens=a.tokens, temperature=0, ignore_eos=True).tokens_per_second)
    c, p = statistics.median(cli_tps), statistics.median(py_tps)
    print(f"generate {a.tokens} tokens ({a.threads} threads): loom run {c:.1f} tok/s, model.generate {p:.1f} tok/s, "
          f"python/cli {p / c:.3f}")
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
