"""UK dates on every page (issue 12 goal 5): "30 Nov 2026, 11:00", "yesterday 23:10",
"today 09:15", "30 Nov 2026", in the programme's time zone (PROGRAMME_TIMEZONE), by one Jinja
filter (fieldapp/web/dates.py); form values and data attributes keep ISO 8601."""

import re
from datetime import date, datetime, timedelta, timezone
from html.parser import HTMLParser
from zoneinfo import ZoneInfo

import pytest

from fieldapp.web.dates import moment_text, uk_date

LONDON = ZoneInfo("Europe/London")
ISO_DAY = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


@pytest.mark.parametrize("value, shown", [
    ("2026-11-30T11:00:00Z", "30 Nov 2026, 11:00"),
    ("2026-07-01T10:00:00Z", "1 Jul 2026, 11:00"),          # summer time: BST
    ("2026-07-01T10:00", "1 Jul 2026, 10:00"),              # a phone's local "when", no zone
    ("2026-03-05T09:07:30.123Z", "5 Mar 2026, 09:07"),      # a phone's recorded_at
    ("2026-11-30", "30 Nov 2026"),
    (date(2026, 9, 4), "4 Sep 2026"),
    ("", ""), (None, ""), ("not a date", "not a date"),
])
def test_a_value_is_shown_as_uk_readers_write_it(app, value, shown):
    with app.app_context():
        assert uk_date(value) == shown


def test_today_and_yesterday_are_named_in_the_programme_zone():
    now = datetime(2026, 12, 1, 0, 30, tzinfo=timezone.utc)
    assert moment_text(datetime(2026, 12, 1, 0, 15, tzinfo=timezone.utc), LONDON, now) == "today 00:15"
    assert moment_text(datetime(2026, 11, 30, 23, 10, tzinfo=timezone.utc), LONDON, now) == "yesterday 23:10"
    assert moment_text(datetime(2026, 11, 29, 23, 10, tzinfo=timezone.utc), LONDON, now) == "29 Nov 2026, 23:10"
    # 23:30 UTC on 30 June is already 1 July in London.
    summer = datetime(2026, 7, 1, 8, 0, tzinfo=timezone.utc)
    assert moment_text(datetime(2026, 6, 30, 23, 30, tzinfo=timezone.utc), LONDON, summer) == "today 00:30"


def test_a_just_stamped_moment_is_today(app):
    with app.app_context():
        stamp = (datetime.now(timezone.utc) - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
        assert uk_date(stamp).startswith(("today ", "yesterday "))  # yesterday only just past midnight


class _ShownText(HTMLParser):
    """The text a reader sees: not scripts, styles, templates (the phone's own words) or
    attribute values."""

    HIDDEN = {"script", "style", "template", "textarea"}

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.text = []

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self.depth += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN:
            self.depth -= 1

    def handle_data(self, data):
        if not self.depth:
            self.text.append(data)


def _shown(html):
    parser = _ShownText()
    parser.feed(html)
    return " ".join(parser.text)


def test_caseload_and_person_pages_show_no_iso_dates(client, auth, demo_data):
    auth.login("outreach")
    dan = demo_data["Dan"]
    for path in ("/caseload", f"/people/{dan}", f"/people/{dan}/assessments/new?instrument=ndt-1",
                 f"/people/{dan}/star/new?instrument=homelessness-star-3.1"):
        html = client.get(path).get_data(as_text=True)
        found = ISO_DAY.findall(_shown(html))
        assert not found, f"{path} shows {found}"
        # ... while the machine-readable dates (datetime, form values) stay ISO.
        assert re.search(r'(datetime|value)="\d{4}-\d{2}-\d{2}', html), path
