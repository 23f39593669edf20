"""Structured logs: one JSON object per line on standard error, each request's with its id.

What is logged is chosen so that nothing personal is: a request is logged by its endpoint name,
method, status, time and the signed-in user's numeric id, never its path (which holds record ids)
or query string (the caseload search holds a name as typed); an exception by its type and where
it happened, never its message (which may quote a value). The request id (`X-Request-Id`, made
here or taken from a proxy when it is a plain token) is in every line logged during the request
and in the answer's header, so a worker's "it failed at 10:42" can be found.
"""

import json
import logging
import re
import sys
import time
import traceback
import uuid

from flask import g, has_request_context, request
from flask_login import current_user

from .. import metrics

REQUEST_ID_HEADER = "X-Request-Id"
_GOOD_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_MARK = "_fieldapp_json"  # on our handler, so a second app in the process adds no second one


class JsonFormatter(logging.Formatter):
    """A log record as one line of JSON: time, level, logger, message, request id, and the
    `fields` a caller passed in `extra`; exceptions by type and frames only."""

    def format(self, record):
        """The line for `record`."""
        line = {"time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + "Z",
                "level": record.levelname.lower(), "logger": record.name,
                "message": record.getMessage()}
        if has_request_context() and "request_id" in g:
            line["request_id"] = g.request_id
        line.update(getattr(record, "fields", {}))
        if record.exc_info:
            kind, _value, trace = record.exc_info
            line["exception"] = kind.__name__ if kind else None
            line["frames"] = [f"{f.filename}:{f.lineno} {f.name}" for f in traceback.extract_tb(trace)]
        return json.dumps(line, default=str)


class _StandardError(logging.StreamHandler):
    """A handler writing to whatever sys.stderr is when it writes (not when it was made)."""

    @property
    def stream(self):
        """The current standard error."""
        return sys.stderr

    @stream.setter
    def stream(self, _value):
        pass


def configure(app) -> None:
    """With JSON_LOGS, send every logger's records (the app's, the sync engine's, waitress') as
    JSON lines to standard error, once per process; and give every request an id."""
    if not app.config["JSON_LOGS"]:
        return
    root = logging.getLogger()
    if not any(getattr(handler, _MARK, False) for handler in root.handlers):
        handler = _StandardError()
        handler.setFormatter(JsonFormatter())
        setattr(handler, _MARK, True)
        root.addHandler(handler)
        root.setLevel(logging.INFO)
    app.logger.handlers.clear()  # Flask's own handler would print a second, plain copy
    app.logger.propagate = True
    # First of all before-request hooks: one that answers early (CSRF, rate limits) skips the rest.
    app.before_request_funcs.setdefault(None, []).insert(0, _request_id)
    app.after_request(_log_request)


def _request_id():
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _GOOD_ID.fullmatch(incoming) else uuid.uuid4().hex
    g.log_started = metrics.clock()


def _log_request(response):
    """One line per request, with no path, query or body in it."""
    if "request_id" not in g:
        _request_id()
    response.headers[REQUEST_ID_HEADER] = g.get("request_id", "")
    started = g.get("log_started")
    # The numeric user id (get_id() is the session token: never logged).
    user_id = current_user.id if current_user and current_user.is_authenticated else None
    logging.getLogger("fieldapp.request").info("request", extra={"fields": {
        "event": "request", "method": request.method, "endpoint": request.endpoint or "unmatched",
        "status": response.status_code, "user_id": user_id,
        "bytes": response.content_length,
        "ms": round((metrics.clock() - started) * 1000, 1) if started is not None else None}})
    return response
