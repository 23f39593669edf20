"""Structured logs never carry personal data: the real server (`fieldapp serve`, waitress, in a
subprocess) with the demo data answers sign-ins, pages, a caseload search, sync pushes about the
demo people (valid, conflicting, rejected) and errors; every line it logged is JSON with a request
id, and none names a demo person or user."""

import http.client
import json
import os
import random
import re
import subprocess
import sys
import time
import uuid
from pathlib import Path

from fieldapp import demo
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from tests.chaos import free_port
from tests.chaos_phone import Phone

FIELDAPP = str(Path(sys.executable).with_name("fieldapp"))


def _get(port, path, cookie=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    response.read()
    return response


def test_the_logs_of_a_working_session_name_nobody(tmp_path):
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "ARGON2_TIME_COST = 1\nARGON2_MEMORY_COST = 256\nARGON2_PARALLELISM = 1\n")
    from fieldapp import create_app

    app = create_app({"INSTANCE": instance, "SECRET_KEY": "x", "ARGON2_TIME_COST": 1,
                      "ARGON2_MEMORY_COST": 256, "ARGON2_PARALLELISM": 1})
    db = open_db(app.config["DATABASE"])
    migrate(db)
    demo.load_demo(db, app.config)
    people = {row["display_name"]: row["id"] for row in db.query("SELECT id, display_name FROM person")}
    db.close()

    port = free_port()
    log = tmp_path / "server.log"
    with open(log, "w") as stderr:
        server = subprocess.Popen([FIELDAPP, "serve", "--port", str(port)], stdout=subprocess.DEVNULL,
                                  stderr=stderr, env={**os.environ, "FIELDAPP_INSTANCE": str(instance)})
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                _get(port, "/login")
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        rng = random.Random(5)
        worker = Phone("outreach-1", "outreach", port, rng, may_lose=lambda mutation: True)
        colleague = Phone("outreach2-1", "outreach2", port, rng)
        worker.sync(port, timeout=10)
        colleague.sync(port, timeout=10)
        dan = people["Dan"]
        for path in ("/caseload", "/caseload?q=Dan", f"/people/{dan}", f"/people/{dan}/contacts/new",
                     "/outbox", "/people/not-a-person", "/sw.js", "/healthz", "/metrics"):
            _get(port, path, worker.cookie)
        worker.queue("contact", "create", str(uuid.uuid4()), {
            "person_id": dan, "contact_at": "2026-11-21T07:55", "district": "Fenland",
            "place": "With Dan and Kerry by the bus station", "contact_type": "street_outreach",
            "bedded_down": False, "spoken_to": True, "duration_minutes": 20,
            "what_happened": "Dan, Sam and Lee; the Woman in green coat was not there"})
        worker.queue("person", "create", str(uuid.uuid4()), {"display_name": "Kerry",
                                                             "district": "Fenland"})
        worker.queue("person", "create", str(uuid.uuid4()), {"display_name": "Dan" * 200,
                                                             "district": "Nowhere, says Sam"})
        version = worker.held[("person", dan)]["version"]
        worker.queue("person", "update", dan, {"display_name": "Dan (Lee's friend)"},
                     base_version=version)
        colleague.queue("person", "update", dan, {"display_name": "Dan from Sam's hostel"},
                        base_version=version)
        assert worker.sync(port, timeout=10) is not None
        assert colleague.sync(port, timeout=10) is not None
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("POST", "/login", body="username=Kerry&password=Sam",
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        connection.getresponse().read()  # a sign-in with a name as the username
    finally:
        server.terminate()
        server.wait(timeout=10)

    lines = [line for line in log.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is JSON
    requests = [r for r in records if r.get("event") == "request"]
    assert len(requests) > 15
    assert all(re.fullmatch(r"[0-9a-f]{32}", r["request_id"]) for r in requests)
    assert {"api.sync_endpoint", "people.caseload", "people.person"} <= {r["endpoint"] for r in requests}
    names = [fields["display_name"] for _user, fields in demo.PEOPLE]
    names += [user[2] for user in demo.USERS]
    text = log.read_text()
    for name in names:
        assert not re.search(rf"\b{re.escape(name)}\b", text), f"{name!r} is in the logs"
    assert dan not in text  # nor the ids of the people a page was about
