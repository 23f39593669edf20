"""Every figure of issue 13 ("sync and pages at the limit") in one run and one table. Prints
figures; asserts nothing and never fails on time.

    .venv/bin/python bench/limit.py [--full] [--big 200000] [--soak-phones 20]
        [--soak-mutations 50] [--fieldapp-only] [--skip pages,soak,...]

Runs, one after the other in this process, the benches that measure each figure (each prints its
own details as it goes):
- `shell`: bench/shell_weight.py, the first load's weight (shell + caseload, gzipped);
- `signin`: bench/first_signin.py, a phone's first sign-in, everything on the wire;
- `wire`: bench/wire.py with `--first-page`: a real `fieldapp serve` and, side by side in the
  same run through the same measuring proxy, PouchDB 9 replicating to express-pouchdb (npm,
  bench/wire/); then Chromium's page refresh after a sync and the first page on edge;
- `pages`: bench/pages.py, the caseload page against the login page (demo data, 15 people);
- `apply`: bench/sync_apply.py, mutations applied per second through /api/sync ÷ raw SQLite;
- `pull`: bench/sync_pull.py, the first and the no-op pull on a small and a big store;
- `soak`: bench/chaos_soak.py, many phones through a faulty link, the server killed now and then.
Then prints one table (Markdown): figure, now, anchor, ratio, goal, met. A bench that cannot run
here (no Chromium, no npm) leaves its rows "not run" and the rest go on.

By default the sizes keep the whole run to a few minutes on a 2-core machine (2.5 at a load
average of 10, 9 at 22-32): a 200,000-record big store and a soak of 40 phones x 100 mutations
with a kill every 10 s. `--full` uses issue 13's sizes: the 1M-record store (about a minute to
build) and 100 phones x 200 mutations with a kill every 30 s (about 4 minutes more). The
machine's load average is printed at the start and the end: on a shared machine wall-clock
figures swing, so every comparison is a ratio within this run.
"""

import argparse
import contextlib
import os
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

SECTIONS = ("shell", "signin", "wire", "pages", "apply", "pull", "soak")


def load() -> str:
    """The machine's load averages (1, 5, 15 minutes), for the record."""
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def run_section(name: str, function, argv: list[str]):
    """Run one bench's main(argv) under a heading; its figures, or None if it could not run
    (the reason is printed and the other benches go on)."""
    print(f"\n===== {name}: {function.__module__} {' '.join(argv)} (load {load()})", flush=True)
    started = time.monotonic()
    try:
        figures = function(argv)
    except (Exception, SystemExit):  # noqa: BLE001 - a bench that cannot run leaves its rows empty
        traceback.print_exc()
        figures = None
    print(f"===== {name}: {time.monotonic() - started:.0f} s", flush=True)
    return figures


def _ratio(now, anchor):
    return f"{now / anchor:.2f}" if now is not None and anchor else "—"


def _met(flag):
    return "—" if flag is None else ("yes" if flag else "**no**")


def rows_for(figures: dict) -> list[tuple]:
    """The table's rows (figure, now, anchor, ratio, goal, met) from every bench's figures; a
    bench that did not run gives "not run" rows, so the table always has issue 13's shape."""
    rows = []
    skipped = ("not run", "—", "—")

    wire = figures.get("wire")
    if wire:
        sizes = sorted(wire["requests"])
        ours = [wire["requests"][s][0] for s in sizes]
        theirs = [wire["requests"][s][1] for s in sizes]
        anchor = wire["anchor_run"]
        goals = [1 if s <= 100 else 2 for s in sizes]
        rows.append((f"requests to push {' / '.join(map(str, sizes))} records",
                     " / ".join(map(str, ours)),
                     "PouchDB " + " / ".join(map(str, theirs)) if anchor else "not run",
                     " / ".join(_ratio(a, b) for a, b in zip(ours, theirs)) if anchor else "—",
                     " / ".join(("" if g == 1 else "≤ ") + str(g) for g in goals),
                     _met(all(a <= g for a, g in zip(ours, goals)))))
        mine, pouch = wire["bytes_per_record"]
        up, down = wire["bytes_up_down"]
        rows.append((f"bytes on the wire per record, {wire['per']}-record push (up + down)",
                     f"{mine:,.0f} ({up:.0f} + {down:.0f})",
                     f"PouchDB {pouch:,.0f}" if anchor else "not run", _ratio(mine, pouch),
                     "≤ 300 (0.4 of PouchDB)",
                     _met(mine <= 300 and (not anchor or mine / pouch <= 0.4))))
        floor = wire["gzip_floor"]
        rows.append((f"the same ÷ gzip size of the records' JSON alone ({floor:.0f} B)",
                     f"{mine / floor:.1f}", f"PouchDB {pouch / floor:.1f}" if anchor else "not run",
                     _ratio(mine, pouch), "≤ 1.5", _met(mine / floor <= 1.5)))
        edge, pouch_edge = wire["edge_seconds"]
        rtt = wire["rtt"]
        rows.append(("time to push 1 record on edge", f"{edge:.2f} s ({edge / rtt:.1f} RTT)",
                     f"PouchDB {pouch_edge:.2f} s" if anchor else "not run",
                     _ratio(edge, pouch_edge), "≤ 1.0 s (one round trip)", _met(edge <= 1.0)))
        refresh = wire["refresh"]
        if refresh:
            rows.append(("service worker's page refresh after pushing 1 record, edge",
                         f"{refresh['bytes'] / 1000:.1f} kB, {refresh['requests']} requests in "
                         f"{refresh['rounds']} round trip(s), {refresh['seconds']:.2f} s "
                         f"({refresh['rtts']:.1f} RTT with the bytes' time)", "—", "—",
                         "≤ 10 kB, ≤ 1 round trip",
                         _met(refresh["bytes"] <= 10_000 and refresh["rounds"] <= 1)))
        else:
            rows.append(("service worker's page refresh after pushing 1 record, edge",
                         *skipped, "≤ 10 kB, ≤ 1 round trip", "—"))
    else:
        for name, goal in (("requests to push 1 / 100 / 500 records", "1 / 1 / ≤ 2"),
                           ("bytes on the wire per record, 100-record push", "≤ 300"),
                           ("the same ÷ gzip size of the records' JSON alone", "≤ 1.5"),
                           ("time to push 1 record on edge", "≤ 1.0 s"),
                           ("service worker's page refresh after pushing 1 record, edge",
                            "≤ 10 kB, ≤ 1 round trip")):
            rows.append((name, *skipped, goal, "—"))

    apply = figures.get("apply")
    name = "mutations applied per second via /api/sync ÷ raw SQLite"
    if apply:
        ratio = apply["via_sync"] / apply["raw"]
        rows.append((f"{name}, {apply['batch']} rows per transaction",
                     f"{apply['via_sync']:,.0f}/s ÷ {apply['raw']:,.0f}/s = {ratio:.3f}",
                     "raw SQLite (the limit)", f"{ratio:.3f}", "≥ 0.3", _met(ratio >= 0.3)))
    else:
        rows.append((name, *skipped, "≥ 0.3", "—"))

    pull = figures.get("pull")
    if pull:
        ratio = pull["big_seconds"] / pull["small_seconds"]
        rows.append((f"first full pull of a 15-person caseload, store of {pull['big']:,} "
                     f"records ÷ {pull['small']:,}",
                     f"{pull['big_seconds'] * 1000:.0f} ms ÷ "
                     f"{pull['small_seconds'] * 1000:.0f} ms = {ratio:.2f}", "—",
                     f"{ratio:.2f}", "≤ 1.5", _met(ratio <= 1.5)))
        rows.append((f"no-op pull, store of {pull['big']:,} records",
                     f"{pull['noop_seconds'] * 1000:.3f} ms", "—", "—", "≤ 1 ms",
                     _met(pull["noop_seconds"] <= 0.001)))
    else:
        rows.append(("first full pull of a 15-person caseload, big store ÷ small", *skipped,
                     "≤ 1.5", "—"))
        rows.append(("no-op pull, big store", *skipped, "≤ 1 ms", "—"))

    pages = figures.get("pages")
    if pages:
        for step, case, login, ratio, cpu_case, cpu_login, cpu_ratio in pages:
            people = step.split("(")[-1].rstrip(")")
            rows.append((f"caseload page ÷ login page, same server, {people}, by server CPU",
                         f"{cpu_case * 1000:.2f} ms a caseload, {cpu_login * 1000:.2f} ms a login page"
                         " (the rates' ratio: login ÷ caseload)",
                         "login page", f"{cpu_ratio:.2f}", "≥ 0.8", _met(cpu_ratio >= 0.8)))
            rows.append((f"the same by req/s ({people})",
                         f"{case:,.0f} ÷ {login:,.0f} req/s", "login page", f"{ratio:.2f}",
                         "≥ 0.8", _met(ratio >= 0.8)))
    else:
        rows.append(("caseload page ÷ login page, same server", *skipped, "≥ 0.8", "—"))

    soak = figures.get("soak")
    if soak:
        rows.append((f"chaos soak, {soak['phones']} phones x {soak['mutations']} mutations, "
                     f"{soak['server_kills']} kills",
                     f"converged: {'yes' if soak['converged'] else 'NO'}; answered p50 "
                     f"{soak['p50']:.2f} s, p95 {soak['p95']:.2f} s"
                     + (f" (the server's own p95 {soak['server_p95']:.2f} s)"
                        if soak.get("server_p95") is not None else ""),
                     "reference server: 200 x 500 in 1m54s", "—", "converges; p95 < 1 s",
                     _met(soak["converged"] and soak["p95"] < 1.0)))
        rows.append(("bytes per mutation in the chaos run (all traffic)",
                     f"{soak['bytes_per_mutation']:,.0f} B", "reference 3.1 kB",
                     f"{soak['bytes_per_mutation'] / 3100:.2f}", "≤ 3 kB",
                     _met(soak["bytes_per_mutation"] <= 3000)))
    else:
        rows.append(("chaos soak", *skipped, "converges; p95 < 1 s", "—"))
        rows.append(("bytes per mutation in the chaos run (all traffic)", *skipped, "≤ 3 kB",
                     "—"))

    shell = figures.get("shell")
    if shell:
        kb = shell["total_gzip"] / 1024
        rows.append(("app shell + caseload, first load, gzip", f"{kb:.1f} KB",
                     "Enketo ≈ 2 MB", f"{kb / 2048:.3f}", "≤ 35 KB", _met(kb <= 35)))
    else:
        rows.append(("app shell + caseload, first load, gzip", *skipped, "≤ 35 KB", "—"))

    first = wire and wire["first_page"]
    if first:
        rows.append(("first page on the wire as `fieldapp serve` sends it (no proxy), edge",
                     f"{first['bytes'] / 1000:.1f} kB in {first['requests']} requests, "
                     f"{first['seconds']:.1f} s to load", "—", "—", "≤ 50 kB, ≤ 4 s",
                     _met(first["bytes"] <= 50_000 and first["seconds"] <= 4)))
    else:
        rows.append(("first page on the wire as `fieldapp serve` sends it", *skipped,
                     "≤ 50 kB, ≤ 4 s", "—"))

    signin = figures.get("signin")
    if signin:
        https = signin.get("https")
        rows.append(("first sign-in of a phone, everything on the wire, `fieldapp serve` alone "
                     "(HTTP/1.1, every header in full)",
                     f"{signin['wire'] / 1000:.0f} kB in {signin['requests']} requests", "—",
                     "—", "≤ 150 kB", _met(signin["wire"] <= 150_000)))
        rows.append(("the same through the HTTPS front (Caddy: TLS, HTTP/2), every byte on the "
                     "TCP connections",
                     f"{https['wire'] / 1000:.1f} kB for {https['requests']} requests" if https
                     else "not run", "—", "—", "≤ 150 kB",
                     _met(https["wire"] <= 150_000) if https else "—"))
    else:
        rows.append(("first sign-in of a phone, everything on the wire", *skipped, "≤ 150 kB",
                     "—"))
    return rows


def print_table(rows: list[tuple]):
    """The rows as one Markdown table (README-ready)."""
    print("| figure | now | anchor | ratio | goal | met |")
    print("|---|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(str(cell) for cell in row) + " |")


def main(argv=None):
    """Run every bench of issue 13 (or those not skipped) and print the one table."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true",
                        help="issue 13's sizes: a 1M-record store, 100 phones x 200 mutations")
    parser.add_argument("--big", type=int, help="records in the pull bench's big store "
                        "(default 200,000; 1,000,000 with --full)")
    parser.add_argument("--soak-phones", type=int, help="default 40 (100 with --full)")
    parser.add_argument("--soak-mutations", type=int,
                        help="per phone; default 100 (200 with --full)")
    parser.add_argument("--fieldapp-only", action="store_true", help="skip the PouchDB anchor")
    parser.add_argument("--skip", default="", help=f"comma-separated, of {', '.join(SECTIONS)}")
    args = parser.parse_args(argv)
    skip = {s for s in args.skip.split(",") if s}
    unknown = skip - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}")
    big = args.big or (1_000_000 if args.full else 200_000)
    phones = args.soak_phones or (100 if args.full else 40)
    mutations = args.soak_mutations or (200 if args.full else 100)
    kill_every = "30" if args.full else "10"

    started, load_before = time.monotonic(), load()
    figures = {}
    plan = []
    # Chromium (Playwright's sync API) goes before the soak, whose proxies run asyncio loops.
    if "shell" not in skip:
        import shell_weight
        plan.append(("shell", shell_weight.main, []))
    if "signin" not in skip:
        with contextlib.suppress(ImportError):
            import first_signin
            plan.append(("signin", first_signin.main, []))
    if "wire" not in skip:
        import wire
        plan.append(("wire", wire.main,
                     ["--first-page"] + (["--fieldapp-only"] if args.fieldapp_only else [])))
    if "pages" not in skip:
        import pages
        plan.append(("pages", pages.main, ["--rounds", "5", "--seconds", "2"]))
    if "apply" not in skip:
        import sync_apply
        plan.append(("apply", sync_apply.main, ["--contacts", "3000", "--batch", "100"]))
    if "pull" not in skip:
        import sync_pull
        plan.append(("pull", sync_pull.main, ["--big", str(big)]))
    if "soak" not in skip:
        import chaos_soak
        plan.append(("soak", chaos_soak.main, ["--phones", str(phones), "--mutations",
                                               str(mutations), "--kill-every", kill_every]))
    for name, function, bench_argv in plan:
        figures[name] = run_section(name, function, bench_argv)

    print(f"\n===== issue 13, every figure: one run of {time.monotonic() - started:.0f} s, load "
          f"average (1 / 5 / 15 min) {load_before} at the start, {load()} at the end, "
          f"{os.cpu_count()} cores\n")
    print_table(rows_for(figures))
    return figures


if __name__ == "__main__":
    main()
