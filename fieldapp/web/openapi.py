"""An OpenAPI description of the sync endpoint, generated from the marshmallow schemas that validate
it (apispec), so the description cannot drift from what the server accepts. Served at
/api/openapi.json and fuzzed by schemathesis in the tests."""

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from marshmallow import Schema, fields

from sync.wire import AnswerSchema, ChangeSchema, EnvelopeSchema, MutationSchema, ResultSchema

from ..notify.push import SubscriptionSchema
from ..records import record_types
from ..rules.handover import HandOver
from .api import SignOutSchema


class HandOverResult(Schema):
    """One handed-over item's answer."""

    id = fields.String(required=True)
    status = fields.String(required=True, metadata={
        "description": "kept | not_verified | already_received | refused"})
    errors = fields.Dict(keys=fields.String(), values=fields.Raw())


class HandOverAnswer(Schema):
    """The answer to a lost phone's hand-over."""

    protocol = fields.Integer(required=True)
    results = fields.List(fields.Nested(HandOverResult), required=True)


class UnsubscribeSchema(Schema):
    """The body of the unsubscribe call."""

    endpoint = fields.String(required=True)


class ErrorSchema(Schema):
    """Every non-200 answer of the sync endpoint."""

    error = fields.String(required=True, metadata={"description": (
        "bad_request | login_required | revoked | forbidden_origin | device_mismatch | too_large"
        " | password_change_required | not_revoked")})
    messages = fields.Dict(keys=fields.String(), values=fields.Raw())
    revoked = fields.Boolean()
    max_mutations = fields.Integer()
    max_bytes = fields.Integer()


def _error(description):
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def build_spec(config) -> dict:
    """The OpenAPI 3 document for this deployment (its record types and limits)."""
    spec = APISpec(
        title="fieldapp sync", version="1", openapi_version="3.0.3",
        plugins=[MarshmallowPlugin()],
        info={"description": "Protocol 1: one round trip pushes a phone's mutations and pulls its "
                             "changes. See the README's 'Sync protocol' section."})
    spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie",
                                                "name": config["SESSION_COOKIE_NAME"]})
    for name, schema in (("Mutation", MutationSchema), ("Envelope", EnvelopeSchema),
                         ("Result", ResultSchema), ("Change", ChangeSchema),
                         ("Answer", AnswerSchema), ("Error", ErrorSchema)):
        spec.components.schema(name, schema=schema)
    for record_type in record_types(config):
        spec.components.schema(f"{record_type.name.capitalize()}Fields", schema=record_type.schema)
    spec.path(path="/api/sync", operations={"post": {
        "summary": "Push mutations and pull changes",
        "security": [{"session": []}],
        "parameters": [{"name": "X-Fieldapp-Sync", "in": "header", "required": True,
                        "schema": {"type": "string", "enum": ["1"]},
                        "description": "Cross-site defence: a form on another site cannot set it."}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Envelope"}}}},
        "responses": {
            "200": {"description": "One result per mutation, in order, and a page of changes.",
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Answer"}}}},
            "400": _error("Malformed envelope, not JSON, or the header is missing."),
            "401": _error("Not logged in: the phone keeps its outbox."),
            "403": _error("Revoked device (wipe), a foreign Origin, or a one-time password not yet "
                          "replaced (password_change_required: the phone keeps its outbox)."),
            "409": _error("device_id is not the device this session logged in from."),
            "413": _error(f"More than {config['SYNC_MAX_MUTATIONS']} mutations or "
                          f"{config['SYNC_MAX_BYTES']} bytes."),
        }}})
    spec.components.schema("HandOver", schema=HandOver)
    spec.components.schema("HandOverAnswer", schema=HandOverAnswer)
    spec.path(path="/api/handover", operations={"post": {
        "summary": "A revoked phone hands over its unsent records (kept, never applied), then wipes",
        "parameters": [{"name": "X-Fieldapp-Sync", "in": "header", "required": True,
                        "schema": {"type": "string", "enum": ["1"]},
                        "description": "Cross-site defence: a form on another site cannot set it."}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/HandOver"}}}},
        "responses": {
            "200": {"description": "One result per item, in order.", "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/HandOverAnswer"}}}},
            "400": _error("Malformed body, not JSON, or the header is missing."),
            "403": _error("A foreign Origin."),
            "409": _error("not_revoked: the device is in good standing (use /api/sync) or unknown."),
            "413": _error(f"More than {config['SYNC_MAX_MUTATIONS']} items or "
                          f"{config['SYNC_MAX_BYTES']} bytes."),
        }}})
    spec.components.schema("SignOut", schema=SignOutSchema)
    spec.path(path="/api/sign-out", operations={"post": {
        "summary": "End the session of a shared phone handed on with no signal (Switch worker)",
        "security": [{"session": []}],
        "parameters": [{"name": "X-Fieldapp-Sync", "in": "header", "required": True,
                        "schema": {"type": "string", "enum": ["1"]},
                        "description": "Cross-site defence: a form on another site cannot set it."}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/SignOut"}}}},
        "responses": {
            "200": {"description": "signed_out: whether this cookie's session was that device's "
                                   "and has ended (false: nothing to end).",
                    "content": {"application/json": {"schema": {"type": "object", "properties": {
                        "signed_out": {"type": "boolean"}}}}}},
            "400": _error("Malformed body, not JSON, or the header is missing."),
            "403": _error("A foreign Origin."),
            "413": _error(f"More than {config['SYNC_MAX_BYTES']} bytes."),
        }}})
    spec.components.schema("Subscription", schema=SubscriptionSchema)
    spec.components.schema("Unsubscribe", schema=UnsubscribeSchema)
    json_error = {"description": "Not JSON, or not a push subscription.", "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    login_redirect = {"description": "Not logged in: sent to the login page."}
    spec.path(path="/account/notifications/subscriptions", operations={"post": {
        "summary": "Store this phone's push subscription (PushManager.subscribe() as JSON)",
        "security": [{"session": []}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Subscription"}}}},
        "responses": {"201": {"description": "Stored.", "content": {"application/json": {
            "schema": {"type": "object", "properties": {"subscribed": {"type": "boolean"}}}}}},
            "400": json_error, "302": login_redirect}}})
    spec.path(path="/account/notifications/subscriptions/delete", operations={"post": {
        "summary": "Forget this phone's push subscription",
        "security": [{"session": []}],
        "requestBody": {"required": True, "content": {"application/json": {
            "schema": {"$ref": "#/components/schemas/Unsubscribe"}}}},
        "responses": {"200": {"description": "Forgotten (or never stored).", "content": {
            "application/json": {"schema": {"type": "object", "properties": {
                "subscribed": {"type": "boolean"}}}}}}, "302": login_redirect}}})
    document = spec.to_dict()
    # The envelope accepts any object per mutation and judges each on its own (a bad one is
    # `rejected`, not a 400); the description shows what a good one looks like.
    envelope = document["components"]["schemas"]["Envelope"]
    envelope["properties"]["mutations"]["items"] = {"$ref": "#/components/schemas/Mutation"}
    return document
