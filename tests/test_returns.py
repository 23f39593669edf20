"""The returns (README: Measures and returns): CSV that a spreadsheet opens safely, the per-person
return's pseudonymous ids, each return against the hand-built programme (tests/measures_world.py,
answers worked out by hand), and the download's password, roles and audit."""

import csv
import io
import zipfile

import openpyxl

import pytest

from fieldapp import create_app
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from fieldapp.reads import returns
from fieldapp.reads.csv_export import safe_cell, to_csv
from fieldapp.reads.xlsx_export import to_xlsx
from fieldapp.rules import pseudonyms
from tests.conftest import TEST_CONFIG
from tests.measures_world import A, PERIOD, build

Q3 = "from=2026-07-01&to=2026-09-30"


@pytest.fixture
def world(app, db):
    return build(db, app.config)


def read_csv(data: bytes):
    assert data.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))


def test_formula_cells_are_neutralised_and_everything_round_trips():
    cells = ["=1+2", "+44 1234", "-x", "@SUM(A1)", "\tx", "\rx", "plain", 'Zoë, "quoted"\nline',
             -9, 3.5, None, True, "=HYPERLINK(\"http://x\")"]
    [header, row] = read_csv(to_csv(["a"] * len(cells), [cells]))
    assert row == ["'=1+2", "'+44 1234", "'-x", "'@SUM(A1)", "'\tx", "'\rx", "plain",
                   'Zoë, "quoted"\nline', "-9", "3.5", "", "1", "'=HYPERLINK(\"http://x\")"]
    assert safe_cell(-9) == "-9" and safe_cell("-9") == "'-9"


def read_xlsx(data: bytes):
    """The workbook's one sheet as rows of openpyxl cells, after checking that no cell anywhere
    in the file is a formula (no <f> element in any sheet's XML, no cell of type "f")."""
    with zipfile.ZipFile(io.BytesIO(data)) as parts:
        sheets = [n for n in parts.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and not any(b"<f>" in parts.read(n) or b"<f " in parts.read(n) for n in sheets)
    book = openpyxl.load_workbook(io.BytesIO(data))
    [sheet] = book.worksheets
    rows = [list(row) for row in sheet.iter_rows()]
    assert not any(cell.data_type == "f" for row in rows for cell in row)
    return rows


def test_an_xlsx_holds_formula_like_text_as_text_and_numbers_as_numbers():
    cells = ["=1+2", "+44 1234", "-x", "@SUM(A1)", "\tx", "plain", 'Zoë, "quoted"\nline', -9, 3.5,
             None, True, "=HYPERLINK(\"http://x\")", "0123", "2026-07-01"]
    [header, row] = read_xlsx(to_xlsx(["a"] * len(cells), [cells]))
    assert [c.value for c in header] == ["a"] * len(cells) and header[0].font.b
    assert [c.value for c in row] == ["=1+2", "+44 1234", "-x", "@SUM(A1)", "\tx", "plain",
                                      'Zoë, "quoted"\nline', -9, 3.5, None, 1,
                                      "=HYPERLINK(\"http://x\")", "0123", "2026-07-01"]
    # Text that starts like a formula keeps Excel's quote prefix: it stays text when edited.
    assert [c.quotePrefix for c in row[:5]] == [True] * 5 and not row[5].quotePrefix
    assert [c.data_type for c in row[:7]] == ["s"] * 7 and row[12].data_type == "s"
    assert row[7].data_type == "n" and row[8].data_type == "n"


def test_pseudonyms_are_stable_in_an_instance_and_differ_across_instances(tmp_path):
    apps = [create_app({**TEST_CONFIG, "INSTANCE": tmp_path / name}) for name in ("one", "two")]
    again = create_app({**TEST_CONFIG, "INSTANCE": tmp_path / "one"})
    secrets_ = [a.config["PSEUDONYM_SECRET"] for a in (*apps, again)]
    assert secrets_[0] == secrets_[2] != secrets_[1]
    assert (tmp_path / "one" / "pseudonym_secret").stat().st_mode & 0o077 == 0
    person = "6f1c2b9e-0000-4000-8000-000000000001"
    one, two = (pseudonyms.pseudonym(s, person) for s in secrets_[:2])
    assert one == pseudonyms.pseudonym(secrets_[2], person) and one != two and len(one) == 16
    assert person not in one
    chosen = create_app({**TEST_CONFIG, "INSTANCE": tmp_path / "three", "PSEUDONYM_SECRET": "s"})
    assert chosen.config["PSEUDONYM_SECRET"] == "s"


def test_the_per_person_return(app, world, db):
    header, rows = returns.people(db, [A], PERIOD, app.config)
    # The cohort at 30 Sep 2026: Ann, Ben, Cal, Fay (Dee merged into Ann, Eve moved away, Gus
    # never engaged).
    assert len(rows) == 4
    by_id = {row[0]: dict(zip(header, row)) for row in rows}
    ann = by_id[pseudonyms.pseudonym(app.config["PSEUDONYM_SECRET"], world.people["Ann"])]
    assert {k: ann[k] for k in ("area", "start_quarter", "end_quarter", "homelessness", "gender",
                                "ethnicity", "age_band", "star_edition", "exit_destination")} == {
        "area": A, "start_quarter": "2025-Q2", "end_quarter": -8, "homelessness": -9,
        "gender": "woman", "ethnicity": "white_british", "age_band": "25-34",
        "star_edition": "homelessness-star 3.1", "exit_destination": -8}
    waves = [(ann[f"ndt_total_m{w}"], ann[f"star_total_m{w}"], ann[f"housing_m{w}"])
             for w in returns.WAVES]
    # m0 1 Jun 2025: NDT 30, no Star, rough sleeping. m3: NDT 24 (10 Sep), hostel. m6 1 Dec: NDT
    # 32 (20 Dec), Star of 10 Jan 2026 (40 days: 8 areas at 5 + 3 + 4 = 47), settled. m12 1 Jun
    # 2026: no final NDT within 45 days, Star of 10 Jul (39 days: 40 + 6 + 2 = 48), settled. m18
    # is after the period.
    assert waves == [(30, -9, "rough_sleeping"), (24, -9, "hostel"), (32, 47, "settled_tenancy"),
                     (-9, 48, "settled_tenancy"), (-8, -8, -8)]
    fay = next(r for r in by_id.values() if r["exit_destination"] == "custody")
    assert fay["end_quarter"] == "2026-Q3" and fay["ethnicity"] == "prefer_not_to_say"
    assert fay["housing_m18"] == "prison"


def test_the_rough_sleeping_return(app, world, db):
    world.contact("Ann", "2026-09-05T06:00", "Fenland", True, False)
    world.contact("Fay", "2026-09-10T06:00", "Fenland", True, True)
    header, rows = returns.rough_sleeping(db, [A], PERIOD, app.config)
    got = [dict(zip(header, row)) for row in rows]
    keys = ("month", "seen_rough_sleeping", "new", "returning", "continuing", "long_term",
            "leaving_institution", "bedded_down_contacts")
    # July: Ann (seen in May 2025, not June: returning), Cal (new). August: Ann (seen in July:
    # continuing). September: Ann (July, August, September: long-term) and Fay (new, in prison
    # the day before: leaving an institution). Ben's bedded-down contact was deleted; Eve's is B's.
    assert [tuple(g[k] for k in keys) for g in got] == [
        ("2026-07", 2, 1, 1, 0, 0, 0, 2), ("2026-08", 1, 0, 0, 1, 0, 0, 1),
        ("2026-09", 2, 1, 0, 0, 1, 1, 2)]


def test_the_figures_return_has_every_measure(app, world, db):
    header, rows = returns.figures(db, [A], PERIOD, app.config)
    named = {(row[3], row[4]): row[5] for row in rows}
    assert named[("Contacts by district and month", "counts.Fenland/2026-07")] == 2
    assert named[("StreetLink follow-ups", "follow_ups")] == 1
    assert named[("NDT total fallen at 3, 6 and 12 months", "points.3.percent")] == 67
    assert len({row[3] for row in rows}) == 18


# ----------------------------------------------------------------- the download
def test_a_download_asks_for_the_password_and_is_audited(client, world, db, auth):
    auth.login("coord")
    assert client.post(f"/measures/returns/people?{Q3}", data={}).status_code == 400
    wrong = client.post(f"/measures/returns/people?{Q3}", data={"password": "nope"})
    assert wrong.status_code == 400 and "not correct" in wrong.get_data(as_text=True)
    response = client.post(f"/measures/returns/people?{Q3}", data={"password": "demo"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert response.headers["Cache-Control"] == "no-store"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response.data)
    assert rows[0][0] == "pseudonym" and len(rows) == 5
    again = read_csv(client.post(f"/measures/returns/people?{Q3}", data={"password": "demo"}).data)
    assert sorted(r[0] for r in again) == sorted(r[0] for r in rows)  # the same pseudonyms
    [event] = list(db.query("SELECT * FROM audit_event WHERE action = 'export' LIMIT 1"))
    assert event["user_id"] == world.users["coord"].id and event["row_count"] == 4
    assert event["detail"].startswith("people 2026-07-01..2026-09-30 " + A) and event["at"]


def same_cell(cell, text):
    """Whether a workbook cell holds what the CSV wrote as `text`: a number of the same value
    (a workbook keeps 4.0 as 4), or the same text less the CSV's neutralising apostrophe."""
    if cell.value is None:
        return text == ""
    if cell.data_type == "n":
        return float(text) == float(cell.value)
    return cell.data_type == "s" and text == (cell.value if not cell.value.startswith(
        ("=", "+", "-", "@", "\t", "\r")) else "'" + cell.value)


def test_every_return_downloads_as_xlsx_with_the_csv_columns(client, world, db, auth):
    auth.login("boss")
    counts = []
    for kind in ("figures", "people", "rough-sleeping", "lessons"):
        as_csv = read_csv(client.post(f"/measures/returns/{kind}?{Q3}", data={"password": "demo"}).data)
        response = client.post(f"/measures/returns/{kind}?{Q3}",
                               data={"password": "demo", "format": "xlsx"})
        assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
        assert response.mimetype.endswith("spreadsheetml.sheet")
        assert response.headers["Content-Disposition"].endswith('.xlsx"')
        rows = read_xlsx(response.data)
        # The same cells as the CSV: text as the CSV has it (less the CSV's apostrophe), numbers
        # as numbers (a workbook keeps 4.0 as 4).
        assert [len(row) for row in rows] == [len(row) for row in as_csv], kind
        assert all(same_cell(cell, text) for row, csv_row in zip(rows, as_csv)
                   for cell, text in zip(row, csv_row)), kind
        counts += [len(as_csv) - 1] * 2
    events = list(db.query("SELECT detail, row_count FROM audit_event WHERE action = 'export'"
                           " ORDER BY id"))
    # Each download audited with its rows and its format.
    assert [e["row_count"] for e in events] == counts and counts[2] > 0
    assert [e["detail"].rsplit(" ", 1)[1] for e in events] == ["(csv)", "(xlsx)"] * 4
    assert events[3]["detail"].startswith("people 2026-07-01..2026-09-30 ")


def test_a_formula_typed_into_a_lesson_is_text_in_the_xlsx(app, client, world, db, auth):
    from fieldapp.records import push_create

    push_create(db, app.config, world.users["coord"], "lesson", {
        "area": A, "partner": "=cmd|' /C calc'!A0", "issue": "-2+3", "level": "service",
        "forum_on": "2026-08-12"})
    auth.login("coord")
    rows = read_xlsx(client.post(f"/measures/returns/lessons?{Q3}",
                                 data={"password": "demo", "format": "xlsx"}).data)
    partner, issue = rows[1][2], rows[1][4]
    assert (partner.value, partner.data_type, partner.quotePrefix) == ("=cmd|' /C calc'!A0", "s", True)
    assert (issue.value, issue.data_type) == ("-2+3", "s")


@pytest.mark.parametrize("data, message", [
    ({"format": "xlsx"}, "Enter your password"), ({"password": "nope", "format": "xlsx"}, "not correct"),
    ({"password": "demo", "format": "pdf"}, "Choose CSV or Excel")])
def test_an_xlsx_is_refused_as_the_csv_is(client, world, db, auth, data, message):
    auth.login("coord")
    response = client.post(f"/measures/returns/figures?{Q3}", data=data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert not list(db.query("SELECT 1 FROM audit_event WHERE action = 'export'"))


@pytest.mark.parametrize("username, kind, status", [
    ("coord", "figures", 200), ("coord", "rough-sleeping", 200), ("boss", "people", 200),
    ("admin", "figures", 200), ("admin", "people", 403), ("out", "figures", 403),
    ("partner", "rough-sleeping", 403), ("tp1", "people", 403), ("coord", "nothing", 404)])
@pytest.mark.parametrize("file_format", ["csv", "xlsx"])
def test_who_may_take_which_return(client, world, auth, username, kind, status, file_format):
    auth.login(username)
    response = client.post(f"/measures/returns/{kind}?{Q3}",
                           data={"password": "demo", "format": file_format})
    assert response.status_code == status


def test_the_returns_page_offers_only_what_the_role_may_take(client, world, auth):
    auth.login("admin")
    page = client.get(f"/measures/returns?{Q3}").get_data(as_text=True)
    assert "Rough-sleeping return" in page and "Per-person return" not in page
    auth.logout()
    auth.login("boss")
    assert "Per-person return" in client.get(f"/measures/returns?{Q3}").get_data(as_text=True)


def test_an_old_database_gains_the_export_column(tmp_path):
    db = open_db(str(tmp_path / "x.db"))
    migrate(db)
    assert "row_count" in db["audit_event"].columns_dict


def test_the_lessons_return_and_an_admin_makes_a_manager(app, client, world, db, auth):
    from fieldapp.records import push_create

    _id, result = push_create(db, app.config, world.users["coord"], "lesson", {
        "area": A, "partner": "=cmd|' /C calc'!A0", "issue": "Phones taken at the door",
        "level": "service", "forum_on": "2026-08-12"})
    assert result["status"] == "applied"
    header, rows = returns.lessons(db, [A], PERIOD, app.config)
    assert header[:4] == ["area", "forum_on", "partner", "level"] and len(rows) == 1
    auth.login("boss")
    got = read_csv(client.post(f"/measures/returns/lessons?{Q3}", data={"password": "demo"}).data)
    assert got[1][2] == "'=cmd|' /C calc'!A0"  # a formula typed into a form is text in the file
    auth.logout()
    auth.login("admin")
    made = client.post("/admin/users/new", data={"username": "board", "display_name": "Board",
                                                 "role": "manager", "password": "Quarterly-Figures-Heron-7731"})
    assert made.status_code in (200, 302), made.get_data(as_text=True)[:500]
    assert db.execute("SELECT role FROM user WHERE username = 'board'").fetchone()[0] == "manager"
