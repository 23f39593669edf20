"""Property test of the sync engine: any interleaving of edits, syncs, lost answers and replays
from several phones converges, loses nothing and stores nothing twice."""

import shutil
import tempfile
import uuid
from types import SimpleNamespace

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from marshmallow import Schema, fields
from sqlite_utils import Database

import sync


class PersonSchema(Schema):
    name = fields.String(required=True)
    district = fields.String(load_default=None, allow_none=True)
    phone = fields.String(load_default=None, allow_none=True)


class NoteSchema(Schema):
    person_id = fields.String(required=True)
    text = fields.String(required=True)


USERS = [SimpleNamespace(id=1), SimpleNamespace(id=2)]


class Phone:
    """A device: its outbox (in order), what it holds, its cursor."""

    def __init__(self, user, device_id):
        self.user = user
        self.device_id = device_id
        self.outbox = []
        self.held = {}  # (type, record_id) -> (version, fields)
        self.cursor = 0


class SyncMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.folder = tempfile.mkdtemp(prefix="fieldapp-prop-")
        self.db = Database(f"{self.folder}/sync.db")
        sync.migrate(self.db)
        self.db["person"].create({"id": str, "version": int, "deleted": int, "scope": str,
                                  "name": str, "district": str, "phone": str}, pk="id")
        self.db["note"].create({"id": str, "version": int, "deleted": int, "scope": str,
                                "person_id": str, "text": str}, pk="id")
        registry = sync.Registry(
            sync.RecordType("person", "person", PersonSchema),
            sync.RecordType("note", "note", NoteSchema, append_only=True,
                            scope_field="person_id", references={"person_id": "person"}))
        # Everyone sees everyone in this model: scoping has its own example tests.
        self.everyone = set()
        self.engine = sync.Engine(self.db, registry, lambda db, actor: set(self.everyone),
                                  page_size=7)
        self.phones = [Phone(USERS[0], str(uuid.uuid4())), Phone(USERS[0], str(uuid.uuid4())),
                       Phone(USERS[1], str(uuid.uuid4()))]
        self.acknowledged = {}  # mutation id -> mutation
        self.created = set()  # record ids whose create was acknowledged

    def teardown(self):
        self.db.close()
        shutil.rmtree(self.folder, ignore_errors=True)

    def _known_people(self, phone):
        return sorted(rid for (t, rid) in phone.held if t == "person") + sorted(
            m["record_id"] for m in phone.outbox if m["type"] == "person" and m["op"] == "create")

    @rule(phone=st.integers(0, 2), name=st.sampled_from(["Dan", "Kerry", "Sam"]))
    def register_person(self, phone, name):
        record_id = str(uuid.uuid4())
        self.everyone.add(record_id)
        self.phones[phone].outbox.append({
            "id": str(uuid.uuid4()), "type": "person", "op": "create", "record_id": record_id,
            "fields": {"name": name}})

    @rule(phone=st.integers(0, 2), pick=st.integers(0, 50), text=st.text(min_size=1, max_size=5))
    def record_note(self, phone, pick, text):
        people = self._known_people(self.phones[phone])
        if people:
            self.phones[phone].outbox.append({
                "id": str(uuid.uuid4()), "type": "note", "op": "create",
                "record_id": str(uuid.uuid4()),
                "fields": {"person_id": people[pick % len(people)], "text": text}})

    @rule(phone=st.integers(0, 2), pick=st.integers(0, 50),
          field=st.sampled_from(["district", "phone", "name"]),
          value=st.sampled_from(["Fenland", "Wisbech", "07700", "March"]))
    def edit_person(self, phone, pick, field, value):
        device = self.phones[phone]
        people = sorted(rid for (t, rid) in device.held if t == "person")
        if people:
            record_id = people[pick % len(people)]
            version, _ = device.held[("person", record_id)]
            device.outbox.append({"id": str(uuid.uuid4()), "type": "person", "op": "update",
                                  "record_id": record_id, "base_version": version,
                                  "fields": {field: value}})

    @rule(phone=st.integers(0, 2), answer_lost=st.booleans())
    def sync(self, phone, answer_lost):
        self._sync(self.phones[phone], answer_lost)

    @precondition(lambda self: self.acknowledged)
    @rule(pick=st.integers(0, 1000))
    def replay_an_acknowledged_mutation(self, pick):
        mutation_id = sorted(self.acknowledged)[pick % len(self.acknowledged)]
        mutation = self.acknowledged[mutation_id]
        owner = next(p for p in self.phones if p.user.id == mutation["_user"])
        sent = {k: v for k, v in mutation.items() if k != "_user"}
        [result] = self.engine.push(owner.user, owner.device_id, [sent])
        assert result["status"] == "duplicate"

    def _sync(self, device, answer_lost=False):
        body = {"protocol": 1, "device_id": device.device_id, "cursor": device.cursor,
                "mutations": list(device.outbox)}
        answer = self.engine.sync(device.user, body)
        if answer_lost:
            return answer  # committed on the server, never heard by the phone
        kept = []
        for mutation, result in zip(device.outbox, answer["results"]):
            assert result["status"] != "rejected", result
            if result["status"] == "deferred":
                kept.append(mutation)
            else:
                self.acknowledged[mutation["id"]] = {**mutation, "_user": device.user.id}
                if mutation["op"] == "create":
                    self.created.add(mutation["record_id"])
        device.outbox = kept
        for change in answer["changes"]:
            key = (change["type"], change["record_id"])
            if change["deleted"]:
                device.held.pop(key, None)
            elif key not in device.held or device.held[key][0] <= change["version"]:
                device.held[key] = (change["version"], change["fields"])
        device.cursor = answer["cursor"]
        return answer

    @invariant()
    def nothing_stored_twice(self):
        for table in ("person", "note"):
            ids = [row["id"] for row in self.db[table].rows]
            assert len(ids) == len(set(ids))
        assert self.db.execute("SELECT COUNT(*) FROM sync_history WHERE version = 1").fetchone()[0] \
            == self.db["person"].count + self.db["note"].count

    @invariant()
    def every_acknowledged_mutation_is_stored(self):
        stored = {row[0] for row in self.db.execute("SELECT id FROM sync_mutation")}
        assert set(self.acknowledged) <= stored
        assert self.created <= {row["id"] for row in self.db["person"].rows} | {
            row["id"] for row in self.db["note"].rows}

    def teardown_check(self):
        """Everyone syncs until quiet: then every phone holds exactly what the server has."""
        for _ in range(30):
            for device in self.phones:
                self._sync(device)
            if not any(d.outbox for d in self.phones):
                break
        for _ in range(10):
            if not any(self._sync(d)["more"] for d in self.phones):
                break
        server = {}
        for record_type in ("person", "note"):
            for row in self.db[record_type].rows:
                server[(record_type, row["id"])] = row["version"]
        for device in self.phones:
            assert not device.outbox
            assert {k: v for k, (v, _) in device.held.items()} == server


class ConvergingSyncMachine(SyncMachine):
    def teardown(self):
        try:
            self.teardown_check()
        finally:
            super().teardown()


ConvergingSyncMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None,
    suppress_health_check=[HealthCheck.too_slow])
test_sync_converges = ConvergingSyncMachine.TestCase
