"""`remit parse` writes its JSON from the record stream: the same text as json.dump of the
whole file in memory, byte for byte, and nothing at all on stdout for a rejected file."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from core.contract import (
    _entry_open,
    _open,
    _transaction_text,
    dumps,
    entry_fields,
    parsed_file_json,
    transaction_json,
    write_parsed_json,
)
from core.errors import ParseError, ParseWarning
from core.records import (
    ChangeInfo,
    Direction,
    Entry,
    Format,
    InvoiceRef,
    ReturnInfo,
    Statement,
    Transaction,
    collect,
)
from ingest.formats import path_records
from tests.support import SAMPLES, SHARED

REMIT = [sys.executable, "-m", "cli"]


def _bank_files() -> list[Path]:
    found = []
    for base in (SAMPLES, SHARED):
        if base.is_dir():
            found += [
                p for p in sorted(base.rglob("*"))
                if p.is_file() and p.suffix not in (".json", ".md", ".xsd") and "samples" in p.parts
            ]
    return found


def _in_memory(name: str, fmt: Format, records: list, trailer: dict | None = None) -> str:
    value = parsed_file_json(name, collect(fmt, records))
    value.update(trailer or {})
    out = io.StringIO()
    json.dump(value, out, indent=2, ensure_ascii=False)
    return out.getvalue() + "\n"


def _streamed(name: str, fmt: Format, records: list, trailer: dict | None = None) -> str:
    out = io.StringIO()
    write_parsed_json(out, name, fmt, records, (lambda: trailer) if trailer else None)
    return out.getvalue()


def test_every_sample_file_streams_to_the_same_text_as_json_dump() -> None:
    compared = 0
    for path in _bank_files():
        try:
            with path_records(path) as (fmt, stream):
                records = list(stream)
        except ParseError:
            continue  # samples of broken files
        assert _streamed(path.name, fmt, records) == _in_memory(path.name, fmt, records), path
        compared += 1
    assert compared >= 40


ODD = 'quote " backslash \\ tab \t newline \n ü € 𝄞 \x00'


@pytest.mark.parametrize(
    "records",
    [
        [],
        [ParseWarning("only a warning", line=3)],
        [Statement(id=None, account=None)],
        # an entry before any statement (collect() opens an empty one), odd text everywhere
        [
            Entry(
                amount=Decimal("1.50"), currency=None, direction=Direction.DEBIT,
                additional_info=ODD, charges=Decimal("0.10"),
                transactions=(
                    Transaction(
                        amount=None, counterparty_name=ODD, remittance=(ODD, "b"),
                        references=("RF18",), invoices=(InvoiceRef("I-1"), InvoiceRef(ODD, Decimal("2"))),
                        return_info=ReturnInfo("R01", "T1"), change_info=ChangeInfo("C01", "x"),
                    ),
                    Transaction(amount=Decimal("0")),
                ),
            ),
            Statement(id="S", account="A"),
            ParseWarning("w", line=1, field="f", value=ODD),
        ],
    ],
)
def test_edge_shapes_stream_to_the_same_text(records: list) -> None:
    trailer = {"schema_errors": ["e1", ODD]}
    assert _streamed("f.xml", Format.CAMT053, records) == _in_memory("f.xml", Format.CAMT053, records)
    assert _streamed("f.xml", Format.CAMT053, records, trailer) == _in_memory(
        "f.xml", Format.CAMT053, records, trailer
    )


def test_the_fast_entry_and_transaction_text_match_the_generic_dump() -> None:
    tx = Transaction(amount=Decimal("3.1"), currency="EUR", counterparty_name=ODD,
                     invoices=(InvoiceRef("A", None),), return_info=ReturnInfo(None))
    entry = Entry(amount=Decimal("3.1"), currency="EUR", direction=Direction.CREDIT, transactions=(tx,))
    assert _transaction_text(tx) == dumps(transaction_json(tx), " " * 12)
    assert _entry_open(entry) == _open(entry_fields(entry), "transactions", " " * 8)


def _bad_camt(tmp_path: Path) -> Path:
    good = next(p for p in _bank_files() if p.name == "genkgo-camt053-v02-multi-statement.xml")
    data = good.read_bytes()
    path = tmp_path / "broken.xml"
    path.write_bytes(data[: data.rindex(b"</Ntry>")] + b"<Amt>NaN</Amt></Ntry></Stmt>")
    return path


def test_a_rejected_file_leaves_a_redirected_stdout_as_it_was(tmp_path: Path) -> None:
    target = tmp_path / "out.json"
    target.write_text("before\n")
    with target.open("a") as out:
        proc = subprocess.run(REMIT + ["parse", str(_bad_camt(tmp_path))], stdout=out,
                              stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 2
    assert "rejected:" in proc.stderr and "broken.xml" in proc.stderr
    assert target.read_text() == "before\n"


def test_a_rejected_file_prints_nothing_to_a_pipe(tmp_path: Path) -> None:
    proc = subprocess.run(REMIT + ["parse", str(_bad_camt(tmp_path))], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stdout == ""


def test_stdout_file_and_pipe_get_the_same_text(tmp_path: Path) -> None:
    sample = next(p for p in _bank_files() if p.name == "genkgo-camt053-v02-multi-statement.xml")
    piped = subprocess.run(REMIT + ["parse", str(sample)], capture_output=True, timeout=120)
    target = tmp_path / "out.json"
    with target.open("wb") as out:
        subprocess.run(REMIT + ["parse", str(sample)], stdout=out, timeout=120, check=True)
    assert piped.returncode == 0
    assert target.read_bytes() == piped.stdout
    with path_records(sample) as (fmt, stream):
        assert piped.stdout.decode() == _in_memory(sample.name, fmt, list(stream))
