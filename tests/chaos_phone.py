"""A simulated phone for the chaos sync test, speaking the real wire protocol over HTTP.

As static/outbox.js does, a mutation leaves the outbox only on a well-formed answer from the sync
endpoint, and the phone's copy is what the answers told it: records by (type, id) with their
version and scope, a scope change dropping every record of that person. Besides its ordinary
syncs, a phone here can have an old request of its own arrive late (a request that stalled in the
network while newer ones were answered) and two of its requests delivered in the opposite order;
the phone gave up on those long ago, so their answers reach nobody, but the server must still
answer them (`duplicate` for what it already stored) and never forget what the phone holds.
"""

import http.client
import json
import re
import time
import uuid

# How many of its own past request bodies a phone remembers, to have one arrive late.
REMEMBERED = 40
# How long a phone waits for an answer before it gives up (the proxy's stalls outlast it).
TIMEOUT = 1.0


def person_of(mutation) -> str | None:
    """The person (sync scope) a mutation is about."""
    if mutation["type"] == "person":
        return mutation["record_id"]
    return (mutation.get("fields") or {}).get("person_id")


class Phone:
    """A session cookie, a device id, an outbox, what it holds, a cursor; and its past requests.

    `may_lose(mutation)` says whether the server may refuse a mutation because its user can no
    longer see (or nobody can see) the person it is about: a share ended, a removal. The worker
    then discards it, as they would on the phone; any other refusal fails the test.
    """

    def __init__(self, name, username, server_port, rng, *, clock_skew_days=0.0,
                 may_lose=lambda mutation: False):
        self.name = name
        self.username = username
        self.device_id = str(uuid.uuid4())
        self.rng = rng
        self.skew_days = clock_skew_days
        self.may_lose = may_lose
        self.cookie = None
        self.outbox = []
        self.held = {}  # (type, record_id) -> {"version", "fields", "scope"}
        self.cursor = 0
        self.stats = {"requests": 0, "failures": 0, "bytes_sent": 0, "bytes_received": 0,
                      "late": 0, "late_answered": 0, "reordered": 0}
        self.acknowledged = set()  # mutation ids the server answered applied/conflict/duplicate
        self.acknowledged_batch = []  # the last batch acknowledged, for replaying it
        self.rejected = {}  # mutation id -> the mutation, refused and discarded (see may_lose)
        self.sent = []  # the last REMEMBERED request bodies, oldest first
        self._login(server_port)

    def _login(self, port):
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("GET", "/login")
        response = connection.getresponse()
        page = response.read().decode()
        cookie = response.getheader("Set-Cookie").split(";")[0]
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        form = (f"csrf_token={token}&username={self.username}&password=demo"
                f"&device_id={self.device_id}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        connection.request("POST", "/login", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
        response = connection.getresponse()
        response.read()
        assert response.status in (302, 303), f"login failed for {self.username}"
        self.cookie = response.getheader("Set-Cookie").split(";")[0]

    def recorded_at(self):
        """The phone's clock: skewed by days, and sometimes jumping backwards."""
        skew = self.skew_days * 86400 - (self.rng.random() < 0.2) * self.rng.uniform(0, 7200)
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + skew))

    def queue(self, type_name, op, record_id, fields, base_version=None):
        mutation = {"id": str(uuid.uuid4()), "type": type_name, "op": op, "record_id": record_id,
                    "base_version": base_version, "recorded_at": self.recorded_at(),
                    "fields": fields}
        self.outbox.append(mutation)
        return mutation

    def people(self):
        held = [rid for (t, rid), r in self.held.items() if t == "person"]
        queued = [m["record_id"] for m in self.outbox if m["type"] == "person" and m["op"] == "create"]
        return sorted(held) + queued

    # ----------------------------------------------------------------- the wire
    def _body(self, batch=25) -> dict:
        """The next request as the phone would send it now (and remembers it, for a late copy)."""
        body = {"protocol": 1, "device_id": self.device_id, "cursor": self.cursor,
                "mutations": self.outbox[:batch]}
        self.sent = [*self.sent[-(REMEMBERED - 1):], body]
        return body

    def _post(self, port, body, timeout) -> dict | None:
        """POST one body; the answer if it is the sync endpoint's well-formed one, else None."""
        raw_body = json.dumps(body).encode()
        self.stats["requests"] += 1
        self.stats["bytes_sent"] += len(raw_body)
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            connection.request("POST", "/api/sync", body=raw_body, headers={
                "Content-Type": "application/json", "X-Fieldapp-Sync": "1",
                "Cookie": self.cookie, "Connection": "close"})
            response = connection.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.stats["failures"] += 1
            return None
        self.stats["bytes_received"] += len(raw)
        try:
            answer = json.loads(raw)
        except ValueError:
            answer = None
        well_formed = (response.status == 200 and isinstance(answer, dict)
                       and answer.get("protocol") == 1
                       and [r.get("id") for r in answer.get("results", [])]
                       == [m["id"] for m in body["mutations"]])
        if not well_formed:
            self.stats["failures"] += 1
            return None
        return answer

    def sync(self, port, *, timeout=TIMEOUT, batch=25):
        """One exchange; returns the answer, or None when it failed (nothing leaves the outbox)."""
        body = self._body(batch)
        answer = self._post(port, body, timeout)
        return None if answer is None else self._take(body["mutations"], answer)

    # ----------------------------------------------------------------- late and reordered
    def pick_late(self):
        """One of the phone's past requests, to arrive late (None before it has sent any)."""
        return self.rng.choice(self.sent) if self.sent else None

    def deliver_late(self, port, body, *, timeout=TIMEOUT):
        """`body`, a request the phone sent earlier and gave up on, reaches the server now. The
        phone is not listening any more: its cursor, outbox and copy stay as they are. Whatever
        the phone has been told was stored since must be answered `duplicate`; anything else may
        be judged afresh (applied, if the original never got through). Returns the answer or None.
        """
        stored_before = set(self.acknowledged)
        self.stats["late"] += 1
        answer = self._post(port, body, timeout)
        if answer is None:
            return None
        self.stats["late_answered"] += 1
        for mutation, result in zip(body["mutations"], answer["results"]):
            if mutation["id"] in stored_before:
                assert result["status"] == "duplicate", (self.name, mutation, result)
            elif result["status"] == "rejected":
                assert self.may_lose(mutation), (self.name, mutation, result)
        return answer

    def overtaken(self, port, *, timeout=TIMEOUT):
        """Two requests delivered in the opposite order: the phone sends A, which stalls; it gives
        up and sends B (its retry, with the same cursor), which is answered; then A arrives."""
        first = self._body()
        self.stats["reordered"] += 1
        answer = self.sync(port, timeout=timeout)
        self.deliver_late(port, first, timeout=timeout)
        return answer

    # ----------------------------------------------------------------- taking an answer
    def _take(self, sent, answer):
        results = {r["id"]: r for r in answer["results"]}
        kept = []
        for mutation in self.outbox:
            result = results.get(mutation["id"])
            if result is None or result["status"] == "deferred":
                kept.append(mutation)
            elif result["status"] == "rejected":
                assert self.may_lose(mutation), f"{self.name}: rejected {mutation} {result}"
                self.rejected[mutation["id"]] = mutation  # the worker discards it
            else:
                self.acknowledged.add(mutation["id"])
        if any(r["status"] in ("applied", "conflict") for r in answer["results"]):
            self.acknowledged_batch = [m for m in sent if m["id"] in self.acknowledged]
        self.outbox = kept
        for change in answer["changes"]:
            if change["type"] == "scope":
                self.held = {k: v for k, v in self.held.items()
                             if v["scope"] != change["record_id"]}
                continue
            key = (change["type"], change["record_id"])
            if change["deleted"]:
                self.held.pop(key, None)
            elif key not in self.held or self.held[key]["version"] <= change["version"]:
                self.held[key] = {"version": change["version"], "fields": change["fields"],
                                  "scope": change["scope"]}
        self.cursor = answer["cursor"]
        return answer
