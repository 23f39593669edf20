"""A programme-scale load test: the real server over real HTTP. Prints figures; asserts nothing.

    .venv/bin/python bench/load.py [--people 6000] [--contacts 300000] [--phones 1000]
                                   [--seconds 20] [--factor 1] [--replicate]

Builds a store of `--people` people (teams of 30, five workers each) and `--contacts` contacts
with their history and change log, in bulk SQL (what the engine would have written), then starts
`fieldapp serve` (waitress, 8 threads; with --replicate, under Litestream to a file replica) and
drives it at 10%, 25%, 50%, 75% and 100% of the programme's peak for `--seconds` each: phones
(signed in over HTTP) sync their new contacts and pull, coordinators load their overview page.
The peak: 50,000 mutations a day (1,000 phones) sent in a compressed hour, about 14 mutations/s
in syncs of one to three, plus every phone's timer sync every five minutes; `--factor` multiplies
it. Prints, per level: mutations/s applied, sync latency p50/p95/p99, pull sizes, errors, the
server's CPU and memory, and the database's size.
"""

import argparse
import http.client
import json
import os
import queue
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from fieldapp import users
from fieldapp.db import open_db
from fieldapp.migrations import migrate

AREA = "Fenland and East Cambridgeshire"
PEAK_MUTATIONS_PER_SECOND = 50_000 / 3600
TIMER_SYNCS_PER_PHONE_PER_SECOND = 1 / 300
COORDINATOR_PAGES_PER_SECOND = 0.2
FIELDAPP = str(Path(sys.executable).with_name("fieldapp"))


def build(folder: Path, n_people: int, n_contacts: int, n_phones: int):
    """The store, in bulk SQL: people, contacts, their history and change-log rows, the users."""
    instance = folder / "instance"
    instance.mkdir()
    (instance / "config.py").write_text(
        "ARGON2_TIME_COST = 1\nARGON2_MEMORY_COST = 256\nARGON2_PARALLELISM = 1\n"
        "RATELIMIT_ENABLED = False\nJSON_LOGS = False\n"
        f"REPLICA_URL = 'file://{folder / 'replica'}'\n")
    users.configure_hashing(time_cost=1, memory_cost=256, parallelism=1)
    db = open_db(instance / "fieldapp.db")
    migrate(db)
    teams = max(1, n_phones // 5)
    workers = [users.create_user(db, f"w{n}", "load-test-pw", "outreach_worker",
                                 team=f"team {n % teams}", area=AREA) for n in range(n_phones)]
    coordinators = [users.create_user(db, f"coord{n}", "load-test-pw", "coordinator", area=AREA)
                    for n in range(3)]
    stamp = "2026-06-01T09:00:00Z"
    people = [(str(uuid.uuid4()), n % teams) for n in range(n_people)]
    history, changes = [], []
    person_rows = []
    for n, (person_id, team) in enumerate(people):
        fields = {"display_name": f"Person {n}", "district": "Fenland", "area": AREA,
                  "team": f"team {team}"}
        person_rows.append((person_id, person_id, fields["display_name"], "Fenland", AREA,
                            f"team {team}", workers[team], stamp))
        history.append(("person", person_id, json.dumps(fields), workers[team]))
        changes.append(("person", person_id, person_id))
    db.conn.executemany(
        "INSERT INTO person (id, version, deleted, scope, display_name, district, area, team,"
        " created_by, created_at) VALUES (?, 1, 0, ?, ?, ?, ?, ?, ?, ?)", person_rows)
    contact_rows = []
    for n in range(n_contacts):
        person_id, team = people[n % n_people]
        contact_id = str(uuid.uuid4())
        fields = {"person_id": person_id, "contact_at": "2026-05-20T10:00", "district": "Fenland",
                  "place": "Market Place, Wisbech", "contact_type": "street_outreach",
                  "bedded_down": False, "spoken_to": True, "duration_minutes": 20,
                  "what_happened": "Talked about a hostel place", "action": None}
        contact_rows.append((contact_id, person_id, person_id, workers[team], stamp))
        history.append(("contact", contact_id, json.dumps(fields), workers[team]))
        changes.append(("contact", contact_id, person_id))
    db.conn.executemany(
        "INSERT INTO contact (id, version, deleted, scope, person_id, contact_at, district, place,"
        " contact_type, bedded_down, spoken_to, duration_minutes, what_happened, worker_id,"
        " recorded_at) VALUES (?, 1, 0, ?, ?, '2026-05-20T10:00', 'Fenland',"
        " 'Market Place, Wisbech', 'street_outreach', 0, 1, 20, 'Talked about a hostel place',"
        " ?, ?)", contact_rows)
    db.conn.executemany(
        "INSERT INTO sync_history (type, record_id, version, op, fields, actor_id, stored_at)"
        " VALUES (?, ?, 1, 'create', ?, ?, '2026-06-01T09:00:00Z')", history)
    db.conn.executemany("INSERT INTO sync_change (type, record_id, version, scope)"
                        " VALUES (?, ?, 1, ?)", changes)
    last_seq = db.execute("SELECT MAX(seq) FROM sync_change").fetchone()[0]
    by_team = {}
    for person_id, team in people:
        by_team.setdefault(team, []).append(person_id)
    # Every phone has synced before: it holds its team's people (what the engine records when it
    # sends a scope) and its cursor is at the end of the log. The load is then the day's work,
    # not 1,000 first pulls (one is measured apart).
    devices = [str(uuid.uuid4()) for _ in range(n_phones)]
    db.conn.executemany("INSERT INTO sync_device_scope (device_id, scope, seq, present)"
                        " VALUES (?, ?, ?, 1)",
                        ((devices[n], person_id, last_seq) for n in range(n_phones)
                         for person_id in by_team.get(n % teams, [])))
    db.conn.executemany("INSERT INTO sync_device_cursor (device_id, confirmed) VALUES (?, ?)",
                        ((device, last_seq) for device in devices))
    db.conn.commit()
    db.close()
    return instance, [(f"w{n}", by_team.get(n % teams, []), devices[n]) for n in range(n_phones)], \
        [f"coord{n}" for n in range(len(coordinators))], last_seq


class Client:
    """A signed-in browser or phone: a cookie, a device id, a cursor, what it will send."""

    def __init__(self, port, username, people=(), cursor=0, device_id=None):
        self.port, self.username, self.people, self.cursor = port, username, list(people), cursor
        self.device_id, self.cookie = device_id or str(uuid.uuid4()), None
        self.lock = threading.Lock()

    def request(self, method, path, body=None, headers=None):
        """One HTTP request on a new connection, with this client's cookie; (response, body)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        connection.request(method, path, body=body, headers={
            **({"Cookie": self.cookie} if self.cookie else {}), **(headers or {})})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, data

    def login(self):
        """Sign in through the login form (CSRF token and all), registering the device id."""
        response, page = self.request("GET", "/login")
        cookie = response.getheader("Set-Cookie").split(";")[0]
        token = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page).group(1).decode()
        self.cookie = cookie
        response, _ = self.request(
            "POST", "/login", body=f"csrf_token={token}&username={self.username}"
            f"&password=load-test-pw&device_id={self.device_id}",
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert response.status in (302, 303), f"login failed for {self.username}"
        self.cookie = response.getheader("Set-Cookie").split(";")[0]

    def sync(self, n_mutations):
        """One sync with `n_mutations` new contacts; (seconds, status, changes, answer bytes)."""
        mutations = [{"id": str(uuid.uuid4()), "type": "contact", "op": "create",
                      "record_id": str(uuid.uuid4()), "recorded_at": None, "fields": {
                          "person_id": random.choice(self.people), "contact_at": "2026-11-30T10:00",
                          "district": "Fenland", "place": "Load test", "contact_type": "phone",
                          "bedded_down": False, "spoken_to": True, "duration_minutes": 10}}
                     for _ in range(n_mutations if self.people else 0)]
        body = json.dumps({"protocol": 1, "device_id": self.device_id, "cursor": self.cursor,
                           "mutations": mutations}).encode()
        started = time.perf_counter()
        response, data = self.request("POST", "/api/sync", body, {
            "Content-Type": "application/json", "X-Fieldapp-Sync": "1"})
        seconds = time.perf_counter() - started
        if response.status != 200:
            return seconds, response.status, 0, len(data), 0
        answer = json.loads(data)
        self.cursor, self.more = answer["cursor"], answer["more"]
        applied = sum(r["status"] == "applied" for r in answer["results"])
        return seconds, 200, len(answer["changes"]), len(data), applied


def process_tree(pid):
    """`pid` and its descendants (Litestream's child, under --replicate)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*"):
            children = (task / "children").read_text().split() if (task / "children").exists() else []
            todo += [int(c) for c in children]
    return found


def cpu_seconds_and_rss(pid):
    """CPU seconds used so far and resident memory (MB) of the server's processes."""
    ticks, rss = 0, 0
    for each in process_tree(pid):
        try:
            fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
            rss += int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{each}/status").read_text())[1])
        except (OSError, TypeError):
            pass
    return ticks / os.sysconf("SC_CLK_TCK"), rss / 1024


def percentile(values, p):
    """The p-th percentile (nearest rank) of `values`, in ms."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] * 1000


def run_level(fraction, args, phones, coordinators, server_pid, database):
    """Drive the server at `fraction` of the peak for args.seconds; print one line of figures."""
    mutation_rate = PEAK_MUTATIONS_PER_SECOND * args.factor * fraction
    sync_rate = mutation_rate / 2 + TIMER_SYNCS_PER_PHONE_PER_SECOND * len(phones) * fraction
    page_rate = COORDINATOR_PAGES_PER_SECOND * fraction * args.factor
    tasks, results, lock = queue.Queue(), {"sync": [], "page": [], "errors": 0, "applied": 0,
                                          "changes": [], "bytes": []}, threading.Lock()

    def worker():
        while (task := tasks.get()) is not None:
            kind, client, n = task
            try:
                if kind == "page":
                    started = time.perf_counter()
                    response, _ = client.request("GET", "/coordination/")
                    with lock:
                        results["page"].append(time.perf_counter() - started)
                        results["errors"] += response.status != 200
                    continue
                with client.lock:
                    if client.cookie is None:
                        client.login()
                    seconds, status, changes, size, applied = client.sync(n)
                with lock:
                    results["sync"].append(seconds)
                    results["errors"] += status != 200
                    results["applied"] += applied
                    results["changes"].append(changes)
                    results["bytes"].append(size)
            except (OSError, http.client.HTTPException, AssertionError, ValueError):
                with lock:
                    results["errors"] += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(args.clients)]
    for thread in threads:
        thread.start()
    cpu_before, _ = cpu_seconds_and_rss(server_pid)
    started = time.monotonic()
    next_sync = next_page = started
    while (now := time.monotonic()) < started + args.seconds:
        if now >= next_sync:
            # Half the syncs carry one to three new contacts (about 2 on average), half only pull.
            carries = random.random() < (mutation_rate / 2) / sync_rate if sync_rate else False
            tasks.put(("sync", random.choice(phones), random.randint(1, 3) if carries else 0))
            next_sync += random.expovariate(sync_rate)
        if page_rate and now >= next_page:
            tasks.put(("page", random.choice(coordinators), 0))
            next_page += random.expovariate(page_rate)
        time.sleep(max(0.0, min(next_sync, next_page if page_rate else next_sync) - time.monotonic()))
    for _ in threads:
        tasks.put(None)
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.monotonic() - started
    cpu_after, rss = cpu_seconds_and_rss(server_pid)
    size = sum(Path(f"{database}{s}").stat().st_size for s in ("", "-wal")
               if Path(f"{database}{s}").exists())
    syncs = results["sync"]
    print(f"{fraction:>4.0%} ({mutation_rate:5.1f} mut/s offered, {sync_rate:5.1f} syncs/s): "
          f"{results['applied'] / elapsed:6.1f} mutations/s applied, {len(syncs)} syncs "
          f"p50/p95/p99 {percentile(syncs, 50):.0f}/{percentile(syncs, 95):.0f}/"
          f"{percentile(syncs, 99):.0f} ms, pulls mean {sum(results['changes']) / max(1, len(syncs)):.1f} "
          f"changes {sum(results['bytes']) / max(1, len(syncs)) / 1024:.1f} KB, "
          f"{len(results['page'])} coordinator pages p95 {percentile(results['page'], 95):.0f} ms, "
          f"errors {results['errors']}, server CPU {(cpu_after - cpu_before) / elapsed:.0%} of a core, "
          f"RSS {rss:.0f} MB, db {size / 1e6:.0f} MB", flush=True)


def main():
    """Build, start the server, run the levels, stop."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=6000)
    parser.add_argument("--contacts", type=int, default=300_000)
    parser.add_argument("--phones", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--factor", type=float, default=1.0)
    parser.add_argument("--clients", type=int, default=16, help="concurrent client threads")
    parser.add_argument("--replicate", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fieldapp-load-") as folder:
        started = time.perf_counter()
        instance, phone_specs, coordinator_names, last_seq = build(
            Path(folder), args.people, args.contacts, args.phones)
        database = instance / "fieldapp.db"
        print(f"built {args.people} people, {args.contacts} contacts, {args.phones} phones in "
              f"{time.perf_counter() - started:.1f} s; db {database.stat().st_size / 1e6:.0f} MB",
              flush=True)
        port = int(os.environ.get("LOAD_PORT", "0")) or _free_port()
        command = [FIELDAPP, "serve", "--port", str(port)] + (["--replicate"] if args.replicate else [])
        server = subprocess.Popen(command, env={**os.environ, "FIELDAPP_INSTANCE": str(instance)},
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                  start_new_session=True)
        try:
            _wait_for(port)
            # Phones that already hold their caseload (cursor at the end of the log); one fresh
            # phone's first pull, measured apart.
            phones = [Client(port, name, people, last_seq, device)
                      for name, people, device in phone_specs]
            fresh = Client(port, phone_specs[0][0], phone_specs[0][1])
            fresh.login()
            started, pages, received, answer_bytes = time.perf_counter(), 0, 0, 0
            while True:
                seconds, status, changes, size, _ = fresh.sync(0)
                pages, received, answer_bytes = pages + 1, received + changes, answer_bytes + size
                if status != 200 or not fresh.more:
                    break
            print(f"a fresh phone's first pull: {received} records, {pages} pages, "
                  f"{answer_bytes / 1024:.0f} KB, {(time.perf_counter() - started) * 1000:.0f} ms",
                  flush=True)
            coordinators = [Client(port, name) for name in coordinator_names]
            started = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:  # every phone signs in once, first
                list(pool.map(Client.login, phones + coordinators))
            print(f"{len(phones)} phones signed in in {time.perf_counter() - started:.1f} s",
                  flush=True)
            for fraction in (0.1, 0.25, 0.5, 0.75, 1.0):
                run_level(fraction, args, phones, coordinators, server.pid, database)
        finally:
            os.killpg(server.pid, 15)
            server.wait(timeout=30)


def _free_port():
    """A free port on 127.0.0.1 for the server."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(port):
    """Until the server accepts connections (at most a minute)."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/healthz")
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


if __name__ == "__main__":
    main()
