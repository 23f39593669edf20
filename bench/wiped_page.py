"""How long does a revoked phone take to wipe itself, and does Chromium hold the /wiped page while
it clears the site (`Clear-Site-Data: "cache", "storage"`)? Prints figures; asserts nothing.

    .venv/bin/python bench/wiped_page.py [--runs 5]

Serves the app with the demo data on 127.0.0.1 and drives Debian's Chromium (Playwright, a 360 px
phone with its service worker). Each run signs a fresh phone in as the outreach worker and waits
for the pages kept for offline use, then times, in milliseconds:
- the wipe in the page (static/handover.js `wipeAll`: every IndexedDB database, every fieldapp-
  cache, local storage, the service worker's registration);
- loading /wiped after it (what a revoked phone does), from the navigation to `load`;
- loading /wiped on a phone that still holds everything (no wipe first: Clear-Site-Data alone);
- loading /login, a page of about the same weight without the header, for comparison.
"""

import argparse
import statistics
import tempfile
import threading
import time

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from fieldapp import create_app, demo
from fieldapp.db import open_db
from fieldapp.migrations import migrate


def serve(folder):
    app = create_app({"INSTANCE": folder, "SECRET_KEY": "bench-only", "TESTING": True,
                      "RATELIMIT_ENABLED": False, "PHONE_LOCK": False,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 256, "ARGON2_PARALLELISM": 1})
    db = open_db(app.config["DATABASE"])
    migrate(db)
    demo.load_demo(db, app.config)
    db.close()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server


def signed_in_phone(browser, base_url):
    """A phone signed in as the outreach worker, its caseload page kept for offline use."""
    context = browser.new_context(base_url=base_url, viewport={"width": 360, "height": 740},
                                  is_mobile=True, service_workers="allow")
    page = context.new_page()
    page.set_default_timeout(60000)
    page.goto("/login")
    page.fill("#username", "outreach")
    page.fill("#password", "demo")
    page.click("button:has-text('Sign in')")
    page.wait_for_url("**/caseload")
    deadline = time.monotonic() + 60
    while not page.evaluate("""async () => !!navigator.serviceWorker.controller &&
            !!(await (await caches.open('fieldapp-pages')).match('/caseload'))"""):
        if time.monotonic() > deadline:
            raise SystemExit("the caseload was never kept for offline use")
        page.wait_for_timeout(100)
    return context, page


def load_ms(page, path):
    started = time.perf_counter()
    page.goto(path, wait_until="load")
    return (time.perf_counter() - started) * 1000


def figure(name, values):
    print(f"  {name:<46} median {statistics.median(values):7.0f} ms   max {max(values):7.0f} ms")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    out = {"wipe": [], "wiped_after_wipe": [], "wiped_holding_everything": [], "login": []}
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        server = serve(folder)
        base_url = f"http://127.0.0.1:{server.server_port}"
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--disable-gpu", "--disable-quic", "--no-sandbox",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"])
        for _ in range(args.runs):
            context, page = signed_in_phone(browser, base_url)
            out["login"].append(load_ms(page, "/login"))
            out["wipe"].append(page.evaluate("""async () => {
                const t = performance.now(); await FieldappHandover.wipeAll(); return performance.now() - t; }"""))
            out["wiped_after_wipe"].append(load_ms(page, "/wiped"))
            context.close()
            context, page = signed_in_phone(browser, base_url)
            out["wiped_holding_everything"].append(load_ms(page, "/wiped"))
            left = page.evaluate("""async () => ({databases: (await indexedDB.databases()).length,
                caches: (await caches.keys()).length,
                workers: (await navigator.serviceWorker.getRegistrations()).length})""")
            context.close()
        print(f"A revoked phone's wipe (Chromium, {args.runs} runs, a fresh phone each)")
        figure("wipe in the page (databases, caches, worker)", out["wipe"])
        figure("load /wiped after the wipe", out["wiped_after_wipe"])
        figure("load /wiped holding everything (header only)", out["wiped_holding_everything"])
        figure("load /login (no Clear-Site-Data)", out["login"])
        print(f"  left after the header alone (last run): {left}")
        browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
