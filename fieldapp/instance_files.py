"""Secrets the app makes for itself in its instance folder on first use: the session secret, the
pseudonym secret, the VAPID key pair and the sealing keys.

Each is written whole or not at all, readable by the owner only from the first byte: the bytes go
to a temporary file (0600) in the same folder, which is flushed to disk and then linked to its
name, so that
- a server killed while writing one leaves no empty or half-written file behind (which every
  later request would fail on: an empty sealing key answered every sync with a 500);
- two requests (or processes) making the same file at once agree on one: the first link wins, and
  the other reads what it made.
An empty file of that name (left by an earlier version killed mid-write) counts as not made.
"""

import os
import threading
from pathlib import Path


def made_once(path, make) -> bytes:
    """The bytes of the file at `path`, made with `make()` (bytes) if it does not exist yet."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        data = b""
    if data:
        return data
    write_new(path, make())
    return path.read_bytes()


def write_new(path, data: bytes) -> None:
    """Write `data` to `path`, 0600, all at once, unless a whole file is there already (whoever
    linked first made it). An empty file there is replaced."""
    path = Path(path)
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            if _is_empty(path):
                os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    _sync_folder(path.parent)


def _is_empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except FileNotFoundError:
        return True


def _sync_folder(folder: Path) -> None:
    """Flush the folder's entry for the new name, so that a power cut cannot lose the file."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
