"""How close does /api/sync come to raw SQLite at applying mutations? Prints figures; asserts nothing.

    .venv/bin/python bench/sync_apply.py [--contacts 3000] [--batch 100]

1. Starts a real server process (`fieldapp serve`, waitress on 127.0.0.1) over a throwaway
   instance, signs one worker's phone in, and pushes `--contacts` new contacts through POST
   /api/sync, `--batch` per request on one kept-alive connection, each answered only once durable.
2. Inserts the same rows into a bare SQLite table of the same columns, `--batch` rows per
   transaction, WAL and synchronous=FULL, as the limit any server over this disk could reach.
3. Counts the SQL statements the engine runs per mutation (sqlite3's set_trace_callback), in
   process, for one batch of `--batch` contacts, and says which statements they are.
The figure that matters is the ratio of 1 to 2 (issue 13's goal: at least 0.3).
"""

import argparse
import collections
import http.client
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fieldapp import config as default_config  # noqa: E402
from fieldapp import users  # noqa: E402
from fieldapp.db import open_db  # noqa: E402
from fieldapp.migrations import migrate  # noqa: E402
from fieldapp.records import make_engine  # noqa: E402

AREA, TEAM = "Fenland and East Cambridgeshire", "Fenland outreach"


def contact(person_id: str) -> dict:
    """One new-contact mutation as a phone sends it (about 450 bytes of JSON)."""
    return {"id": str(uuid.uuid4()), "type": "contact", "op": "create",
            "record_id": str(uuid.uuid4()), "base_version": None,
            "recorded_at": "2026-11-22T08:00:00Z",
            "fields": {"person_id": person_id, "contact_at": "2026-11-21T07:55",
                       "district": "Fenland", "place": "Bus shelter, Market Place, Wisbech",
                       "contact_type": "street_outreach", "bedded_down": True, "spoken_to": True,
                       "duration_minutes": 20, "what_happened": "Offered a sleeping bag and a "
                       "hostel place; will meet again on Thursday", "action": "StreetLink referral"}}


def make_instance(folder: Path) -> list[str]:
    """An instance with one outreach worker ('ann', password 'benchmark-pw') and 15 people on her
    team; returns the people's ids."""
    (folder / "config.py").write_text(
        "ARGON2_TIME_COST = 1\nARGON2_MEMORY_COST = 256\nARGON2_PARALLELISM = 1\n")
    users.configure_hashing(time_cost=1, memory_cost=256, parallelism=1)
    db = open_db(folder / "fieldapp.db")
    migrate(db)
    user_id = users.create_user(db, "ann", "benchmark-pw", "outreach_worker", team=TEAM, area=AREA)
    actor = SimpleNamespace(id=user_id, role="outreach_worker", team=TEAM, area=AREA,
                            device_id=None)
    engine = make_engine(db, _config())
    people = [str(uuid.uuid4()) for _ in range(15)]
    engine.push(actor, str(uuid.uuid4()), [
        {"id": str(uuid.uuid4()), "type": "person", "op": "create", "record_id": person_id,
         "recorded_at": None, "fields": {"display_name": f"Person {n}", "district": "Fenland"}}
        for n, person_id in enumerate(people)])
    db.close()
    return people


def _config() -> dict:
    return {key: getattr(default_config, key) for key in dir(default_config) if key.isupper()}


class Server:
    """`fieldapp serve` over `instance` on a free port of 127.0.0.1, for the length of a `with`."""

    def __init__(self, instance: Path):
        self.instance = instance
        import socket
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]

    def __enter__(self):
        import socket
        # This checkout's code (PYTHONPATH), whatever the virtualenv has installed.
        env = {**os.environ, "FIELDAPP_INSTANCE": str(self.instance), "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-c", "from fieldapp.cli import main; main()", "serve",
             "--port", str(self.port)],
            env=env, cwd=str(ROOT), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def __exit__(self, *exc):
        self.process.terminate()
        self.process.wait(timeout=10)


def sign_in(port: int, device_id: str) -> str:
    """Sign 'ann' in from `device_id` as the phone's login form does; the session cookie."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", "/login")
    response = connection.getresponse()
    page = response.read().decode()
    cookie = response.getheader("Set-Cookie").split(";")[0]
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    connection.request("POST", "/login", body=f"csrf_token={token}&username=ann&password="
                       f"benchmark-pw&device_id={device_id}", headers={
                           "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = connection.getresponse()
    response.read()
    assert response.status in (302, 303), "sign-in failed"
    return response.getheader("Set-Cookie").split(";")[0]


def push_over_http(port: int, people: list[str], total: int, batch: int) -> tuple[float, int]:
    """Push `total` contacts in requests of `batch`; (mutations per second, answer bytes each)."""
    device_id = str(uuid.uuid4())
    cookie = sign_in(port, device_id)
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    cursor, received = 0, 0
    bodies = []
    for start in range(0, total, batch):
        mutations = [contact(people[(start + n) % len(people)])
                     for n in range(min(batch, total - start))]
        bodies.append(mutations)
    started = time.perf_counter()
    for mutations in bodies:
        body = json.dumps({"protocol": 1, "device_id": device_id, "cursor": cursor,
                           "mutations": mutations, "echo": "result"}).encode()
        connection.request("POST", "/api/sync", body=body, headers={
            "Content-Type": "application/json", "X-Fieldapp-Sync": "1", "Cookie": cookie})
        response = connection.getresponse()
        raw = response.read()
        assert response.status == 200, (response.status, raw[:300])
        answer = json.loads(raw)
        assert all(r["status"] == "applied" for r in answer["results"]), answer["results"][:2]
        cursor = answer["cursor"]
        received += len(raw)
    elapsed = time.perf_counter() - started
    return total / elapsed, received // total


def raw_sqlite(folder: Path, people: list[str], total: int, batch: int) -> float:
    """The same contact rows inserted straight into SQLite (WAL, synchronous=FULL), `batch` rows
    per transaction: rows per second."""
    folder.mkdir(exist_ok=True)
    conn = sqlite3.connect(str(folder / "raw.db"), isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    names = ["id", "version", "deleted", "scope", *contact(people[0])["fields"], "worker_id"]
    conn.execute(f"CREATE TABLE contact ({', '.join(names)}, PRIMARY KEY (id))")
    rows = []
    for n in range(total):
        mutation = contact(people[n % len(people)])
        fields = mutation["fields"]
        rows.append([mutation["record_id"], 1, 0, fields["person_id"], *fields.values(), 1])
    sql = f"INSERT INTO contact VALUES ({', '.join('?' * len(names))})"
    started = time.perf_counter()
    for start in range(0, total, batch):
        conn.execute("BEGIN")
        conn.executemany(sql, rows[start:start + batch])
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - started
    conn.close()
    return total / elapsed


def statements_per_mutation(folder: Path, people: list[str], batch: int):
    """The SQL statements the engine runs for one push of `batch` contacts, in process."""
    db = open_db(folder / "fieldapp.db")
    user = db.execute("SELECT id FROM user WHERE username = 'ann'").fetchone()[0]
    actor = SimpleNamespace(id=user, role="outreach_worker", team=TEAM, area=AREA, device_id=None)
    engine = make_engine(db, _config())
    engine.push(actor, "warm-up", [contact(people[0])])  # first use: caches, statements prepared
    seen = []
    db.conn.set_trace_callback(seen.append)
    engine.push(actor, "counted", [contact(people[n % len(people)]) for n in range(batch)])
    db.conn.set_trace_callback(None)
    db.close()
    kinds = collections.Counter(_shape(text) for text in seen)
    return len(seen) / batch, kinds


def _shape(sql: str) -> str:
    """A traced statement with its values (and savepoint names) taken out, to count by kind."""
    sql = re.sub(r"'(?:[^']|'')*'", "?", sql)
    sql = re.sub(r"\b\d+\b", "?", sql)
    sql = re.sub(r"sqlite_utils_[0-9a-f]+|sp_\w+", "<name>", sql)
    return re.sub(r"\s+", " ", sql)[:110]


def main(argv=None):
    """Run the apply bench with `argv` (the command line when None), print its figures and return
    them (bench/limit.py's table)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--contacts", type=int, default=3000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--show-statements", action="store_true",
                        help="list the statements counted, most frequent first")
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="fieldapp-bench-apply-"))
    people = make_instance(folder)
    # Raw SQLite before and after the pushes, on a machine that others share: their mean is the
    # denominator, and both are printed, so a run disturbed by something else shows.
    raw_before = raw_sqlite(folder / "before", people, args.contacts, args.batch)
    with Server(folder) as server:
        push_over_http(server.port, people, args.batch * 2, args.batch)  # warm up
        via_sync, answer_bytes = push_over_http(server.port, people, args.contacts, args.batch)
    raw_after = raw_sqlite(folder / "after", people, args.contacts, args.batch)
    raw = (raw_before + raw_after) / 2
    per_mutation, kinds = statements_per_mutation(folder, people, args.batch)
    print(f"/api/sync, a real server, {args.batch} per request: {via_sync:,.0f} mutations/s "
          f"({answer_bytes} answer bytes per mutation)")
    print(f"raw SQLite, {args.batch} rows per transaction, synchronous=FULL: {raw:,.0f} rows/s "
          f"(before the pushes {raw_before:,.0f}, after {raw_after:,.0f})")
    print(f"ratio: {via_sync / raw:.3f} (goal >= 0.3)")
    print(f"SQL statements per mutation (engine, in process): {per_mutation:.1f}")
    if args.show_statements:
        for text, count in kinds.most_common():
            print(f"  {count / args.batch:5.2f}  {text}")
    return {"via_sync": via_sync, "raw": raw, "raw_before": raw_before, "raw_after": raw_after,
            "batch": args.batch, "answer_bytes": answer_bytes, "statements": per_mutation}


if __name__ == "__main__":
    main()
