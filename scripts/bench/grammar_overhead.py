#!/usr/bin/env python3
"""Decode speed with and without a grammar constraint, same model, same run (interleaved rounds).

Each round: `loom run --json-schema SCHEMA` at temperature 0 (the schema asks for a long, bounded answer, so
the number of generated tokens is fixed by the model's greedy path), then the same prompt unconstrained with
`-n N --ignore-eos` for the same N tokens. Prints tokens/s of both, their ratio, best and median over the
rounds, and `uptime`'s load (a table taken at load > 1.5 is a draft).

  python3 scripts/bench/grammar_overhead.py [--loom build/loom] [--model models/SmolLM2-135M-Instruct.Q4_1.gguf]
         [--rounds 5] [--threads 2]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import tempfile

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


def run(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    m = LINE.search(out.stderr)
    if not m:
        raise SystemExit("no timing line in: " + out.stderr)
    return int(m.group(1)), float(m.group(3))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--loom", default="build/loom")
    ap.add_argument("--model", default="models/SmolLM2-135M-Instruct.Q4_1.gguf")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    base = [a.loom, "run", "-m", a.model, "-t", str(a.threads), "--temp", "0", "--no-display-prompt"]
    print("load before:", os.getloadavg())
    print("| schema | tokens | constrained tok/s (best / median) | unconstrained tok/s (best / median) | ratio (median) |")
    print("|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for name, schema in SCHEMAS.items():
            path = os.path.join(tmp, "schema.json")
            with open(path, "w") as f:
                json.dump(schema, f)
            constrained, free = [], []
            n = 0
            for _ in range(a.rounds):
                n, tps = run(base + ["-n", "1000", "--json-schema", path, PROMPT])
                constrained.append(tps)
                _, tps = run(base + ["-n", str(n), "--ignore-eos", PROMPT])
                free.append(tps)
            ratio = statistics.median(constrained) / statistics.median(free)
            print(f"| {name} | {n} | {max(constrained):.1f} / {statistics.median(constrained):.1f} | "
                  f"{max(free):.1f} / {statistics.median(free):.1f} | {ratio:.2f} |")
    print("load after:", os.getloadavg())


if __name__ == "__main__":
    main()
