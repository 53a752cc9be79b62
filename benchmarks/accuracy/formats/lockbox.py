"""BAI lockbox transmission of the labelled day's USD receipts, each paid by check, in the
column layout remit's parser calls BAI_STANDARD (FundersClub's bank; records not padded):

    1 header · 2 service · per lockbox: 5, per check 6 (+ 4 overflows), 7 per batch, 8 · 9

A check carries what the processor captures: amount, the MICR line (ABA routing 9 and the
on-us account in a 10-column field), check number and date, the remitter name (30) keyed
from the check, and the remittance stub keyed into overflow records: 30 characters each,
at most 99 per check (the 2-digit sequence). Stub text is keyed as written (one stub line
per overflow, long lines wrapped at blanks); invoices the payer listed with amounts are
keyed "<number> <amount>", which the parser reads back as invoices.

Limits that remove evidence: no end-to-end id (a check has none); no payer account other
than the MICR one: a payer known by an IBAN or an ACH company id writes a check on an
account the book does not know (here a synthetic one, never on file); a MICR account
longer than 10 characters is cut to the field. Debits are not carried (a lockbox only
receives checks). Scanner batches hold 100 checks, a lockbox 10 batches.
"""

from __future__ import annotations

from benchmarks.accuracy.formats.carry import Carried, Rendering, ascii_text, cut, evidence_texts, wrap
from benchmarks.accuracy_data import Dataset
from core.money import to_minor
from core.records import Direction
from reconcile.model import Payment

DEST = "REMIT00001"
ORIGIN = "0260150790"
LOCKBOX_FIRST = 4471001
BATCH_SIZE = 100
BATCHES_PER_BOX = 10
UNKNOWN_ROUTING = "011000015"  # the synthetic MICR routing of checks from accounts not on file


def _micr(p: Payment) -> tuple[str, str]:
    account = p.payer_account or ""
    if account.startswith("ABA:"):
        _, routing, number = account.split(":", 2)
        return routing, number[:10]
    return UNKNOWN_ROUTING, f"9{p.id:09d}"


def carry(p: Payment, ref: str) -> Carried:
    routing, account = _micr(p)
    memo = wrap([ascii_text(t) for t in evidence_texts(p)], 30, 99)
    name = cut(ascii_text(p.payer_name or "").upper(), 30)
    return Carried(p, ref, name, f"ABA:{routing}:{account}", tuple(memo),
                   detail={"routing": routing, "account": account, "check": f"{p.id:06d}"})


def render(data: Dataset) -> Rendering:
    day = f"{data.as_of:%y%m%d}"
    credits = [p for p in data.payments if p.currency == "USD" and p.direction is Direction.CREDIT]
    not_carried = tuple(
        (p, "currency (a US lockbox takes USD checks)" if p.currency != "USD" else "debit (a lockbox receives checks)")
        for p in data.payments if p.currency != "USD" or p.direction is not Direction.CREDIT)
    records = [f"100{DEST:<10}{ORIGIN:<10}{day}0600", f"2{DEST}{ORIGIN}{'0' * 10}40008000081"]
    carried: list[Carried] = []
    per_box = BATCH_SIZE * BATCHES_PER_BOX
    for box_start in range(0, len(credits), per_box):
        box = f"{LOCKBOX_FIRST + box_start // per_box:07d}"
        records.append(f"5000000{box}{day}{DEST}{ORIGIN}")
        box_cents = 0
        box_checks = credits[box_start:box_start + per_box]
        for batch_start in range(0, len(box_checks), BATCH_SIZE):
            batch = batch_start // BATCH_SIZE + 1
            checks = box_checks[batch_start:batch_start + BATCH_SIZE]
            batch_cents = 0
            for item, p in enumerate(checks, 1):
                c = carry(p, f"{box}-{day}-{batch:03d}-{item:03d}")
                carried.append(c)
                cents = to_minor(p.amount, "USD")
                batch_cents += cents
                records.append(f"6{batch:03d}{item:03d}{cents:010d}{c.detail['routing']:>9}{c.detail['account']:>10}"
                               f"{c.detail['check']:>10}{p.value_date:%m%d%y}{c.name or '':<30}{'REMIT OPERATING':<20}")
                for seq, memo in enumerate(c.lines, 1):
                    last = 9 if seq == len(c.lines) else 0
                    records.append(f"4{batch:03d}{item:03d}6{seq:02d}{last}{memo}")
            records.append(f"7{batch:03d}000{box}{day}{len(checks):03d}{batch_cents:010d}")
            box_cents += batch_cents
        records.append(f"8000000{box}{day}{len(box_checks):04d}{box_cents:010d}")
    records.append(f"9{len(records) + 1:06d}")
    content = ("\n".join(records) + "\n").encode("ascii")
    return Rendering("BAI lockbox", (("day.lockbox.txt", content),), tuple(carried), not_carried)
