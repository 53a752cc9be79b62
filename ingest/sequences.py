"""Statement numbers without gaps or repeats: the bank numbers its statements (camt
ElctrncSeqNb / LglSeqNb per account, BAI2 a file id per sender, receiver and day); a number
skipped means a statement never arrived, a number used twice a statement sent again (with
other bytes: the same bytes are a duplicate file and never get here).

Each stored number is kept (ledger.models.StatementNumberRow); a new one is checked against
those of its kind and scope:
  * repeat — the same number is already stored;
  * gap — the highest smaller number is not the one before it (numbers seen only above it say
    nothing: statements may arrive out of order, and the first seen has nothing to follow).
A gap check is resolved by itself when the missing statements arrive (the resolution names the
file), so an out-of-order night leaves nothing to clear by hand.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from core.records import Statement, StatementNumber
from ingest.integrity import PREFIX, Failure
from ledger.models import StatementNumberRow, StatementRow
from ledger.repositories import statement_checks

WHAT = {"electronic": "electronic sequence number", "legal": "legal sequence number",
        "file": "file identification number"}


def scope_of(statement: Statement, number: StatementNumber) -> str | None:
    """What the number counts within; None when that cannot be known (no account or date)."""
    if number.kind == "file":
        return number.scope
    day = statement.from_date or statement.to_date
    if not statement.account or day is None:
        return None
    return f"{number.scope} {statement.account} {day.year}".strip()


def check_and_keep(session: Session, *, file_id: int, statement_row: int, statement: Statement,
                   label: str, actor: str) -> Iterator[Failure]:
    """The failures of the statement's numbers; each number is then stored, and open gap
    checks it fills are resolved."""
    for number in statement.numbers:
        scope = scope_of(statement, number)
        if scope is None:
            continue
        failure = _check(session, label, number, scope)
        if failure is not None:
            yield failure
        session.execute(insert(StatementNumberRow).values(
            statement_id=statement_row, file_id=file_id, kind=number.kind, scope=scope, number=number.number))
        _resolve_filled(session, number.kind, scope, file_id=file_id, actor=actor)


def _check(session: Session, label: str, number: StatementNumber, scope: str) -> Failure | None:
    same = (StatementNumberRow.kind == number.kind, StatementNumberRow.scope == scope)
    what = WHAT.get(number.kind, number.kind)
    repeat = session.execute(
        select(StatementNumberRow.file_id, StatementRow.statement_id)
        .join(StatementRow, StatementRow.id == StatementNumberRow.statement_id)
        .where(*same, StatementNumberRow.number == number.number)
        .order_by(StatementNumberRow.id).limit(1)
    ).first()
    highest = session.scalar(select(func.max(StatementNumberRow.number)).where(*same))
    detail = {"number_kind": number.kind, "scope": scope, "number": number.number}
    if repeat is not None:
        return Failure(
            "sequence",
            f"{PREFIX}{label}: {what} {number.number} repeats statement {repeat[1] or '(no id)'} of "
            f"file {repeat[0]} ({scope}): sent again?",
            expected=str((highest or number.number) + 1), found=str(number.number),
            detail={**detail, "repeats_file": repeat[0]})
    before = session.scalar(select(func.max(StatementNumberRow.number))
                            .where(*same, StatementNumberRow.number < number.number))
    if before is None or before == number.number - 1:
        return None
    first, last = before + 1, number.number - 1
    missing = str(first) if first == last else f"{first} to {last}"
    return Failure(
        "sequence",
        f"{PREFIX}{label}: {what} {number.number} follows {before} ({scope}): {missing} missing",
        expected=str(first), found=str(number.number),
        detail={**detail, "missing_from": first, "missing_to": last})


def _resolve_filled(session: Session, kind: str, scope: str, *, file_id: int, actor: str) -> None:
    """Resolve the open gap checks of this kind and scope whose missing numbers are all stored now."""
    for check_id, detail in statement_checks.open_of_kind(session, "sequence"):
        if detail.get("number_kind") != kind or detail.get("scope") != scope or "missing_from" not in detail:
            continue
        first, last = int(detail["missing_from"]), int(detail["missing_to"])
        stored = session.scalar(select(func.count(func.distinct(StatementNumberRow.number))).where(
            StatementNumberRow.kind == kind, StatementNumberRow.scope == scope,
            StatementNumberRow.number.between(first, last))) or 0
        if stored == last - first + 1:
            statement_checks.close(session, check_id, status="resolved", actor=actor,
                                   resolution=f"the missing statements arrived (the last in file {file_id})")
