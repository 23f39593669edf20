"""Tools for the chaos sync test: a real server process and a faulty proxy in front of it.

Everything talks to 127.0.0.1 only and every loop is bounded. The simulated phones are in
tests/chaos_phone.py, the coordinator who changes who sees whom in tests/chaos_scope.py.
"""

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
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# How long a stalled answer is held back: longer than a phone waits (tests/chaos_phone.py).
STALL_SECONDS = 1.5


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ServerProcess:
    """`fieldapp serve` in a subprocess, which the test may kill (SIGKILL) and start again."""

    def __init__(self, instance: Path, port: int, log: Path | None = None):
        self.instance = instance
        self.port = port
        self.log = log  # where the server's output goes (appended across restarts), or nowhere
        self.process = None
        self.kills = 0

    def start(self):
        env = {**os.environ, "FIELDAPP_INSTANCE": str(self.instance)}
        executable = Path(sys.executable).with_name("fieldapp")
        out = open(self.log, "ab") if self.log else subprocess.DEVNULL
        try:
            self.process = subprocess.Popen(
                [str(executable), "serve", "--port", str(self.port)], env=env,
                stdout=out, stderr=out)
        finally:
            if self.log:
                out.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the server did not start")

    def logged(self):
        """(line, its JSON object) for each line the server logged as JSON, across its restarts
        (with `log` given; none without)."""
        if not self.log or not Path(self.log).exists():
            return
        for line in Path(self.log).read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict):
                yield line, entry

    def errors(self) -> list[str]:
        """The log lines of every answer of 500 and every error the server logged."""
        return [line[:2000] for line, entry in self.logged()
                if entry.get("status") == 500 or entry.get("level") in ("error", "critical")]

    def answer_times(self, endpoint: str) -> list[float]:
        """Seconds the server took for each answer of `endpoint` (its request log's "ms"): what
        the server spent, without the client's or the link's."""
        return [entry["ms"] / 1000 for _line, entry in self.logged()
                if entry.get("endpoint") == endpoint and isinstance(entry.get("ms"), (int, float))]

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
                time.sleep(STALL_SECONDS)  # the phone has given up by now
                return
            try:
                client.sendall(answer)
            except OSError:
                pass
