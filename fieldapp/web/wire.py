"""What the app puts on the wire beyond each view: compressed answers, conditional casework pages.

- `compress` (flask-compress): every HTML, JSON, JS and CSS answer of 500 bytes or more goes
  brotli- or gzip-compressed (settings COMPRESS_*), so a default deployment (`fieldapp serve`,
  no proxy) needs nothing in front of it for that. A proxy that compresses too (Caddy's `encode`)
  leaves an answer that already has a Content-Encoding alone, so nothing is compressed twice.
- `conditional_page`: a casework page carries a weak ETag computed from what it shows, and a
  request whose If-None-Match names it is answered 304 with no body. The service worker sends
  its copy's ETag when it refreshes its pages after a sync (static/cached-pages.js), so a page
  whose data did not change costs a few hundred bytes instead of the whole page. Casework pages
  stay `private, no-store` for the browser's HTTP cache: the service worker's own cache is the
  only place they are kept, and it is the only one that asks conditionally.
"""

import hashlib
import re

from flask import request
from flask_compress import Compress

from .guards import CACHING

compress = Compress()

# The parts of a page that differ on every render without its data changing: when it was drawn
# (the phone shows a copy's age from it) and the CSRF token's timestamp and signature (its first
# part, the session's own token, stays: a page of another session is never "the same").
_VOLATILE = re.compile(
    rb'<meta name="fieldapp-rendered-at" content="[^"]*"'
    rb'|(?<=name="csrf_token" value=")([^".]*)\.[^"]*')


def page_etag(body: bytes) -> str:
    """The validator of a page: a hash of its HTML with the volatile parts (render time, CSRF
    timestamp and signature) left out, so two renders of the same data have the same ETag."""
    stable = _VOLATILE.sub(lambda m: m.group(1) or b"", body)
    return hashlib.blake2b(stable, digest_size=12).hexdigest()


def conditional_page(response):
    """Give a casework page its ETag and answer 304 when the phone's copy is current (an
    after_request hook, run before compression: a 304 has nothing to compress)."""
    if (request.method not in ("GET", "HEAD") or CACHING.get(request.blueprint) != "casework"
            or response.status_code != 200 or response.mimetype != "text/html"
            or response.direct_passthrough or response.is_streamed):
        return response
    etag = page_etag(response.get_data())
    response.set_etag(etag, weak=True)
    if request.if_none_match.contains_weak(etag):
        response.status_code = 304
        response.set_data(b"")
        for header in ("Content-Type", "Content-Length", "Content-Security-Policy"):
            response.headers.pop(header, None)
    return response
