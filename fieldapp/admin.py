"""User and device management for admins (online-only forms; no casework here)."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from marshmallow import Schema, ValidationError, fields, validate

from . import accounts
from .auth import role_required
from .db import get_db

bp = Blueprint("admin", __name__, url_prefix="/admin")

admin_required = role_required("admin")


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
        validate=validate.OneOf(list(accounts.ROLES), error="Choose a role"),
        error_messages={"required": "Choose a role"},
    )
    team = fields.String(load_default=None, validate=validate.Length(max=80))
    area = fields.String(load_default=None, validate=validate.Length(max=120))
    password = fields.String(
        required=True,
        validate=validate.Length(min=8, error="Enter a password of at least 8 characters"),
        error_messages={"required": "Enter a password"},
    )


class PasswordSchema(Schema):
    """The admin's form for a new password."""

    password = fields.String(
        required=True,
        validate=validate.Length(min=8, error="Enter a password of at least 8 characters"),
        error_messages={"required": "Enter a password"},
    )


def _form_data(names):
    """The non-empty form fields among `names`."""
    return {name: request.form[name].strip() if name != "password" else request.form[name]
            for name in names if request.form.get(name, "").strip()}


def _user_or_404(user_id):
    user = accounts.get_user(get_db(), user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/")
@admin_required
def users():
    """Every user."""
    return render_template("admin/users.html", users=accounts.list_users(get_db()), roles=accounts.ROLES)


@bp.route("/users/new", methods=["GET", "POST"])
@admin_required
def new_user():
    """Add a user with an initial password."""
    errors, values = {}, {}
    if request.method == "POST":
        values = _form_data(["username", "display_name", "role", "team", "area", "password"])
        try:
            data = NewUserSchema().load(values)
            user_id = accounts.create_user(get_db(), **data)
        except ValidationError as error:
            errors = {name: messages[0] for name, messages in error.messages.items()}
        except accounts.AccountError as error:
            errors = {"username": str(error)}
        else:
            flash(f"Added {data['display_name']} ({data['username']})")
            return redirect(url_for("admin.user", user_id=user_id))
    values.pop("password", None)
    return render_template("admin/new_user.html", errors=errors, values=values, roles=accounts.ROLES), (
        400 if errors else 200
    )


@bp.route("/users/<int:user_id>")
@admin_required
def user(user_id):
    """One user: their details, devices, and the actions on them."""
    user = _user_or_404(user_id)
    devices = accounts.list_devices(get_db(), user_id)
    return render_template("admin/user.html", user=user, devices=devices, roles=accounts.ROLES, errors={})


@bp.route("/users/<int:user_id>/password", methods=["POST"])
@admin_required
def reset_password(user_id):
    """Set a new password for a user (they keep their sessions)."""
    user = _user_or_404(user_id)
    try:
        data = PasswordSchema().load(_form_data(["password"]))
    except ValidationError as error:
        devices = accounts.list_devices(get_db(), user_id)
        errors = {name: messages[0] for name, messages in error.messages.items()}
        return render_template("admin/user.html", user=user, devices=devices, roles=accounts.ROLES,
                               errors=errors), 400
    accounts.set_password(get_db(), user_id, data["password"])
    flash(f"Password changed for {user['username']}")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
@admin_required
def deactivate(user_id):
    """Shut a user out at once."""
    user = _user_or_404(user_id)
    accounts.deactivate_user(get_db(), user_id)
    flash(f"Deactivated {user['username']}: their sessions have ended and their phones are revoked")
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/users/<int:user_id>/devices/<device_id>/revoke", methods=["POST"])
@admin_required
def revoke_device(user_id, device_id):
    """Phone lost: the device is revoked and wipes itself at its next sync."""
    _user_or_404(user_id)
    if not any(d["id"] == device_id for d in accounts.list_devices(get_db(), user_id)):
        abort(404)
    accounts.revoke_device(get_db(), device_id)
    flash("Phone revoked: it is signed out and will wipe its data when it next connects")
    return redirect(url_for("admin.user", user_id=user_id))
