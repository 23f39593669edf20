"""How fast does one server apply phones' batches and answer pulls? Prints figures; asserts nothing.

    .venv/bin/python bench/sync_throughput.py [--people 300] [--contacts 20000] [--batch 50]

Builds a throwaway database in a temporary folder, registers `--people` people across a few teams,
then pushes `--contacts` contacts through the real engine (durable commits, synchronous=FULL) in
batches, and times a fresh device's first full pull and a colleague's incremental pull.
"""

import argparse
import json
import tempfile
import time
import uuid
from pathlib import Path
from types import SimpleNamespace

from fieldapp import config as default_config
from fieldapp import users
from fieldapp.records import make_engine
from fieldapp.db import open_db
from fieldapp.migrations import migrate


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--contacts", type=int, default=20_000)
    parser.add_argument("--batch", type=int, default=50)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="fieldapp-bench-"))
    db = open_db(folder / "fieldapp.db")
    migrate(db)
    config = {key: getattr(default_config, key) for key in dir(default_config) if key.isupper()}
    area = "Fenland and East Cambridgeshire"
    teams = [f"team {n}" for n in range(10)]
    workers = []
    for n, team in enumerate(teams):
        user_id = users.create_user(db, f"worker{n}", "x" * 12, "outreach_worker", team=team,
                                       area=area)
        workers.append(SimpleNamespace(id=user_id, role="outreach_worker", team=team, area=area))
    engine = make_engine(db, config)

    people = []
    for n in range(args.people):
        worker = workers[n % len(workers)]
        person_id = str(uuid.uuid4())
        engine.push(worker, f"device-{worker.id}", [{
            "id": str(uuid.uuid4()), "type": "person", "op": "create", "record_id": person_id,
            "recorded_at": None, "fields": {"display_name": f"Person {n}", "district": "Fenland"}}])
        people.append((person_id, worker))

    started = time.perf_counter()
    sent_bytes = 0
    for start in range(0, args.contacts, args.batch):
        person_id, worker = people[start // args.batch % len(people)]
        batch = [{"id": str(uuid.uuid4()), "type": "contact", "op": "create",
                  "record_id": str(uuid.uuid4()), "recorded_at": "2026-11-22T08:00:00Z",
                  "fields": {"person_id": person_id, "contact_at": "2026-11-21T07:55",
                             "district": "Fenland", "place": "Market Place, Wisbech",
                             "contact_type": "street_outreach", "bedded_down": True,
                             "spoken_to": True, "duration_minutes": 15,
                             "what_happened": "Talked about a hostel place" * 3}}
                 for _ in range(min(args.batch, args.contacts - start))]
        sent_bytes += len(json.dumps(batch))
        results = engine.push(worker, f"device-{worker.id}", batch)
        assert all(r["status"] == "applied" for r in results)
    elapsed = time.perf_counter() - started
    print(f"push: {args.contacts} contacts in batches of {args.batch}: {elapsed:.2f} s, "
          f"{args.contacts / elapsed:.0f} mutations/s, {sent_bytes / args.contacts:.0f} bytes each")

    started = time.perf_counter()
    cursor, more, pages, received, answer_bytes = 0, True, 0, 0, 0
    while more:
        page = engine.pull(workers[0], "fresh-device", cursor)
        cursor, more, pages = page["cursor"], page["more"], pages + 1
        received += len(page["changes"])
        answer_bytes += len(json.dumps(page))
    elapsed = time.perf_counter() - started
    print(f"first pull of one team's caseload ({received} records, {pages} pages, "
          f"{answer_bytes / 1024:.0f} KB): {elapsed * 1000:.0f} ms")

    started = time.perf_counter()
    page = engine.pull(workers[0], "fresh-device", cursor)
    print(f"incremental pull with nothing new: {(time.perf_counter() - started) * 1000:.1f} ms")
    size = (folder / "fieldapp.db").stat().st_size
    print(f"database: {size / 1_048_576:.1f} MB for {args.people} people and "
          f"{args.contacts} contacts (with history and change log)")


if __name__ == "__main__":
    main()
