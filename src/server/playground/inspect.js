// loom playground, the prompt as the model sees it: in chat mode the conversation (system prompt, turns and
// the message being written) rendered by the model's chat template (POST /apply-template), in completion
// mode the text with the model's special tokens (POST /tokenize); its tokens and their count. The attention
// panel records the same prompt and is marked stale as soon as the prompt changes.
"use strict";

const inspect = { seq: 0, timer: 0 };

// The request describing the prompt now: {messages, add_generation_prompt} (chat) or {input} (completion);
// null when there is nothing to show.
function currentPrompt() {
  if (page.tab === "chat") {
    const turns = chat.turns.filter((t) => !t.streaming);
    const draft = $("prompt").value;
    const messages = chatMessages(turns);
    if (draft.trim()) messages.push({ role: "user", content: draft });
    if (!messages.length) return null;
    return { messages, add_generation_prompt: messages[messages.length - 1].role !== "assistant" };
  }
  if (page.tab === "completion") return $("prompt").value ? { input: $("prompt").value } : null;
  return null;
}

function promptKey() { return JSON.stringify(currentPrompt()); }

function showPromptTokens(tokens, key) {
  const box = $("prompt-tokens");
  box.textContent = "";
  for (const t of tokens) {
    const span = document.createElement("span");
    span.className = "ptok";
    span.textContent = t.piece.replace(/\n/g, "\u21b5");  // one line per chip: wraps as a whole
    span.title = "id " + t.id;
    box.appendChild(span);
  }
  $("prompt-count").textContent = `(${tokens.length} tokens)`;
  box.dataset.key = key;
  box.dataset.count = tokens.length;
}

async function refreshPromptTokens() {
  const seq = ++inspect.seq;
  const prompt = currentPrompt();
  const key = JSON.stringify(prompt);
  if (!prompt) {
    showPromptTokens([], key);
    $("prompt-count").textContent = "(empty)";
    return;
  }
  try {
    const signal = AbortSignal.timeout(10000);
    const d = prompt.messages
      ? await postJson("/apply-template", { ...prompt, with_pieces: true }, signal)
      : await postJson("/tokenize", { content: prompt.input, add_special: true, with_pieces: true }, signal);
    if (seq === inspect.seq) showPromptTokens(d.tokens, key);
  } catch (e) {
    if (seq !== inspect.seq) return;
    // A lost connection or no answer in 10 s: try again (an error answer from the server is shown as it is).
    const transient = e.name === "TimeoutError" || e instanceof TypeError;
    $("prompt-count").textContent = "(" + e.message + (transient ? "; retrying)" : ")");
    logEvent("inspect-error", { message: e.message, transient });
    if (transient) inspect.timer = setTimeout(refreshPromptTokens, 1000);
  }
}

// Called whenever the prompt may have changed (typing, a turn added, the tab, the system prompt).
function inspectPromptChanged() {
  if (!page.props || $("inspect").hidden) return;
  clearTimeout(inspect.timer);
  inspect.timer = setTimeout(refreshPromptTokens, 250);
  markAttentionFreshness();
}
window.inspectPromptChanged = inspectPromptChanged;

function markAttentionFreshness() {
  const section = $("attention-section");
  const stale = attention.doc !== null && attention.key !== promptKey();
  section.classList.toggle("stale", stale);
  section.dataset.stale = stale ? "1" : "0";
  $("attention-show").textContent = attention.doc ? "Refresh attention" : "Show attention of the prompt";
  if (stale) $("attention-status").textContent = "stale: the prompt changed since it was recorded; press Refresh";
  else if (attention.doc) $("attention-status").textContent = attention.summary;
}

for (const id of ["prompt", "system"]) $(id).addEventListener("input", inspectPromptChanged);
