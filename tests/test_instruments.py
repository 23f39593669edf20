"""Instruments as data: the shipped files, scoring, and a deployment's own files."""

import json
import shutil

import pytest

from fieldapp import instruments
from fieldapp.rules import scoring
from fieldapp.instruments import PACKAGE_DIR, InstrumentError

from .assessment_helpers import NDT_KEYS, Pusher, mutation, ndt_fields

SHIPPED = instruments.load([PACKAGE_DIR])


def test_every_shipped_instrument_loads_and_is_named_after_its_id_and_version():
    keys = sorted(i.key for i in SHIPPED)
    assert keys == ["homelessness-star-3.1", "ndt-1", "ndt-amended-example-1"]
    for instrument in SHIPPED:
        assert (PACKAGE_DIR / f"{instrument.key}.json").exists()


def test_ndt_has_ten_domains_with_the_two_risks_weighted_double():
    ndt = SHIPPED.get("ndt", "1")
    assert ndt.domain_keys == NDT_KEYS
    weights = {d["key"]: d["weight"] for d in ndt.domains}
    assert weights.pop("risk_to_others") == 2 and weights.pop("risk_from_others") == 2
    assert set(weights.values()) == {1}
    assert (ndt.min, ndt.max, scoring.max_total(ndt)) == (0, 4, 48)
    assert [lv["label"] for lv in ndt.levels][0] == "No concern"
    assert not ndt.requires_licence and not ndt.local_example


@pytest.mark.parametrize("key, levels, total", [
    ("ndt-1", [0] * 10, 0),
    ("ndt-1", [4] * 10, 48),
    ("ndt-1", [1, 0, 0, 3, 2, 0, 0, 0, 0, 4], 1 + 6 + 4 + 4),
    ("ndt-amended-example-1", [4] * 11, 56),
    ("ndt-amended-example-1", [0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 2], 2 + 3 + 2),
])
def test_weighted_totals(key, levels, total):
    instrument = SHIPPED.by_key(key)
    scores = dict(zip(instrument.domain_keys, levels))
    assert scoring.weighted_total(instrument, scores) == total
    del scores[instrument.domain_keys[-1]]
    assert scoring.weighted_total(instrument, scores) is None  # incomplete: no total


def test_the_amended_example_is_a_marked_local_variant_with_a_different_maximum():
    amended = SHIPPED.get("ndt-amended-example", "1")
    assert amended.local_example and "LOCAL EXAMPLE" in amended.name
    assert "support_networks" in amended.domain_keys and len(amended.domains) == 11
    assert "domestic abuse" in amended.domain("risk_from_others")["label"]
    assert scoring.max_total(amended) != scoring.max_total(SHIPPED.get("ndt", "1"))


@pytest.mark.parametrize("score, stage", [
    (1, "Stuck"), (2, "Stuck"), (3, "Accepting help"), (4, "Accepting help"), (5, "Believing"),
    (6, "Believing"), (7, "Learning"), (8, "Learning"), (9, "Self-reliance"), (10, "Self-reliance"),
    (0, None), (11, None)])
def test_star_stages(score, stage):
    assert SHIPPED.get("homelessness-star", "3.1").stage(score) == stage


def test_star_carries_area_names_scale_and_the_notice_only():
    star = SHIPPED.get("homelessness-star", "3.1")
    assert star.requires_licence and star.kind == "star"
    assert star.licence_notice == ("Outcomes Star™ is the copyright of Triangle Consulting Social "
                                   "Enterprise Ltd. Used under licence.")
    assert (star.min, star.max) == (1, 10) and len(star.domains) == 10
    assert star.domain("tenancy")["label"] == "Managing tenancy and accommodation"
    assert star.levels == [] and all(not d["descriptions"] for d in star.domains)


def _write(folder, name, definition):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(json.dumps(definition))


def _shipped_json(key):
    return json.loads((PACKAGE_DIR / f"{key}.json").read_text())


VARIANT = {
    "id": "our-ndt", "version": "2", "name": "Our NDT", "short_name": "Our NDT", "kind": "ndt",
    "scale": {"min": 0, "max": 3},
    "levels": [{"value": v, "label": f"Level {v}"} for v in range(4)],
    "domains": [{"key": "housing", "label": "Housing", "weight": 3},
                {"key": "networks", "label": "Networks", "weight": 1}],
}


def test_a_variant_dropped_into_the_instance_folder_works_without_code(make_app, tmp_path):
    _write(tmp_path / "instance" / "instruments", "our-ndt-2.json", VARIANT)
    app = make_app(ASSESSMENT_CADENCE_DAYS={"ndt": 90, "our-ndt": 30})
    from fieldapp import demo
    from fieldapp.db import open_db

    db = open_db(app.config["DATABASE"])
    demo.load_demo(db, app.config)
    dan = db.execute("SELECT id FROM person WHERE display_name = 'Dan'").fetchone()[0]
    fields = {"person_id": dan, "instrument": "our-ndt", "instrument_version": "2",
              "assessed_on": "2026-01-05", "status": "final", "scores": {"housing": 3, "networks": 2}}
    result = Pusher(app, db).one("outreach", m := mutation(fields))
    assert result["status"] == "applied", result
    row = db["assessment"].get(m["record_id"])
    assert (row["total"], row["max_total"]) == (11, 12)
    bad = mutation({**fields, "scores": {"housing": 4, "networks": 0}})
    assert Pusher(app, db).one("outreach", bad)["errors"] == {"scores.housing": ["Choose a level from 0 to 3"]}
    client = app.test_client()
    client.post("/login", data={"username": "outreach", "password": "demo", "device_id": ""})
    page = client.get(f"/people/{dan}/assessments/new?instrument=our-ndt-2").get_data(as_text=True)
    assert 'data-weight="3"' in page and "Level 3" in page and "Total: <strong data-total-value>0</strong> of 12" in page
    assert "Start an assessment: Our NDT" in client.get(f"/people/{dan}").get_data(as_text=True)
    db.close()


def test_an_instance_file_with_the_same_id_and_version_overrides_the_wording(make_app, tmp_path, demo_data):
    ndt = _shipped_json("ndt-1")
    ndt["levels"][4]["label"] = "Our own words for four"
    ndt["domains"][9]["descriptions"] = {"0": "Settled in their own home (our description)"}
    _write(tmp_path / "instance" / "instruments", "ndt-1.json", ndt)
    # Instruments are read when the app starts (README: drop the file in and restart).
    client = make_app().test_client()
    client.post("/login", data={"username": "outreach", "password": "demo", "device_id": ""})
    page = client.get(f"/people/{demo_data['Dan']}/assessments/new?instrument=ndt-1").get_data(as_text=True)
    assert "Our own words for four" in page and "Settled in their own home (our description)" in page


def test_an_override_cannot_change_the_scoring_or_drop_the_licence(tmp_path):
    folder = tmp_path / "instruments"
    ndt = _shipped_json("ndt-1")
    ndt["domains"][0]["weight"] = 3
    _write(folder, "ndt-1.json", ndt)
    with pytest.raises(InstrumentError, match="scores differently"):
        instruments.load([PACKAGE_DIR, folder])
    shutil.rmtree(folder)
    star = _shipped_json("homelessness-star-3.1")
    star["requires_licence"] = False
    _write(folder, "homelessness-star-3.1.json", star)
    assert instruments.load([PACKAGE_DIR, folder]).get("homelessness-star", "3.1").requires_licence


@pytest.mark.parametrize("name, definition, message", [
    ("broken.json", "{not json", "cannot read"),
    ("our-ndt-2.json", {**VARIANT, "levels": VARIANT["levels"][:3]}, "one level label for each score"),
    ("our-ndt-2.json", {**VARIANT, "domains": VARIANT["domains"] * 2}, "used once"),
    ("our-ndt-2.json", {**VARIANT, "scale": {"min": 0, "max": "4"}}, "scale"),
    ("our-ndt-2.json", {**VARIANT, "colour": "red"}, "colour"),
    ("wrong-name.json", VARIANT, "must be called our-ndt-2.json"),
    ("our-star-1.json", {**VARIANT, "id": "our-star", "version": "1", "kind": "star", "levels": []},
     "stages"),
])
def test_a_bad_file_stops_the_app_loudly(make_app, tmp_path, name, definition, message):
    folder = tmp_path / "instance" / "instruments"
    folder.mkdir(parents=True)
    (folder / name).write_text(definition if isinstance(definition, str) else json.dumps(definition))
    with pytest.raises(InstrumentError, match=message) as error:
        make_app()
    assert name in str(error.value)


def test_the_readme_names_every_shipped_instrument_and_setting():
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    section = readme[readme.index("## Instruments"):]
    for instrument in SHIPPED:
        assert f"`{instrument.key}.json`" in section
    for setting in ("ASSESSMENT_CADENCE_DAYS", "NDT_ELIGIBILITY_THRESHOLD"):
        assert f"`{setting}" in section
    assert "(#outcomes-star-licence-notice)" in section
