#!/usr/bin/env bash
# docs/cli.md lists every flag of every command and nothing else: compared with `loom COMMAND --help` by
# cli_docs_check.py (both ways), and the check itself must catch a missing and an extra row.
# Usage: tests/e2e/cli_docs.sh path/to/loom   (run from the repository root, as ctest does)
set -uo pipefail
loom=${1:?usage: cli_docs.sh path/to/loom}
here=$(dirname "$0")
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

python3 "$here/cli_docs_check.py" "$loom" docs/cli.md || fail "docs/cli.md and --help disagree (above)"

# The check can fail: a row removed (a flag without docs) and a row added (docs without a flag) are caught.
grep -v '^| `--top-probs`' docs/cli.md >"$tmp/missing.md"
python3 "$here/cli_docs_check.py" "$loom" "$tmp/missing.md" >"$tmp/out" && fail "a missing --top-probs row was not caught"
grep -q "loom run --top-probs: in --help but not in" "$tmp/out" || fail "missing row: $(cat "$tmp/out")"
sed 's/^| `--top-probs`/| `--no-such-flag` |  | off | x |\n&/' docs/cli.md >"$tmp/extra.md"
python3 "$here/cli_docs_check.py" "$loom" "$tmp/extra.md" >"$tmp/out" && fail "an extra --no-such-flag row was not caught"
grep -q "loom run --no-such-flag: in .* but not in --help" "$tmp/out" || fail "extra row: $(cat "$tmp/out")"

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "cli_docs: all passed"
