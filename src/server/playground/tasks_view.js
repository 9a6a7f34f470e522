// loom playground, the panels of the other loaded models: embeddings (cosine similarity of each pair of
// lines), translation and named entities (highlighted in the text).
"use strict";

function cosine(a, b) {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { dot += a[i] * b[i]; na += a[i] * a[i]; nb += b[i] * b[i]; }
  return dot / (Math.sqrt(na * nb) || 1);
}

async function runTask(button, status, work) {
  $(button).disabled = true;
  $(status).textContent = "working...";
  const started = performance.now();
  try {
    await work();
    $(status).textContent = `done in ${((performance.now() - started) / 1000).toFixed(2)} s`;
  } catch (e) {
    $(status).textContent = "error: " + e.message;
  } finally {
    $(button).disabled = false;
    logEvent("task-done", { panel: button });
  }
}

async function embedTexts() {
  const texts = $("embed-input").value.split("\n").filter((t) => t.trim());
  if (!texts.length) throw new Error("write at least one line");
  const d = await postJson("/v1/embeddings", { input: texts });
  const vectors = d.data.map((e) => e.embedding);
  const table = document.createElement("table");
  table.className = "similarity";
  table.dataset.dims = vectors[0].length;
  const head = table.insertRow();
  head.insertCell().textContent = `cosine (${vectors[0].length} dims)`;
  texts.forEach((_, j) => { head.insertCell().textContent = "#" + (j + 1); });
  texts.forEach((text, i) => {
    const row = table.insertRow();
    const label = row.insertCell();
    label.textContent = `#${i + 1} ${text}`;
    label.className = "label";
    vectors.forEach((v, j) => {
      const c = cosine(vectors[i], v);
      const cell = row.insertCell();
      cell.textContent = c.toFixed(3);
      cell.className = "sim";
      cell.style.background = tint(Math.max(0, c));
    });
  });
  $("embed-result").replaceChildren(table);
}

async function translateText() {
  const body = { input: $("translate-input").value };
  if ($("translate-source").value.trim()) body.source_lang = $("translate-source").value.trim();
  if ($("translate-target").value.trim()) body.target_lang = $("translate-target").value.trim();
  const d = await postJson("/v1/translate", body);
  $("translate-output").textContent = d.data[0].text;
  $("translate-output").dataset.pair = `${d.source_lang}->${d.target_lang}`;
}

async function findEntities() {
  const text = $("ner-input").value;
  const d = await postJson("/v1/ner", { input: text });
  const box = $("ner-output");
  box.textContent = "";
  let at = 0;
  const entities = [...d.data[0].entities].sort((a, b) => a.start - b.start);
  for (const e of entities) {
    if (e.start < at) continue;
    box.appendChild(document.createTextNode(text.slice(at, e.start)));
    const mark = document.createElement("mark");
    const group = e.entity_group || e.entity || "";
    mark.className = "entity";
    mark.textContent = text.slice(e.start, e.end);
    mark.title = `${group} ${(100 * e.score).toFixed(1)}%`;
    const tag = document.createElement("small");
    tag.textContent = group;
    mark.appendChild(tag);
    box.appendChild(mark);
    at = e.end;
  }
  box.appendChild(document.createTextNode(text.slice(at)));
  box.dataset.count = entities.length;
}

$("embed-run").addEventListener("click", () => runTask("embed-run", "embed-status", embedTexts));
$("translate-run").addEventListener("click", () => runTask("translate-run", "translate-status", translateText));
$("ner-run").addEventListener("click", () => runTask("ner-run", "ner-status", findEntities));
