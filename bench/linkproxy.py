"""A measuring, link-emulating TCP proxy on 127.0.0.1, for bench/wire.py.

It counts what a client and a server say to each other through it (HTTP requests, bytes up and
down, connections) and, with a link profile, delays every byte as a slow mobile link would: each
direction is a pipe of `kbps` shared by all connections, plus half the round-trip time of latency.
Bytes are the TCP payload (HTTP heads and bodies), not TCP/IP overhead; the TCP handshake is not
delayed (both clients in the bench keep their connections alive).

Runs its own asyncio loop in a daemon thread, so the bench's clients can be plain blocking code.
"""

import asyncio
import threading
import time
from dataclasses import dataclass, field

LINKS = {
    "none": (0.0, None),      # no delay: for counting
    "edge": (0.840, 240),     # 840 ms RTT, 240 kbps (issue 13's `edge`)
}


@dataclass
class Counts:
    """What went through a proxy since its last `reset()`; `log` has one entry per request:
    {"request": "GET /path HTTP/1.1", "up": bytes, "down": bytes, "sent": when the client sent
    it, "answered": when the last byte of its answer reached the client} (loop times; an answer's
    bytes counted to the last request of its connection: browsers and our clients do not
    pipeline). `rounds()` says how many round trips the log took."""
    requests: int = 0
    up: int = 0
    down: int = 0
    connections: int = 0
    log: list = field(default_factory=list)

    def rounds(self, entries=None):
        """The round trips `entries` (default: the whole log) took: the longest chain of requests
        each sent after the answer to the one before it had arrived. Requests sent together, on
        as many connections as the browser likes, are one round however many they are; a request
        that could only be made once an answer was in is another."""
        entries = sorted(self.log if entries is None else entries, key=lambda e: e["sent"])
        depth = []
        for i, entry in enumerate(entries):
            before = [depth[j] for j in range(i)
                      if entries[j]["answered"] is not None and entries[j]["answered"] <= entry["sent"]]
            depth.append(1 + max(before, default=0))
        return max(depth, default=0)


class RequestCounter:
    """Counts HTTP/1.1 requests in a client's byte stream: each request head, then skips its body
    (Content-Length or chunked)."""

    def __init__(self):
        self.buffer = b""
        self.body_left = 0
        self.chunked = False
        self.count = 0
        self.lines = []  # the request lines seen, for the caller to take

    def feed(self, data):
        """Take the next bytes the client sent."""
        self.buffer += data
        while True:
            if self.body_left:
                taken = min(self.body_left, len(self.buffer))
                self.buffer = self.buffer[taken:]
                self.body_left -= taken
                if self.body_left:
                    return
            elif self.chunked:
                if not self._chunk():
                    return
            else:
                end = self.buffer.find(b"\r\n\r\n")
                if end < 0:
                    return
                head, self.buffer = self.buffer[:end].decode("latin-1"), self.buffer[end + 4:]
                self.count += 1
                self.lines.append(head.split("\r\n", 1)[0])
                headers = {k.strip().lower(): v.strip() for k, _, v in
                           (line.partition(":") for line in head.split("\r\n")[1:])}
                self.chunked = "chunked" in headers.get("transfer-encoding", "").lower()
                self.body_left = int(headers.get("content-length", 0) or 0)

    def _chunk(self):
        """Skip one chunk of a chunked body; False when more bytes are needed."""
        end = self.buffer.find(b"\r\n")
        if end < 0:
            return False
        size = int(self.buffer[:end].split(b";")[0], 16)
        if size == 0:  # the last chunk, then an empty line (no trailers from our clients)
            if len(self.buffer) < end + 4:
                return False
            self.buffer = self.buffer[end + 4:]
            self.chunked = False
            return True
        if len(self.buffer) < end + 2 + size + 2:
            return False
        self.buffer = self.buffer[end + 2 + size + 2:]
        return True


class Pipe:
    """One direction of the emulated link: bytes queue behind each other at `kbps`, then travel
    for half the round trip."""

    def __init__(self, rtt, kbps):
        self.latency = rtt / 2
        self.bytes_per_s = kbps * 1000 / 8 if kbps else None
        self.free_at = 0.0

    def arrival(self, nbytes):
        """When `nbytes` handed to the link now reach the other end (loop time)."""
        now = time.monotonic()
        start = max(now, self.free_at)
        self.free_at = start + (nbytes / self.bytes_per_s if self.bytes_per_s else 0.0)
        return self.free_at + self.latency


class MeasuringProxy:
    """Listens on 127.0.0.1:<port> and relays to 127.0.0.1:`target`, counting and delaying."""

    def __init__(self, target, link="none"):
        self.target = target
        self.counts = Counts()
        self.set_link(link)
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        threading.Thread(target=self._run, args=(started,), daemon=True).start()
        started.wait()

    def set_link(self, link):
        """Emulate `link` (a name of LINKS) from now on."""
        rtt, kbps = LINKS[link]
        self.up, self.down = Pipe(rtt, kbps), Pipe(rtt, kbps)

    def reset(self):
        """Start counting afresh; returns what was counted."""
        counts, self.counts = self.counts, Counts()
        return counts

    def _run(self, started):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._connection, "127.0.0.1", 0))
        self.port = self.server.sockets[0].getsockname()[1]
        started.set()
        self.loop.run_forever()

    async def _connection(self, client_reader, client_writer):
        self.counts.connections += 1
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target)
        requests = RequestCounter()
        current = {"entry": None}

        def count_up(data, at):
            requests.feed(data)
            self.counts.requests += requests.count
            requests.count = 0
            for line in requests.lines:
                current["entry"] = {"request": line, "up": 0, "down": 0,
                                    "sent": time.monotonic(), "answered": None}
                self.counts.log.append(current["entry"])
            requests.lines.clear()
            if current["entry"]:
                current["entry"]["up"] += len(data)
            self.counts.up += len(data)

        def count_down(data, at):
            if current["entry"]:
                current["entry"]["down"] += len(data)
                current["entry"]["answered"] = at
            self.counts.down += len(data)

        await asyncio.gather(
            self._relay(client_reader, server_writer, lambda: self.up, count_up),
            self._relay(server_reader, client_writer, lambda: self.down, count_down),
            return_exceptions=True)

    async def _relay(self, reader, writer, pipe, count):
        """Copy one direction, each chunk delivered when the link would deliver it (chunks are
        read on as they come, so latency overlaps as on a real link)."""
        queue = asyncio.Queue()

        async def deliver():
            while True:
                item = await queue.get()
                if item is None:
                    break
                at, data = item
                delay = at - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                writer.write(data)
                await writer.drain()
            writer.close()

        delivering = asyncio.ensure_future(deliver())
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                at = pipe().arrival(len(data))
                count(data, at)
                queue.put_nowait((at, data))
        except (ConnectionError, OSError):
            pass
        queue.put_nowait(None)
        await delivering
