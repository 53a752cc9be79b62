"""BAI2 previous-day report of the labelled day's USD payments, written as Goldman Sachs
writes its detail (the bank convention remit's BAI2 parser reads; see
/work/shared/bai2/samples/moov-sample4-continuations-newline-delimited.txt):

    16,<type>,<cents>,,<bank reference>,<client reference>,<description>
    88,EREF: <end-to-end / client reference>
    88,DBNM: <debtor name>       (CRNM: for a debit: the creditor)
    88,DACT: <debtor account>    88,DABA: <debtor ABA routing>
    88,REMI: <remittance line>

One file: 01 / 02 (as-of date, USD) / 03 (our account, opening and closing ledger
balance) / 16 + 88s / 49 / 98 / 99, with the control totals the spec defines (49: the sum
of every amount in the account's 03 and 16 records; 98 and 99: the sums of the trailers
below) and record counts. Amounts are integer cents.

What the report carries depends on how the money came (the payment's kind):
  * ACH credits (165 preauthorized ACH credit): what the ACH entry had — the originator's
    company name as NACHA cuts it (16), its one addenda (80 characters of text) and the
    entry's identification number (15) as client reference; no payer bank account (the
    originator's company id is not among the tags this bank reports);
  * everything else (195 incoming money transfer): a Fedwire — originator name (35), its
    ABA routing and account when it pays from one, originator-to-beneficiary information
    (4 lines of 35) and the sender's reference (16). Checks are reported as wires here: a
    BAI2 check deposit carries no payer detail at all, and the lockbox format covers checks;
  * debits: 451 ACH debit / 495 outgoing money transfer, the other party as creditor.
"""

from __future__ import annotations

from benchmarks.accuracy.formats.carry import (
    Carried,
    Rendering,
    ascii_text,
    cut,
    evidence_texts,
    wrap,
)
from benchmarks.accuracy_data import Dataset
from core.money import to_minor
from core.records import Direction, Kind
from reconcile.model import Payment

OUR_ACCOUNT = "4471002233"
OUR_BANK = "026015079"
OPENING = 250_000_00  # cents


def _reference(p: Payment, width: int) -> str | None:
    e2e = p.end_to_end_id
    return cut(ascii_text(e2e), width) if e2e and e2e != "NOTPROVIDED" else None


def carry(p: Payment) -> Carried:
    ach = p.kind is Kind.ACH
    name = cut(ascii_text(p.payer_name or "").upper(), 16 if ach else 35)
    account = p.payer_account if not ach and (p.payer_account or "").startswith("ABA:") else None
    text = [ascii_text(t) for t in evidence_texts(p)]
    lines = wrap([" ".join(text)], 80, 1) if ach else wrap(text, 35, 4)
    code = ("165" if ach else "195") if p.direction is Direction.CREDIT else ("451" if ach else "495")
    return Carried(p, p.bank_reference or "", name, account, tuple(lines), e2e=_reference(p, 15 if ach else 16),
                   detail={"type": code})


def _detail(c: Carried) -> list[str]:
    p = c.payment
    cents = to_minor(p.amount, p.currency)
    description = {"165": "ACH Credit Payment", "195": "Incoming Wire", "451": "ACH Debit Payment",
                   "495": "Outgoing Wire"}[c.detail["type"]]
    records = [f"16,{c.detail['type']},{cents},,{c.ref},{c.e2e or ''},{description}"]
    if c.e2e:
        records.append(f"88,EREF: {c.e2e}")
    credit = p.direction is Direction.CREDIT
    if c.name:
        records.append(f"88,{'DBNM' if credit else 'CRNM'}: {c.name}")
    if c.account:
        _, routing, account = c.account.split(":", 2)
        records += [f"88,{'DACT' if credit else 'CACT'}: {account}", f"88,{'DABA' if credit else 'CABA'}: {routing}"]
    records += [f"88,REMI: {line}" for line in c.lines]
    return records


def render(data: Dataset) -> Rendering:
    carried = [carry(p) for p in data.payments if p.currency == "USD"]
    not_carried = tuple((p, "currency (BAI2 reports a US account in USD)") for p in data.payments if p.currency != "USD")
    day = f"{data.as_of:%y%m%d}"
    body = []
    net = 0
    total = 0  # the 49 control total: every amount of the account's 03 and 16 records
    for c in carried:
        cents = to_minor(c.payment.amount, "USD")
        net += cents if c.payment.direction is Direction.CREDIT else -cents
        total += cents
        body += _detail(c)
    closing = OPENING + net
    account = [f"03,{OUR_ACCOUNT},USD,010,{OPENING},,,015,{closing},,,/", *body]
    total += OPENING + closing
    account.append(f"49,{total},{len(account) + 1}/")
    group = [f"02,REMIT,{OUR_BANK},1,{day},,USD,2/", *account]
    group.append(f"98,{total},1,{len(group) + 1}/")
    records = [f"01,GSBI,REMIT,{day},0600,1,,,2/", *group]
    records.append(f"99,{total},1,{len(records) + 1}/")
    content = ("\n".join(records) + "\n").encode("ascii")
    return Rendering("BAI2", (("day.bai2", content),), tuple(carried), not_carried)
