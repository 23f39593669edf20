"""The chaos soak: many phones at once through a faulty link, the server killed now and then.
Prints figures; asserts nothing (the bounded chaos test, tests/test_sync_chaos.py, asserts).

    .venv/bin/python bench/chaos_soak.py [--phones 100] [--mutations 200] [--seed 7]

A real `fieldapp serve` (a subprocess, killed with SIGKILL and restarted by a supervisor every
`--kill-every` seconds) behind tests/chaos.py's FaultyProxy (requests dropped before and after the
server commits, answers stalled past the phone's wait). `--phones` phones (tests/chaos_phone.py's
Phone, here sending gzipped bodies, taking gzipped answers, asking for the partial echo and
honouring `Retry-After` with jitter, as static/flush.js does), five workers to a team, each records
`--mutations` mutations (people, contacts about them, a change of name now and then) in syncs of one
to five, with a pause of up to a second between syncs. When every phone has recorded its share,
faults stop and every phone syncs until its outbox is empty. Printed: whether it converged (nothing
acknowledged missing, nothing lost or stored twice, integrity_check ok, every phone holding exactly
what its user may see), the p50/p95 of answered requests, and bytes on the wire per mutation
(all traffic, both ways, headers excluded).
"""

import argparse
import gzip
import http.client
import json
import random
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fieldapp import users  # noqa: E402
from fieldapp.db import open_db  # noqa: E402
from fieldapp.migrations import migrate  # noqa: E402
from tests.chaos import FaultyProxy, ServerProcess, free_port  # noqa: E402
from tests.chaos_phone import Phone  # noqa: E402
from tests.chaos_scope import expected_holdings  # noqa: E402

AREA = "Fenland and East Cambridgeshire"
# A phone gives up on an answer after this long (static/constants.js SYNC_TIMEOUT_MS).
PHONE_TIMEOUT = 20.0


class SoakPhone(Phone):
    """tests/chaos_phone.py's Phone, speaking as static/flush.js does: a gzipped body, a gzipped
    answer, the partial echo, and a 503's Retry-After waited out (times 1 to 1.5)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.latencies = []
        self.refusals = {}  # HTTP status -> how many answers were not a well-formed 200

    def _body(self, batch=25) -> dict:
        body = super()._body(batch)
        body["echo"] = "partial"
        return body

    def _post(self, port, body, timeout):
        raw_body = gzip.compress(json.dumps(body).encode())
        self.stats["requests"] += 1
        self.stats["bytes_sent"] += len(raw_body)
        started = time.monotonic()
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            connection.request("POST", "/api/sync", body=raw_body, headers={
                "Content-Type": "application/json", "Content-Encoding": "gzip",
                "Accept-Encoding": "gzip", "X-Fieldapp-Sync": "1", "Cookie": self.cookie,
                "Connection": "close"})
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.stats["failures"] += 1
            return None
        self.stats["bytes_received"] += len(raw)
        if response.getheader("Content-Encoding") == "gzip":
            raw = gzip.decompress(raw)
        if response.status in (429, 503) and response.getheader("Retry-After"):
            self.stats["failures"] += 1
            self.refusals[response.status] = self.refusals.get(response.status, 0) + 1
            wait = float(response.getheader("Retry-After"))
            time.sleep(min(wait * self.rng.uniform(1, 1.5), 60))
            return None
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        well_formed = (response.status == 200 and isinstance(answer, dict)
                       and [r.get("id") for r in answer.get("results", [])]
                       == [m["id"] for m in body["mutations"]])
        if not well_formed:
            self.stats["failures"] += 1
            self.refusals[response.status] = self.refusals.get(response.status, 0) + 1
            return None
        self.latencies.append(time.monotonic() - started)
        return answer


def make_instance(instance: Path, phones: int) -> list[str]:
    """Users w0..w(n-1), five to a team; cheap password hashing and no sign-in rate limit for
    the server process."""
    (instance / "config.py").write_text(
        "ARGON2_TIME_COST = 1\nARGON2_MEMORY_COST = 256\nARGON2_PARALLELISM = 1\n"
        "RATELIMIT_ENABLED = False\n")  # a hundred sign-ins from one address in a few seconds
    users.configure_hashing(time_cost=1, memory_cost=256, parallelism=1)
    db = open_db(instance / "fieldapp.db")
    migrate(db)
    names = [f"w{n}" for n in range(phones)]
    for n, name in enumerate(names):
        users.create_user(db, name, "demo", "outreach_worker", team=f"Team {n // 5}", area=AREA)
    db.close()
    return names


def work(phone: SoakPhone, share: int, port: int, made: dict, stop: threading.Event):
    """Record `share` mutations in syncs of one to five, then return."""
    done = 0
    while done < share and not stop.is_set():
        for _ in range(min(phone.rng.randint(1, 5), share - done)):
            people = phone.people()
            roll = phone.rng.random()
            if roll < 0.2 or not people:
                m = phone.queue("person", "create", str(uuid.uuid4()), {
                    "display_name": f"Person of {phone.name}", "district": "Fenland"})
            elif roll < 0.9:
                m = phone.queue("contact", "create", str(uuid.uuid4()), {
                    "person_id": phone.rng.choice(people), "contact_at": "2026-11-21T07:55",
                    "district": "Fenland", "place": f"Round by {phone.name}",
                    "contact_type": "street_outreach", "bedded_down": False, "spoken_to": True,
                    "duration_minutes": phone.rng.randrange(90)})
            else:
                held = [rid for (t, rid) in phone.held if t == "person"]
                if not held:
                    continue
                rid = phone.rng.choice(held)
                m = phone.queue("person", "update", rid, {"description": f"by {phone.name} {done}"},
                                base_version=phone.held[("person", rid)]["version"])
            made.setdefault(m["type"], set()).add(m["record_id"])
            done += 1
        phone.sync(port, timeout=PHONE_TIMEOUT)
        time.sleep(phone.rng.uniform(0, 1))


def supervise(server: ServerProcess, proxy: FaultyProxy, kill_every: float,
              stop: threading.Event):
    """Restart the server whenever it is dead; arm a kill mid-request every `kill_every` s."""
    last_kill = time.monotonic()
    while not stop.wait(0.2):
        if not server.alive():
            server.start()
        if kill_every and time.monotonic() - last_kill > kill_every:
            proxy.kill_next = True
            last_kill = time.monotonic()


def check(instance: Path, phones: list, made: dict, server_kills: int) -> dict:
    """The end state, as tests/test_sync_chaos.py judges it."""
    db = open_db(instance / "fieldapp.db")
    stored = {row[0] for row in db.execute("SELECT id FROM sync_mutation")}
    acknowledged = {mid for phone in phones for mid in phone.acknowledged}
    stored_ids = {row[0] for t in ("person", "contact") for row in db.execute(
        f"SELECT id FROM {t}")}
    refused = [m for phone in phones for m in phone.rejected.values()]
    made_ids = set().union(*made.values()) - {m["record_id"] for m in refused if m["op"] == "create"}
    first_versions = db.execute("SELECT COUNT(*) FROM sync_history WHERE version = 1").fetchone()[0]
    expected_by_team, wrong_holdings = {}, 0
    for phone in phones:
        team = int(phone.username[1:]) // 5
        if team not in expected_by_team:
            expected_by_team[team] = expected_holdings(db, phone.username)
        held = {key: held["version"] for key, held in phone.held.items()}
        wrong_holdings += held != expected_by_team[team]
    figures = {
        "integrity": db.execute("PRAGMA integrity_check").fetchone()[0],
        "unsent": sum(len(phone.outbox) for phone in phones),
        "acknowledged_missing": len(acknowledged - stored),
        "lost": len(made_ids - stored_ids),
        "duplicated": first_versions - len(stored_ids),
        "phones_holding_wrong": wrong_holdings,
        "refused": len(refused),
        "mutations_stored": len(stored),
        "server_kills": server_kills,
    }
    db.close()
    figures["converged"] = (figures["integrity"] == "ok" and not figures["unsent"]
                            and not figures["acknowledged_missing"] and not figures["lost"]
                            and not figures["duplicated"] and not figures["phones_holding_wrong"])
    return figures


def main(argv=None):
    """Run the soak with `argv` (the command line when None), print its figures and return them
    (bench/limit.py's table)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phones", type=int, default=100)
    parser.add_argument("--mutations", type=int, default=200, help="per phone")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--kill-every", type=float, default=30.0,
                        help="seconds between server kills (0: none)")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    instance = Path(tempfile.mkdtemp(prefix="fieldapp-bench-soak-"))
    names = make_instance(instance, args.phones)
    server = ServerProcess(instance, free_port(), log=instance / "server.log")
    server.start()
    proxy = FaultyProxy(server, random.Random(args.seed + 1), weights=(14, 2, 3, 1))
    proxy.listener.listen(256)
    # A refusal is counted, not fatal (a worker would discard it); none is expected here.
    phones = [SoakPhone(name, name, server.port, random.Random(f"{args.seed}{name}"),
                        may_lose=lambda mutation: True) for name in names]
    made, stop = {}, threading.Event()
    supervisor = threading.Thread(target=supervise, args=(server, proxy, args.kill_every, stop),
                                  daemon=True)
    supervisor.start()
    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(phone, args.mutations, proxy.port, made, stop),
                                daemon=True) for phone in phones]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        recording = time.monotonic() - started
        # Signal returns for good: each phone syncs until it has nothing to send or receive.
        stop.set()
        supervisor.join()
        proxy.faults_on, proxy.kill_next = False, False
        for _ in range(2):
            for phone in phones:
                for _attempt in range(50):
                    if not server.alive():
                        server.start()
                    answer = phone.sync(proxy.port, timeout=PHONE_TIMEOUT)
                    if answer is not None and not phone.outbox and not answer["more"]:
                        break
    finally:
        stop.set()
        server.stop()
        proxy.close()
    figures = check(instance, phones, made, server.kills)
    latencies = sorted(t for phone in phones for t in phone.latencies)
    traffic = sum(p.stats["bytes_sent"] + p.stats["bytes_received"] for p in phones)
    requests = sum(p.stats["requests"] for p in phones)
    failures = sum(p.stats["failures"] for p in phones)
    print(f"{args.phones} phones x {args.mutations} mutations (seed {args.seed}), "
          f"recorded in {recording:.0f} s, faults {proxy.counts}")
    print(f"converged: {'yes' if figures['converged'] else 'NO'} {figures}")
    refusals = {}
    for phone in phones:
        for status, count in phone.refusals.items():
            refusals[status] = refusals.get(status, 0) + count
    print(f"requests {requests} ({failures} failed: {refusals} answered with a refusal, the rest"
          " cut off: the proxy's faults, kills, the server restarting), answered p50 "
          f"{latencies[len(latencies) // 2] * 1000:.0f} ms, p95 "
          f"{latencies[int(len(latencies) * 0.95)] * 1000:.0f} ms (goal < 1 s)")
    print(f"bytes per mutation, all traffic: {traffic / max(figures['mutations_stored'], 1):,.0f}"
          " (goal <= 3 kB)")
    served = sorted(server.answer_times("api.sync_endpoint"))
    if served:
        print(f"the server's own time per sync answer (its request log): p50 "
              f"{served[len(served) // 2] * 1000:.0f} ms, p95 {served[int(len(served) * 0.95)] * 1000:.0f}"
              f" ms over {len(served)} answers (the rest of the phones' wait is their own threads"
              " and the proxy's, sharing the machine's cores)")
    errors = server.errors()
    print(f"server errors (answers of 500, and what the server logged of them): {len(errors)}")
    for error in errors[:5]:
        print("   ", error)
    return {**figures, "phones": args.phones, "mutations": args.mutations,
            "p50": latencies[len(latencies) // 2], "p95": latencies[int(len(latencies) * 0.95)],
            "server_p95": served[int(len(served) * 0.95)] if served else None,
            "bytes_per_mutation": traffic / max(figures["mutations_stored"], 1),
            "requests": requests, "seconds": recording}


if __name__ == "__main__":
    main()
