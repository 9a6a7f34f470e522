"""loom.Model: the Python face of loom's engine (the C++ side is loom._loom.Engine)."""

from __future__ import annotations

import json
import queue
import threading
from dataclasses import dataclass, field
from typing import Any, Iterator, Mapping, Optional, Sequence, Union

import numpy as np

from ._loom import Engine, LoomError

Message = Mapping[str, str]


@dataclass(frozen=True)
class TokenProbability:
    """One of the most likely next tokens at a step: its id, its text and its probability."""

    id: int
    text: str
    probability: float


@dataclass(frozen=True)
class Completion:
    """What generate() and chat() return. str(completion) is its text."""

    text: str
    """The generated text (cut before a stop string; the prompt is not included)."""
    tokens: list[int]
    """The generated ids (an end-of-generation id is not included)."""
    stop_reason: str
    """Why it ended, as `loom run` reports it: "eog" (an end-of-generation token), "stop string",
    "max tokens", "context full" or "cancelled"."""
    n_prompt: int
    """Tokens in the prompt (after the chat template for chat())."""
    prefill_seconds: float
    decode_seconds: float
    top_probs: list[list[TokenProbability]] = field(default_factory=list)
    """With top_probs=N: for each generated token, the N most likely tokens before it was drawn."""

    def __str__(self) -> str:
        return self.text

    @property
    def tokens_per_second(self) -> float:
        """Generated tokens per second of decoding (as `loom run` prints it)."""
        return len(self.tokens) / self.decode_seconds if self.decode_seconds > 0 else 0.0


@dataclass(frozen=True)
class Tokens:
    """What tokenize(..., offsets=True) returns: ids, their pieces and byte offsets [start, end) into the
    text's UTF-8 bytes (as `loom tokenize` prints them)."""

    ids: list[int]
    pieces: list[str]
    offsets: list[tuple[int, int]]


class Model:
    """A model file or folder, opened by loom: a decoder (GGUF or a causal-LM folder) generates and chats, an
    encoder folder (BERT family) embeds, tags entities and fills masks, an encoder-decoder (Marian, T5)
    translates. Each task's weights are loaded on its first call and kept.

    Model(path_or_name=None, threads=0, context=0)
      path_or_name: a .gguf file, a Hugging Face folder, or a store name as the CLI takes it after -m (a name
        `loom list` prints, hf:ORG/REPO[:FILE]); None: $LOOM_MODEL, else the default model
        (models/SmolLM2-135M-Instruct.Q4_1.gguf), as `loom run` without -m.
      threads: compute threads (0: all cores), like -t. It is a process-wide setting: the last Model made
        sets it.
      context: the decoder's context window in tokens (0: min(trained context, 4096)), like -c.

    Methods release the GIL while they compute, so other Python threads run meanwhile; one model may be used
    from several threads (generation calls on one model take turns). Errors raise loom.LoomError.
    """

    def __init__(self, path_or_name: Optional[str] = None, *, threads: int = 0, context: int = 0) -> None:
        self._engine = Engine(path_or_name or "", threads, context)

    def __repr__(self) -> str:
        return f"loom.Model({self.path!r})"

    @property
    def path(self) -> str:
        """The file or folder the name resolved to."""
        return self._engine.path

    @property
    def info(self) -> dict[str, Any]:
        """Architecture, kind ("decoder", "encoder", "encoder-decoder"), format and hyperparameters."""
        return json.loads(self._engine.info_json())

    # --- tokens ---------------------------------------------------------------------------------------
    def tokenize(self, text: str, *, add_special_tokens: bool = True, offsets: bool = False
                 ) -> Union[list[int], Tokens]:
        """The token ids of `text`, as `loom tokenize -m MODEL --ids` (add_special_tokens=False: as
        --no-special). offsets=True returns Tokens (ids, pieces, byte offsets) instead."""
        ids, spans, pieces = self._engine.tokenize(text, add_special_tokens)
        if offsets:
            return Tokens(list(ids), list(pieces), [tuple(s) for s in spans])
        return list(ids)

    def detokenize(self, ids: Sequence[int], *, skip_special_tokens: bool = True) -> str:
        """The text of `ids`, as `loom detokenize` (skip_special_tokens=False: as --keep-special)."""
        return self._engine.detokenize(list(ids), skip_special_tokens)

    # --- generation -----------------------------------------------------------------------------------
    def generate(self, prompt: str, *, max_tokens: int = 128, temperature: float = 0.8, top_k: int = 40,
                 top_p: float = 0.95, min_p: float = 0.05, repeat_penalty: float = 1.0,
                 repeat_last_n: int = 64, seed: int = -1, stop: Union[str, Sequence[str], None] = None,
                 top_probs: int = 0, ignore_eos: bool = False) -> Completion:
        """Completes `prompt` as `loom run` does (same defaults: -n 128, llama.cpp's sampling; temperature=0
        is greedy; seed=-1 draws a random seed). stop: a string or strings that end the text (not included).
        top_probs=N also returns, per generated token, the N most likely tokens and their probabilities.
        max_tokens=-1 generates until the context window is full."""
        return self._complete(prompt, "", locals())

    def chat(self, messages: Sequence[Message], **options: Any) -> Completion:
        """The assistant's reply to `messages` ([{"role": "system"|"user"|"assistant", "content": ...}]),
        rendered with the model's own chat template as `loom chat` renders a turn. Takes generate()'s
        keyword options."""
        return self._complete("", _messages_json(messages), _generate_options(options))

    def stream(self, prompt: Optional[str] = None, *, messages: Optional[Sequence[Message]] = None,
               **options: Any) -> Iterator[str]:
        """Yields the text of generate(prompt, ...) (or of chat(messages, ...)) piece by piece as it is
        generated; pieces never split a UTF-8 character. Leaving the loop early stops the generation."""
        if (prompt is None) == (messages is None):
            raise TypeError("stream() takes either a prompt or messages=")
        options = _generate_options(options)
        messages_json = "" if messages is None else _messages_json(messages)
        return _TokenStream(self, prompt or "", messages_json, options)

    def _complete(self, prompt: str, messages_json: str, options: Mapping[str, Any],
                  on_step: Any = None) -> Completion:
        o = _generate_options({k: v for k, v in options.items() if k not in ("self", "prompt")})
        stop = o["stop"]
        stop_list = [] if stop is None else [stop] if isinstance(stop, str) else list(stop)
        r = self._engine.generate(prompt, messages_json, o["max_tokens"], o["temperature"], o["top_k"],
                                  o["top_p"], o["min_p"], o["repeat_penalty"], o["repeat_last_n"], o["seed"],
                                  stop_list, o["top_probs"], o["ignore_eos"], on_step)
        top = []
        if r["top_probs"]:
            top = [[TokenProbability(i, self.detokenize([i], skip_special_tokens=False), p) for i, p in step]
                   for step in r["top_probs"]]
        return Completion(r["text"], list(r["tokens"]), r["stop_reason"], r["n_prompt"], r["prefill_seconds"],
                          r["decode_seconds"], top)

    # --- encoders -------------------------------------------------------------------------------------
    def embed(self, texts: Union[str, Sequence[str]], *, batch_size: int = 32, pooling: Optional[str] = None,
              normalize: Optional[bool] = None, truncate: bool = True) -> np.ndarray:
        """Sentence embeddings, np.ndarray float32 [len(texts), dim] (one text: [1, dim]), as `loom embed`
        computes them: the folder's pooling and normalisation (sentence-transformers' modules.json) unless
        pooling ("cls", "mean", "max", "mean_sqrt_len") or normalize say otherwise. truncate=False: a text
        longer than the model allows is an error instead of being cut."""
        if isinstance(texts, str):
            texts = [texts]
        return self._engine.embed(list(texts), batch_size, pooling or "", normalize, truncate)

    def ner(self, text: str, *, aggregation: str = "simple") -> list[dict[str, Any]]:
        """Named entities, as `loom ner` and Hugging Face's token-classification pipeline return them:
        [{"entity_group", "score", "word", "start", "end"}] (aggregation "none": "entity" and "index").
        start/end are character offsets into `text`."""
        return json.loads(self._engine.ner_json(text, aggregation))

    def fill_mask(self, text: str, *, top_k: int = 5) -> list[Any]:
        """The most likely tokens for the mask in `text` ([MASK] or <mask>), as `loom fill-mask`:
        [{"score", "token", "token_str", "sequence"}]; with several masks, one such list per mask."""
        return json.loads(self._engine.fill_mask_json(text, top_k))

    def translate(self, texts: Union[str, Sequence[str]], *, source_lang: str = "", target_lang: str = "",
                  max_new_tokens: int = 256, num_beams: int = 1, batch_size: int = 16,
                  truncate: bool = False) -> Union[str, list[str]]:
        """Translations with a Marian or T5 folder, as `loom translate` (greedy; num_beams > 1: beam search).
        T5 needs source_lang and target_lang ("en", "de", ...); Marian checks them against its pair. One
        string in: one string out; a list in: a list out."""
        single = isinstance(texts, str)
        out = self._engine.translate([texts] if single else list(texts), source_lang, target_lang,
                                     max_new_tokens, num_beams, batch_size, truncate)
        return out[0] if single else list(out)

    def attention(self, text: str, *, layers: str = "all", heads: str = "all") -> np.ndarray:
        """The softmax attention weights while the model reads `text` (decoders: the prompt with its BOS;
        encoders: with their special tokens): np.ndarray float32 [layers, heads, T, T], as `loom attention`
        records them. layers / heads select some ("0,2-4,-1"), which bounds memory (4 * L * H * T^2 bytes)."""
        weights, _, _, _ = self._engine.attention(text, layers, heads)
        return weights


_GENERATE_DEFAULTS = dict(max_tokens=128, temperature=0.8, top_k=40, top_p=0.95, min_p=0.05,
                          repeat_penalty=1.0, repeat_last_n=64, seed=-1, stop=None, top_probs=0,
                          ignore_eos=False)


def _generate_options(options: Mapping[str, Any]) -> dict[str, Any]:
    unknown = set(options) - set(_GENERATE_DEFAULTS)
    if unknown:
        raise TypeError(f"unknown generation option(s): {', '.join(sorted(unknown))}; "
                        f"known: {', '.join(_GENERATE_DEFAULTS)}")
    return {**_GENERATE_DEFAULTS, **options}


def _messages_json(messages: Sequence[Message]) -> str:
    if isinstance(messages, (str, bytes)) or not all(isinstance(m, Mapping) for m in messages):
        raise TypeError('messages must be a list of {"role": ..., "content": ...} dicts')
    return json.dumps([dict(m) for m in messages])


class _TokenStream:
    """The iterator stream() returns: the generation runs on a helper thread (without the GIL) and hands each
    piece of text over a queue. Closing the iterator, or dropping it (leaving a for loop early), stops the
    generation before the next token: the helper thread holds no reference to this object, so that it is
    freed as soon as its consumer lets go of it."""

    def __init__(self, model: Model, prompt: str, messages_json: str, options: dict[str, Any]) -> None:
        pieces: queue.Queue = queue.Queue()
        stopped = threading.Event()
        outcome: dict[str, Any] = {}

        def on_step(token: int, text: str, top: Any) -> bool:
            if text:
                pieces.put(text)
            return not stopped.is_set()

        def run() -> None:
            try:
                outcome["completion"] = model._complete(prompt, messages_json, options, on_step)
            except BaseException as e:  # handed to the consumer
                outcome["error"] = e
            finally:
                pieces.put(_STREAM_END)

        self._queue, self._stopped, self._outcome = pieces, stopped, outcome
        self._thread = threading.Thread(target=run, name="loom-stream", daemon=True)
        self._thread.start()

    @property
    def completion(self) -> Optional[Completion]:
        """The whole Completion once the stream has ended (None before)."""
        return self._outcome.get("completion")

    def __iter__(self) -> "_TokenStream":
        return self

    def __next__(self) -> str:
        try:
            item = self._queue.get()
        except BaseException:  # Ctrl-C while waiting: stop the generation too
            self._stopped.set()
            raise
        if item is _STREAM_END:
            self._thread.join()
            if "error" in self._outcome:
                raise self._outcome["error"]
            raise StopIteration
        return item

    def close(self) -> None:
        """Stops the generation (at the next token) and waits for it to end."""
        self._stopped.set()
        self._thread.join()

    def __del__(self) -> None:
        self._stopped.set()


_STREAM_END = object()
