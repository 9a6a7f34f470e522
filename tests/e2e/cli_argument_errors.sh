#!/usr/bin/env bash
# Command-line mistakes answered in loom's own format (tools/loom/argument_errors.h): exit code 1 and one
# "loom: error: ..." line naming what is wrong (with "did you mean" for a typo); `loom` and `loom help` list
# the commands; --help exits 0. Every numeric option of every command (found in its --help) is range-checked
# with a readable range, so "-1" never wraps and 1.797e308 never shows. Needs no model: parsing comes first.
# Usage: tests/e2e/cli_argument_errors.sh path/to/loom
set -uo pipefail
loom=${1:?usage: cli_argument_errors.sh path/to/loom}
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect_argument_error WHAT ARGS...: exit 1, exactly one stderr line, "loom: error: ...WHAT", no CLI11 wording.
expect_argument_error() {
    local what=$1; shift
    # A time limit only so that a broken build (a server that starts, a long generation) fails instead of hanging.
    timeout "${LOOM_TEST_HANG_LIMIT:-120}" "$loom" "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
    local rc=$?
    [ "$rc" -eq 1 ] || fail "loom $*: exit $rc, expected 1 ($(cat "$tmp/err"))"
    [ "$(wc -l <"$tmp/err")" -eq 1 ] || fail "loom $*: expected one stderr line, got: $(cat "$tmp/err")"
    grep -q "^loom: error: .*$what" "$tmp/err" || fail "loom $*: stderr lacks 'loom: error: ...$what': $(cat "$tmp/err")"
    ! grep -qi "1797\|e+308\|subcommand is required\|not expected\|Could not convert" "$tmp/err" ||
        fail "loom $*: CLI11 wording leaked: $(cat "$tmp/err")"
    [ ! -s "$tmp/out" ] || fail "loom $*: wrote to stdout: $(head -c 200 "$tmp/out")"
}

# 1. `loom` and `loom help`: the command list (name and summary) on stdout, exit 0.
for args in "" "help"; do
    # shellcheck disable=SC2086
    "$loom" $args >"$tmp/out" 2>"$tmp/err" </dev/null || fail "'loom $args' exited $?: $(cat "$tmp/err")"
    for cmd in run chat serve embed search translate tokenize inspect; do
        grep -Eq "^  $cmd +[a-zA-Z]" "$tmp/out" || fail "'loom $args' does not list '$cmd' with its summary: $(cat "$tmp/out")"
    done
done
"$loom" help run >"$tmp/out" 2>&1 || fail "'loom help run' exited $?"
grep -q -- "--n-predict" "$tmp/out" || fail "'loom help run' does not show run's options"
"$loom" run --help >"$tmp/out" 2>&1 || fail "'loom run --help' exited $?"
grep -q -- "--ctx-size" "$tmp/out" || fail "'loom run --help' does not show --ctx-size"
"$loom" --help >/dev/null 2>&1 || fail "'loom --help' exited $?"
"$loom" --version >/dev/null 2>&1 || fail "'loom --version' exited $?"

# 2. Unknown commands and options: "did you mean".
expect_argument_error "unknown command 'runn'.*did you mean 'run'" runn "hello"
expect_argument_error "unknown command 'srve'.*did you mean 'serve'" srve
expect_argument_error "unknown command 'frobnicate'" frobnicate
expect_argument_error "unknown option '--tmep'.*did you mean '--temp'" run --tmep 0 "hello"
expect_argument_error "unknown option '--ctx-szie'.*did you mean '--ctx-size'" serve --ctx-szie 64
expect_argument_error "unknown option '--modle'.*did you mean '--model'" embed --modle x "hello"
expect_argument_error "loom run --help" run --tmep 0 "hello"
expect_argument_error "needs a value" run "hello" -n
expect_argument_error "--model is required" embed "hello"

# 3. The defects reported in issue 16, each by name.
expect_argument_error "--top-probs.*-1.*>= 0" run --top-probs -1 "hello"
expect_argument_error "--max-queue.*-1.*>= 0" serve --max-queue -1
expect_argument_error "--port.*99999.*0 to 65535" serve --port 99999
expect_argument_error "--top-k.*0.*>= 1" search -m x -f y -k 0 "q"
expect_argument_error "--batch-size.*0" embed -m x --batch-size 0 "hello"
expect_argument_error "--n-predict.*0" run -n 0 "hello"
expect_argument_error "--top-p.*1.5" run --top-p 1.5 "hello"
expect_argument_error "--threads.*-2" embed -m x -t -2 "hello"

# 4. Every numeric option of every command: too small, too large and not a number are refused by name.
"$loom" help >"$tmp/list" </dev/null
python3 - "$loom" "$tmp/list" <<'PY' || fail "numeric options (above)"
import os, re, subprocess, sys
loom, listing = sys.argv[1], sys.argv[2]
limit = float(os.environ.get("LOOM_TEST_HANG_LIMIT", "120"))
commands = [m.group(1) for m in re.finditer(r"^  ([a-z][a-z-]*) ", open(listing).read(), re.M) if m.group(1) != "help"]
assert len(commands) > 10, commands
bad_values = ["-99999999999", "99999999999999999999", "1e308", "abc", "-1e308"]
problems, checked = [], 0
for cmd in commands:
    help_text = subprocess.run([loom, cmd, "--help"], capture_output=True, text=True).stdout
    if not re.search(r"^\s+-q,--quiet\b", help_text, re.M):
        problems.append(f"loom {cmd}: no -q/--quiet")
    for line in help_text.splitlines():
        m = re.match(r"^\s+((?:-[-\w]+,?)+)\s+(INT|UINT|FLOAT|NUMBER)\b", line)
        if not m:
            continue
        names = m.group(1).split(",")
        flag = names[-1]
        for value in bad_values:
            if value in ("-99999999999", "99999999999999999999") and m.group(2) == "FLOAT":
                value = "-1e12" if value.startswith("-") else "1e300"
            try:  # the time limit only turns a hang (a server that starts) into a failure
                r = subprocess.run([loom, cmd, f"{flag}={value}"], capture_output=True, text=True,
                                   stdin=subprocess.DEVNULL, timeout=limit)
            except subprocess.TimeoutExpired:
                problems.append(f"loom {cmd} {flag}={value}: still running after {limit} s")
                continue
            lines = r.stderr.splitlines()
            ok = (r.returncode == 1 and len(lines) == 1 and lines[0].startswith("loom: error: ")
                  and any(n in lines[0] for n in names) and "1797" not in lines[0] and "e+308" not in lines[0]
                  and "Could not convert" not in lines[0])
            checked += 1
            if not ok:
                problems.append(f"loom {cmd} {flag}={value}: exit {r.returncode}, stderr {r.stderr.strip()!r}")
print(f"{checked} bad numeric values checked")
for p in problems:
    print("  " + p)
sys.exit(1 if problems else 0)
PY

if [ "$failures" -ne 0 ]; then echo "$failures failure(s)"; exit 1; fi
echo "cli_argument_errors: all passed"
