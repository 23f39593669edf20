"""How heavy is the app shell on a first load? Prints gzipped sizes; asserts nothing.

    .venv/bin/python bench/shell_weight.py

DESIGN.md's target: the app shell's first load at most 50 KB gzipped; issue 13's goal: 35 KB.

The first load: the static files the service worker precaches at install
(fieldapp.web.shell.PRECACHED_STATIC: the style sheet, the two script bundles every page loads,
GOV.UK's reveals; the first page itself loads the same URLs), the service worker itself, and one
rendered caseload page from the demo data, each as the app serves it (our scripts minified at
set-up, /sw.js with its lists written in), gzipped one by one as a proxy sends them (the issue's
measure), and beside it as the app itself sends each to a phone that takes brotli (every browser
the app targets): static files packed once at brotli's best (fieldapp/web/wire.py `packed_once`),
the page at COMPRESS_BR_LEVEL.

Printed apart, and not in that figure: what the worker precaches once the first page has shown
(PRECACHED_LATER: the page bundles of the contact form, the directory and the barriers list, the
assessment forms' script, and the icons the browser also fetches for the home screen). They are
downloaded on a first sign-in too, after the caseload is on the screen, so a phone that never
opened a form has it offline; the total of both is printed as well. For everything a first
sign-in takes from the network, see bench/first_signin.py.
"""

import gzip
import tempfile

from fieldapp import create_app, demo
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from fieldapp.web.shell import PRECACHED_LATER, PRECACHED_STATIC


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def served(client, url, encoding="identity"):
    response = client.get(url, headers={"Accept-Encoding": encoding})
    assert response.status_code == 200, (url, response.status_code)
    data = response.get_data()
    response.close()
    return data


def sizes(client, url):
    """(raw bytes, gzipped bytes, bytes as the app sends them to a phone that takes brotli)."""
    data = served(client, url)
    return len(data), gzipped(data), len(served(client, url, "br, gzip"))


def main(argv=None):
    """Measure and print the first load's weight; return it, gzipped bytes by file and in all
    (bench/limit.py's table). `argv` is ignored: the bench has no options."""
    instance = tempfile.mkdtemp(prefix="fieldapp-weight-")
    app = create_app({"TESTING": True, "INSTANCE": instance, "SECRET_KEY": "bench",
                      "RATELIMIT_ENABLED": False, "WTF_CSRF_ENABLED": False})
    db = open_db(app.config["DATABASE"])
    migrate(db)
    demo.load_demo(db, app.config)
    db.close()
    client = app.test_client()

    rows = [(name, *sizes(client, f"/static/{name}")) for name in PRECACHED_STATIC]
    rows.append(("sw.js", *sizes(client, "/sw.js")))
    client.post("/login", data={"username": "outreach", "password": "demo", "device_id": ""})
    rows.append(("caseload page (HTML)", *sizes(client, "/caseload")))
    later = [(name, *sizes(client, f"/static/{name}")) for name in PRECACHED_LATER]

    width = max(len(name) for name, *_ in rows + later) + 2
    first, first_sent = sum(r[2] for r in rows), sum(r[3] for r in rows)
    deferred, deferred_sent = sum(r[2] for r in later), sum(r[3] for r in later)

    def line(name, raw, packed, sent):
        raw = f"{raw / 1024:7.1f} KB" if raw is not None else " " * 10
        print(f"  {name:<{width}}  {raw}  {packed / 1024:6.1f} KB gzipped  {sent / 1024:6.1f} KB as sent")

    print("First load (what the first page and the worker's install take):")
    for row in rows:
        line(*row)
    line("first load (shell + caseload)", None, first, first_sent)
    print("  (goal: 35 KB gzipped; DESIGN.md: 50 KB; 'as sent': as the app sends it to a phone, brotli)")
    print("Precached once the first page has shown (not in the figure above):")
    for row in later:
        line(*row)
    line("deferred part", None, deferred, deferred_sent)
    line("both: the whole shell", None, first + deferred, first_sent + deferred_sent)
    return {"total_gzip": first, "total_sent": first_sent, "deferred_gzip": deferred,
            "files": {name: packed for name, _, packed, _ in rows}}


if __name__ == "__main__":
    main()
