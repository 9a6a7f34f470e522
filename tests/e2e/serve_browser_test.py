"""The playground in headless Chromium (Selenium + chromedriver): type a prompt, see streamed tokens tinted by
probability, hover one and see its alternatives, see the prompt's tokens; open the attention view and pick a
layer x head (its heat map equals /v1/attention's weights). Screenshots go to
$LOOM_SCREENSHOT_DIR when set (docs/images/ holds the committed ones).
Usage: python3 tests/e2e/serve_browser_test.py path/to/loom"""
import os
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, os.path.dirname(__file__))
from serve_helpers import Checks, Server, default_model  # noqa: E402

loom = sys.argv[1]
t = Checks("serve_browser")
shots = os.environ.get("LOOM_SCREENSHOT_DIR", "")
server = Server(loom, "-m", default_model(), "--slots", "2", "--ctx", "512")

options = webdriver.ChromeOptions()
for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,900"):
    options.add_argument(arg)
options.binary_location = "/usr/bin/chromium"
profile = tempfile.mkdtemp()
options.add_argument(f"--user-data-dir={profile}")
driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
wait = WebDriverWait(driver, 120)


def shot(name):
    if shots:
        os.makedirs(shots, exist_ok=True)
        driver.save_screenshot(os.path.join(shots, name))


def run_mode(mode, prompt, shot_name):
    driver.get(server.base + "/")
    driver.find_element(By.CSS_SELECTOR, f"input[name=mode][value={mode}]").click()
    box = driver.find_element(By.ID, "prompt")
    box.clear()
    box.send_keys(prompt)
    temp = driver.find_element(By.ID, "temperature")
    temp.clear()
    temp.send_keys("0")
    n = driver.find_element(By.ID, "max-tokens")
    n.clear()
    n.send_keys("20")
    # Tokens arrive one by one while streaming: the page shows the first before the stream ends. Recorded by
    # the page itself when the first token appears (polling from here races a fast stream).
    driver.execute_script("""
        window.firstTokenWhileStreaming = null;
        const out = document.getElementById("output");
        new MutationObserver((changes, observer) => {
            if (out.querySelector(".tok")) {
                window.firstTokenWhileStreaming = document.getElementById("send").disabled;
                observer.disconnect();
            }
        }).observe(out, {childList: true, subtree: true});""")
    driver.find_element(By.ID, "send").click()
    wait.until(lambda d: d.execute_script("return window.firstTokenWhileStreaming") is not None)
    seen_while_streaming = driver.execute_script("return window.firstTokenWhileStreaming") is True
    wait.until(lambda d: "finished" in d.find_element(By.ID, "status").text or "error" in d.find_element(By.ID, "status").text)
    t.check("finished" in driver.find_element(By.ID, "status").text, f"{mode}: status {driver.find_element(By.ID, 'status').text}")
    tokens = driver.find_elements(By.CSS_SELECTOR, "#output .tok")
    t.check(len(tokens) >= 3, f"{mode}: {len(tokens)} tokens shown")
    t.check(seen_while_streaming, f"{mode}: first token shown before the stream ended")
    probs = [float(x.get_attribute("data-prob")) for x in tokens]
    t.check(all(0 < p <= 1 for p in probs), f"{mode}: probabilities {probs[:5]}")
    t.check(all(x.value_of_css_property("background-color") not in ("", "rgba(0, 0, 0, 0)") for x in tokens),
            f"{mode}: tokens tinted")
    prompt_tokens = driver.find_elements(By.CSS_SELECTOR, "#prompt-tokens .ptok")
    t.check(len(prompt_tokens) >= 2, f"{mode}: prompt tokenization shown ({len(prompt_tokens)})")
    target = tokens[min(2, len(tokens) - 1)]
    ActionChains(driver).move_to_element(target).perform()
    wait.until(lambda d: d.find_element(By.ID, "tooltip").is_displayed())
    rows = driver.find_elements(By.CSS_SELECTOR, "#tooltip table.alternatives tr")
    t.check(len(rows) == 5, f"{mode}: {len(rows)} alternatives on hover (expected 5)")
    chosen = driver.find_elements(By.CSS_SELECTOR, "#tooltip tr.chosen")
    t.check(len(chosen) == 1, f"{mode}: the chosen token is marked among the alternatives (greedy)")
    shot(shot_name)


def attention_view():
    import json
    prompt = "The cat sat on the mat because it was tired."
    driver.get(server.base + "/")
    box = driver.find_element(By.ID, "prompt")
    box.clear()
    box.send_keys(prompt)
    driver.find_element(By.ID, "attention-show").click()
    wait.until(lambda d: d.find_element(By.ID, "attention-map").get_attribute("data-rendered"))
    want = json.loads(server.post("/v1/attention", {"input": prompt, "decimals": 4})[1])
    n_layers, n_heads, n = len(want["layers"]), len(want["heads"]), len(want["labels"])
    thumbs = driver.find_elements(By.CSS_SELECTOR, "#attention-picker canvas")
    t.check(len(thumbs) == n_layers * n_heads, f"picker: {len(thumbs)} heads shown, expected {n_layers}x{n_heads}")
    t.check(len(driver.find_elements(By.CSS_SELECTOR, "#attention-rows span")) == n, "one row label per token")
    # Pick the last layer's third head; the heat map must show that head, and its pixels its weights.
    layer, head = n_layers - 1, min(2, n_heads - 1)
    thumbs[layer * n_heads + head].click()
    canvas = driver.find_element(By.ID, "attention-map")
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
    t.check("->" in driver.find_element(By.ID, "attention-cell").text, "hovering a cell names its tokens")
    driver.execute_script("document.getElementById('attention-section').scrollIntoView()")
    shot("playground_attention.png")


try:
    t.run("attention", attention_view)
    t.run("completion", lambda: run_mode("completion", "The three primary colors are", "playground_completion.png"))
    t.run("chat", lambda: run_mode("chat", "What is the capital of France?", "playground_chat.png"))
finally:
    driver.quit()
    t.check(server.stop() == 0, "server exit code")
t.finish()
