"""User and device management for admins (online-only forms; no casework here)."""

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from .. import instruments
from ..devices import list_devices
from ..users import ROLES, AccountError, create_user, get_user, list_users
from ..db import get_db, setting_row
from ..reads import audit
from ..records import make_engine
from ..rules import leavers, licence, passwords
from .forms import PasswordPolicy, new_password
from .guards import admin_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


class NewUserSchema(Schema):
    """The admin's form for a new user."""

    username = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Za-z0-9._-]{2,40}$",
            error="Enter a username of 2 to 40 letters, numbers, dots, dashes or underscores",
        ),
        error_messages={"required": "Enter a username"},
    )
    display_name = fields.String(
        required=True,
        validate=validate.Length(min=1, max=80, error="Enter a name of 80 characters or fewer"),
        error_messages={"required": "Enter the person's name"},
    )
    role = fields.String(
        required=True,
        validate=validate.OneOf(list(ROLES), error="Choose a role"),
        error_messages={"required": "Choose a role"},
    )
    team = fields.String(load_default=None, validate=validate.Length(max=80))
    area = fields.String(load_default=None, validate=validate.Length(max=120))
    # The partner agency a partner agency worker works for (a PARTNER_AGENCIES key); bound to the
    # deployment's agencies in `_new_user_schema`.
    agency = fields.String(load_default=None)
    # The initial password, held to the policy with the username of the form (below).
    password = fields.String(required=True, error_messages={"required": "Enter a password"})

    @validates_schema
    def _password_policy(self, data, **kwargs):
        try:
            PasswordPolicy(data.get("username"))(data.get("password"))
        except ValidationError as error:
            raise ValidationError(error.messages, field_name="password") from error


def _password_schema(username):
    """The admin's form for a new password for the account `username`."""

    class PasswordSchema(Schema):
        password = new_password(username)

    return PasswordSchema()


def _new_user_schema():
    """NewUserSchema with the agency checked against this deployment's partner agencies."""
    agencies = current_app.config["PARTNER_AGENCIES"]

    class Bound(NewUserSchema):
        agency = fields.String(load_default=None, validate=validate.OneOf(
            list(agencies), error="Choose a partner agency from the list"))

    return Bound()


def _form_data(names):
    """The non-empty form fields among `names`."""
    return {name: request.form[name].strip() if name != "password" else request.form[name]
            for name in names if request.form.get(name, "").strip()}


def _user_or_404(user_id):
    user = get_user(get_db(), user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/")
@admin_required
def users():
    """Every user."""
    return render_template("admin/users.html", users=list_users(get_db()), roles=ROLES)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user():
    """Add a user with an initial password."""
    errors, values = {}, {}
    if request.method == "POST":
        values = _form_data(["username", "display_name", "role", "team", "area", "agency",
                             "password"])
        try:
            data = _new_user_schema().load(values)
            user_id = create_user(get_db(), **data)
        except ValidationError as error:
            errors = {name: messages[0] for name, messages in error.messages.items()}
        except AccountError as error:
            errors = {"agency" if "agency" in str(error) else "username": str(error)}
        else:
            flash(f"Added {data['display_name']} ({data['username']})")
            return redirect(url_for("admin.user", user_id=user_id))
    values.pop("password", None)
    return render_template("admin/new_user.html", errors=errors, values=values, roles=ROLES,
                           agencies=current_app.config["PARTNER_AGENCIES"]), (
        400 if errors else 200
    )


@bp.route("/users/<int:user_id>")
@admin_required
def user(user_id):
    """One user: their details, devices, and the actions on them."""
    user = _user_or_404(user_id)
    devices = list_devices(get_db(), user_id)
    return render_template("admin/user.html", user=user, devices=devices, roles=ROLES, errors={},
                           agencies=current_app.config["PARTNER_AGENCIES"])


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@admin_required
def reset_password(user_id):
    """Set a one-time password for a user: their sessions end, they must choose their own at
    sign-in, they are told, and the reset is in the audit trail (rules/passwords.py). An admin's
    own password is changed on their account page, where the current one is asked for."""
    user = _user_or_404(user_id)
    if user_id == current_user.id:
        flash("Change your own password here: it asks for your current one.")
        return redirect(url_for("account.password"))
    try:
        data = _password_schema(user["username"]).load(_form_data(["password"]))
    except ValidationError as error:
        devices = list_devices(get_db(), user_id)
        errors = {name: messages[0] for name, messages in error.messages.items()}
        return render_template("admin/user.html", user=user, devices=devices, roles=ROLES,
                               errors=errors,
                               agencies=current_app.config["PARTNER_AGENCIES"]), 400
    passwords.reset(get_db(), current_app.config, user_id, data["password"], by=current_user,
                    device_id=current_user.device_id)
    flash(f"Password reset for {user['username']}: they are signed out everywhere, and must "
          "choose their own when they next sign in")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@admin_required
def deactivate(user_id):
    """Shut a user out at once."""
    user = _user_or_404(user_id)
    leavers.deactivate(get_db(), user_id)
    flash(f"Deactivated {user['username']}: their sessions have ended and their phones are revoked")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/devices/<device_id>/revoke", methods=["POST"])
@admin_required
def revoke_device(user_id, device_id):
    """Phone lost: the device is revoked and wipes itself at its next sync."""
    _user_or_404(user_id)
    if not any(d["id"] == device_id for d in list_devices(get_db(), user_id)):
        abort(404)
    leavers.revoke_phone(get_db(), device_id)
    flash("Phone revoked: it is signed out. When it next connects it hands over its unsent records"
          " (for a coordinator to accept or discard) and wipes its data")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/instruments", methods=["GET", "POST"])
@admin_required
def instruments_page():
    """The instruments this deployment has, and the Outcomes Star licence switch."""
    db = get_db()
    if request.method == "POST":
        on = request.form.get("star_licence") == "yes"
        licence.set_star_licensed(db, on, current_user.id)
        flash("Outcomes Star switched on: the licence notice is shown wherever it appears" if on
              else "Outcomes Star switched off: its forms are hidden and new readings are refused")
        return redirect(url_for("admin.instruments_page"))
    catalog = instruments.catalog(current_app.config)
    row = setting_row(db, licence.STAR_LICENCE)
    changed_by = get_user(db, row["updated_by"]) if row and row["updated_by"] else None
    return render_template(
        "admin/instruments.html", instruments=list(catalog), licensed=licence.star_licensed(db),
        question=licence.STAR_LICENCE_QUESTION, changed=row, changed_by=changed_by,
        notices=sorted({i.licence_notice for i in catalog if i.requires_licence}))


# --------------------------------------------------------------------------- the audit trail
def _page_number():
    try:
        return max(1, int(request.args.get("page", 1)))
    except ValueError:
        return 1


@bp.route("/audit")
@admin_required
def audit_index():
    """The audit trail: choose a user, or give a person's id (from their page's address)."""
    person_id = request.args.get("person_id", "").strip()
    if person_id:
        return redirect(url_for("admin.audit_person", person_id=person_id))
    return render_template("admin/audit_index.html", users=list_users(get_db()),
                           roles=ROLES)


@bp.route("/audit/people/<person_id>")
@admin_required
def audit_person(person_id):
    """Who viewed or changed one person's record, newest first (paginated)."""
    db = get_db()
    name = audit.person_name(db, person_id)
    if name is None:
        abort(404)
    trail = audit.trail(make_engine(db, current_app.config), person_id=person_id,
                        page=_page_number())
    return render_template("admin/audit_trail.html", trail=trail, subject=name,
                           kind="person", endpoint="admin.audit_person",
                           endpoint_args={"person_id": person_id})


@bp.route("/audit/users/<int:user_id>")
@admin_required
def audit_user(user_id):
    """Every person's record one user viewed or changed, newest first (paginated)."""
    user = _user_or_404(user_id)
    trail = audit.trail(make_engine(get_db(), current_app.config), user_id=user_id,
                        page=_page_number())
    return render_template("admin/audit_trail.html", trail=trail, subject=user["display_name"],
                           kind="user", endpoint="admin.audit_user",
                           endpoint_args={"user_id": user_id})
