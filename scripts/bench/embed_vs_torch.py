#!/usr/bin/env python3
"""Sentences per second embedding batches of 32 with all-MiniLM-L6-v2: loom vs sentence-transformers (torch) vs
plain transformers (AutoModel + mean pooling + normalize), same machine, same run, same thread count.

    scripts/fetch_minilm.sh && python3 scripts/bench/embed_vs_torch.py [--loom build/loom] [--threads 2] [--n 512]

loom runs as a subprocess (`loom embed --file`); its model-load + process start time is measured separately
(one sentence) and subtracted, so the three figures compare embedding throughput only. Each figure is the best
of --repeats runs.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def sentences(n):
    sys.path.insert(0, os.path.join(ROOT, "scripts", "goldens"))
    from make_encoder_goldens import minilm_sentences  # the golden sentences: varied lengths

    base = minilm_sentences()
    return [base[i % len(base)] for i in range(n)]


def best_of(repeats, fn):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--loom", default=os.path.join(ROOT, "build", "loom"))
    ap.add_argument("--model", default=os.path.join(ROOT, "models", "all-MiniLM-L6-v2"))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--n", type=int, default=512)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    texts = sentences(args.n)

    import torch

    torch.set_num_threads(args.threads)
    from sentence_transformers import SentenceTransformer
    from transformers import AutoModel, AutoTokenizer

    results = {}
    st = SentenceTransformer(args.model, device="cpu")
    st.encode(texts[:32], batch_size=args.batch)  # warm up
    results["sentence-transformers (torch)"] = best_of(
        args.repeats, lambda: st.encode(texts, batch_size=args.batch, convert_to_numpy=True))

    tok = AutoTokenizer.from_pretrained(args.model)
    model = AutoModel.from_pretrained(args.model).eval()

    def plain():
        with torch.inference_mode():
            for i in range(0, len(texts), args.batch):
                enc = tok(texts[i:i + args.batch], padding=True, truncation=True, max_length=256,
                          return_tensors="pt")
                h = model(**enc).last_hidden_state
                m = enc["attention_mask"].unsqueeze(-1).float()
                v = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
                torch.nn.functional.normalize(v, dim=-1)

    plain()
    results["transformers (torch, mean pool)"] = best_of(args.repeats, plain)

    env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "texts.txt")
        with open(path, "w") as f:
            f.write("\n".join(t.replace("\n", " ") for t in texts) + "\n")
        one = os.path.join(tmp, "one.txt")
        with open(one, "w") as f:
            f.write(texts[0] + "\n")
        run = lambda p: subprocess.run([args.loom, "embed", "-m", args.model, "--file", p,  # noqa: E731
                                        "--batch-size", str(args.batch)], env=env, check=True,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        startup = best_of(args.repeats, lambda: run(one))
        total = best_of(args.repeats, lambda: run(path))
        results["loom"] = max(total - startup, 1e-9)
        print(f"loom process start + model load: {startup * 1000:.0f} ms (subtracted)")

    print(f"{len(texts)} sentences, batches of {args.batch}, {args.threads} threads, CPU: {cpu_name()}")
    for name, seconds in results.items():
        print(f"  {name:34s} {len(texts) / seconds:8.1f} sentences/s")


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown"


if __name__ == "__main__":
    main()
