"""The returns (README: Measures and returns): downloads of the figures, the de-identified
per-person return, the monthly rough-sleeping return and the Change Forum lessons, each as CSV
(reads/csv_export.py) or as an .xlsx workbook with the same columns (reads/xlsx_export.py). Online
only. Each download asks for the user's password again (a POST form with CSRF), is refused to
roles that may not see the people behind it, and is written to the audit trail with how many rows
it held and in which format."""

from flask import Blueprint, Response, abort, current_app, render_template, request
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate

from .. import audit, users
from ..db import get_db
from ..extensions import limiter
from ..reads import returns as tables
from ..reads import xlsx_export
from ..reads.csv_export import to_csv
from ..rules import access
from ..timeutil import programme_today
from .measures import chosen_areas, chosen_period, measures_required

bp = Blueprint("returns", __name__)

RETURNS = {
    "figures": ("Figures", "Every number on the measures page, one row each."),
    "rough-sleeping": ("Rough-sleeping return", "One row per month: people seen bedded down, new, "
                       "returning, continuing, long-term, leaving an institution."),
    "lessons": ("Change Forum lessons", "One row per lesson from a forum in the period: area, "
                "day, partner, level of action, issue, linked barriers."),
    "people": ("Per-person return (de-identified)", "One row per person of the cohort under a "
               "pseudonymous id: banded details, areas of disadvantage, NDT, Star and housing per "
               "wave, exit destination."),
}


# Each format: (file extension, media type, writer of (header, rows, the return's title) to bytes).
FORMATS = {"csv": ("csv", "text/csv", lambda header, rows, _title: to_csv(header, rows)),
           "xlsx": ("xlsx", xlsx_export.MIMETYPE, xlsx_export.to_xlsx)}


class ExportSchema(Schema):
    """What an export form sends: the user's password again (the period and area travel in the
    query string, as on the measures page)."""

    password = fields.String(required=True, validate=validate.Length(min=1, max=1000),
                             error_messages={"required": "Enter your password"})
    # Which button was pressed: the CSV (also what Enter in the password field sends) or .xlsx.
    file_format = fields.String(data_key="format", load_default="csv", validate=validate.OneOf(
        list(FORMATS), error="Choose CSV or Excel"))


def may_take(kind) -> bool:
    """True if the current user may take this return (README: Measures and returns)."""
    if kind == "people":
        return access.may_export_people(current_user)
    return bool(access.measure_areas(current_user, current_app.config))


def _page(errors=None, status=200):
    config = current_app.config
    areas, area, offered = chosen_areas(request.args, config)
    period, _ = chosen_period(request.args, programme_today(config))
    offered_returns = [(kind, *text) for kind, text in RETURNS.items() if may_take(kind)]
    return render_template("returns/index.html", returns=offered_returns, errors=errors or {},
                           period=period, area=area, areas=areas), status


def _account_key():
    return f"export:{getattr(current_user, 'id', None)}"


@bp.route("/measures/returns")
@measures_required
def index():
    """The returns this user may download for the chosen area and period."""
    return _page()


@bp.route("/measures/returns/<kind>", methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_ACCOUNT"], key_func=_account_key)
@measures_required
def download(kind):
    """One return as CSV or .xlsx, after the password is given again; audited with its row count
    and format."""
    if kind not in RETURNS:
        abort(404)
    if not may_take(kind):
        abort(403)
    try:
        data = ExportSchema().load({k: v for k, v in request.form.items()
                                    if k in ("password", "format")})
    except ValidationError as error:
        return _page({kind: next(iter(error.messages.values()))[0]}, 400)
    db, config = get_db(), current_app.config
    if not users.check_password(db, current_user.id, data["password"]):
        return _page({kind: "Your password is not correct"}, 400)
    areas, _area, _offered = chosen_areas(request.args, config)
    period, _ = chosen_period(request.args, programme_today(config))
    header, rows = tables.RETURNS[kind](db, areas, period, config)
    extension, mimetype, write = FORMATS[data["file_format"]]
    audit.record_export(db, current_user, f"{kind} {period.start}..{period.end} {', '.join(areas)}"
                        f" ({extension})", len(rows), device_id=current_user.device_id)
    name = f"fieldapp-{kind}-{period.start}-{period.end}.{extension}"
    response = Response(write(header, rows, RETURNS[kind][0]), mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    response.headers["Cache-Control"] = "no-store"
    return response
