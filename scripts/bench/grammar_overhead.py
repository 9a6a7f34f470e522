#!/usr/bin/env python3
"""Decode speed with and without a JSON-schema constraint, and the schema's compile time, in loom and in
llama.cpp (through the `llama_cpp` Python package), same GGUF, same threads, same run, interleaved rounds
(loom, llama.cpp, loom, llama.cpp ...).

loom, each round: `loom run --json-schema SCHEMA` at temperature 0 (the schema asks for a long, bounded answer,
so the number of generated tokens is fixed by the model's greedy path), then the same prompt unconstrained
with `-n N --ignore-eos` for the same N tokens. Compile time = loom's "grammar compiled in" line: schema ->
GBNF -> parsed grammar, vocabulary trie, first step's mask.
llama.cpp, each round: `LlamaGrammar.from_json_schema` (timed: its compile time; llama.cpp has no precomputed
mask, it checks candidates against the grammar at each step), then a streamed greedy completion under the
grammar of at most as many tokens as loom generated in that round, then one unconstrained with the end-of-generation ids banned for the same N tokens. Decode tokens/s
in llama.cpp = (tokens - 1) / (time of the last token - time of the first), so prompt processing is left out.
Prints best / median over the rounds and `uptime` before and after (a table taken at load > 1.5 is a draft).

  python3 scripts/bench/grammar_overhead.py [--loom build/loom] [--model models/SmolLM2-135M-Instruct.Q4_1.gguf]
         [--rounds 5] [--threads 2] [--no-llama-cpp]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile
import time

SCHEMAS = {
    "array of 24 short strings": {"type": "array", "items": {"type": "string", "maxLength": 16},
                                  "minItems": 24, "maxItems": 24},
    "list of people": {"type": "object", "properties": {"people": {"type": "array", "minItems": 8, "maxItems": 8,
        "items": {"type": "object", "properties": {"name": {"type": "string", "maxLength": 20},
                                                   "age": {"type": "integer", "minimum": 0, "maximum": 99},
                                                   "city": {"type": "string", "maxLength": 16}},
                  "required": ["name", "age", "city"], "additionalProperties": False}}},
        "required": ["people"], "additionalProperties": False},
}
PROMPT = "Write the data as JSON:"
LINE = re.compile(r"generated (\d+) tokens in ([\d.]+) s \(([\d.]+) tok/s\)")
COMPILE = re.compile(r"grammar compiled in ([\d.]+) ms")


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def loom_run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    m = LINE.search(out.stderr)
    if not m:
        raise SystemExit("no timing line in: " + out.stderr)
    c = COMPILE.search(out.stderr)
    return int(m.group(1)), float(m.group(3)), float(c.group(1)) if c else None


class LlamaCpp:
    def __init__(self, model, threads):
        import llama_cpp
        self.llama_cpp = llama_cpp
        self.llm = llama_cpp.Llama(model_path=model, n_threads=threads, n_threads_batch=threads, n_ctx=2048,
                                   verbose=False)
        self.banned_ends = {self.llm.token_eos(): -1e9}
        for text in ("<|im_end|>", "<|endoftext|>"):
            ids = self.llm.tokenize(text.encode(), add_bos=False, special=True)
            if len(ids) == 1:
                self.banned_ends[ids[0]] = -1e9

    def compile(self, schema):
        t0 = time.perf_counter()
        grammar = self.llama_cpp.LlamaGrammar.from_json_schema(json.dumps(schema), verbose=False)
        return grammar, (time.perf_counter() - t0) * 1000.0

    def decode(self, max_tokens, grammar=None, ban_end=False):
        times = []
        for chunk in self.llm.create_completion(PROMPT, max_tokens=max_tokens, temperature=0.0, top_k=1, stream=True,
                                                grammar=grammar, logit_bias=self.banned_ends if ban_end else None):
            choice = chunk["choices"][0]
            if choice["text"] or choice["finish_reason"] is None:  # the closing chunk carries no token
                times.append(time.perf_counter())
        self.llm.reset()
        n = len(times)
        return n, (n - 1) / (times[-1] - times[0]) if n > 1 and times[-1] > times[0] else 0.0


def fmt(values):
    return f"{max(values):.1f} / {statistics.median(values):.1f}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--loom", default="build/loom")
    ap.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--no-llama-cpp", action="store_true")
    a = ap.parse_args()
    base = [a.loom, "run", "-m", a.model, "-t", str(a.threads), "--temp", "0", "--no-display-prompt"]
    llama = None if a.no_llama_cpp else LlamaCpp(a.model, a.threads)
    print("load before:", uptime())
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, schema in SCHEMAS.items():
            path = os.path.join(tmp, "schema.json")
            with open(path, "w") as f:
                json.dump(schema, f)
            r = {k: [] for k in ("compile", "constrained", "free", "l_compile", "l_constrained", "l_free")}
            n = ln = 0
            for _ in range(a.rounds):
                n, tps, ms = loom_run(base + ["-n", "1000", "--json-schema", path, PROMPT])
                r["constrained"].append(tps)
                r["compile"].append(ms)
                _, tps, _ = loom_run(base + ["-n", str(n), "--ignore-eos", PROMPT])
                r["free"].append(tps)
                if llama:  # the same number of tokens as loom generated, so the rates compare
                    grammar, ms = llama.compile(schema)
                    r["l_compile"].append(ms)
                    ln, tps = llama.decode(n, grammar=grammar)
                    r["l_constrained"].append(tps)
                    _, tps = llama.decode(ln, ban_end=True)
                    r["l_free"].append(tps)
                print(f"  {name}: " + ", ".join(f"{k} {v[-1]:.1f}" for k, v in r.items() if v), flush=True)
            rows.append((name, n, ln, r))
    print("\nloom (compile ms best / median; tok/s best / median)")
    print("| schema | tokens | compile ms | constrained tok/s | unconstrained tok/s | ratio (median) |")
    print("|---|---|---|---|---|---|")
    for name, n, _, r in rows:
        ratio = statistics.median(r["constrained"]) / statistics.median(r["free"])
        compile_ms = f"{min(r['compile']):.1f} / {statistics.median(r['compile']):.1f}"
        print(f"| {name} | {n} | {compile_ms} | {fmt(r['constrained'])} | {fmt(r['free'])} | {ratio:.2f} |")
    if llama:
        print("\nllama.cpp via llama_cpp (compile = LlamaGrammar.from_json_schema)")
        print("| schema | tokens | compile ms | constrained tok/s | unconstrained tok/s | ratio (median) |")
        print("|---|---|---|---|---|---|")
        for name, _, ln, r in rows:
            ratio = statistics.median(r["l_constrained"]) / statistics.median(r["l_free"])
            compile_ms = f"{min(r['l_compile']):.1f} / {statistics.median(r['l_compile']):.1f}"
            print(f"| {name} | {ln} | {compile_ms} | {fmt(r['l_constrained'])} | {fmt(r['l_free'])} | {ratio:.2f} |")
    print("load after:", uptime())


if __name__ == "__main__":
    main()
