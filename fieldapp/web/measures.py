"""The measures page and the returns (README: Measures): read-only, online pages for coordinators
(their area), managers and admins (every area). The figures are plain functions in
fieldapp/reads/measures.py and reads/outcomes.py, listed once in reads/measure_sheet.py; the views
here only choose the areas and the period and draw the charts' geometry."""

from datetime import date

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user

from .. import users
from ..db import get_db
from ..reads import bars, measure_sheet
from ..reads.measures import Period, quarter_of
from ..rules import access, licence
from ..timeutil import programme_today
from .guards import role_required

bp = Blueprint("measures", __name__)
measures_required = role_required(*users.MEASURE_ROLES)
# The longest period the page computes in one go (a few years of returns).
MAX_DAYS = 5 * 366


def chosen_areas(args, app_config):
    """(the areas to count over, the area chosen or "" for all of them, the areas offered): a
    coordinator always their own; a manager or admin any one area, or every area."""
    allowed = access.measure_areas(current_user, app_config)
    area = args.get("area", "")
    if area in allowed:
        return [area], area, allowed
    return allowed, "", allowed


def chosen_period(args, today):
    """(the Period asked for by ?from=&to= (YYYY-MM-DD), or this quarter; error messages). A date
    that is not one, an end before the start or a span over MAX_DAYS falls back to the quarter."""
    quarter = quarter_of(today)
    raw_from, raw_to = args.get("from", ""), args.get("to", "")
    if not raw_from and not raw_to:
        return quarter, {}
    errors, days = {}, {}
    for name, raw, default in (("from", raw_from, quarter.start), ("to", raw_to, quarter.end)):
        try:
            days[name] = date.fromisoformat(raw) if raw else default
        except ValueError:
            errors[name] = "Enter a real date, for example 2026-10-01"
    if errors:
        return quarter, errors
    if days["to"] < days["from"]:
        return quarter, {"to": "The end must be on or after the start"}
    if (days["to"] - days["from"]).days > MAX_DAYS:
        return quarter, {"to": "Choose a period of five years or less"}
    return Period(days["from"], days["to"]), {}


def charts(figures):
    """The bar charts' geometry for the figures that read faster as a picture."""
    drawn = {}
    contacts = figures.get("contacts")
    if contacts:
        drawn["contacts"] = bars.bar_chart(
            [(month, contacts["by_month"][month]) for month in contacts["months"]])
    for key, suffix in (("ndt_fall", " months"), ("stable_housing", " months")):
        if key in figures:
            drawn[key] = bars.bar_chart(
                [(f"{p['months']}{suffix}", p["percent"]) for p in figures[key]["points"]],
                maximum=100, suffix="%")
    caseloads = figures.get("caseloads")
    if caseloads and caseloads["workers"]:
        drawn["caseloads"] = bars.bar_chart(
            [(w["name"], w["people"]) for w in caseloads["workers"]],
            maximum=max([caseloads["cap"]] + [w["people"] for w in caseloads["workers"]]))
    return drawn


@bp.route("/measures")
@measures_required
def index():
    """The measures for the chosen areas and period, each with how it is counted."""
    db, config = get_db(), current_app.config
    areas, area, offered = chosen_areas(request.args, config)
    period, errors = chosen_period(request.args, programme_today(config))
    figures = measure_sheet.compute(db, areas, period, config)
    sections = measure_sheet.sections(config)
    if not licence.star_licensed(db):
        for key in ("star_movement", "priority"):  # Star measures need the licence
            figures.pop(key)
        sections = [s for s in sections if s["key"] in figures]
    return render_template(
        "measures/index.html", figures=figures, sections=sections, charts=charts(figures),
        period=period, errors=errors, area=area, areas=areas, offered=offered,
        months_label=_month_label, may_export_people=access.may_export_people(current_user))


def _month_label(month):
    """"2026-10" as "Oct 2026"."""
    return date.fromisoformat(month + "-01").strftime("%b %Y")
