"""The shell's static files as the server sends them (fieldapp/web/assets.py): two bundles of our
scripts, and every URL carrying its content hash, kept by the browser only under that hash.
The service worker's precache takes these answers from the HTTP cache (static/sw.js), which is safe
only if one URL always means the same bytes; tests/test_first_visit.py shows it in Chromium."""

import re
import shutil
from pathlib import Path

from fieldapp.web import assets

REPO = Path(__file__).resolve().parent.parent


def url_of(app, name):
    with app.test_request_context():
        return assets.asset_url(name)


def test_a_versioned_url_is_kept_and_any_other_is_asked_again(client):
    for name in ("bundle/page.js", "bundle/shared.js", "build/app.css", "govuk-init.mjs", "assessment.js",
                 "icons/icon-192.png"):
        url = url_of(client.application, name)
        assert re.fullmatch(rf"/static/{re.escape(name)}\?v=[0-9a-f]{{12}}", url)
        kept = client.get(url)
        assert kept.status_code == 200
        assert kept.headers["Cache-Control"] == "private, max-age=31536000, immutable"
        for other in (f"/static/{name}", f"/static/{name}?v=000000000000"):
            again = client.get(other)
            assert again.status_code == 200 and again.data == kept.data, other
            assert again.headers["Cache-Control"] == "no-cache", other


def test_a_bundle_is_its_parts_as_served_in_order(client):
    for bundle, parts in assets.BUNDLES.items():
        body = client.get(f"/static/{bundle}").data
        position = 0
        for part in parts:
            alone = client.get(f"/static/{part}").data
            found = body.find(alone, position)
            assert found >= position, f"{part} is not in {bundle} in its place"
            position = found + len(alone)
    # The page's own modules run after the shared ones they need, and start.js last.
    assert assets.BUNDLES["bundle/shared.js"][:2] == ["vendor/idb.umd.js", "constants.js"]
    assert assets.BUNDLES["bundle/page.js"][-1] == "page/start.js"


def test_every_page_script_is_in_a_bundle(client):
    # A script added to static/page/ but to no bundle would never run.
    bundled = {part for parts in assets.BUNDLES.values() for part in parts}
    ours = {p.relative_to(REPO / "static").as_posix() for p in (REPO / "static" / "page").glob("*.js")}
    assert ours <= bundled, ours - bundled


def test_a_changed_part_gives_its_bundle_a_new_url(make_app, tmp_path):
    app = make_app(MINIFIED_SCRIPTS=False, STATIC_RECHECK_SECONDS=0)
    release = tmp_path / "static"
    shutil.copytree(app.static_folder, release)
    app.static_folder = str(release)
    client = app.test_client()
    before = url_of(app, "bundle/page.js")
    unchanged = url_of(app, "bundle/shared.js")
    start = release / "page" / "start.js"
    start.write_text(start.read_text(encoding="utf-8") + "\n// the next release\n", encoding="utf-8")
    after = url_of(app, "bundle/page.js")
    assert after != before and url_of(app, "bundle/shared.js") == unchanged
    assert b"the next release" in client.get(after).data
    # The old URL is not kept any more: it is answered with today's file, asked again each time.
    old = client.get(before)
    assert b"the next release" in old.data and old.headers["Cache-Control"] == "no-cache"


def test_static_answers_do_not_vary_with_the_session(client, auth, demo_data):
    # The worker fetches static files without cookies; `Vary: Cookie` would stop it taking the
    # answer the page got from the HTTP cache.
    auth.login("outreach")
    assert "Cookie" in client.get("/caseload").headers.get("Vary", "")
    answer = client.get(url_of(client.application, "bundle/page.js"))
    assert "Cookie" not in answer.headers.get("Vary", "")


def test_nothing_outside_the_static_folder_is_served(client):
    for path in ("/static/../fieldapp/__init__.py", "/static/%2e%2e/pyproject.toml",
                 "/static/bundle/../../pyproject.toml", "/static/bundle/nothing.js"):
        assert client.get(path).status_code == 404, path


def test_the_scripts_templates_come_once_in_a_file_every_page_loads_not_in_each_page(client, auth, demo_data):
    # templates/_outbox.html and _outbox_list.html are rendered into /static/phone-templates.js
    # (assets.RENDERED), loaded before the page's scripts and precached: a page refreshed after a
    # sync no longer carries them (issue 13). Someone registered on this phone stays on the outbox.
    auth.login("outreach")
    pid = demo_data["Woman in green coat"]
    pages = {path: client.get(path).get_data(as_text=True)
             for path in ("/caseload", "/outbox", f"/people/{pid}", "/safety", "/contacts/new")}
    src = re.search(r'<script src="(/static/phone-templates\.js\?v=[0-9a-f]+)"></script>\s*'
                    r'<script src="/static/bundle/shared\.js', pages["/caseload"]).group(1)
    script = client.get(src)
    assert script.headers["Cache-Control"] == assets.IMMUTABLE
    text = script.get_data(as_text=True)
    for name in ("tpl-outbox-states", "tpl-sync-status", "tpl-outbox-item", "tpl-outbox-empty",
                 "tpl-form-errors", "tpl-saved"):
        assert f'id=\\"{name}\\"' in text, name
        for path, html in pages.items():
            assert f'id="{name}"' not in html, (name, path)
            assert src in html, path
    assert 'id="tpl-pending-person"' in pages["/outbox"]
    # What it holds depends on nobody: signed out, the same file.
    auth.logout()
    assert client.get(src).get_data(as_text=True) == text


def test_the_files_times_are_read_again_only_after_the_recheck_window(make_app, tmp_path):
    # Every page names seven static URLs made of some seventy files: their sizes and times are
    # read at most once every STATIC_RECHECK_SECONDS, not on every page.
    app = make_app(MINIFIED_SCRIPTS=False, STATIC_RECHECK_SECONDS=3600)
    release = tmp_path / "static"
    shutil.copytree(app.static_folder, release)
    app.static_folder = str(release)
    before = url_of(app, "bundle/page.js")
    start = release / "page" / "start.js"
    start.write_text(start.read_text(encoding="utf-8") + "\n// the next release\n", encoding="utf-8")
    assert url_of(app, "bundle/page.js") == before
    app.config["STATIC_RECHECK_SECONDS"] = 0
    assert url_of(app, "bundle/page.js") != before
