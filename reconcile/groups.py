"""Customer groups: a parent or group company pays its subsidiaries' invoices.

Why separate: the engine asks three small questions about groups (is this payer related to
that invoice's customer? which named customers form one group? does an exact structured
reference outweigh a different payer?) and the answers are policy, not search code.

"Related" = same group: both customers have the same top parent (which covers "one is the
other's parent"). A parent chain with a cycle (bad data) gets the cycle's smallest id as root,
so every customer still has exactly one root and the relation stays an equivalence.

The rules (issue 12):
  * an exact reference (anything but a PO or a one-edit guess) to an invoice of a customer
    related to the identified payer is corroborated as if the payer were that customer;
  * a payment naming invoices of two or more related customers is planned as one set over
    all of them (like one customer's invoices), so an exact sum applies to all;
  * an identified but UNRELATED payer stays a conflict (-20, review) unless every allocated
    invoice is named by a structured item or a valid RF reference and the amount settles
    them exactly: then the reference wins and the reason says the payer differs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from reconcile.amounts import Fit, Plan
from reconcile.customers import CustomerHit
from reconcile.model import Customer, MatchSettings
from reconcile.references import RefHit, Source
from reconcile.scoring import CustomerEvidence, customer_evidence

# Checked references only: free text can quote anyone's number by accident (the decoys).
WINS_OVER_PAYER = frozenset({Source.STRUCTURED, Source.RF})
CORROBORATES = frozenset({Source.STRUCTURED, Source.RF, Source.CREDITOR_REF, Source.TEXT})


class Groups:
    """Top parents of the customers of a run (empty, and falsy, when nobody has a parent)."""

    def __init__(self, customers: Iterable[Customer]) -> None:
        self.names: dict[str, str] = {}
        parents: dict[str, str] = {}
        for c in customers:
            self.names[c.id] = c.name
            if c.parent_id and c.parent_id != c.id:
                parents[c.id] = c.parent_id
        self.root: dict[str, str] = {cid: _top(cid, parents) for cid in parents}
        # A parent with children is its own root; it is related to them.
        for top in set(self.root.values()):
            self.root.setdefault(top, top)

    def __bool__(self) -> bool:
        return bool(self.root)

    def top(self, cid: str) -> str:
        return self.root.get(cid, cid)

    def same_group(self, a: str, b: str) -> bool:
        """The same customer, or two related ones."""
        return a == b or (a in self.root and b in self.root and self.root[a] == self.root[b])

    def related(self, a: str, b: str) -> bool:
        return a != b and self.same_group(a, b)

    def merge_named(self, open_hits: dict[str, list[RefHit]], payer: CustomerHit | None) -> None:
        """Hits on invoices of two or more related customers go under one key (the payer when
        it belongs to the group, else the group's top parent), so the engine plans one set over
        all of them. In place: `open_hits` is the payment's own working dict."""
        if not self:
            return
        by_top: dict[str, list[str]] = {}
        for cid in sorted(open_hits):
            if cid in self.root:
                by_top.setdefault(self.root[cid], []).append(cid)
        for top, members in by_top.items():
            if len(members) < 2:
                continue
            key = payer.customer_id if payer is not None and self.same_group(payer.customer_id, top) else top
            merged = [h for cid in members for h in open_hits.pop(cid)]
            open_hits[key] = open_hits.get(key, []) + merged

    def paid_for(self, payer: CustomerHit, hits: Sequence[RefHit],
                 settings: MatchSettings) -> CustomerEvidence | None:
        """The payer's evidence carried over to a related customer's invoices it names exactly,
        or None (own invoices only, an unrelated payer, or no exact reference)."""
        owners = {h.invoice.customer_id for h in hits}
        others = owners - {payer.customer_id}
        if not others or not all(self.related(payer.customer_id, o) for o in others):
            return None
        if not any(h.source in CORROBORATES and h.invoice.customer_id in others for h in hits):
            return None
        own = customer_evidence(payer, settings)
        name = self.names.get(payer.customer_id) or payer.customer_id
        return CustomerEvidence(own.points, f"paid by parent/group company {name} ({payer.reason})",
                                own.identified)


def exact_reference_wins(cev: CustomerEvidence, plan: Plan, sources: Mapping[int, Source]) -> CustomerEvidence:
    """A different (unrelated) payer no longer counts against a plan whose every invoice is
    named by a structured item or a valid RF reference and which the amount settles exactly:
    neutral evidence (0, not identified), with the reason kept. Otherwise `cev` unchanged."""
    if cev.points >= 0 or plan.fit is not Fit.EXACT or plan.unapplied:
        return cev
    if not all(sources.get(line.invoice.id) in WINS_OVER_PAYER for line in plan.lines):
        return cev
    return CustomerEvidence(0, f"{cev.reason}; the payer differs, but the exact structured "
                            f"reference and amount win", False)


def _top(cid: str, parents: Mapping[str, str]) -> str:
    path = [cid]
    while (up := parents.get(path[-1])) is not None and up not in path:
        path.append(up)
    if up is None:
        return path[-1]
    return min(path[path.index(up):])  # a cycle: the same root for each of its members
