"""The secrets a server makes for itself on first use (fieldapp/instance_files.py): written whole
or not at all, private from the first byte, one of each however many requests ask at once, and
made again if an older version was killed while writing one (an empty file)."""

import os
import stat
import threading

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from fieldapp import create_app
from fieldapp.instance_files import made_once
from fieldapp.notify import push
from fieldapp.rules import pseudonyms, sealing
from tests.helpers import uid


def at_once(count, work):
    """`work()` in `count` threads released together; their results."""
    start, results = threading.Barrier(count), [None] * count

    def run(n):
        start.wait()
        results[n] = work()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_a_file_made_once_is_private_and_leaves_nothing_else_behind(tmp_path):
    assert made_once(tmp_path / "secret", lambda: b"made") == b"made"
    assert made_once(tmp_path / "secret", lambda: b"again") == b"made"
    assert stat.S_IMODE(os.stat(tmp_path / "secret").st_mode) == 0o600
    assert os.listdir(tmp_path) == ["secret"]


def test_requests_making_the_same_file_at_once_agree_on_one(tmp_path):
    results = at_once(16, lambda: made_once(tmp_path / "secret", lambda: os.urandom(16)))
    assert len(set(results)) == 1 and (tmp_path / "secret").read_bytes() == results[0]
    assert os.listdir(tmp_path) == ["secret"]


def test_an_empty_file_left_by_a_kill_mid_write_is_made_again(tmp_path):
    (tmp_path / "secret").write_bytes(b"")
    assert made_once(tmp_path / "secret", lambda: b"made") == b"made"


@pytest.mark.parametrize("made", [
    lambda instance: create_app({"INSTANCE": instance}).config["SECRET_KEY"],
    pseudonyms.instance_secret,
    lambda instance: push.application_server_key(push.vapid(instance)),
], ids=["session secret", "pseudonym secret", "push key"])
def test_each_secret_of_the_instance_is_made_again_when_left_empty(tmp_path, made):
    instance = tmp_path / "instance"
    instance.mkdir()
    first = made(instance)
    for path in instance.iterdir():
        if path.is_file() and path.name != "fieldapp.db" and not path.name.startswith("fieldapp.db"):
            path.write_bytes(b"")
    again = made(instance)
    assert first and again and again != first


def test_the_first_syncs_of_a_new_server_at_once_share_one_sealing_key(tmp_path):
    rings = at_once(16, lambda: sealing.keyring(tmp_path).public())
    assert len({ring["kid"] for ring in rings}) == 1
    assert len(list((tmp_path / "sealing").glob("key-*.pem"))) == 1


def test_a_sealing_key_left_empty_by_a_kill_is_left_out_and_sealing_goes_on(tmp_path):
    (tmp_path / "sealing").mkdir()
    (tmp_path / "sealing" / "key-20260101T000000000000Z-broken.pem").write_bytes(b"")
    ring = sealing.keyring(tmp_path)
    phone, device = ec.generate_private_key(ec.SECP256R1()), uid()
    mutation = {"id": uid(), "type": "person", "op": "create", "record_id": uid(),
                "recorded_at": "2026-11-22T08:00:00Z", "fields": {"display_name": "A"}}
    envelope = sealing.seal(ring.public(), phone, mutation, device)
    assert sealing.open_envelope(ring, envelope, device, sealing.public_raw(phone.public_key())) \
        == mutation
