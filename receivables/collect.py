"""`remit collect`: debit the open invoices of customers with an active mandate (issue 15).

For every open invoice due on or before the as-of date (no due date: its issue date) whose
customer has an active mandate of the invoice's scheme (EUR: SEPA, USD: ACH), that has no
collection under way or settled and no open dispute, one debit of its open amount:

- SEPA: one pain.008.001.08 file, one PmtInf per sequence type — FRST for a mandate's first
  collection (none before it that was not returned), RCUR after — requested for the first
  weekday on or after the as-of date; each debit's remittance is the invoice number.
- ACH: one NACHA file, a PPD batch for consumers and a CCD batch for companies (a customer
  whose name carries a legal form: Inc, LLC, GmbH, ...), debit codes 27 (checking) or 37
  (savings), the invoice number in the entry's identification and in an RMR addenda.

Each debit is recorded as a pending collection against its invoice (ledger Collection) and
audited; at most one live collection per invoice (a unique index), so a run again for the
same date writes nothing new. Runs are serialized by an advisory lock. Nothing here commits
and no cash moves: settlement and returns do (receivables/direct_debit_bank.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from core.errors import Invalid
from core.money import from_minor, minor_text
from core.settings import Settings
from ingest.ach import writer as ach
from iso20022 import pain008
from iso20022.validate import validate_pain008
from ledger import audit
from ledger.locks import lock_key
from ledger.models import Collection, Customer, Dispute, Invoice, Mandate
from ledger.types import utc_now
from reconcile.normalize import LEGAL_FORMS, fold

COLLECT_LOCK = lock_key("remit:collect")
# A pain.008's file is named after its GrpHdr/MsgId: a pain.002 naming that OrgnlMsgId finds
# the collections of the message by file name (receivables/dd_settle.py).
SEPA_FILE_SUFFIX = ".pain008.xml"
SCHEME_CURRENCY = {"sepa": "EUR", "ach": "USD"}
_LIVE = ("pending", "settled")


@dataclass(frozen=True, slots=True)
class Item:
    """One invoice to debit under one mandate."""

    invoice_id: int
    number: str
    open_minor: int
    currency: str
    customer_name: str
    mandate: Mandate


@dataclass
class CollectFile:
    name: str
    format: str  # pain.008 | nacha
    data: bytes
    entries: int
    total_minor: int
    currency: str

    def as_json(self, directory: str) -> dict[str, Any]:
        return {"file": f"{directory.rstrip('/')}/{self.name}", "format": self.format, "entries": self.entries,
                "total": minor_text(self.total_minor, self.currency), "currency": self.currency}


@dataclass
class CollectRun:
    as_of: date
    files: list[CollectFile] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # open, due, mandate on file, not collected: why


def first_weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def is_company(name: str) -> bool:
    return any(token in LEGAL_FORMS for token in fold(name).replace(".", " ").replace(",", " ").split())


def due_items(session: Session, as_of: date) -> tuple[list[Item], list[str]]:
    """What to debit now, in invoice-number order; and why others with a mandate are not."""
    mandates: dict[str, list[Mandate]] = defaultdict(list)
    for m in session.scalars(select(Mandate).where(Mandate.status == "active")
                             .order_by(Mandate.signed_on.desc(), Mandate.id.desc())):
        mandates[m.customer_id].append(m)
    if not mandates:
        return [], []
    live = select(Collection.invoice_id).where(Collection.status.in_(_LIVE))
    disputed = select(Dispute.invoice_id).where(Dispute.status == "open")
    rows = session.execute(
        select(Invoice.id, Invoice.number, Invoice.open_minor, Invoice.currency, Invoice.customer_id, Customer.name)
        .join(Customer, Customer.id == Invoice.customer_id)
        .where(Invoice.status == "open", Invoice.open_minor > 0,
               func.coalesce(Invoice.due_date, Invoice.issue_date) <= as_of,
               Invoice.customer_id.in_(list(mandates)), Invoice.id.not_in(live), Invoice.id.not_in(disputed))
        .order_by(Invoice.number)).all()
    items, skipped = [], []
    for invoice_id, number, open_minor, currency, customer_id, name in rows:
        fitting = [m for m in mandates[customer_id] if SCHEME_CURRENCY[m.scheme] == currency]
        if not fitting:
            schemes = ", ".join(sorted({m.scheme for m in mandates[customer_id]}))
            skipped.append(f"{number}: in {currency}, but customer {customer_id}'s mandates are {schemes} "
                           f"(SEPA collects EUR, ACH USD)")
            continue
        items.append(Item(invoice_id, number, open_minor, currency, name, fitting[0]))
    return items, skipped


def _run_id(session: Session, as_of: date) -> str:
    prefix = f"RDD{as_of:%y%m%d}"
    refs = session.scalars(select(Collection.batch_ref).where(Collection.batch_ref.like(f"{prefix}%"))).all()
    taken = [int(r[len(prefix):len(prefix) + 3]) for r in refs if r[len(prefix):len(prefix) + 3].isdigit()]
    return f"{prefix}{max(taken, default=0) + 1:03d}"


def collect(session: Session, settings: Settings, *, as_of: date, actor: str,
            now: datetime | None = None) -> CollectRun:
    """Decide, build the files and record the collections; the caller writes the files and commits."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": COLLECT_LOCK})
    now = now or datetime.now(timezone.utc)
    run = CollectRun(as_of=as_of)
    items, run.skipped = due_items(session, as_of)
    if not items:
        return run
    # The invoices are locked (id order) so that a concurrent change to one is seen, then re-read.
    session.execute(select(Invoice.id).where(Invoice.id.in_([i.invoice_id for i in items]))
                    .order_by(Invoice.id).with_for_update())
    run_id = _run_id(session, as_of)
    day = first_weekday(as_of)
    sepa = [i for i in items if i.mandate.scheme == "sepa"]
    us = [i for i in items if i.mandate.scheme == "ach"]
    if sepa:
        run.files.append(_sepa_file(session, settings, sepa, run_id, day, now, actor))
    if us:
        run.files.append(_ach_file(session, settings, us, run_id, day, now, actor))
    return run


def _missing(settings: Settings, names: Sequence[str], scheme: str) -> None:
    absent = [f"REMIT_{n.upper()}" for n in names if not getattr(settings, n)]
    if absent:
        raise Invalid(f"{scheme} direct debits need {', '.join(absent)} (README, Configuration)")


def _record(session: Session, item: Item, *, scheme: str, e2e: str, batch_ref: str, file_name: str, day: date,
            actor: str, sequence: str | None = None, trace: str | None = None) -> None:
    now = utc_now()
    session.add(Collection(invoice_id=item.invoice_id, mandate_id=item.mandate.id, scheme=scheme,
                           end_to_end_id=e2e, batch_ref=batch_ref, trace=trace, sequence=sequence,
                           file_name=file_name, currency=item.currency, amount_minor=item.open_minor,
                           collection_date=day, status="pending", actor=actor, created_at=now, updated_at=now))
    audit.record(session, actor=actor, action="collection.created", entity_type="invoice", entity_id=item.number,
                 after={"end_to_end_id": e2e, "batch_ref": batch_ref, "scheme": scheme, "sequence": sequence,
                        "trace": trace, "mandate_id": item.mandate.mandate_id, "file": file_name,
                        "amount": minor_text(item.open_minor, item.currency), "collection_date": day.isoformat()})


def _sepa_file(session: Session, settings: Settings, items: list[Item], run_id: str, day: date,
               now: datetime, actor: str) -> CollectFile:
    _missing(settings, ("sepa_creditor_id", "sepa_creditor_name", "sepa_creditor_iban"), "SEPA")
    collected_before = set(session.scalars(select(Collection.mandate_id).where(
        Collection.mandate_id.in_({i.mandate.id for i in items}), Collection.status.in_(_LIVE))))
    name = f"{run_id}{SEPA_FILE_SUFFIX}"
    batches = []
    for sequence in ("FRST", "RCUR"):
        chosen = [i for i in items if (i.mandate.id in collected_before) == (sequence == "RCUR")]
        if not chosen:
            continue
        batch_ref = f"{run_id}S{sequence[0]}"
        debits = []
        for n, item in enumerate(chosen, 1):
            e2e = f"{batch_ref}-{n:05d}"
            debits.append(pain008.Debit(
                end_to_end_id=e2e, amount=from_minor(item.open_minor, "EUR"), mandate_id=item.mandate.mandate_id,
                mandate_signed=item.mandate.signed_on, debtor_name=item.customer_name or item.mandate.customer_id,
                debtor_iban=item.mandate.account, remittance=item.number))
            _record(session, item, scheme="sepa", e2e=e2e, batch_ref=batch_ref, file_name=name, day=day,
                    actor=actor, sequence=sequence)
        batches.append(pain008.Batch(payment_info_id=batch_ref, sequence=sequence, collection_date=day,
                                     debits=debits))
    creditor = pain008.Creditor(name=settings.sepa_creditor_name or "", iban=settings.sepa_creditor_iban or "",
                                scheme_id=settings.sepa_creditor_id or "", bic=settings.sepa_creditor_bic)
    data = pain008.write(pain008.Initiation(message_id=run_id, created=now, creditor=creditor, batches=batches))
    problems = validate_pain008(data)
    if problems:
        raise Invalid(f"the pain.008 does not validate against its schema: {'; '.join(problems[:5])}")
    session.flush()
    return CollectFile(name, "pain.008", data, len(items), sum(i.open_minor for i in items), "EUR")


def _ach_file(session: Session, settings: Settings, items: list[Item], run_id: str, day: date,
              now: datetime, actor: str) -> CollectFile:
    _missing(settings, ("ach_origin", "ach_company_id", "ach_company_name", "ach_odfi"), "ACH")
    odfi = (settings.ach_odfi or "").strip()
    if not (len(odfi) == 9 and odfi.isdigit()):
        raise Invalid(f"REMIT_ACH_ODFI {odfi!r} is not a 9-digit routing number")
    name = f"{run_id}.ach"
    sequence = session.scalar(select(func.count()).select_from(Collection).where(Collection.scheme == "ach")) or 0
    batches = []
    for sec in ("PPD", "CCD"):
        chosen = [i for i in items if is_company(i.customer_name) == (sec == "CCD")]
        if not chosen:
            continue
        batch_ref = f"{run_id}A{sec[0]}"
        entries = []
        for n, item in enumerate(chosen, 1):
            sequence += 1
            trace = f"{odfi[:8]}{sequence % 10_000_000:07d}"
            _, routing, account = item.mandate.account.split(":", 2)
            amount = minor_text(item.open_minor, "USD")
            entries.append(ach.EntrySpec(
                transaction_code=37 if item.mandate.account_type == "savings" else 27, routing=routing,
                account=account, amount_cents=item.open_minor, name=(item.customer_name or item.mandate.customer_id)[:22],
                identification=item.number[:15], trace=trace, addenda=(f"RMR*IV*{item.number}**{amount}\\",)))
            _record(session, item, scheme="ach", e2e=f"{batch_ref}-{n:05d}", batch_ref=batch_ref, file_name=name,
                    day=day, actor=actor, trace=trace)
        batches.append(ach.BatchSpec(company_name=(settings.ach_company_name or "")[:16],
                                     company_id=(settings.ach_company_id or "")[:10], odfi=odfi[:8], sec=sec,
                                     entry_description="INVOICE", effective_date=day, entries=entries,
                                     discretionary_data=batch_ref))  # the batch's reference
    data = ach.write_file(batches, immediate_destination=f" {odfi}", immediate_origin=settings.ach_origin or "",
                          creation=now.replace(tzinfo=None), origin_name=(settings.ach_company_name or "")[:23],
                          reference_code=run_id[-8:])
    session.flush()
    return CollectFile(name, "nacha", data, len(items), sum(i.open_minor for i in items), "USD")
