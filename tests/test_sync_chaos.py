"""Chaos: phones record and edit while requests are dropped before and after the server commits,
connections stall, batches are replayed, old requests arrive late and out of order, clocks are
skewed, the server process is killed mid-batch and restarted, and a coordinator changes who sees
whom (shares granted and ended, consent withdrawn, people removed and restored). Afterwards nothing
acknowledged is missing, nothing is stored twice, every injected concurrent edit is a conflict,
and every phone holds exactly what its user may see now: no stale copy of anyone it may no longer
see, nobody removed.

Bounded for CI (well under a minute). A longer soak, by hand:
    FIELDAPP_CHAOS_ROUNDS=300 FIELDAPP_CHAOS_SEED=7 ./test tests/test_sync_chaos.py -s
"""

import os
import random
import threading
import uuid
from datetime import date, timedelta

from fieldapp import users
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from tests.chaos import FaultyProxy, ServerProcess, free_port
from tests.chaos_phone import Phone, person_of
from tests.chaos_scope import Coordinator, expected_holdings

ROUNDS = int(os.environ.get("FIELDAPP_CHAOS_ROUNDS", "40"))
SEED = int(os.environ.get("FIELDAPP_CHAOS_SEED", random.randrange(1 << 30)))
AREA = "Fenland and East Cambridgeshire"
TEAM = "Fenland outreach"
AGENCY = "cgl"
# Phone name -> clock skew in days. The user is the name before the dash; pat's phone (a partner
# agency worker) only reads.
PHONES = {"ann-1": 0, "ann-2": -3.5, "ben-1": 2, "cal-1": 9, "dee-1": 1, "eve-1": -30, "pat-1": 0}
DISTRICTS = {"dee": "East Cambridgeshire", "eve": "Peterborough"}
# Per phone and round: an old request of its own arrives late; two of its requests are reordered.
LATE, REORDERED = 0.12, 0.05


def _users(instance):
    # The server process reads instance/config.py: cheap password hashing for the test's logins.
    (instance / "config.py").write_text(
        "ARGON2_TIME_COST = 1\nARGON2_MEMORY_COST = 256\nARGON2_PARALLELISM = 1\n")
    users.configure_hashing(time_cost=1, memory_cost=256, parallelism=1)
    db = open_db(instance / "fieldapp.db")
    migrate(db)
    for name in ("ann", "ben", "cal"):
        users.create_user(db, name, "demo", "outreach_worker", team=TEAM, area=AREA)
    users.create_user(db, "dee", "demo", "outreach_worker", team="East Cambridgeshire outreach",
                      area=AREA)  # sees Fenland's people only when one is shared with her
    users.create_user(db, "eve", "demo", "outreach_worker", team="Peterborough outreach",
                      area="Peterborough")
    users.create_user(db, "pat", "demo", "partner_agency", agency=AGENCY)
    users.create_user(db, "cora", "demo", "coordinator", area=AREA)
    db.close()


def _contact_fields(phone, person_id, district):
    return {"person_id": person_id, "contact_at": "2026-11-21T07:55", "district": district,
            "place": f"Round by {phone.name}", "contact_type": "street_outreach",
            "bedded_down": phone.rng.random() < 0.5, "spoken_to": True,
            "duration_minutes": phone.rng.randrange(0, 90)}


def _work(phone, district, made, round_number):
    """What a worker records this round: a person, a contact, a consent, or a change of name."""
    roll, people = phone.rng.random(), phone.people()
    if roll < 0.22 or not people:
        mutation = phone.queue("person", "create", str(uuid.uuid4()), {
            "display_name": f"Person of {phone.name}", "district": district})
    elif roll < 0.62:
        mutation = phone.queue("contact", "create", str(uuid.uuid4()),
                               _contact_fields(phone, phone.rng.choice(people), district))
    elif roll < 0.74:
        shares = [AGENCY] if phone.rng.random() < 0.7 else []
        mutation = phone.queue("consent", "create", str(uuid.uuid4()), {
            "person_id": phone.rng.choice(people), "recording": True, "share_with": shares,
            "given_on": (date.today() - timedelta(days=1)).isoformat()})
    else:
        held = [rid for (t, rid) in phone.held if t == "person"]
        if held:
            person_id = phone.rng.choice(held)
            phone.queue("person", "update", person_id,
                        {"display_name": f"Renamed by {phone.name} {round_number}"},
                        base_version=phone.held[("person", person_id)]["version"])
        return
    made[mutation["type"]].add(mutation["record_id"])


def _run(jobs):
    """Run the jobs (callables) at once, each on its own thread; re-raise the first failure (an
    assertion in a phone must fail the test, not vanish with its thread)."""
    errors = []

    def guarded(job):
        try:
            job()
        except BaseException as error:  # noqa: BLE001 - handed to the test's thread below
            errors.append(error)

    threads = [threading.Thread(target=guarded, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if errors:
        raise errors[0]


def _late_deliveries(phones, online, port, rng):
    """This round's late and reordered requests: (before, amid), the ones to deliver before the
    coordinator's changes and the ones that arrive among the other phones' traffic."""
    before, amid = [], []
    for phone in phones:
        if online[phone.name] and rng.random() < REORDERED:
            before.append(lambda phone=phone: phone.overtaken(port))
        body = phone.pick_late() if rng.random() < LATE else None
        if body is not None:
            job = lambda phone=phone, body=body: phone.deliver_late(port, body)  # noqa: E731
            (before if rng.random() < 0.5 else amid).append(job)
    return before, amid


def test_nothing_is_lost_or_duplicated_under_chaos(tmp_path, figures):
    rng = random.Random(SEED)
    instance = tmp_path / "instance"
    instance.mkdir()
    _users(instance)
    server = ServerProcess(instance, free_port(), log=tmp_path / "server.log")
    server.start()
    proxy = FaultyProxy(server, random.Random(SEED + 1), weights=(14, 2, 3, 1))
    everyone = sorted({name.split("-")[0] for name in PHONES})
    coordinator = Coordinator(instance / "fieldapp.db", random.Random(SEED + 2), "cora",
                              colleague="dee", partner="pat", everyone=everyone)

    def may_lose(username):
        return lambda mutation: person_of(mutation) in coordinator.lost[username]

    phones = [Phone(name, name.split("-")[0], server.port, random.Random(f"{SEED}{name}"),
                    clock_skew_days=skew, may_lose=may_lose(name.split("-")[0]))
              for name, skew in PHONES.items()]
    workers = [phone for phone in phones if phone.username != "pat"]
    online = {p.name: True for p in phones}
    made = {"person": set(), "contact": set(), "consent": set()}
    injected, injected_people, replays = [], set(), 0
    try:
        for round_number in range(ROUNDS):
            if not server.alive():
                server.start()
            for phone in phones:
                if phone.rng.random() < 0.2:
                    online[phone.name] = not online[phone.name]  # signal comes and goes
            for phone in workers:
                _work(phone, DISTRICTS.get(phone.username, "Fenland"), made, round_number)
            if round_number % 6 == 5:
                pair = _inject_conflict(workers[:4], injected_people | coordinator.touched, rng)
                if pair:
                    injected.append(pair)
                    injected_people.add(pair[1])
            if rng.random() < 0.08 or round_number in (8, 24):
                proxy.kill_next = True  # the next request kills the server mid-batch (always some)
            if rng.random() < 0.15:
                replays += _replay_acknowledged(rng.choice(workers), proxy.port)
            before, amid = _late_deliveries(phones, online, proxy.port, rng)
            _run(before)  # old requests arrive, then who sees whom changes, then everyone syncs
            coordinator.step(round_number, injected_people)
            _run([lambda phone=phone: phone.sync(proxy.port) for phone in phones
                  if online[phone.name]] + amid)

        # Signal returns for good: every phone syncs until it has nothing left to send or receive.
        proxy.faults_on = False
        proxy.kill_next = False
        if not server.alive():
            server.start()
        for _ in range(3):
            for phone in phones:
                for _attempt in range(50):
                    answer = phone.sync(proxy.port, timeout=10)
                    if answer is not None and not phone.outbox and not answer["more"]:
                        break
        # Settled: one more sync each brings nothing (no scope change sent again and again).
        unsettled = {phone.name: answer["changes"] for phone in phones
                     if (answer := phone.sync(proxy.port, timeout=10)) is None or answer["changes"]}
    finally:
        server.stop()
        proxy.close()
        coordinator.close()

    assert not unsettled, unsettled
    db = open_db(instance / "fieldapp.db")
    _check(db, phones, made, injected, figures, server=server, proxy=proxy,
           coordinator=coordinator, replays=replays)


def _check(db, phones, made, injected, figures, *, server, proxy, coordinator, replays):
    """The end state: the figures printed, then what must hold."""
    stored = {row[0] for row in db.execute("SELECT id FROM sync_mutation")}
    acknowledged = {mid for phone in phones for mid in phone.acknowledged}
    records = {name: {row["id"] for row in db[name].rows} for name in made}
    refused = [m for phone in phones for m in phone.rejected.values()]
    refused_creates = {m["record_id"] for m in refused if m["op"] == "create"}
    made_ids = set().union(*made.values())
    stored_ids = set().union(*records.values())
    lost = made_ids - stored_ids - refused_creates
    first_versions = db.execute("SELECT COUNT(*) FROM sync_history WHERE version = 1").fetchone()[0]
    conflict_rows = list(db.query("SELECT mutation_id FROM sync_conflict WHERE field = ?",
                                  ["description"]))
    surfaced = [pair for pair in injected
                if sum(row["mutation_id"] in pair[0] for row in conflict_rows) == 1]
    holdings = {phone.name: ({key: held["version"] for key, held in phone.held.items()},
                             expected_holdings(db, phone.username)) for phone in phones}
    stale = sum(len(held.keys() - expected.keys()) for held, expected in holdings.values())
    stats = {key: sum(p.stats[key] for p in phones) for key in phones[0].stats}
    mutations = len(stored)
    figures(f"chaos seed {SEED}, {ROUNDS} rounds: {mutations} mutations, "
            f"lost {len(lost)}, duplicated {first_versions - len(stored_ids)}, "
            f"conflicts injected {len(injected)} surfaced {len(surfaced)}, "
            f"server kills {server.kills}, faults {proxy.counts}, replayed batches {replays}, "
            f"late replays {stats['late']} ({stats['late_answered']} answered), "
            f"reorders {stats['reordered']}, scope changes {coordinator.changes()} "
            f"{coordinator.counts}, refused after a scope change {len(refused)}, "
            f"stale copies {stale}, "
            f"requests {stats['requests']} ({stats['failures']} failed), "
            f"{stats['requests'] / max(mutations, 1):.2f} requests and "
            f"{(stats['bytes_sent'] + stats['bytes_received']) / max(mutations, 1):.0f} bytes"
            " per mutation")

    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert server.errors() == []  # no answer of 500, however the chaos fell
    assert all(not phone.outbox for phone in phones), "a phone still holds unsent records"
    assert acknowledged <= stored
    assert not lost and stored_ids <= made_ids  # none lost, none extra
    assert first_versions == len(stored_ids)  # none stored twice
    assert len(surfaced) == len(injected)
    assert stale == 0, _stale_report(db, phones, holdings)
    for name, (held, expected) in holdings.items():
        assert held == expected, name


def _stale_report(db, phones, holdings) -> dict:
    """Per phone, how many records it still holds that it must not, by why: the person was
    removed, or its user may no longer see them (a share ended, consent withdrawn)."""
    report = {}
    for phone in phones:
        held, expected = holdings[phone.name]
        for key in held.keys() - expected.keys():
            person_id = phone.held[key]["scope"]
            row = db.execute("SELECT deleted FROM person WHERE id = ?", [person_id]).fetchone()
            why = "removed" if row and row[0] else "out of scope"
            report.setdefault(phone.name, {}).setdefault(why, []).append(person_id)
    return {name: {why: f"{len(copies)} copies, {len(set(copies))} people"
                   for why, copies in whys.items()} for name, whys in report.items()}


def _inject_conflict(phones, spare, rng):
    """Two phones holding the same version of a person change its description differently
    while offline: (the two mutation ids, the person). Each person is used once, and none the
    coordinator changes, so each pair must surface exactly one conflict."""
    for first in rng.sample(phones, len(phones)):
        for second in phones:
            if second is first:
                continue
            shared = sorted(
                rid for (t, rid), held in first.held.items()
                if t == "person" and rid not in spare
                and ("person", rid) in second.held
                and second.held[("person", rid)]["version"] == held["version"])
            if shared:
                person_id = rng.choice(shared)
                version = first.held[("person", person_id)]["version"]
                a = first.queue("person", "update", person_id,
                                {"description": f"seen by {first.name}"}, base_version=version)
                b = second.queue("person", "update", person_id,
                                 {"description": f"seen by {second.name}"}, base_version=version)
                return {a["id"], b["id"]}, person_id
    return None


def _replay_acknowledged(phone, port):
    """Send again a batch the server already acknowledged: every answer must be `duplicate`."""
    batch = phone.acknowledged_batch
    if not batch:
        return 0
    saved, phone.outbox = phone.outbox, list(batch)
    answer = phone.sync(port)
    phone.outbox = saved + [m for m in phone.outbox if m not in batch]
    if answer is not None:
        statuses = {r["status"] for r in answer["results"]}
        assert statuses == {"duplicate"}, statuses
    return 1
