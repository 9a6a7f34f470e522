#!/usr/bin/env bash
# `loom serve` function calling through the `openai` Python client (tests/e2e/serve_tools_test.py): tools with
# tool_choice "required" / a named function give tool calls whose arguments validate against the tool's
# parameters, streamed and not; a round trip with the tool's result gets a final answer; bad tools are 400s.
# $1: the loom binary. Needs models/SmolLM2-135M-Instruct.Q4_1.gguf, pip openai and jsonschema.
set -uo pipefail
exec python3 tests/e2e/serve_tools_test.py "${1:?usage: serve_tools.sh path/to/loom}"
