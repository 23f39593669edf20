"""The blank forms a phone fills in for someone it registered offline (`/people/on-phone/<form>`):
each renders for the roles that may use it, holds nobody's record, writes nothing to the audit
trail, and is refused to the roles that may not."""

import pytest

from fieldapp.reads.person import ON_PHONE_NAME

FORMS = ["edit", "contacts/new", "consent/new", "assessments/new", "star/new"]


def audit_rows(db):
    return db.execute("SELECT COUNT(*) FROM audit_event").fetchone()[0]


@pytest.mark.parametrize("form", FORMS)
def test_a_blank_form_renders_for_a_worker_with_the_phone_filling_in_the_person(client, auth, db, demo_data,
                                                                               form):
    auth.login("outreach")
    before = audit_rows(db)
    response = client.get(f"/people/on-phone/{form}")
    if form == "star/new" and response.status_code == 404:
        pytest.skip("the Star needs the deployment's licence")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert ON_PHONE_NAME in html
    # Nobody's details: no demo person's name anywhere in it.
    assert not any(name in html for name in demo_data if len(name) > 3)
    assert audit_rows(db) == before


def test_the_blank_peer_session_form_is_for_peer_mentors_only(client, auth, demo_data):
    auth.login("peer")
    assert client.get("/people/on-phone/peer-sessions/new").status_code == 200
    auth.logout()
    auth.login("outreach")
    assert client.get("/people/on-phone/peer-sessions/new").status_code == 403


def test_a_partner_agency_reader_gets_no_blank_form(client, auth, db, demo_data):
    reader = db.execute("SELECT username FROM user WHERE role = 'partner_agency' LIMIT 1").fetchone()
    if reader is None:
        pytest.skip("the demo has no partner agency worker")
    auth.login(reader[0])
    assert client.get("/people/on-phone/edit").status_code == 403


def test_the_blank_person_page_itself_is_not_found(client, auth, demo_data):
    auth.login("outreach")
    assert client.get("/people/on-phone").status_code == 404
