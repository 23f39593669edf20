"""Bytes on the wire, as the phone sends and receives them: Debian's Chromium against the real app.

- A push goes gzipped (`CompressionStream`, `Content-Encoding: gzip`) and is applied.
- A server that answers 503 with `Retry-After` is left alone that long (jittered), not retried on
  the phone's own shorter backoff; the record then lands once.
- After a sync, the service worker refreshes its copies conditionally (If-None-Match): pages whose
  data did not change answer 304 with no body, and the copy is kept, marked current.
- It asks only for the pages that show a type of record the sync changed: one contact, the
  person's page and the caseload; no other page is fetched again.
"""

import gzip
import threading

import pytest
from playwright.sync_api import expect

from tests.test_offline import TIMEOUT, person_id, sign_in, wait_cached
from tests.test_offline_faults import contacts_at, save_contact, wait_until


def test_a_push_goes_gzipped_and_is_applied(phone, live_server):
    dan = person_id(live_server, "Dan")
    page = sign_in(phone(), "outreach")
    place = "Test: gzipped push, Wisbech"
    item = save_contact(page, dan, place)
    expect(item).to_have_attribute("data-state", "sent", timeout=TIMEOUT)
    assert [c["person_id"] for c in contacts_at(live_server, place)] == [dan]
    mutation = item.get_attribute("data-mutation-id")
    [push] = [e for e in live_server.faults.exchanges if mutation in e["ids"]]
    assert push["encoding"] == "gzip"
    assert push["results"][mutation] == "applied"
    # The browser really compressed it: a gzip stream of the JSON, smaller than the JSON.
    sent = gzip.decompress(push["raw"])
    assert sent.startswith(b"{") and push["bytes"] < len(sent)


# About the encoding only. Its service worker is blocked (an init script does not reach one), and
# the PIN lock keeps the unlocked key in the worker between pages: without one every page would
# ask for the PIN again.
@pytest.mark.server_config(PHONE_LOCK=False)
def test_a_browser_without_compressionstream_sends_plain_json(browser, live_server,
                                                              phone_context_args):
    """Where the browser lacks CompressionStream (the page flushes itself here: no service
    worker, whose scope an init script does not reach), the push goes as plain JSON."""
    dan = person_id(live_server, "Dan")
    context = browser.new_context(base_url=live_server.url,
                                  **{**phone_context_args, "service_workers": "block"})
    try:
        context.add_init_script("delete self.CompressionStream;")
        page = context.new_page()
        page.set_default_timeout(TIMEOUT)
        page.goto("/login")
        page.fill("#username", "outreach")
        page.fill("#password", "demo")
        page.click("button:has-text('Sign in')")
        page.wait_for_url("**/caseload")
        assert page.evaluate("() => typeof CompressionStream") == "undefined"
        place = "Test: plain push, Wisbech"
        item = save_contact(page, dan, place)
        expect(item).to_have_attribute("data-state", "sent", timeout=TIMEOUT)
        mutation = item.get_attribute("data-mutation-id")
        [push] = [e for e in live_server.faults.exchanges if mutation in e["ids"]]
        assert push["encoding"] == "" and push["raw"].startswith(b"{")
        assert [c["person_id"] for c in contacts_at(live_server, place)] == [dan]
    finally:
        context.close()


def test_a_busy_server_is_left_alone_for_its_retry_after(phone, live_server):
    dan = person_id(live_server, "Dan")
    page = sign_in(phone(), "outreach")
    faults = live_server.faults
    # The phone's own backoff after one failure is 1 to 2 s; the server asks for 4 s.
    faults.retry_after = 4
    start = len(faults.exchanges)
    faults.set("unavailable", count=1)
    place = "Test: busy server, Wisbech"
    item = save_contact(page, dan, place)
    expect(item).to_have_attribute("data-state", "sent", timeout=3 * TIMEOUT)
    # The first sync request after (the save's, or a pull as a page opened) was turned away; no
    # trigger of the page or the service worker sent anything until the wait was over.
    tries = faults.exchanges[start:]
    assert tries[0]["status"] == 503 and tries[1]["status"] == 200
    waited = tries[1]["at"] - tries[0]["at"]
    # At least what it asked for, at most its 1.5 jitter (and a second for a busy machine).
    assert 4 <= waited <= 4 * 1.5 + 1, waited
    assert [c["person_id"] for c in contacts_at(live_server, place)] == [dan]


class PageLog:
    """WSGI middleware put in front of the app for one test: every page request the service
    worker's refresh makes (X-Fieldapp-Refresh: 1), with its status and bytes on the wire, in
    `refreshes`; every HTML answer, the refreshes and the pages opened alike, in `pages`."""

    def __init__(self, app):
        self.app = app
        self.refreshes = []
        self.pages = []
        self._lock = threading.Lock()

    def __call__(self, environ, start_response):
        refresh = environ.get("HTTP_X_FIELDAPP_REFRESH") == "1"
        entry = {"path": environ["PATH_INFO"], "conditional": "HTTP_IF_NONE_MATCH" in environ,
                 "refresh": refresh}

        def record(status, headers, exc_info=None):
            named = dict((k.lower(), v) for k, v in headers)
            entry["status"] = int(status.split()[0])
            entry["encoding"] = named.get("content-encoding")
            entry["html"] = named.get("content-type", "").startswith("text/html")
            return start_response(status, headers, exc_info)

        body = b"".join(self.app(environ, record))
        entry["bytes"] = len(body)
        with self._lock:
            if refresh:
                self.refreshes.append(entry)
            if entry.get("html"):
                self.pages.append(entry)
        return [body]


def test_the_refresh_after_a_sync_asks_conditionally(phone, live_server):
    dan = person_id(live_server, "Dan")
    context = phone()
    page = sign_in(context, "outreach")
    wait_cached(page, "/caseload", f"/people/{dan}", f"/people/{dan}/contacts/new", "/contacts/new")
    wait_until(page, lambda: page.evaluate(
        "async () => !!(await FieldappOutbox.getMeta('pages_refreshed_at'))"),
        "the first refresh never finished", timeout=2 * TIMEOUT / 1000)
    # A day since the last check of every page: this sync asks for all the pages held, not only
    # those showing a contact (a new version of the app may have changed any of them).
    page.evaluate("""async () => FieldappOutbox.setMeta(
        {pages_rechecked_at: new Date(Date.now() - 2 * 86400000).toISOString()})""")
    log = PageLog(live_server.faults.app)
    live_server.faults.app = log
    before = rendered_at_of_copies(page)
    page.wait_for_timeout(1100)  # render times are to the second

    place = "Test: refreshed conditionally, Wisbech"
    item = save_contact(page, dan, place)
    expect(item).to_have_attribute("data-state", "sent", timeout=TIMEOUT)
    wait_until(page, lambda: any(e["path"] == f"/people/{dan}" for e in log.refreshes),
               "Dan's page was not refreshed")
    # The rest of the refresh: the daily check of every page held ends by noting when it ran.
    wait_until(page, lambda: page.evaluate(
        "async () => Date.now() - Date.parse(await FieldappOutbox.getMeta('pages_rechecked_at')) < 86400000"),
        "the check of every page held never finished", timeout=2 * TIMEOUT / 1000)
    by_path = {e["path"]: e for e in log.refreshes}
    # Dan's page is asked for with the copy's ETag. It comes whole and compressed when the copy
    # lacks the new contact, or 304 when the page opened after the save already brought it: either
    # way the phone's copy shows it.
    dans = [e for e in log.refreshes if e["path"] == f"/people/{dan}"]
    assert dans and all(e["conditional"] for e in dans)
    assert all(e["encoding"] in ("gzip", "br", "dcz") for e in dans if e["status"] == 200)
    assert place in page.evaluate("(p) => FieldappCachedPages.pageText(p)", f"/people/{dan}")
    # Every page held was asked for; those that show nothing new answer 304 with no body.
    assert set(before) <= set(by_path), set(before) - set(by_path)
    unchanged = [e for e in log.refreshes if e["status"] == 304]
    assert unchanged, log.refreshes
    assert all(e["conditional"] and e["bytes"] == 0 for e in unchanged)
    print("refresh after 1 record:", len(log.refreshes), "requests,",
          sum(e["bytes"] for e in log.refreshes), "body bytes:", log.refreshes)

    # The next check of every page is a day from now.
    assert page.evaluate("""async () => Date.now() - Date.parse(
        await FieldappOutbox.getMeta('pages_rechecked_at'))""") < 60000
    # A page answered 304 is kept, marked as current now (its age is shown from that).
    after = rendered_at_of_copies(page)
    for entry in unchanged:
        if entry["path"] in before:  # not the contact form, kept when the save opened it
            assert after[entry["path"]] > before[entry["path"]], entry
    # Offline, Dan's copy holds the contact, and a confirmed copy opens as any other.
    context.set_offline(True)
    page.goto(f"/people/{dan}")
    expect(page.locator("main")).to_contain_text("refreshed conditionally")
    page.goto(unchanged[0]["path"])
    expect(page.locator("[data-notice=offline-copy]")).to_contain_text("Offline copy from")


def test_pages_come_packed_against_the_phones_dictionary(phone, live_server):
    """Every page links the page dictionary (fieldapp/web/dictionary.py), which the browser
    fetches once; from then on a page comes as dcz (Zstandard against it), a fraction of its
    brotli size, and reads the same: on the screen, and in the copy the phone keeps offline."""
    dan = person_id(live_server, "Dan")
    context = phone()
    page = sign_in(context, "outreach")
    wait_cached(page, "/caseload", f"/people/{dan}")
    # The browser fetches the dictionary when it is idle, after the page that links it: "from
    # then on" starts once it holds it (a page asked for before comes with brotli, as it should).
    wait_until(page, lambda: page.evaluate(
        "async () => (await fetch('/caseload')).headers.get('content-encoding')") == "dcz",
        "the browser never took the page dictionary")
    log = PageLog(live_server.faults.app)
    live_server.faults.app = log
    place = "Test: packed against the dictionary, Wisbech"
    item = save_contact(page, dan, place)  # then Dan's page opens, and the refresh follows
    expect(item).to_have_attribute("data-state", "sent", timeout=TIMEOUT)
    wait_until(page, lambda: any(e["path"] == f"/people/{dan}" and e["status"] == 200
                                 for e in log.pages), "Dan's page never came whole")
    whole = [e for e in log.pages if e["status"] == 200]
    assert all(e["encoding"] == "dcz" for e in whole), whole
    wait_until(page, lambda: place in page.evaluate("(p) => FieldappCachedPages.pageText(p)",
                                                    f"/people/{dan}"), "the copy lacks the contact")
    context.set_offline(True)
    page.goto(f"/people/{dan}")
    expect(page.locator("main")).to_contain_text("packed against the dictionary")


def rendered_at_of_copies(page):
    """{path: render time} of every page the phone's cache holds (unsealed, with the PIN lock on)."""
    return page.evaluate("""async () => {
        const cache = await caches.open('fieldapp-pages');
        const out = {};
        for (const req of await cache.keys()) {
            const html = await FieldappCachedPages.pageText(new URL(req.url).pathname);
            const m = /<meta name="fieldapp-rendered-at" content="([^"]*)"/.exec(html);
            out[new URL(req.url).pathname] = m ? m[1] : null;
        }
        return out;
    }""")


def test_a_page_the_sync_did_not_touch_is_not_fetched_again(phone, live_server):
    # One pushed contact can change only Dan's page and the caseload's last contact
    # (static/page-map.js SHARED_PAGES): the blank forms, the other shared pages, the other
    # people's pages and Dan's forms are not asked for at all, not even conditionally.
    dan = person_id(live_server, "Dan")
    page = sign_in(phone(), "outreach")
    wait_cached(page, "/caseload", f"/people/{dan}", "/people/on-phone/edit", "/barriers")
    wait_until(page, lambda: page.evaluate(
        "async () => !!(await FieldappOutbox.getMeta('pages_refreshed_at'))"),
        "the first refresh never finished", timeout=2 * TIMEOUT / 1000)
    page.wait_for_timeout(1500)  # the first refresh's last pages
    held = page.evaluate("""async () => (await (await caches.open('fieldapp-pages')).keys())
        .map((r) => new URL(r.url).pathname)""")
    assert len(held) > 10, held
    log = PageLog(live_server.faults.app)
    live_server.faults.app = log

    item = save_contact(page, dan, "Test: only what it shows, Wisbech")
    expect(item).to_have_attribute("data-state", "sent", timeout=TIMEOUT)
    wait_until(page, lambda: any(e["path"] == f"/people/{dan}" for e in log.refreshes),
               "Dan's page was not refreshed")
    page.wait_for_timeout(1500)  # anything else the refresh would ask for
    asked = sorted({e["path"] for e in log.refreshes})
    assert set(asked) <= {f"/people/{dan}", "/caseload"}, asked
    assert "Test: only what it shows" in page.evaluate("(p) => FieldappCachedPages.pageText(p)", f"/people/{dan}")
