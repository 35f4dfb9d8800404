"""The OpenAPI document says how the API refuses: RFC 9457 problem details, status by status.

Litestar documents a 400 in its own error shape (`{status_code, detail, extra}`) for every
operation that takes input, and nothing else. The gateway answers every error as
`application/problem+json` (gateway.problems) with the statuses ../API.md fixes. So once the
document is built, `document_problems` replaces Litestar's entry with what each operation can
answer: the statuses any operation of its kind can (a body that is not JSON, input that is not
valid, no access token, a path naming nothing of yours, a service behind the gateway that
cannot answer) and those of OPERATION_PROBLEMS, each with the Problem schema. It also documents
the raw bodies Litestar cannot see (XML documents) and the headers that matter (Location,
Retry-After).
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from litestar.openapi.spec import (
    OpenAPI,
    OpenAPIFormat,
    OpenAPIHeader,
    OpenAPIMediaType,
    OpenAPIResponse,
    OpenAPIType,
    Operation,
    Reference,
    RequestBody,
    Schema,
)
from litestar.openapi.spec import Parameter as OpenAPIParameter

from gateway.problems import PROBLEM_JSON

PROBLEM = Schema(
    type=OpenAPIType.OBJECT,
    required=["type", "title", "status"],
    description="RFC 9457 problem details: what went wrong, for a program and for a person.",
    properties={
        "type": Schema(
            type=OpenAPIType.STRING,
            description="A URN naming the kind of problem, e.g. "
            "urn:problem:invoicing:duplicate-invoice; stable, for programs to branch on.",
        ),
        "title": Schema(type=OpenAPIType.STRING, description="The kind, in words."),
        "status": Schema(type=OpenAPIType.INTEGER, description="The HTTP status."),
        "detail": Schema(
            type=OpenAPIType.STRING, description="This occurrence: what to do about it."
        ),
        "instance": Schema(type=OpenAPIType.STRING, description="The path that was asked for."),
        "errors": Schema(
            type=OpenAPIType.ARRAY,
            description="Validation failures: one per field or e-invoicing rule.",
            items=Schema(
                type=OpenAPIType.OBJECT,
                required=["message"],
                properties={
                    "field": Schema(type=OpenAPIType.STRING, description="The field, if any."),
                    "rule": Schema(
                        type=OpenAPIType.STRING,
                        description="The rule id (BR-CO-15, PEPPOL-EN16931-R003, NL-R-001) or "
                        "the check that failed, if any.",
                    ),
                    "message": Schema(type=OpenAPIType.STRING),
                    "severity": Schema(type=OpenAPIType.STRING, enum=["fatal", "warning"]),
                    "location": Schema(
                        type=OpenAPIType.STRING, description="XPath of the finding, if any."
                    ),
                },
            ),
        ),
    },
)

RETRY_AFTER = OpenAPIHeader(
    description="Seconds to wait before trying again.",
    schema=Schema(type=OpenAPIType.INTEGER),
)

# Statuses a whole kind of operation can answer.
MALFORMED_BODY = "The body cannot be read: not JSON, or not the JSON object this takes."
INVALID_INPUT = "The request is not valid; `errors` names each field that needs attention."
UNAUTHENTICATED = (
    "No valid access token: missing, expired, or its session ended (WWW-Authenticate says which)."
)
TOO_LARGE = "The body is larger than 64 KiB."
NOT_JSON = "Send the body as application/json."
ADMIN_ONLY = "Only an admin of the organisation, or of its environment, may do this."
NOT_FOUND = "No such resource, or not one of yours (another tenant's answers 404 too, never 403)."
UNAVAILABLE = (
    "A service behind the gateway cannot answer right now; nothing was changed. Retry after "
    "Retry-After."
)
TOO_SLOW = "A service behind the gateway did not answer in time. Retrying is safe."

OPERATOR_ONLY = {
    401: "No operator token, or not the right one.",
    403: "Operator routes are off: no OPERATOR_TOKEN is configured.",
}
DOCUMENT_INTAKE = {
    413: "The document is larger than 10 MB.",
    415: "Send the UBL as application/xml.",
    503: "The e-invoicing rules are not installed or still compiling.",
}
REGISTER_DOWN = "The KvK register cannot answer now."
BAD_TOKEN = "The token is not valid: unknown, used before, or expired."  # noqa: S105 (words)

ADMIN_OPERATIONS = frozenset(
    {
        "changeOrganisation",
        "addIdentifier",
        "removeIdentifier",
        "activateOrganisation",
        "setReceiving",
        "setPdfOptions",
        "registerWebhook",
        "listWebhooks",
        "rotateWebhookSecret",
        "removeWebhook",
        "listWebhookDeliveries",
        "replayWebhookDelivery",
    }
)
"""Operations a member of the organisation is refused (403): they change it or its webhooks."""

OPERATION_PROBLEMS: Mapping[str, Mapping[int, str]] = MappingProxyType(
    {
        "verifyRegistration": {400: BAD_TOKEN},
        "login": {
            401: "Wrong e-mail or password; the answer is the same for both.",
            403: "The e-mail address is not verified yet.",
            429: "Too many failed tries: wait Retry-After seconds.",
        },
        "refreshSession": {401: "The refresh token is unknown, was used before, or expired."},
        "getPhoto": {404: "There is no photo."},
        "setPhoto": {
            413: "The image is too big.",
            415: "Not image/jpeg, image/png or image/webp.",
            422: "Not an image we can use.",
        },
        "changePassword": {
            403: "The current password is not right.",
            422: "The new password is too weak; `errors` says why.",
        },
        "confirmPasswordReset": {400: BAD_TOKEN, 422: "The new password is too weak."},
        "inviteUser": {403: "Only an administrator may invite."},
        "acceptInvitation": {
            400: "This invitation link is not valid.",
            409: "This address already has an account in another environment.",
        },
        "listUsers": {
            403: "Only an environment admin, or an admin of organisations, may list users."
        },
        "revokeMembership": {403: "Only an administrator may revoke a membership."},
        "searchKvk": {503: REGISTER_DOWN},
        "addOrganisation": {
            403: "Only an admin of the environment may add organisations.",
            409: "This KvK number and establishment are in the environment already (the "
            "detail names the organisation).",
            422: "The KvK register does not know this number, or a field is not valid.",
            503: REGISTER_DOWN,
        },
        "addIdentifier": {
            409: "The identifier belongs to another organisation already, or it is an OIN "
            "derived from another organisation's KvK number or RSIN.",
            422: "The value fails a check; `errors` names the check.",
            503: "The VAT registry cannot answer now.",
        },
        "activateOrganisation": {409: "A hand-made organisation cannot be activated."},
        "setReceiving": {409: "Only an active organisation can receive."},
        "lookupParticipant": {404: "No organisation receives on this participant id here."},
        "validateDocument": {
            **DOCUMENT_INTAKE,
            422: "The document cannot be read safely (a DTD, entities, XInclude, not "
            "well-formed, not a UBL Invoice or CreditNote); the rule names the reason.",
        },
        "submitInvoice": {
            400: "The Idempotency-Key header is missing.",
            409: "The organisation is not active, or an invoice with this number and issue "
            "date was sent before.",
            **DOCUMENT_INTAKE,
            422: "The document breaks the e-invoicing rules (`errors` names each rule with its "
            "location), cannot be read safely, names a supplier EndpointID that is not one of "
            "the organisation's identifiers, or this Idempotency-Key was used for another "
            "document.",
        },
        "getInvoicePdf": {
            404: "No such invoice, or the PDF options say never and the invoice carries none."
        },
        "registerWebhook": {422: "This URL is not allowed (not https, or a private address)."},
        "rotateWebhookSecret": {400: "The new secret could not be read."},
        "decideActivation": OPERATOR_ONLY,
        "moveOrganisation": OPERATOR_ONLY,
        "listPendingActivations": OPERATOR_ONLY,
        "announceProductNews": OPERATOR_ONLY,
        "searchNotifications": OPERATOR_ONLY,
        "discardDeadLetter": OPERATOR_ONLY,
        "opsOverview": OPERATOR_ONLY,
        "rebuildReadModel": OPERATOR_ONLY,
        "requeueDeadLetter": OPERATOR_ONLY,
    }
)
"""What an operation answers besides the statuses of its kind, by operationId (API.md)."""

XML_BODY: Mapping[str, str] = MappingProxyType(
    {
        "validateDocument": "A UBL 2.1 Invoice or CreditNote (Peppol BIS Billing 3.0), as is.",
        "submitInvoice": "A UBL 2.1 Invoice or CreditNote (Peppol BIS Billing 3.0), as is.",
    }
)
"""Operations whose body is an XML document (the route reads it raw: Litestar cannot see it)."""

LOCATION: Mapping[str, str] = MappingProxyType(
    {
        "submitInvoice": "The invoice: /api/v1/organisations/{organisation_id}/invoices/{id}.",
        "addOrganisation": "The organisation: /api/v1/organisations/{id}.",
    }
)

SUCCESS: Mapping[str, str] = MappingProxyType(
    {
        "200": "OK; the answer follows.",
        "201": "Created; the new resource follows.",
        "202": "Accepted; it is carried out next.",
        "204": "Done; no body.",
    }
)
"""Our words for the success answers (Litestar's default for 201 promises a Location header,
which only the operations in LOCATION send)."""

REQUIRED_HEADERS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {"submitInvoice": ("Idempotency-Key",)}
)
"""Headers an operation needs, though the route reads them as optional: their absence is
answered with the service's own named problem (idempotency-key-missing), not Litestar's."""

_METHODS = ("get", "put", "post", "patch", "delete")


def document_problems(openapi: OpenAPI) -> None:
    """Put every operation's error answers, bodies and headers into the built document."""
    openapi.components.schemas["Problem"] = PROBLEM
    for path, item in (openapi.paths or {}).items():
        for method in _METHODS:
            operation = getattr(item, method, None)
            if operation is not None:
                _document(path, operation)


def _document(path: str, operation: Operation) -> None:
    name = operation.operation_id or ""
    if name in XML_BODY:
        operation.request_body = RequestBody(
            description=XML_BODY[name],
            required=True,
            content={
                "application/xml": OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                )
            },
        )
    for parameter in operation.parameters or ():
        if (
            isinstance(parameter, OpenAPIParameter)
            and parameter.param_in == "header"
            and parameter.name in REQUIRED_HEADERS.get(name, ())
        ):
            parameter.required = True
    responses = dict(operation.responses or {})
    responses.pop("400", None)  # Litestar's own shape, which the gateway never answers
    for code, description in sorted(_problems(path, operation).items()):
        headers: dict[str, OpenAPIHeader | Reference] | None = (
            {"Retry-After": RETRY_AFTER} if code in (429, 503) else None
        )
        responses[str(code)] = OpenAPIResponse(
            description=description,
            headers=headers,
            content={
                PROBLEM_JSON: OpenAPIMediaType(schema=Reference("#/components/schemas/Problem"))
            },
        )
    for status, response in responses.items():
        if status in SUCCESS and isinstance(response, OpenAPIResponse):
            response.description = SUCCESS[status]
    if name in LOCATION:
        for status, response in responses.items():
            if status.startswith("2") and isinstance(response, OpenAPIResponse):
                response.headers = {
                    **(response.headers or {}),
                    "Location": OpenAPIHeader(
                        description=LOCATION[name], schema=Schema(type=OpenAPIType.STRING)
                    ),
                }
    operation.responses = responses


def _problems(path: str, operation: Operation) -> dict[int, str]:
    """The statuses the operation answers with a problem, each described."""
    found: dict[int, str] = {}
    json_body = operation.request_body is not None and _takes_json(operation.request_body)
    if json_body:
        found[400] = MALFORMED_BODY
        found[413] = TOO_LARGE
        found[415] = NOT_JSON
    if operation.request_body is not None or operation.parameters:
        found[422] = INVALID_INPUT
    if operation.security:
        found[401] = UNAUTHENTICATED
    if "{" in path:
        found[404] = NOT_FOUND
    if path.startswith(("/api/", "/ops/api/")):
        found[503] = UNAVAILABLE
        found[504] = TOO_SLOW
    if operation.operation_id in ADMIN_OPERATIONS:
        found[403] = ADMIN_ONLY
    for status, description in OPERATION_PROBLEMS.get(operation.operation_id or "", {}).items():
        kind = found.get(status)
        found[status] = description if kind in (None, UNAUTHENTICATED) else f"{description} {kind}"
    return found


def _takes_json(body: RequestBody | Reference) -> bool:
    return isinstance(body, RequestBody) and any("json" in media for media in body.content)
