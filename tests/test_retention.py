"""How long a person's records are kept: off every phone once their support has been closed for
PHONE_CLOSED_DAYS, erased from the server by `fieldapp apply-retention` once closed for
RETENTION_YEARS (a dry run unless --apply), and a replayed old mutation never brings them back."""

import uuid

import pytest
from click.testing import CliRunner

from fieldapp import users
from fieldapp.cli import main
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from fieldapp.records import make_engine
from tests.helpers import contact_fields, mutation, update

DEVICE = str(uuid.uuid4())


@pytest.fixture
def engine(app, db):
    return make_engine(db, app.config)


def actor(db, username):
    return users.User(users.get_user_by_username(db, username))


def close(engine, db, person_id):
    """Close a person's support as their coordinator would, through the engine."""
    version = db["person"].get(person_id)["version"]
    [result] = engine.push(actor(db, "coordinator"), str(uuid.uuid4()), [
        update("person", person_id, version, status="closed", exit_destination="moved_away")])
    assert result["status"] == "applied", result


def closed_days_ago(db, person_id, days):
    db.execute("UPDATE person SET closed_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?) WHERE id = ?",
               [f"-{days} days", person_id])
    db.conn.commit()


def test_closing_a_person_stamps_when_and_reopening_clears_it(engine, db, demo_data):
    dan = demo_data["Dan"]
    close(engine, db, dan)
    assert db["person"].get(dan)["closed_at"]
    version = db["person"].get(dan)["version"]
    engine.push(actor(db, "coordinator"), DEVICE, [update("person", dan, version, status="engaged")])
    assert db["person"].get(dan)["closed_at"] is None


def test_a_person_closed_long_ago_leaves_the_phone_but_not_the_server(engine, db, demo_data):
    dan = demo_data["Dan"]
    worker = actor(db, "outreach")
    first = engine.pull(worker, DEVICE, 0)
    assert dan in {c["scope"] for c in first["changes"]}
    close(engine, db, dan)
    closed_days_ago(db, dan, 31)
    page = engine.pull(worker, DEVICE, first["cursor"])
    assert {"type": "scope", "record_id": dan, "deleted": True} in [
        {k: c[k] for k in ("type", "record_id", "deleted")} for c in page["changes"]]
    assert db["person"].get(dan)["status"] == "closed"  # the server keeps them


def test_a_person_closed_recently_stays_on_the_phone(engine, db, demo_data):
    dan = demo_data["Dan"]
    worker = actor(db, "outreach")
    first = engine.pull(worker, DEVICE, 0)
    close(engine, db, dan)
    closed_days_ago(db, dan, 29)
    page = engine.pull(worker, DEVICE, first["cursor"])
    assert not [c for c in page["changes"] if c["type"] == "scope" and c["deleted"]]


def test_the_caseload_page_phones_keep_leaves_out_people_closed_long_ago(client, auth, engine, db, demo_data):
    dan = demo_data["Dan"]
    close(engine, db, dan)
    auth.login("outreach")
    assert f"/people/{dan}" in client.get("/caseload").get_data(as_text=True)
    closed_days_ago(db, dan, 31)
    assert f"/people/{dan}" not in client.get("/caseload").get_data(as_text=True)


@pytest.fixture
def cli(tmp_path):
    instance = tmp_path / "cli-instance"
    env = {"FIELDAPP_INSTANCE": str(instance)}
    runner = CliRunner()
    assert runner.invoke(main, ["init", "--demo"], env=env).exit_code == 0

    def run(*args):
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    run.database = instance / "fieldapp.db"
    return run


def close_in(database, name, days):
    """Close `name`'s support through the engine, `days` ago; their id and a contact mutation of theirs."""
    from fieldapp import create_app

    app = create_app({"INSTANCE": database.parent, "TESTING": True})
    db = open_db(database)
    migrate(db)
    engine = make_engine(db, app.config)
    [row] = db.query("SELECT id FROM person WHERE display_name = ?", [name])
    contact = mutation("contact", contact_fields(row["id"]))
    assert engine.push(actor(db, "coordinator"), DEVICE, [contact])[0]["status"] == "applied"
    close(engine, db, row["id"])
    closed_days_ago(db, row["id"], days)
    db.close()
    return row["id"], contact, app


def test_apply_retention_is_a_dry_run_unless_told(cli):
    dan, _contact, _app = close_in(cli.database, "Dan", 365 * 7)
    result = cli("apply-retention")
    assert "Dry run: 1 people" in result.output
    db = open_db(cli.database)
    assert db["person"].get(dan)
    assert db.execute("SELECT COUNT(*) FROM contact WHERE person_id = ?", [dan]).fetchone()[0] > 0


def test_apply_retention_erases_every_copy_and_a_replay_does_not_bring_them_back(cli):
    dan, contact, app = close_in(cli.database, "Dan", 365 * 7)
    kerry, _c, _a = close_in(cli.database, "Kerry", 10)  # closed, but not for long enough
    result = cli("apply-retention", "--apply")
    assert "Erased 1 people" in result.output, result.output
    db = open_db(cli.database)
    for table in ("person", "contact", "assessment", "consent", "peer_session"):
        column = "id" if table == "person" else "person_id"
        assert db.execute(f"SELECT COUNT(*) FROM {table} WHERE {column} = ?", [dan]).fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM sync_history WHERE fields LIKE ?", [f"%{dan}%"]).fetchone()[0] == 0
    assert db.execute("SELECT COUNT(*) FROM person WHERE id = ?", [kerry]).fetchone()[0] == 1
    [event] = db.query("SELECT detail, via FROM audit_event WHERE action = 'retention_applied'")
    assert event["detail"].startswith("1 people") and "Dan" not in event["detail"]

    # A phone that still had the contact in its outbox sends it again: answered, not re-stored.
    engine = make_engine(db, app.config)
    [answer] = engine.push(actor(db, "coordinator"), DEVICE, [contact])
    assert answer["status"] == "duplicate"
    assert db.execute("SELECT COUNT(*) FROM contact WHERE person_id = ?", [dan]).fetchone()[0] == 0


def test_the_phone_keeps_no_copy_of_a_page_about_someone_kept_off_phones(phone, live_server):
    from tests.test_offline import sign_in, wait_cached
    [row] = live_server.query("SELECT id FROM person WHERE display_name = 'Dan'")
    dan = row["id"]
    page = sign_in(phone(), "coordinator")
    wait_cached(page, f"/people/{dan}")
    db = open_db(live_server.database)
    db.execute("UPDATE person SET status = 'closed', exit_destination = 'moved_away',"
               " closed_at = '2020-01-01T00:00:00Z' WHERE id = ?", [dan])
    db.conn.commit()
    db.close()
    page.goto(f"/people/{dan}")  # opened online by their coordinator: shown, not kept
    page.click("[data-action=sync-now]")
    deadline_checks = 50
    while deadline_checks and page.evaluate(
            "async (p) => !!(await (await caches.open('fieldapp-pages')).match(p))", f"/people/{dan}"):
        page.wait_for_timeout(200)
        deadline_checks -= 1
    assert deadline_checks, "the page of someone kept off phones stayed on the phone"


def statements_of_a_pull(engine, db, worker, cursor):
    """Every SQL statement a pull runs, as run (its parameters in place)."""
    statements = []
    db.conn.set_trace_callback(statements.append)
    try:
        page = engine.pull(worker, DEVICE, cursor)
    finally:
        db.conn.set_trace_callback(None)
    return page, statements


def test_a_pull_finds_the_people_a_phone_keeps_without_reading_every_person(engine, db, demo_data):
    """Leaving out people closed long ago is asked of the user's own people, through the person
    filter's indexes: a scan of every closed person on the server made each pull, a no-op one
    too, grow with the store (issue 13: 0.2 ms at 10,000 records, 1.2 ms at 200,000)."""
    worker = actor(db, "outreach")
    first, statements = statements_of_a_pull(engine, db, worker, 0)
    _, again = statements_of_a_pull(engine, db, worker, first["cursor"])
    scans = []
    for statement in statements + again:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")):
            plan = db.conn.execute("EXPLAIN QUERY PLAN " + statement).fetchall()
            scans += [(step[-1], statement) for step in plan if step[-1].startswith("SCAN person")]
    assert scans == []
