#!/usr/bin/env python3
"""Single-thread encode speed, loom vs Hugging Face `tokenizers`, on the same text.

    python3 scripts/bench/tokenizer_speed.py [--loom build/loom] [--text FILE] [--repeat N]

For each tokenizer.json in tests/data/upstream/tokenizers/*/ (and tests/data/tokenizer/tiny/bert_wordpiece.json),
both sides encode the whole text in one call, on one thread (TOKENIZERS_PARALLELISM=false,
RAYON_NUM_THREADS=1); the best of --repeat runs is kept. The default text is botchan.txt (English prose)
concatenated with the tokenizer test corpus until it is about 2 MB. Also prints the load time of each file.
loom's side runs `loom tokenize --tokenizer F --file TEXT --time`, which does the same (one encode call).
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ["TOKENIZERS_PARALLELISM"] = "false"
os.environ["RAYON_NUM_THREADS"] = "1"
from tokenizers import Tokenizer  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHARED = os.path.join(ROOT, "tests", "data", "upstream")


def default_text():
    botchan = open(os.path.join(SHARED, "sentencepiece", "botchan.txt"), encoding="utf-8").read()
    corpus = [json.loads(l)["text"] for l in open(os.path.join(ROOT, "tests/data/tokenizer/corpus.jsonl"),
                                                   encoding="utf-8")]
    parts, size = [], 0
    while size < 2_000_000:
        parts.append(botchan)
        parts.extend(t + "\n" for t in corpus)
        size += len(botchan.encode()) + sum(len(t.encode()) + 1 for t in corpus)
    return "".join(parts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--loom", default=os.path.join(ROOT, "build", "loom"))
    ap.add_argument("--text")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    text = open(args.text, encoding="utf-8").read() if args.text else default_text()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False, encoding="utf-8") as f:
        f.write(text)
        text_path = f.name
    nbytes = len(text.encode("utf-8"))
    files = [(d, os.path.join(SHARED, "tokenizers", d, "tokenizer.json"))
             for d in sorted(os.listdir(os.path.join(SHARED, "tokenizers")))
             if os.path.exists(os.path.join(SHARED, "tokenizers", d, "tokenizer.json"))]
    files.append(("bert_wordpiece", os.path.join(ROOT, "tests/data/tokenizer/tiny/bert_wordpiece.json")))
    print("text: %.2f MB, best of %d runs, one thread" % (nbytes / 1e6, args.repeat))
    print("%-14s %10s %10s %8s %9s %9s %7s" % ("tokenizer", "hf MB/s", "loom MB/s", "ratio", "hf load", "loom load",
                                               "same"))
    for name, path in files:
        t0 = time.perf_counter()
        tok = Tokenizer.from_file(path)
        hf_load = time.perf_counter() - t0
        best = 1e9
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            enc = tok.encode(text)
            best = min(best, time.perf_counter() - t0)
        hf_mbs = nbytes / 1e6 / best
        loom_mbs, loom_load, count = 0.0, 0.0, -1
        for _ in range(args.repeat):
            out = subprocess.run([args.loom, "tokenize", "--tokenizer", path, "--file", text_path, "--time"],
                                 capture_output=True, text=True, check=True).stdout.split()
            fields = dict(zip(out[0::2], out[1::2]))
            loom_mbs = max(loom_mbs, float(fields["mb_per_s"]))
            loom_load = float(fields["load_s"])
            count = int(fields["tokens"])
        print("%-14s %10.2f %10.2f %7.2fx %8.2fs %8.2fs %7s" % (name, hf_mbs, loom_mbs, loom_mbs / hf_mbs, hf_load,
                                                               loom_load, "yes" if count == len(enc.ids) else "NO"))
        sys.stdout.flush()
    os.unlink(text_path)


if __name__ == "__main__":
    main()
