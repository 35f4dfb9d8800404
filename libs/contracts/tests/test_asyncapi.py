"""The AsyncAPI document describes every contract, is self-contained, and has the 3.0 shape."""

import copy
import json
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import jsonschema
import pytest
from contracts.asyncapi import build_asyncapi
from contracts.catalogue import COMMANDS, all_events
from contracts.commands import EmailVerifiedReply, ok_reply, problem_reply
from contracts.commands.identity import INVALID_VERIFICATION_TOKEN
from contracts.envelope import Envelope

# No installed PyPI package ships the official AsyncAPI 3.0 JSON Schema (the metaschemas of
# jsonschema-specifications and faststream's pydantic models are not it) and tests must not fetch
# it. So ASYNCAPI_3_SHAPE pins, by hand, the fixed fields of every object we emit (unknown keys are
# refused, as the official schema does) and the naming rules of ids.
_ID = {"pattern": "^[A-Za-z0-9_\\-]+$"}
_COMPONENT_KEY = {"pattern": "^[a-zA-Z0-9\\.\\-_]+$"}
_EXTENSIONS: dict[str, Any] = {"^x-[\\w\\d\\.\\x2d_]+$": {}}


def _fixed(names: str, required: tuple[str, ...] = (), **properties: Any) -> dict[str, Any]:
    """An object that allows only the fixed fields `names` (space-separated) and x- extensions."""
    return {
        "type": "object",
        "required": list(required),
        "properties": {name: properties.get(name, {}) for name in names.split()},
        "patternProperties": _EXTENSIONS,
        "additionalProperties": False,
    }


_REF = {"$ref": "#/definitions/reference"}
_REFS = {"type": "array", "items": _REF}

ASYNCAPI_3_SHAPE: dict[str, Any] = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "definitions": {
        "reference": {
            "type": "object",
            "required": ["$ref"],
            "properties": {"$ref": {"type": "string", "pattern": "^#/"}},
            "additionalProperties": False,
        },
        "server": _fixed(
            "host protocol protocolVersion pathname description title summary variables security"
            " tags externalDocs bindings",
            required=("host", "protocol"),
            host={"type": "string", "minLength": 1},
            protocol={"type": "string"},
        ),
        "parameter": _fixed(
            "enum default description examples location",
            enum={"type": "array", "items": {"type": "string"}, "uniqueItems": True},
        ),
        "channel": _fixed(
            "address messages title summary description servers parameters tags externalDocs"
            " bindings",
            address={"type": ["string", "null"]},
            messages={"type": "object", "propertyNames": _ID, "additionalProperties": _REF},
            parameters={
                "type": "object",
                "propertyNames": {"pattern": "^[A-Za-z0-9_\\-]+$"},
                "additionalProperties": {"$ref": "#/definitions/parameter"},
            },
        ),
        "reply": _fixed("address channel messages", channel=_REF, messages=_REFS),
        "operation": _fixed(
            "action channel title summary description security tags externalDocs bindings traits"
            " messages reply",
            required=("action", "channel"),
            action={"enum": ["send", "receive"]},
            channel=_REF,
            messages=_REFS,
            reply={"$ref": "#/definitions/reply"},
        ),
        "correlationId": _fixed(
            "description location",
            required=("location",),
            location={"type": "string", "pattern": "^\\$message\\.(header|payload)#(/.*)?$"},
        ),
        "message": _fixed(
            "headers payload correlationId contentType name title summary description tags"
            " externalDocs bindings examples traits",
            headers={
                "anyOf": [_REF, {"type": "object", "properties": {"type": {"const": "object"}}}]
            },
            payload={"type": "object"},
            correlationId={"$ref": "#/definitions/correlationId"},
            contentType={"type": "string"},
        ),
    },
    **_fixed(
        "asyncapi id info servers defaultContentType channels operations components",
        required=("asyncapi", "info"),
        asyncapi={"const": "3.0.0"},
        info=_fixed(
            "title version description termsOfService contact license tags externalDocs",
            required=("title", "version"),
            title={"type": "string"},
            version={"type": "string"},
        ),
        servers={"type": "object", "additionalProperties": {"$ref": "#/definitions/server"}},
        channels={
            "type": "object",
            "propertyNames": _ID,
            "additionalProperties": {"$ref": "#/definitions/channel"},
        },
        operations={
            "type": "object",
            "propertyNames": _ID,
            "additionalProperties": {"$ref": "#/definitions/operation"},
        },
        components={
            "type": "object",
            "properties": {
                "schemas": {"type": "object", "propertyNames": _COMPONENT_KEY},
                "messages": {
                    "type": "object",
                    "propertyNames": _COMPONENT_KEY,
                    "additionalProperties": {"$ref": "#/definitions/message"},
                },
            },
        },
    ),
}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return build_asyncapi()


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} points outside the document"
    node: Any = document
    for part in ref[2:].split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and key in node, f"{ref} does not resolve"
        node = node[key]
    return node


def _payload_validator(document: dict[str, Any], message_id: str) -> jsonschema.Draft7Validator:
    schema = {"$ref": f"#/components/messages/{message_id}/payload", **document}
    return jsonschema.Draft7Validator(schema)


def test_every_catalogue_event_has_a_channel_on_its_subject_and_a_message(
    document: dict[str, Any],
) -> None:
    addresses = {c["address"]: c for c in document["channels"].values()}
    for event in all_events():
        channel = addresses[event.nats_subject()]
        message_id = f"{event.event_type}V{event.version}"
        assert message_id in channel["messages"]
        message = document["components"]["messages"][message_id]
        assert message["name"] == event.event_type
        assert message["contentType"] == "application/json"
        assert message["summary"]


def test_every_command_has_a_request_channel_and_an_operation_that_replies(
    document: dict[str, Any],
) -> None:
    operations = document["operations"].values()
    for contract in COMMANDS:
        [answer] = [
            o
            for o in operations
            if _resolve(document, o["channel"]["$ref"])["address"] == contract.subject
        ]
        assert answer["action"] == "receive"
        assert _resolve(document, answer["reply"]["channel"]["$ref"])["address"] is None


def test_every_reference_resolves_inside_the_document(document: dict[str, Any]) -> None:
    for ref in set(_refs(document)):
        _resolve(document, ref)


def test_operations_only_name_messages_of_their_own_channel(document: dict[str, Any]) -> None:
    for operation in document["operations"].values():
        for part in (operation, operation.get("reply")):
            if part:
                channel_ref = part["channel"]["$ref"]
                assert all(
                    m["$ref"].startswith(f"{channel_ref}/messages/") for m in part["messages"]
                )


def test_the_document_has_the_asyncapi_3_shape(document: dict[str, Any]) -> None:
    jsonschema.Draft7Validator.check_schema(ASYNCAPI_3_SHAPE)
    errors = sorted(jsonschema.Draft7Validator(ASYNCAPI_3_SHAPE).iter_errors(document), key=str)
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_shape_check_would_catch_a_misspelt_or_misplaced_field(
    document: dict[str, Any],
) -> None:
    broken = copy.deepcopy(document)
    next(iter(broken["operations"].values()))["acton"] = "send"
    next(iter(broken["channels"].values()))["address"] = 42
    broken["channels"]["events.with.dots"] = broken["channels"].popitem()[1]

    errors = list(jsonschema.Draft7Validator(ASYNCAPI_3_SHAPE).iter_errors(broken))

    assert len(errors) == 3


def test_the_event_bytes_on_the_bus_match_their_documented_payload(
    document: dict[str, Any], user_registered_envelope: Envelope
) -> None:
    published = json.loads(user_registered_envelope.to_json())

    _payload_validator(document, "UserRegisteredV1").validate(published)
    with pytest.raises(jsonschema.ValidationError):
        _payload_validator(document, "EmailVerifiedV1").validate(published)


def test_both_kinds_of_reply_match_their_documented_payload(document: dict[str, Any]) -> None:
    validator = _payload_validator(document, "EmailVerifiedReply")
    verified = EmailVerifiedReply(
        user_id=UUID("0a0a0a0a-0000-4000-8000-000000000001"),
        environment_id=UUID("0e0e0e0e-0000-4000-8000-000000000001"),
    )

    validator.validate(json.loads(ok_reply(verified)))
    validator.validate(json.loads(problem_reply(INVALID_VERIFICATION_TOKEN.reply())))


def test_the_server_is_where_we_were_told() -> None:
    server = build_asyncapi("nats://nats.internal:4333")["servers"]["nats"]

    assert server == {"host": "nats.internal:4333", "protocol": "nats"}
