"""A sync whose phone has gone is abandoned: the real server (`fieldapp serve`, waitress, in a
subprocess) stops work on a request whose client closed its connection before the answer was
ready, instead of applying a batch nobody will hear about (the phone sends it again) and working
out a pull nobody will read. Under overload that is what keeps the server from spending itself on
requests whose phones have already given up."""

import http.client
import json
import random
import socket
import sqlite3
import time
import uuid
from pathlib import Path

import pytest

import sync
from fieldapp import users
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from tests.chaos import ServerProcess, free_port
from tests.chaos_phone import Phone
from tests.helpers import create, uid
from tests.sync_fixtures import ANN, BEN, clock, engine, new_person, visibility  # noqa: F401


@pytest.fixture
def server(tmp_path):
    """A served instance with one outreach worker; a sync waits up to 30 s for the write lock."""
    (tmp_path / "config.py").write_text(
        "ARGON2_TIME_COST = 1\nARGON2_MEMORY_COST = 256\nARGON2_PARALLELISM = 1\n"
        "SYNC_LOCK_TIMEOUT_SECONDS = 30\n")
    users.configure_hashing(time_cost=1, memory_cost=256, parallelism=1)
    db = open_db(tmp_path / "fieldapp.db")
    migrate(db)
    users.create_user(db, "ann", "demo", "outreach_worker", team="Fenland outreach",
                      area="Fenland and East Cambridgeshire")
    db.close()
    process = ServerProcess(tmp_path, free_port())
    process.start()
    yield process
    process.stop()


def _abandoned(port) -> dict:
    """fieldapp_sync_abandoned_total by stage, from /metrics (open to the machine itself)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/metrics")
    text = connection.getresponse().read().decode()
    found = {}
    for line in text.splitlines():
        if line.startswith("fieldapp_sync_abandoned_total{"):
            labels, value = line.rsplit(" ", 1)
            found[labels.split('stage="')[1].split('"')[0]] = float(value)
    return found


def _server_end(server_port, client_port):
    """The server's end of the connection from `client_port` as Linux shows it in /proc/net/tcp:
    (state, bytes received and not yet read by waitress), or None once waitress has closed it.
    How the test knows, without sleeping, that the server has taken the whole request in, and
    then that it has seen the phone go."""
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local, remote, state = fields[1], fields[2], fields[3]
        if int(local.split(":")[1], 16) == server_port and \
                int(remote.split(":")[1], 16) == client_port:
            if state in ("07", "09"):  # CLOSE, LAST_ACK: waitress closed it
                return None
            return state, int(fields[4].split(":")[1], 16)
    return None


def _until(condition, message):
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, message
        time.sleep(0.01)


def test_a_sync_whose_phone_gave_up_while_it_waited_stores_nothing(server):
    phone = Phone("ann-1", "ann", server.port, random.Random(1))
    mutation = phone.queue("person", "create", str(uuid.uuid4()),
                           {"display_name": "Man by the bins", "district": "Fenland"})
    body = json.dumps({"protocol": 1, "device_id": phone.device_id, "cursor": 0,
                       "mutations": [mutation]}).encode()
    holder = sqlite3.connect(server.instance / "fieldapp.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another request holds the store's write lock
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        client_port = sock.getsockname()[1]
        sock.sendall(b"POST /api/sync HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Content-Type: application/json\r\nX-Fieldapp-Sync: 1\r\n"
                     + f"Cookie: {phone.cookie}\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                     + body)
        _until(lambda: _server_end(server.port, client_port)[1] == 0,
               "the server never read the request")
    # The phone has given up. Once the server has seen that, the lock is free again.
    _until(lambda: _server_end(server.port, client_port) is None,
           "the server never saw the phone go")
    assert _abandoned(server.port) == {}
    holder.execute("ROLLBACK")
    holder.close()

    _until(lambda: _abandoned(server.port), "the request was neither answered nor abandoned")
    assert _abandoned(server.port) == {"before_push": 1.0}
    db = open_db(server.instance / "fieldapp.db")
    assert db.execute("SELECT COUNT(*) FROM person").fetchone()[0] == 0
    db.close()
    # Sent again (as the phone does), it is applied: the abandoned request stored nothing.
    answer = phone.sync(server.port, timeout=10)
    assert [r["status"] for r in answer["results"]] == ["applied"]


def _gone_after(calls):
    """A `gone()` that says the phone is still there the first `calls` times it is asked."""
    asked = []

    def gone():
        asked.append(1)
        return len(asked) > calls
    return gone


def test_a_first_pull_whose_phone_went_half_way_stops_and_settles_nothing(engine, visibility):
    people = [new_person(engine, visibility, name=name) for name in ("Dan", "Kerry", "Sam")]
    device = uid()
    body = {"protocol": 1, "device_id": device, "cursor": 0, "mutations": []}
    with pytest.raises(sync.Abandoned) as abandoned:
        engine.sync(BEN, body, gone=_gone_after(2))  # gone once the first person is read
    assert abandoned.value.results == []
    assert engine.db.execute("SELECT COUNT(*) FROM sync_device_scope").fetchone()[0] == 0
    # Nothing was settled as sent: the phone's next pull brings everyone.
    page = engine.sync(BEN, body)
    assert {c["record_id"] for c in page["changes"] if c["type"] == "person"} == set(people)


def test_a_push_stored_before_its_phone_went_is_answered_duplicate_next_time(engine, visibility):
    person_id = new_person(engine, visibility)
    note = create("note", uid(), person_id=person_id, text="Seen at the station")
    body = {"protocol": 1, "device_id": uid(), "cursor": 0, "mutations": [note]}
    with pytest.raises(sync.Abandoned) as abandoned:
        engine.sync(ANN, body, gone=_gone_after(1))  # there when the lock is had, gone after
    assert [r["status"] for r in abandoned.value.results] == ["applied"]
    answer = engine.sync(ANN, body)
    assert [r["status"] for r in answer["results"]] == ["duplicate"]
    assert engine.db.execute("SELECT COUNT(*) FROM note").fetchone()[0] == 1
