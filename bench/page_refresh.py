"""The phone's page refresh after a sync, on the wire: Debian's Chromium (Playwright) signed in to a
fieldapp server through bench/linkproxy.py. Part of bench/wire.py; asserts nothing.

The phone signs in and caches its pages with no link delay; then, on `edge`, one contact is
saved to the outbox and flushed, and the proxy's log splits what follows into the sync request
and the refresh of the cached pages that the sync's answer triggers (static/cached-pages.js).
"""

import time

from linkproxy import LINKS
from phone_sign_in import sign_in

CHROMIUM_ARGS = ["--disable-gpu", "--disable-quic", "--no-sandbox",
                 "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"]


def wait(page, script, seconds=60):
    """Until `script` (an async function's source) is true in the page; a look that a navigation
    cut short (the page reloading as the worker takes control) is taken again."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + seconds
    while True:
        try:
            if page.evaluate(script):
                return
        except Error as error:
            if "Execution context was destroyed" not in str(error):
                raise
        if time.monotonic() > deadline:
            raise SystemExit(f"page refresh bench: timed out waiting for {script}")
        page.wait_for_timeout(100)


def measure(proxy, person_id):
    """{"requests", "bytes", "down", "seconds", "rtts", "rounds", "sync", "log"} for the refresh
    after pushing one record on edge, or None when Playwright or Chromium is missing. `rounds` is
    the round trips the refresh's requests took (bench/linkproxy.py `Counts.rounds`): its time is
    that many round trips plus its bytes at the link's speed."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    base = f"http://127.0.0.1:{proxy.port}"
    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        except Exception:  # noqa: BLE001 - no Chromium here: say so, measure the rest
            return None
        context = browser.new_context(base_url=base, viewport={"width": 360, "height": 740},
                                      is_mobile=True, service_workers="allow")
        page = context.new_page()
        sign_in(page)  # with the PIN the lock asks for: the phone syncs only once it is chosen
        wait(page, "() => navigator.serviceWorker.controller !== null")
        wait(page, "async () => !!(await FieldappOutbox.getMeta('pages_refreshed_at'))", 120)
        page.wait_for_timeout(1000)  # the forms of the first refresh, still arriving

        proxy.set_link("edge")
        proxy.reset()
        seconds = page.evaluate("""async ({person}) => {
            await FieldappOutbox.enqueueAll([{type: 'contact', op: 'create', person_id: person,
                label: 'bench', fields: {person_id: person, contact_at: '2026-11-22T07:55',
                district: 'Fenland', place: 'Bus shelter, Market Place, Wisbech',
                contact_type: 'street_outreach', bedded_down: true, spoken_to: true}}]);
            const result = await FieldappOutbox.flush({reason: 'save'});
            const started = performance.now();
            await result.refresh;
            return (performance.now() - started) / 1000;
        }""", {"person": person_id})
        counts = proxy.reset()
        proxy.set_link("none")
        browser.close()
    sync = [e for e in counts.log if " /api/sync " in e["request"]]
    pages = [e for e in counts.log if e not in sync]
    return {"requests": len(pages), "bytes": sum(e["up"] + e["down"] for e in pages),
            "down": sum(e["down"] for e in pages), "seconds": seconds,
            "rtts": seconds / LINKS["edge"][0], "rounds": counts.rounds(pages),
            "sync": len(sync), "log": pages}


def report(figures):
    """Print the refresh's figures (or why there are none)."""
    if figures is None:
        print("page refresh after a sync: not measured (needs Playwright and /usr/bin/chromium)")
        return
    print(f"\npage refresh after pushing 1 record, edge: {figures['requests']} requests, "
          f"{figures['bytes'] / 1000:.1f} kB up + down ({figures['down'] / 1000:.1f} kB down), "
          f"in {figures['rounds']} round(s), {figures['seconds']:.2f} s ({figures['rtts']:.1f} RTT: "
          f"the rounds plus the bytes at {LINKS['edge'][1]} kbps); goal <= 10 kB, 1 round trip")
    for entry in figures["log"]:
        print(f"    {entry['request'][:70]:70} {entry['up']:>6} up {entry['down']:>7} down")


def first_page(proxy):
    """{"requests", "bytes", "seconds"} for a phone's first page (the sign-in page, with its
    style sheet, scripts and icons) on edge as `fieldapp serve` sends it, compressed by the app
    and through no other proxy, the service worker blocked so that only the page itself counts;
    None when Playwright or Chromium is missing. `seconds` runs to the page's load event (what
    the worker can use: every script and the style sheet are in). The proxy does not delay TCP
    handshakes: a further connection costs no round trip here, as it would on a real link."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    with sync_playwright() as p:
        try:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        except Exception:  # noqa: BLE001 - no Chromium here: say so, measure the rest
            return None
        context = browser.new_context(base_url=f"http://127.0.0.1:{proxy.port}",
                                      viewport={"width": 360, "height": 740}, is_mobile=True,
                                      service_workers="block")
        page = context.new_page()
        proxy.set_link("edge")
        proxy.reset()
        started = time.monotonic()
        page.goto("/login", wait_until="load", timeout=120_000)
        seconds = time.monotonic() - started
        counts = proxy.reset()
        proxy.set_link("none")
        browser.close()
    return {"requests": counts.requests, "bytes": counts.up + counts.down, "down": counts.down,
            "seconds": seconds, "log": counts.log}


def report_first_page(figures):
    """Print the first page's figures (or why there are none)."""
    if figures is None:
        print("first page on edge: not measured (needs Playwright and /usr/bin/chromium)")
        return
    print(f"\nfirst page (sign-in) on edge as `fieldapp serve` sends it: {figures['requests']} "
          f"requests, {figures['bytes'] / 1000:.1f} kB up + down ({figures['down'] / 1000:.1f} kB "
          f"down), {figures['seconds']:.2f} s to its load event; goal <= 50 kB, <= 4 s")
    for entry in figures["log"]:
        print(f"    {entry['request'][:70]:70} {entry['up']:>6} up {entry['down']:>7} down")
