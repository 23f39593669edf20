"""Push notifications end to end: pywebpush against a push-service stand-in on 127.0.0.1 that
checks the VAPID token and decrypts the aes128gcm body, as a real push service and phone would."""

import base64
import json
import os
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from fieldapp import devices, users
from fieldapp.notify import push

HEADERS = {"X-Fieldapp-Sync": "1"}


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class PushService:
    """Plays the browser vendor's push service and the phone's decryption."""

    def __init__(self):
        self.keys = {}  # path -> (private key, auth secret)
        self.received = []  # (path, ttl, payload dict, vapid public key)
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path.endswith("/gone"):
                    self.send_response(410)
                    self.end_headers()
                    return
                authorization = self.headers["Authorization"]
                assert Vapid02.verify(authorization), "bad VAPID token"
                vapid_key = authorization.split("k=")[1]
                private_key, secret = service.keys[self.path]
                payload = http_ece.decrypt(body, private_key=private_key, auth_secret=secret,
                                           version="aes128gcm")
                service.received.append((self.path, int(self.headers["TTL"]),
                                         json.loads(payload), vapid_key))
                self.send_response(201)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def subscription(self, name):
        """What PushManager.subscribe() would give a phone, pointing here."""
        private_key = ec.generate_private_key(ec.SECP256R1())
        secret = os.urandom(16)
        path = f"/push/{name}"
        self.keys[path] = (private_key, secret)
        public = private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": f"http://127.0.0.1:{self.server.server_port}{path}",
                "expirationTime": None, "keys": {"p256dh": b64url(public), "auth": b64url(secret)}}

    def to(self, name):
        return [payload for path, _, payload, _ in self.received if path == f"/push/{name}"]


@pytest.fixture
def service():
    stand_in = PushService()
    yield stand_in
    stand_in.server.shutdown()


@pytest.fixture
def app(make_app, service):
    return make_app(PUSH_IN_BACKGROUND=False,
                    PUSH_TEST_SERVICE=f"http://127.0.0.1:{service.server.server_port}/push/")


def subscribe(app, db, username, subscription):
    client = app.test_client()
    client.post("/login", data={"username": username, "password": "demo",
                                "device_id": str(uuid.uuid4())})
    response = client.post("/account/notifications/subscriptions", json=subscription)
    assert response.status_code == 201, response.get_json()
    return client


def phone(app, username):
    client = app.test_client()
    device_id = str(uuid.uuid4())
    client.post("/login", data={"username": username, "password": "demo", "device_id": device_id})
    return client, device_id


def sync(client, device_id, mutations):
    response = client.post("/api/sync", headers=HEADERS, json={
        "protocol": 1, "device_id": device_id, "cursor": 0, "mutations": mutations})
    assert response.status_code == 200
    return response.get_json()["results"]


def edit(person_id, base_version, **fields):
    return {"id": str(uuid.uuid4()), "type": "person", "op": "update", "record_id": person_id,
            "base_version": base_version, "fields": fields}


def test_subscription_is_stored_and_a_bad_one_refused(app, db, demo_data, service):
    subscribe(app, db, "outreach", service.subscription("ann"))
    assert db["push_subscription"].count == 1
    client, _ = phone(app, "outreach")
    response = client.post("/account/notifications/subscriptions", json={"endpoint": "nope"})
    assert response.status_code == 400 and db["push_subscription"].count == 1


def test_notifications_page_offers_the_vapid_public_key(app, db, demo_data):
    client, _ = phone(app, "outreach")
    page = client.get("/account/notifications").data.decode()
    key = push.application_server_key(push.vapid(app.config["INSTANCE"]))
    assert f'data-push-key="{key}"' in page and len(key) == 87


def test_conflict_reaches_the_other_worker_and_coordinator_with_no_personal_data(
        app, db, demo_data, service):
    for username in ("outreach", "outreach2", "coordinator"):
        subscribe(app, db, username, service.subscription(username))
    dan = demo_data["Dan"]
    version = db["person"].get(dan)["version"]
    colleague, colleague_device = phone(app, "outreach2")
    assert sync(colleague, colleague_device, [edit(dan, version, description="In the church porch")])[
        0]["status"] == "applied"
    worker, device = phone(app, "outreach")
    assert sync(worker, device, [edit(dan, version, description="Moved to a tent")])[0][
        "status"] == "conflict"
    assert [p["kind"] for p in service.to("outreach2")] == ["conflict"]
    assert [p["kind"] for p in service.to("coordinator")] == ["conflict"]
    assert service.to("outreach") == []  # the worker who caused it sees it on their phone already
    for _path, ttl, payload, vapid_key in service.received:
        assert ttl > 0  # a phone out of signal still gets it later
        text = json.dumps(payload)
        assert "Dan" not in text and "tent" not in text and "porch" not in text
        assert vapid_key == push.application_server_key(push.vapid(app.config["INSTANCE"]))


def test_new_trusted_person_is_told(app, db, demo_data, service):
    subscribe(app, db, "navigator", service.subscription("navigator"))
    navigator = users.get_user_by_username(db, "navigator")["id"]
    dan = demo_data["Dan"]
    coordinator, device = phone(app, "coordinator")
    [result] = sync(coordinator, device, [edit(dan, db["person"].get(dan)["version"],
                                               trusted_person_id=navigator)])
    assert result["status"] == "applied"
    assert [p["kind"] for p in service.to("navigator")] == ["assigned"]


def test_gone_subscription_is_forgotten(app, db, demo_data, service):
    gone = service.subscription("gone")
    gone["endpoint"] = gone["endpoint"].replace("/push/gone", "/push/x/gone")
    subscribe(app, db, "outreach", gone)
    user_id = users.get_user_by_username(db, "outreach")["id"]
    assert push.notify(db, app.config, [user_id], "attention") == 0
    assert db["push_subscription"].count == 0


def test_a_deactivated_workers_phones_get_no_more_pushes(app, db, demo_data, service):
    subscribe(app, db, "navigator", service.subscription("navigator"))
    navigator = users.get_user_by_username(db, "navigator")["id"]
    admin, _ = phone(app, "admin")
    assert admin.post(f"/admin/users/{navigator}/deactivate").status_code == 302
    dan = demo_data["Dan"]
    coordinator, device = phone(app, "coordinator")
    sync(coordinator, device, [edit(dan, db["person"].get(dan)["version"], trusted_person_id=None)])
    assert push.notify(db, app.config, [navigator], "attention") == 0
    assert service.to("navigator") == [] and db["push_subscription"].count == 0


def test_a_revoked_phone_gets_no_more_pushes(app, db, demo_data, service):
    client = subscribe(app, db, "outreach", service.subscription("lost"))
    outreach = users.get_user_by_username(db, "outreach")["id"]
    [device] = devices.list_devices(db, outreach)
    admin, _ = phone(app, "admin")
    assert admin.post(f"/admin/users/{outreach}/devices/{device['id']}/revoke").status_code == 302
    assert push.notify(db, app.config, [outreach], "attention") == 0
    assert service.to("lost") == []
    assert client.get("/account/notifications").status_code in (302, 401)


@pytest.mark.parametrize("endpoint", [
    "http://127.0.0.1:9/anything", "https://127.0.0.1/x", "https://[::1]/x", "https://10.0.0.5/x",
    "https://169.254.169.254/latest/meta-data", "https://localhost/x", "http://fcm.googleapis.com/x",
    "https://fcm.googleapis.com.evil.example/x", "https://user:pw@fcm.googleapis.com/x",
    "https://evil.example/fcm.googleapis.com"])
def test_a_subscription_to_anything_but_a_push_service_is_refused(app, db, demo_data, endpoint):
    """No blind SSRF: the server only ever POSTs to the browser vendors' push services."""
    client, _ = phone(app, "outreach")
    subscription = {"endpoint": endpoint, "expirationTime": None,
                    "keys": {"p256dh": "B" * 87, "auth": "A" * 22}}
    response = client.post("/account/notifications/subscriptions", json=subscription)
    assert response.status_code == 400 and db["push_subscription"].count == 0


@pytest.mark.parametrize("endpoint", ["https://fcm.googleapis.com/fcm/send/abc",
                                      "https://wns2-par02p.notify.windows.com/w/?token=abc",
                                      "https://web.push.apple.com/QGuQyavXutnMH"])
def test_a_browser_vendors_push_service_is_accepted(app, db, demo_data, endpoint):
    client, _ = phone(app, "outreach")
    subscription = {"endpoint": endpoint, "expirationTime": None,
                    "keys": {"p256dh": "B" * 87, "auth": "A" * 22}}
    assert client.post("/account/notifications/subscriptions", json=subscription).status_code == 201


def test_an_admins_password_reset_tells_the_workers_phones_in_generic_words(app, db, demo_data,
                                                                            service):
    subscribe(app, db, "outreach", service.subscription("olu"))
    admin, _ = phone(app, "admin")
    outreach = users.get_user_by_username(db, "outreach")["id"]
    admin.post(f"/admin/users/{outreach}/password", data={"password": "plum-kettle-harbour"})
    [payload] = service.to("olu")
    assert payload["kind"] == "password" and payload["body"] == push.MESSAGES["password"]
    assert payload["body"] == "Your fieldapp password was reset by an administrator."
