"""Who sees whom, changed while the phones sync: the coordinator of the chaos sync test, and what
each phone should hold at the end.

The coordinator works on the server's database directly, through fieldapp's own functions, the
ones the coordinator's pages call (rules/sharing.py, rules/removal.py, records.push_update): a
share of a person with a colleague granted and later ended early, a person's consent to share with
a partner agency withdrawn, a person removed (a `delete` through the engine) and restored. The
server process runs alongside and sees each change at its next pull, as it would after a click.
"""

from datetime import date, timedelta

from fieldapp import config as default_config
from fieldapp import users
from fieldapp.db import open_db
from fieldapp.reads.consents import current_consent
from fieldapp.records import push_update, record_types
from fieldapp.rules import access, removal, sharing
from fieldapp.timeutil import programme_today

APP_CONFIG = {name: value for name, value in vars(default_config).items() if name.isupper()}
# Only the newest few people are chosen for a change: a phone received them lately, so a late
# request with an old cursor (or a reordered one) meets a scope change it must not forget.
RECENT = 4


def actor(db, username) -> users.User:
    """A user as the access rules and the engine see them (no session: a server-side actor)."""
    return users.User(users.get_user_by_username(db, username))


class Coordinator:
    """The coordinator `username`, sharing people of their area with `colleague` and withdrawing
    consent by which `partner` sees people. `lost[username]` gathers the people each user stopped
    seeing at some point (a mutation about one of them may be refused); `touched` every person
    changed here, so that the test's injected conflicts stay apart from them."""

    def __init__(self, db_path, rng, username, *, colleague, partner, everyone):
        self.db = open_db(db_path)
        self.rng = rng
        self.me = actor(self.db, username)
        self.colleague = actor(self.db, colleague)
        self.partner = actor(self.db, partner)
        self.everyone = everyone
        self.shares = {}  # share id -> person id, in force
        self.removed = []
        self.touched = set()
        self.lost = {name: set() for name in everyone}
        self.counts = {"shared": 0, "share_ended": 0, "consent_withdrawn": 0, "removed": 0,
                       "restored": 0}

    def close(self):
        self.db.close()

    def changes(self) -> int:
        return sum(self.counts.values())

    def _recent(self, condition, params, spare, limit=RECENT) -> list[str]:
        """The newest live people of the area matching `condition`, not in `spare`."""
        rows = self.db.execute(
            f"SELECT id FROM person WHERE deleted = 0 AND area = ? AND {condition}"
            " ORDER BY rowid DESC", [self.me.area, *params]).fetchall()
        return [row[0] for row in rows if row[0] not in spare][:limit]

    def share(self, spare) -> bool:
        """Share one of the newest people the colleague does not see with them, from today."""
        choices = self._recent("COALESCE(team, '') != ?", [self.colleague.team],
                               spare | set(self.shares.values()))
        if not choices:
            return False
        person_id = self.rng.choice(choices)
        today = programme_today(APP_CONFIG)
        share_id = sharing.share_person(self.db, APP_CONFIG, self.me, person_id, {
            "user_id": str(self.colleague.id), "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=self.rng.randrange(0, 5))).isoformat(),
            "reason": "Covering an absence"})
        self.shares[share_id] = person_id
        self.touched.add(person_id)
        self.counts["shared"] += 1
        return True

    def end_share(self) -> bool:
        """End a share in force early ("End now")."""
        live = sorted(s for s, p in self.shares.items() if p not in self.removed)
        if not live:
            return False
        share_id = self.rng.choice(live)
        person_id = self.shares.pop(share_id)
        assert sharing.end_share(self.db, self.me, share_id) == person_id
        self.lost[self.colleague.username].add(person_id)
        self.counts["share_ended"] += 1
        return True

    def withdraw_consent(self, spare) -> bool:
        """Withdraw the current consent of one of the newest people the partner sees by it."""
        seen = access.visible_person_ids(self.db, self.partner)
        choices = [p for p in self._recent("1", [], spare, limit=None) if p in seen][:RECENT]
        if not choices:
            return False
        person_id = self.rng.choice(choices)
        consent = current_consent(self.db, APP_CONFIG, person_id)
        result = push_update(self.db, APP_CONFIG, self.me, "consent", consent["id"],
                             {"withdrawn_on": date.today().isoformat()})
        assert result["status"] == "applied", result
        self.lost[self.partner.username].add(person_id)
        self.touched.add(person_id)
        self.counts["consent_withdrawn"] += 1
        return True

    def remove(self, spare) -> bool:
        """Remove one of the newest people (registered in error): gone from every phone."""
        choices = self._recent("1", [], spare)
        if not choices:
            return False
        person_id = self.rng.choice(choices)
        removal.remove_person(self.db, APP_CONFIG, self.me, person_id)
        for name in self.everyone:
            self.lost[name].add(person_id)
        self.removed.append(person_id)
        self.touched.add(person_id)
        self.counts["removed"] += 1
        return True

    def restore(self) -> bool:
        """Restore a removed person: back on the phones of those who may see them."""
        if not self.removed:
            return False
        person_id = self.removed.pop(self.rng.randrange(len(self.removed)))
        removal.restore_person(self.db, APP_CONFIG, self.me, person_id)
        self.counts["restored"] += 1
        return True

    def step(self, round_number, spare) -> None:
        """This round's changes: some by chance, and each kind in the first rounds of every run."""
        rng = self.rng
        if round_number in (4, 9) or rng.random() < 0.25:
            self.share(spare)
        if round_number in (6, 12) or rng.random() < 0.2:
            self.end_share()
        if round_number == 7 or rng.random() < 0.12:
            self.withdraw_consent(spare)
        if round_number in (10, 16) or rng.random() < 0.12:
            self.remove(spare)
        if round_number == 14 or rng.random() < 0.06:
            self.restore()


def expected_holdings(db, username) -> dict:
    """What a phone of `username` must hold now: {(type, id): version} of every live record of
    every type the user may read, about every person they may see now."""
    user = actor(db, username)
    visible = access.visible_scopes(db, user)
    expected = {}
    for record_type in record_types(APP_CONFIG):
        if not access.can_see_record_type(user, record_type.name):
            continue
        for row in db[record_type.table].rows_where("deleted = 0"):
            if row["scope"] in visible:
                expected[(record_type.name, row["id"])] = row["version"]
    return expected
