#!/usr/bin/env bash
# `loom serve` with the default model through the `openai` Python client (tests/e2e/serve_openai_test.py):
# completions, chat, streaming, logprobs, n, stop, logit_bias, errors, API key, embeddings, SIGTERM.
# $1: the loom binary. Needs models/SmolLM2-135M-Instruct.Q4_1.gguf and pip openai.
set -uo pipefail
exec python3 tests/e2e/serve_openai_test.py "${1:?usage: serve_openai.sh path/to/loom}"
