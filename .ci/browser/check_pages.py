"""Loads the scan page for each demo case in headless Chromium at phone size.

    check_pages.py BASE_URL TRUST_DIR    (screenshots go to $ARTEFACTS)

Checks the verdict a person reads (the h1's visible text, not the markup),
that the page fits 390 px without sideways scrolling, and saves a PNG.
"""

import os
import shutil
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

# Selenium Manager would fetch a browser or driver; the system ones are used.
os.environ["SE_AVOID_BROWSER_DOWNLOAD"] = "true"

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

WIDTH, HEIGHT = 390, 844


def qr_path(trust_dir, name):
    with open(os.path.join(trust_dir, name + ".qr.txt")) as f:
        return urlsplit(f.read().strip()).path


def http_status(url):
    # WebDriver does not expose the status code; the notice page must be a 400.
    try:
        return urllib.request.urlopen(url).status
    except urllib.error.HTTPError as e:
        return e.code


def main():
    base, trust_dir = sys.argv[1], sys.argv[2]
    artefacts = os.environ.get("ARTEFACTS", "target/ci-artefacts/screenshots")
    valid = qr_path(trust_dir, "business-licence")
    # (case, path, HTTP status, h1, data-outcome, None on the notice page)
    cases = [
        ("valid", valid, 200, "有效", "valid"),
        ("revoked", qr_path(trust_dir, "business-licence-revoked"), 200, "已撤销", "revoked"),
        ("expired", qr_path(trust_dir, "business-licence-expired"), 200, "已过期", "expired"),
        ("forged", qr_path(trust_dir, "forged-driving-licence"), 200, "无效", "invalid"),
        ("truncated", valid[:-5], 200, "无效", "invalid"),
        ("non-digit", "/c/12345x", 400, "无法识别的二维码", None),
        ("valid-en", valid + "?lang=en", 200, "Valid", "valid"),
    ]

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium")
    # CI runs as root, where Chromium's sandbox refuses to start. Phones
    # overlay their scrollbars: a classic one would take 15 px of the width.
    flags = ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", f"--window-size={WIDTH},{HEIGHT}")
    for arg in flags:
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=shutil.which("chromedriver")))
    failures = 0
    try:
        # The new headless mode clamps --window-size to 500 px wide; resizing
        # through WebDriver afterwards is not clamped.
        driver.set_window_size(WIDTH, HEIGHT)
        viewport = driver.execute_script("return window.innerWidth")
        if viewport != WIDTH:
            sys.exit(f"the viewport is {viewport} px wide, not {WIDTH}: the width checks would mean nothing")
        for name, path, status, label, outcome in cases:
            got_status = http_status(base + path)
            driver.get(base + path)
            section = driver.find_element(By.CSS_SELECTOR, "#verdict" if outcome else "section.verdict")
            got_label = section.find_element(By.TAG_NAME, "h1").text
            got_outcome = section.get_attribute("data-outcome")
            width = driver.execute_script("return document.documentElement.scrollWidth")
            shot = os.path.join(artefacts, name + ".png")
            driver.save_screenshot(shot)
            problems = []
            if got_status != status:
                problems.append(f"HTTP {got_status}, expected {status}")
            if got_label != label:
                problems.append(f"h1 {got_label!r}, expected {label!r}")
            if got_outcome != outcome:
                problems.append(f"data-outcome {got_outcome!r}, expected {outcome!r}")
            if width > WIDTH:
                problems.append(f"scrollWidth {width} > {WIDTH}")
            failures += bool(problems)
            print(f"{'FAIL' if problems else 'ok  '} {name:<10} {got_label} (scrollWidth {width}) {'; '.join(problems)}")
    finally:
        driver.quit()
    print(f"{len(cases) - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
