"""How heavy is the app shell on a first load? Prints gzipped sizes; asserts nothing.

    .venv/bin/python bench/shell_weight.py

DESIGN.md's target: the app shell's first load at most 50 KB gzipped; issue 13's goal: 35 KB.

The first load: the static files the service worker precaches at install
(fieldapp.web.shell.PRECACHED_STATIC: the style sheet, the two script bundles every page loads,
GOV.UK's reveals; the first page itself loads the same URLs), the service worker itself, and one
rendered caseload page from the demo data, each as the app serves it (our scripts minified at
set-up, /sw.js with its lists written in), gzipped one by one as a proxy sends them.

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


def sizes(data: bytes):
    """(raw bytes, gzipped bytes)."""
    return len(data), gzipped(data)


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

    rows = [(name, *sizes(served(client, f"/static/{name}"))) for name in PRECACHED_STATIC]
    rows.append(("sw.js", *sizes(served(client, "/sw.js"))))
    client.post("/login", data={"username": "outreach", "password": "demo", "device_id": ""})
    rows.append(("caseload page (HTML)", *sizes(served(client, "/caseload"))))
    later = [(name, *sizes(served(client, f"/static/{name}"))) for name in PRECACHED_LATER]

    width = max(len(name) for name, *_ in rows + later) + 2
    first = sum(packed for _, _, packed in rows)
    deferred = sum(packed for _, _, packed in later)
    print("First load (what the first page and the worker's install take):")
    for name, raw, packed in rows:
        print(f"  {name:<{width}}  {raw / 1024:7.1f} KB  {packed / 1024:6.1f} KB gzipped")
    print(f"  {'first load (shell + caseload)':<{width}}  {'':>7}     {first / 1024:6.1f} KB gzipped"
          " (goal: 35 KB; DESIGN.md: 50 KB)")
    print("Precached once the first page has shown (not in the figure above):")
    for name, raw, packed in later:
        print(f"  {name:<{width}}  {raw / 1024:7.1f} KB  {packed / 1024:6.1f} KB gzipped")
    print(f"  {'deferred part':<{width}}  {'':>7}     {deferred / 1024:6.1f} KB gzipped")
    print(f"{'both, the whole shell on a first sign-in':<{width + 2}}  {'':>7}     "
          f"{(first + deferred) / 1024:6.1f} KB gzipped")
    return {"total_gzip": first, "deferred_gzip": deferred,
            "files": {name: packed for name, _, packed in rows}}


if __name__ == "__main__":
    main()
