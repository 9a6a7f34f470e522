#!/usr/bin/env bash
# `loom serve` structured outputs through the `openai` Python client (tests/e2e/serve_structured_test.py):
# response_format json_schema / json_object, llama-server's `grammar`, streaming, and 400s naming the place.
# $1: the loom binary. Needs models/SmolLM2-135M-Instruct.Q4_1.gguf, pip openai and jsonschema.
set -uo pipefail
exec python3 tests/e2e/serve_structured_test.py "${1:?usage: serve_structured.sh path/to/loom}"
