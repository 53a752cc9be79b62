"""Property-based API test: schemathesis generates requests for every operation of the
OpenAPI schema and checks every answer against the document, with all of its checks: no
server error, every status code, content type, header and body as the schema declares them
(response_schema_conformance), bad input refused, good input accepted, a missing or wrong key
refused; and a stateful run that follows the document's links (create -> get, list -> get,
a queue item -> its actions).

The app is the real one (server.app.create_app) in process, on SQLite and on PostgreSQL (which
refuses what SQLite lets through: NUL in text, integers over 32 bits), with a seeded book: the
demo invoice book and the demo bank day ingested, matched and applied, so ids and numbers
that exist are there to be hit; requests carry an admin key (every scope) through
schemathesis' auth, so they get past auth into the handlers — and the cases that test a
missing key go without it. Each operation gets a fresh database (the `rt` fixture) holding
the same seeded book (seeded once per backend, then copied): a failure reproduces on its
own, whatever ran before it. Bounded and derandomized (the same
examples every run, as CI needs), no deadline.

One check is refined: positive_data_acceptance says a request the schema allows must not be
refused. A 422 the schema cannot foresee — a rule of the book (an unknown customer, a date
outside what a report covers, a file that is no bank file) or a validator's cross-field rule
(an allocation must settle something) — is declared and passes; a 422 whose field errors
are the schema's own kind (a pattern, a type, a missing field: FastAPI refusing what the
document allows) still fails: the document would be lying.

And one is left out where it cannot hold: negative_data_rejection on a file upload
(multipart/form-data). A file part is bytes, whatever they spell: the "null" schemathesis
sends as a schema-violating file is a 4-byte file, and remit rightly takes it as one (and
refuses it as no bank file, or reports a duplicate of that refusal).

    .venv/bin/pytest tests/api/test_schemathesis.py
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance
from sqlalchemy import func, select, text

from workflows.runtime import Runtime, fixtures_dir

EXAMPLES_PER_OPERATION = 15
STATEFUL_EXAMPLES = 30
SETTINGS = settings(
    derandomize=True,  # the same examples every run: a red CI reproduces
    deadline=None,
    database=None,  # nothing replayed from (or left in) .hypothesis/
    suppress_health_check=list(HealthCheck),  # slow ASGI calls are expected
)


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


_KEY: dict[str, str] = {}  # the admin key of the running test's database


@SCHEMA.auth(refresh_interval=None)
class AdminKey:
    """Every generated request carries the test's admin key, except those schemathesis makes
    to see a missing key refused (it knows this is the key, so it leaves it off them)."""

    def get(self, case: Any, context: Any) -> str:
        return _KEY["token"]

    def set(self, case: Any, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


def _refused_by_schema(response: Any) -> bool:
    """A request-validation 422 whose errors the schema itself states (a type, a pattern, a
    missing field): not a rule it cannot state (a validator's `value_error`, or a sentence)."""
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        return False
    return isinstance(detail, list) and any(
        not isinstance(error, dict) or error.get("type") != "value_error" for error in detail
    )


def accepted_unless_a_rule_refuses(ctx: Any, response: Any, case: Any) -> bool | None:
    """positive_data_acceptance, where a 422 for a rule the schema cannot state passes (see
    the module docstring)."""
    if response.status_code == 422 and not _refused_by_schema(response):
        return None
    return positive_data_acceptance(ctx, response, case)  # type: ignore[no-any-return]


# Every check schemathesis has, with positive_data_acceptance refined as above.
CHECKS: dict[str, Any] = {
    "excluded_checks": [positive_data_acceptance],
    "additional_checks": [accepted_unless_a_rule_refuses],
}


_SEEDED: dict[str, tuple[Snapshot, str]] = {}  # per backend: the seeded book, its admin key


@pytest.fixture
def live_app(rt: Runtime, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The app on this test's freshly seeded database; its admin key goes on every request."""
    from server.app import create_app

    backend = rt.engine.dialect.name
    if backend not in _SEEDED:
        key = _seed(rt)
        _SEEDED[backend] = Snapshot(rt.engine, tmp_path_factory.mktemp("seeded")), key
    else:
        snapshot, key = _SEEDED[backend]
        snapshot.restore(rt.engine)
    _KEY["token"] = key
    # No scheduler: nothing polls behind the requests' back.
    return create_app(rt)


@pytest.mark.parametrize("label", OPERATIONS)
def test_every_operation_answers_as_documented(label: str, live_app: Any) -> None:
    operation = SCHEMA.find_operation_by_label(label)
    assert operation is not None
    # Valid requests (reach the handlers) and invalid ones (must be 4xx, never 5xx).
    cases = st.one_of(
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    )

    checks = CHECKS
    if "multipart/form-data" in (operation.definition.raw.get("requestBody", {}).get("content") or {}):
        checks = {**CHECKS, "excluded_checks": [*CHECKS["excluded_checks"], negative_data_rejection]}

    @given(case=cases)
    @settings(SETTINGS, max_examples=EXAMPLES_PER_OPERATION)
    def run(case: Any) -> None:
        case.call_and_validate(app=live_app, **checks)

    run()


class Snapshot:
    """The seeded book of one backend, put into a test's database instead of seeding it again
    (seeding takes seconds, this a fraction), and back before each stateful scenario: a
    scenario's requests depend on what earlier answers said, so each must start from the same
    book (and the same next ids) or hypothesis cannot replay what it found. SQLite: a copy of
    the file; PostgreSQL: every row, and each table's next id."""

    def __init__(self, engine: Any, scratch: Path) -> None:
        from ledger.models import Base

        self.tables = Base.metadata.sorted_tables
        self.sqlite = engine.dialect.name == "sqlite"
        if self.sqlite:
            engine.dispose()
            self.copy = scratch / "seeded.db"
            shutil.copyfile(engine.url.database, self.copy)
            return
        with engine.connect() as conn:
            self.rows = {t.name: [dict(r._mapping) for r in conn.execute(t.select())]
                         for t in self.tables}

    def restore(self, engine: Any) -> None:
        if self.sqlite:
            engine.dispose()
            shutil.copyfile(self.copy, engine.url.database)
            return
        with engine.begin() as conn:
            names = ", ".join(t.name for t in self.tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
            for table in self.tables:
                if self.rows[table.name]:
                    conn.execute(table.insert(), self.rows[table.name])
                for column in table.primary_key.columns:
                    sequence = conn.scalar(text("SELECT pg_get_serial_sequence(:t, :c)"),
                                           {"t": table.name, "c": column.name})
                    if sequence:
                        top = conn.scalar(select(func.max(column)))
                        conn.execute(text("SELECT setval(:s, :v, false)"),
                                     {"s": sequence, "v": (top or 0) + 1})


def test_following_the_links(live_app: Any, rt: Runtime) -> None:
    """Stateful: sequences of calls that follow the document's links (a dispute opened, then
    read and resolved; a plan created, read, cancelled; a policy created, replaced, deleted;
    a file uploaded, then read; a queue item read, then acted on), every answer checked."""
    snapshot, _ = _SEEDED[rt.engine.dialect.name]

    class Links(SCHEMA.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            snapshot.restore(rt.engine)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"app": live_app}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(
                response, transport_kwargs={"app": live_app}, recorder=self.recorder, **CHECKS
            )

    Links.run(settings=settings(SETTINGS, max_examples=STATEFUL_EXAMPLES, stateful_step_count=6))
