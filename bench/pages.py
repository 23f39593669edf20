"""How fast does the real server answer the caseload page, against its plainest page? Prints figures;
asserts nothing.

    .venv/bin/python bench/pages.py [--clients 4] [--seconds 2] [--rounds 5]

Builds a throwaway instance with the demo data (`fieldapp init --demo`), starts `fieldapp serve`
(waitress, 127.0.0.1) on it in a subprocess, signs in as the demo outreach worker through the login
form and, with `--clients` concurrent keep-alive connections, counts the answers per second for
GET /login signed out (the plainest page: a template and a CSRF token, no database) and GET
/caseload; then adds 10 more people with a contact each to the worker's team (through the sync
engine, as phones send them) and times both again. The figure issue 13 asks for is caseload req/s
÷ login req/s on the same server (goal ≥ 0.8): the pages are timed in turn, round after round,
and the median of the rounds' ratios printed, since the machine is shared. Wall-clock rates on a
busy machine vary by half from run to run, so the server's own CPU time per answer (from /proc) is
printed too: its ratio is what the req/s ratio would be with the machine to itself.
"""

import argparse
import http.client
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from http.cookies import SimpleCookie
from pathlib import Path

from fieldapp import create_app, demo, users
from fieldapp.db import open_db
from fieldapp.migrations import migrate
from fieldapp.records import make_engine
from fieldapp.timeutil import now_iso

REPO = Path(__file__).resolve().parent.parent
EXTRA_PEOPLE = 10


def build_demo(folder):
    """A fresh instance with the demo data; returns its app (for add_people)."""
    app = create_app({"INSTANCE": folder})
    db = open_db(app.config["DATABASE"])
    migrate(db)
    demo.load_demo(db, app.config)
    db.close()
    return app


def add_people(app):
    """EXTRA_PEOPLE more people on the outreach worker's team, a contact each, as a phone sends them."""
    db = open_db(app.config["DATABASE"])
    worker = users.User(users.get_user_by_username(db, "outreach"))
    engine = make_engine(db, app.config)
    device = str(uuid.uuid4())
    for n in range(EXTRA_PEOPLE):
        person_id = str(uuid.uuid4())
        engine.push(worker, device, [
            {"id": str(uuid.uuid4()), "type": "person", "op": "create", "record_id": person_id,
             "base_version": None, "recorded_at": now_iso(),
             "fields": {"display_name": f"Bench person {n}", "district": "Fenland"}},
            {"id": str(uuid.uuid4()), "type": "contact", "op": "create", "record_id": str(uuid.uuid4()),
             "base_version": None, "recorded_at": now_iso(),
             "fields": {"person_id": person_id, "contact_at": "2026-11-20T09:00", "district": "Fenland",
                        "place": "Bus station", "contact_type": "street_outreach", "bedded_down": False,
                        "spoken_to": True, "what_happened": "Talked"}},
        ])
    db.close()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(folder, port):
    env = {**os.environ, "FIELDAPP_INSTANCE": str(folder)}
    server = subprocess.Popen(
        [sys.executable, "-c", "from fieldapp.cli import main; main()", "serve", "--port", str(port)],
        env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the server did not start")


def request(conn, method, path, cookie=None, body=None):
    headers = {"Cookie": cookie} if cookie else {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response, data


def sign_in(port, username):
    """The session cookie of `username` signed in through the login form (CSRF token and all)."""
    conn = http.client.HTTPConnection("127.0.0.1", port)
    response, page = request(conn, "GET", "/login")
    jar = SimpleCookie(response.getheader("Set-Cookie"))
    token = re.search(rb'name="csrf_token" value="([^"]+)"', page).group(1).decode()
    cookie = "; ".join(f"{k}={v.value}" for k, v in jar.items())
    form = f"csrf_token={token}&username={username}&password=demo&device_id="
    response, _ = request(conn, "POST", "/login", cookie, form)
    assert response.status == 302, response.status
    jar.load(response.getheader("Set-Cookie"))
    conn.close()
    return "; ".join(f"{k}={v.value}" for k, v in jar.items())


def cpu_seconds(pid):
    """The CPU time a process has used (user + system), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rate(port, path, cookie, clients, seconds, pid=None):
    """Answers per second for GET `path` from `clients` keep-alive connections; with the server's
    `pid`, also the server's CPU seconds per answer."""
    cpu_before = cpu_seconds(pid) if pid else None
    counts = [0] * clients
    stop = time.monotonic() + seconds

    def client(n):
        conn = http.client.HTTPConnection("127.0.0.1", port)
        while time.monotonic() < stop:
            response, _ = request(conn, "GET", path, cookie)
            assert response.status == 200, (path, response.status)
            counts[n] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    per_second = sum(counts) / (time.monotonic() - started)
    if pid is None:
        return per_second
    return per_second, (cpu_seconds(pid) - cpu_before) / max(sum(counts), 1)


def people_listed(port, cookie):
    conn = http.client.HTTPConnection("127.0.0.1", port)
    _, page = request(conn, "GET", "/caseload", cookie)
    conn.close()
    return page.count(b'<li class="app-caseload__item')


def paired_rates(port, pid, pages, clients, seconds, rounds):
    """Per page, over `rounds` rounds with the pages taken in turn within each round: the req/s
    of each round, and the server's CPU time per answer of each round."""
    for path, cookie in pages.values():  # warm up: the first requests compile templates
        rate(port, path, cookie, 1, 0.5)
    runs = {name: [] for name in pages}
    cpu = {name: [] for name in pages}
    for _round in range(rounds):
        for name, (path, cookie) in pages.items():
            per_second, cpu_per_answer = rate(port, path, cookie, clients, seconds, pid)
            runs[name].append(per_second)
            cpu[name].append(cpu_per_answer)
    return runs, cpu


def main(argv=None):
    """Run the pages bench with `argv` (the command line when None), print its figures and return
    them (bench/limit.py's table): per step, its name, caseload and login req/s, their ratio, CPU
    per answer of each and the CPU ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=2, help="per page per round")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    folder = Path(tempfile.mkdtemp(prefix="fieldapp-pages-"))
    app = build_demo(folder)
    port = free_port()
    server = start_server(folder, port)
    results = []
    login = "login page (signed out)"
    try:
        cookie = sign_in(port, "outreach")
        for step in ("demo data", f"{EXTRA_PEOPLE} more people"):
            if step != "demo data":
                add_people(app)  # the server reads them from the same file
            name = f"caseload, {step} ({people_listed(port, cookie)} people)"
            pages = {login: ("/login", None), name: ("/caseload", cookie)}
            runs, cpu = paired_rates(port, server.pid, pages, args.clients, args.seconds, args.rounds)
            ratio = statistics.median(c / l for c, l in zip(runs[name], runs[login]))
            cpu_ratio = statistics.median(cpu[login]) / statistics.median(cpu[name])
            results.append((name, statistics.median(runs[name]), statistics.median(runs[login]), ratio,
                            statistics.median(cpu[name]), statistics.median(cpu[login]), cpu_ratio))
    finally:
        server.terminate()
        server.wait(timeout=10)

    print(f"fieldapp serve (waitress, 8 threads), signed in as `outreach`, {args.clients} concurrent "
          f"clients, median of {args.rounds} rounds of {args.seconds:g} s a page")
    for name, caseload, login_rate, ratio, cpu_case, cpu_login, cpu_ratio in results:
        print(f"  {name:<34} {caseload:6.0f} req/s, login page {login_rate:6.0f} req/s: "
              f"ratio {ratio:.2f} (goal: 0.8)")
        print(f"  {'':<34} server CPU per answer {cpu_case * 1000:.2f} ms, login page "
              f"{cpu_login * 1000:.2f} ms: ratio {cpu_ratio:.2f} (what req/s would be on an idle machine)")
    return results


if __name__ == "__main__":
    main()
