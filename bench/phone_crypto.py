"""What does encryption at rest cost on the phone? Prints figures; asserts nothing.

    .venv/bin/python bench/phone_crypto.py [--runs 50]

Serves the app with the demo data and the PIN lock on (the real PIN_ITERATIONS, 600,000) on
127.0.0.1, drives Debian's Chromium (Playwright, a 360 px phone with its service worker) through a
first sign-in and a PIN, waits for the pages kept for offline use, then times in the page, with
WebCrypto as the app uses it (static/vault.js, static/at-rest.js):
- unlocking with the PIN (PBKDF2-SHA-256, then unwrapping the data key);
- sealing and unsealing the caseload page and a person's page (their HTML, as Cache Storage
  keeps them);
- reading the cached caseload as the service worker does, sealed (unsealed on the way) against a
  plain copy of the same page;
- sealing and opening an outbox item (a contact), and its envelope to the server alone (ECDH,
  HKDF, AES-GCM, ECDSA: static/sealing.js), and a pull's signature.
Issue 11's goals: unlock under 1 s on this machine; pages within 50 ms of unencrypted.
"""

import argparse
import statistics
import tempfile
import threading
import time

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from fieldapp import create_app, demo
from fieldapp.db import open_db
from fieldapp.migrations import migrate

PIN = "482915"

MEASURE = """async ([runs, personPath]) => {
    const V = FieldappVault, R = FieldappAtRest;
    const userId = document.body.dataset.userId;
    const key = await V.key(userId);
    const ms = async (fn) => { const t = performance.now(); await fn(); return performance.now() - t; };
    const times = async (fn) => { const out = []; for (let i = 0; i < runs; i += 1) out.push(await ms(fn)); return out; };
    const out = {};
    out.unlock = [];
    for (let i = 0; i < 3; i += 1) out.unlock.push(await ms(() => V.unlock(userId, '""" + PIN + """', 5)));
    for (const [name, path] of [['caseload', '/caseload'], ['person', personPath]]) {
        const html = new TextEncoder().encode(await (await fetch(path)).text());
        const sealed = await V.sealBytes(key, html);
        out[name + '_bytes'] = html.byteLength;
        out[name + '_seal'] = await times(() => V.sealBytes(key, html));
        out[name + '_unseal'] = await times(() => V.unsealBytes(key, sealed));
    }
    const cache = await caches.open('fieldapp-pages');
    const hit = await cache.match('/caseload');
    const plainHtml = await R.pageText(hit.clone(), {key});
    await cache.put('/bench-plain-copy', new Response(plainHtml, {headers: {'Content-Type': 'text/html'}}));
    out.read_sealed = await times(async () => R.pageText(await cache.match('/caseload'), await R.secrecy()));
    out.read_plain = await times(async () => (await cache.match('/bench-plain-copy')).text());
    await cache.delete('/bench-plain-copy');
    const item = {id: crypto.randomUUID(), type: 'contact', op: 'create', record_id: crypto.randomUUID(),
        user_id: userId, state: 'waiting', label: 'Contact with Dan', form_url: personPath + '/contacts/new',
        fields: {person_id: personPath.split('/')[2], contact_at: '2026-12-01T10:00', place: 'Bus station, Wisbech',
                 contact_type: 'street_outreach', bedded_down: true, spoken_to: true, duration_minutes: 20,
                 notes: 'Awake and talked for a while. Dog well. Offered a sleeping bag and a hostel referral.'}};
    const s = await R.secrecy();
    const stored = await R.sealItem(item, s);
    out.item_seal = await times(() => R.sealItem(item, s));
    out.item_open = await times(() => R.openItem(stored, s));
    // Sealed to the server and signed (static/sealing.js): part of item_seal once the server has
    // the phone's signing key (out.sealed_too says whether it had); and a pull's signature.
    const S = FieldappSealing, session = await FieldappOutbox.session();
    out.sealed_too = !!stored.envelope;
    out.envelope = await times(() => S.sealFor(userId, session.deviceId, S.wire(item)));
    out.sign_pull = await times(() => S.signPull(userId, session.deviceId, 41, '1796189176.abc'));
    return out;
}"""


def serve(folder):
    app = create_app({"INSTANCE": folder, "SECRET_KEY": "bench-only", "TESTING": True,
                      "RATELIMIT_ENABLED": False, "PHONE_LOCK": True, "PIN_ITERATIONS": 600_000,
                      "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_COST": 256, "ARGON2_PARALLELISM": 1})
    db = open_db(app.config["DATABASE"])
    migrate(db)
    demo.load_demo(db, app.config)
    [dan] = list(db.query("SELECT id FROM person WHERE display_name = 'Dan'"))
    db.close()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return server, f"/people/{dan['id']}"


def wait_cached(page, paths):
    deadline = time.monotonic() + 60
    while not page.evaluate("""async (paths) => {
            const cache = await caches.open('fieldapp-pages');
            return (await Promise.all(paths.map((p) => cache.match(p)))).every(Boolean); }""", paths):
        if time.monotonic() > deadline:
            raise SystemExit(f"pages never cached: {paths}")
        page.wait_for_timeout(100)


def figure(name, values):
    if len(values) > 3:
        print(f"  {name:<34} median {statistics.median(values):7.2f} ms   "
              f"p90 {sorted(values)[int(len(values) * 0.9)]:7.2f} ms")
    else:
        print(f"  {name:<34} " + ", ".join(f"{v:.0f} ms" for v in values))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as p:
        server, person = serve(folder)
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--disable-gpu", "--disable-quic", "--no-sandbox",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost"])
        context = browser.new_context(base_url=f"http://127.0.0.1:{server.server_port}",
                                      viewport={"width": 360, "height": 740}, is_mobile=True,
                                      service_workers="allow")
        page = context.new_page()
        page.set_default_timeout(60000)
        page.goto("/login")
        page.fill("#username", "outreach")
        page.fill("#password", "demo")
        page.click("button:has-text('Sign in')")
        page.wait_for_url("**/lock?next=*")
        page.fill("#new-pin", PIN)
        page.fill("#repeat-pin", PIN)
        page.click("button:has-text('Save PIN')")
        page.wait_for_url("**/caseload")
        wait_cached(page, ["/caseload", person])
        out = page.evaluate(MEASURE, [args.runs, person])
        print("Encryption at rest on the phone (Chromium, WebCrypto AES-GCM-256; PBKDF2 600,000)")
        figure("unlock with the PIN (3 tries)", out["unlock"])
        for name in ("caseload", "person"):
            print(f"  {name} page: {out[name + '_bytes']} bytes of HTML")
            figure(f"  seal the {name} page", out[name + "_seal"])
            figure(f"  unseal the {name} page", out[name + "_unseal"])
        figure("read the cached caseload, sealed", out["read_sealed"])
        figure("read the cached caseload, plain", out["read_plain"])
        figure("seal an outbox item (a contact)", out["item_seal"])
        figure("open an outbox item", out["item_open"])
        print(f"  (sealing an item includes its envelope to the server: {out['sealed_too']})")
        figure("seal an item to the server, signed", out["envelope"])
        figure("sign a pull", out["sign_pull"])
        browser.close()
        server.shutdown()


if __name__ == "__main__":
    main()
