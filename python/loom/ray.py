"""loom on Ray Data: callable classes for ray.data.Dataset.map_batches that load the model once per worker.

    import ray, loom.ray
    ds = ray.data.read_parquet("corpus.parquet")                     # a "text" column
    ds = ds.map_batches(loom.ray.Embed, fn_constructor_kwargs={"model": "models/all-MiniLM-L6-v2"},
                        concurrency=4, batch_size=256)               # adds "embedding": float32 [dim] per row
    ds.write_parquet("embeddings/")

Ray builds one instance per actor (worker), so the model is loaded once there and reused for every batch it is
given. Batches come in Ray's "numpy" format (a dict of column arrays) or as a pandas / pyarrow table; the
result is a dict of numpy arrays with the input columns and the new one. This module does not import ray: the
classes are plain Python, testable without a cluster.

threads: the compute threads each worker uses (0: all cores of its machine). With several workers on one
machine, give each cores / workers (Ray's num_cpus per actor is the usual way to keep them apart).
"""

from __future__ import annotations

from typing import Any, Mapping, Optional

import numpy as np

from ._model import Model


def _columns(batch: Any) -> dict[str, np.ndarray]:
    """A Ray batch as a dict of numpy arrays (numpy, pandas or pyarrow batch formats)."""
    if isinstance(batch, Mapping):
        return {k: np.asarray(v) for k, v in batch.items()}
    if hasattr(batch, "to_pydict") and hasattr(batch, "schema"):  # pyarrow.Table
        return {k: np.asarray(v, dtype=object) for k, v in batch.to_pydict().items()}
    if hasattr(batch, "columns") and hasattr(batch, "to_numpy"):  # pandas.DataFrame
        return {k: batch[k].to_numpy() for k in batch.columns}
    raise TypeError(f"unsupported batch type {type(batch).__name__}: use batch_format='numpy'")


class _BatchTask:
    def __init__(self, model: str, *, column: str = "text", output_column: str, threads: int = 0,
                 context: int = 0, **options: Any) -> None:
        self.model = Model(model, threads=threads, context=context)
        self.column = column
        self.output_column = output_column
        self.options = options

    def _texts(self, columns: dict[str, np.ndarray]) -> list[str]:
        if self.column not in columns:
            raise KeyError(f"the batch has no column {self.column!r} (it has {', '.join(columns)}); "
                           f"pass column= to name the text column")
        return [str(t) for t in columns[self.column]]

    def __call__(self, batch: Any) -> dict[str, np.ndarray]:
        columns = _columns(batch)
        texts = self._texts(columns)
        columns[self.output_column] = self._run(texts) if texts else self._empty()
        return columns

    def _run(self, texts: list[str]) -> np.ndarray:
        raise NotImplementedError

    def _empty(self) -> np.ndarray:
        return np.array([], dtype=object)


class Embed(_BatchTask):
    """Adds `output_column` (default "embedding"): each row's float32 vector, as Model.embed computes it.
    Options: batch_size, pooling, normalize, truncate (Model.embed's)."""

    def __init__(self, model: str, *, column: str = "text", output_column: str = "embedding",
                 threads: int = 0, **options: Any) -> None:
        super().__init__(model, column=column, output_column=output_column, threads=threads, **options)

    def _run(self, texts: list[str]) -> np.ndarray:
        return self.model.embed(texts, **self.options)  # [rows, dim]

    def _empty(self) -> np.ndarray:
        return np.zeros((0, 0), dtype=np.float32)


class Translate(_BatchTask):
    """Adds `output_column` (default "translation"): each row's translation (Model.translate's options:
    source_lang, target_lang, max_new_tokens, num_beams, batch_size)."""

    def __init__(self, model: str, *, column: str = "text", output_column: str = "translation",
                 threads: int = 0, **options: Any) -> None:
        super().__init__(model, column=column, output_column=output_column, threads=threads, **options)

    def _run(self, texts: list[str]) -> np.ndarray:
        return np.array(self.model.translate(texts, **self.options), dtype=object)


class Generate(_BatchTask):
    """Adds `output_column` (default "completion"): each row's completion (Model.generate's options; pass
    temperature=0 for reproducible text). chat=True treats each row as one user message (Model.chat)."""

    def __init__(self, model: str, *, column: str = "text", output_column: str = "completion",
                 threads: int = 0, context: int = 0, chat: bool = False, **options: Any) -> None:
        super().__init__(model, column=column, output_column=output_column, threads=threads, context=context,
                         **options)
        self.chat = chat

    def _run(self, texts: list[str]) -> np.ndarray:
        if self.chat:
            out = [self.model.chat([{"role": "user", "content": t}], **self.options).text for t in texts]
        else:
            out = [self.model.generate(t, **self.options).text for t in texts]
        return np.array(out, dtype=object)


__all__ = ["Embed", "Translate", "Generate"]
