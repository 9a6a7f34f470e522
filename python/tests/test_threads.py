"""The GIL is released while loom computes, concurrent calls are safe, and Ctrl-C stops a long call.

No test here depends on the machine's speed: the GIL test asks whether another Python thread could run *while*
a call was inside loom (it would be shut out for the whole call if the GIL were held), not how fast anything is.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np

SENTENCES = [f"Sentence number {i} talks about topic {i % 7} at some length." for i in range(256)]


def test_other_threads_run_while_embed_computes(minilm):
    minilm.embed(SENTENCES[:2])  # loaded before the measured call
    window = {}
    done = threading.Event()

    def call() -> None:
        window["start"] = time.monotonic()
        minilm.embed(SENTENCES)
        window["end"] = time.monotonic()
        done.set()

    worker = threading.Thread(target=call)
    wakeups = []
    worker.start()
    while not done.is_set():
        time.sleep(0.001)  # sleeping lets the worker have the GIL; waking up needs it back
        wakeups.append(time.monotonic())
    worker.join()
    inside = [t for t in wakeups if window["start"] < t < window["end"]]
    # Holding the GIL for the call, the worker would let this thread wake at most around the call's two edges
    # (before it enters loom, after it returns). Released, this thread wakes all along the call.
    assert len(inside) >= 20, f"only {len(inside)} wake-ups while embed ran: is the GIL held?"


def test_two_threads_embedding_at_once_give_the_sequential_vectors(minilm):
    expected = [minilm.embed(SENTENCES[:64]), minilm.embed(SENTENCES[64:128])]
    results = [None, None]

    def call(k: int) -> None:
        results[k] = minilm.embed(SENTENCES[64 * k:64 * (k + 1)])

    threads = [threading.Thread(target=call, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for got, want in zip(results, expected):
        np.testing.assert_array_equal(got, want)


def test_two_threads_generating_on_one_model_take_turns(default_model):
    expected = default_model.generate("Once upon a time", max_tokens=16, temperature=0).text
    results = []
    threads = [threading.Thread(target=lambda: results.append(
        default_model.generate("Once upon a time", max_tokens=16, temperature=0).text)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [expected, expected]


def _interrupted_child(call: str, model_path: str) -> str:
    """Runs `call` in a child Python that sends itself SIGINT once the call is under way; returns its stdout."""
    script = textwrap.dedent(f"""
        import os, signal, sys, threading, time
        import loom
        model = loom.Model({model_path!r})
        started = threading.Event()
        def interrupt():
            started.wait()
            time.sleep(0.5)
            os.kill(os.getpid(), signal.SIGINT)
        threading.Thread(target=interrupt, daemon=True).start()
        try:
            started.set()
            result = {call}
            print("finished")
        except KeyboardInterrupt:
            print("interrupted")
        print("alive")  # the interpreter and the model are fine after the interrupt
        sys.stdout.flush()
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_ctrl_c_stops_a_long_generation(default_model_path):
    # 4,000 tokens take minutes here and tens of seconds on a fast machine: the interrupt comes long before.
    out = _interrupted_child("model.generate('Once', max_tokens=4000, ignore_eos=True, temperature=0)",
                             default_model_path)
    assert out.split() == ["interrupted", "alive"]


def test_ctrl_c_stops_a_long_embedding(minilm_path):
    out = _interrupted_child("model.embed(['a long enough sentence to embed, again and again'] * 100000)",
                             minilm_path)
    assert out.split() == ["interrupted", "alive"]
