"""The worker's own settings: for now, push notifications on this phone (online-only pages)."""

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_login import current_user, login_required

from ..db import get_db
from ..notify import push

bp = Blueprint("account", __name__, url_prefix="/account")


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
