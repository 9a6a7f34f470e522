// loom playground: streams /v1/chat/completions or /v1/completions with logprobs and shows each token tinted
// by its probability, with the top alternatives on hover; shows the prompt's tokens via /tokenize.
"use strict";

const $ = (id) => document.getElementById(id);
let controller = null;

function headers() {
  const h = { "Content-Type": "application/json" };
  const key = $("api-key").value.trim();
  if (key) h["Authorization"] = "Bearer " + key;
  return h;
}

function mode() { return document.querySelector("input[name=mode]:checked").value; }

// Probability -> background colour: red (unlikely) through yellow to green (likely).
function tint(p) { return `hsl(${Math.round(120 * p)}, 75%, 85%)`; }

function visible(text) { return text.replace(/\n/g, "\u21b5\n"); }

async function showPromptTokens(text) {
  const body = { content: text, add_special: mode() === "completion", with_pieces: true };
  const res = await fetch("/tokenize", { method: "POST", headers: headers(), body: JSON.stringify(body) });
  const box = $("prompt-tokens");
  box.textContent = "";
  if (!res.ok) { box.textContent = "(tokenize failed: " + res.status + ")"; return; }
  const data = await res.json();
  for (const t of data.tokens) {
    const span = document.createElement("span");
    span.className = "ptok";
    span.textContent = visible(t.piece);
    span.title = "id " + t.id;
    box.appendChild(span);
  }
  $("prompt-count").textContent = `(${data.tokens.length} tokens)`;
}

function showTooltip(ev, entry) {
  const tip = $("tooltip");
  // Completions send the alternatives as an object (key order not kept): sort by probability.
  const alternatives = [...(entry.top_logprobs || [])].sort((a, b) => b.logprob - a.logprob);
  const rows = alternatives.map((alt) => {
    const p = Math.exp(alt.logprob);
    const chosen = alt.token === entry.token ? " class=\"chosen\"" : "";
    const label = JSON.stringify(alt.token).replace(/</g, "&lt;");
    return `<tr${chosen}><td>${label}</td><td>${(100 * p).toFixed(1)}%</td>` +
           `<td><span class="bar" style="width:${Math.max(1, Math.round(80 * p))}px"></span></td></tr>`;
  });
  const head = `<div>chosen ${JSON.stringify(entry.token).replace(/</g, "&lt;")}: ` +
               `${(100 * Math.exp(entry.logprob)).toFixed(1)}%</div>`;
  tip.innerHTML = head + `<table class="alternatives">${rows.join("")}</table>`;
  tip.hidden = false;
  tip.style.left = Math.min(ev.clientX + 12, window.innerWidth - 260) + "px";
  tip.style.top = (ev.clientY + 16) + "px";
}

function addToken(entry, text) {
  const span = document.createElement("span");
  span.className = "tok";
  span.textContent = visible(text);
  span.style.background = tint(Math.exp(entry.logprob));
  span.dataset.prob = Math.exp(entry.logprob).toFixed(4);
  span.addEventListener("mouseenter", (ev) => showTooltip(ev, entry));
  span.addEventListener("mousemove", (ev) => showTooltip(ev, entry));
  span.addEventListener("mouseleave", () => { $("tooltip").hidden = true; });
  $("output").appendChild(span);
}

function addText(text) {
  if (text) $("output").appendChild(document.createTextNode(visible(text)));
}

// One streamed chunk: chat carries logprobs.content[], completions tokens[] + top_logprobs[{tok: lp}].
function handleChunk(chunk) {
  if (chunk.error) throw new Error(chunk.error.message);
  for (const choice of chunk.choices || []) {
    const text = choice.delta ? (choice.delta.content || "") : (choice.text || "");
    const lp = choice.logprobs;
    if (lp && lp.content && lp.content.length) {
      lp.content.forEach((e, i) => addToken(e, i === lp.content.length - 1 ? text : ""));
    } else if (lp && lp.tokens && lp.tokens.length) {
      const top = Object.entries(lp.top_logprobs[0] || {}).map(([token, logprob]) => ({ token, logprob }));
      addToken({ token: lp.tokens[0], logprob: lp.token_logprobs[0], top_logprobs: top }, text);
    } else {
      addText(text);
    }
    if (choice.finish_reason) $("status").textContent = "finished: " + choice.finish_reason;
  }
}

async function generate() {
  const prompt = $("prompt").value;
  $("output").textContent = "";
  $("status").textContent = "generating...";
  $("send").disabled = true;
  $("stop").disabled = false;
  const top = parseInt($("top-logprobs").value, 10) || 0;
  const common = {
    stream: true,
    max_tokens: parseInt($("max-tokens").value, 10) || 48,
    temperature: parseFloat($("temperature").value),
    top_p: parseFloat($("top-p").value),
  };
  const chat = mode() === "chat";
  const url = chat ? "/v1/chat/completions" : "/v1/completions";
  const body = chat ? { ...common, messages: [{ role: "user", content: prompt }], logprobs: true, top_logprobs: top }
                    : { ...common, prompt, logprobs: top };
  controller = new AbortController();
  const started = performance.now();
  let n = 0;
  try {
    showPromptTokens(prompt);
    const res = await fetch(url, { method: "POST", headers: headers(), body: JSON.stringify(body),
                                   signal: controller.signal });
    if (!res.ok) {
      const err = await res.json().catch(() => ({}));
      throw new Error((err.error && err.error.message) || res.statusText);
    }
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
        if (!event.startsWith("data: ")) continue;
        const data = event.slice(6);
        if (data === "[DONE]") continue;
        handleChunk(JSON.parse(data));
        n++;
      }
    }
    const secs = (performance.now() - started) / 1000;
    $("status").textContent += ` (${n} chunks in ${secs.toFixed(2)} s)`;
  } catch (e) {
    $("status").textContent = e.name === "AbortError" ? "stopped" : "error: " + e.message;
  } finally {
    $("send").disabled = false;
    $("stop").disabled = true;
    controller = null;
  }
}

$("send").addEventListener("click", generate);
$("stop").addEventListener("click", () => controller && controller.abort());
$("prompt").addEventListener("keydown", (ev) => { if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) generate(); });
fetch("/v1/models", { headers: headers() }).then((r) => r.json()).then((d) => {
  if (d.data && d.data.length) $("model-name").textContent = d.data.map((m) => m.id).join(", ");
}).catch(() => {});
