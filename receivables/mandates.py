"""Direct-debit mandates: `remit mandates import FILE`, and the mandates a customer has.

CSV with a header: mandate_id, customer_id, scheme, account, signed_on; optional
account_type (checking | savings; ACH only, default checking) and status (active | inactive,
blank = active). A SEPA account is an IBAN (checked by schwifty); an ACH account is
ROUTING:ACCOUNT, the routing number's ABA check digit checked (python-stdnum).

Upsert by mandate_id, in the caller's transaction (never commits). A row that fails a check
is refused with the file line (the header is line 1), the column and the value, and nothing
of it is stored; the other rows are imported (as `remit invoices import` does). Each created
or changed mandate is audited with its before and after.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.us import rtn

from ledger import audit
from ledger.models import Customer, Mandate
from ledger.types import utc_now

REQUIRED = ("mandate_id", "customer_id", "scheme", "account", "signed_on")
OPTIONAL = ("account_type", "status")
_MANDATE_ID = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")  # SEPA's Latin subset, 35 at most
_ACH_ACCOUNT = re.compile(r"^[A-Za-z0-9\-]{1,17}$")


class MandateFileError(ValueError):
    """The file cannot be read as a mandates CSV at all (nothing imported)."""


@dataclass(frozen=True, slots=True)
class MandateRow:
    line: int
    mandate_id: str
    customer_id: str
    scheme: str
    account: str
    account_type: str | None
    signed_on: date
    status: str


@dataclass
class MandateImport:
    file: str
    rows_read: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {"file": self.file, "rows_read": self.rows_read, "created": self.created,
                "updated": self.updated, "unchanged": self.unchanged, "rejected": len(self.errors),
                "errors": self.errors}


def sepa_account(text: str) -> str:
    """The IBAN in its compact form; ValueError naming what is wrong."""
    try:
        return str(IBAN(text).compact)
    except SchwiftyException as error:
        raise ValueError(f"not a valid IBAN ({error})") from None


def ach_account(text: str) -> str:
    """ROUTING:ACCOUNT as ABA:<routing>:<account> (the account as given: it is debited as is)."""
    routing, sep, number = text.strip().removeprefix("ABA:").partition(":")
    if not sep:
        raise ValueError("an ACH account is ROUTING:ACCOUNT")
    if not (len(routing) == 9 and routing.isdigit() and rtn.is_valid(routing)):
        raise ValueError(f"routing number {routing!r} fails the ABA check digit (9 digits)")
    if not _ACH_ACCOUNT.match(number):
        raise ValueError(f"account number {number!r} is not 1-17 letters and digits")
    return f"ABA:{routing}:{number.upper()}"


def parse(data: bytes, name: str) -> tuple[list[MandateRow], list[str]]:
    """The file's good rows and one message per refused row ("name: line N: ...")."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise MandateFileError(f"not UTF-8 text ({error})") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise MandateFileError(f"line 1: the header lacks {', '.join(missing)} (has {', '.join(header) or 'nothing'})")
    reader.fieldnames = header
    rows: list[MandateRow] = []
    errors: list[str] = []
    seen: dict[str, int] = {}
    for raw in reader:
        line = reader.line_num
        values = {k: (v or "").strip() for k, v in raw.items() if isinstance(k, str)}
        if not any(values.values()):
            continue
        try:
            row = _row(line, values)
        except ValueError as error:
            errors.append(f"{name}: line {line}: {error}")
            continue
        if row.mandate_id in seen:
            errors.append(f"{name}: line {line}: mandate_id {row.mandate_id!r} is already on line "
                          f"{seen[row.mandate_id]}")
            continue
        seen[row.mandate_id] = line
        rows.append(row)
    return rows, errors


def _row(line: int, v: dict[str, str]) -> MandateRow:
    def bad(column: str, why: str) -> ValueError:
        return ValueError(f"{column} {v.get(column, '')!r}: {why}")

    for column in REQUIRED:
        if not v.get(column):
            raise bad(column, "required")
    if not _MANDATE_ID.match(v["mandate_id"]):
        raise bad("mandate_id", "at most 35 letters, digits and / - ? : ( ) . , ' + space")
    if len(v["customer_id"]) > 64:
        raise bad("customer_id", "longer than 64 characters")
    scheme = v["scheme"].lower()
    if scheme not in ("sepa", "ach"):
        raise bad("scheme", "one of sepa, ach")
    try:
        account = sepa_account(v["account"]) if scheme == "sepa" else ach_account(v["account"])
    except ValueError as error:
        raise bad("account", str(error)) from None
    account_type = v.get("account_type", "").lower() or None
    if account_type not in (None, "checking", "savings"):
        raise bad("account_type", "one of checking, savings")
    if scheme == "sepa" and account_type:
        raise bad("account_type", "only for ACH mandates")
    if scheme == "ach":
        account_type = account_type or "checking"
    try:
        signed_on = date.fromisoformat(v["signed_on"])
    except ValueError:
        raise bad("signed_on", "not a date (YYYY-MM-DD)") from None
    status = v.get("status", "").lower() or "active"
    if status not in ("active", "inactive"):
        raise bad("status", "one of active, inactive (blank: active)")
    return MandateRow(line, v["mandate_id"], v["customer_id"], scheme, account, account_type, signed_on, status)


def import_rows(session: Session, rows: list[MandateRow], errors: list[str], *, file: str,
                actor: str) -> MandateImport:
    """Upsert the rows by mandate_id; a row naming an unknown customer is refused too."""
    result = MandateImport(file=file, rows_read=len(rows) + len(errors), errors=list(errors))
    customers = set(session.scalars(select(Customer.id).where(Customer.id.in_({r.customer_id for r in rows}))))
    stored = {m.mandate_id: m for m in session.scalars(
        select(Mandate).where(Mandate.mandate_id.in_([r.mandate_id for r in rows])).with_for_update())}
    now = utc_now()
    for row in rows:
        if row.customer_id not in customers:
            result.errors.append(f"{file}: line {row.line}: customer_id {row.customer_id!r}: no such customer "
                                 "(import the customers or invoices first)")
            continue
        values = {"customer_id": row.customer_id, "scheme": row.scheme, "account": row.account,
                  "account_type": row.account_type, "signed_on": row.signed_on, "status": row.status}
        mandate = stored.get(row.mandate_id)
        if mandate is None:
            mandate = Mandate(mandate_id=row.mandate_id, created_at=now, updated_at=now,
                              status_reason="imported inactive" if row.status == "inactive" else None, **values)
            session.add(mandate)
            session.flush()
            audit.record(session, actor=actor, action="mandate.created", entity_type="mandate",
                         entity_id=row.mandate_id, after=as_json(mandate))
            result.created += 1
            continue
        if all(getattr(mandate, k) == v for k, v in values.items()):
            result.unchanged += 1
            continue
        before = as_json(mandate)
        for key, value in values.items():
            setattr(mandate, key, value)
        if "status" in values and before["status"] != row.status:
            mandate.status_reason = "imported active" if row.status == "active" else "imported inactive"
        mandate.updated_at = now
        session.flush()
        audit.record(session, actor=actor, action="mandate.updated", entity_type="mandate",
                     entity_id=row.mandate_id, before=before, after=as_json(mandate))
        result.updated += 1
    return result


def listing(session: Session, *, customer_id: str | None = None, status: str | None = None,
            after_id: int = 0, limit: int = 100) -> list[dict[str, Any]]:
    """Mandates in id order (GET /api/v1/mandates), of one customer or all."""
    query = select(Mandate).where(Mandate.id > after_id).order_by(Mandate.id).limit(limit)
    if customer_id is not None:
        query = query.where(Mandate.customer_id == customer_id)
    if status is not None:
        query = query.where(Mandate.status == status)
    return [as_json(m) for m in session.scalars(query)]


def as_json(m: Mandate) -> dict[str, Any]:
    return {"id": m.id, "mandate_id": m.mandate_id, "customer_id": m.customer_id, "scheme": m.scheme, "account": m.account,
            "account_type": m.account_type, "signed_on": m.signed_on.isoformat(), "status": m.status,
            "status_reason": m.status_reason}
