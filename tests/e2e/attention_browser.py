#!/usr/bin/env python3
"""Opens a `loom attention` page (attention.html) in headless Chromium through selenium and checks that it
renders (a token per entry of the data, a heatmap with coloured cells, layer/head pickers) and that it reacts:
hovering a token highlights what it attends to (fill) and what attends to it (underline), hovering another token
changes that highlight, and picking another head redraws the matrix. Used by tests/e2e/attention_browser.sh.

    attention_browser.py PAGE.html [--screenshot OUT.png]
Needs: Debian chromium + chromium-driver, pip selenium (scripts/install_deps.sh).
"""
import argparse
import os
import shutil
import sys

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select


def fail(msg):
    sys.exit("attention_browser: FAIL: " + msg)


def driver():
    options = webdriver.ChromeOptions()
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1000,900"]:
        options.add_argument(arg)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    chromedriver = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(service=Service(chromedriver), options=options)


# Sum of the matrix canvas pixels' darkness: 0 for an all-white canvas; changes when the matrix changes.
CANVAS_INK = """
const c = document.getElementById('matrix'), g = c.getContext('2d');
const px = g.getImageData(0, 0, c.width, c.height).data;
let ink = 0;
for (let i = 0; i < px.length; i += 4) ink += 765 - px[i] - px[i + 1] - px[i + 2];
return ink;"""


def highlight(browser):
    return [(s.get_attribute("data-out"), s.get_attribute("data-in"), s.value_of_css_property("background-color"))
            for s in browser.find_elements(By.CSS_SELECTOR, "#tokens .tok")]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("page")
    p.add_argument("--screenshot")
    a = p.parse_args()
    browser = driver()
    try:
        browser.get("file://" + os.path.abspath(a.page))
        errors = [e for e in browser.get_log("browser") if e.get("level") == "SEVERE"] \
            if hasattr(browser, "get_log") else []
        if errors:
            fail("JavaScript errors: %s" % errors)
        n = browser.execute_script("return data.labels.length")
        spans = browser.find_elements(By.CSS_SELECTOR, "#tokens .tok")
        if n < 3 or len(spans) != n:
            fail("%d token elements for %d tokens" % (len(spans), n))
        if browser.find_element(By.ID, "matrix").size["width"] < 3 * n:
            fail("matrix canvas not drawn to size")
        ink = browser.execute_script(CANVAS_INK)
        if ink <= 0:
            fail("the heatmap is blank")
        before = highlight(browser)
        if any(bg not in ("rgba(0, 0, 0, 0)", "transparent") for _, _, bg in before):
            fail("tokens highlighted before any hover")

        ActionChains(browser).move_to_element(spans[1]).perform()
        first = highlight(browser)
        if first == before:
            fail("hovering token 1 changed nothing")
        out = sum(float(o) for o, _, _ in first)
        if abs(out - 1) > 2e-3:
            fail("the 'attends to' fills of token 1 sum to %g, not 1" % out)
        if "focus" not in spans[1].get_attribute("class"):
            fail("hovered token not marked")
        ink_focus = browser.execute_script(CANVAS_INK)
        if ink_focus == ink:
            fail("hovering did not outline the row/column in the matrix")

        ActionChains(browser).move_to_element(spans[n - 1]).perform()
        last = highlight(browser)
        if last == first:
            fail("hovering another token did not change the highlight")
        if "attends most to" not in browser.find_element(By.ID, "readout").text:
            fail("no readout for the hovered token")

        ink_last = browser.execute_script(CANVAS_INK)
        Select(browser.find_element(By.ID, "head")).select_by_index(1)
        if browser.execute_script(CANVAS_INK) == ink_last or highlight(browser) == last:
            fail("picking head 1 did not redraw")
        Select(browser.find_element(By.ID, "head")).select_by_index(0)
        ActionChains(browser).move_to_element(spans[min(2, n - 1)]).perform()
        if a.screenshot:
            browser.save_screenshot(a.screenshot)
        print("attention_browser: ok: %d tokens, hover and head picker update the page" % n)
    finally:
        browser.quit()


if __name__ == "__main__":
    main()
