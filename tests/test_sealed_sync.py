"""POST /api/sync from a phone with a signing key (fieldapp/rules/sealed_sync.py), over Flask's
client on a real SQLite file: only sealed, signed mutations are applied, each bad one rejected
alone; a pull is answered only when signed over a fresh nonce of the server's."""

from datetime import datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from fieldapp.rules import sealed_sync, sealing
from tests.helpers import uid

HEADERS = {"X-Fieldapp-Sync": "1"}


class SealedPhone:
    """A signed-in phone that has registered a signing key, as static/sealing.js does."""

    def __init__(self, app, client, username="outreach", register=True):
        self.app, self.client, self.device = app, client, uid()
        self.key = ec.generate_private_key(ec.SECP256R1())
        response = client.post("/login", data={"username": username, "password": "demo",
                                               "device_id": self.device})
        assert response.status_code in (302, 303)
        self.public = sealing.keyring(app.config["INSTANCE"]).public()
        if register:
            answer = client.post("/api/signing-key", headers=HEADERS, json={
                "device_id": self.device, "key": sealing.b64(sealing.public_raw(self.key.public_key()))})
            assert answer.status_code == 200

    def seal(self, mutation, key=None):
        return {"id": mutation["id"], "sealed": sealing.seal(self.public, key or self.key, mutation, self.device)}

    def send(self, mutations=(), cursor=0, **extra):
        body = {"protocol": 1, "device_id": self.device, "cursor": cursor,
                "mutations": list(mutations), **extra}
        response = self.client.post("/api/sync", json=body, headers=HEADERS)
        assert response.status_code == 200, response.get_data(as_text=True)[:300]
        return response.get_json()

    def signed(self, nonce, cursor=0, key=None):
        text = sealed_sync.pull_text(self.device, cursor, nonce)
        return {"nonce": nonce, "sig": sealing.sign(key or self.key, text)}


def new_person(name="Test: man in a red scarf"):
    return {"id": uid(), "type": "person", "op": "create", "record_id": uid(),
            "recorded_at": "2026-11-22T08:00:00Z", "fields": {"display_name": name, "district": "Fenland"}}


def stored(db, name):
    return db.execute("SELECT count(*) FROM person WHERE display_name = ?", [name]).fetchone()[0]


@pytest.fixture
def phone(app, client, demo_data):
    return SealedPhone(app, client)


def test_a_sealed_signed_mutation_is_applied(phone, db):
    answer = phone.send([phone.seal(new_person())])
    assert [r["status"] for r in answer["results"]] == ["applied"]
    assert stored(db, "Test: man in a red scarf") == 1


def test_a_plain_mutation_from_a_phone_with_a_signing_key_is_rejected_and_not_applied(phone, db):
    answer = phone.send([new_person()])
    [result] = answer["results"]
    assert result["status"] == "rejected" and "seals what it sends" in result["errors"]["_mutation"][0]
    assert stored(db, "Test: man in a red scarf") == 0


def test_each_bad_envelope_is_rejected_alone_and_the_rest_of_the_batch_goes_on(phone, db):
    good, forged, changed = new_person("Kept"), new_person("Forged"), new_person("Changed")
    thief = ec.generate_private_key(ec.SECP256R1())
    tampered = phone.seal(changed)
    tampered["sealed"]["ct"] = tampered["sealed"]["ct"][:-4] + "AAAA"
    answer = phone.send([phone.seal(forged, key=thief), tampered, phone.seal(good)])
    assert [(r["id"], r["status"]) for r in answer["results"]] == [
        (forged["id"], "rejected"), (changed["id"], "rejected"), (good["id"], "applied")]
    assert "signature" in answer["results"][0]["errors"]["_mutation"][0]
    assert (stored(db, "Kept"), stored(db, "Forged"), stored(db, "Changed")) == (1, 0, 0)


def test_a_replayed_envelope_is_a_duplicate_and_a_replay_with_a_changed_body_is_refused(phone, db):
    person = new_person()
    sealed = phone.seal(person)
    phone.send([sealed])
    assert phone.send([sealed])["results"][0]["status"] == "duplicate"
    # The same id, another body, sealed again but not signed by the phone's key.
    thief = ec.generate_private_key(ec.SECP256R1())
    other = dict(person, fields={"display_name": "Made up", "district": "Fenland"})
    assert phone.send([phone.seal(other, key=thief)])["results"][0]["status"] == "rejected"
    assert stored(db, "Made up") == 0


def test_an_envelope_under_another_id_than_it_names_is_rejected(phone, db):
    sealed = phone.seal(new_person())
    sealed["id"] = uid()
    [result] = phone.send([sealed])["results"]
    assert result["status"] == "rejected" and result["id"] == sealed["id"]


@pytest.mark.parametrize("envelope", [None, 7, "text", [], {}, {"v": 1, "kid": "x"},
                                      {"v": 1, "kid": "x", "id": "x", "epk": "%%", "iv": "", "ct": "", "sig": ""}])
def test_garbage_in_place_of_an_envelope_is_rejected_never_a_500(phone, envelope):
    [result] = phone.send([{"id": uid(), "sealed": envelope}])["results"]
    assert result["status"] == "rejected" and result["errors"]["_mutation"]


def test_compact_results_leave_out_nulls_for_a_refused_envelope_too(phone):
    [result] = phone.send([new_person()], echo="result")["results"]
    assert set(result) == {"id", "status", "errors"}


def test_an_unsigned_pull_gets_nothing_but_a_nonce(phone):
    phone.send([phone.seal(new_person())])
    answer = phone.send()
    assert answer["changes"] == [] and answer["cursor"] == 0 and answer["more"] is False
    assert answer["pull"] == "withheld" and answer["nonce"]


def test_a_pull_signed_over_the_servers_nonce_gets_the_changes(phone):
    person = new_person()
    nonce = phone.send([phone.seal(person)])["nonce"]
    answer = phone.send(pull_signature=phone.signed(nonce))
    assert person["record_id"] in {c["record_id"] for c in answer["changes"]}
    assert "pull" not in answer and answer["cursor"] > 0


def test_a_pull_signed_by_another_key_gets_nothing(phone):
    nonce = phone.send([phone.seal(new_person())])["nonce"]
    thief = ec.generate_private_key(ec.SECP256R1())
    answer = phone.send(pull_signature=phone.signed(nonce, key=thief))
    assert answer["changes"] == [] and answer["pull"] == "withheld"


def test_a_pull_signed_for_another_cursor_gets_nothing(phone):
    nonce = phone.send([phone.seal(new_person())])["nonce"]
    answer = phone.send(cursor=0, pull_signature=phone.signed(nonce, cursor=5))
    assert answer["changes"] == [] and answer["pull"] == "withheld"


@pytest.mark.parametrize("nonce", ["", "1.abc", "x.y", "12345", None, 5])
def test_a_pull_signed_over_a_nonce_the_server_did_not_issue_gets_nothing(phone, nonce):
    signed = {"nonce": nonce, "sig": phone.signed(str(nonce))["sig"]}
    answer = phone.send(pull_signature=signed)
    assert answer["changes"] == [] and answer["pull"] == "withheld"


def test_a_stale_nonce_is_not_fresh(app):
    device, secret = uid(), app.config["SECRET_KEY"]
    old = sealed_sync.issue_nonce(secret, device, now=1_000_000)
    assert sealed_sync.nonce_fresh(secret, device, old, now=1_000_000 + 60)
    assert not sealed_sync.nonce_fresh(secret, device, old, now=1_000_000 + 2 * 3600)
    assert not sealed_sync.nonce_fresh(secret, uid(), old, now=1_000_000 + 60)


def test_a_push_only_sync_asks_for_no_pull_and_is_not_told_it_was_withheld(phone, db):
    answer = phone.send([phone.seal(new_person())], pull=False)
    assert answer["results"][0]["status"] == "applied"
    assert answer["changes"] == [] and "pull" not in answer


def test_a_phone_without_a_signing_key_syncs_plainly_as_before(app, client, demo_data, db):
    phone = SealedPhone(app, client, register=False)
    answer = phone.send([new_person()])
    assert answer["results"][0]["status"] == "applied" and answer["changes"]
    assert "nonce" not in answer and "pull" not in answer
    # A sealed mutation from it cannot be checked against a key it never registered.
    [result] = phone.send([phone.seal(new_person("Other"))])["results"]
    assert result["status"] == "rejected"
    assert stored(db, "Other") == 0


def new_visit():
    end = (datetime.now(timezone.utc) + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"id": uid(), "type": "visit", "op": "create", "record_id": uid(),
            "recorded_at": "2026-11-22T08:00:00Z",
            "fields": {"district": "Fenland", "place": "Test: the lay-by on the A47",
                       "expected_end": end}}


def plain_check_in(visit, **fields):
    return {"id": uid(), "type": "check_in", "op": "create", "record_id": uid(),
            "recorded_at": "2026-11-22T08:30:00Z",
            "fields": {"visit_id": visit["record_id"], **fields}}


def check_ins(db):
    return [row[0] for row in db.execute("SELECT kind FROM check_in ORDER BY kind")]


def test_an_im_safe_from_a_locked_phones_notification_is_taken_unsigned(phone, db):
    # A lone worker taps "I'm safe" on a notification while the app is locked: the phone cannot
    # sign (its signing key opens only with the PIN), and the check-in must still count.
    visit = new_visit()
    [started] = phone.send([phone.seal(visit)])["results"]
    assert started["status"] == "applied", started
    answer = phone.send([plain_check_in(visit, kind="safe"),
                         plain_check_in(visit, kind="extend", until=visit["fields"]["expected_end"])])
    assert [r["status"] for r in answer["results"]] == ["applied", "applied"]
    assert check_ins(db) == ["extend", "safe"]


@pytest.mark.parametrize("fields", [{"kind": "end"}, {"kind": "help"},
                                    {"kind": "safe", "place": "Test: somewhere else"},
                                    {"kind": "safe", "note": "Test: a note"}])
def test_any_other_unsigned_check_in_from_a_phone_with_a_key_is_rejected(phone, db, fields):
    visit = new_visit()
    phone.send([phone.seal(visit)])
    [result] = phone.send([plain_check_in(visit, **fields)])["results"]
    assert result["status"] == "rejected" and "seals what it sends" in result["errors"]["_mutation"][0]
    assert check_ins(db) == []


def plain_help(**fields):
    return {"id": uid(), "type": "visit", "op": "create", "record_id": uid(),
            "recorded_at": "2026-11-22T08:30:00Z", "fields": {"kind": "help", **fields}}


def test_i_need_help_from_a_locked_phones_lock_screen_is_taken_unsigned(phone, db):
    # "I need help" tapped on the lock screen: nothing can be signed without the PIN, and a worker
    # in danger must never need it for the call to count.
    [result] = phone.send([plain_help()])["results"]
    assert result["status"] == "applied", result
    assert [row[0] for row in db.execute("SELECT kind FROM visit")] == ["help"]


@pytest.mark.parametrize("mutation", [
    plain_help(place="Test: behind the leisure centre"),
    plain_help(district="Fenland"),
    {**new_visit(), "fields": {**new_visit()["fields"], "kind": "visit"}},
    {**plain_help(), "op": "update", "base_version": 1},
    {**plain_help(), "type": ["visit"]},
])
def test_any_other_unsigned_visit_from_a_phone_with_a_key_is_rejected(phone, db, mutation):
    [result] = phone.send([mutation])["results"]
    assert result["status"] == "rejected", result
    assert db.execute("SELECT count(*) FROM visit").fetchone()[0] == 0


def test_the_phone_is_handed_the_servers_own_rule_for_what_goes_plain_while_locked(app):
    from fieldapp.web.shell import lock_settings
    settings = lock_settings({**app.config, "PHONE_LOCK": True})
    assert settings["plain"] == sealed_sync.PLAIN_WHILE_LOCKED
