"""Demo users and casework for `fieldapp init --demo` (README: Demo logins).

Casework goes in through the sync engine, as a phone's would, so versions, history and the change
cursor are consistent with everything that follows.
"""

import uuid
from datetime import date, datetime, timedelta

from . import demo_programme, users
from .records import make_engine
from .rules import licence
from .timeutil import now_iso

PASSWORD = "demo"
AREA = "Fenland and East Cambridgeshire"
OUTREACH_TEAM = "Fenland outreach"
NAVIGATOR_TEAM = "Fenland navigators"

USERS = [
    # username, role, display name, team, area
    ("outreach", "outreach_worker", "Olu Adeyemi", OUTREACH_TEAM, AREA),
    ("outreach2", "outreach_worker", "Priya Shah", OUTREACH_TEAM, AREA),
    ("peer", "peer_mentor", "Pete Walsh", OUTREACH_TEAM, AREA),
    ("navigator", "trusted_person", "Nina Clarke", NAVIGATOR_TEAM, AREA),
    ("coordinator", "coordinator", "Chris Morgan", None, AREA),
    ("partner", "partner_agency", "Gail Ford", None, AREA),
    ("admin", "admin", "Ada Admin", None, None),
    ("manager", "manager", "Mo Reyes", None, None),
]
# The partner agency of each partner agency worker (a PARTNER_AGENCIES key).
AGENCIES = {"partner": "cgl"}

# person, worker, fields changed (in order, each through the sync engine like a phone's edit).
DETAILS = [
    ("Dan", "outreach", {"aliases": "Danny", "age_band": "35-44", "gender": "man",
                         "homelessness": True, "substance_misuse": True, "known_to_services": "no",
                         "housing_situation": "rough_sleeping"}),
    ("Dan", "outreach2", {"housing_situation": "hostel", "status": "engaged",
                          "agencies": "Day centre, Wisbech"}),
    ("Kerry", "navigator", {"homelessness": True, "offending": True, "mental_health": True,
                            "housing_situation": "sofa_surfing", "status": "engaged",
                            "agencies": "Probation Fenland"}),
    ("Sam", "peer", {"substance_misuse": True, "housing_situation": "hostel", "status": "referred"}),
]
# person, worker, days ago, recording, partner agencies shared with.
CONSENTS = [
    ("Dan", "outreach", 20, True, ["cgl"]),
    ("Kerry", "navigator", 12, True, ["probation-fenland"]),
    ("Sam", "peer", 8, True, ["cgl", "dwp-fenland"]),
]

# Who registers each person, and what is first known about them.
PEOPLE = [
    ("outreach", {"display_name": "Dan", "description": "Sleeps near the bus station; has a dog",
                  "district": "Fenland"}),
    ("outreach2", {"display_name": "Woman in green coat",
                   "description": "Seen several nights by the church porch, did not give a name",
                   "district": "Fenland"}),
    ("navigator", {"display_name": "Kerry", "description": "Recently out of prison; staying with a friend",
                   "district": "East Cambridgeshire"}),
    ("peer", {"display_name": "Sam", "description": "In the hostel; working on alcohol use",
              "district": "Fenland"}),
    ("outreach", {"display_name": "Lee", "description": "Tent by the river", "district": "East Cambridgeshire"}),
]

# person, worker, days ago, hour, place, type, bedded down, spoken to, minutes, what happened, action
CONTACTS = [
    ("Dan", "outreach", 9, 6, "Bus station, Wisbech", "street_outreach", True, True, 20,
     "Dan was awake and talked for a while. Dog well.", "Offered a sleeping bag and a hostel referral"),
    ("Dan", "outreach2", 4, 7, "Bus station, Wisbech", "street_outreach", True, False, 5,
     "Asleep; did not wake him.", None),
    ("Dan", "peer", 1, 11, "Day centre, Wisbech", "appointment", False, True, 45,
     "Talked about getting his ID back.", "Book an appointment for a birth certificate"),
    ("Woman in green coat", "outreach2", 6, 6, "Church porch, March", "streetlink", True, False, 10,
     "StreetLink alert followed up; she was asleep.", "Report the outcome to StreetLink"),
    ("Woman in green coat", "outreach", 2, 6, "Church porch, March", "street_outreach", True, True, 15,
     "Spoke briefly; she would like a woman worker next time.", "Ask a woman worker to visit"),
    ("Kerry", "navigator", 12, 10, "HMP Peterborough", "prison_inreach", False, True, 60,
     "Planned the day of release together.", "Housing Options appointment booked"),
    ("Kerry", "navigator", 3, 14, "Friend's flat, Ely", "home_visit", False, True, 40,
     "Settling in; worried about money.", "Help with the Universal Credit claim"),
    ("Sam", "peer", 8, 15, "Hostel, Wisbech", "hostel_inreach", False, True, 50,
     "Peer session: talked about the recovery group.", "Go to the group together on Thursday"),
    ("Sam", "peer", 2, 15, "Hostel, Wisbech", "hostel_inreach", False, True, 40,
     "Went to the group; Sam spoke for the first time.", None),
    ("Lee", "outreach", 10, 7, "Riverside path, Ely", "street_outreach", True, True, 25,
     "Tent by the river, wet and cold.", "StreetLink referral; winter shelter details given"),
    ("Lee", "outreach", 5, 8, "Riverside path, Ely", "street_outreach", False, False, None,
     "Tent still there; Lee not present.", None),
]


NDT_KEYS = ["engagement", "intentional_self_harm", "unintentional_self_harm", "risk_to_others",
            "risk_from_others", "stress_anxiety", "social_effectiveness", "alcohol_drugs",
            "impulse_control", "housing"]
STAR_KEYS = ["motivation", "self_care", "money", "social_networks", "drug_alcohol", "physical_health",
             "emotional_health", "meaningful_use_of_time", "tenancy", "offending"]

# person, worker, days ago, instrument, version, status, scores (in key order) or reason.
ASSESSMENTS = [
    ("Dan", "outreach", 120, "ndt", "1", "final", [3, 1, 3, 3, 3, 3, 3, 4, 3, 4]),  # total 36
    ("Dan", "outreach", 20, "ndt", "1", "final", [3, 1, 3, 3, 3, 2, 3, 3, 3, 2]),  # total 32
    ("Dan", "outreach", 100, "homelessness-star", "3.1", "final", [3, 4, 2, 3, 2, 5, 3, 2, 1, 6]),
    ("Dan", "outreach", 15, "homelessness-star", "3.1", "final", [5, 5, 3, 4, 3, 5, 4, 4, 3, 7]),
    ("Dan", "outreach", 0, "homelessness-star", "3.1", "draft", [6, 5, 4, None, None, None, None, None, None, None]),
    ("Kerry", "navigator", 100, "ndt", "1", "final", [2, 0, 1, 2, 3, 3, 2, 2, 2, 3]),  # total 25
    ("Lee", "outreach", 5, "ndt", "1", "not_done", "Lee was not at the tent on the day it was due"),
]


# mentor username, person, days ago, minutes, mode, purpose, note
DEMO_SESSIONS = [
    ("peer", "Sam", 8, 60, "face_to_face", "recovery", "Talked about the recovery group"),
    ("peer", "Sam", 2, 90, "group", "recovery", "Went to the group together; Sam spoke"),
    ("peer", "Dan", 1, 45, "accompanying", "services", "Went with Dan to the GP about his ID"),
    ("peer", "Dan", 5, 20, "phone", "emotional_support", None),
    ("peer", "Lee", 12, 30, "face_to_face", "other", "Helped Lee move his tent before the flood"),
]


def demo_sessions(person_ids, today: date) -> list[tuple[str, dict]]:
    """(mentor username, fields) for demo peer sessions; `person_ids` maps demo names to ids.
    load_demo pushes each as a `peer_session` create mutation by that mentor."""
    sessions = []
    for username, person, days_ago, minutes, mode, purpose, note in DEMO_SESSIONS:
        fields_ = {"person_id": person_ids[person], "duration_minutes": minutes, "mode": mode,
                   "session_on": (today - timedelta(days=days_ago)).isoformat(), "purpose": purpose}
        if note:
            fields_["note"] = note
        sessions.append((username, fields_))
    return sessions


def mutation(type_name, op, record_id, fields, base_version=None):
    """A mutation as a phone sends it, recorded now (also fieldapp/web/dictionary.py's specimen)."""
    return {
        "id": str(uuid.uuid4()),
        "type": type_name,
        "op": op,
        "record_id": record_id,
        "base_version": base_version,
        "recorded_at": now_iso(),
        "fields": fields,
    }


def _push(engine, actor, mutation):
    device_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"fieldapp-demo/{actor.username}"))
    [result] = engine.push(actor, device_id, [mutation])
    if result["status"] not in ("applied", "conflict"):
        raise RuntimeError(f"demo data was not accepted: {mutation['type']} {result}")
    return result


def load_demo(db, app_config, programme=False):
    """Add the demo users and casework if the database has no users yet. Returns True if added.
    `programme` adds the programme over time too (fieldapp/demo_programme.py: a cohort, the
    directory, barriers, a lesson, a count night), as `fieldapp init --demo` does; the tests'
    demo leaves it out, so that their caseloads stay the five people they count on."""
    if db["user"].count:
        return False
    actors = {}
    for username, role, name, team, area in USERS:
        user_id = users.create_user(db, username, PASSWORD, role, display_name=name, team=team,
                                       area=area, agency=AGENCIES.get(username))
        actors[username] = users.User(users.get_user(db, user_id))
    engine = make_engine(db, app_config)
    person_ids = {}
    for username, fields in PEOPLE:
        person_ids[fields["display_name"]] = record_id = str(uuid.uuid4())
        _push(engine, actors[username], mutation("person", "create", record_id, fields))
    # Kerry's trusted person is the navigator: only a coordinator may choose one.
    kerry = person_ids["Kerry"]
    _push(engine, actors["coordinator"], mutation(
        "person", "update", kerry, {"trusted_person_id": actors["navigator"].id}, base_version=1))
    for person, worker, fields in DETAILS:
        version = db["person"].get(person_ids[person])["version"]
        _push(engine, actors[worker], mutation("person", "update", person_ids[person], fields,
                                                base_version=version))
    today = datetime.now().replace(minute=0, second=0, microsecond=0)
    for person, worker, days_ago, recording, agencies in CONSENTS:
        _push(engine, actors[worker], mutation("consent", "create", str(uuid.uuid4()), {
            "person_id": person_ids[person], "recording": recording, "share_with": agencies,
            "given_on": (today - timedelta(days=days_ago)).date().isoformat()}))
    for (person, worker, days_ago, hour, place, contact_type, bedded_down, spoken_to, minutes,
         what_happened, action) in CONTACTS:
        when = (today - timedelta(days=days_ago)).replace(hour=hour)
        fields = {
            "person_id": person_ids[person],
            "contact_at": when.strftime("%Y-%m-%dT%H:%M"),
            "district": next(f["district"] for _u, f in PEOPLE if f["display_name"] == person),
            "place": place,
            "contact_type": contact_type,
            "bedded_down": bedded_down,
            "spoken_to": spoken_to,
            "what_happened": what_happened,
        }
        if minutes is not None:
            fields["duration_minutes"] = minutes
        if action:
            fields["action"] = action
        _push(engine, actors[worker], mutation("contact", "create", str(uuid.uuid4()), fields))
    for username, fields in demo_sessions(person_ids, today.date()):
        _push(engine, actors[username], mutation("peer_session", "create", str(uuid.uuid4()), fields))
    # Demo mode only: the Star is switched on (recorded with no admin, shown as "demo data") so
    # the demo shows it; a real deployment's administrator switches it on (README).
    licence.set_star_licensed(db, True)
    for person, worker, days_ago, instrument, version, status, answers in ASSESSMENTS:
        fields = {"person_id": person_ids[person], "instrument": instrument,
                  "instrument_version": version, "status": status,
                  "assessed_on": (today - timedelta(days=days_ago)).date().isoformat()}
        if status == "not_done":
            fields["not_done_reason"] = answers
        else:
            keys = NDT_KEYS if instrument == "ndt" else STAR_KEYS
            fields["scores"] = {k: v for k, v in zip(keys, answers) if v is not None}
        if status != "not_done" and instrument != "ndt":
            fields["from_paper"] = days_ago > 50
            fields["notes"] = {"tenancy": "Wants to talk about a hostel place first"}
            fields["disagree"] = {"offending": True}
        _push(engine, actors[worker], mutation("assessment", "create", str(uuid.uuid4()), fields))
    if programme:  # enough for every measure to show a figure (fieldapp/demo_programme.py)
        demo_programme.load(db, app_config, actors, today.date(), NDT_KEYS, STAR_KEYS)
    return True
