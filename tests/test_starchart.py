"""The star chart and NDT chart are drawn on the server as SVG, with the documented geometry.

Expected coordinates are computed here from the geometry described in fieldapp/starchart.py
(centre 150,150; radius 110; area i at 2πi/n clockwise from the top; r = 110·score/10), not by
calling the code under test.
"""

import math
import re

import pytest

from .assessment_helpers import STAR_KEYS, Pusher, days_ago, mutation, star_fields


def expected_points(scores):
    points = []
    for i, score in enumerate(scores):
        angle = 2 * math.pi * i / 10
        r = 110 * score / 10
        points.append(f"{150 + r * math.sin(angle):.1f},{150 - r * math.cos(angle):.1f}")
    return " ".join(points)


def polygons(page):
    return re.findall(r'<polygon class="app-star__reading[^"]*" data-reading="([^"]+)"\s+points="([^"]+)"', page)


@pytest.fixture
def lee(app, db, demo_data, client, auth):
    """Lee, with no Star readings in the demo data, and a logged-in outreach worker."""
    auth.login("outreach")
    return demo_data["Lee"]


def test_a_single_reading_is_one_polygon_at_the_right_points(app, db, client, lee):
    scores = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]
    m = mutation(star_fields(lee, scores, assessed_on=days_ago(10)))
    assert Pusher(app, db).one("outreach", m)["status"] == "applied"
    page = client.get(f"/people/{lee}").get_data(as_text=True)
    assert polygons(page) == [(m["record_id"], expected_points(scores))]
    # The first spoke points straight up, the sixth straight down.
    first, sixth = expected_points(scores).split()[0], expected_points(scores).split()[5]
    assert first == "150.0,139.0" and sixth == "150.0,216.0"
    assert 'role="img" aria-labelledby="star-title star-desc"' in page
    assert "<title id=\"star-title\">" in page and "Managing tenancy and accommodation 9" in page


def test_the_last_three_final_readings_are_overlaid_oldest_first(app, db, client, lee):
    push = Pusher(app, db)
    readings = []
    for n, days in enumerate([300, 200, 100, 10]):
        scores = [min(10, 1 + n + i % 3) for i in range(10)]
        m = mutation(star_fields(lee, scores, assessed_on=days_ago(days)))
        assert push.one("outreach", m)["status"] == "applied"
        readings.append((m["record_id"], expected_points(scores)))
    push.one("outreach", mutation(star_fields(lee, [10] * 10, status="draft")))  # never charted
    page = client.get(f"/people/{lee}").get_data(as_text=True)
    assert polygons(page) == readings[1:]
    assert page.count("<polygon") == 3
    for style in ("Solid", "Dashed", "Dotted"):
        assert f"{style} line: reading of" in page  # not told apart by colour alone


def test_distance_travelled_compares_first_and_latest_final_readings(app, db, client, lee):
    push = Pusher(app, db)
    first = [2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
    latest = [5, 2, 1, 2, 2, 2, 2, 2, 2, 9]
    push.one("outreach", mutation(star_fields(lee, first, assessed_on=days_ago(200))))
    push.one("outreach", mutation(star_fields(lee, [3] * 10, assessed_on=days_ago(100))))
    push.one("outreach", mutation(star_fields(lee, latest, assessed_on=days_ago(5))))
    page = client.get(f"/people/{lee}").get_data(as_text=True)
    table = page[page.index('class="govuk-table app-distance"'):]
    table = table[:table.index("</table>")]
    rows = re.findall(r'<th scope="row" class="govuk-table__header">([^<]+)</th>\s*'
                      r'<td[^>]*>(\d+)</td>\s*<td[^>]*>(\d+)</td>\s*<td[^>]*>([^<]+)</td>', table)
    assert rows[0] == ("Motivation and taking responsibility", "2", "5", "+3")
    assert rows[2] == ("Managing money and personal administration", "2", "1", "-1")
    assert rows[1][3] == "0" and rows[9][3] == "+7"
    assert len(rows) == len(STAR_KEYS)


def test_ndt_totals_chart_puts_each_total_at_its_date_and_height(client, auth, demo_data):
    auth.login("outreach")
    page = client.get(f"/people/{demo_data['Dan']}").get_data(as_text=True)
    # Plot area: x 36..308, y 130 (0) .. 12 (48); Dan's totals 36 then 32, first and last dates.
    y36, y32 = 130 - 118 * 36 / 48, 130 - 118 * 32 / 48
    assert f'points="36.0,{y36:.1f} 308.0,{y32:.1f}"' in page
    day = r"\d{1,2} [A-Z][a-z]{2} \d{4}"  # a UK date: 30 Nov 2026
    assert re.search(rf"<desc id=\"ndt-1-desc\">{day}: 36; {day}: 32\.</desc>", page)
