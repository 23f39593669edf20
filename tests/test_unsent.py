"""Records that vanish from a phone before they were sent are noticed: the phone reports what else
it holds unsent with each sync, and an item it reported before that is gone without ever arriving
is named to the phone, the worker and their coordinator (fieldapp/rules/unsent.py)."""

from tests.test_api import Phone, app, instance, new_contact, new_person  # noqa: F401


def reported(*mutations):
    return [{"id": m["id"], "type": m["type"], "person_id": m["fields"].get("person_id") or m["record_id"],
             "recorded_at": m["recorded_at"]} for m in mutations]


def sync(phone, mutations=(), outbox=(), discarded=()):
    response = phone.send(list(mutations), outbox=list(outbox), discarded=list(discarded))
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    phone.cursor = answer["cursor"]
    return answer


def test_a_record_reported_unsent_that_vanishes_without_arriving_is_named_lost(app):
    ann = Phone(app, "ann")
    person = new_person()
    sync(ann, [person])
    waiting = [new_contact(person["record_id"]), new_contact(person["record_id"])]
    assert sync(ann, outbox=reported(*waiting))["lost"] == []
    # The phone's storage is wiped: its next sync reports nothing.
    lost = sync(ann)["lost"]
    assert {item["id"] for item in lost} == {m["id"] for m in waiting}
    assert {item["person_id"] for item in lost} == {person["record_id"]}
    # Said once: the next sync does not repeat it.
    assert sync(ann)["lost"] == []


def test_records_that_arrive_or_are_discarded_are_not_lost(app):
    ann = Phone(app, "ann")
    person = new_person()
    sent, discarded, still = (new_contact(person["record_id"]) for _ in range(3))
    sync(ann, [person], outbox=reported(sent, discarded, still))
    assert sync(ann, [sent], outbox=reported(still), discarded=[discarded["id"]])["lost"] == []
    assert sync(ann, outbox=reported(still))["lost"] == []


def test_the_worker_and_coordinator_see_what_to_enter_again(app):
    ann = Phone(app, "ann")
    person = new_person()
    sync(ann, [person])
    gone = new_contact(person["record_id"])
    sync(ann, outbox=reported(gone))
    sync(ann)
    page = ann.client.get("/account/lost-records").get_data(as_text=True)
    assert "<strong>A contact</strong>" in page and person["record_id"] in page
    from fieldapp import users
    from fieldapp.db import open_db
    db = open_db(app.config["DATABASE"])
    users.create_user(db, "carol", "pw-carol", "coordinator", area="Fenland and East Cambridgeshire")
    db.close()
    coordinator = Phone(app, "carol")
    assert person["record_id"] in coordinator.client.get("/coordination/lost-records").get_data(as_text=True)
    # Entered again: it leaves the lists.
    ann.client.post(f"/account/lost-records/{gone['id']}/done")
    assert person["record_id"] not in ann.client.get("/account/lost-records").get_data(as_text=True)


def test_an_older_phone_sending_no_report_loses_nothing(app):
    ann = Phone(app, "ann")
    person = new_person()
    answer = sync(ann, [person], outbox=reported(new_contact(person["record_id"])))
    assert "lost" in answer
    answer = ann.sync()  # no report at all
    assert "lost" not in answer


def test_a_malformed_report_is_ignored_and_the_sync_goes_on(app):
    ann = Phone(app, "ann")
    response = ann.send([new_person()], outbox=[{"no": "id"}])
    assert response.status_code == 200
    assert response.get_json()["results"][0]["status"] == "applied"


def test_a_phone_clock_in_any_iso_form_or_none_never_breaks_the_list(app):
    ann = Phone(app, "ann")
    person = new_person()
    sync(ann, [person])
    odd = [dict(new_contact(person["record_id"]), recorded_at=at)
           for at in ("2026-12-01T23:35:07.458Z", "yesterday", "2026-12-01T10:00:00")]
    sync(ann, outbox=reported(*odd))
    sync(ann)
    assert ann.client.get("/account/lost-records").status_code == 200


def test_every_record_type_a_worker_makes_has_a_name_on_the_lost_records_page(app):
    # The page asks the worker to enter a lost record again: a raw type name ("mdt_meeting") would
    # not say what to enter. Offline views are the audit's, never listed.
    from fieldapp.records import record_types
    from fieldapp.records.names import RECORD_NAMES

    unnamed = [t.name for t in record_types(app.config) if t.name != "view" and t.name not in RECORD_NAMES]
    assert unnamed == []


def test_every_record_type_a_worker_makes_is_counted_by_name_while_it_waits(app):
    # The header counts what waits in the worker's words ("1 multi-agency meeting"), never
    # "1 record": the words are the outbox template's, one per record type.
    import re
    from fieldapp.records import record_types

    # The templates come in the file every page loads (fieldapp/web/assets.py RENDERED).
    client = Phone(app, "ann").client
    page = client.get("/outbox").get_data(as_text=True)
    script = client.get(re.search(r'src="(/static/phone-templates\.js\?v=[0-9a-f]+)"', page).group(1))
    kinds = set(re.findall(r'data-kind=\\"([a-z_-]+)\\"', script.get_data(as_text=True)))
    unnamed = [t.name for t in record_types(app.config) if t.name not in ("view", "person") and t.name not in kinds]
    assert unnamed == []
