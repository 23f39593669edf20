"""What the lone-working pages show: a worker's open visits with the server's deadline, the
buddies they may choose, and a coordinator's open escalations (fieldapp/rules/lone_working.py
decides; README: Lone working). Only what the worker entered: places and times, never a track."""

from ..rules import lone_working
from ..rules.on_call import shown_time
from ..timeutil import timestamp
from ..users import CASEWORK_ROLES

SHOWN = ("open", "acknowledged")


def buddy_choices(db, user) -> list[dict]:
    """Active caseworkers and coordinators of the worker's area, not the worker."""
    marks = ",".join("?" * len(CASEWORK_ROLES))
    return list(db.query(
        f"SELECT id, COALESCE(display_name, username) AS name FROM user WHERE active = 1"
        f" AND area = ? AND id != ? AND role IN ({marks}) ORDER BY name",
        [user.area, user.id, *CASEWORK_ROLES]))


def _name(db, user_id):
    if not user_id:
        return None
    row = db.execute("SELECT COALESCE(display_name, username) FROM user WHERE id = ?",
                     [user_id]).fetchone()
    return row[0] if row else None


def my_open_visits(db, config, user) -> list[dict]:
    """The worker's visits not ended, newest first, each with the server's deadline (local time,
    and `due_at` in UTC for the phone's own reminder), whether the server has escalated it, and its check-ins."""
    zone = config["PROGRAMME_TIMEZONE"]
    visits = []
    for visit in db.query("SELECT * FROM visit WHERE user_id = ? AND deleted = 0"
                          " ORDER BY received_at DESC, rowid DESC", [user.id]):
        checkins = lone_working.check_ins(db, visit["id"])
        due = lone_working.deadline(config, visit, checkins)
        if due is None:
            continue
        open_count = db.execute("SELECT COUNT(*) FROM escalation WHERE visit_id = ? AND status IN"
                                " ('open', 'acknowledged')", [visit["id"]]).fetchone()[0]
        visits.append({**visit, "deadline": shown_time(timestamp(due), zone), "due_at": timestamp(due),
                       "buddy_name": _name(db, visit["buddy_id"]), "escalated": open_count > 0,
                       "check_ins": [{**c, "when": shown_time(c["received_at"], zone),
                                      "label": lone_working.KIND_LABELS[c["kind"]]}
                                     for c in checkins]})
    return visits


def alerted_sql() -> str:
    """SQL true when user `?` was sent an alert of escalation `e` (the buddy, whoever was on call)."""
    return ("EXISTS (SELECT 1 FROM escalation_alert a, json_each(a.recipients) j"
            " WHERE a.escalation_id = e.id AND a.level > 0 AND j.value = ?)")


def escalations(db, config, area, statuses=SHOWN, alerted=None) -> list[dict]:
    """The area's escalations in `statuses`, most urgent first (calls for help, then level 2),
    each with the worker, buddy, last place and time the worker entered, and who acknowledged.
    With `alerted` (a user id), only those that user was alerted about: a buddy or an on-call
    caseworker sees what they were told of, a coordinator the whole area."""
    zone = config["PROGRAMME_TIMEZONE"]
    marks = ",".join("?" * len(statuses))
    mine = f" AND {alerted_sql()}" if alerted is not None else ""
    rows = db.query(
        f"SELECT e.*, v.user_id, v.buddy_id, v.district, v.place, v.received_at AS started_at,"
        f" v.expected_end FROM escalation e JOIN visit v ON v.id = e.visit_id"
        f" WHERE v.area = ? AND e.status IN ({marks}){mine}"
        f" ORDER BY e.reason = 'help' DESC, e.level DESC, e.raised_at",
        [area, *statuses, *([alerted] if alerted is not None else [])])
    found = []
    for row in rows:
        visit = {"place": row["place"], "district": row["district"], "received_at": row["started_at"]}
        last = lone_working.last_known(visit, lone_working.check_ins(db, row["visit_id"]))
        found.append({**row, "worker": _name(db, row["user_id"]), "buddy": _name(db, row["buddy_id"]),
                      "acknowledged_name": _name(db, row["acknowledged_by"]),
                      "last_place": last["place"], "last_district": last["district"],
                      "last_heard": shown_time(last["heard_at"], zone),
                      "raised": shown_time(row["raised_at"], zone),
                      "missed": None if row["reason"] == "help" else shown_time(row["due_at"], zone)})
    return found
