"""/sw.js as served: its version and lists are the server's, and every page script is precached.

The service worker's precache list and the path patterns of its caching policy are written into
it by fieldapp/web/shell.py as it is served (static/sw.js's header). Node runs the served worker with
the few browser globals its top level needs, and the lists it ends up with are compared with the
server's tables; the other tests check that those tables cover what the pages load.
"""

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from fieldapp.web import assets, shell

REPO = Path(__file__).resolve().parent.parent
MINIFIED = REPO / "static" / "build" / "min"

# Run a served sw.js far enough to read its constants: of the bundle it imports, only its first
# part, constants.js, is run (the outbox needs IndexedDB); event listeners are never called. Route patterns come back as RegExp
# sources, and so do the server's (argv[2]), written back the same way for comparison.
READ_WORKER = r"""
const vm = require('vm');
const fs = require('fs');
const [source, constants] = [fs.readFileSync(0, 'utf8'), process.argv[1]];
const server = JSON.parse(process.argv[2]);
const self = {addEventListener() {}, location: {origin: 'http://localhost'}};
const context = {
  self,
  importScripts(...urls) {
    context.imported = urls;
    if (urls.some((url) => url.startsWith('/static/bundle/shared.js?v='))) {
      vm.runInContext(fs.readFileSync(constants, 'utf8'), context);
    }
  },
};
vm.createContext(context);
const lists = vm.runInContext(source +
  ';({VERSION, SHELL_CACHE, PRECACHE, PRECACHE_LATER, imported, CASEWORK_PAGES: CASEWORK_PAGES.map((re) => re.source),' +
  '  NETWORK_ONLY: NETWORK_ONLY.map((re) => re.source)})', context);
lists.server = Object.fromEntries(Object.entries(server).map(([k, v]) => [k, v.map((p) => new RegExp(p).source)]));
process.stdout.write(JSON.stringify(lists));
"""


def read_worker(body):
    """The served worker's constants, and under "server" the server's route patterns as RegExps."""
    server = {policy: [p for p, their in shell.SW_ROUTES if their == policy]
              for policy in (shell.CASEWORK, shell.NETWORK_ONLY)}
    out = subprocess.run(["node", "-e", READ_WORKER, str(REPO / "static" / "constants.js"), json.dumps(server)],
                         input=body, check=True, capture_output=True, text=True, timeout=30)
    return json.loads(out.stdout)


@pytest.mark.parametrize("minified", [True, False], ids=["minified", "source"])
def test_the_served_worker_holds_exactly_the_servers_lists(make_app, minified):
    app = make_app(MINIFIED_SCRIPTS=minified)
    body = app.test_client().get("/sw.js").get_data(as_text=True)
    assert not re.search(r"__[A-Z_]+__", body), "a placeholder was left in /sw.js"
    worker = read_worker(body)
    with app.app_context():
        version = shell.shell_version()
        static_urls = [assets.asset_url(name) for name in shell.PRECACHED_STATIC]
        later_urls = [assets.asset_url(name) for name in shell.PRECACHED_LATER]
        shared = assets.asset_url(shell.WORKER_SCRIPTS)
    assert worker["VERSION"] == version
    assert worker["SHELL_CACHE"] == "fieldapp-shell-" + version
    assert worker["PRECACHE"] == static_urls + shell.PRECACHED_PAGES
    assert worker["PRECACHE_LATER"] == later_urls
    assert all(re.fullmatch(r"/static/[^?]+\?v=[0-9a-f]{12}", url) for url in static_urls + later_urls)
    # The worker imports the shared bundle, and exactly the version the page loads and it precaches.
    assert worker["imported"] == [shared] and shared in static_urls
    assert worker["CASEWORK_PAGES"] == worker["server"][shell.CASEWORK]
    assert worker["NETWORK_ONLY"] == worker["server"][shell.NETWORK_ONLY]
    assert len(worker["CASEWORK_PAGES"]) + len(worker["NETWORK_ONLY"]) == len(shell.SW_ROUTES)


def test_the_route_patterns_read_the_same_in_python_and_javascript():
    # The worker matches paths with JavaScript; the patterns are written once, in Python.
    paths = ["/caseload", "/outbox", "/contacts/new", "/people/p1", "/people/p1/contacts/new",
             "/people/p1/edit", "/people/p1/assessments/new", "/people/p1/star/new",
             "/people/p1/star/a1/edit", "/people/p1/peer-sessions/new", "/peer/hours", "/api/sync",
             "/login", "/logout", "/admin", "/admin/users", "/sw.js", "/swxjs", "/coordination",
             "/people/matches", "/account/notifications", "/people/p1/consent", "/administrator"]
    script = ("const [patterns, paths] = JSON.parse(require('fs').readFileSync(0, 'utf8'));"
              "process.stdout.write(JSON.stringify(patterns.map((p) => paths.filter((s) => new RegExp(p).test(s)))));")
    patterns = [p for p, _ in shell.SW_ROUTES]
    out = subprocess.run(["node", "-e", script], input=json.dumps([patterns, paths]),
                         check=True, capture_output=True, text=True, timeout=30)
    assert json.loads(out.stdout) == [[s for s in paths if re.search(p, s)] for p in patterns]


def test_every_precached_url_is_served(client):
    with client.application.app_context():
        urls = shell.sw_lists()["__PRECACHE__"] + shell.sw_lists()["__PRECACHE_LATER__"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        response.close()


def loaded_by(html):
    """The scripts and style sheets a page loads, as paths."""
    return re.findall(r'<script[^>]* src="([^"]+)"', html) + re.findall(
        r'<link rel="stylesheet" href="([^"]+)"', html)


def test_every_script_and_style_sheet_a_page_loads_is_precached(client, auth, demo_data):
    with client.application.app_context():
        at_install = {assets.asset_url(name) for name in shell.PRECACHED_STATIC}
        later = {assets.asset_url(name) for name in shell.PRECACHED_LATER}
    pages = {"/login": client.get("/login").get_data(as_text=True)}
    auth.login("outreach")
    pid = demo_data["Woman in green coat"]
    for path in ("/caseload", "/contacts/new", f"/people/{pid}/contacts/new", f"/people/{pid}/assessments/new",
                 "/directory", "/barriers", f"/people/{pid}"):
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = response.get_data(as_text=True)
    for path, html in pages.items():
        loaded = loaded_by(html)
        assert any(url.startswith("/static/bundle/page.js?v=") for url in loaded), path
        # The very URLs, hash and all: the page and the worker's precache ask for the same bytes.
        assert set(loaded) <= at_install | later, (path, set(loaded) - at_install - later)
    # The first page needs nothing the worker only precaches once it has shown.
    assert set(loaded_by(pages["/caseload"])) <= at_install
    assert set(loaded_by(pages["/login"])) <= at_install


def test_a_page_bundle_is_loaded_by_its_pages_after_the_page_bundle(client, auth, demo_data):
    auth.login("outreach")
    for path, bundle in (("/contacts/new", "bundle/contact.js"), ("/directory", "bundle/directory.js"),
                         ("/barriers", "bundle/barriers.js")):
        loaded = loaded_by(client.get(path).get_data(as_text=True))
        names = [url.split("?")[0] for url in loaded]
        assert names.index(f"/static/{bundle}") > names.index("/static/bundle/page.js"), path
        assert bundle in shell.PRECACHED_LATER
    assert not any("bundle/contact.js" in url for url in loaded_by(client.get("/caseload").get_data(as_text=True)))


def test_a_changed_precached_file_makes_a_new_version(make_app, tmp_path):
    app = make_app(STATIC_RECHECK_SECONDS=0)
    release = tmp_path / "static"
    shutil.copytree(app.static_folder, release)
    app.static_folder = str(release)
    client = app.test_client()
    before = read_worker(client.get("/sw.js").get_data(as_text=True))["VERSION"]
    start = release / "page" / "start.js"
    start.write_text(start.read_text(encoding="utf-8") + "\n// the next release\n", encoding="utf-8")
    after = read_worker(client.get("/sw.js").get_data(as_text=True))["VERSION"]
    assert after != before


def test_our_scripts_are_served_minified_and_nothing_else_is_looked_up_there(client):
    ours = sorted((REPO / "static").glob("*.js")) + sorted((REPO / "static" / "page").glob("*.js"))
    assert any(path.parent.name == "page" for path in ours)
    for path in ours:
        name = path.relative_to(REPO / "static").as_posix()
        minified = MINIFIED / name
        assert minified.is_file(), f"{minified} is missing: run scripts/setup.sh"
        assert client.get(f"/static/{name}").data == minified.read_bytes(), name
    # Only one `page/` level is looked up in static/build/min/: any other path is the plain
    # static file, or nothing.
    assert client.get("/static/page/../outbox.js").data == (REPO / "static" / "outbox.js").read_bytes()
    assert client.get("/static/page/page/start.js").status_code == 404
    assert client.get("/static/vendor/idb.umd.js").data == (REPO / "static" / "vendor" / "idb.umd.js").read_bytes()


def test_unminified_scripts_are_the_sources(make_app):
    client = make_app(MINIFIED_SCRIPTS=False).test_client()
    source = REPO / "static" / "page" / "start.js"
    assert client.get("/static/page/start.js").data == source.read_bytes()
