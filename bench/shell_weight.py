"""How heavy is the app shell on a first load? Prints gzipped sizes; asserts nothing.

    .venv/bin/python bench/shell_weight.py

DESIGN.md's target: the app shell's first load at most 50 KB gzipped; issue 13's goal: 35 KB. Counts
the static files the service worker precaches (fieldapp.web.shell.PRECACHED_STATIC: the style sheet,
the two script bundles of fieldapp/web/assets.py, GOV.UK's reveals, the assessment forms' script),
the service worker itself, and one rendered caseload page from the demo data, each as the app
serves it (our scripts minified at set-up, /sw.js with its lists written in), gzipped one by one as
a proxy sends them. Icons are counted apart: the browser fetches them for the home screen, not to
draw the first page. For everything a first sign-in takes from the network, see
bench/first_signin.py.
"""

import gzip
import tempfile

from fieldapp import create_app, demo
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from fieldapp.web.shell import PRECACHED_STATIC


def gzipped(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def served(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    data = response.get_data()
    response.close()
    return data


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

    rows, icons = [], []
    for name in PRECACHED_STATIC:
        data = served(client, f"/static/{name}")
        (icons if name.startswith("icons/") else rows).append((name, len(data), gzipped(data)))
    sw = served(client, "/sw.js")
    rows.append(("sw.js", len(sw), gzipped(sw)))
    client.post("/login", data={"username": "outreach", "password": "demo", "device_id": ""})
    page = served(client, "/caseload")
    rows.append(("caseload page (HTML)", len(page), gzipped(page)))

    width = max(len(name) for name, *_ in rows + icons)
    for name, raw, packed in rows:
        print(f"{name:<{width}}  {raw / 1024:7.1f} KB  {packed / 1024:6.1f} KB gzipped")
    total = sum(packed for _, _, packed in rows)
    print(f"{'first load (shell + caseload)':<{width}}  {'':>7}     {total / 1024:6.1f} KB gzipped"
          " (goal: 35 KB; DESIGN.md: 50 KB)")
    print(f"{'icons (home screen)':<{width}}  {'':>7}     "
          f"{sum(p for _, _, p in icons) / 1024:6.1f} KB gzipped")
    return {"total_gzip": total, "files": {name: packed for name, _, packed in rows}}


if __name__ == "__main__":
    main()
