"""Tools for the chaos sync test: a real server process, a faulty proxy, and simulated phones.

Everything talks to 127.0.0.1 only and every loop is bounded. The phones speak the real wire
protocol over HTTP, exactly as static/outbox.js does: a mutation leaves the outbox only on a
well-formed answer from the sync endpoint.
"""

import http.client
import json
import os
import random
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`fieldapp serve` in a subprocess, which the test may kill (SIGKILL) and start again."""

    def __init__(self, instance: Path, port: int):
        self.instance = instance
        self.port = port
        self.process = None
        self.kills = 0

    def start(self):
        env = {**os.environ, "FIELDAPP_INSTANCE": str(self.instance)}
        executable = Path(sys.executable).with_name("fieldapp")
        self.process = subprocess.Popen(
            [str(executable), "serve", "--port", str(self.port)], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self):
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)
            self.kills += 1

    def stop(self):
        if self.alive():
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def _read_http_message(sock) -> bytes:
    """One whole HTTP request from a client socket (headers plus Content-Length body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    match = re.search(rb"content-length:\s*(\d+)", head, re.IGNORECASE)
    length = int(match.group(1)) if match else 0
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


class FaultyProxy:
    """A TCP proxy in front of the server that, per request, passes it, drops it before the server
    sees it, drops the answer after the server has committed, stalls until the client gives up,
    or (when armed) kills the server while the request is in flight."""

    FAULTS = ("pass", "drop_request", "drop_answer", "stall")

    def __init__(self, server: ServerProcess, rng: random.Random, weights=(6, 1, 2, 1)):
        self.server = server
        self.rng = rng
        self.weights = weights
        self.faults_on = True
        self.kill_next = False
        self.counts = {fault: 0 for fault in self.FAULTS}
        self.counts["killed_in_flight"] = 0
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.closing = False
        self.lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def close(self):
        self.closing = True
        self.listener.close()

    def _accept(self):
        while not self.closing:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _choose(self):
        with self.lock:
            if self.kill_next:
                self.kill_next = False
                return "kill"
            if not self.faults_on:
                return "pass"
            return self.rng.choices(self.FAULTS, weights=self.weights)[0]

    def _handle(self, client):
        with client:
            client.settimeout(10)
            try:
                request = _read_http_message(client)
            except OSError:
                return
            fault = self._choose()
            self.counts["killed_in_flight" if fault == "kill" else fault] += 1
            if fault == "drop_request":
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.server.port), timeout=10)
            except OSError:
                return
            with upstream:
                upstream.sendall(request)
                if fault == "kill":
                    time.sleep(self.rng.uniform(0, 0.02))
                    self.server.kill()
                    return
                answer = b""
                try:
                    while chunk := upstream.recv(65536):
                        answer += chunk
                except OSError:
                    return
            if fault == "drop_answer":
                return
            if fault == "stall":
                time.sleep(3)  # longer than the phone's timeout: it has given up
                return
            try:
                client.sendall(answer)
            except OSError:
                pass


class Phone:
    """A simulated phone: a session cookie, a device id, an outbox, what it holds, a cursor."""

    def __init__(self, name, username, server_port, rng, *, clock_skew_days=0.0):
        self.name = name
        self.username = username
        self.device_id = str(uuid.uuid4())
        self.rng = rng
        self.skew_days = clock_skew_days
        self.cookie = None
        self.outbox = []
        self.held = {}  # (type, record_id) -> {"version", "fields"}
        self.cursor = 0
        self.stats = {"requests": 0, "failures": 0, "bytes_sent": 0, "bytes_received": 0}
        self.acknowledged = set()  # mutation ids the server answered applied/conflict/duplicate
        self.acknowledged_batch = []  # the last batch acknowledged, for replaying it
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

    def sync(self, port, *, timeout=2.0, batch=25):
        """One exchange; returns the answer, or None when it failed (nothing leaves the outbox)."""
        sent = self.outbox[:batch]
        body = json.dumps({"protocol": 1, "device_id": self.device_id, "cursor": self.cursor,
                           "mutations": sent}).encode()
        self.stats["requests"] += 1
        self.stats["bytes_sent"] += len(body)
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
            connection.request("POST", "/api/sync", body=body, headers={
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
                       and [r.get("id") for r in answer.get("results", [])] == [m["id"] for m in sent])
        if not well_formed:
            self.stats["failures"] += 1
            return None
        return self._take(sent, answer)

    def _take(self, sent, answer):
        results = {r["id"]: r for r in answer["results"]}
        kept = []
        for mutation in self.outbox:
            result = results.get(mutation["id"])
            if result is None or result["status"] == "deferred":
                kept.append(mutation)
            elif result["status"] == "rejected":
                raise AssertionError(f"{self.name}: rejected {mutation} {result}")
            else:
                self.acknowledged.add(mutation["id"])
        if any(r["status"] in ("applied", "conflict") for r in answer["results"]):
            self.acknowledged_batch = [m for m in sent if m["id"] in self.acknowledged]
        self.outbox = kept
        for change in answer["changes"]:
            if change["type"] == "scope":
                self.held = {k: v for k, v in self.held.items()
                             if v["fields"].get("person_id", k[1]) != change["record_id"]}
                continue
            key = (change["type"], change["record_id"])
            if change["deleted"]:
                self.held.pop(key, None)
            elif key not in self.held or self.held[key]["version"] <= change["version"]:
                self.held[key] = {"version": change["version"], "fields": change["fields"]}
        self.cursor = answer["cursor"]
        return answer
