"""BAI lockbox, issue 13: a batch out of balance is carried explicitly, per batch, so that a
later layer can send its checks to review instead of applying them."""

from __future__ import annotations

import pytest

from ingest import lockbox
from tests.parsers.test_lockbox import (
    batch_total,
    box,
    box_total,
    check,
    header,
    lines,
    overflow,
    parse,
    service,
    trailer,
)


def two_batches(batch1_count: int, batch1_cents: int) -> str:
    return lines(
        header(), service(), box(),
        check(1, 1, 1000), overflow(1, 1, 1, True, "INV 1001"), check(1, 2, 2500),
        batch_total(1, batch1_count, batch1_cents),
        box(batch=2), check(2, 1, 700), batch_total(2, 1, 700),
        box_total(3, 4200),
        trailer(12),
    )


def test_balanced_batches_are_not_flagged() -> None:
    parsed = parse(two_batches(2, 3500))
    assert parsed.warnings == ()
    assert lockbox.out_of_balance_batches(parsed.warnings) == frozenset()


@pytest.mark.parametrize("count,cents", [(2, 3600), (3, 3500), (1, 1000)])
def test_out_of_balance_batch_is_named_and_its_entries_found(count: int, cents: int) -> None:
    parsed = parse(two_batches(count, cents))
    batches = lockbox.out_of_balance_batches(parsed.warnings)
    assert batches == {"1234567-230315-001"}
    flagged = [e.bank_reference for e in parsed.entries() if lockbox.in_unbalanced_batch(e, batches)]
    assert flagged == ["1234567-230315-001-001", "1234567-230315-001-002"]  # not batch 002's check
    (warning,) = [w for w in parsed.warnings if w.field == lockbox.OUT_OF_BALANCE]
    assert warning.line == 7 and warning.record == "type 7 batch 001"
    assert "batch 001 of lockbox 1234567 is out of balance" in warning.message
    assert f"the type 7 says {count} checks" in warning.message
    assert "the file has 2, 35.00" in warning.message


def test_each_unbalanced_batch_once_and_lockbox_total_alone_flags_no_batch() -> None:
    text = lines(
        header(), box(),
        check(1, 1, 1000), batch_total(1, 1, 999),
        box(batch=2), check(2, 1, 700), batch_total(2, 2, 700),
        box_total(2, 1800),  # the lockbox total is off too: a warning, not a batch
        trailer(9),
    )
    parsed = parse(text)
    assert lockbox.out_of_balance_batches(parsed.warnings) == {"1234567-230315-001", "1234567-230315-002"}
    assert sum(w.field == lockbox.OUT_OF_BALANCE for w in parsed.warnings) == 2
    assert any(w.field == "lockbox total" for w in parsed.warnings)


def test_real_sample_batch_is_balanced() -> None:
    from tests.parsers.test_lockbox import GOLDEN  # the FundersClub file
    from core.records import Format
    from ingest import formats
    for path in GOLDEN:
        parsed = formats.parse_path(path, Format.LOCKBOX)
        assert lockbox.out_of_balance_batches(parsed.warnings) == frozenset()
