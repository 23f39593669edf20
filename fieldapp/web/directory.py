"""The directory of services for caseworkers (README: Directory of services): one page listing
every live entry, kept on the phone like casework and searched there with no signal (a page script
filters the list as the worker types: static/page/directory.js). Online, `?q=` filters on the
server too, so the search works without the script."""

from flask import Blueprint, render_template, request
from flask_login import current_user

from ..db import get_db
from ..reads import directory
from .guards import casework_required

bp = Blueprint("directory", __name__)


@bp.route("/directory")
@casework_required
def index():
    """Every service in the directory (or those matching ?q=), searchable offline."""
    search = request.args.get("q", "")[:200]
    return render_template("directory/index.html", entries=directory.entries(get_db(), search),
                           search=search, may_edit=current_user.role == "coordinator")
