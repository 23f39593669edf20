"""Pages compressed against a dictionary the phone already holds (Compression Dictionary Transport,
RFC 9842): about half the bytes of brotli for every page a phone fetches or keeps (issue 13).

Every page a worker's phone keeps for offline use carries the same layout and GOV.UK's form markup
(issue 13's first sign-in: 29 pages, each about 1.2 kB of layout compressed). A dictionary of that
markup, downloaded once, lets each page go as little more than what differs:

- **Built at set-up** (`python -m fieldapp.web.dictionary static/build/pages.dict`, run by
  scripts/setup.sh when the app's code or templates change): a few pages (`SPECIMEN_PAGES`, and
  the page of a made-up person with two contacts) rendered for a specimen outreach worker on a
  throwaway instance with nobody real in it, so the dictionary holds the app's markup and
  nobody's data. A dictionary that no longer matches the
  templates only compresses less; it is never wrong.
- **Served** as a static file (fieldapp/web/assets.py: versioned URL, immutable) with
  `Use-As-Dictionary: match="/*"`; every page links it (`<link rel="compression-dictionary">`),
  which the browser fetches once when idle.
- **Used** (`packed_with_dictionary`, an after_request hook that runs before flask-compress): a
  browser that holds it says so on every request (`Available-Dictionary`, the SHA-256 of its
  bytes, and `dcz` in Accept-Encoding), and an HTML page then goes as Zstandard with the
  dictionary (`Content-Encoding: dcz`: a 40-byte header naming the dictionary, then the frame).
  Anything else (another dictionary, none, a browser without the feature: Safari, Firefox) gets
  brotli or gzip as before. Chrome and Samsung Internet on Android have it, also in the service
  worker's own fetches (its page refreshes after a sync), which receive the decoded page.
"""

import base64
import hashlib
import os
import secrets
import sys
import tempfile
from pathlib import Path

import zstandard
from flask import current_app, request

NAME = "build/pages.dict"  # under static/
MATCH = 'match="/*"'  # every path of this origin may be compressed against it
SPECIMEN_PAGES = ["/caseload", "/tally/new", "/people/on-phone/contacts/new", "/people/on-phone/edit"]
LEVEL = 12  # a person's page in a few ms; 19 packs about 8% tighter at several times the CPU
# RFC 9842's dcz framing: a Zstandard skippable frame's magic and size, then the dictionary's hash.
DCZ_MAGIC = b"\x5e\x2a\x4d\x18\x20\x00\x00\x00"

_loaded = {}  # path -> (stamp, the hash as the browser names it, its digest, a compressor)


def _dictionary():
    """(the browser's name of the dictionary, its SHA-256, a compressor) or None without one."""
    path = Path(current_app.static_folder) / NAME
    try:
        found = os.stat(path)
    except OSError:
        return None
    stamp = (found.st_mtime_ns, found.st_size)
    cached = _loaded.get(path)
    if cached is None or cached[0] != stamp:
        data = path.read_bytes()
        digest = hashlib.sha256(data).digest()
        prepared = zstandard.ZstdCompressionDict(data, dict_type=zstandard.DICT_TYPE_RAWCONTENT)
        prepared.precompute_compress(level=LEVEL)
        named = ":" + base64.b64encode(digest).decode() + ":"
        cached = _loaded[path] = (stamp, named, digest, prepared)
    return cached[1:]


def packed_with_dictionary(response):
    """Send an HTML page as `dcz` to a browser holding our dictionary (an after_request hook,
    registered after flask-compress's so that it runs first: flask-compress leaves an answer that
    already has a Content-Encoding alone). Every HTML answer says it varies with the dictionary."""
    if response.mimetype != "text/html":
        return response
    response.vary.add("Available-Dictionary")
    if (response.status_code != 200 or "Content-Encoding" in response.headers
            or response.direct_passthrough or response.is_streamed
            or not request.accept_encodings["dcz"]):
        return response
    offered = request.headers.get("Available-Dictionary", "").strip()
    found = _dictionary() if offered else None
    if not found or offered != found[0]:
        return response
    _, digest, prepared = found
    # A compressor per answer (one is not for two threads at once); the prepared dictionary is
    # read only, shared by all, so requests never wait on each other here.
    body = zstandard.ZstdCompressor(level=LEVEL, dict_data=prepared).compress(response.get_data())
    response.set_data(DCZ_MAGIC + digest + body)
    response.headers["Content-Encoding"] = "dcz"
    response.vary.add("Accept-Encoding")
    return response


def serve_headers(response):
    """The dictionary's own answer: the browser keeps it as a dictionary for this origin."""
    if response.status_code == 200:
        response.headers["Use-As-Dictionary"] = MATCH
    return response


def _specimen_person(db, config, worker):
    """A made-up person with two contacts, through the sync engine as a phone would record them
    (the demo's own mutations), so that the dictionary has a person's page too; returns the id."""
    import uuid
    from datetime import datetime, timedelta

    from ..demo import mutation
    from ..records import make_engine

    district = next(iter(config["AREAS"].values()), ["Fenland"])[0]
    person = str(uuid.uuid4())
    now = datetime.now().replace(microsecond=0)
    mutations = [mutation("person", "create", person, {
        "display_name": "Specimen person", "district": district,
        "description": "Made up for the page dictionary"})]
    for days in (1, 8):
        mutations.append(mutation("contact", "create", str(uuid.uuid4()), {
            "person_id": person, "district": district, "place": "Specimen place",
            "contact_at": (now - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M"),
            "contact_type": "street_outreach", "bedded_down": True, "spoken_to": True,
            "what_happened": "Made up for the page dictionary"}))
    make_engine(db, config).push(worker, str(uuid.uuid4()), mutations)
    return person


def build(target):
    """Render `SPECIMEN_PAGES` for a specimen outreach worker on a throwaway instance with nobody
    in it, and write them one after the other to `target`: the dictionary."""
    from .. import create_app, users
    from ..db import open_db
    from ..migrations import migrate

    password = secrets.token_urlsafe(24)
    with tempfile.TemporaryDirectory(prefix="fieldapp-dictionary-") as folder:
        app = create_app({"INSTANCE": folder, "TESTING": True, "RATELIMIT_ENABLED": False,
                          "WTF_CSRF_ENABLED": False, "SECRET_KEY": secrets.token_hex(16),
                          "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 256,
                          "ARGON2_PARALLELISM": 1, "JSON_LOGS": False})
        area = next(iter(app.config["AREAS"]), None)
        db = open_db(app.config["DATABASE"])
        migrate(db)
        worker = users.create_user(db, "specimen", password, "outreach_worker",
                                   display_name="Specimen worker", team="Specimen team", area=area)
        person = _specimen_person(db, app.config, users.User(users.get_user(db, worker)))
        db.close()
        client = app.test_client()
        client.post("/login", data={"username": "specimen", "password": password, "device_id": ""})
        parts = []
        for path in SPECIMEN_PAGES + [f"/people/{person}"]:
            answer = client.get(path, headers={"Accept-Encoding": "identity"})
            if answer.status_code == 200:
                parts.append(answer.get_data())
    Path(target).parent.mkdir(parents=True, exist_ok=True)
    Path(target).write_bytes(b"".join(parts))
    return sum(len(p) for p in parts)


if __name__ == "__main__":
    size = build(sys.argv[1])
    print(f"fieldapp: page dictionary {sys.argv[1]} ({size} bytes)")
