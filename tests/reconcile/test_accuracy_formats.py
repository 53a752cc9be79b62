"""The accuracy-per-format benchmark's writers and runs (benchmarks/accuracy/formats/).

Round trip: every writer's file parses back with remit's own parser to the bookings the
writer says it carried — same count, amounts, names as cut, accounts, references and text.
End to end (small day): through the Ingestor and match_pending, no not-matchable payment is
applied, and matchable ones are applied right.
"""

from __future__ import annotations

import io
from functools import cache

import pytest

from benchmarks.accuracy.formats import bai2, lockbox, nacha, ofx
from benchmarks.accuracy.formats.carry import Carried, Rendering, evidence_lost
from benchmarks.accuracy.formats.returns import ReturnsOutcome, hook
from benchmarks.accuracy.formats.run import run_format
from benchmarks.accuracy_data import Dataset, generate
from benchmarks.bench_formats import FORMATS
from core.records import Direction, Entry, collect
from ingest.formats import detect_format, iter_records

WRITERS = FORMATS  # every format the benchmark writes, by its name there
PARSED_AS = {"camt.053": "camt.053", "camt.054": "camt.054", "BAI2": "bai2", "BAI lockbox": "lockbox",
             "NACHA": "ach", "OFX": "ofx"}


@cache
def day() -> Dataset:
    return generate(3, 40, 200)


def parsed(rendering: Rendering) -> tuple[str, dict[str, Entry]]:
    (_, content), = rendering.files
    fmt = detect_format(content[:4096])
    result = collect(fmt, iter_records(fmt, io.BytesIO(content)))
    assert not result.warnings, [str(w) for w in result.warnings][:3]
    entries = list(result.entries())
    by_ref = {e.bank_reference: e for e in entries}
    assert len(by_ref) == len(entries), "bank references must be unique"
    return fmt.value, by_ref


def _text_kept(c: Carried, remittance: tuple[str, ...]) -> bool:
    """Every carried line is in the parsed remittance (BAI2 prefixes 'REMI: '; a CTX entry's
    remittance is its X12 820's readable segments, not the envelope)."""
    from ingest.ach import x12

    got = [" ".join(r.split()) for r in remittance]
    lines = [seg for line in c.lines for seg in x12.readable(line)] if c.detail.get("sec") == "CTX" else c.lines
    return bool(lines or not c.lines) and all(any(" ".join(line.split()) in r for r in got) for line in lines)


@pytest.mark.parametrize("name", list(WRITERS))
def test_round_trip(name: str) -> None:
    data = day()
    rendering = WRITERS[name](data)
    fmt, by_ref = parsed(rendering)
    assert fmt == PARSED_AS[name]
    assert len(by_ref) == len(rendering.carried)
    assert len(rendering.carried) + len(rendering.not_carried) == len(data.payments)
    assert rendering.carried, "the writer carried nothing"
    for c in rendering.carried:
        entry = by_ref[c.ref]
        p = c.payment
        assert (entry.amount, entry.currency, entry.direction) == (p.amount, p.currency, p.direction), c.ref
        if p.direction is Direction.DEBIT and name in ("NACHA", "BAI2"):
            continue  # the other party of a debit is the creditor / receiver, not the payer
        tx, = entry.transactions
        assert tx.counterparty_name == c.name, c.ref
        assert tx.counterparty_account == c.account, c.ref
        assert _text_kept(c, tx.remittance), (c.ref, c.lines, tx.remittance)
        assert tuple(tx.references) == tuple(c.references) or name == "OFX", c.ref
        assert {i.number for i in c.invoices} <= {i.number for i in tx.invoices}, c.ref
        if c.e2e and name in ("camt.053", "camt.054", "BAI2"):
            assert tx.end_to_end_id == c.e2e, c.ref


def test_limits_are_the_formats() -> None:
    """Names cut to the field, accounts the format has no place for dropped, USD-only
    formats leave EUR out, a lockbox leaves debits out."""
    data = day()
    for c in nacha.render(data).carried:
        assert c.name is None or (len(c.name) <= 16 and c.name == c.name.upper())
        assert c.account is not None and c.account.startswith("ACH-CO:")
    for c in ofx.render(data).carried:
        assert c.name is None or len(c.name) <= 32
        assert c.account is None and all(len(line) <= 255 for line in c.lines)
    box = lockbox.render(data)
    assert all(p.direction is Direction.DEBIT or p.currency != "USD" for p, _ in box.not_carried)
    assert all(len(line) <= 30 for c in box.carried for line in c.lines)
    assert {p.currency for p, _ in bai2.render(data).not_carried} == {"EUR"}


def test_evidence_rule_flags_a_cut_name_and_keeps_a_full_one() -> None:
    data = day()
    found = {"lost": 0, "kept": 0}
    for c in nacha.render(data).carried:
        label = data.label_of(c.payment.id)
        if label.scenario != "name_variant":
            continue
        why = evidence_lost(label, c)
        short = len(c.payment.payer_name or "") <= 16
        assert (why is None) == short, (c.payment.payer_name, why)
        found["kept" if short else "lost"] += 1
    assert found["lost"], "expected long names cut by NACHA's 16-character company name"


@pytest.mark.parametrize("name", list(WRITERS))
def test_end_to_end(name: str) -> None:
    data = day()
    returns = ReturnsOutcome()
    result = run_format(data, WRITERS[name], hook(data, returns) if name == "NACHA" else None)
    t = result.total
    assert not result.problems, result.problems
    assert t.missing == 0
    assert t.not_matchable_auto == 0, result.examples
    assert t.right > 0 and t.right >= 0.8 * t.fair, (t, result.examples)
    if name == "NACHA":
        assert returns.returned == 10 and returns.reversed == 10, returns.problems
        assert not returns.problems, returns.problems
