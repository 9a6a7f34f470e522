"""loom.ray on a local two-node Ray cluster (a head and one worker node on 127.0.0.1, started and stopped by
the test): 2,000 texts embedded with Ray Data give exactly the vectors of one process."""

from __future__ import annotations

import faulthandler
import os

import numpy as np
import pytest

import loom
import loom.ray

# Ray resolves 127.0.0.1 to the machine's outward address unless this is off (it is meant for laptops: keep
# everything on the loopback), and that address may be unreachable in a sandbox. Set before ray is imported.
os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"

N_TEXTS = 2000
# The whole test, cluster start included, is bounded: past this, the process prints where it was and exits
# with a failure instead of hanging CI.
TIME_LIMIT_S = 900


def corpus() -> list[str]:
    topics = ["the weather", "a football match", "stock prices", "a new phone", "cooking pasta", "a museum"]
    return [f"Text {i}: a short note about {topics[i % len(topics)]}, written {i % 13} times over." + " more" * (i % 9)
            for i in range(N_TEXTS)]


@pytest.fixture(scope="module")
def ray_cluster():
    import ray  # a test dependency (scripts/test.sh installs it): missing is a failure
    from ray.cluster_utils import Cluster

    faulthandler.dump_traceback_later(TIME_LIMIT_S, exit=True)
    node = {"node_ip_address": "127.0.0.1", "num_cpus": 1, "include_dashboard": False}
    cluster = Cluster(initialize_head=True, head_node_args=dict(node))
    try:
        cluster.add_node(**{k: v for k, v in node.items() if k != "include_dashboard"})
        cluster.wait_for_nodes()
        ray.init(address=cluster.address, log_to_driver=False)
        assert cluster.address.startswith("127.0.0.1:")
        yield ray
    finally:
        ray.shutdown()
        cluster.shutdown()  # stops the processes this cluster started, and only those
        faulthandler.cancel_dump_traceback_later()


def test_ray_embedding_equals_one_process(ray_cluster, minilm_path):
    ray = ray_cluster
    assert len([n for n in ray.nodes() if n["Alive"]]) == 2
    texts = corpus()
    expected = loom.Model(minilm_path).embed(texts)

    ds = ray.data.from_items([{"id": i, "text": t} for i, t in enumerate(texts)], override_num_blocks=8)
    ds = ds.map_batches(loom.ray.Embed, fn_constructor_kwargs={"model": minilm_path, "threads": 1},
                        concurrency=2, num_cpus=1, batch_size=125, batch_format="numpy")
    rows = sorted(ds.take_all(), key=lambda r: r["id"])
    assert [r["id"] for r in rows] == list(range(N_TEXTS))
    assert [r["text"] for r in rows] == texts
    got = np.stack([r["embedding"] for r in rows])
    assert got.dtype == np.float32 and got.shape == expected.shape == (N_TEXTS, 384)
    np.testing.assert_array_equal(got, expected)


def test_embed_adapter_without_ray(minilm_path):
    """The adapter itself, as map_batches calls it: numpy, pandas and pyarrow batches, a missing column."""
    import pyarrow as pa

    embed = loom.ray.Embed(minilm_path, column="sentence", output_column="vector")
    texts = ["one", "two words", "three more words"]
    want = loom.Model(minilm_path).embed(texts)
    for batch in ({"sentence": np.array(texts, dtype=object), "n": np.arange(3)},
                  pa.table({"sentence": texts, "n": [0, 1, 2]}),
                  pa.table({"sentence": texts, "n": [0, 1, 2]}).to_pandas()):
        out = embed(batch)
        np.testing.assert_array_equal(out["vector"], want)
        assert list(out["n"]) == [0, 1, 2]
    with pytest.raises(KeyError, match="no column 'sentence'"):
        embed({"text": np.array(texts)})


def test_generate_and_translate_adapters(default_model_path, tiny_seq2seq):
    prompts = np.array(["Once upon a time", "The capital of France is"], dtype=object)
    out = loom.ray.Generate(default_model_path, max_tokens=8, temperature=0)({"text": prompts})
    model = loom.Model(default_model_path)
    assert list(out["completion"]) == [model.generate(p, max_tokens=8, temperature=0).text for p in prompts]
    marian = str(tiny_seq2seq / "marian")
    out = loom.ray.Translate(marian, max_new_tokens=8)({"text": np.array(["Hello world."], dtype=object)})
    assert list(out["translation"]) == loom.Model(marian).translate(["Hello world."], max_new_tokens=8)
