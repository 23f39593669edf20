"""Bytes and round trips on the wire: fieldapp's sync beside PouchDB's replication. Prints figures
as ratios against PouchDB; asserts nothing (and never on time).

    .venv/bin/python bench/wire.py [--sizes 1,100,500] [--fieldapp-only]

In one run, on 127.0.0.1:
- fieldapp: a real `fieldapp serve` (waitress) over a fresh demo instance, and a client that
  speaks as the phone does (signed in with a session cookie, gzipped JSON body with
  `Content-Encoding: gzip`, Chrome's Accept-Encoding, batches of SYNC_MAX_MUTATIONS, asking for
  `"echo": "result"` and `"result_ids": false` as static/flush.js does (`--echo full` or
  `partial` for the older answers, which keep the ids),
  pulling until `more` is false);
- the anchor: PouchDB 9 in Node (memory adapter) replicating to express-pouchdb (bench/wire/,
  from npm, installed here with `npm ci` on the first run: ./test never installs them);
both pushing the same ~455-byte contact records through the same measuring, link-emulating proxy
(bench/linkproxy.py), which counts requests and bytes up and down. Counts are taken with no link
delay; the time to push one record is taken on `edge` (840 ms RTT, 240 kbps), with the client's
connection already open (a phone's is, after its first request). Then Chromium, signed in through
the same kind of proxy, pushes one record and its service worker refreshes its cached pages:
requests, bytes and time of that refresh on `edge` (bench/page_refresh.py; skipped without
Playwright and /usr/bin/chromium).
"""

import argparse
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
import page_refresh  # noqa: E402
from linkproxy import LINKS, MeasuringProxy  # noqa: E402

HERE = Path(__file__).resolve().parent
ANCHOR = HERE / "wire"
# What Chrome on Android sends with every request of the app (fieldapp's side carries it).
PHONE_HEADERS = {
    "User-Agent": "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/131.0.0.0 Mobile Safari/537.36",
    "Accept-Encoding": "gzip, deflate, br, zstd",
}


def contact(person_id, n):
    """The n-th record: a contact as the phone records it (about 455 bytes as a mutation)."""
    return {
        "record_id": str(uuid.uuid4()), "recorded_at": "2026-11-22T08:02:11Z",
        "fields": {"person_id": person_id, "contact_at": "2026-11-22T07:55", "district": "Fenland",
                   "place": "Bus shelter, Market Place, Wisbech", "contact_type": "street_outreach",
                   "bedded_down": True, "spoken_to": True, "duration_minutes": 20 + n % 40,
                   "what_happened": "Offered a sleeping bag and a hot drink; "
                                    "talked about the shelter",
                   "action": "StreetLink referral made"}}


def mutation(record):
    """The record as fieldapp's phone sends it."""
    return {"id": str(uuid.uuid4()), "type": "contact", "op": "create",
            "record_id": record["record_id"], "base_version": None,
            "recorded_at": record["recorded_at"], "fields": record["fields"]}


def document(record):
    """The same record as a PouchDB document."""
    return {"_id": record["record_id"], "type": "contact", "recorded_at": record["recorded_at"],
            **record["fields"]}


def free_port():
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(url, what, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            requests.get(url, timeout=2)
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise SystemExit(f"{what} did not start")


# ------------------------------------------------------------------------------------ fieldapp
class FieldappPhone:
    """A client that signs in and pushes as the phone does (static/send.js, static/flush.js)."""

    def __init__(self, base, max_mutations, plain=False, echo="result"):
        self.base = base
        self.plain = plain
        self.echo = echo
        self.max = max_mutations
        self.http = requests.Session()
        self.http.headers.update(PHONE_HEADERS)
        self.device_id = str(uuid.uuid4())
        self.cursor = 0
        login = self.http.get(base + "/login").text
        token = re.search(r'name="csrf_token" value="([^"]+)"', login).group(1)
        self.http.post(base + "/login", data={"username": "outreach", "password": "demo",
                                              "device_id": self.device_id, "csrf_token": token})
        self.push([])  # the first pull: the phone is up to date before anything is measured

    def post(self, mutations):
        envelope = {"protocol": 1, "device_id": self.device_id, "cursor": self.cursor,
                    "mutations": mutations, "echo": self.echo}
        if self.echo == "result":
            envelope["result_ids"] = False  # as static/flush.js asks: results in the order sent
        body = json.dumps(envelope).encode()
        headers = {"Content-Type": "application/json", "X-Fieldapp-Sync": "1", "Accept": "*/*"}
        if not self.plain:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        answer = self.http.post(self.base + "/api/sync", data=body, headers=headers)
        answer.raise_for_status()
        return answer.json()

    def push(self, mutations):
        """Send everything in batches and pull until `more` is false; returns the statuses."""
        statuses = []
        left = list(mutations)
        while True:
            batch, left = left[: self.max], left[self.max:]
            answer = self.post(batch)
            statuses += [r["status"] for r in answer["results"]]
            self.cursor = answer["cursor"]
            if not left and not answer["more"]:
                return statuses


def start_fieldapp(folder):
    """`fieldapp init --demo` then `fieldapp serve` on a free port; returns (process, port, Dan)."""
    env = {**os.environ, "FIELDAPP_INSTANCE": str(folder / "instance")}
    cli = [sys.executable, "-c", "from fieldapp.cli import main; main()"]
    subprocess.run(cli + ["init", "--demo"], env=env, check=True, capture_output=True)
    port = free_port()
    process = subprocess.Popen(cli + ["serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_for(f"http://127.0.0.1:{port}/login", "fieldapp")
    from fieldapp.db import open_db

    db = open_db(folder / "instance" / "fieldapp.db")
    [dan] = [r["id"] for r in db.query("SELECT id FROM person WHERE display_name = 'Dan'")]
    db.close()
    return process, port, dan


def measure_fieldapp(sizes, person_id, proxy, plain=False, echo="result"):
    """({size: (Counts, records)}, seconds) for fieldapp: counted with no link delay, and the time
    to push one record on edge."""
    from fieldapp import config

    phone = FieldappPhone(f"http://127.0.0.1:{proxy.port}", config.SYNC_MAX_MUTATIONS,
                          plain=plain, echo=echo)
    figures = {}
    for size in sizes:
        records = [contact(person_id, n) for n in range(size)]
        proxy.reset()
        statuses = phone.push([mutation(r) for r in records])
        assert statuses.count("applied") == size, statuses[:5]
        figures[size] = (proxy.reset(), records)
    proxy.set_link("edge")
    started = time.monotonic()
    phone.push([mutation(contact(person_id, 0))])
    edge = time.monotonic() - started
    proxy.set_link("none")
    return figures, edge


# -------------------------------------------------------------------------------------- PouchDB
def install_anchor():
    """npm ci in bench/wire/ the first time (pinned by its package-lock.json); False if it fails."""
    stamp = ANCHOR / "node_modules" / ".fieldapp-bench"
    if stamp.exists():
        return True
    if not shutil.which("npm"):
        return False
    done = subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=ANCHOR)
    if done.returncode:
        return False
    stamp.touch()
    return True


def measure_pouchdb(sizes, person_id, proxy):
    """The same as `measure_fieldapp`, for PouchDB replicating to express-pouchdb (the proxy is
    pointed at it: the two are measured one after the other, never sharing the link)."""
    port = free_port()
    server = subprocess.Popen(["node", "server.js", str(port)], cwd=ANCHOR, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    try:
        assert server.stdout.readline().strip() == "listening"
        requests.put(f"http://127.0.0.1:{port}/phones").raise_for_status()
        proxy.target = port
        client = subprocess.Popen(["node", "client.js", f"http://127.0.0.1:{proxy.port}/phones"],
                                  cwd=ANCHOR, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  text=True)

        def push(docs):
            client.stdin.write(json.dumps({"push": docs}) + "\n")
            client.stdin.flush()
            answer = json.loads(client.stdout.readline())
            assert answer["ok"] and answer["docs_written"] == len(docs), answer
            return answer

        push([document(contact(person_id, 0))])  # checkpoints and connection in place
        figures = {}
        for size in sizes:
            records = [contact(person_id, n) for n in range(size)]
            proxy.reset()
            push([document(r) for r in records])
            figures[size] = (proxy.reset(), records)
        proxy.set_link("edge")
        started = time.monotonic()
        push([document(contact(person_id, 0))])
        edge = time.monotonic() - started
        proxy.set_link("none")
        client.stdin.close()
        client.wait(10)
        return figures, edge
    finally:
        server.terminate()
        server.wait(10)


# ------------------------------------------------------------------------------------ printing
def gzip_per_record(records):
    """The records' JSON alone, gzipped, per record: what no protocol can beat by much."""
    return len(gzip.compress(json.dumps([mutation(r) for r in records]).encode())) / len(records)


def report(sizes, ours, anchor):
    """Print the figures of issue 13, ours beside PouchDB's and as a ratio."""
    rtt = LINKS["edge"][0]
    rows = []

    def ratio(a, b):
        return f"{a / b:.2f}" if b else "-"

    for size in sizes:
        a = anchor[0][size][0].requests if anchor else None
        rows.append((f"requests to push {size}", ours[0][size][0].requests, a,
                     "1" if size <= 100 else "<= 2"))
    per = 100 if 100 in sizes else sizes[-1]
    counts, records = ours[0][per]
    mine = (counts.up + counts.down) / per
    theirs = None
    if anchor:
        c = anchor[0][per][0]
        theirs = (c.up + c.down) / per
    floor = gzip_per_record(records)
    rows.append((f"bytes per record, {per}-record push, up + down",
                 f"{mine:.0f} ({counts.up / per:.0f} + {counts.down / per:.0f})",
                 f"{theirs:.0f} ({c.up / per:.0f} + {c.down / per:.0f})" if anchor else None,
                 "<= 300 (0.4 of PouchDB)"))
    rows.append((f"the same / gzip of the records' JSON ({floor:.0f} B)", f"{mine / floor:.1f}",
                 f"{theirs / floor:.1f}" if anchor else None, "<= 1.5"))
    rows.append(("time to push 1 record on edge", f"{ours[1]:.2f} s ({ours[1] / rtt:.1f} RTT)",
                 f"{anchor[1]:.2f} s ({anchor[1] / rtt:.1f} RTT)" if anchor else None,
                 "<= 1 round trip"))
    print(f"\n{'figure':52} {'fieldapp':>22} {'PouchDB 9':>22} {'ratio':>6}  goal")
    for name, a, b, goal in rows:
        r = "-"
        if b is not None:
            num = float(str(a).split()[0])
            den = float(str(b).split()[0])
            r = ratio(num, den)
        print(f"{name:52} {str(a):>22} {str(b if b is not None else 'not run'):>22} {r:>6}  {goal}")


def figures_of(sizes, ours, anchor):
    """The figures bench/limit.py tabulates, as numbers: per size the requests (ours, PouchDB's),
    the bytes per record of the 100-record push, the gzip floor and the time on edge."""
    per = 100 if 100 in sizes else sizes[-1]
    counts, records = ours[0][per]
    theirs = anchor[0][per][0] if anchor else None
    return {
        "requests": {size: (ours[0][size][0].requests,
                            anchor[0][size][0].requests if anchor else None) for size in sizes},
        "per": per,
        "bytes_per_record": ((counts.up + counts.down) / per,
                             (theirs.up + theirs.down) / per if anchor else None),
        "bytes_up_down": (counts.up / per, counts.down / per),
        "gzip_floor": gzip_per_record(records),
        "edge_seconds": (ours[1], anchor[1] if anchor else None),
        "rtt": LINKS["edge"][0],
    }


def main(argv=None):
    """Run the wire bench with `argv` (the command line when None), print its figures and return
    them (bench/limit.py's table)."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1,100,500", help="records per push, comma-separated")
    parser.add_argument("--fieldapp-only", action="store_true", help="skip the PouchDB anchor")
    parser.add_argument("--no-pages", action="store_true",
                        help="skip the page refresh after a sync (Chromium, bench/page_refresh.py)")
    parser.add_argument("--echo", default="result", choices=("full", "partial", "result"),
                        help="the echo the client asks for (the phone asks for 'result')")
    parser.add_argument("--plain", action="store_true",
                        help="send fieldapp's push uncompressed (the phone before static/send.js)")
    parser.add_argument("--first-page", action="store_true",
                        help="also time the first page on edge as `fieldapp serve` sends it")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    first = None

    folder = Path(tempfile.mkdtemp(prefix="fieldapp-bench-wire-"))
    process, port, dan = start_fieldapp(folder)
    try:
        proxy = MeasuringProxy(port)
        ours = measure_fieldapp(sizes, dan, proxy, plain=args.plain, echo=args.echo)
        refresh = None if args.no_pages else page_refresh.measure(MeasuringProxy(port), dan)
        if args.first_page:
            first = page_refresh.first_page(MeasuringProxy(port))
    finally:
        process.terminate()
        process.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
    anchor = None
    if not args.fieldapp_only:
        if install_anchor():
            anchor = measure_pouchdb(sizes, dan, proxy)
        else:
            print("express-pouchdb/PouchDB could not be installed (npm ci in bench/wire/): "
                  "fieldapp's half only")
    report(sizes, ours, anchor)
    if not args.no_pages:
        page_refresh.report(refresh)
    if args.first_page:
        page_refresh.report_first_page(first)
    return {**figures_of(sizes, ours, anchor), "refresh": refresh, "first_page": first,
            "anchor_run": anchor is not None}


if __name__ == "__main__":
    main()
