// loom playground, chat mode: a multi-turn conversation sent whole to /v1/chat/completions (system prompt
// first), with regenerate (the last reply again), edit a user turn (the conversation after it is dropped and
// the reply made again) and stop (the partial reply is kept as the turn).
"use strict";

// turns: [{role: "user" | "assistant", content, pieces: [{entry, text}] (assistant), stopped}]
const chat = { turns: [] };

function chatMessages(turns) {
  const messages = [];
  const system = $("system").value.trim();
  if (system) messages.push({ role: "system", content: system });
  for (const turn of turns) messages.push({ role: turn.role, content: turn.content });
  return messages;
}

function turnBody(turn) {
  const body = document.createElement("div");
  body.className = "turn-body tokens";
  if (turn.role === "assistant" && turn.pieces) for (const p of turn.pieces) body.appendChild(tokenNode(p.entry, p.text));
  else body.textContent = turn.content;
  return body;
}

function editTurn(index, node) {
  const turn = chat.turns[index];
  const box = document.createElement("textarea");
  box.className = "edit-box";
  box.rows = 3;
  box.value = turn.content;
  const save = document.createElement("button");
  save.textContent = "Save & send";
  save.className = "primary save-edit";
  const cancel = document.createElement("button");
  cancel.textContent = "Cancel";
  const row = document.createElement("div");
  row.className = "row";
  row.append(save, cancel);
  node.querySelector(".turn-body").replaceWith(box);
  node.appendChild(row);
  box.focus();
  cancel.addEventListener("click", renderConversation);
  save.addEventListener("click", () => {
    if (!box.value.trim()) return;
    chat.turns = chat.turns.slice(0, index);
    chat.turns.push({ role: "user", content: box.value });
    renderConversation();
    reply();
  });
}

function renderConversation() {
  const box = $("conversation");
  box.textContent = "";
  chat.turns.forEach((turn, i) => {
    const node = document.createElement("div");
    node.className = "turn " + turn.role;
    const head = document.createElement("div");
    head.className = "turn-head";
    const role = document.createElement("span");
    role.textContent = turn.role === "user" ? "you" : "assistant" + (turn.stopped ? " (stopped)" : "");
    head.appendChild(role);
    if (turn.role === "user") {
      const edit = document.createElement("button");
      edit.className = "edit";
      edit.textContent = "Edit";
      edit.disabled = page.busy;
      edit.addEventListener("click", () => editTurn(i, node));
      head.appendChild(edit);
    }
    node.append(head, turnBody(turn));
    box.appendChild(node);
  });
  if (!chat.turns.length) box.innerHTML = '<p class="muted empty">No messages yet: write one below.</p>';
  chatUpdateButtons();
  if (window.inspectPromptChanged) window.inspectPromptChanged();
}

function chatUpdateButtons() {
  const last = chat.turns[chat.turns.length - 1];
  $("regenerate").disabled = page.busy || !last;
  $("new-chat").disabled = page.busy;
}
window.chatUpdateButtons = chatUpdateButtons;

// Generates the assistant's reply to the conversation so far (whose last turn is the user's).
async function reply() {
  const top = parseInt($("top-logprobs").value, 10) || 0;
  const body = { ...samplingSettings(), messages: chatMessages(chat.turns), logprobs: true, top_logprobs: top };
  const turn = { role: "assistant", content: "", pieces: [], streaming: true };
  chat.turns.push(turn);
  renderConversation();
  const bodyNode = $("conversation").lastChild.querySelector(".turn-body");
  const result = await streamGeneration("/v1/chat/completions", body, (piece) => {
    turn.pieces.push(piece);
    turn.content += piece.text;
    bodyNode.appendChild(tokenNode(piece.entry, piece.text));
    bodyNode.scrollIntoView({ block: "nearest" });
  });
  turn.streaming = false;
  if (result.error && !turn.content) chat.turns.pop();  // nothing came: the user turn stays, to retry
  turn.stopped = result.stopped;
  renderConversation();
}

window.chatSend = () => {
  const text = $("prompt").value;
  if (!text.trim()) return;
  chat.turns.push({ role: "user", content: text });
  $("prompt").value = "";
  reply();
};

$("regenerate").addEventListener("click", () => {
  if (page.busy || !chat.turns.length) return;
  if (chat.turns[chat.turns.length - 1].role === "assistant") chat.turns.pop();
  if (chat.turns.length) reply();
});
$("new-chat").addEventListener("click", () => { chat.turns = []; renderConversation(); });
renderConversation();
