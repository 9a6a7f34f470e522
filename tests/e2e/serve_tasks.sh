#!/usr/bin/env bash
# `loom serve` task routes (tests/e2e/serve_tasks_test.py): /v1/translate, /v1/ner and /v1/attention give what
# `loom translate`, `loom ner` and `loom attention` print for the same input (tiny models regenerated with numpy
# by scripts/goldens/write_tiny_seq2seq.py and write_tiny_encoders.py; the default model for decoder attention),
# and bad requests get OpenAI error objects. $1: the loom binary.
set -uo pipefail
exec python3 tests/e2e/serve_tasks_test.py "${1:?usage: serve_tasks.sh path/to/loom}"
