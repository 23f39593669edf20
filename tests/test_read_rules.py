"""The per-type read rule everywhere: a partner agency worker may read a consenting person's
details, contacts and consent, never their assessments or peer sessions. Not through the pull, and
not through any page or partial that shows a record's values: conflicts, the timeline, history."""

import pytest
from flask import url_for
from werkzeug.routing import IntegerConverter

from tests.assessment_helpers import Pusher, mutation as assessment_mutation, star_fields
from tests.helpers import mutation, uid

SECRET_NOTE = "Told me about the knife under the bridge"
SECRET_OTHER = "Scared of the man at the hostel"
SECRET_PEER = "Relapsed on Tuesday, ashamed"


@pytest.fixture
def secrets_of_dan(app, db, demo_data):
    """Dan (whose consent shares with the demo partner's agency) with a Star draft whose notes two
    workers changed differently offline (a conflict on an assessment) and a peer session."""
    push = Pusher(app, db)
    dan = demo_data["Dan"]
    draft = assessment_mutation(star_fields(dan, [4] * 10, status="draft", notes={"tenancy": "x"}))
    assert push.one("outreach", draft)["status"] == "applied"
    record = draft["record_id"]
    for username, note in (("outreach", SECRET_NOTE), ("outreach2", SECRET_OTHER)):
        result = push.one(username, assessment_mutation({"notes": {"tenancy": note}}, op="update",
                                                        record_id=record, base_version=1))
    assert result["status"] == "conflict"
    session = mutation("peer_session", {"person_id": dan, "session_on": "2026-01-02",
                                        "duration_minutes": 30, "mode": "phone",
                                        "purpose": "other", "note": SECRET_PEER})
    assert push.one("peer", session)["status"] == "applied"
    return dan


def person_pages(app, person_id):
    """Every GET route about one person (read from the url_map), and the caseload, full and partial."""
    urls = []
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "person_id" in rule.arguments and "GET" in rule.methods:
                values = {name: person_id if name == "person_id" else
                          1 if isinstance(rule._converters[name], IntegerConverter) else uid()
                          for name in rule.arguments}
                urls.append((url_for(rule.endpoint, **values), {}))
    return urls + [("/caseload", {}), ("/caseload", {"HX-Request": "true"}),
                   ("/caseload?q=Dan", {"HX-Request": "true"})]


def test_a_partner_sees_no_assessment_or_peer_session_value_anywhere(app, client, auth,
                                                                    secrets_of_dan):
    auth.login("partner")
    assert "Dan" in client.get("/caseload").get_data(as_text=True)
    for url, headers in person_pages(app, secrets_of_dan):
        body = client.get(url, headers=headers).get_data(as_text=True)
        for secret in (SECRET_NOTE, SECRET_OTHER, SECRET_PEER):
            assert secret not in body, (url, secret)
        assert "need a decision" not in body and "conflict to resolve" not in body, url


def test_the_worker_does_see_the_conflict(client, auth, secrets_of_dan):
    auth.login("outreach")
    page = client.get(f"/people/{secrets_of_dan}").get_data(as_text=True)
    assert "need a decision" in page
