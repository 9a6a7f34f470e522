#!/usr/bin/env bash
# End-to-end: interactive `loom chat` on a terminal, driven through tmux (send-keys / capture-pane), with the
# default model (issue 16): Ctrl-C mid-reply returns to the prompt with the conversation kept (checked with
# /save), two Ctrl-C at an empty prompt exit 0; 40 turns at -c 512 keep going with the oldest turns dropped
# (told once, the system prompt kept); /bye exits 0. A pipe still gets one reply per line.
# $1: the loom binary. No fixed sleeps decide anything: each step polls the pane for the text it expects, under
# a generous deadline per part.
set -uo pipefail
loom="$(realpath "$1")"
model=models/SmolLM2-135M-Instruct.Q4_1.gguf
fail() {
    echo "chat_tmux: FAIL: $*" >&2
    echo "--- pane ---" >&2
    pane >&2 2>/dev/null
    exit 1
}
[ -s "$model" ] || fail "missing $model (run scripts/fetch_default_model.sh)"
command -v tmux > /dev/null || fail "tmux is not installed (scripts/install_deps.sh)"
tmp=$(mktemp -d)
sock="loom_chat_test_$$"
tm() { tmux -L "$sock" -f /dev/null "$@"; }
trap 'tm kill-server 2> /dev/null; rm -rf "$tmp"' EXIT

pane() { tm capture-pane -p -J -S - -t chat | sed 's/[[:space:]]*$//'; }
has() { pane | grep -qF -- "$1"; }
count() { pane | grep -cF -- "$1"; }
has_line() { pane | grep -qxF -- "$1"; }
at_prompt() { [ "$(pane | grep -v '^$' | tail -1)" = ">" ]; }
# The line after the prompt line $1 (the reply streams there) holds a letter.
reply_began() { pane | sed -n "/^$(printf '%s' "$1" | sed 's/[][\.*^$/]/\\&/g')\$/{n;p;q}" | grep -q '[[:alpha:]]'; }
stopped_twice() { [ "$(count "[reply stopped]")" -eq 2 ]; }
exited() { [ -s "$tmp/rc" ]; }
wait_for() {
    while ! "$@"; do
        [ "$SECONDS" -lt "$deadline" ] || fail "timed out waiting for: $*"
        exited && fail "loom ended ($(cat "$tmp/rc")) while waiting for: $*"
        sleep 0.1
    done
}
start_chat() {
    rm -f "$tmp/rc"
    tm kill-session -t chat 2> /dev/null
    local cmd
    cmd="$(printf '%q ' "$loom" chat -m "$model" -t 2 --seed 1 "$@")"
    tm new-session -d -x 150 -y 50 -s chat -c "$PWD" "$cmd; echo \"exit=\$?\" > $tmp/rc; sleep 600"
    deadline=$((SECONDS + 120))
    wait_for has "/help for commands"
    wait_for at_prompt
}
type_line() { tm send-keys -t chat -l -- "$1"; tm send-keys -t chat Enter; }
json_check() { python3 -c "import json,sys; m=json.load(open(sys.argv[1])); $1" "$2" || fail "$2: $(cat "$2")"; }

# 1. Ctrl-C stops a reply (one that cannot end by itself: --ignore-eos) and keeps the conversation.
start_chat -c 1024 --ignore-eos
type_line "Tell me a long story about a dragon."
wait_for reply_began "> Tell me a long story about a dragon."
tm send-keys -t chat C-c
wait_for has "[reply stopped]"
wait_for at_prompt
type_line "/save $tmp/first.json"
wait_for has "saved 2 messages"
json_check "assert m[0]=={'role':'user','content':'Tell me a long story about a dragon.'}; assert m[1]['role']=='assistant' and m[1]['content'].strip()" "$tmp/first.json"
type_line "What is the name of the dragon?"
wait_for reply_began "> What is the name of the dragon?"
tm send-keys -t chat C-c
wait_for stopped_twice
wait_for at_prompt
type_line "/save $tmp/second.json"
wait_for has "saved 4 messages"
json_check "f=json.load(open('$tmp/first.json')); assert m[:2]==f and m[2]['content']=='What is the name of the dragon?' and m[3]['content'].strip()" "$tmp/second.json"
tm send-keys -t chat C-c
wait_for has "[Ctrl-C again, /bye or Ctrl-D to leave]"
tm send-keys -t chat C-c
wait_for exited
[ "$(cat "$tmp/rc")" = "exit=0" ] || fail "two Ctrl-C at the prompt: $(cat "$tmp/rc"), expected exit=0"
echo "Ctrl-C: reply stopped twice, conversation kept, double Ctrl-C exits 0"

# 2. 40 turns at -c 512: the oldest turns are dropped (said once), the system prompt stays, /bye exits 0.
start_chat -c 512 -n 8 --system "You are brief."
for i in $(seq 1 40); do
    type_line "Say the number $i."
    wait_for has_line "> Say the number $i."
    wait_for at_prompt
done
[ "$(count "the oldest turns are dropped")" -eq 1 ] || fail "expected one note about dropped turns"
[ "$(count "message not sent")" -eq 0 ] || fail "a turn was refused"
type_line "/save $tmp/long.json"
wait_for has "messages to $tmp/long.json"
json_check "assert m[0]=={'role':'system','content':'You are brief.'}; assert m[-2]['content']=='Say the number 40.' and m[-1]['role']=='assistant'; assert 3 <= len(m) < 60, len(m)" "$tmp/long.json"
type_line "/bye"
wait_for exited
[ "$(cat "$tmp/rc")" = "exit=0" ] || fail "/bye: $(cat "$tmp/rc"), expected exit=0"
echo "40 turns at -c 512: $(python3 -c "import json; print(len(json.load(open('$tmp/long.json'))))") messages kept, /bye exits 0"

# 3. From a pipe: one reply per line, no banner, notes on stderr only.
printf 'Hi\nHello\n' | "$loom" chat -m "$model" -t 2 --seed 1 -n 4 > "$tmp/out" 2> "$tmp/err" || fail "pipe: exit $?: $(cat "$tmp/err")"
[ "$(grep -c 'reply cut at 4 tokens' "$tmp/err")" -eq 2 ] || fail "pipe: expected two notes on stderr: $(cat "$tmp/err")"
grep -q '/help' "$tmp/out" && fail "pipe: banner on stdout: $(cat "$tmp/out")"
[ -n "$(tr -d '[:space:]' < "$tmp/out")" ] || fail "pipe: no reply"
echo "pipe: ok"
