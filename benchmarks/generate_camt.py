"""Generate a big, realistic camt.053 file for the parse / ingest benchmarks.

    python -m benchmarks.generate_camt OUT --entries 100000 --tx-per-batch 4 [--batch-every 3] [--seed 1]
    python -m benchmarks.generate_camt OUT --target-mb 250

Content follows iso20022/NOTES.md §4: ~2-3 KB per entry with full party and remittance
data (names with XML specials and umlauts, IBANs, end-to-end ids, UETRs, unstructured and
structured remittance with invoice numbers and amounts, RF creditor references), every Nth
entry a batch (collective booking) with several TxDtls, a few returns / reversals and
pending entries. Several statements (one per account) as real multi-account files have.

Memory is flat: entries are produced one at a time and streamed through
`iso20022.writer.write_camt053_to`. Output is deterministic for a seed. Amounts are made
from integers (minor units) — no floats anywhere near money.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import BinaryIO

from core.money import from_minor
from core.records import (
    Balance,
    Direction,
    Entry,
    EntryStatus,
    InvoiceRef,
    ReturnInfo,
    Statement,
    Transaction,
)
from iso20022.writer import write_camt053_to

# Bump when the generated content changes, so cached benchmark inputs are regenerated.
GENERATOR_VERSION = 1

DEFAULT_ENTRIES_PER_STATEMENT = 25_000
_STATEMENT_DAYS = 28  # entries are spread over a month of booking dates
_START = date(2026, 10, 1)
_CREATED = datetime(2026, 11, 1, 6, 0, 0)

_ACCOUNTS = [  # (IBAN, currency) of the statement accounts, cycled
    ("DE89370400440532013000", "EUR"),
    ("CH9300762011623852957", "CHF"),
    ("GB29NWBK60161331926819", "GBP"),
    ("NL91ABNA0417164300", "EUR"),
    ("FR1420041010050500013M02606", "EUR"),
]
_FIRST = ["Anna", "Jürgen", "Zoë", "François", "Siobhán", "Łukasz", "María José", "Björn", "Chloé", "Oğuz"]
_LAST = ["Müller", "O'Brien", "Schäfer", "García-López", "Nørgaard", "Dvořák", "Smith", "Rossi", "Kowalski"]
_COMPANY = [
    "Müller & Söhne GmbH", "Acme <Europe> B.V.", "O'Neill \"Fresh\" Foods Ltd", "Société Générale d'Équipement SA",
    "Nordic Ø Trading AB", "Bäckerei Schäfer KG", "Smith & Wesson Logistics Inc.", "Zürich Versicherungs-AG",
    "株式会社トヨタ販売", "Café Olé S.L.", "Łódź Import Sp. z o.o.", "Þór Fisheries ehf.",
]
_STREET_WORDS = ["Hauptstraße", "Rue de la Paix", "Kungsgatan", "High Street", "Via Roma", "Bahnhofplatz"]
_USTRD = [
    "Rechnung {inv} vom {d} abzgl. 2% Skonto",
    "Invoice {inv} / PO {po} - thank you for your business",
    "Payment for invoices {inv} & {inv2} <partial>",
    "Facture {inv} réglée, référence client {po}",
    "INV {inv} CUST {po} \"final\" payment",
    "Abschlag Auftrag {po}; Rg.-Nr. {inv}; Kunde {cust}",
]
# (bank transaction code, direction, share in percent)
_KINDS = [
    ("PMNT/RCDT/ESCT", Direction.CREDIT, 55),  # SEPA credit transfer received
    ("PMNT/RCDT/XBCT", Direction.CREDIT, 12),  # cross-border wire received
    ("PMNT/RCHQ/URCQ", Direction.CREDIT, 8),  # cheque deposit
    ("PMNT/RDDT/ESDD", Direction.CREDIT, 10),  # SEPA direct debit collected
    ("PMNT/ICDT/ESCT", Direction.DEBIT, 10),  # outgoing transfer
    ("PMNT/IDDT/UPDD", Direction.DEBIT, 5),  # returned direct debit
]
_KIND_WEIGHTS = [k[2] for k in _KINDS]
_RETURN_CODES = ["AC04", "AC06", "MD06", "AM04", "MS03", "R01", "R02"]


def _iban(rng: random.Random, country: str = "DE") -> str:
    bban = "".join(rng.choice("0123456789") for _ in range(18))
    numeric = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{country}{98 - int(numeric) % 97:02d}{bban}"


def _rf_reference(rng: random.Random) -> str:
    body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRSTUVWXYZ") for _ in range(rng.randint(8, 18)))
    numeric = "".join(str(int(c, 36)) for c in body + "RF00")
    return f"RF{98 - int(numeric) % 97:02d}{body}"


def _amount_units(rng: random.Random) -> int:
    """Minor units, log-uniform-ish from 10.00 to ~5,000,000.00 (integers only: no float money)."""
    digits = rng.choice([4, 4, 5, 5, 5, 6, 6, 6, 7, 8, 9])
    return rng.randrange(10 ** (digits - 1), 10**digits)


def _split(rng: random.Random, total: int, parts: int) -> list[int]:
    """`parts` positive integers summing to `total` (total >= parts)."""
    cuts = sorted(rng.sample(range(1, total), parts - 1))
    bounds = [0, *cuts, total]
    return [b - a for a, b in zip(bounds, bounds[1:])]


@dataclass(frozen=True, slots=True)
class Plan:
    entries: int
    tx_per_batch: int = 4
    batch_every: int = 3  # every Nth entry is a batch; 0 = never
    seed: int = 1
    entries_per_statement: int = DEFAULT_ENTRIES_PER_STATEMENT


class _Generator:
    """Deterministic content. Amounts and directions come from their own per-statement RNG so
    a cheap first pass can compute exact closing balances before the entries are written."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.rng = random.Random(f"remit-camt-{plan.seed}")
        self.entry_index = 0
        self.transactions = 0
        # Exact totals per "direction currency", for the benchmark's never-lose-a-cent check.
        self.totals: dict[str, Decimal] = {}

    def _amount_rng(self, statement_no: int) -> random.Random:
        return random.Random(f"remit-camt-{self.plan.seed}-amounts-{statement_no}")

    @staticmethod
    def _draw_amount(arng: random.Random) -> tuple[int, int]:
        """(units, kind index): the only draws that decide money, from the amount RNG."""
        kind = arng.choices(range(len(_KINDS)), weights=_KIND_WEIGHTS)[0]
        return _amount_units(arng), kind

    def statement(self, statement_no: int, count: int) -> Statement:
        iban, currency = _ACCOUNTS[statement_no % len(_ACCOUNTS)]
        opening_units = self.rng.randrange(10**9, 10**11)
        net = 0
        arng = self._amount_rng(statement_no)
        for _ in range(count):
            units, kind = self._draw_amount(arng)
            net += units if _KINDS[kind][1] is Direction.CREDIT else -units
        opening = from_minor(opening_units, currency)
        closing = from_minor(opening_units + net, currency)
        end = _START + timedelta(days=_STATEMENT_DAYS - 1)
        return Statement(
            id=f"STMT-{self.plan.seed}-{statement_no:04d}-{currency}",
            account=iban,
            currency=currency,
            opening_balance=opening,
            closing_balance=closing,
            from_date=_START,
            to_date=end,
            balances=(
                Balance("OPBD", opening, currency, _START.isoformat()),
                Balance("CLBD", closing, currency, end.isoformat()),
                Balance("CLAV", closing, currency, end.isoformat()),
            ),
        )

    def entries(self, statement_no: int, count: int, currency: str) -> Iterator[Entry]:
        arng = self._amount_rng(statement_no)  # same sequence as the balance pass
        for i in range(count):
            units, kind = self._draw_amount(arng)
            entry = self._entry(i, count, units, kind, currency)
            key = f"{entry.direction.value} {currency}"
            self.totals[key] = self.totals.get(key, Decimal(0)) + entry.amount
            yield entry

    def _party_name(self) -> str:
        rng = self.rng
        if rng.random() < 0.6:
            return rng.choice(_COMPANY)
        return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"

    def _entry(self, i: int, count: int, units: int, kind: int, currency: str) -> Entry:
        rng = self.rng
        plan = self.plan
        self.entry_index += 1
        n = self.entry_index
        code, direction, _ = _KINDS[kind]
        booked = _START + timedelta(days=i * _STATEMENT_DAYS // max(count, 1))
        batch = plan.batch_every > 0 and n % plan.batch_every == 0 and plan.tx_per_batch > 1
        tx_count = plan.tx_per_batch if batch else 1
        units = max(units, tx_count * 100)  # every batch part at least 1.00
        parts = _split(rng, units, tx_count) if tx_count > 1 else [units]
        returned = code == "PMNT/IDDT/UPDD" or rng.random() < 0.01
        txs = tuple(
            self._transaction(n, k, part, currency, code, returned) for k, part in enumerate(parts)
        )
        self.transactions += len(txs)
        status = EntryStatus.BOOKED
        roll = rng.random()
        if roll < 0.01:
            status = EntryStatus.PENDING
        elif roll < 0.015:
            status = EntryStatus.INFO
        return Entry(
            amount=from_minor(units, currency),
            currency=currency,
            direction=direction,
            status=status,
            booking_date=booked,
            value_date=booked + timedelta(days=rng.choice([0, 0, 0, 1, 2])),
            bank_reference=f"{booked:%Y%m%d}{n:010d}{rng.randrange(10**6):06d}",
            reversal=returned and rng.random() < 0.5,
            bank_code=code,
            additional_info=(
                f"Sammelbuchung {tx_count} Posten" if batch else
                ("SEPA Gutschrift" if direction is Direction.CREDIT else "SEPA Überweisung")
            ),
            transactions=txs,
        )

    def _transaction(
        self, n: int, k: int, units: int, currency: str, code: str, returned: bool
    ) -> Transaction:
        rng = self.rng
        inv = f"INV-{rng.randrange(10**7):07d}"
        po = f"PO{rng.randrange(10**6):06d}"
        cust = f"C{rng.randrange(10**5):05d}"
        remittance = tuple(
            template.format(inv=inv, inv2=f"INV-{rng.randrange(10**7):07d}", po=po, cust=cust,
                            d=(_START + timedelta(days=rng.randrange(60))).isoformat())
            for template in rng.sample(_USTRD, 1 if rng.random() < 0.85 else 2)
        )
        # Structured remittance on ~2/3 of payments (the rest carry only Ustrd, as many do):
        # 1-3 invoices with the amounts they settle, summing to the transaction amount.
        invoices: tuple[InvoiceRef, ...] = ()
        if rng.random() < 0.65:
            n_invoices = rng.choice([1] * 17 + [2] * 2 + [3]) if units >= 300 else 1
            inv_parts = _split(rng, units, n_invoices) if n_invoices > 1 else [units]
            invoices = tuple(
                InvoiceRef(inv if j == 0 else f"INV-{rng.randrange(10**7):07d}", from_minor(p, currency))
                for j, p in enumerate(inv_parts)
            )
        references = (_rf_reference(rng),) if rng.random() < 0.15 else ()
        return_info = None
        if returned:
            return_info = ReturnInfo(
                reason_code=rng.choice(_RETURN_CODES),
                additional_info=f"Rücklastschrift / return of {inv}: account closed <ref {po}>",
            )
        street = f"{rng.choice(_STREET_WORDS)} {rng.randint(1, 250)}"
        return Transaction(
            amount=from_minor(units, currency),
            currency=currency,
            end_to_end_id=f"E2E-{n:09d}-{k}-{rng.randrange(10**8):08d}",
            instruction_id=f"INSTR-{n:09d}-{k}" if "XBCT" in code else None,
            transaction_id=f"TX{rng.randrange(10**12):012d}",
            uetr=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            mandate_id=f"MNDT-{cust}-{rng.randrange(1000):03d}" if "DD" in code else None,
            check_number=f"{rng.randrange(10**6):06d}" if "RCHQ" in code else None,
            counterparty_name=f"{self._party_name()}, {street}"[:140],
            counterparty_account=_iban(rng, rng.choice(["DE", "FR", "IT", "ES", "NL"])),
            remittance=remittance,
            references=references,
            invoices=invoices,
            return_info=return_info,
        )


class _CountingStream:
    """Counts bytes as the writer flushes them, so --target-mb can stop on the real size."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.count = 0

    def write(self, data: bytes) -> int:
        self.raw.write(data)
        self.count += len(data)
        return len(data)


class _NullStream:
    def __init__(self) -> None:
        self.count = 0

    def write(self, data: bytes) -> int:
        self.count += len(data)
        return len(data)


def _bytes_per_entry(plan: Plan, version: str, sample: int = 300) -> float:
    """Bytes per entry of this plan's content, measured on a throw-away sample."""
    gen = _Generator(plan)
    header = gen.statement(0, sample)
    sink = _NullStream()
    write_camt053_to(
        sink, [header, *gen.entries(0, sample, header.currency or "EUR")],  # type: ignore[arg-type]
        version=version, created=_CREATED,
    )
    return sink.count / sample


@dataclass(frozen=True, slots=True)
class Generated:
    path: Path
    bytes: int
    entries: int
    transactions: int
    statements: int
    seconds: float
    totals: dict[str, Decimal]  # "credit EUR" -> exact sum of entry amounts


def generate(
    out: Path,
    *,
    entries: int | None = 100_000,
    tx_per_batch: int = 4,
    batch_every: int = 3,
    seed: int = 1,
    target_mb: float | None = None,
    entries_per_statement: int = DEFAULT_ENTRIES_PER_STATEMENT,
    version: str = "001.08",
) -> Generated:
    """Write the file; with `target_mb`, keep adding entries until the file is that big."""
    target = int(target_mb * 1024 * 1024) if target_mb else None
    plan = Plan(entries or 0, tx_per_batch, batch_every, seed, entries_per_statement)
    gen = _Generator(plan)
    statements = 0
    started = time.perf_counter()
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")  # never leave a truncated file under the real name

    first_guess = _bytes_per_entry(plan, version) if target else 0.0

    with partial.open("wb") as raw:
        sink = _CountingStream(raw)

        def records() -> Iterator[Statement | Entry]:
            nonlocal statements
            written = 0
            while True:
                if target is None:
                    count = min(plan.entries_per_statement, plan.entries - written)
                else:
                    # Size the next statement from the bytes/entry seen so far (the writer
                    # flushes every ~256 KB, so `sink.count` lags a little: we may add one
                    # small extra statement, never stop short).
                    left = target - sink.count
                    per_entry = sink.count / written if written and sink.count else first_guess
                    count = min(plan.entries_per_statement, max(10, int(left / per_entry)))
                if count <= 0 or (target is not None and sink.count >= target):
                    return
                header = gen.statement(statements, count)
                statements += 1
                yield header
                yield from gen.entries(statements - 1, count, header.currency or "EUR")
                written += count
                if target is None and written >= plan.entries:
                    return

        write_camt053_to(
            sink, records(), version=version, msg_id=f"REMIT-BENCH-{seed}", created=_CREATED
        )
    partial.replace(out)
    return Generated(out, sink.count, gen.entry_index, gen.transactions, statements,
                     time.perf_counter() - started, dict(sorted(gen.totals.items())))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate_camt", description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--tx-per-batch", type=int, default=4)
    parser.add_argument("--batch-every", type=int, default=3, help="every Nth entry is a batch (0: none)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--target-mb", type=float, default=None, help="generate until the file is this big (overrides --entries)")
    parser.add_argument("--entries-per-statement", type=int, default=DEFAULT_ENTRIES_PER_STATEMENT)
    parser.add_argument("--version", default="001.08", choices=["001.02", "001.04", "001.08"])
    args = parser.parse_args(argv)
    if args.tx_per_batch < 1 or args.entries_per_statement < 1 or (args.target_mb is None and args.entries < 1):
        parser.error("--entries, --tx-per-batch and --entries-per-statement must be positive")
    result = generate(
        args.out,
        entries=None if args.target_mb else args.entries,
        tx_per_batch=args.tx_per_batch,
        batch_every=args.batch_every,
        seed=args.seed,
        target_mb=args.target_mb,
        entries_per_statement=args.entries_per_statement,
        version=args.version,
    )
    print(
        f"wrote {result.path}: {result.bytes:,} bytes ({result.bytes / 1024 / 1024:.1f} MB), "
        f"{result.entries:,} entries, {result.transactions:,} transactions, "
        f"{result.statements} statements, {result.bytes / max(result.entries, 1):,.0f} bytes/entry, "
        f"in {result.seconds:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
