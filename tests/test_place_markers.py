"""Risk markers on places: added, reviewed and retired through the sync endpoint as a phone does,
pulled by every caseworker of the area (and by nobody else), listed on the places page, and the
contact form carries the block the phone fills when that place is chosen."""

from datetime import date, timedelta

import pytest

from fieldapp import users
from tests.helpers import mutation, uid
from tests.test_risk_markers import phone, sync


def add(client, device, **fields):
    marker_id = uid()
    body = {"district": "Fenland", "place": "Underpass by the Tesco car park, Wisbech",
            "kind": "health_risk", "note": "Needles found by the bins",
            "review_on": (date.today() + timedelta(days=30)).isoformat(), **fields}
    [result] = sync(client, device, [mutation("place_marker", body, record_id=marker_id)])["results"]
    return marker_id, result


def pulled(app, username):
    client, device = phone(app, username)
    return {c["record_id"]: c for c in sync(client, device, [])["changes"]
            if c["type"] == "place_marker"}


def test_a_place_marker_reaches_every_caseworker_of_the_area_and_no_one_else(app, db, demo_data):
    client, device = phone(app, "outreach")
    marker_id, result = add(client, device, latitude=52.665, longitude=0.159)
    assert result["status"] == "applied", result
    row = db["place_marker"].get(marker_id)
    assert (row["area"], row["added_by"]) == ("Fenland and East Cambridgeshire",
                                              users.get_user_by_username(db, "outreach")["id"])
    for name in ("outreach2", "peer", "navigator", "coordinator"):
        assert marker_id in pulled(app, name), name
    assert pulled(app, "partner") == {}
    users.create_user(db, "pboro", "demo", "outreach_worker", area="Peterborough", team="Peterborough")
    assert pulled(app, "pboro") == {}


def test_review_and_retire_are_updates_with_who_and_when_and_never_a_delete(app, db, demo_data):
    client, device = phone(app, "outreach")
    marker_id, _ = add(client, device)
    other, other_device = phone(app, "outreach2")
    later = (date.today() + timedelta(days=90)).isoformat()
    [reviewed] = sync(other, other_device, [mutation("place_marker", {"review_on": later}, "update",
                                                     marker_id, base_version=1)])["results"]
    assert reviewed["status"] == "applied", reviewed
    row = db["place_marker"].get(marker_id)
    assert row["review_on"] == later and row["reviewed_by"] == users.get_user_by_username(
        db, "outreach2")["id"]
    [retired] = sync(other, other_device, [mutation("place_marker", {"retired": True, "note": "Bins moved"},
                                                    "update", marker_id, base_version=2)])["results"]
    assert retired["status"] == "applied"
    assert db["place_marker"].get(marker_id)["retired"] == 1
    [deleted] = sync(other, other_device, [mutation("place_marker", {}, "delete", marker_id,
                                                    base_version=3)])["results"]
    assert deleted["status"] == "rejected"
    # A retired marker still travels, so phones stop showing it.
    assert pulled(app, "peer")[marker_id]["fields"]["retired"] in (1, True)


@pytest.mark.parametrize("fields, field", [
    ({"district": "Nowhere"}, "district"),
    ({"place": " "}, "place"),
    ({"kind": "ghosts"}, "kind"),
    ({"kind": "other", "note": ""}, "note"),
    ({"latitude": 52.6}, "longitude"),
    ({"latitude": 123, "longitude": 0.1}, "latitude"),
    ({"review_on": "2020-01-01"}, "review_on"),
    ({"district": "Peterborough"}, "district"),  # not the worker's own area
])
def test_a_bad_place_marker_is_refused_with_a_message(app, db, demo_data, fields, field):
    client, device = phone(app, "outreach")
    _, result = add(client, device, **fields)
    assert result["status"] == "rejected" and field in result["errors"], result


def test_the_places_page_lists_live_markers_with_their_forms(app, db, demo_data):
    client, device = phone(app, "outreach")
    add(client, device)
    retired_id, _ = add(client, device, place="Old bus depot", kind="dog")
    sync(client, device, [mutation("place_marker", {"retired": True, "note": "Gone"}, "update",
                                   retired_id, base_version=1)])
    page = client.get("/places").get_data(as_text=True)
    assert "Underpass by the Tesco car park, Wisbech" in page and "Needles found" in page
    assert "Old bus depot" not in page
    assert 'data-mutation-type="place_marker"' in page and "Retire this marker" in page
    partner, _ = phone(app, "partner")
    assert partner.get("/places").status_code == 403


def test_the_contact_form_carries_the_place_markers_block(app, db, demo_data):
    client, _ = phone(app, "outreach")
    page = client.get(f"/people/{demo_data['Dan']}/contacts/new").get_data(as_text=True)
    assert "data-place-markers" in page and "Health risk" in page
