"""How long does each programme measure take on a big area? Prints figures; asserts nothing.

    .venv/bin/python bench/measures.py [--people 6000] [--contacts 300000]

Builds a throwaway database in bulk SQL (no sync engine, for speed): `--people` people in one
area, half of them engaged over the last two years, each with three versions of their details in
the engine's history (housing changing), `--contacts` contacts over two years, NDT assessments at
engagement and after 3, 6 and 12 months, two Star readings, peer sessions, barriers, referrals,
count-night tallies and multi-agency meetings. Then times every measure (reads/measure_sheet.py)
for the area over the latest quarter, best of three, and the whole measures page as a coordinator
sees it (through the app, by the test client). The goal: the whole page under 1 s.
"""

import argparse
import json
import random
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from fieldapp import create_app, users
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from fieldapp.reads import measure_sheet, returns
from fieldapp.reads.csv_export import to_csv
from fieldapp.reads.xlsx_export import to_xlsx
from fieldapp.reads.measures import quarter_of

AREA = "Fenland and East Cambridgeshire"
DISTRICTS = ["Fenland", "East Cambridgeshire"]
TODAY = date(2026, 11, 30)
NDT_KEYS = ["engagement", "intentional_self_harm", "unintentional_self_harm", "risk_to_others",
            "risk_from_others", "stress_anxiety", "social_effectiveness", "alcohol_drugs",
            "impulse_control", "housing"]
STAR_KEYS = ["motivation", "self_care", "money", "social_networks", "drug_alcohol",
             "physical_health", "emotional_health", "meaningful_use_of_time", "tenancy", "offending"]
HOUSING = ["rough_sleeping", "hostel", "sofa_surfing", "supported_accommodation", "settled_tenancy",
           "prison"]


def day(n):
    """The date `n` days before TODAY, as text."""
    return (TODAY - timedelta(days=n)).isoformat()


def build(db, people, contacts, chance):
    """Every table the measures read, in bulk."""
    worker_ids = [users.create_user(db, f"w{n}", "x", "trusted_person", team="T", area=AREA)
                  for n in range(40)]
    users.create_user(db, "coord", "bench-password", "coordinator", area=AREA)
    rows, history = [], []
    for n in range(people):
        pid = f"p{n:05}"
        engaged = day(chance.randrange(0, 730)) if n % 2 == 0 else None
        housing = [chance.choice(HOUSING) for _ in range(3)]
        row = {"id": pid, "version": 3, "deleted": 0, "scope": pid, "display_name": f"P {n}",
               "district": chance.choice(DISTRICTS), "area": AREA, "team": "T",
               "trusted_person_id": chance.choice(worker_ids) if engaged else None,
               "status": "engaged" if engaged else "first_contact", "engaged_on": engaged,
               "gender": chance.choice(["woman", "man", None]),
               "ethnicity": chance.choice(["white_british", "asian", "black", "mixed", None]),
               "age_band": chance.choice(["18-24", "25-34", "35-44", "45-54", None]),
               "known_to_services": chance.choice(["yes", "no", "unknown"]),
               "housing_situation": housing[-1]}
        rows.append(row)
        start = date.fromisoformat(engaged) if engaged else TODAY - timedelta(days=800)
        for version, situation in enumerate(housing, 1):
            stored = start + timedelta(days=(version - 1) * chance.randrange(30, 200))
            history.append(("person", pid, version, "update", 0, json.dumps(
                {**row, "housing_situation": situation}), 1, None, None, None,
                f"{stored.isoformat()}T12:00:00Z"))
    db["person"].insert_all(rows, batch_size=1000)
    db.conn.executemany("INSERT INTO sync_history (type, record_id, version, op, deleted, fields,"
                        " actor_id, device_id, mutation_id, recorded_at, stored_at)"
                        " VALUES (?,?,?,?,?,?,?,?,?,?,?)", history)
    services = [f"d{n:03}" for n in range(50)]
    db["directory_entry"].insert_all({"id": s, "version": 1, "deleted": 0, "scope": s,
                                      "name": f"Service {s}", "offers": "x",
                                      "districts": json.dumps(DISTRICTS), "last_checked_on": day(9)}
                                     for s in services)
    db["contact"].insert_all(({
        "id": f"c{n:06}", "version": 1, "deleted": 0, "scope": (pid := f"p{chance.randrange(people):05}"),
        "person_id": pid, "contact_at": f"{day(chance.randrange(0, 730))}T{chance.randrange(24):02}:00",
        "district": chance.choice(DISTRICTS), "place": "x",
        "contact_type": chance.choice(["street_outreach", "streetlink", "home_visit", "appointment"]),
        "bedded_down": chance.random() < 0.4, "spoken_to": chance.random() < 0.7,
        "worker_id": 1, "referred_to": chance.choice(services) if chance.random() < 0.05 else None}
        for n in range(contacts)), batch_size=5000)
    assessments = []
    for row in rows:
        if not row["engaged_on"]:
            continue
        engaged = date.fromisoformat(row["engaged_on"])
        for months in (0, 3, 6, 12):
            on = engaged + timedelta(days=30 * months + chance.randrange(-10, 10))
            if on > TODAY or chance.random() < 0.2:
                continue
            levels = [chance.randrange(5) for _ in NDT_KEYS]
            assessments.append(_assessment(row["id"], "ndt", "1", on, dict(zip(NDT_KEYS, levels)),
                                           sum(levels) + levels[3] + levels[4]))
        for months in (0, 6):
            on = engaged + timedelta(days=30 * months)
            if on <= TODAY:
                scores = {k: chance.randrange(1, 11) for k in STAR_KEYS}
                assessments.append(_assessment(row["id"], "homelessness-star", "3.1", on, scores,
                                               sum(scores.values())))
    db["assessment"].insert_all(assessments, batch_size=2000)
    db["peer_session"].insert_all(({
        "id": f"s{n:05}", "version": 1, "deleted": 0, "scope": (pid := f"p{chance.randrange(people):05}"),
        "person_id": pid, "mentor_id": chance.choice(worker_ids[:5]),
        "session_on": day(chance.randrange(0, 365)), "duration_minutes": chance.randrange(15, 120),
        "mode": "face_to_face", "purpose": "recovery"} for n in range(20_000)), batch_size=5000)
    db["barrier"].insert_all(({
        "id": f"b{n:04}", "version": 1, "deleted": 0, "scope": f"b{n:04}", "service": "x",
        "kind": "threshold", "what_happened": "x", "district": "Fenland", "area": AREA,
        "noticed_on": (noticed := day(chance.randrange(0, 365))),
        "status": (status := chance.choice(["open", "raised", "resolved", "closed_unresolved"])),
        "resolved_on": noticed if status == "resolved" else None, "logged_by": 1}
        for n in range(500)), batch_size=500)
    db["tally"].insert_all(({"id": f"t{n:03}", "version": 1, "deleted": 0, "scope": f"t{n:03}",
                             "counted_on": day(n * 7), "district": chance.choice(DISTRICTS),
                             "area": AREA, "people_seen": chance.randrange(20), "recorded_by": 1}
                            for n in range(100)))
    db["mdt_meeting"].insert_all(({
        "id": f"m{n:05}", "version": 1, "deleted": 0, "scope": (pid := f"p{chance.randrange(people):05}"),
        "person_id": pid, "held_on": day(chance.randrange(0, 365)),
        "agencies": '["housing", "probation"]', "recorded_by": chance.choice(worker_ids),
        "by_trusted_person": chance.randrange(2)} for n in range(5000)), batch_size=5000)
    db.conn.commit()


def _assessment(person_id, instrument, version, on, scores, total):
    return {"id": f"a{person_id}{instrument}{on}", "version": 1, "deleted": 0, "scope": person_id,
            "person_id": person_id, "instrument": instrument, "instrument_version": version,
            "assessed_on": on.isoformat(), "status": "final", "scores": json.dumps(scores),
            "total": total, "max_total": 48, "created_at": f"{on.isoformat()}T12:00:00Z"}


def best_of_three(function):
    """The fastest of three runs of `function`, in seconds."""
    runs = []
    for _ in range(3):
        start = time.perf_counter()
        function()
        runs.append(time.perf_counter() - start)
    return min(runs)


def main():
    """Build the store, then print each measure's time and the whole page's."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--people", type=int, default=6000)
    parser.add_argument("--contacts", type=int, default=300_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"INSTANCE": folder, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
                          "WTF_CSRF_ENABLED": False, "ARGON2_TIME_COST": 1,
                          "ARGON2_MEMORY_COST": 256, "ARGON2_PARALLELISM": 1})
        db = open_db(app.config["DATABASE"])
        migrate(db)
        start = time.perf_counter()
        build(db, args.people, args.contacts, random.Random(14))
        db.execute("ANALYZE")  # as `fieldapp backup`/an operator's PRAGMA optimize would leave it
        print(f"built {args.people} people, {args.contacts} contacts in "
              f"{time.perf_counter() - start:.1f} s")
        period = quarter_of(TODAY)
        total = 0.0
        for key in measure_sheet.keys():
            took = best_of_three(lambda: measure_sheet.compute(db, [AREA], period, app.config, only={key}))
            total += took
            print(f"  {key:<16} {took * 1000:7.1f} ms")
        print(f"every measure, one after another: {total * 1000:.0f} ms")
        client = app.test_client()
        client.post("/login", data={"username": "coord", "password": "bench-password"})
        page = best_of_three(lambda: client.get(
            f"/measures?from={period.start}&to={period.end}").get_data())
        print(f"the whole measures page for a coordinator ({period.label}): {page * 1000:.0f} ms"
              " (goal: under 1000 ms)")
        # The returns' files: the same rows written as CSV and as .xlsx.
        for kind in ("people", "figures"):
            header, rows = returns.RETURNS[kind](db, [AREA], period, app.config)
            for name, write in (("csv", to_csv), ("xlsx", to_xlsx)):
                data = write(header, rows)
                took = best_of_three(lambda: write(header, rows))
                print(f"  {kind} return as {name}: {len(rows)} rows, {len(data) / 1024:.0f} KB,"
                      f" {took * 1000:.0f} ms to write")
        db.close()


if __name__ == "__main__":
    main()
