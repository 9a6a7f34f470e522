#!/usr/bin/env bash
# End-to-end: the real Gemma 3 270M (base model, GGUF Q4_K_M, no chat template in the file) through the CLI:
#   - `loom run` greedy with --f32-activations continues the first golden prompt with the reference's tokens
#     (tests/data/decoders/gemma3_270m.json, transformers on the same GGUF), and the default path runs;
#   - `loom chat` without a template fails with one error line naming --chat-template; with
#     --chat-template tokenizer_config.json it renders every turn exactly as jinja2 renders that template
#     (tests/data/chat/gemma3_chat_render.json from scripts/goldens/make_gemma3_chat_goldens.py);
#   - a bad --chat-template file is one error line;
#   - `loom perplexity` and `loom bench` run on it.
# $1: the loom binary. Needs models/gemma-3-270m-q4_k_m.gguf (scripts/fetch_gemma3.sh): fails loudly without.
set -uo pipefail
loom="$1"
model=models/gemma-3-270m-q4_k_m.gguf
config=tests/data/upstream/tokenizers/gemma3/tokenizer_config.json
fail() { echo "gemma3_cli: FAIL: $*" >&2; exit 1; }
[ -s "$model" ] || fail "missing $model (run scripts/fetch_gemma3.sh)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. run, greedy, f32 activations: the prompt and the reference's first 12 greedy tokens, detokenized.
python3 - > "$tmp/case" <<'PY' || fail "cannot read the golden"
import json
g = json.load(open("tests/data/decoders/gemma3_270m.json"))
p = g["prompts"][0]
print(p["text"]); print(" ".join(map(str, p["greedy"][:12])))
PY
prompt=$(sed -n 1p "$tmp/case")
expected=$(sed -n 2p "$tmp/case")
"$loom" run -m "$model" -n 12 --temp 0 -t 2 --f32-activations -q "$prompt" > "$tmp/out" 2> "$tmp/err" ||
    fail "run exited $?: $(cat "$tmp/err")"
"$loom" detokenize -m "$model" $expected > "$tmp/expected" 2> "$tmp/err" ||
    fail "detokenize exited $?: $(cat "$tmp/err")"
out=$(cat "$tmp/out")
want="$prompt$(cat "$tmp/expected")"
[ "$out" == "$want" ] || fail "greedy continuation differs from the reference: got '$out', expected '$want'"
echo "run --f32-activations: $(cat "$tmp/out")"
"$loom" run -m "$model" -n 8 --temp 0 -t 2 -q "$prompt" > "$tmp/out" 2> "$tmp/err" ||
    fail "run (default kernels) exited $?: $(cat "$tmp/err")"
echo "run: $(cat "$tmp/out")"

# 2. chat without a template: one error line that names --chat-template.
echo "Hello" | "$loom" chat -m "$model" -n 4 --temp 0 -t 2 > "$tmp/out" 2> "$tmp/err"
rc=$?
[ "$rc" -eq 1 ] || fail "chat without a template: exit $rc, expected 1 ($(cat "$tmp/err"))"
[ "$(grep -c '^loom: error: ' "$tmp/err")" -eq 1 ] && grep -q -- '--chat-template' "$tmp/err" ||
    fail "chat without a template: expected one error line naming --chat-template, got: $(cat "$tmp/err")"
echo "chat without a template -> $(cat "$tmp/err")"

# 3. chat with --chat-template: every rendering equals jinja2's.
python3 - "$tmp" <<'PY' || fail "cannot prepare the chat turns"
import json, sys
g = json.load(open("tests/data/chat/gemma3_chat_render.json"))
json.dump(g["conversation"], open(sys.argv[1] + "/conversation.json", "w"))
open(sys.argv[1] + "/first.txt", "w").write(g["first_message"] + "\n")
open(sys.argv[1] + "/loaded.txt", "w").write("/load " + sys.argv[1] + "/conversation.json\n" + g["next_message"]
                                             + "\n" + g["last_message"] + "\n")
open(sys.argv[1] + "/system.txt", "w").write(g["system"])
PY
LOOM_LOG=debug "$loom" chat -m "$model" --chat-template "$config" --system "$(cat "$tmp/system.txt")" -n 4 \
    --temp 0 -t 2 < "$tmp/first.txt" > "$tmp/first.out" 2> "$tmp/first.err" || fail "chat exited $?: $(cat "$tmp/first.err")"
LOOM_LOG=debug "$loom" chat -m "$model" --chat-template "$config" -n 6 --temp 0 -t 2 \
    < "$tmp/loaded.txt" > "$tmp/loaded.out" 2> "$tmp/loaded.err" || fail "chat exited $?: $(cat "$tmp/loaded.err")"
python3 - "$tmp" <<'PY' || fail "chat renderings differ from jinja2's"
import json, sys
tmp = sys.argv[1]
g = json.load(open("tests/data/chat/gemma3_chat_render.json"))

def prompts(path):
    out = []
    for line in open(path, encoding="utf-8"):
        i = line.find("chat prompt: ")
        if i >= 0:
            out.append(json.loads(line[i + len("chat prompt: "):]))
    return out

first, loaded = prompts(tmp + "/first.err"), prompts(tmp + "/loaded.err")
assert first and first[-1] == g["first"], "first turn:\n%r\nexpected\n%r" % (first[-1:], g["first"])
assert len(loaded) >= 2, "expected two renderings after /load, got %d" % len(loaded)
assert loaded[0] == g["loaded"], "after /load:\n%r\nexpected\n%r" % (loaded[0], g["loaded"])
# The next turn holds loom's reply where the golden has the placeholder (the template trims it).
before, after = g["next"].split(g["reply_placeholder"])
last = loaded[-1]
assert last.startswith(before) and last.endswith(after), "next turn:\n%r\nexpected\n%r" % (last, g["next"])
reply = last[len(before):len(last) - len(after)]
assert reply == reply.strip() and reply, "reply %r is not trimmed or is empty" % reply
print("chat renderings equal jinja2's (3 turns; reply %r)" % reply)
PY

# 4. A bad --chat-template file: one error line.
expect_error() {
    local what="$1"; shift
    "$loom" "$@" < /dev/null > "$tmp/out" 2> "$tmp/err"
    local rc=$?
    [ "$rc" -eq 1 ] || fail "$what: exit code $rc, expected 1 (stderr: $(cat "$tmp/err"))"
    [ "$(grep -c '^loom: error: ' "$tmp/err")" -eq 1 ] || fail "$what: expected one 'loom: error:' line, got: $(cat "$tmp/err")"
    echo "$what -> $(cat "$tmp/err")"
}
echo '{"bos_token": "<bos>"}' > "$tmp/no_template.json"
: > "$tmp/empty.jinja"
expect_error "missing template file" chat -m "$model" --chat-template "$tmp/none.jinja"
expect_error "tokenizer config without a template" chat -m "$model" --chat-template "$tmp/no_template.json"
expect_error "empty template file" chat -m "$model" --chat-template "$tmp/empty.jinja"

# 5. perplexity: one 1024-token window of botchan.txt with --f32-activations equals transformers' (0.1 %);
#    the default path's printed beside it. bench runs.
"$loom" perplexity -m "$model" -c 1024 --chunks 1 -t 2 --f32-activations --json \
    -f tests/data/upstream/sentencepiece/botchan.txt > "$tmp/ppl_f32" 2> "$tmp/err" || fail "perplexity exited $?: $(cat "$tmp/err")"
"$loom" perplexity -m "$model" -c 1024 --chunks 1 -t 2 --json \
    -f tests/data/upstream/sentencepiece/botchan.txt > "$tmp/ppl" 2> "$tmp/err" || fail "perplexity exited $?: $(cat "$tmp/err")"
python3 - "$tmp" <<'PY' || fail "perplexity differs from the reference"
import json, sys
ref = json.load(open("tests/data/decoders/gemma3_270m.json"))["ppl"]
f32 = json.load(open(sys.argv[1] + "/ppl_f32"))["perplexity"]
fast = json.load(open(sys.argv[1] + "/ppl"))["perplexity"]
print("perplexity (1024 tokens of botchan.txt): transformers %.4f, loom --f32-activations %.4f (%+.4f%%), "
      "loom default %.4f (%+.3f%%)" % (ref, f32, 100 * (f32 / ref - 1), fast, 100 * (fast / ref - 1)))
assert abs(f32 / ref - 1) <= 0.001
PY
"$loom" bench -m "$model" -p 16 -n 4 -r 1 -t 2 > "$tmp/out" 2> "$tmp/err" || fail "bench exited $?: $(cat "$tmp/err")"
echo "$(cat "$tmp/out")"
echo "gemma3_cli: OK"
