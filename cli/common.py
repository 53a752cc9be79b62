"""What every `remit` command shares: the refusal (a line on stderr and an exit code), JSON
output, the settings and runtime a database command starts from (a database that cannot be
opened is one line naming it, password masked), and the one date parser of `--as-of` (and
the other date options).

Imported by the command modules; imports nothing of cli/ itself.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, NoReturn

import typer

if TYPE_CHECKING:
    from core.settings import Settings
    from workflows.runtime import Runtime

EXIT_FAILED = 1  # the command could not do its work (the database cannot be opened, ...)
EXIT_REJECTED = 2
SHOWN_ISSUES = 100  # per list in a human summary; --json always has all of them


def fail(message: str, code: int = EXIT_REJECTED) -> NoReturn:
    print(f"remit: {message}", file=sys.stderr)
    raise typer.Exit(code)


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def parse_date(text: str, *, option: str = "--as-of", code: int = EXIT_REJECTED) -> date:
    """The date YYYY-MM-DD that `option` names, or a one-line refusal (exit `code`)."""
    try:
        return date.fromisoformat(text)
    except ValueError:
        fail(f"{option} {text!r} is not a date (YYYY-MM-DD)", code)


def as_of_date(text: str | None, *, code: int = EXIT_REJECTED) -> date:
    """The day of `--as-of`: today (UTC) when it is absent or empty."""
    return parse_date(text, code=code) if text else datetime.now(UTC).date()


def runtime(settings: Settings | None = None) -> Runtime:
    """What every database command starts from: the settings (or a one-line refusal, exit 2)
    and a database migrated to head (or one line naming the database, exit 1)."""
    from workflows.runtime import runtime as open_runtime

    settings = settings if settings is not None else load_settings()
    with opening_database(settings.database_url):
        return open_runtime(settings, migrate=True)


def masked_url(url: str) -> str:
    """The database URL as it may be shown: the password replaced by ***."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:  # not a URL SQLAlchemy reads: it may still hold a secret
        scheme, sep, _ = url.partition("://")
        return f"{scheme}://..." if sep else "(not a URL)"


def error_line(error: BaseException) -> str:
    """The first line of what the driver said (SQLAlchemy adds the SQL and a link below it)."""
    text = str(getattr(error, "orig", None) or error).strip()
    return text.splitlines()[0] if text else type(error).__name__


@contextmanager
def opening_database(url: str) -> Iterator[None]:
    """Connecting (and migrating): a server that does not answer, a refused login, a SQLite
    file that cannot be created or a URL no driver reads is one line naming the database,
    exit 1 — never a traceback."""
    from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

    try:
        yield
    except (OperationalError, InterfaceError, ArgumentError) as error:
        fail(f"cannot open the database {masked_url(url)}: {error_line(error)}", EXIT_FAILED)


def load_settings() -> Settings:
    """Settings, or a one-line error and exit 2 (never a traceback) when they are refused."""
    from pydantic import ValidationError

    from core.settings import InsecureSettings, get_settings

    try:
        return get_settings()
    except (ValidationError, InsecureSettings) as error:
        problems = (
            _settings_problems(error.errors()) if isinstance(error, ValidationError) else str(error)
        )
        # The production check's own message already starts "refusing to start in ...".
        fail(
            problems
            if problems.startswith("refusing to start")
            else f"refusing to start: {problems}"
        )


def _settings_problems(errors: list[Any]) -> str:
    parts = []
    for problem in errors:
        where = "_".join(str(part) for part in problem.get("loc", ()))
        message = str(problem.get("msg", "")).removeprefix("Value error, ")
        parts.append(f"REMIT_{where.upper()}: {message}" if where else message)
    return "; ".join(parts)
