#!/usr/bin/env python3
"""Embedding a corpus on Ray Data: loom.ray.Embed vs sentence-transformers in the same map_batches shape, on the
same local cluster (a head and one worker node on 127.0.0.1, one CPU each, one replica per node, one compute
thread per replica), all-MiniLM-L6-v2, the same texts. The figure for docs/benchmarks.md (issue 18).

    python3 scripts/bench/ray_embed_vs_st.py [--n 2000] [--repeats 3]

Needs ray[data], the loom package, and (for the comparison only) sentence-transformers + torch. Each figure is
the wall time of the whole map_batches pass (actors started, models loaded, all batches embedded, rows
collected), best of --repeats; the engines alternate.
"""
import argparse
import os
import time

import numpy as np

os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"  # keep the local cluster on 127.0.0.1 (python/tests/test_ray.py)
import ray  # noqa: E402
from ray.cluster_utils import Cluster  # noqa: E402

import loom.ray  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MINILM = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")


class SentenceTransformersEmbed:
    """The usual sentence-transformers replica for map_batches (torch limited to one thread, like loom's)."""

    def __init__(self, model: str) -> None:
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(1)
        self.model = SentenceTransformer(model, device="cpu")

    def __call__(self, batch):
        batch["embedding"] = self.model.encode(list(batch["text"]), batch_size=32, convert_to_numpy=True)
        return batch


def corpus(n):
    topics = ["the weather", "a football match", "stock prices", "a new phone", "cooking pasta", "a museum"]
    return [f"Text {i}: a short note about {topics[i % len(topics)]}, written {i % 13} times over." + " more" * (i % 9)
            for i in range(n)]


def run(engine, texts):
    ds = ray.data.from_items([{"id": i, "text": t} for i, t in enumerate(texts)], override_num_blocks=8)
    kwargs = {"model": MINILM, "threads": 1} if engine is loom.ray.Embed else {"model": MINILM}
    ds = ds.map_batches(engine, fn_constructor_kwargs=kwargs, concurrency=2, num_cpus=1, batch_size=125,
                        batch_format="numpy")
    start = time.perf_counter()
    rows = sorted(ds.take_all(), key=lambda r: r["id"])
    seconds = time.perf_counter() - start
    return seconds, np.stack([r["embedding"] for r in rows])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=3)
    a = ap.parse_args()
    node = {"node_ip_address": "127.0.0.1", "num_cpus": 1}
    cluster = Cluster(initialize_head=True, head_node_args={**node, "include_dashboard": False})
    cluster.add_node(**node)
    cluster.wait_for_nodes()
    ray.init(address=cluster.address, log_to_driver=False)
    try:
        texts = corpus(a.n)
        best = {}
        vectors = {}
        for _ in range(a.repeats):
            for name, engine in [("loom", loom.ray.Embed), ("sentence-transformers", SentenceTransformersEmbed)]:
                seconds, vectors[name] = run(engine, texts)
                best[name] = min(best.get(name, float("inf")), seconds)
        for name, seconds in best.items():
            print(f"{name}: {a.n} texts in {seconds:.2f} s ({a.n / seconds:.0f} texts/s)")
        print(f"loom / sentence-transformers speed: {best['sentence-transformers'] / best['loom']:.2f}x")
        cos = np.sum(vectors["loom"] * vectors["sentence-transformers"], axis=1)
        print(f"cosine(loom, sentence-transformers): min {cos.min():.6f}")
        print(f"load average: {os.getloadavg()}")
    finally:
        ray.shutdown()
        cluster.shutdown()


if __name__ == "__main__":
    main()
