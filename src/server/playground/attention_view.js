// loom playground, the attention view: asks /v1/attention for the attention maps of the prompt the model sees
// (inspect.js: the chat-templated conversation, or the completion prompt; every layer and head), shows a layer x head picker (one thumbnail per head, rows = layers) and the chosen head's heat map
// with the tokens on both axes; hovering a cell names the query token, the key token and the weight.
"use strict";

const attention = { doc: null, key: "", layer: 0, head: 0 };

// Weight in [0, 1] -> colour: white (no attention) to dark blue (all of it).
function heat(w) {
  const v = Math.max(0, Math.min(1, w));
  return `rgb(${Math.round(255 - 247 * v)}, ${Math.round(255 - 207 * v)}, ${Math.round(255 - 148 * v)})`;
}

function drawMatrix(canvas, matrix, cell) {
  const n = matrix.length, m = matrix[0].length;
  canvas.width = m * cell;
  canvas.height = n * cell;
  const g = canvas.getContext("2d");
  for (let q = 0; q < n; q++)
    for (let k = 0; k < m; k++) {
      g.fillStyle = heat(matrix[q][k]);
      g.fillRect(k * cell, q * cell, cell, cell);
    }
}

function drawLabels(box, labels, vertical) {
  box.textContent = "";
  for (const label of labels) {
    const span = document.createElement("span");
    span.textContent = label;
    span.title = label;
    box.appendChild(span);
  }
  box.className = vertical ? "att-labels att-rows" : "att-labels att-cols";
}

function showHeatMap() {
  const d = attention.doc;
  const matrix = d.attention[attention.layer][attention.head];
  const n = d.labels.length;
  const room = Math.max(240, Math.min(560, $("inspect").clientWidth - 110));
  const cell = Math.max(8, Math.min(36, Math.floor(room / n)));
  const canvas = $("attention-map");
  drawMatrix(canvas, matrix, cell);
  canvas.dataset.rendered = `${d.layers[attention.layer]}-${d.heads[attention.head]}`;
  document.documentElement.style.setProperty("--att-cell", cell + "px");
  drawLabels($("attention-cols"), d.labels, false);
  drawLabels($("attention-rows"), d.labels, true);
  $("attention-title").textContent =
    `layer ${d.layers[attention.layer]}, head ${d.heads[attention.head]} ` +
    `(rows: each token attending; columns: the tokens it attends to${d.causal ? ", earlier only" : ""})`;
  for (const t of document.querySelectorAll("#attention-picker canvas"))
    t.classList.toggle("picked", +t.dataset.layer === attention.layer && +t.dataset.head === attention.head);
}

function buildPicker() {
  const d = attention.doc;
  const picker = $("attention-picker");
  picker.textContent = "";
  d.layers.forEach((layer, li) => {
    const row = document.createElement("div");
    row.className = "att-picker-row";
    const name = document.createElement("span");
    name.className = "muted";
    name.textContent = "L" + layer;
    row.appendChild(name);
    d.heads.forEach((head, hi) => {
      const thumb = document.createElement("canvas");
      drawMatrix(thumb, d.attention[li][hi], Math.max(1, Math.floor(24 / d.labels.length)));
      thumb.dataset.layer = li;
      thumb.dataset.head = hi;
      thumb.title = `layer ${layer}, head ${head}`;
      thumb.addEventListener("click", () => { attention.layer = li; attention.head = hi; showHeatMap(); });
      row.appendChild(thumb);
    });
    picker.appendChild(row);
  });
}

function describeCell(ev) {
  const d = attention.doc, canvas = $("attention-map");
  const cell = canvas.width / d.labels.length;
  const rect = canvas.getBoundingClientRect();
  const k = Math.floor((ev.clientX - rect.left) / cell), q = Math.floor((ev.clientY - rect.top) / cell);
  if (q < 0 || k < 0 || q >= d.labels.length || k >= d.labels.length) return;
  const w = d.attention[attention.layer][attention.head][q][k];
  $("attention-cell").textContent = `${JSON.stringify(d.labels[q])} -> ${JSON.stringify(d.labels[k])}: ` +
    `${(100 * w).toFixed(1)}%`;
}

async function showAttention() {
  const status = $("attention-status");
  const prompt = currentPrompt();
  if (!prompt) { status.textContent = "write a prompt first"; return; }
  const key = JSON.stringify(prompt);
  status.textContent = "recording...";
  $("attention-show").disabled = true;
  try {
    const d = await postJson("/v1/attention", { ...prompt, decimals: 4 });
    attention.doc = d;
    attention.key = key;
    attention.layer = Math.min(attention.layer, d.layers.length - 1);
    attention.head = Math.min(attention.head, d.heads.length - 1);
    buildPicker();
    showHeatMap();
    $("attention-body").hidden = false;
    attention.summary = `${d.labels.length} tokens, ${d.layers.length} layers x ${d.heads.length} heads ` +
      `(${d.model}); pick a head below`;
    status.textContent = attention.summary;
    markAttentionFreshness();
  } catch (e) {
    status.textContent = "error: " + e.message;
  } finally {
    $("attention-show").disabled = false;
  }
}

$("attention-show").addEventListener("click", showAttention);
$("attention-map").addEventListener("mousemove", describeCell);
