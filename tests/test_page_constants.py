"""The values static/constants.js shares with the server are the server's.

The phone's scripts and the service worker read their names and limits from static/constants.js
(`FieldappConstants`); some of them mirror a server setting or route. Node runs the file as the
browser would, and each value is compared with what fieldapp itself uses, so that a change on one
side alone fails here rather than on a phone.
"""

import json
import subprocess
from pathlib import Path

import pytest

import sync
from fieldapp import config

STATIC = Path(__file__).resolve().parent.parent / "static"

RUN_CONSTANTS = """
const vm = require('vm');
const fs = require('fs');
const context = {self: {}};
vm.runInNewContext(fs.readFileSync(process.argv[1], 'utf8'), context);
process.stdout.write(JSON.stringify(context.self.FieldappConstants));
"""


@pytest.fixture(scope="module")
def constants():
    out = subprocess.run(["node", "-e", RUN_CONSTANTS, str(STATIC / "constants.js")],
                         check=True, capture_output=True, text=True, timeout=30)
    return json.loads(out.stdout)


def test_a_batch_is_at_most_the_servers_default_limit(constants):
    assert constants["BATCH_MAX"] == config.SYNC_MAX_MUTATIONS


def test_the_phone_speaks_the_servers_sync_protocol(constants):
    assert constants["SYNC_PROTOCOL"] == sync.PROTOCOL


def test_the_sync_url_is_the_sync_endpoint(constants, app):
    adapter = app.url_map.bind("localhost")
    endpoint, _ = adapter.match(constants["SYNC_URL"], method="POST")
    assert endpoint == "api.sync_endpoint"


def test_the_sync_header_is_the_one_the_endpoint_requires(constants, client, auth, demo_data):
    auth.login("outreach")
    body = {"protocol": sync.PROTOCOL, "device_id": "not-this-device", "cursor": 0, "mutations": []}
    without = client.post(constants["SYNC_URL"], json=body)
    assert without.status_code == 400
    assert constants["SYNC_HEADER"] in without.get_json()["messages"]["_request"][0]
    # With it, the request gets past the header check (to the device check).
    with_header = client.post(constants["SYNC_URL"], json=body, headers={constants["SYNC_HEADER"]: "1"})
    assert with_header.get_json()["error"] == "device_mismatch"


def test_a_page_fetched_with_the_refresh_header_is_not_a_view(constants, client, auth, db, demo_data):
    auth.login("outreach")
    dan = demo_data["Dan"]

    def views():
        return db.execute("SELECT count(*) FROM audit_event WHERE person_id = ? AND action = 'view'",
                          [dan]).fetchone()[0]

    before = views()
    assert client.get(f"/people/{dan}", headers={constants["REFRESH_HEADER"]: "1"}).status_code == 200
    assert views() == before
    assert client.get(f"/people/{dan}").status_code == 200
    assert views() == before + 1


def test_every_page_carries_the_rendered_at_meta_the_phone_reads(constants, client):
    page = client.get("/login").get_data(as_text=True)
    assert f'<meta name="{constants["RENDERED_AT_META"]}" content="' in page


def test_every_cache_is_one_a_wipe_deletes(constants):
    # Logout and a revoked phone delete every cache whose name starts with CACHE_PREFIX.
    for name in ("SHELL_CACHE_PREFIX", "PAGES_CACHE", "AWAY_CACHE_PREFIX"):
        assert constants[name].startswith(constants["CACHE_PREFIX"]), name


def test_a_page_about_someone_kept_off_phones_carries_the_no_copy_header(constants, client, auth, db,
                                                                          demo_data):
    auth.login("coordinator")
    dan = demo_data["Dan"]
    assert constants["NO_PHONE_COPY_HEADER"] not in client.get(f"/people/{dan}").headers
    db.execute("UPDATE person SET status = 'closed', exit_destination = 'moved_away',"
               " closed_at = '2020-01-01T00:00:00Z' WHERE id = ?", [dan])
    db.conn.commit()
    assert client.get(f"/people/{dan}").headers[constants["NO_PHONE_COPY_HEADER"]] == "1"


@pytest.mark.parametrize("path", ["/people/{dan}", "/outbox", "/caseload"])
def test_a_page_names_the_worker_it_was_drawn_for_in_the_header_the_phone_reads(
        constants, client, auth, demo_data, path):
    auth.login("outreach")
    page = client.get(path.format(dan=demo_data["Dan"]))
    user_id = page.get_data(as_text=True).split('data-user-id="')[1].split('"')[0]
    assert page.headers[constants["USER_HEADER"]] == user_id
    auth.logout()
    assert constants["USER_HEADER"] not in client.get("/login").headers
