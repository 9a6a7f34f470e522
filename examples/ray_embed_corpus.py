"""Embed a corpus with loom on Ray Data and write the vectors to Parquet.

    python examples/ray_embed_corpus.py --input corpus.txt --output embeddings/ \
        --model models/all-MiniLM-L6-v2 --workers 2 --threads 1

The input: a text file (one text per line) or a Parquet dataset with a "text" column. The output: Parquet files
with the columns id, text and embedding (float32 [dim]). Without --address the script starts Ray on this machine;
with --address (ray://HEAD:10001 or HEAD:6379, or RAY_ADDRESS) it joins an existing cluster, where every node
needs the loom package and the model at the same path (docs/distributed.md).
"""

from __future__ import annotations

import argparse
import time

import ray

import loom.ray


def read_corpus(path: str) -> "ray.data.Dataset":
    if not path.endswith(".txt"):
        return ray.data.read_parquet(path)
    with open(path, encoding="utf-8") as f:
        texts = f.read().splitlines()
    return ray.data.from_items([{"id": i, "text": t} for i, t in enumerate(texts)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--input", required=True, help="a .txt file (one text per line) or Parquet with 'text'")
    parser.add_argument("--output", required=True, help="folder for the Parquet files")
    parser.add_argument("--model", default="models/all-MiniLM-L6-v2", help="an embedding model folder")
    parser.add_argument("--address", default=None, help="Ray cluster to join (default: start one here)")
    parser.add_argument("--workers", type=int, default=2, help="model replicas (Ray actors)")
    parser.add_argument("--threads", type=int, default=1, help="compute threads per replica (its num_cpus)")
    parser.add_argument("--batch-size", type=int, default=256, help="rows per map_batches call")
    args = parser.parse_args()

    ray.init(address=args.address)
    ds = read_corpus(args.input)
    ds = ds.map_batches(loom.ray.Embed, fn_constructor_kwargs={"model": args.model, "threads": args.threads},
                        concurrency=args.workers, num_cpus=args.threads, batch_size=args.batch_size,
                        batch_format="numpy")
    start = time.perf_counter()
    ds.write_parquet(args.output)
    seconds = time.perf_counter() - start
    rows = ray.data.read_parquet(args.output).count()
    print(f"embedded {rows} texts in {seconds:.1f} s ({rows / seconds:.0f} texts/s) -> {args.output}")


if __name__ == "__main__":
    main()
