"""Every payment of a run read against the book once: its references (`references.extract`)
and the invoices it plausibly claims — on two cores for a large run.

Why apart from engine.py: reading is the engine's largest cost before its first decision
(~5 s of a 100k-payment night), and it is pure and per payment, so a large run reads the
second half of its payments in a forked child (core.forked) while this process reads the
first. The child sends each reading with invoice ids in place of the invoices; they are put
back as this run's own invoice objects, because the engine's caches key on them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal

from core.forked import started_in_child
from reconcile.model import OpenInvoice, Payment
from reconcile.references import Extracted, Probe, RefHit, Source

PARALLEL_MIN = 20_000  # payments from which the second half is read in a child (below, forking costs more)
_BATCH = 2_000  # readings per message from the child

Reading = tuple[Extracted, tuple[int, ...]]  # (references found, ids of the invoices claimed)
ReadOne = Callable[[Payment], Reading]
_Sent = tuple[tuple[tuple[int, Source, str, Decimal | None], ...], tuple[Probe, ...], tuple[str, ...],
              tuple[str, ...], tuple[str, ...], tuple[int, ...]]


def read_all(payments: Sequence[Payment], read_one: ReadOne, invoices: Sequence[OpenInvoice],
             *, parallel_min: int | None = None) -> list[Reading]:
    """read_one of every payment, in order. `invoices`: this run's (the child's hits are put
    back as these objects)."""
    if len(payments) < (PARALLEL_MIN if parallel_min is None else parallel_min):
        return [read_one(p) for p in payments]
    half = len(payments) // 2
    # The child reads all of its half before sending any: the pipe holds little, and this
    # process takes nothing from it until its own half is read (a child that sent as it went
    # would wait on the pipe most of the time).
    later = started_in_child(lambda: [_sent(*read_one(p)) for p in payments[half:]], size=_BATCH)
    try:
        mine = [read_one(p) for p in payments[:half]]
        by_id = {inv.id: inv for inv in invoices}
        theirs = [_restored(sent, by_id) for sent in later.result()]
    finally:
        later.close()
    return mine + theirs


def _sent(ex: Extracted, claimed: tuple[int, ...]) -> _Sent:
    hits = tuple((h.invoice.id, h.source, h.written, h.amount) for h in ex.hits)
    return hits, ex.probes, ex.unknown, ex.notes, ex.doubtful, claimed


def _restored(sent: _Sent, invoices: Mapping[int, OpenInvoice]) -> Reading:
    hits, probes, unknown, notes, doubtful, claimed = sent
    return Extracted(tuple(RefHit(invoices[i], source, written, amount) for i, source, written, amount in hits),
                     probes, unknown, notes, doubtful), claimed
