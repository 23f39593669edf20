"""What the app puts on the wire beyond each view: compressed answers, conditional casework pages.

- `compress` (flask-compress): every HTML, JSON, JS and CSS answer of 500 bytes or more goes
  brotli- or gzip-compressed (settings COMPRESS_*), so a default deployment (`fieldapp serve`,
  no proxy) needs nothing in front of it for that. A proxy that compresses too (Caddy's `encode`)
  leaves an answer that already has a Content-Encoding alone, so nothing is compressed twice.
- `packed_once`: a static file (a script, a style sheet, the worker) goes to a browser that takes
  brotli packed at brotli's best (quality 11), once per file version and kept in memory: 8% fewer
  bytes than the per-request quality 5 on the whole shell (issue 13's first load and first
  sign-in), at no cost per request. Under one versioned URL a static file never changes, so its
  packing is done once; pages stay at COMPRESS_BR_LEVEL, which is fast enough per request.
- `conditional_page`: a casework page carries a weak ETag computed from what it shows, and a
  request whose If-None-Match names it is answered 304 with no body. The service worker sends
  its copy's ETag when it refreshes its pages after a sync (static/cached-pages.js), so a page
  whose data did not change costs a few hundred bytes instead of the whole page. Casework pages
  stay `private, no-store` for the browser's HTTP cache: the service worker's own cache is the
  only place they are kept, and it is the only one that asks conditionally.
"""

import hashlib
import threading

import brotli
from flask import current_app, request
from flask_compress import Compress

from .guards import CACHING

compress = Compress()

STATIC_BR_QUALITY = 11
_packed = {}  # (static file, its content hash) -> its bytes packed at STATIC_BR_QUALITY
_packing = threading.Lock()


def packed_once(response, key):
    """Send a static answer brotli-packed at STATIC_BR_QUALITY, packed once for `key` (a file
    and its content hash), where the browser takes brotli and the answer is worth packing;
    otherwise leave it to `compress`. The ETag gets ":br" as flask-compress gives its own, so a
    revalidation still finds the 304."""
    config = current_app.config
    if (response.status_code != 200 or "Content-Encoding" in response.headers
            or response.mimetype not in config["COMPRESS_MIMETYPES"]
            or not request.accept_encodings["br"]):
        return response
    packed = _packed.get(key)
    if packed is None:
        response.direct_passthrough = False  # a file sent from disk: read it here, once
        body = response.get_data()
        if len(body) < config["COMPRESS_MIN_SIZE"]:
            return response
        with _packing:
            packed = _packed.get(key) or brotli.compress(body, quality=STATIC_BR_QUALITY)
            _packed[key] = packed
    response.direct_passthrough = False
    response.set_data(packed)
    response.headers["Content-Encoding"] = "br"
    response.vary.add("Accept-Encoding")
    etag, weak = response.get_etag()
    if etag:
        response.set_etag(f"{etag}:br", weak=weak)
    response.make_conditional(request)
    return response


# The parts of a page that differ on every render without its data changing: when it was drawn
# (the phone shows a copy's age from it) and the CSRF token's timestamp and signature (its first
# part, the session's own token, stays: a page of another session is never "the same").
_RENDERED_AT = b'<meta name="fieldapp-rendered-at" content="'
_CSRF_VALUE = b'name="csrf_token" value="'


def _stable_parts(body: bytes):
    """The page's bytes with the volatile parts cut out, as pieces in order. Found with
    bytes.find, not a regular expression: a pattern of two alternatives (one behind a
    lookbehind) tried at every byte of a 28 kB page cost 0.6 ms, a tenth of the caseload's CPU."""
    at, end = 0, len(body)
    rendered, csrf = body.find(_RENDERED_AT), body.find(_CSRF_VALUE)
    while rendered >= 0 or csrf >= 0:
        if rendered >= 0 and (csrf < 0 or rendered < csrf):
            close = body.find(b'"', rendered + len(_RENDERED_AT))
            if close < 0:  # no closing quote: nothing more to cut
                break
            yield body[at:rendered]  # the whole meta element's start and content go
            at = close + 1
            rendered = body.find(_RENDERED_AT, at)
            if 0 <= csrf < at:
                csrf = body.find(_CSRF_VALUE, at)
        else:
            value = csrf + len(_CSRF_VALUE)
            close = body.find(b'"', value)
            close = end if close < 0 else close
            dot = body.find(b".", value, close)
            if dot >= 0:  # keep the token up to its first dot, drop the rest of the value
                yield body[at:dot]
                at = close
            csrf = body.find(_CSRF_VALUE, close)
            if 0 <= rendered < at:
                rendered = body.find(_RENDERED_AT, at)
    yield body[at:]


def page_etag(body: bytes) -> str:
    """The validator of a page: a hash of its HTML with the volatile parts (render time, CSRF
    timestamp and signature) left out, so two renders of the same data have the same ETag."""
    digest = hashlib.blake2b(digest_size=12)
    for part in _stable_parts(body):
        digest.update(part)
    return digest.hexdigest()


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
