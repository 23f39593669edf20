"""Assessments and Star readings through the one write path, their forms and their summaries."""

import re

import pytest

from fieldapp import users
from fieldapp.reads import caseload
from fieldapp.rules import licence

from .assessment_helpers import (NDT_KEYS, STAR_KEYS, Pusher, days_ago, mutation, ndt_fields,
                                 star_fields, uid)


@pytest.fixture
def push(app, db, demo_data):
    return Pusher(app, db)


def test_a_final_ndt_is_applied_and_its_total_derived_whatever_the_phone_says(push, db, demo_data, app):
    levels = [3, 1, 3, 3, 3, 2, 3, 3, 3, 2]  # 26 + 3 + 3 = 32
    m = mutation(ndt_fields(demo_data["Sam"], levels, total=999, max_total=1, assessor_id=1))
    assert push.one("peer", m)["status"] == "applied"
    row = db["assessment"].get(m["record_id"])
    peer = users.get_user_by_username(db, "peer")
    assert (row["total"], row["max_total"], row["assessor_id"]) == (32, 48, peer["id"])
    # The phone gets the scores back as an object, and the server's total.
    actor = users.User(peer)
    changes = push.engine.pull(actor, uid(), 0)["changes"]
    [mine] = [c for c in changes if c["record_id"] == m["record_id"]]
    assert mine["fields"]["scores"] == dict(zip(NDT_KEYS, levels)) and mine["fields"]["total"] == 32


ERRORS = [
    ("missing domain", {"scores": dict(zip(NDT_KEYS[:9], [1] * 9))},
     {"scores.housing": ["Choose a level for housing"]}),
    ("out of range", {"scores": {**dict(zip(NDT_KEYS, [1] * 10)), "housing": 5}},
     {"scores.housing": ["Choose a level from 0 to 4"]}),
    ("not a whole number", {"scores": {**dict(zip(NDT_KEYS, [1] * 10)), "housing": 1.5}},
     {"scores.housing": ["Choose a level from 0 to 4"]}),
    ("a boolean is no level", {"scores": {**dict(zip(NDT_KEYS, [1] * 10)), "housing": True}},
     {"scores.housing": ["Choose a level from 0 to 4"]}),
    ("unknown domain", {"scores": {**dict(zip(NDT_KEYS, [1] * 10)), "weather": 1}},
     {"scores.weather": ["This is not part of the New Directions Team assessment (NDT)"]}),
    ("unknown instrument", {"instrument": "chaos-index"},
     {"instrument": ["This server does not know that instrument"]}),
    ("unknown version", {"instrument_version": "7"},
     {"instrument_version": ["This server does not have version 7 of that instrument"]}),
    ("not done without a reason", {"status": "not_done", "scores": {}},
     {"not_done_reason": ["Say why the assessment could not be done"]}),
    ("in the future", {"assessed_on": "2999-01-01"}, {"assessed_on": ["The date cannot be in the future"]}),
    ("no status", {"status": "maybe"}, {"status": ["Choose draft, final or not done"]}),
    ("notes on an NDT", {"notes": {"housing": "x"}},
     {"notes": ["Notes and disagreement per area are recorded on Star readings only"]}),
]


@pytest.mark.parametrize("case, changes, errors", ERRORS, ids=[e[0] for e in ERRORS])
def test_invalid_assessments_are_rejected_with_field_errors(push, demo_data, case, changes, errors):
    result = push.one("outreach", mutation(ndt_fields(demo_data["Dan"], **changes)))
    assert result["status"] == "rejected"
    assert result["errors"] == errors


def test_not_done_with_a_reason_is_recorded_without_a_total(push, db, demo_data):
    m = mutation(ndt_fields(demo_data["Sam"], status="not_done", scores={},
                            not_done_reason="Sam was in hospital"))
    assert push.one("peer", m)["status"] == "applied"
    row = db["assessment"].get(m["record_id"])
    assert row["status"] == "not_done" and row["total"] is None


def test_rejections_reach_the_phone_through_post_api_sync(client, auth, demo_data):
    device = uid()
    auth.login("outreach", device_id=device)
    bad = mutation(ndt_fields(demo_data["Dan"], scores={**dict(zip(NDT_KEYS, [1] * 10)), "housing": 9}))
    good = mutation(ndt_fields(demo_data["Dan"], [1] * 10, total=0))
    response = client.post("/api/sync", json={"protocol": 1, "device_id": device, "cursor": 0,
                                              "mutations": [bad, good]},
                           headers={"X-Fieldapp-Sync": "1"})
    assert response.status_code == 200, response.get_json()
    results = response.get_json()["results"]
    assert results[0]["status"] == "rejected"
    assert results[0]["errors"] == {"scores.housing": ["Choose a level from 0 to 4"]}
    assert results[1]["status"] == "applied"
    [change] = [c for c in response.get_json()["changes"] if c["record_id"] == good["record_id"]]
    assert change["fields"]["total"] == 12 and change["fields"]["scores"]["housing"] == 1


def test_a_star_draft_is_saved_partial_resumed_and_finalised(push, db, demo_data):
    draft = mutation(star_fields(demo_data["Sam"], [4, 5, None, None, None, None, None, None, None, None],
                                 status="draft", notes={"motivation": "Keen"}, disagree={"self_care": True}))
    assert push.one("peer", draft)["status"] == "applied"
    record = draft["record_id"]
    # A colleague resumes it with the rest of the scores; the mentor who started it makes it final.
    patch = {"scores": dict(zip(STAR_KEYS, [4, 5, 3, 3, 3, 3, 3, 3, 3, 3]))}
    result = push.one("outreach", mutation(patch, op="update", record_id=record, base_version=1))
    assert result["status"] == "applied" and result["version"] == 2
    result = push.one("peer", mutation({"status": "final"}, op="update", record_id=record,
                                       base_version=2))
    assert result["status"] == "applied" and result["version"] == 3
    row = db["assessment"].get(record)
    assert row["status"] == "final" and row["total"] is None  # Star scores are never summed
    assert push.engine.history("assessment", record)[0]["fields"]["status"] == "draft"
    # Final is final: no way back to draft, and only the assessor or a coordinator corrects it.
    back = push.one("peer", mutation({"status": "draft"}, op="update", record_id=record, base_version=3))
    assert back["status"] == "rejected" and "status" in back["errors"]
    other = push.one("outreach", mutation({"notes": {"money": "x"}}, op="update", record_id=record,
                                          base_version=3))
    assert other["status"] == "rejected"
    fix = push.one("peer", mutation({"notes": {"money": "Corrected"}}, op="update", record_id=record,
                                    base_version=3))
    assert fix["status"] == "applied" and len(push.engine.history("assessment", record)) == 4


def test_a_draft_cannot_become_final_while_incomplete(push, demo_data):
    draft = mutation(star_fields(demo_data["Sam"], [4] + [None] * 9, status="draft"))
    assert push.one("peer", draft)["status"] == "applied"
    result = push.one("peer", mutation({"status": "final"}, op="update", record_id=draft["record_id"],
                                       base_version=1))
    assert result["status"] == "rejected"
    assert result["errors"]["scores.tenancy"] == ["Choose a score for managing tenancy and accommodation"]


def test_an_assessment_cannot_move_to_another_person(push, demo_data):
    m = mutation(ndt_fields(demo_data["Sam"]))
    push.one("peer", m)
    result = push.one("peer", mutation({"person_id": demo_data["Dan"]}, op="update",
                                       record_id=m["record_id"], base_version=1))
    assert result["status"] == "rejected" and "person_id" in result["errors"]


def test_someone_outside_the_workers_scope_is_refused(push, demo_data):
    result = push.one("peer", mutation(ndt_fields(demo_data["Kerry"])))
    assert result["status"] == "rejected" and "person_id" in result["errors"]


# ----------------------------------------------------------------------------- the licence gate
def test_licence_off_hides_star_pages_and_refuses_star_mutations(push, db, client, auth, demo_data):
    licence.set_star_licensed(db, False)
    dan = demo_data["Dan"]
    result = push.one("outreach", mutation(star_fields(dan)))
    assert result["status"] == "rejected"
    assert "Triangle Consulting licence" in result["errors"]["instrument"][0]
    draft = db.execute("SELECT id FROM assessment WHERE status = 'draft'").fetchone()[0]
    auth.login("outreach")
    assert client.get(f"/people/{dan}/star/new?instrument=homelessness-star-3.1").status_code == 404
    assert client.get(f"/people/{dan}/star/new").status_code == 404
    assert client.get(f"/people/{dan}/star/{draft}/edit").status_code == 404
    page = client.get(f"/people/{dan}").get_data(as_text=True)
    assert "Start a Star reading" not in page and "<polygon" not in page and "Outcomes Star" not in page
    assert "Start an NDT assessment" in page
    assert "Star" not in client.get("/caseload").get_data(as_text=True).split("app-caseload")[1]


def test_an_admin_switches_the_star_on_and_the_notice_shows(app, db, client, auth, demo_data):
    licence.set_star_licensed(db, False)
    notice = "Outcomes Star™ is the copyright of Triangle Consulting Social Enterprise Ltd. Used under licence."
    auth.login("admin")
    page = client.get("/admin/instruments").get_data(as_text=True)
    assert "Our organisation holds a Triangle Consulting licence for the Outcomes Star, and our workers are trained" in page
    assert notice in page and 'name="star_licence"' in page and "checked" not in page.split('name="star_licence"')[1][:40]
    assert client.post("/admin/instruments", data={"star_licence": "yes"}).status_code == 302
    assert licence.star_licensed(db)
    auth.logout()
    auth.login("outreach")
    dan = demo_data["Dan"]
    assert Pusher(app, db).one("outreach", mutation(star_fields(dan)))["status"] == "applied"
    form = client.get(f"/people/{dan}/star/new?instrument=homelessness-star-3.1")
    assert form.status_code == 200 and notice in form.get_data(as_text=True)
    page = client.get(f"/people/{dan}").get_data(as_text=True)
    # The person page offers the Star (a button to start or resume a reading) with its notice.
    assert f"/people/{dan}/star/new?instrument=homelessness-star-3.1" in page and notice in page
    auth.logout()
    auth.login("admin")
    client.post("/admin/instruments", data={})
    assert not licence.star_licensed(db)


def test_only_admins_reach_the_licence_switch(client, auth, demo_data):
    auth.login("coordinator")
    assert client.get("/admin/instruments").status_code == 403
    assert client.post("/admin/instruments", data={"star_licence": "yes"}).status_code == 403


# ----------------------------------------------------------------------------- forms
def test_the_ndt_form_follows_the_page_contract(client, auth, demo_data):
    auth.login("outreach")
    dan = demo_data["Dan"]
    page = client.get(f"/people/{dan}/assessments/new?instrument=ndt-1").get_data(as_text=True)
    assert 'data-mutation-type="assessment"' in page and 'data-mutation-op="create"' in page
    assert 'data-redirect="/people/{person_id}"' in page
    assert 'data-mutation-label="NDT assessment with Dan"' in page
    for name, value in (("person_id", dan), ("instrument", "ndt"), ("instrument_version", "1")):
        assert f'type="hidden" name="{name}" value="{value}"' in page
    for key in NDT_KEYS:
        assert page.count(f'name="scores.{key}" type="radio"') == 5
    assert re.search(r'data-domain="risk_to_others" data-weight="2"', page)
    assert re.search(r'data-domain="housing" data-weight="1"', page)
    assert page.count('data-type="number"') == 50
    assert "data-assessment-total" in page and "/static/assessment.js" in page
    assert "Previous total: <strong>32</strong> of 48" in page and 'data-previous-total="32"' in page
    assert 'value="not_done"' in page and 'name="not_done_reason"' in page
    assert "data-record-id" not in page and "data-mutation-id" not in page
    assert 'name="assessed_on" type="date"' in page and 'value="20' not in page  # no stale date


def test_the_star_form_follows_the_page_contract(client, auth, demo_data):
    auth.login("outreach")
    page = client.get(f"/people/{demo_data['Sam']}/star/new?instrument=homelessness-star-3.1").get_data(as_text=True)
    assert 'data-mutation-label="Star reading with Sam"' in page and 'data-mutation-op="create"' in page
    for key in STAR_KEYS:
        assert f'name="scores.{key}" data-type="number"' in page
        assert f'name="notes.{key}"' in page
        assert f'name="disagree.{key}" type="checkbox" value="yes" data-type="boolean"' in page
    assert 'name="status" value="draft" formnovalidate>Save draft' in page
    assert 'name="status" value="final">Save final reading' in page
    assert 'name="from_paper" type="checkbox" value="yes" data-type="boolean"' in page
    assert "Believing 5–6" in page and 'data-stages="[{' in page
    assert "data-record-id" not in page


def test_a_draft_resumes_as_an_update_form_with_its_answers(client, auth, demo_data, db):
    draft = db.execute("SELECT id, version FROM assessment WHERE status = 'draft'").fetchone()
    auth.login("outreach")
    dan = demo_data["Dan"]
    person_page = client.get(f"/people/{dan}").get_data(as_text=True)
    assert f"/people/{dan}/star/{draft[0]}/edit" in person_page and "Resume" in person_page
    page = client.get(f"/people/{dan}/star/{draft[0]}/edit").get_data(as_text=True)
    assert 'data-mutation-op="update"' in page
    assert f'data-record-id="{draft[0]}"' in page and f'data-base-version="{draft[1]}"' in page
    assert '<option value="6" selected>' in page  # motivation 6 in the demo draft
    assert 'id="stage-motivation" data-stage-for="motivation" aria-live="polite">Believing' in page
    final = db.execute("SELECT id FROM assessment WHERE status = 'final' AND instrument = 'homelessness-star'").fetchone()[0]
    assert client.get(f"/people/{dan}/star/{final}/edit").status_code == 404
    assert client.get(f"/people/{demo_data['Kerry']}/star/{draft[0]}/edit").status_code == 404


def test_starting_a_star_reading_with_a_draft_opens_the_draft(client, auth, demo_data, db):
    """Dan has a draft: "Start a Star reading" (the person page's button, and the form the phone
    keeps for offline use) resumes it rather than starting a second reading beside it."""
    draft = db.execute("SELECT id, version FROM assessment WHERE status = 'draft'").fetchone()
    auth.login("outreach")
    dan = demo_data["Dan"]
    page = client.get(f"/people/{dan}/star/new?instrument=homelessness-star-3.1").get_data(as_text=True)
    assert 'data-mutation-op="update"' in page and f'data-record-id="{draft[0]}"' in page
    assert f'data-base-version="{draft[1]}"' in page and '<option value="6" selected>' in page
    assert "Resume the Star reading with Dan" in page
    person_page = client.get(f"/people/{dan}").get_data(as_text=True)
    assert re.search(r'star/new\?instrument=[^"]*">Resume the Star reading</a>', person_page)
    assert not re.search(r'star/new\?instrument=[^"]*">Start a Star reading', person_page)
    # Someone without a draft still starts afresh.
    fresh = client.get(f"/people/{demo_data['Sam']}/star/new?instrument=homelessness-star-3.1").get_data(as_text=True)
    assert 'data-mutation-op="create"' in fresh


def test_forms_for_people_outside_scope_are_not_found(client, auth, demo_data):
    auth.login("outreach")
    kerry = demo_data["Kerry"]
    assert client.get(f"/people/{kerry}/assessments/new?instrument=ndt-1").status_code == 404
    assert client.get(f"/people/{kerry}/star/new?instrument=homelessness-star-3.1").status_code == 404
    assert client.get(f"/people/{demo_data['Dan']}/assessments/new?instrument=homelessness-star-3.1").status_code == 404
    assert client.get(f"/people/{demo_data['Dan']}/assessments/new?instrument=nope-1").status_code == 404


# ----------------------------------------------------------------------------- summaries
def test_person_page_shows_totals_change_chart_and_due_dates(client, auth, demo_data):
    auth.login("outreach")
    page = client.get(f"/people/{demo_data['Dan']}").get_data(as_text=True)
    assert "Latest <strong>32</strong> of 48" in page and "Previous 36" in page
    assert "↓4" in page and "Higher means more need" in page
    assert 'role="img" aria-labelledby="ndt-1-title ndt-1-desc"' in page and "<polyline" in page
    assert "next due" in page and "Overdue" not in page and "meets the programme" not in page.lower()
    page = client.get(f"/people/{demo_data['Sam']}").get_data(as_text=True)
    assert page.count("Due now") == 2  # NDT and Star never done


def test_overdue_and_the_threshold(make_app, tmp_path):
    app = make_app(NDT_ELIGIBILITY_THRESHOLD=20)
    from fieldapp import demo
    from fieldapp.db import open_db

    db = open_db(app.config["DATABASE"])
    demo.load_demo(db, app.config)
    kerry = db.execute("SELECT id FROM person WHERE display_name = 'Kerry'").fetchone()[0]
    client = app.test_client()
    client.post("/login", data={"username": "navigator", "password": "demo", "device_id": ""})
    page = client.get(f"/people/{kerry}").get_data(as_text=True)
    assert "Overdue</strong> since" in page  # NDT 100 days ago, cadence 90
    assert "Meets the programme's NDT threshold" in page
    assert "NDT 25 due" in client.get("/caseload").get_data(as_text=True)
    db.close()


def test_caseload_lines(client, auth, demo_data):
    auth.login("outreach")
    page = client.get("/caseload").get_data(as_text=True)
    lines = dict(re.findall(r'>([^<]+)</a>\s*<p class="govuk-body-s app-caseload__meta">(?:[^<]|</?time[^>]*>)*</p>\s*'
                            r'<p class="govuk-body-s app-caseload__meta app-caseload__assessments">([^<]*)</p>', page))
    assert lines["Dan"] == "NDT 32 ↓4"
    assert lines["Sam"] == "NDT due · Star due"
    assert lines["Lee"] == "Star due"  # the NDT that could not be done 5 days ago counts for due


def test_only_final_readings_are_charted(client, auth, demo_data, push):
    push.one("outreach", mutation(star_fields(demo_data["Lee"], [3] * 10, status="draft")))
    auth.login("outreach")
    page = client.get(f"/people/{demo_data['Lee']}").get_data(as_text=True)
    assert "<polygon" not in page and "Drafts, not counted until final" in page
    push.one("outreach", mutation(star_fields(demo_data["Lee"], [3] * 10)))
    page = client.get(f"/people/{demo_data['Lee']}").get_data(as_text=True)
    assert page.count("<polygon") == 1


def test_never_assessed_is_due_in_the_line_the_tag_and_the_group_alike(app, db, client, auth,
                                                                      demo_data):
    """One rule for "due": a person never assessed is due now, wherever the caseload says so."""
    worker = users.User(users.get_user_by_username(db, "outreach"))
    sam = next(r for r in caseload.prioritised(db, app.config, worker) if r["display_name"] == "Sam")
    assert sam["assessments"]["line"] == "NDT due · Star due"
    assert sam["assessments"]["due"] == ["NDT", "Star"]
    assert sam["need"] == "due"
    auth.login("outreach")
    page = client.get("/caseload").get_data(as_text=True)
    row = page[page.index(">Sam</a>"):].split("</li>", 1)[0]
    assert ">NDT due</strong>" in row and ">Star due</strong>" in row


def test_only_the_assessor_or_a_coordinator_finishes_or_removes_a_draft(app, db, client, auth,
                                                                        demo_data, push):
    """A colleague may add to a Star draft, but who made a reading count is recorded and shown."""
    draft = mutation(star_fields(demo_data["Lee"], [4] * 10, status="draft"))
    assert push.one("outreach", draft)["status"] == "applied"
    record = draft["record_id"]
    scores = {**dict(zip(STAR_KEYS, [4] * 10)), "tenancy": 6}  # an object field goes whole
    assert push.one("outreach2", mutation({"scores": scores}, op="update", record_id=record,
                                          base_version=1))["status"] == "applied"
    for change in ({"status": "final"}, None):
        attempt = (mutation(change, op="update", record_id=record, base_version=2) if change else
                   {**mutation({}, op="delete", record_id=record), "fields": {}})
        result = push.one("outreach2", attempt)
        assert result["status"] == "rejected" and "started this reading" in str(result["errors"])
    assert push.one("coordinator", mutation({"status": "final"}, op="update", record_id=record,
                                            base_version=2))["status"] == "applied"
    row = db["assessment"].get(record)
    coordinator = users.get_user_by_username(db, "coordinator")["id"]
    assert row["assessor_id"] == users.get_user_by_username(db, "outreach")["id"]
    assert row["finalised_by"] == coordinator and row["changed_by"] == coordinator
    auth.login("outreach")
    page = client.get(f"/people/{demo_data['Lee']}").get_data(as_text=True)
    assert "finished by Chris Morgan" in page
