// loom playground, the shared part: what the server can do (GET /props), the tabs, the API helper, the
// page's event log, streaming with tokens tinted by probability (alternatives on hover), and completion mode.
// chat.js holds the conversation, inspect.js the prompt tokens and the attention panel's freshness,
// attention_view.js the heat maps, tasks_view.js the embedding / translation / NER panels.
"use strict";

const $ = (id) => document.getElementById(id);

// Everything the page does, in order, for tests and for curious users (window.loomLog in the console):
// {t: ms since load, kind: "request" | "busy" | "token" | "idle" | ..., ...details}.
window.loomLog = [];
function logEvent(kind, details) { window.loomLog.push({ t: performance.now(), kind, ...(details || {}) }); }

const page = { props: null, tab: "", busy: false, controller: null };

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

// POSTs JSON and returns the response (logged with its body); throws the server's error message.
async function post(url, body, signal) {
  logEvent("request", { url, body: JSON.parse(JSON.stringify(body)) });
  const res = await fetch(url, { method: "POST", headers: headers(), body: JSON.stringify(body), signal });
  if (!res.ok) {
    const err = await res.json().catch(() => ({}));
    throw new Error((err.error && err.error.message) || res.status + " " + res.statusText);
  }
  return res;
}

async function postJson(url, body, signal) { return (await post(url, body, signal)).json(); }

// Probability -> background colour: red (unlikely) through yellow to green (likely).
function tint(p) { return `hsl(${Math.round(120 * p)}, 75%, 85%)`; }

function visible(text) { return text.replace(/\n/g, "\u21b5\n"); }

function escapeHtml(s) { return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }

function showTooltip(ev, entry) {
  const tip = $("tooltip");
  // Completions send the alternatives as an object (key order not kept): sort by probability.
  const alternatives = [...(entry.top_logprobs || [])].sort((a, b) => b.logprob - a.logprob);
  const rows = alternatives.map((alt) => {
    const p = Math.exp(alt.logprob);
    const chosen = alt.token === entry.token ? " class=\"chosen\"" : "";
    return `<tr${chosen}><td>${escapeHtml(JSON.stringify(alt.token))}</td><td>${(100 * p).toFixed(1)}%</td>` +
           `<td><span class="bar" style="width:${Math.max(1, Math.round(80 * p))}px"></span></td></tr>`;
  });
  const head = `<div>chosen ${escapeHtml(JSON.stringify(entry.token))}: ` +
               `${(100 * Math.exp(entry.logprob)).toFixed(1)}%</div>`;
  tip.innerHTML = head + `<table class="alternatives">${rows.join("")}</table>`;
  tip.hidden = false;
  const width = tip.offsetWidth || 240;
  tip.style.left = Math.max(4, Math.min(ev.clientX + 12, window.innerWidth - width - 8)) + "px";
  tip.style.top = Math.min(ev.clientY + 16, window.innerHeight - tip.offsetHeight - 8) + "px";
}

// A token span tinted by its probability (entry: {token, logprob, top_logprobs}), or plain text.
function tokenNode(entry, text) {
  if (!entry) return document.createTextNode(visible(text));
  const span = document.createElement("span");
  span.className = "tok";
  span.textContent = visible(text);
  span.style.background = tint(Math.exp(entry.logprob));
  span.dataset.prob = Math.exp(entry.logprob).toFixed(4);
  span.addEventListener("mouseenter", (ev) => showTooltip(ev, entry));
  span.addEventListener("mousemove", (ev) => showTooltip(ev, entry));
  span.addEventListener("mouseleave", () => { $("tooltip").hidden = true; });
  return span;
}

// One streamed chunk -> [{entry, text}] pieces and the finish reason (chat: logprobs.content[];
// completions: tokens[] + top_logprobs[{tok: lp}]).
function chunkPieces(chunk) {
  if (chunk.error) throw new Error(chunk.error.message);
  const pieces = [];
  let finish = "";
  for (const choice of chunk.choices || []) {
    const text = choice.delta ? (choice.delta.content || "") : (choice.text || "");
    const lp = choice.logprobs;
    if (lp && lp.content && lp.content.length) {
      lp.content.forEach((e, i) => pieces.push({ entry: e, text: i === lp.content.length - 1 ? text : "" }));
    } else if (lp && lp.tokens && lp.tokens.length) {
      const top = Object.entries(lp.top_logprobs[0] || {}).map(([token, logprob]) => ({ token, logprob }));
      pieces.push({ entry: { token: lp.tokens[0], logprob: lp.token_logprobs[0], top_logprobs: top }, text });
    } else if (text) {
      pieces.push({ entry: null, text });
    }
    if (choice.finish_reason) finish = choice.finish_reason;
  }
  return { pieces, finish };
}

function samplingSettings() {
  return {
    stream: true,
    max_tokens: parseInt($("max-tokens").value, 10) || 48,
    temperature: parseFloat($("temperature").value),
    top_p: parseFloat($("top-p").value),
    // Tests may set fields here (a paced stream: loom_test_token_delay_ms, refused by a normal server).
    ...(window.loomTestFields || {}),
  };
}

function setBusy(busy) {
  page.busy = busy;
  $("send").disabled = busy;
  $("stop").disabled = !busy;
  for (const b of document.querySelectorAll("#conversation button")) b.disabled = busy;
  if (window.chatUpdateButtons) window.chatUpdateButtons();
  logEvent(busy ? "busy" : "idle");
}

// Streams one generation request; onPiece({entry, text}) for each token as it arrives. Returns
// {finish, stopped, error, n, seconds}. The Stop button aborts it.
async function streamGeneration(url, body, onPiece) {
  page.controller = new AbortController();
  const started = performance.now();
  const result = { finish: "", stopped: false, error: "", n: 0, seconds: 0 };
  setBusy(true);
  $("status").textContent = "generating...";
  try {
    const res = await post(url, body, page.controller.signal);
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        if (!event.startsWith("data: ") || event === "data: [DONE]") continue;
        const { pieces, finish } = chunkPieces(JSON.parse(event.slice(6)));
        for (const piece of pieces) {
          onPiece(piece);
          result.n++;
          logEvent("token", { n: result.n, sendDisabled: $("send").disabled, text: piece.text });
        }
        if (finish) result.finish = finish;
      }
    }
  } catch (e) {
    if (e.name === "AbortError") result.stopped = true;
    else result.error = e.message;
  }
  result.seconds = (performance.now() - started) / 1000;
  page.controller = null;
  $("status").textContent = result.stopped ? "stopped" : result.error ? "error: " + result.error
    : `finished: ${result.finish} (${result.n} tokens in ${result.seconds.toFixed(2)} s)`;
  logEvent(result.stopped ? "stopped" : result.error ? "error" : "done",
           { finish: result.finish, error: result.error, n: result.n });
  setBusy(false);
  return result;
}

async function complete() {
  const prompt = $("prompt").value;
  $("output").textContent = "";
  const top = parseInt($("top-logprobs").value, 10) || 0;
  await streamGeneration("/v1/completions", { ...samplingSettings(), prompt, logprobs: top },
                         (piece) => $("output").appendChild(tokenNode(piece.entry, piece.text)));
}

function generateMode() { return page.tab === "chat" || page.tab === "completion"; }

function selectTab(tab) {
  page.tab = tab;
  for (const b of document.querySelectorAll("#tabs button")) b.classList.toggle("active", b.dataset.tab === tab);
  $("generate-panel").hidden = !generateMode();
  $("chat-only").hidden = tab !== "chat";
  $("completion-only").hidden = tab !== "completion";
  for (const b of document.querySelectorAll(".chat-button")) b.hidden = tab !== "chat";
  $("send").textContent = tab === "chat" ? "Send" : "Generate";
  $("prompt").placeholder = tab === "chat" ? "Message (Ctrl+Enter sends)" : "Prompt to continue (Ctrl+Enter)";
  $("embeddings-panel").hidden = tab !== "embeddings";
  $("translate-panel").hidden = tab !== "translate";
  $("ner-panel").hidden = tab !== "ner";
  $("inspect").hidden = !generateMode();
  document.body.classList.toggle("with-inspect", generateMode());
  if (window.inspectPromptChanged) window.inspectPromptChanged();
  logEvent("tab", { tab });
}

function send() {
  if (page.busy || !generateMode()) return;
  if (page.tab === "chat") window.chatSend();
  else complete();
}

// Builds the tabs from what the loaded models can do: no Send / Generate without a generating model.
function setUp(props) {
  page.props = props;
  const has = (cap) => props.models.some((m) => m.capabilities.includes(cap));
  const name = (kind) => (props.models.find((m) => m.kind === kind) || {}).id || "";
  const tabs = [];
  if (has("chat")) tabs.push(["chat", "Chat"]);
  if (has("completion")) tabs.push(["completion", "Completion"]);
  if (has("embeddings")) tabs.push(["embeddings", "Embeddings"]);
  if (has("translate")) tabs.push(["translate", "Translate"]);
  if (has("ner")) tabs.push(["ner", "Entities"]);
  const nav = $("tabs");
  nav.textContent = "";
  for (const [tab, label] of tabs) {
    const b = document.createElement("button");
    b.dataset.tab = tab;
    b.textContent = label;
    b.addEventListener("click", () => selectTab(tab));
    nav.appendChild(b);
  }
  const models = $("models");
  models.textContent = "";
  for (const m of props.models) {
    const badge = document.createElement("span");
    badge.className = "badge";
    badge.textContent = m.id;
    badge.title = `${m.kind}: ${m.capabilities.join(", ")}`;
    const kind = document.createElement("small");
    kind.textContent = m.kind;
    badge.appendChild(kind);
    models.appendChild(badge);
  }
  $("embeddings-model").textContent = name("embedding");
  $("translate-model").textContent = name("translation");
  $("ner-model").textContent = name("ner");
  if (tabs.length) selectTab(tabs[0][0]);
  else $("tabs").textContent = "this server has no model loaded";
  logEvent("ready", { tabs: tabs.map((t) => t[0]) });
}

$("send").addEventListener("click", send);
$("stop").addEventListener("click", () => page.controller && page.controller.abort());
$("prompt").addEventListener("keydown", (ev) => { if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) send(); });
// With --api-key, /props needs the key: the page asks for it and tries again when it is entered.
async function loadProps() {
  try {
    const res = await fetch("/props", { headers: headers() });
    const d = await res.json();
    if (!res.ok) throw new Error((d.error && d.error.message) || res.statusText);
    setUp(d);
  } catch (e) {
    $("tabs").textContent = "could not read /props: " + e.message + " (API key below?)";
  }
}
$("api-key").addEventListener("change", () => { if (!page.props) loadProps(); });
loadProps();
