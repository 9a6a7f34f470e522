"""The playground in headless Chromium (Selenium + chromedriver).

Streaming is observed without racing the stream: the page keeps its own ordered event log (window.loomLog:
requests with their bodies, busy/idle, each token as it is shown with the Send button's state at that moment),
and the test reads it afterwards. The one check that must act while a stream runs (Stop) asks the server for a
paced stream (loom_test_token_delay_ms, accepted only with LOOM_SERVE_TEST_PACING=1) and waits for the first
token before clicking, so it holds on a fast or a loaded machine alike.

Checked: completion mode (tokens tinted, alternatives on hover, prompt tokens); a three-turn chat whose third
request carries the whole conversation (system prompt, the three user messages, the two replies); the prompt
panel shows the chat-templated prompt (same tokens as /apply-template); regenerate, edit a turn, stop; the
attention view on the templated prompt (heat-map pixels equal /v1/attention's weights), marked stale when the
prompt changes; a phone-sized window (nothing wider than the screen, chips inside their panel); a server with
only encoder / translation / NER models shows their panels and no Generate button.
Screenshots go to $LOOM_SCREENSHOT_DIR when set (docs/images/ holds the committed ones).
Usage: python3 tests/e2e/serve_browser_test.py path/to/loom"""
import json
import os
import subprocess
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.dirname(__file__))
from serve_helpers import Checks, Server, default_model  # noqa: E402

loom = sys.argv[1]
t = Checks("serve_browser")
shots = os.environ.get("LOOM_SCREENSHOT_DIR", "")
server = Server(loom, "-m", default_model(), "--slots", "2", "-c", "1024", env={"LOOM_SERVE_TEST_PACING": "1"})

options = webdriver.ChromeOptions()
for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,800"):
    options.add_argument(arg)
options.binary_location = "/usr/bin/chromium"
profile = tempfile.mkdtemp()
options.add_argument(f"--user-data-dir={profile}")
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
wait = WebDriverWait(driver, 180)


def viewport(width, height, mobile=False):
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": mobile})


def shot(name):
    if shots:
        os.makedirs(shots, exist_ok=True)
        driver.save_screenshot(os.path.join(shots, name))


def log():
    return driver.execute_script("return window.loomLog")


def count(kind):
    return sum(1 for e in log() if e["kind"] == kind)


def requests(url):
    return [e["body"] for e in log() if e["kind"] == "request" and e["url"] == url]


def el(id_):
    return driver.find_element(By.ID, id_)


def set_value(id_, value):
    box = el(id_)
    box.clear()
    box.send_keys(value)


def js_value(id_, value):  # for a field on a tab not shown yet
    driver.execute_script("document.getElementById(arguments[0]).value = arguments[1]", id_, value)


def open_page(tab):
    driver.get(server.base + "/")
    wait.until(lambda d: d.execute_script("return window.loomLog.some(e => e.kind === 'ready')"))
    driver.find_element(By.CSS_SELECTOR, f"#tabs button[data-tab={tab}]").click()
    driver.find_element(By.CSS_SELECTOR, "#settings summary").click()  # open the settings
    set_value("temperature", "0")


def wait_idle(n_idle):
    """Waits until the page has ended its n-th generation; returns the tokens (in order) of the last one."""
    wait.until(lambda d: count("idle") >= n_idle)
    events = log()
    busy = [i for i, e in enumerate(events) if e["kind"] == "busy"][n_idle - 1]
    idle = [i for i, e in enumerate(events) if e["kind"] == "idle"][n_idle - 1]
    return events, busy, idle, [e for e in events[busy:idle] if e["kind"] == "token"]


def check_streamed(what, n_idle):
    events, busy, idle, tokens = wait_idle(n_idle)
    ended = [e for e in events[busy:idle] if e["kind"] in ("done", "stopped", "error")]
    t.check(ended and ended[0]["kind"] == "done", f"{what}: generation ended with {ended}")
    # Each token was shown while the request was running (Send disabled), one at a time, before it ended.
    t.check(len(tokens) >= 3 and all(e["sendDisabled"] for e in tokens), f"{what}: {len(tokens)} tokens shown while busy")
    t.check([e["n"] for e in tokens] == list(range(1, len(tokens) + 1)), f"{what}: tokens shown one by one")
    return "".join(e["text"] for e in tokens)


def tokens_since_busy(n_busy):
    """Tokens shown since the n-th generation began (0 before it began)."""
    events = log()
    starts = [i for i, e in enumerate(events) if e["kind"] == "busy"]
    return 0 if len(starts) < n_busy else sum(1 for e in events[starts[n_busy - 1]:] if e["kind"] == "token")


def chips_inside(what):
    bad = driver.execute_script("""
        const box = document.getElementById('prompt-tokens').getBoundingClientRect();
        return [...document.querySelectorAll('#prompt-tokens .ptok')].filter(c => {
            const r = c.getBoundingClientRect(); return r.right > box.right + 0.5 || r.left < box.left - 0.5; }).length;""")
    t.check(bad == 0, f"{what}: {bad} prompt chips stick out of their panel")


def until(what, condition):
    """wait.until, failing with what the page was doing (its last events) instead of a bare timeout."""
    try:
        return wait.until(condition)
    except TimeoutException:
        tail = driver.execute_script("return (window.loomLog || []).slice(-12)")
        raise AssertionError(f"timed out waiting for {what}; the page's last events: {json.dumps(tail)[:1500]}")


def prompt_panel_current():
    """Waits for the prompt panel to show the page's current prompt; returns (prompt request, token count)."""
    until("the prompt panel", lambda d: d.execute_script(
        "return document.getElementById('prompt-tokens').dataset.key === JSON.stringify(currentPrompt())"))
    prompt = driver.execute_script("return currentPrompt()")
    return prompt, int(el("prompt-tokens").get_attribute("data-count"))


def completion():
    open_page("completion")
    set_value("max-tokens", "20")
    set_value("prompt", "The three primary colors are")
    el("send").click()
    check_streamed("completion", 1)
    t.check("finished" in el("status").text, f"completion: status {el('status').text}")
    tokens = driver.find_elements(By.CSS_SELECTOR, "#output .tok")
    probs = [float(x.get_attribute("data-prob")) for x in tokens]
    t.check(len(tokens) >= 3 and all(0 < p <= 1 for p in probs), f"completion: probabilities {probs[:5]}")
    t.check(all(x.value_of_css_property("background-color") not in ("", "rgba(0, 0, 0, 0)") for x in tokens),
            "completion: tokens tinted")
    _, n = prompt_panel_current()
    want = json.loads(server.post("/tokenize", {"content": "The three primary colors are", "add_special": True})[1])
    t.check(n == len(want["tokens"]), f"completion: {n} prompt tokens shown, /tokenize says {len(want['tokens'])}")
    ActionChains(driver).move_to_element(tokens[min(2, len(tokens) - 1)]).perform()
    wait.until(lambda d: d.find_element(By.ID, "tooltip").is_displayed())
    rows = driver.find_elements(By.CSS_SELECTOR, "#tooltip table.alternatives tr")
    t.check(len(rows) == 5, f"completion: {len(rows)} alternatives on hover (expected 5)")
    t.check(len(driver.find_elements(By.CSS_SELECTOR, "#tooltip tr.chosen")) == 1, "completion: chosen token marked")
    shot("playground_completion.png")


def say(text, n_idle):
    set_value("prompt", text)
    el("send").click()
    return check_streamed(f"turn {n_idle}", n_idle)


def chat():
    open_page("chat")
    set_value("max-tokens", "12")
    set_value("system", "You are a helpful assistant. Answer briefly.")
    users = ["My name is Ada and I like green.", "What is two plus two?", "What is my name?"]
    replies = [say(u, i + 1) for i, u in enumerate(users)]
    sent = requests("/v1/chat/completions")
    t.check(len(sent) == 3, f"chat: {len(sent)} requests for 3 turns")
    want = [{"role": "system", "content": "You are a helpful assistant. Answer briefly."}]
    for i in range(3):
        want.append({"role": "user", "content": users[i]})
        t.check(sent[i]["messages"] == want, f"chat: request {i + 1} messages {sent[i]['messages']}")
        want.append({"role": "assistant", "content": replies[i]})
    t.check(all(r.strip() for r in replies), f"chat: replies {replies}")
    shown = driver.execute_script("return [...document.querySelectorAll('#conversation .turn.assistant .turn-body')]"
                                  ".map(b => b.textContent.replace(/\u21b5/g, ''))")
    t.check(shown == replies, f"chat: shown replies {shown} != streamed {replies}")
    # The prompt panel: the templated conversation with the draft, as /apply-template renders it.
    set_value("prompt", "And my favourite colour?")
    prompt, n = prompt_panel_current()
    applied = json.loads(server.post("/apply-template", prompt)[1])
    t.check(len(prompt["messages"]) == 8 and n == applied["n_tokens"] and n > 40,
            f"chat: prompt panel {n} tokens, /apply-template {applied.get('n_tokens')}")
    pieces = [x.text for x in driver.find_elements(By.CSS_SELECTOR, "#prompt-tokens .ptok")]
    t.check("<|im_start|>" in pieces, "chat: the template's special tokens are shown")
    chips_inside("chat 1280")
    shot("playground_chat.png")
    return sent[-1]["messages"]


def regenerate_edit_stop(third_messages):
    el("regenerate").click()
    check_streamed("regenerate", 4)
    sent = requests("/v1/chat/completions")
    t.check(sent[-1]["messages"] == third_messages, f"regenerate: resent {sent[-1]['messages']}")
    # Edit the first user turn: the turns after it go, the reply is made again.
    driver.find_elements(By.CSS_SELECTOR, "#conversation .turn.user .edit")[0].click()
    box = driver.find_element(By.CSS_SELECTOR, "#conversation .edit-box")
    box.clear()
    box.send_keys("My name is Bob.")
    driver.find_element(By.CSS_SELECTOR, "#conversation .save-edit").click()
    check_streamed("edit", 5)
    sent = requests("/v1/chat/completions")
    t.check([m["content"] for m in sent[-1]["messages"]][1:] == ["My name is Bob."], f"edit: sent {sent[-1]['messages']}")
    t.check(len(driver.find_elements(By.CSS_SELECTOR, "#conversation .turn")) == 2, "edit: two turns left")
    # Stop: a paced stream (300 ms per token) of up to 40 tokens, stopped after its first token is shown.
    driver.execute_script("window.loomTestFields = {loom_test_token_delay_ms: 300}")
    set_value("max-tokens", "40")
    set_value("prompt", "Tell me a long story.")
    el("send").click()
    wait.until(lambda d: tokens_since_busy(6) > 0)
    el("stop").click()
    events, busy, idle, tokens = wait_idle(6)
    driver.execute_script("window.loomTestFields = {}")
    t.check(any(e["kind"] == "stopped" for e in events[busy:idle]), "stop: the page reports the stream stopped")
    t.check(1 <= len(tokens) < 40, f"stop: {len(tokens)} tokens before the stop")
    t.check(not el("send").get_attribute("disabled"), "stop: Send enabled again")
    last = driver.find_elements(By.CSS_SELECTOR, "#conversation .turn.assistant .turn-head span")[-1].text
    t.check("stopped" in last, f"stop: the partial reply is kept and marked: {last}")


def attention_view():
    open_page("chat")
    set_value("prompt", "The cat sat on the mat because it was tired.")
    prompt, n_prompt = prompt_panel_current()
    el("attention-show").click()
    until("the attention map", lambda d: d.find_element(By.ID, "attention-map").get_attribute("data-rendered"))
    want = json.loads(server.post("/v1/attention", {**prompt, "decimals": 4})[1])
    n_layers, n_heads, n = len(want["layers"]), len(want["heads"]), len(want["labels"])
    t.check(n == n_prompt and "<|im_start|>" in want["tokens"], f"attention on the templated prompt: {n} vs {n_prompt}")
    thumbs = driver.find_elements(By.CSS_SELECTOR, "#attention-picker canvas")
    t.check(len(thumbs) == n_layers * n_heads, f"picker: {len(thumbs)} heads shown, expected {n_layers}x{n_heads}")
    t.check(len(driver.find_elements(By.CSS_SELECTOR, "#attention-rows span")) == n, "one row label per token")
    layer, head = n_layers - 1, min(2, n_heads - 1)
    driver.execute_script("arguments[0].scrollIntoView()", thumbs[layer * n_heads + head])
    thumbs[layer * n_heads + head].click()
    canvas = el("attention-map")
    t.check(canvas.get_attribute("data-rendered") == f"{want['layers'][layer]}-{want['heads'][head]}",
            f"heat map of the picked head: {canvas.get_attribute('data-rendered')}")
    # The cell colour encodes the weight: white (0) to rgb(8, 48, 107) (1); read the blue channel back.
    cell = int(canvas.get_attribute("width")) // n
    pixels = driver.execute_script(
        "const c = arguments[0], s = arguments[1], n = arguments[2], g = c.getContext('2d'); const out = [];"
        "for (let q = 0; q < n; q++) { const row = []; for (let k = 0; k < n; k++)"
        " row.push(g.getImageData(k * s + (s >> 1), q * s + (s >> 1), 1, 1).data[2]); out.push(row); } return out;",
        canvas, cell, n)
    weights = want["attention"][layer][head]
    worst = max(abs((255 - pixels[q][k]) / 148 - weights[q][k]) for q in range(n) for k in range(n))
    t.check(worst < 0.02, f"heat map pixels differ from the weights by up to {worst:.3f}")
    ActionChains(driver).move_to_element_with_offset(canvas, 0, 0).perform()
    t.check("->" in el("attention-cell").text, "hovering a cell names its tokens")
    t.check(el("attention-section").get_attribute("data-stale") == "0", "attention fresh after recording")
    driver.execute_script("document.getElementById('attention-map').scrollIntoView({block: 'center'})")
    shot("playground_attention.png")
    el("prompt").send_keys(" Then it slept.")
    wait.until(lambda d: d.find_element(By.ID, "attention-section").get_attribute("data-stale") == "1")
    t.check("stale" in el("attention-status").text, f"stale attention says so: {el('attention-status').text}")
    el("attention-show").click()
    wait.until(lambda d: d.find_element(By.ID, "attention-section").get_attribute("data-stale") == "0")
    _, n_now = prompt_panel_current()
    t.check(len(driver.find_elements(By.CSS_SELECTOR, "#attention-rows span")) == n_now > n,
            "refreshed attention covers the longer prompt")


def phone():
    viewport(390, 844, mobile=True)
    try:
        open_page("chat")
        set_value("max-tokens", "12")
        set_value("system", "You are a helpful assistant.")
        say("Hi! My name is Ada.", 1)
        say("What is my name?", 2)
        set_value("prompt", "Thanks!")
        prompt_panel_current()
        width = driver.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
        t.check(width[0] <= width[1], f"phone: page {width[0]} px wide in a {width[1]} px window")
        chips_inside("phone")
        overflow = driver.execute_script("""
            return [...document.querySelectorAll('button, textarea, .turn, #tabs, header')].filter(e => {
                const r = e.getBoundingClientRect(); return r.width && (r.right > window.innerWidth + 0.5 || r.left < -0.5);
            }).map(e => e.id || e.className);""")
        t.check(not overflow, f"phone: elements past the screen edge: {overflow}")
        driver.execute_script("window.scrollTo(0, 0)")
        shot("playground_phone.png")
    finally:
        viewport(1280, 800)


def task_panels():
    tmp = tempfile.mkdtemp(prefix="loom_serve_browser_")
    subprocess.run([sys.executable, "scripts/goldens/write_tiny_seq2seq.py", "--out", f"{tmp}/s2s"], check=True,
                   stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "scripts/goldens/write_tiny_encoders.py", f"{tmp}/enc"], check=True,
                   stdout=subprocess.DEVNULL)
    tasks = Server(loom, "-m", "models/all-MiniLM-L6-v2", "--translate-model", f"{tmp}/s2s/marian",
                   "--ner-model", f"{tmp}/enc/bert-ner")
    try:
        driver.get(tasks.base + "/")
        wait.until(lambda d: d.execute_script("return window.loomLog.some(e => e.kind === 'ready')"))
        tabs = [b.get_attribute("data-tab") for b in driver.find_elements(By.CSS_SELECTOR, "#tabs button")]
        t.check(tabs == ["embeddings", "translate", "ner"], f"encoder server tabs: {tabs}")
        t.check(not el("send").is_displayed() and not el("generate-panel").is_displayed() and not el("inspect").is_displayed(),
                "no Generate / Send where no model generates")
        js_value("translate-input", json.load(open("tests/data/seq2seq/marian.json"))["text"]["input"])
        js_value("ner-input", json.load(open("tests/data/encoders/tiny_bert_ner.json"))["pipeline"][1]["text"])
        el("embed-run").click()
        wait.until(lambda d: count("task-done") >= 1)
        cells = [float(c.text) for c in driver.find_elements(By.CSS_SELECTOR, "table.similarity td.sim")]
        t.check(len(cells) == 9 and all(abs(cells[i * 4] - 1) < 1e-3 for i in range(3)) and cells[1] > cells[2],
                f"embeddings: similarity matrix {cells}")
        driver.find_element(By.CSS_SELECTOR, "#tabs button[data-tab=translate]").click()
        el("translate-run").click()
        wait.until(lambda d: count("task-done") >= 2)
        want = json.loads(tasks.post("/v1/translate", {"input": el("translate-input").get_attribute("value")})[1])
        t.check(el("translate-output").text == want["data"][0]["text"].strip(), f"translate: {el('translate-output').text!r}")
        driver.find_element(By.CSS_SELECTOR, "#tabs button[data-tab=ner]").click()
        el("ner-run").click()
        wait.until(lambda d: count("task-done") >= 3)
        want = json.loads(tasks.post("/v1/ner", {"input": el("ner-input").get_attribute("value")})[1])
        t.check(el("ner-output").get_attribute("data-count") == str(len(want["data"][0]["entities"])),
                f"ner: {el('ner-output').get_attribute('data-count')} entities shown")
        driver.find_element(By.CSS_SELECTOR, "#tabs button[data-tab=embeddings]").click()
        shot("playground_tasks.png")
    finally:
        t.check(tasks.stop() == 0, "task server exit code")


try:
    viewport(1280, 800)
    t.run("completion", completion)
    t.run("chat", lambda: regenerate_edit_stop(chat()))
    t.run("attention", attention_view)
    t.run("phone", phone)
    t.run("task panels", task_panels)
finally:
    driver.quit()
    t.check(server.stop() == 0, "server exit code")
t.finish()
