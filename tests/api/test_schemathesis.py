"""Property-based API test: schemathesis generates requests for every operation of the
OpenAPI schema and no response may be a server error (5xx).

The app is the real one (server.app.create_app) in process, on SQLite and on PostgreSQL (which
refuses what SQLite lets through: NUL in text, integers over 32 bits), with a seeded book: the
demo invoice book and the demo bank day ingested, matched and applied, so ids and numbers
that exist are there to be hit; requests carry an admin key (every scope), so they get past
auth into the handlers. Each operation gets a fresh database (the `rt` fixture): a failure
reproduces on its own, whatever ran before it. Bounded and derandomized (the same examples
every run, as CI needs), no deadline: well under a minute for the whole schema.

    .venv/bin/pytest tests/api/test_schemathesis.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from workflows.runtime import Runtime, fixtures_dir

EXAMPLES_PER_OPERATION = 25


def _seed(rt: Runtime) -> str:
    """The demo book and bank day (applications, review items, audit trail); an admin key."""
    from ledger.db import transaction
    from ledger.repositories import api_keys
    from reconcile.invoice_import import import_book
    from reconcile.invoice_rows import parse_book
    from workflows.pipeline import ingest_path

    demo = fixtures_dir() / "demo"
    book = demo / "invoices.csv"
    with transaction(rt.engine) as session:
        import_book(session, parse_book(book.read_bytes(), book.name), file=book.name, actor="test")
    for path in sorted((demo / "bank").glob("*.xml")):
        ingest_path(rt, path, source="test", actor="test")
    with transaction(rt.engine) as session:
        return api_keys.create(
            session, name="schemathesis", scopes=["admin"], secret=rt.settings.secret_key
        )


def _schema_app() -> Any:
    """An app only to read the OpenAPI document from at collection (it never opens its
    database): the operations are the same for every runtime."""
    import tempfile

    from core.settings import Settings
    from server.app import create_app
    from workflows.runtime import runtime

    scratch = Path(tempfile.gettempdir()) / "remit-schemathesis-schema"
    return create_app(runtime(Settings(database_url="sqlite://", archive_dir=scratch)))


# Read once at import: the same operations for every runtime. Parametrized by hand rather
# than with `@schema.parametrize()`: under pytest 9 schemathesis' items all get the same node
# id (the operation missing from it), and its lazy `from_fixture` fails outright.
SCHEMA = schemathesis.openapi.from_asgi("/openapi.json", _schema_app())
OPERATIONS = [result.ok().label for result in SCHEMA.get_all_operations()]


@pytest.fixture
def live_app(rt: Runtime) -> tuple[Any, dict[str, str]]:
    """The app on this test's freshly seeded database, and an admin key's header."""
    from server.app import create_app

    key = _seed(rt)
    # No scheduler: nothing polls behind the requests' back.
    return create_app(rt), {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize("label", OPERATIONS)
def test_no_server_errors(label: str, live_app: tuple[Any, dict[str, str]]) -> None:
    app, headers = live_app
    operation = SCHEMA.find_operation_by_label(label)
    assert operation is not None
    # Valid requests (reach the handlers) and invalid ones (must be 4xx, never 5xx).
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,  # the same examples every run: a red CI reproduces
        deadline=None,
        database=None,  # nothing replayed from (or left in) .hypothesis/
        suppress_health_check=list(HealthCheck),  # slow ASGI calls are expected
    )
    def run(case: Any) -> None:
        case.call_and_validate(app=app, headers=headers, checks=[not_a_server_error])

    run()
