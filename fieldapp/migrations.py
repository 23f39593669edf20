"""Schema migrations for the app's own tables (sqlite-utils' built-in migrations).

The sync engine's tables (`sync_*`) come from `sync.migrate`, applied first. Every table of the app
is made here, in three migration sets whose names are kept from when they lived in other modules
(sqlite-utils records applied migrations by set and function name). Never edit or rename an
applied migration: add a new one.
"""

from sqlite_utils.migrations import Migrations

import sync

migrations = Migrations("fieldapp")


@migrations()
def m001_accounts(db):
    """Users, their server-side login sessions and their registered devices."""
    db["user"].create(
        {
            "id": int,
            "username": str,
            "display_name": str,
            "role": str,
            "team": str,
            "area": str,
            "password_hash": str,
            "active": int,
            "created_at": str,
        },
        pk="id",
        not_null={"username", "role", "password_hash", "active"},
        defaults={"active": 1},
    )
    db["user"].create_index(["username"], unique=True)
    db["device"].create(
        {
            "id": str,  # a UUID the phone makes once
            "user_id": int,
            "user_agent": str,
            "created_at": str,
            "last_seen_at": str,
            "revoked_at": str,
        },
        pk="id",
        foreign_keys=[("user_id", "user", "id")],
    )
    db["login_session"].create(
        {
            "token": str,
            "user_id": int,
            "device_id": str,
            "created_at": str,
            "last_seen_at": str,
            "revoked_at": str,
        },
        pk="token",
        not_null={"user_id"},
        foreign_keys=[("user_id", "user", "id"), ("device_id", "device", "id")],
    )
    db["login_session"].create_index(["user_id"])
    db["device"].create_index(["user_id"])


# Columns every synced record table has, as the sync engine expects them.
_SYNCED = {"id": str, "version": int, "deleted": int, "scope": str}
_SYNCED_NOT_NULL = {"version", "deleted", "scope"}


@migrations()
def m002_casework(db):
    """The synced record tables: people and contacts."""
    db["person"].create(
        {
            **_SYNCED,
            "display_name": str,
            "description": str,
            "district": str,
            "area": str,
            "team": str,
            "trusted_person_id": int,
            "created_by": int,
            "created_at": str,
        },
        pk="id",
        not_null=_SYNCED_NOT_NULL,
        defaults={"deleted": 0},
    )
    db["contact"].create(
        {
            **_SYNCED,
            "person_id": str,
            "contact_at": str,
            "district": str,
            "place": str,
            "contact_type": str,
            "bedded_down": int,
            "spoken_to": int,
            "duration_minutes": int,
            "what_happened": str,
            "action": str,
            "worker_id": int,
            "recorded_at": str,
        },
        pk="id",
        not_null=_SYNCED_NOT_NULL,
        defaults={"deleted": 0},
    )
    db["contact"].create_index(["person_id"])
    db["person"].create_index(["team"])
    db["person"].create_index(["area"])
    db["person"].create_index(["trusted_person_id"])


@migrations()
def m003_settings(db):
    """Deployment-wide switches set by an administrator (e.g. the Outcomes Star licence gate)."""
    db["setting"].create(
        {"key": str, "value": str, "updated_at": str, "updated_by": int},
        pk="key",
        not_null={"value"},
    )


@migrations()
def m004_assessments(db):
    """NDT assessments and Outcomes Star readings: raw scores per domain as JSON text, the
    instrument and version used, and the totals the server derives."""
    db["assessment"].create(
        {
            **_SYNCED,
            "person_id": str,
            "instrument": str,
            "instrument_version": str,
            "assessed_on": str,  # YYYY-MM-DD
            "status": str,  # draft | final | not_done
            "scores": str,  # JSON object: domain key -> integer
            "notes": str,  # JSON object: area key -> text (Stars)
            "disagree": str,  # JSON object: area key -> true/false (Stars)
            "from_paper": int,
            "not_done_reason": str,
            "assessor_id": int,
            "total": int,
            "max_total": int,
            "created_at": str,
        },
        pk="id",
        not_null=_SYNCED_NOT_NULL,
        defaults={"deleted": 0},
    )
    db["assessment"].create_index(["person_id", "instrument", "assessed_on"])
    db["assessment"].create_index(["status"])


@migrations()
def m005_people_consent_audit(db):
    """A person's fuller details (README: Roles and access), the partner agency a user works for,
    time-limited shares of a person with a worker, consent records, offline views and the audit
    trail of views."""
    db["person"].add_column("aliases", str)
    db["person"].add_column("date_of_birth", str)  # YYYY-MM-DD
    db["person"].add_column("age_band", str)
    db["person"].add_column("gender", str)
    db["person"].add_column("ethnicity", str)
    for area in ("homelessness", "mental_health", "offending", "substance_misuse", "domestic_abuse"):
        db["person"].add_column(area, int)
    db["person"].add_column("known_to_services", str)  # yes | no | unknown, when first met
    db["person"].add_column("housing_situation", str)
    db["person"].add_column("agencies", str)
    db["person"].add_column("status", str)  # first_contact | referred | engaged | closed
    db["person"].add_column("engaged_on", str)
    db["person"].add_column("exit_destination", str)
    db["user"].add_column("agency", str)  # a PARTNER_AGENCIES key, for partner agency workers
    # Written by coordinators (fieldapp/coordination.py); counts while starts_at <= now < ends_at
    # and revoked_at is null. Times are ISO 8601 UTC text, as timeutil.now_iso writes them.
    db.execute(
        "CREATE TABLE person_share (id INTEGER PRIMARY KEY, person_id TEXT NOT NULL,"
        " user_id INTEGER NOT NULL, shared_by INTEGER NOT NULL, starts_at TEXT NOT NULL,"
        " ends_at TEXT NOT NULL, revoked_at TEXT, reason TEXT)")
    db.execute("CREATE INDEX person_share_user ON person_share (user_id, person_id)")
    db["consent"].create(
        {
            **_SYNCED,
            "person_id": str,
            "recording": int,
            "share_with": str,  # JSON list of PARTNER_AGENCIES keys
            "given_on": str,
            "withdrawn": int,
            "withdrawn_on": str,
            "note": str,
            "recorded_by": int,
            "created_at": str,
        },
        pk="id",
        not_null=_SYNCED_NOT_NULL,
        defaults={"deleted": 0},
    )
    db["consent"].create_index(["person_id", "given_on"])
    # Views made offline and uploaded through the sync engine (record type `view`, create-only).
    db["view"].create(
        {**_SYNCED, "person_id": str, "viewed_at": str, "page": str, "user_id": int,
         "received_at": str},
        pk="id",
        not_null=_SYNCED_NOT_NULL,
        defaults={"deleted": 0},
    )
    db["view"].create_index(["person_id"])
    db["view"].create_index(["user_id"])
    # Views made online (HTML pages and records sent to a phone). Changes are not copied here:
    # sync_history already holds them, and the audit queries read both.
    db.execute(
        "CREATE TABLE audit_event (id INTEGER PRIMARY KEY, at TEXT, user_id INTEGER,"
        " person_id TEXT, action TEXT, detail TEXT, device_id TEXT, via TEXT)")
    db.execute("CREATE INDEX audit_event_person ON audit_event (person_id, at)")
    db.execute("CREATE INDEX audit_event_user ON audit_event (user_id, at)")
    # This migration also made an index on the engine's sync_history; the engine now makes its own
    # (sync/store.py `index_history_by_actor`), and m006 drops this one where it was made.


@migrations()
def m006_engine_owns_its_indexes(db):
    """The engine's tables are the engine's: drop the app's old index on sync_history."""
    db.execute("DROP INDEX IF EXISTS sync_history_actor")


@migrations()
def m007_assessment_authorship(db):
    """Who made an assessment count (finalised it, perhaps from a colleague's draft) and who last
    changed it, beside who started it (`assessor_id`); earlier records say so from their start."""
    for column, kind in (("finalised_by", int), ("finalised_at", str), ("changed_by", int),
                         ("changed_at", str)):
        db["assessment"].add_column(column, kind)
    db.execute("UPDATE assessment SET finalised_by = assessor_id, finalised_at = created_at"
               " WHERE status IN ('final', 'not_done')")


@migrations()
def m008_password_resets(db):
    """One-time passwords after an administrator's reset (README: Accounts and sessions), and
    account events in the audit trail: `subject_user_id` is the user an event is about (whose
    password was reset, whose sign-in was locked), apart from `user_id` (who did it, NULL for the
    command line or a stranger) and `person_id`, which stays for casework people."""
    db["user"].add_column("must_change_password", int, not_null_default=0)
    db["user"].add_column("password_reset_at", str)
    db["audit_event"].add_column("subject_user_id", int)
    db.execute("CREATE INDEX audit_event_subject ON audit_event (subject_user_id, at)")


@migrations()
def m009_login_throttle(db):
    """Failed sign-ins per account (rules/logins.py): kept in the database, not in memory, so a
    restart does not lift a lock. Keyed by the username as typed, lower case, whether or not such
    a user exists, so a lock says nothing about which usernames do."""
    db.execute(
        "CREATE TABLE login_failure (username TEXT PRIMARY KEY, failures INTEGER NOT NULL,"
        " last_failed_at TEXT NOT NULL, locked_until TEXT)")


@migrations()
def m010_export_audit(db):
    """Exports in the audit trail (README: Measures and returns): how many rows each one held,
    beside who (user_id), what (action `export`, detail) and when (at)."""
    db["audit_event"].add_column("row_count", int)


@migrations()
def m011_directory_barriers_lessons_tallies(db):
    """The directory of services, the barriers register, Change Forum lessons and count-night
    tallies (synced record tables, each record its own scope), and a contact's referral to a
    directory service."""
    db["directory_entry"].create(
        {**_SYNCED, "name": str, "offers": str, "districts": str, "address": str, "phone": str,
         "opening_times": str, "how_to_refer": str, "last_checked_on": str, "changed_by": int},
        pk="id", not_null=_SYNCED_NOT_NULL, defaults={"deleted": 0})
    db["barrier"].create(
        {**_SYNCED, "service": str, "directory_entry_id": str, "kind": str, "what_happened": str,
         "district": str, "area": str, "noticed_on": str, "person_id": str, "status": str,
         "raised_on": str, "resolved_on": str, "what_changed": str, "logged_by": int,
         "logged_at": str},
        pk="id", not_null=_SYNCED_NOT_NULL, defaults={"deleted": 0})
    db["barrier"].create_index(["area", "noticed_on"])
    db["barrier"].create_index(["person_id"])
    db["barrier"].create_index(["logged_by"])
    db["lesson"].create(
        {**_SYNCED, "area": str, "partner": str, "issue": str, "level": str, "forum_on": str,
         "barrier_ids": str, "recorded_by": int},
        pk="id", not_null=_SYNCED_NOT_NULL, defaults={"deleted": 0})
    db["tally"].create(
        {**_SYNCED, "counted_on": str, "district": str, "area": str, "people_seen": int,
         "note": str, "recorded_by": int},
        pk="id", not_null=_SYNCED_NOT_NULL, defaults={"deleted": 0})
    db["contact"].add_column("referred_to", str)
    db["contact"].create_index(["referred_to"])


@migrations()
def m012_measure_indexes(db):
    """Indexes the measures read by (bench/measures.py): contacts in a period, and each person's
    contacts in time order (first reached, reached in a period)."""
    db.execute("CREATE INDEX IF NOT EXISTS contact_time ON contact (contact_at)")
    db.execute("CREATE INDEX IF NOT EXISTS contact_person_time ON contact (person_id, contact_at)")
    db.execute("CREATE INDEX IF NOT EXISTS tally_area_night ON tally (area, counted_on)")
    db.execute("ANALYZE")


@migrations()
def m013_star_priority(db):
    """The Star area a person chose as their priority at a reading (README: Measures)."""
    db["assessment"].add_column("priority", str)


@migrations()
def m014_person_closed_at(db):
    """When a person's support closed (`status` became closed; the server stamps it), so that
    phones drop people closed for `PHONE_CLOSED_DAYS` and `fieldapp apply-retention` finds those
    past `RETENTION_YEARS`. People already closed count as closed today: the conservative guess
    (the history that says when is the engine's to read, not a migration's)."""
    db["person"].add_column("closed_at", str)
    db.execute("UPDATE person SET closed_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
               " WHERE status = 'closed'")


@migrations()
def m015_device_wrap_key(db):
    """A key per device that the server holds and the phone never stores: it wraps the phone's data
    key beside the PIN, so a worker who forgot their PIN (or lost it to too many wrong tries)
    unlocks their unsent records again by signing in (static/vault.js)."""
    db["device"].add_column("wrap_key", str)


@migrations()
def m030_device_signing_key(db):
    """The public half of each phone's signing key (ECDSA P-256, its uncompressed point), whose
    private half the phone keeps only wrapped under the worker's data key: with it registered, the
    server takes from that phone only mutations sealed to the server and signed by it, and
    answers a pull only when it is signed (fieldapp/rules/sealing.py), so a stolen cookie without
    the PIN sends and pulls nothing."""
    db["device"].add_column("signing_key", str)


@migrations()
def m016_device_outbox(db):
    """What each phone last said it holds unsent (rules/unsent.py): ids, types, people and times,
    never contents, so that records vanishing from a phone before they were sent are noticed and
    named to the worker and their coordinator."""
    db.execute(
        "CREATE TABLE device_outbox (mutation_id TEXT PRIMARY KEY, device_id TEXT NOT NULL,"
        " user_id INTEGER NOT NULL, type TEXT NOT NULL, person_id TEXT, recorded_at TEXT,"
        " reported_at TEXT NOT NULL, lost_at TEXT)")
    db.execute("CREATE INDEX device_outbox_device ON device_outbox (device_id, lost_at)")
    db.execute("CREATE INDEX device_outbox_lost ON device_outbox (lost_at)")


@migrations()
def m020_lone_working(db):
    """Lone working (fieldapp/records/visit.py, check_in.py; fieldapp/rules/lone_working.py): the
    synced tables of visits and their check-ins, and the server's own tables of escalations, the
    alerts each escalation sent (one row per escalation and level, so two runners at once raise
    one) and the on-call rota."""
    db.execute("""
        CREATE TABLE visit (
            id TEXT PRIMARY KEY, version INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
            scope TEXT NOT NULL,
            user_id INTEGER,           -- the worker, derived from who sent it
            area TEXT,                 -- derived from the district
            district TEXT, place TEXT, buddy_id INTEGER,
            expected_end TEXT,         -- UTC, as the worker chose it
            received_at TEXT           -- the server's clock when it arrived
        )""")
    db.execute("CREATE INDEX visit_user ON visit (user_id)")
    db.execute("""
        CREATE TABLE check_in (
            id TEXT PRIMARY KEY, version INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
            scope TEXT NOT NULL,
            visit_id TEXT, user_id INTEGER,
            kind TEXT,                 -- safe, extend, end, help
            until TEXT,                -- extend: the new expected end (UTC)
            place TEXT, note TEXT,
            received_at TEXT           -- the server's clock when it arrived: the one that counts
        )""")
    db.execute("CREATE INDEX check_in_visit ON check_in (visit_id)")
    db.execute("""
        CREATE TABLE escalation (
            id INTEGER PRIMARY KEY,
            visit_id TEXT NOT NULL,
            reason TEXT NOT NULL,      -- overdue, help
            due_at TEXT NOT NULL,      -- the deadline missed (overdue) or the help's id (help)
            checkins_seen INTEGER NOT NULL, -- how many check-ins the visit had when raised
            level INTEGER NOT NULL,
            status TEXT NOT NULL,      -- open, acknowledged, cancelled, closed
            raised_at TEXT NOT NULL, level2_at TEXT,
            acknowledged_by INTEGER, acknowledged_at TEXT,
            ended_by INTEGER, ended_at TEXT, note TEXT,
            UNIQUE (visit_id, reason, due_at)
        )""")
    db.execute("CREATE INDEX escalation_status ON escalation (status)")
    db.execute("""
        CREATE TABLE escalation_alert (
            id INTEGER PRIMARY KEY,
            escalation_id INTEGER NOT NULL,
            level INTEGER NOT NULL,    -- 0: the cancellation notice
            recipients TEXT NOT NULL,  -- JSON list of user ids
            created_at TEXT NOT NULL, claimed_at TEXT, sent_at TEXT,
            UNIQUE (escalation_id, level)
        )""")
    db.execute("""
        CREATE TABLE on_call (
            id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, area TEXT NOT NULL,
            starts_at TEXT NOT NULL, ends_at TEXT NOT NULL,
            created_by INTEGER, created_at TEXT, removed_at TEXT
        )""")
    db.execute("CREATE INDEX on_call_area ON on_call (area, starts_at)")


@migrations()
def m021_risk_marker(db):
    """Risk markers on people (fieldapp/records/risk_marker.py): the synced table."""
    db.execute("""
        CREATE TABLE risk_marker (
            id TEXT PRIMARY KEY, version INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
            scope TEXT NOT NULL,
            person_id TEXT, kind TEXT, note TEXT,
            review_on TEXT,            -- YYYY-MM-DD
            retired INTEGER NOT NULL DEFAULT 0,
            added_by INTEGER, added_at TEXT, reviewed_by INTEGER, reviewed_at TEXT
        )""")
    db.execute("CREATE INDEX risk_marker_person ON risk_marker (person_id)")


@migrations()
def m022_safeguarding(db):
    """Safeguarding (fieldapp/records/safeguarding.py): the designated safeguarding lead flag on
    users, the synced concerns and decisions, and one escalation row per overdue concern."""
    db["user"].add_column("safeguarding_lead", int, not_null_default=0)
    db.execute("""
        CREATE TABLE safeguarding_concern (
            id TEXT PRIMARY KEY, version INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
            scope TEXT NOT NULL,
            person_id TEXT, about TEXT, what TEXT, immediate_risk INTEGER, action_taken TEXT,
            raised_by INTEGER, raised_at TEXT, area TEXT
        )""")
    db.execute("CREATE INDEX safeguarding_concern_person ON safeguarding_concern (person_id)")
    db.execute("""
        CREATE TABLE safeguarding_decision (
            id TEXT PRIMARY KEY, version INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
            scope TEXT NOT NULL,
            person_id TEXT, concern_id TEXT, decision TEXT, reasons TEXT,
            decided_by INTEGER, decided_at TEXT
        )""")
    db.execute("CREATE INDEX safeguarding_decision_concern ON safeguarding_decision (concern_id)")
    db.execute("""
        CREATE TABLE safeguarding_escalation (
            concern_id TEXT PRIMARY KEY, escalated_at TEXT NOT NULL, sent_at TEXT
        )""")


@migrations()
def m023_visit_reminder(db):
    """One reminder per visit and deadline (rules/lone_working.py): "Your check-in is due soon"."""
    db.execute("""
        CREATE TABLE visit_reminder (
            visit_id TEXT NOT NULL, due_at TEXT NOT NULL, created_at TEXT NOT NULL, sent_at TEXT,
            PRIMARY KEY (visit_id, due_at)
        )""")



@migrations()
def m060_mdt_meeting(db):
    """Multi-agency (MDT) meetings about a person (fieldapp/records/mdt_meeting.py), a synced
    table in the person's scope, read by the measure of multi-agency teams coordinated by a
    trusted person (by the day held)."""
    db["mdt_meeting"].create(
        {**_SYNCED, "person_id": str, "held_on": str, "agencies": str, "note": str,
         "recorded_by": int, "by_trusted_person": int, "created_at": str},
        pk="id", not_null=_SYNCED_NOT_NULL, defaults={"deleted": 0})
    db["mdt_meeting"].create_index(["person_id"])
    db["mdt_meeting"].create_index(["held_on"])


@migrations()
def m065_visit_kind(db):
    """A visit's kind (fieldapp/records/visit.py): "visit", or "help", "I need help" with no visit
    started (no place or time needed). Visits made before it are visits."""
    db.execute("ALTER TABLE visit ADD COLUMN kind TEXT NOT NULL DEFAULT 'visit'")


@migrations()
def m066_place_marker(db):
    """Risk markers on places (fieldapp/records/place_marker.py): the synced table."""
    db.execute("""
        CREATE TABLE place_marker (
            id TEXT PRIMARY KEY, version INTEGER NOT NULL, deleted INTEGER NOT NULL DEFAULT 0,
            scope TEXT NOT NULL,
            area TEXT, district TEXT, place TEXT,
            latitude REAL, longitude REAL,  -- only if the worker gave them
            kind TEXT, note TEXT,
            review_on TEXT,            -- YYYY-MM-DD
            retired INTEGER NOT NULL DEFAULT 0,
            added_by INTEGER, added_at TEXT, reviewed_by INTEGER, reviewed_at TEXT
        )""")
    db.execute("CREATE INDEX place_marker_area ON place_marker (area, district)")


@migrations()
def m033_handed_over(db):
    """Records a revoked (lost) phone handed over before wiping itself (fieldapp/rules/handover.py):
    each kept unapplied, keyed by its mutation id, until a coordinator of the worker's area accepts
    it (applied through the sync engine as the worker's) or discards it (with a reason)."""
    db.execute("""
        CREATE TABLE handed_over (
            mutation_id TEXT PRIMARY KEY,
            device_id TEXT NOT NULL,
            user_id INTEGER NOT NULL,       -- the worker whose phone it was
            type TEXT NOT NULL, op TEXT NOT NULL, record_id TEXT,
            person_id TEXT,                 -- whom it is about, if anyone
            recorded_at TEXT,               -- the phone's clock: for display only
            mutation TEXT NOT NULL,         -- the mutation as the phone would have sent it (JSON)
            verified INTEGER NOT NULL,      -- 1: sealed to the server and signed by that phone
            received_at TEXT NOT NULL,
            decision TEXT,                  -- NULL (waiting), 'accepted', 'discarded', 'audited' (a view)
            decided_at TEXT, decided_by INTEGER,
            reason TEXT,                    -- why it was discarded
            answer TEXT                     -- the sync engine's result when accepted (JSON)
        )""")
    db.execute("CREATE INDEX handed_over_waiting ON handed_over (decision, user_id)")


@migrations()
def m035_person_kept_off_phones(db):
    """The person's details a deployment keeps off phones by default (PHONE_HIDDEN_FIELDS;
    README: Fields kept off phones): a current address, a safe contact number and when it is safe
    to call, and a safety plan (domestic abuse)."""
    for name in ("current_address", "safe_contact_number", "safe_to_call", "safety_plan"):
        db["person"].add_column(name, str)


# Push subscriptions (fieldapp/notify/push.py): their own set, named as when they lived there, so
# a database that applied it never runs it again.
push_migrations = Migrations("fieldapp.push")


@push_migrations()
def create_push_subscription(db):
    """One row per phone that asked for notifications."""
    db["push_subscription"].create({
        "id": int, "user_id": int, "device_id": str, "endpoint": str, "p256dh": str, "auth": str,
        "created_at": str, "last_sent_at": str}, pk="id")
    db["push_subscription"].create_index(["endpoint"], unique=True)
    db["push_subscription"].create_index(["user_id"])


# Peer sessions (fieldapp/records/peer_session.py): their own set, for the same reason.
peer_migrations = Migrations("fieldapp.peer")


@peer_migrations()
def m001_peer_session(db):
    """The synced table of peer sessions (the person page's timeline reads these columns)."""
    db.execute("""
        CREATE TABLE peer_session (
            id TEXT PRIMARY KEY,
            version INTEGER NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0,
            scope TEXT NOT NULL,
            person_id TEXT,
            mentor_id INTEGER,
            session_on TEXT,           -- YYYY-MM-DD, the mentor's local date
            duration_minutes INTEGER,
            mode TEXT,
            purpose TEXT,
            note TEXT,
            created_at TEXT
        )""")
    db.execute("CREATE INDEX peer_session_person ON peer_session (person_id)")
    db.execute("CREATE INDEX peer_session_mentor ON peer_session (mentor_id, session_on)")


def migrate(db):
    """Bring the database up to date: the sync engine's tables, then the app's, in order."""
    sync.migrate(db)
    migrations.apply(db)
    push_migrations.apply(db)
    peer_migrations.apply(db)
    # The engine indexes its record tables' scopes now they exist (their names, not the config,
    # matter here, so the defaults will do).
    from . import config as default_config
    from .records import record_types

    sync.index_scopes(db, record_types(vars(default_config)))


def migration_sets():
    """Every migration set, the sync engine's first, in the order `migrate` applies them."""
    from sync.store import migrations as sync_migrations

    return [sync_migrations, migrations, push_migrations, peer_migrations]


def migration_state(db) -> dict:
    """What a database's migrations say about it, without changing it: `unknown`, the applied
    migrations this code does not have (the database comes from a newer version: never serve or
    restore it with this one), and `pending`, the ones this code would still apply (an older
    database: `migrate` brings it up to date). Each as "set:name"."""
    known = {(s.name, m.name) for s in migration_sets() for m in s._migrations}  # noqa: SLF001
    applied = set()
    if db["_sqlite_migrations"].exists():
        applied = {(row["migration_set"], row["name"])
                   for row in db.query("SELECT migration_set, name FROM _sqlite_migrations")}
    return {"unknown": sorted(f"{a}:{b}" for a, b in applied - known),
            "pending": sorted(f"{a}:{b}" for a, b in known - applied)}
