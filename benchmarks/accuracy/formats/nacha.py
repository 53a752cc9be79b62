"""NACHA files of the labelled day's USD payments as ACH entries received by us, and a
later file returning some of them (ingest/ach/writer.py writes the records and controls).

Receipts are corporate credits, one batch per payment (the originator is the batch):
  * the payer is the ORIGINATOR: batch header company name (16 characters — the field
    remit reads the payer from; the entry's 22-character name is the receiver, us) and
    company id (10), which remit stores as the account "ACH-CO:<id>". A payer known by
    its ACH company id keeps it; one known by a bank account or IBAN originates under a
    company id the book does not have (synthetic, never on file): the bank account is not
    in a NACHA file (the RDFI account is ours);
  * CCD+ when the remittance fits one addenda (80 characters of free text); CTX when the
    payer sends structured invoices or more text: an X12 820 (ISA…IEA, one RMR*IV per
    invoice with the amount paid, NTE segments for free-text lines, REF*CR for creditor
    references) cut into 80-character addenda;
  * the end-to-end id goes to the entry's identification number (15), which the originator
    fills with its own reference;
  * debits (the generator's fees, supplier payments, refunds) are CCD debits (27) to us.
Trace numbers are the originator's ODFI routing (its ABA routing when it pays from one)
and a file-wide sequence; remit stores the trace as the bank reference.

Returns: a file the next day with one R01/R03 return (transaction code 21, addenda 99
naming the original trace and our routing as original RDFI) per returned receipt.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from benchmarks.accuracy.formats.carry import Carried, Rendering, ascii_text, cut, wrap
from benchmarks.accuracy_data import Dataset
from core.money import to_minor
from core.records import Direction, InvoiceRef
from ingest.ach import writer as w
from reconcile.model import Payment

OUR_ROUTING = "021000021"
OUR_ACCOUNT = "4471002233"
OUR_NAME = "REMIT OPERATING CO"
DEFAULT_ODFI = "02100002"


def _company_id(p: Payment) -> str:
    account = p.payer_account or ""
    return account[len("ACH-CO:"):][:10] if account.startswith("ACH-CO:") else f"8{p.id:09d}"


def _odfi(p: Payment) -> str:
    account = p.payer_account or ""
    return account.split(":")[1][:8] if account.startswith("ABA:") else DEFAULT_ODFI


def _ctx_820(p: Payment, name: str | None, trace: str, texts: list[str]) -> str:
    """An X12 820 (version 4010) with '*' elements and '~' terminators."""
    day = f"{p.value_date:%y%m%d}"
    isa = (f"ISA*00*{'':10}*00*{'':10}*ZZ*{_company_id(p):<15}*ZZ*{'REMIT':<15}*{day}*0600*U*00401*"
           f"{p.id:09d}*0*P*>~")
    amount = f"{p.amount:.2f}"
    segments = [f"GS*RA*{_company_id(p)}*REMIT*20{day}*0600*{p.id}*X*004010", "ST*820*0001",
                f"BPR*C*{amount}*C*ACH*CTX*01*{_odfi(p)}0*DA*XXXX*{_company_id(p)}**01*{OUR_ROUTING}*DA*{OUR_ACCOUNT}*20{day}",
                f"TRN*1*{trace}", f"N1*PR*{name or ''}", f"N1*PE*{OUR_NAME}", "ENT*1"]
    segments += [f"NTE*ZZZ*{line}" for line in texts]
    segments += [f"REF*CR*{ref}" for ref in p.references]
    segments += [f"RMR*IV*{i.number}**{i.amount:.2f}" if i.amount is not None else f"RMR*IV*{i.number}"
                 for i in p.invoices]
    segments += [f"SE*{len(segments) - 1}*0001", f"GE*1*{p.id}", f"IEA*1*{p.id:09d}"]
    return isa + "".join(s + "~" for s in segments)


def carry(p: Payment, trace: str) -> tuple[Carried, w.EntrySpec, w.BatchSpec]:
    name = cut(ascii_text(p.payer_name or "").upper(), 16)  # blank when the payment names no payer
    company_id = _company_id(p)
    e2e = p.end_to_end_id if p.end_to_end_id and p.end_to_end_id != "NOTPROVIDED" else ""
    ident = cut(ascii_text(e2e), 15) or ""
    lines = [ascii_text(t) for t in p.remittance]
    free = " ".join([*lines, *(ascii_text(r) for r in p.references)])
    credit = p.direction is Direction.CREDIT
    ctx = credit and (bool(p.invoices) or len(free) > 80)
    invoices: tuple[InvoiceRef, ...] = ()
    if ctx:
        x12 = _ctx_820(p, name, trace, lines)
        addenda = tuple(x12[i:i + 80] for i in range(0, len(x12), 80))
        text = [x12]
        invoices = tuple(InvoiceRef(i.number, i.amount) for i in p.invoices)
    else:
        addenda = tuple(wrap([free], 80, 1))
        text = list(addenda)
    entry = w.EntrySpec(transaction_code=22 if credit else 27, routing=OUR_ROUTING, account=OUR_ACCOUNT,
                        amount_cents=to_minor(p.amount, "USD"), name=OUR_NAME[:16] if ctx else OUR_NAME,
                        identification=ident, trace=trace, addenda=addenda)
    batch = w.BatchSpec(company_name=name or "", company_id=company_id, odfi=trace[:8], sec="CTX" if ctx else "CCD",
                        entry_description="EDI PYMNTS" if ctx else "PAYMENT", effective_date=p.value_date,
                        entries=[entry])
    carried = Carried(p, trace, name, f"ACH-CO:{company_id}", tuple(filter(None, [ident, *text])),
                      invoices=invoices, detail={"sec": batch.sec})
    return carried, entry, batch


def _file(batches: Sequence[w.BatchSpec], day: date) -> bytes:
    return w.write_file(batches, immediate_destination=OUR_ROUTING, immediate_origin="091000019",
                        creation=datetime.combine(day, time(6, 0)), destination_name="REMIT OPERATING CO",
                        origin_name="OUR BANK NA")


def render(data: Dataset) -> Rendering:
    carried: list[Carried] = []
    batches: list[w.BatchSpec] = []
    for n, p in enumerate((p for p in data.payments if p.currency == "USD"), 1):
        c, _, batch = carry(p, f"{_odfi(p)}{n:07d}")
        carried.append(c)
        batches.append(batch)
    not_carried = tuple((p, "currency (ACH settles USD)") for p in data.payments if p.currency != "USD")
    return Rendering("NACHA", (("day.ach", _file(batches, data.as_of)),), tuple(carried), not_carried)


def returns_file(returned: Sequence[Carried], day: date) -> bytes:
    """R01 (insufficient funds) / R03 (no account) returns of these receipts, alternating."""
    batches = []
    for n, c in enumerate(returned, 1):
        p = c.payment
        spec = w.EntrySpec(transaction_code=21, routing=OUR_ROUTING, account=OUR_ACCOUNT,
                           amount_cents=to_minor(p.amount, "USD"), name=OUR_NAME, trace=f"{OUR_ROUTING[:8]}{n:07d}",
                           returned=w.ReturnSpec("R01" if n % 2 else "R03", original_trace=c.ref,
                                                 original_rdfi=OUR_ROUTING[:8]))
        batches.append(w.BatchSpec(company_name=c.name or "", company_id=_company_id(p), odfi=OUR_ROUTING[:8],
                                   sec="CCD", entry_description="PAYMENT", effective_date=day, entries=[spec]))
    return _file(batches, day)
