"""Money left on account, matched again: what a partly applied payment still says (pure).

A payment that paid INV-1 and left the rest on account still names INV-1. When its rest is
matched again (reconcile/rematch.py), that reference is spent: INV-1 is paid — by this very
payment — so it is neither a candidate nor evidence of a duplicate payment, and a one-edit
probe of it ("INV0001" → "INV0002") is not a reference to a new invoice. What is left is
matched on the evidence that remains: the payer, the other references, the amount left.
"""

from __future__ import annotations

from collections.abc import Mapping

from reconcile.references import Extracted


def without_settled(ex: Extracted, settled: frozenset[int], keys: Mapping[int, str | None]) -> Extracted:
    """`ex` without the hits on (and probes spelling) the invoices in `settled`.
    `keys`: invoice id -> number key, as reconcile.book.Book keeps them."""
    spent = {key for i in settled if (key := keys.get(i))}
    return Extracted(
        tuple(h for h in ex.hits if h.invoice.id not in settled),
        tuple(p for p in ex.probes if p.key not in spent),
        ex.unknown,
        ex.notes,
    )
