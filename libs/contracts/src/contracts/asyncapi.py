"""The AsyncAPI 3.0 document of the bus: `python -m contracts.asyncapi` prints it."""

import inspect
import json
import re
import sys
from importlib.metadata import PackageNotFoundError, version
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from contracts.catalogue import COMMANDS, CommandContract, all_events
from contracts.commands.base import ProblemReply
from contracts.commands.partners import PARTNER_EVENT_TYPES
from contracts.commands.wire import RefusedReply
from contracts.envelope import Envelope
from contracts.events.base import IntegrationEvent
from contracts.vocabulary import BOUNDED_CONTEXTS

Document = dict[str, Any]

_SCHEMAS = "#/components/schemas/"
_MESSAGES = "#/components/messages/"
_HEADERS = "NatsEventHeaders"
_EVENT_HEADERS: Document = {
    "type": "object",
    "description": "NATS headers every event is published with.",
    "properties": {
        "Nats-Msg-Id": {
            "type": "string",
            "format": "uuid",
            "description": (
                "The event id (the envelope's `id`). JetStream drops a re-published message "
                "with the same id within the stream's duplicate window."
            ),
        }
    },
    "required": ["Nats-Msg-Id"],
}


_WEBHOOK_HEADERS = "WebhookDeliveryHeaders"
_WEBHOOK_HEADER_SCHEMA: Document = {
    "type": "object",
    "description": "HTTP headers every webhook delivery is POSTed with.",
    "properties": {
        "Content-Type": {"const": "application/cloudevents+json"},
        "X-Event-Id": {
            "type": "string",
            "format": "uuid",
            "description": "The event's id (the envelope's `id`): the same on every attempt and "
            "replay of this event, so a receiver drops what it has seen.",
        },
        "X-Delivery-Id": {
            "type": "string",
            "description": "This delivery (event to this webhook); what `GET "
            "…/webhooks/{id}/deliveries` lists and `…/deliveries/{id}/replay` takes.",
        },
        "X-Timestamp": {
            "type": "string",
            "pattern": "^[0-9]+$",
            "description": "Unix seconds when this attempt was signed; refuse old ones.",
        },
        "X-Signature": {
            "type": "string",
            "pattern": "^sha256=[0-9a-f]{64}(,sha256=[0-9a-f]{64})?$",
            "description": 'sha256=<hex HMAC-SHA256 of "<X-Timestamp>.<body>"> with the '
            "webhook's secret; two, comma-separated, while a secret is rotated (the new one "
            "first).",
        },
    },
    "required": ["Content-Type", "X-Event-Id", "X-Delivery-Id", "X-Timestamp", "X-Signature"],
}


def _summary(model: type[BaseModel]) -> str:
    return (inspect.getdoc(model) or model.__name__).splitlines()[0]


def _identifier(address: str) -> str:
    # Channel and operation ids may hold only letters, digits, "-" and "_".
    return re.sub(r"[^A-Za-z0-9_-]+", "-", address).strip("-")


def _ref(target: str) -> Document:
    return {"$ref": target}


def _event_message(event: type[IntegrationEvent]) -> Document:
    data_pinned = {
        "type": "object",
        "properties": {
            "type": {"const": event.event_type},
            "dataversion": {"const": event.version},
            "data": _ref(f"{_SCHEMAS}{event.__name__}"),
        },
    }
    return {
        "name": event.event_type,
        "title": f"{event.event_type} v{event.version}",
        "summary": _summary(event),
        "contentType": "application/json",
        "headers": _ref(f"{_SCHEMAS}{_HEADERS}"),
        "correlationId": {
            "description": "The request that started the chain of events.",
            "location": "$message.payload#/correlationid",
        },
        "payload": {"allOf": [_ref(f"{_SCHEMAS}Envelope"), data_pinned]},
    }


def _reply_message(reply: type[BaseModel]) -> Document:
    succeeded = {
        "type": "object",
        "additionalProperties": False,
        "properties": {"ok": {"const": True}, "result": _ref(f"{_SCHEMAS}{reply.__name__}")},
        "required": ["ok", "result"],
    }
    return {
        "name": reply.__name__,
        "title": f"{reply.__name__} or a problem",
        "summary": _summary(reply),
        "contentType": "application/json",
        "payload": {"oneOf": [succeeded, _ref(f"{_SCHEMAS}RefusedReply")]},
    }


def _parameters(address: str) -> Document:
    names = re.findall(r"\{(\w+)\}", address)
    described: Document = {n: {"description": f"The {n} answering."} for n in names}
    if "context" in described:
        described["context"]["enum"] = list(BOUNDED_CONTEXTS)
    return described


def _add_events(doc: Document) -> None:
    for event in all_events():
        address = event.nats_subject()
        channel_id, message_id = _identifier(address), f"{event.event_type}V{event.version}"
        doc["components"]["messages"][message_id] = _event_message(event)
        channel = doc["channels"].setdefault(
            channel_id,
            {"address": address, "title": event.event_type, "messages": {}},
        )
        channel["messages"][message_id] = _ref(f"{_MESSAGES}{message_id}")
        operation = doc["operations"].setdefault(
            f"send-{channel_id}",
            {
                "action": "send",
                "channel": _ref(f"#/channels/{channel_id}"),
                "summary": f"{event.context} publishes {event.event_type} after commit.",
                "messages": [],
            },
        )
        operation["messages"].append(_ref(f"#/channels/{channel_id}/messages/{message_id}"))


def _add_partner_feed(doc: Document) -> None:
    """The partner feed (stream PARTNER) and webhook deliveries: what partner systems receive."""
    messages = {
        f"{e.event_type}V{e.version}": _ref(f"{_MESSAGES}{e.event_type}V{e.version}")
        for e in all_events()
        if e.event_type in PARTNER_EVENT_TYPES
    }
    doc["channels"]["partner-feed"] = {
        "address": "partner.{organisation_id}.{event_type}",
        "title": "Partner feed",
        "description": (
            "The JetStream stream PARTNER: each organisation's partner-visible events, the same "
            "CloudEvents envelope as on EVENTS. A partner connects with its own NATS user (see "
            "the README, `python -m partners.feed_access`), which may create one durable "
            "consumer per granted organisation, named <partner>-<organisation_id>, filtered to "
            "partner.<organisation_id>.>, and use the inbox prefix _INBOX_<partner>."
        ),
        "parameters": {
            "organisation_id": {"description": "The organisation the event is about."},
            "event_type": {"enum": list(PARTNER_EVENT_TYPES), "description": "The event type."},
        },
        "messages": messages,
    }
    doc["operations"]["send-partner-feed"] = {
        "action": "send",
        "channel": _ref("#/channels/partner-feed"),
        "summary": "partners copies each organisation's events to its feed, in order, once.",
        "messages": [_ref(f"#/channels/partner-feed/messages/{m}") for m in messages],
    }
    webhook_messages: Document = {}
    for event in all_events():
        if event.event_type not in PARTNER_EVENT_TYPES:
            continue
        message_id = f"Webhook{event.event_type}V{event.version}"
        message = _event_message(event)
        message.update(
            name=message_id,
            title=f"{event.event_type} v{event.version} by webhook",
            contentType="application/cloudevents+json",
            headers=_ref(f"{_SCHEMAS}{_WEBHOOK_HEADERS}"),
            bindings={"http": {"bindingVersion": "0.3.0"}},
        )
        doc["components"]["messages"][message_id] = message
        webhook_messages[message_id] = _ref(f"{_MESSAGES}{message_id}")
    doc["channels"]["webhook-delivery"] = {
        "address": None,
        "title": "Webhook delivery",
        "description": (
            "An HTTP POST to a registered webhook URL (the address is the URL given to "
            "POST /api/v1/organisations/{organisation_id}/webhooks) with the event's envelope "
            "as body and the headers of WebhookDeliveryHeaders. Any 2xx answer acknowledges "
            "it; other answers and timeouts are retried with exponential backoff and jitter "
            "for 24 hours, and one organisation's events arrive in their order."
        ),
        "messages": webhook_messages,
    }
    doc["operations"]["send-webhook-delivery"] = {
        "action": "send",
        "channel": _ref("#/channels/webhook-delivery"),
        "summary": "partners POSTs each event a webhook asked for, signed.",
        "bindings": {"http": {"method": "POST", "bindingVersion": "0.3.0"}},
        "messages": [_ref(f"#/channels/webhook-delivery/messages/{m}") for m in webhook_messages],
    }


def _add_command(doc: Document, contract: CommandContract) -> None:
    channel_id = _identifier(contract.subject)
    request_id, reply_id = contract.request.__name__, contract.reply.__name__
    messages = doc["components"]["messages"]
    messages[request_id] = {
        "name": request_id,
        "title": request_id,
        "summary": _summary(contract.request),
        "contentType": "application/json",
        "payload": _ref(f"{_SCHEMAS}{request_id}"),
    }
    messages[reply_id] = _reply_message(contract.reply)
    request_channel: Document = {
        "address": contract.subject,
        "messages": {request_id: _ref(f"{_MESSAGES}{request_id}")},
    }
    if parameters := _parameters(contract.subject):
        request_channel["parameters"] = parameters
    doc["channels"][channel_id] = request_channel
    doc["channels"][f"{channel_id}-reply"] = {
        "address": None,
        "description": "Answered on the request's NATS reply subject (an _INBOX).",
        "messages": {reply_id: _ref(f"{_MESSAGES}{reply_id}")},
    }
    doc["operations"][f"answer-{channel_id}"] = {
        "action": "receive",
        "channel": _ref(f"#/channels/{channel_id}"),
        "summary": _summary(contract.request),
        "messages": [_ref(f"#/channels/{channel_id}/messages/{request_id}")],
        "reply": {
            "channel": _ref(f"#/channels/{channel_id}-reply"),
            "messages": [_ref(f"#/channels/{channel_id}-reply/messages/{reply_id}")],
        },
    }


def _component_schemas() -> Document:
    models: list[type[BaseModel]] = [Envelope, ProblemReply, RefusedReply, *all_events()]
    for contract in COMMANDS:
        models += [contract.request, contract.reply]
    _, top = models_json_schema(
        [(m, "validation") for m in models], ref_template=_SCHEMAS + "{model}"
    )
    schemas: Document = top["$defs"]
    missing = {m.__name__ for m in models} - schemas.keys()
    if missing:
        raise ValueError(f"contract names clash, cannot reference {sorted(missing)} by name")
    return {**schemas, _HEADERS: _EVENT_HEADERS, _WEBHOOK_HEADERS: _WEBHOOK_HEADER_SCHEMA}


def _package_version() -> str:
    try:
        return version("einvoice-contracts")
    except PackageNotFoundError:
        return "0.0.0"


def build_asyncapi(server_url: str = "nats://127.0.0.1:4222") -> Document:
    """The AsyncAPI 3.0 document of every event and command, operations seen by the services."""
    server = urlsplit(server_url)
    doc: Document = {
        "asyncapi": "3.0.0",
        "info": {
            "title": "E-invoicing platform event bus",
            "version": _package_version(),
            "description": (
                "Integration events travel in CloudEvents envelopes on the JetStream stream "
                "EVENTS as events.<context>.<EventType>; commands and queries are core NATS "
                "request/reply on cmd.<context>.<verb> and qry.<context>.<what>. Operations are "
                "described from the point of view of the service that owns the subject."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "nats": {"host": server.netloc, "protocol": server.scheme or "nats"},
        },
        "channels": {},
        "operations": {},
        "components": {"schemas": _component_schemas(), "messages": {}},
    }
    _add_events(doc)
    _add_partner_feed(doc)
    for contract in COMMANDS:
        _add_command(doc, contract)
    return doc


def main() -> None:
    """Print the document; an optional argument names the NATS server URL."""
    document = build_asyncapi(*sys.argv[1:2])
    print(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False))


if __name__ == "__main__":
    main()
