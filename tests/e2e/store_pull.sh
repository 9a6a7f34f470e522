#!/usr/bin/env bash
# `loom pull` / `list` / `rm` end to end against tests/e2e/hub_server.py on loopback (no internet):
# an interrupted transfer resumed (in one pull, and from a .part an earlier pull left) gives a byte-identical
# file; a wrong sha256 fails with a clear message and leaves no file; 404, a gated repo without / with a
# wrong token, and an unreachable endpoint each give one "loom: error:" line and exit 1.
# Usage: tests/e2e/store_pull.sh path/to/loom   (run from the repository root, as ctest does)
set -uo pipefail
loom=$(realpath "${1:?usage: store_pull.sh path/to/loom}")
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
server_pid=""
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

# The hub's repositories: a tiny LLaMA folder (numpy-only writer) and the GGUF loom converts from it.
python3 scripts/goldens/write_tiny_weights.py --out "$tmp/tiny" >/dev/null || { echo "FAIL: tiny weights"; exit 1; }
hub=$tmp/hub
mkdir -p "$hub/acme/tiny-llama" "$hub/acme/tiny-llama-gguf" "$hub/acme/gated-llama" "$hub/acme/corrupt"
cp "$tmp/tiny/llama/config.json" "$tmp/tiny/llama/model.safetensors" "$hub/acme/tiny-llama/"
"$loom" convert "$tmp/tiny/llama" -o "$hub/acme/tiny-llama-gguf/tiny-llama-f32.gguf" --type f32 >/dev/null 2>&1 ||
    { echo "FAIL: convert for the hub fixture"; exit 1; }
cp "$hub/acme/tiny-llama-gguf/tiny-llama-f32.gguf" "$hub/acme/gated-llama/"
cp "$hub/acme/tiny-llama-gguf/tiny-llama-f32.gguf" "$hub/acme/corrupt/"

python3 tests/e2e/hub_server.py --root "$hub" --gated acme/gated-llama --token s3cret --drop-after 100000 \
    --lie-sha256 acme/corrupt/tiny-llama-f32.gguf >"$tmp/port" 2>"$tmp/server.err" &
server_pid=$!
for _ in $(seq 50); do grep -q PORT "$tmp/port" && break; sleep 0.1; done
port=$(awk '/PORT/ {print $2}' "$tmp/port")
[ -n "$port" ] || { echo "FAIL: hub server did not start: $(cat "$tmp/server.err")"; exit 1; }
export LOOM_HF_ENDPOINT="http://127.0.0.1:$port"
unset HF_TOKEN
store=$tmp/store

# pull NAME: exit 0 expected.
pull_ok() {
    if ! "$loom" pull --store "$store" "$@" >"$tmp/out" 2>"$tmp/err"; then fail "pull $* failed: $(cat "$tmp/err")"; fi
}
# pull_error PATTERN NAME: exit 1, one "loom: error:" line on stderr that contains PATTERN.
pull_error() {
    local pattern=$1; shift
    "$loom" pull --store "$store" -q "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    [ $rc -eq 1 ] || fail "pull $*: exit $rc, expected 1"
    local last
    last=$(grep "^loom: error:" "$tmp/err")
    [ "$(grep -c "^loom: error:" "$tmp/err")" -eq 1 ] || fail "pull $*: expected one error line, got: $(cat "$tmp/err")"
    echo "$last" | grep -q -- "$pattern" || fail "pull $*: error '$last' does not say '$pattern'"
}

# 1. A GGUF repo; the server cuts the first transfer at 100000 bytes: the pull resumes and the file is identical.
pull_ok hf:acme/tiny-llama-gguf
got=$store/hf/acme/tiny-llama-gguf/tiny-llama-f32.gguf
cmp -s "$got" "$hub/acme/tiny-llama-gguf/tiny-llama-f32.gguf" || fail "resumed GGUF differs from the hub's"
grep -q "resuming at byte 100000" "$tmp/err" || fail "no resume after the dropped connection: $(cat "$tmp/err")"
[ "$(cat "$tmp/out")" = "$got" ] || fail "pull printed '$(cat "$tmp/out")', expected $got"
# A store name works as -m (resolved in $LOOM_HOME): --dry-run exits 0 (fits) or 2 (does not), never 1.
LOOM_HOME="$store" "$loom" run -m hf:acme/tiny-llama-gguf:tiny-llama-f32.gguf --dry-run "x" >"$tmp/out" 2>"$tmp/err"
rc=$?
{ [ $rc -eq 0 ] || [ $rc -eq 2 ]; } || fail "run -m hf:acme/tiny-llama-gguf:tiny-llama-f32.gguf --dry-run: exit $rc: $(cat "$tmp/err")"
# A name not pulled: inspect and run --offline name `loom pull`; run without --offline tries to pull it (404).
LOOM_HOME="$store" "$loom" inspect hf:acme/not-pulled >"$tmp/out" 2>"$tmp/err"
grep -q "^loom: error:.*not in the store.*loom pull" "$tmp/err" || fail "inspect hf:acme/not-pulled: $(cat "$tmp/err")"
LOOM_HOME="$store" "$loom" run --offline -m hf:acme/not-pulled "x" >"$tmp/out" 2>"$tmp/err"
grep -q "^loom: error:.*not in the store.*loom pull" "$tmp/err" || fail "run --offline -m hf:acme/not-pulled: $(cat "$tmp/err")"
LOOM_HOME="$store" "$loom" run -m hf:acme/not-pulled "x" >"$tmp/out" 2>"$tmp/err"
grep -q "^loom: error:.*not found" "$tmp/err" || fail "run -m hf:acme/not-pulled (auto-pull of a missing repo): $(cat "$tmp/err")"

# 2. A .part left by an earlier interrupted pull is resumed with a Range request.
head -c 54321 "$hub/acme/tiny-llama/model.safetensors" >"$tmp/prefix"
mkdir -p "$store/hf/acme/tiny-llama" && cp "$tmp/prefix" "$store/hf/acme/tiny-llama/model.safetensors.part"
pull_ok hf:acme/tiny-llama
grep -q "resuming at byte 54321" "$tmp/err" || fail "the existing .part was not resumed: $(cat "$tmp/err")"
for f in config.json model.safetensors; do
    cmp -s "$store/hf/acme/tiny-llama/$f" "$hub/acme/tiny-llama/$f" || fail "folder file $f differs"
done
[ -e "$store/hf/acme/tiny-llama/model.safetensors.part" ] && fail ".part left after a complete pull"

# 3. Pulling again downloads nothing.
pull_ok hf:acme/tiny-llama
grep -q "0 file(s) downloaded, 2 already present" "$tmp/err" || fail "second pull re-downloaded: $(cat "$tmp/err")"

# 4. A corrupted download (the metadata's sha256 differs) fails and leaves no file.
pull_error "sha256 mismatch" hf:acme/corrupt
ls "$store/hf/acme/corrupt/" 2>/dev/null | grep -q . && fail "corrupted download left a file: $(ls "$store/hf/acme/corrupt/")"

# 5. Not found: a repo, a file.
pull_error "not found" hf:acme/no-such-model
pull_error "has no file 'missing.gguf'" hf:acme/tiny-llama-gguf:missing.gguf
# 6. Gated: no token (401), a wrong token (403), the right token.
pull_error "gated or private.*HF_TOKEN" hf:acme/gated-llama
HF_TOKEN=wrong pull_error "access denied" hf:acme/gated-llama
HF_TOKEN=s3cret pull_ok hf:acme/gated-llama
cmp -s "$store/hf/acme/gated-llama/tiny-llama-f32.gguf" "$hub/acme/gated-llama/tiny-llama-f32.gguf" ||
    fail "gated pull with the token differs"
# 7. Offline: nothing listens on the endpoint.
LOOM_HF_ENDPOINT=http://127.0.0.1:9 pull_error "cannot reach" hf:acme/tiny-llama
# 8. Malformed names.
pull_error "expected hf:ORG/REPO" hf:just-a-name

# 9. list shows what was pulled; the pulled GGUF runs; rm removes it.
"$loom" list --store "$store" >"$tmp/list" 2>&1 || fail "list failed: $(cat "$tmp/list")"
for name in "hf:acme/tiny-llama " "hf:acme/tiny-llama-gguf:tiny-llama-f32.gguf" "hf:acme/gated-llama:"; do
    grep -q -- "$name" "$tmp/list" || fail "list has no '$name': $(cat "$tmp/list")"
done
grep -q "gguf F32 (llama)" "$tmp/list" || fail "list does not give the GGUF's type: $(cat "$tmp/list")"
LOOM_HOME=$store "$loom" list --json >"$tmp/list.json" 2>&1 || fail "list --json with LOOM_HOME failed"
python3 -c 'import json,sys; names=[m["name"] for m in json.load(open(sys.argv[1]))]; assert "hf:acme/tiny-llama" in names, names' \
    "$tmp/list.json" || fail "LOOM_HOME store not listed as JSON"
"$loom" rm --store "$store" hf:acme/tiny-llama >/dev/null 2>"$tmp/err" || fail "rm failed: $(cat "$tmp/err")"
[ -e "$store/hf/acme/tiny-llama" ] && fail "rm left the folder"
"$loom" list --store "$store" | grep -q "hf:acme/tiny-llama " && fail "rm'd model still listed"
"$loom" rm --store "$store" hf:acme/tiny-llama >/dev/null 2>&1 && fail "rm of a missing model succeeded"

if [ $failures -gt 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "store_pull: all checks passed"
