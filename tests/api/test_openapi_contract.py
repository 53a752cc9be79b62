"""The OpenAPI document declares what every operation answers (DEVELOPERS.md, "Every JSON
route declares ..."): a typed success body, and the RFC 9457 problems it can answer —
401/403 where a key is needed, 404 where the path names something, 422 where there is input,
400/413 where there is a body — each under `application/problem+json`. Workbench pages are
not in it. And dates are read strictly: `as_of=0` is a 422, not 1970-01-01.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from pydantic import TypeAdapter

from api.problems import MEDIA_TYPE
from api.schemas.problems import Problem, ValidationProblem
from core.settings import Settings
from server.app import create_app
from workflows.runtime import Runtime, runtime

# Answers that are not JSON, by design: the Prometheus scrape, and a deletion (no body).
NOT_JSON = {
    ("get", "/metrics"): "text/plain",
    ("delete", "/api/v1/dunning/policies/{policy_id}"): None,
}
REF = "#/components/schemas/"


def _spec() -> dict[str, Any]:
    return create_app(runtime(Settings(database_url="sqlite://"))).openapi()


SPEC = _spec()
OPERATIONS = [
    (method, path, operation)
    for path, operations in SPEC["paths"].items()
    for method, operation in operations.items()
]
IDS = [f"{method.upper()} {path}" for method, path, _ in OPERATIONS]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SPEC["components"]["schemas"][schema["$ref"].removeprefix(REF)]
    return schema


def _problem_schema(operation: dict[str, Any], code: str) -> str:
    """The problem model an error answer is declared with (under problem+json)."""
    answer = operation["responses"].get(code)
    assert answer is not None, f"{code} not declared"
    schema = answer["content"][MEDIA_TYPE]["schema"]
    return str(schema["$ref"].removeprefix(REF))


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_operation_declares_its_answers(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    responses = operation["responses"]
    success = {code: r for code, r in responses.items() if code.startswith("2")}
    assert success, "no success answer declared"
    for code, answer in success.items():
        kind = NOT_JSON.get((method, path), "application/json")
        if kind is None:
            assert "content" not in answer
            continue
        schema = answer["content"][kind]["schema"]
        if kind == "application/json":
            # A named model (or a list of one), never `{}`: clients generate types from it.
            named = schema.get("$ref") or schema.get("items", {}).get("$ref")
            assert named, f"{code}: untyped JSON answer {schema}"
            assert _resolve(schema if "$ref" in schema else schema["items"]).get("properties")
    if "security" in operation:  # a key is needed
        assert _problem_schema(operation, "401") == "Problem"
        assert "WWW-Authenticate" in responses["401"]["headers"]
        assert _problem_schema(operation, "403") == "Problem"
    if "{" in path:
        assert _problem_schema(operation, "404") == "Problem"
    if operation.get("parameters") or "requestBody" in operation:
        assert _problem_schema(operation, "422") == "ValidationProblem"
    if "requestBody" in operation:
        assert _problem_schema(operation, "400") == "Problem"
        assert _problem_schema(operation, "413") == "Problem"
    for code, answer in responses.items():
        if code.startswith(("4", "5")) and code != "503":
            assert MEDIA_TYPE in answer["content"], f"{code} is not a problem"
    for parameter in operation.get("parameters", []):  # absent or a value, never "null"
        assert "anyOf" not in parameter["schema"], parameter


def test_the_document_is_the_api_only() -> None:
    """Workbench pages (HTML) are not in the document; FastAPI's validation error shape,
    which remit never answers, is not either."""
    assert all(p.startswith("/api/v1/") or p in ("/metrics", "/healthz") for p in SPEC["paths"])
    assert "HTTPValidationError" not in SPEC["components"]["schemas"]
    assert len(OPERATIONS) >= 49


def test_links_lead_to_operations_that_take_their_parameters() -> None:
    found = 0
    for _, _, operation in OPERATIONS:
        for answer in operation["responses"].values():
            for name, link in answer.get("links", {}).items():
                pointer = link["operationRef"].removeprefix("#/paths/")
                target_path, _, target_method = (
                    pointer.replace("~1", "/").replace("~0", "~").rpartition("/")
                )
                target = SPEC["paths"][target_path][target_method]
                taken = {p["name"] for p in target.get("parameters", [])}
                assert set(link["parameters"]) <= taken, name
                found += 1
    assert found >= 10


@pytest.fixture
def client(rt: Runtime) -> Iterator[TestClient]:
    from ledger.db import transaction
    from ledger.repositories import api_keys

    with transaction(rt.engine) as s:
        key = api_keys.create(s, name="erp", scopes=["ar:read"], secret=rt.settings.secret_key)
    with TestClient(create_app(rt), headers={"Authorization": f"Bearer {key}"}) as c:
        yield c


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("/api/v1/ar-metrics?as_of=0", "as_of"),  # seconds since 1970: no date
        ("/api/v1/ar-metrics/aging?as_of=20261201", "as_of"),
        ("/api/v1/ar-metrics/trend?metric=dso&from=2026-01-01T00:00:00", "from"),
        ("/api/v1/reports/cash-application?until=1700000000", "until"),
        ("/api/v1/invoices?due_before=2026-02-30", "due_before"),
        ("/api/v1/payments?date_from=%EF%BC%92026-01-01", "date_from"),  # a full-width digit
        ("/api/v1/reminders/preview?invoice_number=X&as_of=0", "as_of"),
    ],
)
def test_a_date_is_written_yyyy_mm_dd(client: TestClient, url: str, name: str) -> None:
    answer = client.get(url)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == MEDIA_TYPE
    body = TypeAdapter(ValidationProblem).validate_json(answer.content)
    assert isinstance(body.detail, list)
    assert [(e.type, e.loc[-1]) for e in body.detail] == [("date_parsing", name)]


def test_every_refusal_is_the_problem_its_operation_declares(client: TestClient) -> None:
    """A rule the schema cannot state (a sentence), an unknown id, a missing key: each body is
    the declared problem model, under application/problem+json."""
    for url, status, model in [
        ("/api/v1/ar-metrics?as_of=1800-01-01", 422, ValidationProblem),
        ("/api/v1/payments/999", 404, Problem),
        ("/api/v1/invoices/NOPE", 404, Problem),
        ("/api/v1/exceptions", 403, Problem),
    ]:
        answer = client.get(url)
        assert answer.status_code == status, answer.text
        assert answer.headers["content-type"] == MEDIA_TYPE
        body = TypeAdapter(model).validate_json(answer.content, strict=True)
        assert body.status == status and isinstance(body.detail, str)
    anonymous = client.get("/api/v1/payments", headers={"Authorization": ""})
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    TypeAdapter(Problem).validate_json(anonymous.content, strict=True)


def test_dates_in_a_body_are_read_strictly_too(rt: Runtime) -> None:
    from ledger.db import transaction
    from ledger.repositories import api_keys

    with transaction(rt.engine) as s:
        key = api_keys.create(
            s, name="r", scopes=["treasury:review"], secret=rt.settings.secret_key
        )
    with TestClient(create_app(rt), headers={"Authorization": f"Bearer {key}"}) as c:
        for as_of in (0, "0", "2027-01-20T00:00:00"):
            answer = c.post("/api/v1/reminders/run", json={"as_of": as_of, "dry_run": True})
            assert answer.status_code == 422, (as_of, answer.text)
            assert re.search("YYYY-MM-DD", answer.text)
        day = c.post("/api/v1/reminders/run", json={"as_of": "2027-01-20", "dry_run": True})
        assert day.status_code == 200, day.text
