"""What the app sends on the wire, over real HTTP to a live server with no proxy in front (as
`fieldapp serve` runs): answers compressed by the app, the session cookie only when it changes,
and casework pages answered 304 when the phone's copy is current (fieldapp/web/wire.py)."""

import base64
import gzip
import hashlib
import json
import re
import threading
import time
import uuid
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import brotli
import pytest
import requests
import zstandard
from werkzeug.serving import make_server

from fieldapp import demo
from fieldapp.db import open_db
from fieldapp.web import dictionary, wire
from fieldapp.web.guards import COOKIE_REFRESH_SECONDS
from tests.helpers import contact_fields, create

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def server(make_app):
    """The app with the demo data on a real socket, CSRF on as in production; yields
    (base URL, app, {name: person id})."""
    app = make_app(WTF_CSRF_ENABLED=True)
    db = open_db(app.config["DATABASE"])
    demo.load_demo(db, app.config)
    people = {r["display_name"]: r["id"] for r in db.query("SELECT id, display_name FROM person")}
    db.close()
    live = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=live.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{live.server_port}", app, people
    live.shutdown()


class Phone:
    """A signed-in client that keeps the raw answers (no transparent decoding) to look at."""

    def __init__(self, base, username="outreach"):
        self.base = base
        self.http = requests.Session()
        self.device_id = str(uuid.uuid4())
        page = self.http.get(base + "/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        self.login = self.http.post(base + "/login", allow_redirects=False, data={
            "username": username, "password": "demo", "device_id": self.device_id,
            "csrf_token": token})
        assert self.login.status_code == 302

    def get(self, path, encoding="gzip, deflate, br", **headers):
        return self.http.get(self.base + path, stream=True, allow_redirects=False,
                             headers={"Accept-Encoding": encoding, **headers})

    def sync(self, mutations=(), cursor=0):
        return self.http.post(self.base + "/api/sync", stream=True, headers={
            "X-Fieldapp-Sync": "1", "Content-Type": "application/json",
            "Accept-Encoding": "gzip"}, data=json.dumps({
                "protocol": 1, "device_id": self.device_id, "cursor": cursor,
                "mutations": list(mutations)}))


def raw_body(answer):
    return answer.raw.read(decode_content=False)


def decode(answer, body):
    encoding = answer.headers.get("Content-Encoding")
    return {"gzip": gzip.decompress, "br": brotli.decompress}.get(encoding, lambda b: b)(body)


def test_pages_scripts_styles_and_sync_answers_go_compressed(server):
    base, _, _ = server
    phone = Phone(base)
    for path, kind in [("/caseload", b"<!DOCTYPE html>"), ("/static/build/app.css", b""),
                       ("/static/flush.js", b""), ("/sw.js", b""), ("/manifest.webmanifest", b"{")]:
        for offered, used in [("gzip, deflate", "gzip"), ("gzip, deflate, br, zstd", "br")]:
            answer = phone.get(path, encoding=offered)
            assert answer.status_code == 200, path
            assert answer.headers.get("Content-Encoding") == used, (path, offered)
            assert "Accept-Encoding" in answer.headers["Vary"]
            body = raw_body(answer)
            plain = decode(answer, body)
            assert plain.lstrip().startswith(kind) and len(body) < len(plain) / 2, path
    # A phone's first pull is JSON that compresses about tenfold.
    pull = phone.sync()
    body = raw_body(pull)
    assert pull.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(body))["protocol"] == 1 and len(body) < 200_000
    # A client that asks for none gets none.
    assert phone.get("/caseload", encoding="identity").headers.get("Content-Encoding") is None


def test_static_files_go_packed_at_brotlis_best(server):
    """The shell is the same bytes for every phone: packed once at quality 11, not per request."""
    base, _, _ = server
    phone = Phone(base)
    for path in ["/static/bundle/shared.js", "/static/build/app.css", "/sw.js"]:
        plain = raw_body(phone.get(path, encoding="identity"))
        answer = phone.get(path, encoding="gzip, deflate, br, zstd")
        body = raw_body(answer)
        assert brotli.decompress(body) == plain, path
        assert len(body) == len(brotli.compress(plain, quality=11)), path


def test_a_packed_static_file_revalidates_to_304(server):
    base, _, _ = server
    phone = Phone(base)
    for path in ["/static/bundle/shared.js", "/static/flush.js", "/sw.js"]:
        first = phone.get(path)
        again = phone.get(path, **{"If-None-Match": first.headers["ETag"]})
        assert first.headers["ETag"].endswith(':br"') and again.status_code == 304, path
        assert raw_body(again) == b"", path


def dictionary_named():
    """The page dictionary set-up built, and the name a browser holding it sends for it."""
    data = (ROOT / "static" / dictionary.NAME).read_bytes()
    return data, ":" + base64.b64encode(hashlib.sha256(data).digest()).decode() + ":"


def test_a_page_goes_packed_against_the_dictionary_the_phone_holds(server):
    base, _, people = server
    phone = Phone(base)
    data, named = dictionary_named()
    for path in ["/caseload", f"/people/{people['Dan']}", "/tally/new"]:
        plain = raw_body(phone.get(path, encoding="identity"))
        answer = phone.get(path, encoding="gzip, br, zstd, dcb, dcz",
                           **{"Available-Dictionary": named})
        body = raw_body(answer)
        assert answer.headers["Content-Encoding"] == "dcz", path
        assert "Available-Dictionary" in answer.headers["Vary"]
        # RFC 9842: the dcz header names the dictionary by its hash, then a Zstandard frame.
        assert body[:8] == dictionary.DCZ_MAGIC and body[8:40] == hashlib.sha256(data).digest()
        unpacked = zstandard.ZstdDecompressor(dict_data=zstandard.ZstdCompressionDict(
            data, dict_type=zstandard.DICT_TYPE_RAWCONTENT)).decompress(body[40:])
        # The same page but for its CSRF token and render time, which differ on every render.
        assert wire.page_etag(unpacked) == wire.page_etag(plain), path
        brotli_size = len(raw_body(phone.get(path, encoding="gzip, br")))
        assert len(body) < brotli_size * 0.7, (path, len(body), brotli_size)


def test_another_dictionary_or_none_gets_brotli(server):
    base, _, _ = server
    phone = Phone(base)
    for headers in [{"Available-Dictionary": ":" + base64.b64encode(b"x" * 32).decode() + ":"}, {}]:
        answer = phone.get("/caseload", encoding="gzip, br, zstd, dcb, dcz", **headers)
        assert answer.headers["Content-Encoding"] == "br", headers
    _, named = dictionary_named()  # held, but the browser does not offer dcz
    answer = phone.get("/caseload", encoding="gzip, br", **{"Available-Dictionary": named})
    assert answer.headers["Content-Encoding"] == "br"


def test_every_page_links_the_dictionary_served_to_be_kept_as_one(server):
    base, _, _ = server
    phone = Phone(base)
    page = decode(answer := phone.get("/caseload"), raw_body(answer)).decode()
    url = re.search(r'<link rel="compression-dictionary" href="([^"]+)"', page).group(1)
    served = phone.get(url)
    assert served.status_code == 200 and served.headers["Use-As-Dictionary"] == 'match="/*"'
    assert "immutable" in served.headers["Cache-Control"]
    assert decode(served, raw_body(served)) == dictionary_named()[0]


def test_the_dictionary_holds_nobodys_data(tmp_path, server):
    """Built from a specimen worker's pages on an instance with nobody in it: no person, no user
    of this deployment, is in what every browser may download."""
    _, app, people = server
    target = tmp_path / "pages.dict"
    dictionary.build(target)
    built = target.read_bytes()
    db = open_db(app.config["DATABASE"])
    names = [r["display_name"] for r in db.query("SELECT display_name FROM person")]
    names += [r["display_name"] for r in db.query("SELECT display_name FROM user")]
    db.close()
    assert b"Specimen worker" in built and len(names) > 5
    assert not [n for n in names if n.encode() in built]


def test_tiny_answers_are_not_compressed(server):
    base, _, _ = server
    signed_out = requests.post(base + "/api/sync", headers={"X-Fieldapp-Sync": "1",
                               "Accept-Encoding": "gzip"}, json={"protocol": 1})
    assert signed_out.status_code == 401 and signed_out.headers.get("Content-Encoding") is None


def test_the_session_cookie_is_sent_only_when_it_changes(server):
    base, app, _ = server
    phone = Phone(base)
    cookie = [c for c in phone.http.cookies if c.name == "fieldapp_session"][0]
    # It outlives the idle limit the server checks (SESSION_DAYS) by one refresh interval.
    expected = time.time() + app.config["SESSION_DAYS"] * 86400 + COOKIE_REFRESH_SECONDS
    assert abs(cookie.expires - expected) < 60
    for answer in (phone.get("/caseload"), phone.get("/caseload"), phone.sync(),
                   phone.get("/static/flush.js")):
        assert answer.status_code == 200
        assert "Set-Cookie" not in answer.headers, answer.url
    # Still signed in: the cookie it holds is good.
    assert phone.get("/caseload").status_code == 200


def test_the_cookie_is_refreshed_once_an_interval_has_passed(server):
    """A session whose cookie was last sent in an earlier interval gets it again, with a later
    expiry, once; the answer after that carries none."""
    base, app, _ = server
    phone = Phone(base)
    serializer = app.session_interface.get_signing_serializer(app)
    session = serializer.loads(phone.http.cookies["fieldapp_session"])
    session["_cookie_interval"] = int(time.time() // COOKIE_REFRESH_SECONDS) - 1
    phone.http.cookies.set("fieldapp_session", serializer.dumps(session), domain="127.0.0.1",
                           path="/")
    first = phone.get("/caseload")
    assert "fieldapp_session=" in first.headers.get("Set-Cookie", "")
    expires = parsedate_to_datetime(re.search(r"Expires=([^;]+)", first.headers["Set-Cookie"])[1])
    left = (expires - datetime.now(timezone.utc)).total_seconds()
    assert left > app.config["SESSION_DAYS"] * 86400
    assert "Set-Cookie" not in phone.get("/caseload").headers


def test_an_unchanged_casework_page_answers_304_and_a_changed_one_its_new_self(server):
    base, _, people = server
    dan = people["Dan"]
    phone = Phone(base)
    first = phone.get(f"/people/{dan}")
    etag = first.headers["ETag"]
    assert etag.startswith('W/"') and first.headers["Cache-Control"] == "private, no-store"
    form = phone.get(f"/people/{dan}/consent/new").headers["ETag"]
    time.sleep(1.1)  # a later render time and CSRF signature: not a change of what the page shows
    again = phone.get(f"/people/{dan}", **{"If-None-Match": etag})
    assert again.status_code == 304 and raw_body(again) == b""
    assert again.headers["ETag"] == etag

    record = create("contact", str(uuid.uuid4()), **contact_fields(dan, place="Test: 304, March"))
    assert phone.sync([record]).json()["results"][0]["status"] == "applied"
    changed = phone.get(f"/people/{dan}", **{"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert b"Test: 304, March" in decode(changed, raw_body(changed))
    # A form that shows nothing of that contact is still current.
    assert phone.get(f"/people/{dan}/consent/new", **{"If-None-Match": form}).status_code == 304


def test_another_users_copy_is_never_current(server):
    """The page names who is signed in, so one user's ETag never validates another's copy."""
    base, _, people = server
    dan = people["Dan"]
    etag = Phone(base).get(f"/people/{dan}").headers["ETag"]
    colleague = Phone(base, "outreach2")
    assert colleague.get(f"/people/{dan}", **{"If-None-Match": etag}).status_code == 200


def test_a_copy_from_an_earlier_session_is_never_current(server):
    """A page carries the session's CSRF token: signed in anew, the old copy is not confirmed."""
    base, _, people = server
    page = f"/people/{people['Dan']}/consent/new"
    etag = Phone(base).get(page).headers["ETag"]
    assert Phone(base).get(page, **{"If-None-Match": etag}).status_code == 200


def test_online_pages_carry_no_etag(server):
    base, _, _ = server
    assert "ETag" not in Phone(base).get("/account/sessions").headers
