"""The phone's side of a push: the service worker shows the server's generic sentence (never who or
what), driven with Chrome DevTools' ServiceWorker.deliverPushMessage since headless Chromium cannot
subscribe to a real push service."""

import json
import time

from tests.test_offline import TIMEOUT, sign_in


def _registration_id(cdp, page):
    found = {}
    cdp.on("ServiceWorker.workerRegistrationUpdated",
           lambda event: found.update({r["scopeURL"]: r["registrationId"]
                                       for r in event["registrations"] if not r["isDeleted"]}))
    cdp.send("ServiceWorker.enable")
    deadline = time.monotonic() + TIMEOUT / 1000
    while not found:
        assert time.monotonic() < deadline, "no service worker registration seen"
        page.wait_for_timeout(50)
    return next(iter(found.values()))


def _notifications(page):
    return page.evaluate("""async () => (await (await navigator.serviceWorker.ready)
        .getNotifications()).map((n) => ({title: n.title, body: n.body}))""")


def test_push_shows_only_a_generic_sentence(phone, live_server):
    context = phone()
    context.grant_permissions(["notifications"], origin=live_server.url)
    page = sign_in(context, "outreach")
    cdp = context.new_cdp_session(page)
    registration = _registration_id(cdp, page)
    payload = {"kind": "conflict", "title": "fieldapp", "body": "Two changes to a record need a decision.",
               "url": "/caseload"}
    cdp.send("ServiceWorker.deliverPushMessage", {
        "origin": live_server.url, "registrationId": registration, "data": json.dumps(payload)})
    deadline = time.monotonic() + TIMEOUT / 1000
    while not _notifications(page):
        assert time.monotonic() < deadline, "no notification shown"
        page.wait_for_timeout(50)
    assert _notifications(page) == [{"title": "fieldapp: something needs you",
                                     "body": "Two changes to a record need a decision."}]

    # A payload that is not one of ours shows the generic text.
    cdp.send("ServiceWorker.deliverPushMessage", {
        "origin": live_server.url, "registrationId": registration, "data": "not json"})
    deadline = time.monotonic() + TIMEOUT / 1000
    while _notifications(page)[-1]["body"] != "Open fieldapp to see what has changed.":
        assert time.monotonic() < deadline, "the generic notification never replaced it"
        page.wait_for_timeout(50)
