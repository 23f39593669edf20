"""A phone's first sign-in downloads the app shell once: the page loads it, and the service worker
precaches the very same URLs (content hash and all) from the browser's HTTP cache
(fieldapp/web/assets.py, static/sw.js `precache`), and once the first page has shown the rest of
the shell (the forms' own scripts), which the first page did not need. Counted where it matters, at
the server: every request that reached it, the page's and the service worker's alike. Debian's
Chromium against the real app."""

import time
from collections import Counter

from playwright.sync_api import expect

from fieldapp.web import dictionary, shell
from tests.test_offline import TIMEOUT, person_id, sign_in
from tests.test_offline_forms import ready_cue, wait_ready


class Arrivals:
    """WSGI middleware: counts every request that reaches the app by path and query string
    (`seen`), and the answers that sent the whole file (`downloads`: status 200)."""

    def __init__(self, app):
        self.app = app
        self.seen = Counter()
        self.downloads = Counter()
        self.not_modified = Counter()

    def __call__(self, environ, start_response):
        query = environ.get("QUERY_STRING")
        url = environ["PATH_INFO"] + ("?" + query if query else "")
        self.seen[url] += 1

        def counted(status, headers, *rest):
            if status.startswith("200"):
                self.downloads[url] += 1
            elif status.startswith("304"):
                self.not_modified[url] += 1
            return start_response(status, headers, *rest)

        return self.app(environ, counted)


def precache_list(live_server):
    """Every URL the worker precaches: at install, then once the first page has shown."""
    with live_server.app.test_request_context():
        lists = shell.sw_lists()
    return lists["__PRECACHE__"] + lists["__PRECACHE_LATER__"]


def wait_precached(page, urls):
    """Until the service worker's shell cache holds every precached URL (its install is done)."""
    deadline = time.monotonic() + 2 * TIMEOUT / 1000
    script = """async (urls) => {
        const names = (await caches.keys()).filter((n) => n.startsWith('fieldapp-shell-'));
        if (names.length !== 1) return false;
        const cache = await caches.open(names[0]);
        return (await Promise.all(urls.map((u) => cache.match(u)))).every(Boolean);
    }"""
    while not page.evaluate(script, urls):
        assert time.monotonic() < deadline, "the shell was never precached"
        page.wait_for_timeout(100)


def test_a_first_sign_in_downloads_each_shell_file_once(phone, live_server):
    arrivals = Arrivals(live_server.app.wsgi_app)
    live_server.app.wsgi_app = arrivals
    urls = precache_list(live_server)
    static = [url for url in urls if url.startswith("/static/")]
    assert any(url.startswith("/static/bundle/page.js?v=") for url in static)

    page = sign_in(phone(), "outreach")
    wait_precached(page, urls)
    # What the page loaded (the style sheet, both bundles, GOV.UK's reveals) came over the network
    # once, for the page; the worker's precache and its importScripts took it from the HTTP cache.
    loaded = [url for url in static if arrivals.seen[url]]
    assert {u.split("?")[0] for u in loaded} >= {"/static/build/app.css", "/static/bundle/shared.js",
                                                "/static/bundle/page.js", "/static/govuk-init.mjs"}
    twice = {url: n for url, n in arrivals.downloads.items() if url.startswith("/static/") and n > 1}
    assert not twice, f"downloaded more than once: {twice}"
    # What the page did not need (the assessment forms' script, the icons) the worker fetched once.
    assert all(arrivals.downloads[url] == 1 for url in static), {u: arrivals.seen[u] for u in static}
    # One request more, and no file: a new worker's importScripts asks the server whether the
    # bundle it imports is still the same (the service worker spec: no cached import is trusted
    # at a first install), answered "304 Not Modified". Nothing else is asked twice.
    with live_server.app.test_request_context():
        imported = shell.sw_lists()["__WORKER_SCRIPTS__"]
    again = {url: n for url, n in arrivals.seen.items() if url.startswith("/static/") and n > 1}
    assert set(again) <= {imported} and arrivals.not_modified[imported] == again.get(imported, 1) - 1
    # No file of the shell was fetched under another URL (unversioned, or another version).
    # (The page dictionary is the browser's, not the worker's: it fetches it itself, once, and
    # keeps it where the browser keeps dictionaries; fieldapp/web/dictionary.py.)
    unversioned = [url for url in arrivals.seen if url.startswith(("/static/bundle/", "/static/build/"))
                   and url not in static and url.split("?")[0] != f"/static/{dictionary.NAME}"]
    assert not unversioned, unversioned

    # Opening the app again takes no shell file from the network: the worker answers them all.
    before = sum(n for url, n in arrivals.seen.items() if url.startswith("/static/"))
    page.reload()
    expect(page.locator("h1")).to_have_text("Caseload")
    page.wait_for_timeout(300)
    assert sum(n for url, n in arrivals.seen.items() if url.startswith("/static/")) == before


def test_straight_after_the_first_caseload_every_form_opens_offline_with_its_own_script(phone, live_server):
    # The forms' own scripts are not part of the first load (shell.PRECACHED_LATER): the worker
    # precaches them once the caseload has shown, and only then does the caseload say "Ready".
    arrivals = Arrivals(live_server.app.wsgi_app)
    live_server.app.wsgi_app = arrivals
    with live_server.app.test_request_context():
        later = shell.sw_lists()["__PRECACHE_LATER__"]
    pid = person_id(live_server, "Woman in green coat")
    page = sign_in(phone(), "outreach")
    wait_precached(page, precache_list(live_server))
    wait_ready(page)
    # The caseload itself asked for none of them: the worker did, once, after it had shown.
    assert all(arrivals.downloads[url] == 1 for url in later), {u: arrivals.seen[u] for u in later}
    assert not any(url in later for url in page.evaluate(
        "() => performance.getEntriesByType('resource').map((e) => new URL(e.name).pathname + new URL(e.name).search)"))
    forms = page.locator("body").get_attribute("data-offline-forms").split()
    assert "contacts/new" in forms and "assessments/new" in forms

    page.context.set_offline(True)
    for path in [f"/people/{pid}/{form}" for form in forms] + [
            "/contacts/new", "/barriers/new", "/tally/new", "/mdt/new", "/safety", "/places"]:
        page.goto(path)
        expect(page.locator("h1")).not_to_have_text("No connection")
        expect(page.locator("form[data-mutation-type]").first).to_be_attached()
    # Each page's own script ran from the worker's cache: the contact form's "when" is now, the
    # assessment's date today, the directory filters as the worker types.
    for path in ("/contacts/new", f"/people/{pid}/contacts/new"):
        page.goto(path)
        expect(page.locator("input[data-default-now]")).not_to_have_value("")
    page.goto(f"/people/{pid}/assessments/new")
    expect(page.locator("input[name=assessed_on]")).not_to_have_value("")
    page.goto("/directory")
    page.fill("[data-directory-filter]", "no such service anywhere")
    expect(page.locator("[data-directory-none]")).to_be_visible()
    assert not any(arrivals.downloads[url] > 1 for url in later)


def test_the_caseload_is_not_called_ready_while_the_forms_scripts_are_missing(phone, live_server):
    # The server cannot give the forms' scripts yet: every page is on the phone, but the caseload
    # does not say "Ready for offline use" until they are too.
    serve = live_server.app.wsgi_app

    def without_the_forms_scripts(environ, start_response):
        if environ["PATH_INFO"] == "/static/bundle/forms.js":
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"not now"]
        return serve(environ, start_response)

    live_server.app.wsgi_app = without_the_forms_scripts
    page = sign_in(phone(), "outreach")
    expect(ready_cue(page)).to_have_text(
        "Not ready for offline use yet: the forms are still being saved on this phone", timeout=2 * TIMEOUT)
    live_server.app.wsgi_app = serve
    page.reload()  # the page asks the worker again for what it lacks
    wait_ready(page)
