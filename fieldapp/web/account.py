"""The signed-in user's own account (online-only pages, every role): their password, the phones
and browsers signed in as them, and push notifications on this phone."""

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template,
                   request, url_for)
from flask_login import current_user, login_required
from marshmallow import Schema, ValidationError, fields, validates_schema

from .. import devices, users
from ..db import get_db
from ..extensions import limiter
from ..notify import push
from ..reads.person import get_person
from ..records.names import lost_name
from ..rules import passwords, unsent
from .auth import home_endpoint
from .dates import uk_date
from .forms import new_password

bp = Blueprint("account", __name__, url_prefix="/account")


# Older templates' name for the one date filter (fieldapp/web/dates.py).
bp.add_app_template_filter(uk_date, "local_time")


@bp.get("/")
@login_required
def index():
    """Your account: links to the password, sign-ins and notifications pages."""
    return render_template("account/index.html")


def _change_schema(username):
    """The form for changing one's own password: the current one, and a new one held to the
    policy that is not the current one (after an admin's reset, not the one-time password)."""

    class ChangePasswordSchema(Schema):
        current_password = fields.String(
            required=True, error_messages={"required": "Enter your current password"})
        new_password = new_password(username)

        @validates_schema
        def _not_the_same(self, data, **kwargs):
            if data["new_password"] == data["current_password"]:
                raise ValidationError("Choose a password different from your current one",
                                      field_name="new_password")

    return ChangePasswordSchema()


def _account_key():
    """flask-limiter's key for the change form: the signed-in account, wherever it asks from."""
    return f"password-change:{getattr(current_user, 'id', None)}"


@bp.route("/password", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN"], methods=["POST"])
@limiter.limit(lambda: current_app.config["RATELIMIT_LOGIN_ACCOUNT"], methods=["POST"],
               key_func=_account_key)
@login_required
def password():
    """Change your own password. Every other session of yours ends; this one goes on. After an
    administrator's reset this is the only page that opens, and it says when the reset was."""
    errors = {}
    db = get_db()
    forced = current_user.must_change_password
    if request.method == "POST":
        form = {name: request.form[name] for name in ("current_password", "new_password")
                if request.form.get(name)}
        try:
            data = _change_schema(current_user.username).load(form)
        except ValidationError as error:
            errors = {name: messages[0] for name, messages in error.messages.items()}
        else:
            if not users.check_password(db, current_user.id, data["current_password"]):
                errors = {"current_password": "Your current password is not correct"}
            else:
                passwords.change_own(db, current_user, data["new_password"])
                flash("Your password has changed. Any other phone or browser signed in as you "
                      "has been signed out.")
                if forced:
                    return redirect(url_for(home_endpoint(current_user.role)))
                return redirect(url_for("account.index"))
    reset_at = users.get_user(db, current_user.id)["password_reset_at"] if forced else None
    return render_template("account/password.html", errors=errors, forced=forced,
                           reset_at=reset_at), (400 if errors else 200)


@bp.get("/sessions")
@login_required
def sessions():
    """The phones and browsers signed in as you, this one marked, each with a way to sign out."""
    signed_in = devices.devices_with_sessions(get_db(), current_user.id,
                                              current_app.config["SESSION_DAYS"])
    return render_template("account/sessions.html", devices=signed_in,
                           this_device=current_user.device_id)


@bp.post("/sessions/<device_id>/end")
@login_required
def end_session(device_id):
    """Sign out another phone or browser of yours. It is not revoked: it can sign in again.
    This phone signs out through its Sign out button instead (the logout flow sends its
    records first and refuses while any wait), so it is never ended here."""
    if device_id == current_user.device_id:
        flash("To sign out of this phone, use its Sign out button: it sends your records first.")
        return redirect(url_for("account.sessions", _anchor="this-phone"))
    if not devices.end_device_sessions(get_db(), current_user.id, device_id):
        abort(404)
    flash("That phone or browser is signed out.")
    return redirect(url_for("account.sessions"))


def named_lost(db, rows):
    """Lost records with the kind's words and the person's name where the viewer may see them."""
    for row in rows:
        person = get_person(db, current_user, row["person_id"]) if row["person_id"] else None
        row["kind"] = lost_name(row["type"])
        row["person_name"] = person["display_name"] if person else None
    return rows


@bp.get("/lost-records")
@login_required
def lost_records():
    """Records of yours that a phone lost before they were sent (rules/unsent.py): enter them again."""
    db = get_db()
    return render_template("account/lost_records.html", lost=named_lost(db, unsent.lost_for_user(db, current_user.id)))


@bp.post("/lost-records/<mutation_id>/done")
@login_required
def lost_record_done(mutation_id):
    """You have entered a lost record again (or it is not needed): it leaves the list."""
    if not unsent.entered_again(get_db(), current_user.id, mutation_id):
        abort(404)
    flash("Taken off the list")
    return redirect(url_for("account.lost_records"))


@bp.get("/notifications")
@login_required
def notifications():
    """Turn notifications on or off for this phone (the page script does the subscribing)."""
    key = push.application_server_key(push.vapid(current_app.config["INSTANCE"]))
    subscribed = push.is_subscribed(get_db(), current_user.id, current_user.device_id)
    return render_template("account/notifications.html", application_server_key=key,
                           subscribed=subscribed, messages=push.MESSAGES)


@bp.post("/notifications/subscriptions")
@login_required
def subscribe():
    """Store this phone's push subscription (JSON from PushManager.subscribe)."""
    try:
        push.subscribe(get_db(), current_app.config, current_user.id, current_user.device_id,
                       request.get_json(silent=True))
    except push.ValidationError as error:
        return jsonify({"error": "bad_request", "messages": error.messages}), 400
    return jsonify({"subscribed": True}), 201


@bp.post("/notifications/subscriptions/delete")
@login_required
def unsubscribe():
    """Forget this phone's subscription."""
    payload = request.get_json(silent=True)
    endpoint = payload.get("endpoint") if isinstance(payload, dict) else None
    push.unsubscribe(get_db(), current_user.id, str(endpoint or ""))
    return jsonify({"subscribed": False})
