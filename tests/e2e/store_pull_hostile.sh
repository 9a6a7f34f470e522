#!/usr/bin/env bash
# `loom pull` against a hostile or odd hub (tests/e2e/hub_server.py on loopback, issue 15 item 6): file names the
# hub lists decide where files land, so "../../../../x.gguf" and "/abs/x.gguf" are refused like typed names and
# nothing is written outside the store; names with '?', '#' and "%2e%2e" are escaped in the URL, so the file
# asked for is the file listed.
# Usage: tests/e2e/store_pull_hostile.sh path/to/loom   (run from the repository root, as ctest does)
set -uo pipefail
loom=$(realpath "${1:?usage: store_pull_hostile.sh path/to/loom}")
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

hub=$tmp/hub
mkdir -p "$hub/acme/odd-names" "$hub/acme/dots/%2e%2e" "$hub/acme/climb" "$hub/acme/absolute" "$tmp/abs"
printf 'odd name\n' >"$hub/acme/odd-names/a?b#c d.gguf"
printf 'dots\n' >"$hub/acme/dots/%2e%2e/x.gguf"

python3 tests/e2e/hub_server.py --root "$hub" --list-extra "acme/climb=../../../../escaped.gguf" \
    --list-extra "acme/absolute=$tmp/abs/escaped.gguf" >"$tmp/port" 2>"$tmp/server.err" &
server_pid=$!
for _ in $(seq 50); do grep -q PORT "$tmp/port" && break; sleep 0.1; done
port=$(awk '/PORT/ {print $2}' "$tmp/port")
[ -n "$port" ] || { echo "FAIL: hub server did not start: $(cat "$tmp/server.err")"; exit 1; }
export LOOM_HF_ENDPOINT="http://127.0.0.1:$port"
unset HF_TOKEN
store=$tmp/store/root
mkdir -p "$store"

# 1. Names that climb out of the repo folder or are absolute: one error line, nothing written anywhere.
for repo in climb absolute; do
    "$loom" pull --store "$store" -q "hf:acme/$repo" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 1 ] || fail "pull hf:acme/$repo: exit $rc, expected 1"
    [ "$(grep -c "^loom: error:" "$tmp/err")" -eq 1 ] || fail "pull hf:acme/$repo: $(cat "$tmp/err")"
    grep -q "^loom: error:.*lists the file.*outside the store" "$tmp/err" ||
        fail "pull hf:acme/$repo: the error does not name the listed file: $(cat "$tmp/err")"
done
escaped=$(find "$tmp" -name 'escaped*' | head -5)
[ -z "$escaped" ] || fail "a hub-listed name wrote outside the store: $escaped"

# 2. '?', '#' and ' ' are data in a file name, not URL syntax.
if "$loom" pull --store "$store" -q "hf:acme/odd-names" >"$tmp/out" 2>"$tmp/err"; then
    cmp -s "$store/hf/acme/odd-names/a?b#c d.gguf" "$hub/acme/odd-names/a?b#c d.gguf" ||
        fail "the odd-named file differs from the hub's"
else
    fail "pull hf:acme/odd-names: $(cat "$tmp/err")"
fi
# 3. A folder literally named "%2e%2e": the hub must be asked for it, not for "../x.gguf".
if "$loom" pull --store "$store" -q "hf:acme/dots" >"$tmp/out" 2>"$tmp/err"; then
    cmp -s "$store/hf/acme/dots/%2e%2e/x.gguf" "$hub/acme/dots/%2e%2e/x.gguf" ||
        fail "pull hf:acme/dots got another file than '%2e%2e/x.gguf'"
else
    fail "pull hf:acme/dots: $(cat "$tmp/err")"
fi

if [ $failures -gt 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "store_pull_hostile: all checks passed"
