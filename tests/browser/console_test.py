#!/usr/bin/env python3
"""End-to-end test of the console that `saiki serve` shows at /, in a real
headless browser (Debian's chromium, chromium-driver and python3-selenium).

Imports a catalogue into a fresh database, starts `saiki serve` on a free
loopback port, and as a user would: types 犬, sees results, opens one
result's explanation, clicks the third result as alice, ends alice's session,
and sees the model history grow. Fails on any error the page logs to the
browser console. Writes a screenshot of the page at the end (--screenshot).

Registered with CTest (tests/CMakeLists.txt, test console_browser); run by
hand:
  python3 tests/browser/console_test.py --saiki build/saiki \
      --catalog datasets/catalog.csv --screenshot /tmp/console.png
Exit status 0 when every step passed, 1 otherwise (with the step that failed).
"""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

# How long a step may take before the test fails (a bound, not a pause:
# each wait returns as soon as its condition holds).
STEP_TIMEOUT_S = 30


def fail(step, detail=""):
    print(f"console_test: FAILED at: {step}" + (f"\n  {detail}" if detail else ""), file=sys.stderr)
    sys.exit(1)


def start_server(saiki, db):
    proc = subprocess.Popen([saiki, "--db", db, "serve", "--listen", "127.0.0.1:0"],
                            stderr=subprocess.PIPE, text=True)
    line = proc.stderr.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        proc.kill()
        fail("starting saiki serve", line)
    return proc, int(match.group(1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--saiki", required=True)
    ap.add_argument("--catalog", required=True)
    ap.add_argument("--screenshot", required=True)
    args = ap.parse_args()
    for tool in ("chromium", "chromedriver"):
        if not shutil.which(tool):
            fail("finding " + tool, "install chromium chromium-driver python3-selenium "
                 "(scripts/install-deps.sh)")

    tmp = tempfile.mkdtemp(prefix="saiki-console-")
    db = os.path.join(tmp, "shop.saiki")
    imported = subprocess.run([args.saiki, "--db", db, "index", args.catalog],
                              capture_output=True, text=True)
    if imported.returncode != 0:
        fail("importing the catalogue", imported.stderr)
    server, port = start_server(args.saiki, db)
    driver = None
    try:
        options = Options()
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1440,1200", "--lang=ja", "--disable-extensions"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
        wait = WebDriverWait(driver, STEP_TIMEOUT_S)

        def until(step, condition):
            try:
                return wait.until(lambda d: condition())
            except (TimeoutException, StaleElementReferenceException):
                status = driver.find_element(By.ID, "status").text
                driver.save_screenshot(args.screenshot)
                fail(step, f"page status: {status} (screenshot {args.screenshot})")

        def settled():
            # No API request in flight (console.js counts them in
            # <body data-pending>), so the page will not re-render under us.
            return driver.find_element(By.TAG_NAME, "body").get_attribute("data-pending") == "0"

        driver.get(f"http://127.0.0.1:{port}/")
        until("the page loads and reaches the API",
              lambda: "products" in driver.find_element(By.ID, "status").text)

        box = driver.find_element(By.ID, "q")
        box.send_keys("犬")
        box.send_keys(Keys.ENTER)
        alice = '.column[data-user="alice"]'
        until("results for 犬 appear for alice",
              lambda: len(driver.find_elements(By.CSS_SELECTOR, alice + " .result")) >= 3)
        until("results for 犬 appear for bob (compared)",
              lambda: len(driver.find_elements(By.CSS_SELECTOR, '.column[data-user="bob"] .result')) >= 3)
        until("the page settles after the search", settled)
        first = driver.find_elements(By.CSS_SELECTOR, alice + " .result")[0]
        title = first.find_element(By.CSS_SELECTOR, ".title-btn").text
        if "犬" not in title and "ドッグ" not in title and "DOG" not in title.upper():
            fail("the first result is about dogs", title)
        for part in (".price", ".score"):
            if not first.find_element(By.CSS_SELECTOR, ".facts " + part).text.strip():
                fail("a result shows its " + part[1:])
        # Highlighting and facets (README "Highlighting", "Facets").
        marks = [m.text for m in driver.find_elements(By.CSS_SELECTOR, alice + " .title-btn mark")]
        if "犬" not in marks:
            fail("the results' titles mark 犬", str(marks))
        facets = driver.find_element(By.CSS_SELECTOR, alice + " .facets").text
        if "¥" not in facets:
            fail("the column shows the facet counts", facets)

        rows_before = len(driver.find_elements(By.CSS_SELECTOR, "#history tbody tr.version"))

        third_id = driver.find_elements(By.CSS_SELECTOR, alice + " .result")[2].get_attribute("data-id")
        driver.find_elements(By.CSS_SELECTOR, alice + " .result .title-btn")[2].click()
        clicked = f'{alice} .result.clicked[data-id="{third_id}"]'
        until("the click on the third result is recorded",
              lambda: driver.find_elements(By.CSS_SELECTOR, clicked))

        driver.find_element(By.CSS_SELECTOR, alice + " .end-session").click()
        until("the session report shows one click",
              lambda: re.search(r"/ 1\b", driver.find_element(By.ID, "session-report").text))
        until("the model history grows",
              lambda: len(driver.find_elements(By.CSS_SELECTOR, "#history tbody tr.version")) > rows_before)
        until("the learning curve draws a point",
              lambda: driver.find_elements(By.CSS_SELECTOR, "#curve svg circle"))
        # Ending the session also searches again (the new order): wait for it.
        until("the page settles after the session end", settled)

        # Open the first result's explanation for the screenshot, and check
        # it lists BM25F fields.
        summary = driver.find_elements(By.CSS_SELECTOR, alice + " .result .why summary")[0]
        summary.click()
        until("the explanation shows BM25F fields",
              lambda: driver.find_elements(By.CSS_SELECTOR, alice + " .result .why[open] .bar-row"))

        severe = [e for e in driver.get_log("browser") if e.get("level") == "SEVERE"]
        if severe:
            fail("no errors in the browser console", "; ".join(e["message"] for e in severe))
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1440, max(900, min(int(height) + 40, 2400)))
        driver.execute_script("window.scrollTo(0, 0)")
        if not driver.save_screenshot(args.screenshot):
            fail("writing the screenshot", args.screenshot)
        history = len(driver.find_elements(By.CSS_SELECTOR, "#history tbody tr.version"))
        print(f"console_test: ok (history {rows_before} -> {history} versions; "
              f"screenshot {args.screenshot})")
    finally:
        if driver is not None:
            driver.quit()
        server.send_signal(signal.SIGTERM)
        try:
            rc = server.wait(timeout=STEP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            server.kill()
            rc = "killed"
        shutil.rmtree(tmp, ignore_errors=True)
    if rc != 0:
        fail("saiki serve stops cleanly on SIGTERM", f"exit status {rc}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
