"""Does a pull stay as fast at a million records as at ten thousand? Prints figures; asserts nothing.

    .venv/bin/python bench/sync_pull.py [--small 10000] [--big 200000] [--repeat 11]

Builds two throwaway stores with bulk SQL inserts (people, contacts and their change-log rows, no
version history: a pull never reads it), each holding one outreach worker's caseload of 15 people
with 20 contacts each, and other teams' people and contacts up to `--small` and `--big` records.
Then, through the real engine (fieldapp's, with its audit of what reached a phone), times
- a fresh phone's first full pull of the caseload (all pages), median of `--repeat` (the two
  stores taking turns), and the ratio big ÷ small (issue 13's goal: at most 1.5);
- a no-op pull (nothing new since the cursor) at the big store, median of 200 (goal: at most 1 ms).
`--big 1000000` is the issue's figure (about a minute to build); the default runs in well under one.
"""

import argparse
import statistics
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
CASELOAD, CONTACTS_EACH = 15, 20
CONTACT = {"contact_at": "2026-11-21T07:55", "district": "Fenland",
           "place": "Bus shelter, Market Place, Wisbech", "contact_type": "street_outreach",
           "bedded_down": 1, "spoken_to": 1, "duration_minutes": 20,
           "what_happened": "Offered a sleeping bag and a hostel place", "action": "StreetLink"}


def build(path: Path, records: int):
    """A store of about `records` records (people + contacts); (db, the worker as an actor)."""
    users.configure_hashing(time_cost=1, memory_cost=256, parallelism=1)
    db = open_db(path)
    migrate(db)
    worker = users.create_user(db, "ann", "benchmark-pw", "outreach_worker", team=TEAM, area=AREA)
    actor = SimpleNamespace(id=worker, role="outreach_worker", team=TEAM, area=AREA,
                            device_id=None)
    # Building only (the pulls run with the app's FULL): no fsync, and enough page cache (1 GB
    # at most) that the random-id indexes are built in memory instead of read back from disk.
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-1000000")
    people, contacts = [], []
    # The caseload first, then other teams' people (200 teams) with 49 contacts each up to `records`.
    plan = [(TEAM, CONTACTS_EACH)] * CASELOAD
    left = records - CASELOAD * (CONTACTS_EACH + 1)
    while left > 0:
        # Other teams, a few hundred people each, as in a county with many teams.
        plan.append((f"Team {len(plan) % 200}", min(49, max(left - 1, 0))))
        left -= plan[-1][1] + 1
    for n, (team, count) in enumerate(plan):
        person_id = str(uuid.uuid4())
        people.append((person_id, 1, 0, person_id, f"Person {n}", "Fenland", AREA, team))
        for _ in range(count):
            contacts.append((str(uuid.uuid4()), 1, 0, person_id, person_id, *CONTACT.values(),
                             worker))
    with db.conn:
        db.conn.executemany(
            "INSERT INTO person (id, version, deleted, scope, display_name, district, area, team)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)", people)
        db.conn.executemany(
            f"INSERT INTO contact (id, version, deleted, scope, person_id, {', '.join(CONTACT)},"
            f" worker_id) VALUES ({', '.join('?' * (len(CONTACT) + 6))})", contacts)
        db.conn.executemany(
            "INSERT INTO sync_change (type, record_id, version, scope, deleted)"
            " VALUES (?, ?, 1, ?, 0)",
            [("person", p[0], p[0]) for p in people] + [("contact", c[0], c[3]) for c in contacts])
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA cache_size=-2000")  # SQLite's default again, as the server runs
    return db, actor


def first_pull(engine, actor) -> tuple[float, int, int]:
    """A fresh phone's whole first pull: (seconds, records received, final cursor)."""
    device_id = str(uuid.uuid4())
    started = time.perf_counter()
    cursor, more, received = 0, True, 0
    while more:
        page = engine.pull(actor, device_id, cursor)
        cursor, more = page["cursor"], page["more"]
        received += len(page["changes"])
    return time.perf_counter() - started, received, (device_id, cursor)


def measure(path: Path, records: int):
    """Build a store of about `records` records: (db, engine, actor, seconds to build)."""
    started = time.perf_counter()
    db, actor = build(path, records)
    built = time.perf_counter() - started
    engine = make_engine(db, {k: getattr(default_config, k) for k in dir(default_config)
                              if k.isupper()})
    return db, engine, actor, built


def noop_pulls(engine, actor, last) -> float:
    """The median of 200 no-op pulls (nothing new since the cursor) after the first pull `last`."""
    device_id, cursor = last
    engine.pull(actor, device_id, cursor)  # settles the last answer's scope rows
    noops = []
    for _ in range(200):
        begun = time.perf_counter()
        page = engine.pull(actor, device_id, cursor)
        noops.append(time.perf_counter() - begun)
        assert not page["changes"], "a no-op pull brought changes"
    return statistics.median(noops)


def main(argv=None):
    """Run the pull bench with `argv` (the command line when None), print its figures and return
    them (bench/limit.py's table)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--big", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args(argv)
    folder = Path(tempfile.mkdtemp(prefix="fieldapp-bench-pull-"))
    stores = {size: measure(folder / f"{size}.db", size) for size in (args.small, args.big)}
    # The two stores' first pulls take turns, so a burst of other work on the machine (or a slow
    # fsync) falls on both alike rather than on one store's runs.
    runs = {size: [] for size in stores}
    for _ in range(args.repeat):
        for size, (_db, engine, actor, _built) in stores.items():
            runs[size].append(first_pull(engine, actor))
    figures = {}
    for size, (db, engine, actor, built) in stores.items():
        first = statistics.median(run[0] for run in runs[size])
        noop = noop_pulls(engine, actor, runs[size][-1][2])
        db.close()
        figures[size] = (first, noop)
        print(f"store of {size:,} records (built in {built:.1f} s): first pull of the caseload "
              f"({runs[size][0][1]} records) {first * 1000:.1f} ms (median of {args.repeat});"
              f" no-op pull {noop * 1000:.3f} ms")
    (small, _), (big, noop) = figures[args.small], figures[args.big]
    print(f"first pull, {args.big:,} ÷ {args.small:,} records: {big / small:.2f} (goal <= 1.5)")
    print(f"no-op pull at {args.big:,} records: {noop * 1000:.3f} ms (goal <= 1 ms)")
    return {"small": args.small, "big": args.big, "small_seconds": small, "big_seconds": big,
            "noop_seconds": noop}


if __name__ == "__main__":
    main()
