"""The demo's programme over time (README: Demo logins): a cohort engaged over the past year and
a half, with NDT assessments, Star readings and housing changes on the days they happened (the
engine's clock set to each day, so the housing history is as it would be), referrals to the
directory of services, barriers at each stage, a Change Forum lesson, a count night and
multi-agency meetings; enough that every measure on the measures page shows a real figure.
Safety too: the navigator is the area's designated safeguarding lead (with a concern decided
and one awaiting a decision), and an on-call rota for the coming week (evenings the second
outreach worker, weekends the coordinator). Called by demo.load_demo for `fieldapp init --demo`."""

import uuid
from datetime import date, datetime, time, timedelta, timezone

from .records import make_engine
from .reads.outcomes import add_months
from .rules import on_call, safeguarding

SERVICES = [
    ("Wisbech day centre", "Breakfast, showers, laundry, post and a GP drop-in on Tuesdays",
     ["Fenland"], "Hill Street, Wisbech", "01945 000001", "Mon to Fri 8am to 2pm",
     "Just turn up; phone ahead for the GP"),
    ("Ely foodbank", "Three days' food on a voucher", ["East Cambridgeshire", "Fenland"],
     "Market Street, Ely", "01353 000002", "Tue and Fri 10am to 1pm", "Voucher from any worker"),
    ("Change Grow Live Fenland", "Drug and alcohol support, needle exchange, prescribing",
     ["Fenland", "East Cambridgeshire"], "Old Market, Wisbech", "0800 000003",
     "Mon to Fri 9am to 5pm", "Self-referral by phone, or refer on their form"),
    ("Housing Options (Fenland)", "Homelessness assessments and temporary accommodation",
     ["Fenland"], "Fenland Hall, March", "01354 000004", "Mon to Fri 9am to 5pm",
     "Duty to refer online; the person can walk in"),
]

# name, district, gender, ethnicity, age band, months since engaged, NDT totals at 0/3/6/12
# months (None: not done), Star motivation at first and latest, housing (months after engagement,
# situation), known to services when first met.
COHORT = [
    ("Aisha", "Fenland", "woman", "asian", "25-34", 14, (34, 28, 25, 20), (3, 6),
     [(0, "rough_sleeping"), (1, "hostel"), (5, "settled_tenancy")], "no"),
    ("Tom", "Fenland", "man", "white_british", "45-54", 13, (30, 31, None, 26), (4, 4),
     [(0, "sofa_surfing"), (2, "hostel")], "yes"),
    ("Grace", "East Cambridgeshire", "woman", "black", "35-44", 8, (28, 22, 21, None), (2, 5),
     [(0, "rough_sleeping"), (2, "supported_accommodation")], "no"),
    ("Marek", "Fenland", "man", "white_other", "35-44", 19, (38, 30, 32, 24), (2, 3),
     [(0, "rough_sleeping"), (4, "prison"), (8, "hostel"), (14, "settled_tenancy")], "yes"),
    ("Bea", "East Cambridgeshire", "non_binary", "mixed", "18-24", 7, (26, None, 20, None), None,
     [(0, "temporary_accommodation"), (3, "supported_accommodation")], "unknown"),
    ("Ravi", "Fenland", "man", "asian", "55-64", 4, (32, 29, None, None), (5, 7),
     [(0, "rough_sleeping")], "no"),
]


def _mutation(type_name, op, record_id, fields, base_version=None):
    return {"id": str(uuid.uuid4()), "type": type_name, "op": op, "record_id": record_id,
            "base_version": base_version, "recorded_at": "2026-01-01T00:00:00Z", "fields": fields}


def _on(db, app_config, day, actor, mutation):
    """Push one mutation with the server's clock at noon (UTC) on `day`."""
    moment = datetime.combine(day, time(12), tzinfo=timezone.utc)
    engine = make_engine(db, app_config, clock=lambda: moment)
    [result] = engine.push(actor, str(uuid.uuid5(uuid.NAMESPACE_URL, f"fieldapp-demo/{actor.id}")),
                           [mutation])
    if result["status"] not in ("applied", "conflict"):
        raise RuntimeError(f"demo data was not accepted: {mutation['type']} {result}")
    return result


def _ndt(total):
    """NDT levels (ndt 1: domains 4 and 5 count double) adding up to `total`."""
    levels, left = [0] * 10, total
    for index in [3, 4, 0, 1, 2, 5, 6, 7, 8, 9] * 4:
        weight = 2 if index in (3, 4) else 1
        if levels[index] < 4 and left >= weight:
            levels[index] += 1
            left -= weight
    return levels


def load(db, app_config, actors, today: date, ndt_keys, star_keys):
    """Add the cohort, the directory, referrals, barriers, a lesson and a count night."""
    coordinator, outreach, navigator = actors["coordinator"], actors["outreach"], actors["navigator"]
    services = []
    for name, offers, districts, address, phone, opening, refer in SERVICES:
        services.append(str(uuid.uuid4()))
        _on(db, app_config, today, coordinator, _mutation("directory_entry", "create", services[-1], {
            "name": name, "offers": offers, "districts": districts, "address": address,
            "phone": phone, "opening_times": opening, "how_to_refer": refer,
            "last_checked_on": (today - timedelta(days=20)).isoformat()}))
    people = {}
    for (name, district, gender, ethnicity, band, months, ndt, star, housing, known) in COHORT:
        engaged = add_months(today, -months)
        person_id = people[name] = str(uuid.uuid4())
        _on(db, app_config, engaged - timedelta(days=10), outreach, _mutation("person", "create", person_id, {
            "display_name": name, "district": district, "gender": gender, "ethnicity": ethnicity,
            "age_band": band, "known_to_services": known, "homelessness": True,
            "substance_misuse": name in ("Tom", "Marek", "Ravi"), "mental_health": name != "Tom",
            "housing_situation": housing[0][1]}))
        _on(db, app_config, engaged - timedelta(days=10), outreach, _mutation("contact", "create", str(uuid.uuid4()), {
            "person_id": person_id, "contact_at": f"{engaged - timedelta(days=10)}T06:30",
            "district": district, "place": "Town centre", "contact_type": "street_outreach",
            "bedded_down": True, "spoken_to": True, "what_happened": "First met."}))
        version = db["person"].get(person_id)["version"]
        _on(db, app_config, engaged, coordinator, _mutation("person", "update", person_id, {
            "status": "engaged", "engaged_on": engaged.isoformat(),
            "trusted_person_id": navigator.id}, base_version=version))
        for after, situation in housing[1:]:
            day = add_months(engaged, after)
            version = db["person"].get(person_id)["version"]
            _on(db, app_config, day, navigator, _mutation("person", "update", person_id, {
                "housing_situation": situation}, base_version=version))
        for after, total in zip((0, 3, 6, 12), ndt):
            day = add_months(engaged, after)
            if total is None or day > today:
                continue
            _on(db, app_config, day, navigator, _mutation("assessment", "create", str(uuid.uuid4()), {
                "person_id": person_id, "instrument": "ndt", "instrument_version": "1",
                "status": "final", "assessed_on": day.isoformat(),
                "scores": dict(zip(ndt_keys, _ndt(total)))}))
        if star:
            for after, motivation in ((0, star[0]), (min(months, 3), star[1])):
                day = add_months(engaged, after)
                scores = dict.fromkeys(star_keys, 4 + (after > 0))
                scores["motivation"] = motivation
                reading = {"person_id": person_id, "instrument": "homelessness-star",
                           "instrument_version": "3.1", "status": "final",
                           "assessed_on": day.isoformat(), "scores": scores}
                if after == 0:
                    reading["priority"] = "motivation"  # what the person chose to work on first
                _on(db, app_config, day, navigator,
                    _mutation("assessment", "create", str(uuid.uuid4()), reading))
    # This quarter's work with the cohort: contacts (one a StreetLink follow-up), referrals.
    for index, (name, service) in enumerate((("Aisha", 0), ("Ravi", 2), ("Grace", 1),
                                              ("Ravi", 3), ("Marek", 0))):
        day = today - timedelta(days=3 + 4 * index)
        district = next(c[1] for c in COHORT if c[0] == name)
        _on(db, app_config, day, navigator if index % 2 else outreach, _mutation(
            "contact", "create", str(uuid.uuid4()), {
                "person_id": people[name], "contact_at": f"{day}T10:00", "district": district,
                "place": "Day centre" if index % 2 else "High Street",
                "contact_type": "streetlink" if name == "Ravi" and service == 3 else "appointment",
                "bedded_down": name == "Ravi", "spoken_to": True, "referred_to": services[service],
                "what_happened": "Referred on."}))
    _barriers(db, app_config, actors, today, people, services)
    _mdt_meetings(db, app_config, actors, today, people)
    _safety(db, app_config, actors, today, people)


def _mdt_meetings(db, app_config, actors, today, people):
    """This quarter's multi-agency meetings: four people's teams brought together by their
    trusted person (the navigator; Marek's twice), and one the outreach worker called."""
    for who, name, days_ago, agencies in (
            ("navigator", "Aisha", 2, ["housing", "mental_health", "outreach"]),
            ("navigator", "Marek", 4, ["probation", "drug_alcohol", "housing"]),
            ("navigator", "Marek", 12, ["probation", "drug_alcohol"]),
            ("navigator", "Grace", 6, ["mental_health", "health", "adult_social_care"]),
            ("navigator", "Ravi", 9, ["housing", "drug_alcohol", "dwp"]),
            ("outreach", "Aisha", 5, ["outreach", "police"])):
        day = today - timedelta(days=days_ago)
        _on(db, app_config, day, actors[who], _mutation("mdt_meeting", "create", str(uuid.uuid4()), {
            "person_id": people[name], "held_on": day.isoformat(), "agencies": agencies,
            "note": "Agreed who does what before the next meeting."}))


def _safety(db, app_config, actors, today, people):
    """The lead flag, two safeguarding concerns (one decided), and a week of the on-call rota."""
    coordinator, navigator = actors["coordinator"], actors["navigator"]
    safeguarding.set_lead(db, navigator.id)
    concerns = [str(uuid.uuid4()), str(uuid.uuid4())]
    _on(db, app_config, today, actors["outreach"], _mutation(
        "safeguarding_concern", "create", concerns[0], {
            "person_id": people["Aisha"], "about": "domestic_abuse", "immediate_risk": False,
            "what": "Said her ex-partner has been waiting outside the hostel.",
            "action_taken": "Talked through a safety plan; she agreed to a referral."}))
    _on(db, app_config, today, navigator, _mutation(
        "safeguarding_decision", "create", str(uuid.uuid4()), {
            "person_id": people["Aisha"], "concern_id": concerns[0], "decision": "marac",
            "reasons": "High risk on the DASH checklist; she consents to the referral."}))
    _on(db, app_config, today, actors["outreach"], _mutation(
        "safeguarding_concern", "create", concerns[1], {
            "person_id": people["Tom"], "about": "adult_at_risk", "immediate_risk": False,
            "what": "Says a man collects his benefits with him every fortnight."}))
    for offset in range(7):
        day = today + timedelta(days=offset)
        weekend = day.weekday() >= 5
        who = coordinator if weekend else actors.get("outreach2", actors["outreach"])
        on_call.add_on_call(db, app_config, coordinator, {
            "user_id": who.id, "starts_at": f"{day}T{'08:00' if weekend else '17:00'}",
            "ends_at": f"{day + timedelta(days=1)}T08:00"})


def _barriers(db, app_config, actors, today, people, services):
    """Barriers at each stage (one overdue), a lesson linking two, and a count night."""
    outreach, navigator, coordinator = actors["outreach"], actors["navigator"], actors["coordinator"]
    made = []
    for who, days_ago, service, kind, what, person, entry in (
            (outreach, 120, "Housing Options (Fenland)", "threshold",
             "Told Ravi he is not in priority need, so no offer of accommodation.", "Ravi", 3),
            (navigator, 40, "GP surgery, March", "information_sharing",
             "Would not register Grace without proof of address.", "Grace", None),
            (navigator, 20, "Change Grow Live Fenland", "waiting_list",
             "Six-week wait for a prescribing appointment.", "Marek", 2),
            (outreach, 8, "Bus company", "distance",
             "No bus from Chatteris reaches the day centre before it closes.", None, None)):
        barrier_id = str(uuid.uuid4())
        fields = {"service": service, "kind": kind, "what_happened": what, "district": "Fenland",
                  "noticed_on": (today - timedelta(days=days_ago)).isoformat()}
        if person:
            fields["person_id"] = people[person]
        if entry is not None:
            fields["directory_entry_id"] = services[entry]
        _on(db, app_config, today - timedelta(days=days_ago), who,
            _mutation("barrier", "create", barrier_id, fields))
        made.append(barrier_id)
    _on(db, app_config, today, coordinator, _mutation("barrier", "update", made[1], {
        "status": "resolved", "resolved_on": (today - timedelta(days=10)).isoformat(),
        "what_changed": "The practice now registers people with no fixed address"}, base_version=1))
    _on(db, app_config, today, coordinator, _mutation("barrier", "update", made[2], {
        "status": "raised", "raised_on": (today - timedelta(days=5)).isoformat()}, base_version=1))
    _on(db, app_config, today, coordinator, _mutation("lesson", "create", str(uuid.uuid4()), {
        "area": coordinator.area, "partner": "Fenland GP practices", "level": "system",
        "issue": "Registration without proof of address: agreed across the practices",
        "forum_on": (today - timedelta(days=9)).isoformat(), "barrier_ids": made[1:3]}))
    night = today - timedelta(days=14)
    for who, district, seen in ((outreach, "Fenland", 7), (navigator, "East Cambridgeshire", 3)):
        _on(db, app_config, night, who, _mutation("tally", "create", str(uuid.uuid4()), {
            "counted_on": night.isoformat(), "district": district, "people_seen": seen}))
