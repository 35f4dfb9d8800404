"""The OpenAPI document at /schema says how each operation refuses: problem+json, by status."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from gateway.api_document import ADMIN_OPERATIONS, OPERATION_PROBLEMS, REQUIRED_HEADERS, XML_BODY

from tests.unit.test_web_pages import _client

METHODS = ("get", "put", "post", "patch", "delete")
PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    with _client() as client:
        answer = client.get("/schema/openapi.json")
    assert answer.status_code == 200
    return answer.json()  # type: ignore[no-any-return]


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_every_error_answer_is_a_documented_problem(document: dict[str, Any]) -> None:
    assert set(document["components"]["schemas"]["Problem"]["required"]) == {
        "type",
        "title",
        "status",
    }
    for path, method, operation in operations(document):
        for status, response in operation["responses"].items():
            if status.startswith(("4", "5")):
                where = f"{method.upper()} {path} {status}"
                assert response["content"] == {
                    "application/problem+json": {"schema": PROBLEM_REF}
                }, where
                assert response["description"], where


def test_what_any_operation_of_its_kind_can_answer_is_there(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        statuses = set(operation["responses"])
        where = f"{method.upper()} {path}"
        if operation.get("security"):
            assert "401" in statuses, where
        if "{" in path:
            assert "404" in statuses, where
        if path.startswith("/api/"):
            assert {"503", "504"} <= statuses, where
        if operation.get("requestBody") or operation.get("parameters"):
            assert "422" in statuses, where
        if "application/json" in operation.get("requestBody", {}).get("content", {}):
            assert {"400", "413", "415"} <= statuses, where
        for status, response in operation["responses"].items():
            if status == "201" and "Location" not in response.get("headers", {}):
                assert "URL follows" not in response["description"], where
        if operation["operationId"] in ADMIN_OPERATIONS:
            assert "admin" in operation["responses"]["403"]["description"], where


def test_sending_an_invoice_documents_each_refusal_of_api_md(document: dict[str, Any]) -> None:
    submit = document["paths"]["/api/v1/organisations/{organisation_id}/invoices"]["post"]
    assert {"400", "401", "404", "409", "413", "415", "422"} <= set(submit["responses"])
    assert "Location" in submit["responses"]["202"]["headers"]
    add = document["paths"]["/api/v1/organisations"]["post"]
    assert "Location" in add["responses"]["201"]["headers"]
    assert set(submit["requestBody"]["content"]) == {"application/xml"}
    (key,) = (p for p in submit["parameters"] if p["name"] == "Idempotency-Key")
    assert key["in"] == "header" and key["required"] is True
    login = document["paths"]["/api/v1/sessions"]["post"]
    assert "Retry-After" in login["responses"]["429"]["headers"]


def test_the_table_names_only_operations_that_exist(document: dict[str, Any]) -> None:
    names = {operation.get("operationId") for _, _, operation in operations(document)}
    assert set(OPERATION_PROBLEMS) - names == set()
    assert set(XML_BODY) - names == set()
    assert set(REQUIRED_HEADERS) - names == set()
    assert set(ADMIN_OPERATIONS) - names == set()
