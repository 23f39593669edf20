"""Writing the audit trail of views: who looked at a person's record, when, from where.

Every view of a person's record is attributable (README: Audit trail). This module writes the
`audit_event` rows for views made online: a person-scoped page shown (`via` "html", written by
`web/guards.audited_person_or_404`; a background refresh of the phone's copy as `refresh`), a
person's records sent to a phone by the sync pull (`via` "sync", written by
`records.CaseworkEngine.pull`), each grant or end of a share (`share_granted`, `share_ended`,
written by rules/sharing.py), and what is done to a user's account (`password_reset`,
`password_changed`, `login_locked`: `record_account_event`), and what a lost phone handed over and
what a coordinator decided about it (`handed_over`, `handover_accepted`, `handover_discarded`:
`record_handover`, written by rules/handover.py). Views made offline arrive as `view`
records (fieldapp/records/view.py); changes are the engine's history. fieldapp/reads/audit.py
reads all three together.
"""

from .timeutil import now_iso

REFRESH_HEADER = "X-Fieldapp-Refresh"


def is_background_refresh(headers) -> bool:
    """True for what says it is the service worker's background refresh of a cached page: audited
    as a `refresh`, apart from views (a client header decides the kind, never whether to audit)."""
    return headers.get(REFRESH_HEADER) == "1"


def record_view(db, user, person_id, page, *, via="html", device_id=None, action="view"):
    """Record that `user` viewed a person's record (committed at once)."""
    with db.conn:
        db.execute(
            "INSERT INTO audit_event (at, user_id, person_id, action, detail, device_id, via)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [now_iso(), user.id, person_id, action, page, device_id, via])


def record_access_change(db, user, person_id, action, detail):
    """Record a change of who may see a person (`share_granted`, `share_ended`): an access grant is
    as attributable as a view (committed at once)."""
    record_view(db, user, person_id, detail, via="html", device_id=getattr(user, "device_id", None),
                action=action)


def record_account_event(db, action, *, actor_id, subject_id, detail=None, device_id=None,
                         via="html"):
    """Record something done to a user's account (`password_reset`, `password_changed`,
    `login_locked`): `actor_id` did it (None: the command line, or someone signing in),
    `subject_id` is whose account it is. `person_id` stays NULL: it names casework people, and
    these events are about users (committed at once)."""
    with db.conn:
        db.execute(
            "INSERT INTO audit_event (at, user_id, person_id, action, detail, device_id, via,"
            " subject_user_id) VALUES (?, ?, NULL, ?, ?, ?, ?, ?)",
            [now_iso(), actor_id, action, detail, device_id, via, subject_id])


def record_handover(db, action, *, actor_id, subject_id, person_id, detail, device_id=None,
                    via="html", commit=True):
    """Record a lost phone's hand-over of a record (`handed_over`, by the worker whose phone it
    was) or a coordinator's decision about it (`handover_accepted`, `handover_discarded`, with the
    reason in `detail`): about the person it concerns (`person_id`, None if nobody) and the worker
    (`subject_id`). With `commit=False` it joins the caller's transaction (the decision's own)."""
    statement = ("INSERT INTO audit_event (at, user_id, person_id, action, detail, device_id, via,"
                 " subject_user_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    values = [now_iso(), actor_id, person_id, action, detail, device_id, via, subject_id]
    if commit:
        with db.conn:
            db.execute(statement, values)
    else:
        db.execute(statement, values)


def has_seen(db, user, person_id) -> bool:
    """True if `user` ever had this person's record: shown online or sent to their phone."""
    return db.execute("SELECT 1 FROM audit_event WHERE user_id = ? AND person_id = ?"
                      " AND action IN ('view', 'refresh', 'sent_to_phone') LIMIT 1",
                      [user.id, person_id]).fetchone() is not None


def sent_statement(user, device_id, person_ids) -> tuple[str, list]:
    """The INSERT, and its rows for executemany, that record a person's records sent to a phone
    (the sync engine runs it in its pull's own transaction: `pull_writes`)."""
    now = now_iso()
    return ("INSERT INTO audit_event (at, user_id, person_id, action, detail, device_id, via)"
            " VALUES (?, ?, ?, 'sent_to_phone', NULL, ?, 'sync')",
            [(now, user.id, person_id, device_id) for person_id in sorted(person_ids)])


def record_sent(db, user, device_id, person_ids):
    """Record that a person's records were sent to a phone by the sync pull."""
    if not person_ids:
        return
    with db.conn:
        db.conn.executemany(*sent_statement(user, device_id, person_ids))


def record_export(db, user, what, rows, *, device_id=None):
    """Record an export (README: Measures and returns): who (`user`), what (`what`: which return,
    which areas and period), when, and how many rows it held (committed at once). No person is
    named: an export is about many."""
    with db.conn:
        db.execute(
            "INSERT INTO audit_event (at, user_id, person_id, action, detail, device_id, via,"
            " row_count) VALUES (?, ?, NULL, 'export', ?, ?, 'html', ?)",
            [now_iso(), user.id, what, device_id, rows])
