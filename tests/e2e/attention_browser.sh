#!/usr/bin/env bash
# End-to-end in a browser: `loom attention` writes attention.html for the tiny random BERT (numpy-only writer),
# then tests/e2e/attention_browser.py opens it in headless Chromium (selenium) and checks it renders and that
# hovering a token changes the highlight. $1: the loom binary. Needs chromium, chromium-driver, pip selenium.
set -uo pipefail
loom="$1"
fail() { echo "attention_browser: FAIL: $*" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 scripts/goldens/write_tiny_encoders.py "$tmp/enc" > /dev/null || fail "could not write the tiny encoders"
"$loom" attention -m "$tmp/enc/bert" -o "$tmp/out" -t 2 "john visited the museum in paris" > /dev/null \
    2> "$tmp/err" || fail "loom attention exited $?: $(cat "$tmp/err")"
python3 tests/e2e/attention_browser.py "$tmp/out/attention.html"
