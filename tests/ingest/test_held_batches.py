"""A lockbox batch out of balance: its payments are stored but go straight to review, with that
reason, and no matching run applies them; a balanced batch of the same file is matched."""

from __future__ import annotations

import io

from sqlalchemy import select

from ledger.db import transaction
from ledger.models import AuditEvent, BankEntry, BankTransaction, ReviewItem
from reconcile.model import ReviewReason
from tests.parsers.test_lockbox import batch_total, box, box_total, check, header, lines, trailer
from workflows.pipeline import ingest_stream


def _file() -> bytes:
    return lines(
        header(), box("1111111"),
        check(1, 1, 1000), check(1, 2, 2000), batch_total(1, 3, 3001, "1111111"),  # keyed wrong
        check(2, 1, 700, number="2001"), batch_total(2, 1, 700, "1111111"),  # adds up
        box_total(3, 3700, "1111111"), trailer(9),
    ).encode()


def test_an_unbalanced_batch_goes_to_review_and_is_never_applied(rt) -> None:
    result = ingest_stream(rt, io.BytesIO(_file()), name="lockbox.txt", source="test", actor="test")
    assert result.status == "parsed" and result.transactions == 3
    with transaction(rt.engine) as s:
        rows = s.execute(select(BankEntry.bank_reference, BankTransaction.match_status, ReviewItem.reason)
                         .join(BankTransaction, BankTransaction.entry_id == BankEntry.id)
                         .outerjoin(ReviewItem, ReviewItem.transaction_id == BankTransaction.id)
                         .order_by(BankEntry.bank_reference)).all()
        held = [(ref, status, reason) for ref, status, reason in rows if ref.startswith("1111111-230315-001-")]
        assert [(st, rs) for _, st, rs in held] == [("review", ReviewReason.BATCH_OUT_OF_BALANCE.value)] * 2
        other = [(st, rs) for ref, st, rs in rows if ref.startswith("1111111-230315-002-")]
        assert other and other[0][1] != ReviewReason.BATCH_OUT_OF_BALANCE.value  # the balanced batch is matched
        explanation = s.scalar(select(ReviewItem.explanation).where(ReviewItem.reason == "batch_out_of_balance"))
        assert "1111111-230315-001" in explanation and "out of balance" in explanation
        assert s.scalar(select(AuditEvent.id).where(AuditEvent.action == "review_item.opened",
                                                    AuditEvent.actor == "test")) is not None
