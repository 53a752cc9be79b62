"""Write the demo's month (benchmarks/demo_book.py) as the files `remit demo` reads:

    fixtures/demo/invoices.csv   the book (customers with their accounts and bank spellings)
    fixtures/demo/mandates.csv   three customers' direct-debit mandates (two SEPA, one ACH),
                                 signed mid-month: `remit demo` collects what they owe
    fixtures/demo/bank/          EUR: a camt.053 each Friday and an intraday camt.054 on the
                                 last day (the evening statement repeats it: stored once);
                                 USD: a BAI2 report each Friday (wires, outgoing payments),
                                 two NACHA receipt files (ACH CCD+ credits with addenda) and
                                 two lockbox files (checks with their remittance stubs)

File names sort in arrival order. Written by remit's own writers where it has them
(iso20022.writer, ingest.ach.writer); BAI2 and lockbox in the layouts remit's parsers read
(as benchmarks/accuracy/formats renders them). Deterministic: run it again and git shows no
change.

    .venv/bin/python -m benchmarks.generate_demo [--out fixtures/demo]
"""

from __future__ import annotations

import argparse
import csv
import io
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from benchmarks.bench_accuracy import _camt054
from benchmarks.demo_book import EUR_ACCOUNT, USD_ACCOUNT, USD_BANK, Month, PaymentSpec, build
from core.money import to_minor
from core.records import Direction, Entry, EntryStatus, Kind, ReturnInfo, Statement, Transaction
from ingest.ach import writer as ach
from iso20022.writer import write_camt053

FRIDAYS = [date(2026, 11, d) for d in (6, 13, 20, 27)]
COLUMNS = ["invoice_number", "customer_id", "customer_name", "currency", "amount", "open_amount", "issue_date",
           "due_date", "terms", "po_number", "customer_accounts", "customer_aliases"]


def invoices_csv(month: Month) -> bytes:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(COLUMNS)
    for inv in month.invoices:
        c = inv.customer
        alias = c.bank_name if c.bank_name.casefold() != c.name.casefold() else ""
        w.writerow([inv.number, c.id, c.name, c.currency, f"{inv.amount:.2f}", f"{inv.open_amount:.2f}",
                    inv.issue.isoformat(), inv.due.isoformat(), inv.terms, inv.po, c.account, alias])
    return out.getvalue().encode("utf-8")


# -- EUR: camt.053 per week, camt.054 on the last day -------------------------------------------


def _entry(p: PaymentSpec, ref: str) -> Entry:
    ret = ReturnInfo(p.return_code, p.return_of) if p.return_code else None
    tx = Transaction(amount=p.amount, currency=p.currency, end_to_end_id=p.return_of or p.e2e,
                     counterparty_name=p.payer, counterparty_account=p.account, remittance=p.remittance,
                     return_info=ret)
    direction = Direction.CREDIT if p.direction == "credit" else Direction.DEBIT
    family = ("RCDT" if direction is Direction.CREDIT else "ICDT") + ("/RRTN" if ret else "/ESCT")
    return Entry(amount=p.amount, currency=p.currency, direction=direction, status=EntryStatus.BOOKED,
                 booking_date=p.day, value_date=p.day, bank_reference=ref, kind=Kind.SEPA,
                 bank_code=f"PMNT/{family}", transactions=(tx,))


def eur_files(month: Month) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    balance = Decimal("150000.00")
    eur = sorted((p for p in month.payments if p.currency == "EUR"), key=lambda p: (p.day, p.direction))
    for friday in FRIDAYS:
        week = [p for p in eur if friday - timedelta(days=4) <= p.day <= friday]
        per_day: dict[date, int] = defaultdict(int)
        entries = []
        for p in week:
            per_day[p.day] += 1
            p.ref = f"{p.day:%Y%m%d}-{per_day[p.day]:04d}"
            entries.append(_entry(p, p.ref))
        closing = balance + sum((e.amount if e.direction is Direction.CREDIT else -e.amount for e in entries),
                                Decimal(0))
        st = Statement(id=f"STM-{friday:%Y%m%d}", account=EUR_ACCOUNT, currency="EUR", opening_balance=balance,
                       closing_balance=closing, from_date=friday - timedelta(days=4), to_date=friday,
                       entries=tuple(entries))
        created = datetime.combine(friday, datetime.min.time(), timezone.utc) + timedelta(hours=22)
        files[f"{friday}-2200-eur-statement.camt053.xml"] = write_camt053([st], msg_id=f"M-{st.id}", created=created)
        balance = closing
        if friday == FRIDAYS[-1]:  # the morning's credits, notified at noon
            noon = tuple(e for e in entries if e.booking_date == friday and e.direction is Direction.CREDIT)
            notice = Statement(id=f"NTF-{friday:%Y%m%d}-12", account=EUR_ACCOUNT, currency="EUR",
                               opening_balance=st.opening_balance, closing_balance=st.opening_balance,
                               from_date=friday, to_date=friday, entries=noon)
            doc = write_camt053([notice], msg_id=f"M-{notice.id}", created=created - timedelta(hours=10))
            files[f"{friday}-1200-eur-intraday.camt054.xml"] = _camt054(doc)  # no balances in a notification
    return files


# -- USD: BAI2 each Friday (wires), NACHA receipts (ACH), lockbox (checks) ---------------------


def bai2(day: date, payments: list[PaymentSpec], opening: int) -> tuple[bytes, int]:
    body: list[str] = []
    net = total = 0
    for n, p in enumerate(payments, 1):
        cents = to_minor(p.amount, "USD")
        credit = p.direction == "credit"
        net += cents if credit else -cents
        total += cents
        p.ref = f"FW{day:%m%d}{n:04d}"
        code, text = ("195", "Incoming Wire") if credit else ("495", "Outgoing Wire")
        body.append(f"16,{code},{cents},,{p.ref},{p.e2e or ''},{text}")
        body.append(f"88,{'DBNM' if credit else 'CRNM'}: {p.payer}")
        if p.account and p.account.startswith("ABA:"):
            _, routing, account = p.account.split(":", 2)
            body += [f"88,DACT: {account}", f"88,DABA: {routing}"]
        body += [f"88,REMI: {line}" for line in p.remittance]
    closing = opening + net
    account = [f"03,{USD_ACCOUNT},USD,010,{opening},,,015,{closing},,,/", *body]
    total += opening + closing
    account.append(f"49,{total},{len(account) + 1}/")
    group = [f"02,REMIT,{USD_BANK},1,{day:%y%m%d},,USD,2/", *account]
    group.append(f"98,{total},1,{len(group) + 1}/")
    records = [f"01,{USD_BANK},REMIT,{day:%y%m%d},0600,1,,,2/", *group]
    records.append(f"99,{total},1,{len(records) + 1}/")
    return ("\n".join(records) + "\n").encode("ascii"), closing


def nacha(day: date, payments: list[PaymentSpec]) -> bytes:
    batches = []
    for n, p in enumerate(payments, 1):
        company_id = (p.account or "").removeprefix("ACH-CO:")
        odfi = f"{21000021 + int(company_id[-4:]):08d}"[:8]  # the payer's bank, one per payer
        entry = ach.EntrySpec(22, USD_BANK, USD_ACCOUNT, to_minor(p.amount, "USD"), "REMIT DEMO INC",
                              identification=p.remittance[0][:15], trace=f"{odfi}{day:%m%d}{n:03d}",
                              addenda=tuple(t[:80] for t in p.remittance))
        batches.append(ach.BatchSpec(company_name=(p.payer or "")[:16], company_id=company_id,
                                     odfi=odfi, entries=(entry,), sec="CCD",
                                     entry_description="PAYMENT", effective_date=day))
    created = datetime.combine(day, datetime.min.time()) + timedelta(hours=7)
    content = ach.write_file(batches, immediate_destination=USD_BANK, immediate_origin="021000021",
                             creation=created, destination_name="REMIT DEMO BANK", origin_name="FED ACH")
    for n, p in enumerate(payments, 1):
        p.ref = f"ACH batch {n}"
    return content


def lockbox(day: date, payments: list[PaymentSpec]) -> bytes:
    dest, origin, box = "REMIT00001", "0260150790", "4471001"
    yymmdd = f"{day:%y%m%d}"
    records = [f"100{dest:<10}{origin:<10}{yymmdd}0600", f"2{dest}{origin}{'0' * 10}40008000081",
               f"5000000{box}{yymmdd}{dest}{origin}"]
    batch_cents = 0
    for item, p in enumerate(payments, 1):
        _, routing, account = (p.account or "ABA:011000015:9000000000").split(":", 2)
        cents = to_minor(p.amount, "USD")
        batch_cents += cents
        check = f"{1000 + item + day.day * 50:06d}"
        records.append(f"6001{item:03d}{cents:010d}{routing:>9}{account[:10]:>10}{check:>10}{p.day:%m%d%y}"
                       f"{(p.payer or '')[:30]:<30}{'REMIT DEMO INC':<20}")
        for seq, memo in enumerate(p.remittance, 1):
            last = 9 if seq == len(p.remittance) else 0
            records.append(f"4001{item:03d}6{seq:02d}{last}{memo[:30]}")
        p.ref = f"{box}-{yymmdd}-001-{item:03d}"
    records.append(f"7001000{box}{yymmdd}{len(payments):03d}{batch_cents:010d}")
    records.append(f"8000000{box}{yymmdd}{len(payments):04d}{batch_cents:010d}")
    records.append(f"9{len(records) + 1:06d}")
    return ("\n".join(records) + "\n").encode("ascii")


def usd_files(month: Month) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    usd = [p for p in month.payments if p.currency == "USD"]
    opening = 250_000_00
    for friday in FRIDAYS:
        wires = [p for p in usd if p.channel == "wire" and friday - timedelta(days=6) <= p.day <= friday]
        content, opening = bai2(friday, wires, opening)
        files[f"{friday}-2300-usd-report.bai2"] = content
    for channel, render, name in (("ach", nacha, "0700-usd-ach-receipts.ach"), ("check", lockbox, "0900-usd.lockbox")):
        by_day: dict[date, list[PaymentSpec]] = defaultdict(list)
        for p in usd:
            if p.channel == channel:
                by_day[p.day].append(p)
        for day, paid in sorted(by_day.items()):
            files[f"{day}-{name}"] = render(day, paid)
    return files


# Customers who signed a direct-debit mandate in the second half of the month, on the accounts
# they pay from (the book's own): the demo collects what they owe at the month's end.
MANDATES = b"""mandate_id,customer_id,scheme,account,signed_on,account_type,status
MND-2004-01,C-2004,sepa,FR7620041010050000500027381,2026-11-16,,
MND-2014-01,C-2014,sepa,FR7620041010050000500118367,2026-11-16,,
MND-5012-01,C-5012,ach,026009593:880000507,2026-11-18,checking,
"""


def write(out: Path) -> dict[str, int]:
    month = build()
    bank = out / "bank"
    bank.mkdir(parents=True, exist_ok=True)
    for old in bank.iterdir():
        old.unlink()
    (out / "invoices.csv").write_bytes(invoices_csv(month))
    (out / "mandates.csv").write_bytes(MANDATES)
    files = {**eur_files(month), **usd_files(month)}
    for name, content in files.items():
        (bank / name).write_bytes(content)
    return {"invoices": len(month.invoices), "payments": len(month.payments), "files": len(files)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent / "fixtures" / "demo")
    print(write(parser.parse_args().out))


if __name__ == "__main__":
    main()
