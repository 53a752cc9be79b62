"""Card and processor payouts: one bank credit for a whole day's payments recorded via the API.

A card processor pays the day's charges out in one credit. After reconcile.recorded has
settled what a credit settles alone, every matching run (workflows.pipeline.match) looks at
the booked, unmatched credits against the *day groups*: the recorded payments not settled
yet, by day received and currency (whole days only — no subset search, so the work is one
pass of credits × days). A credit dated from the group's day to SETTLE_DAYS after:

- **Gross payout** — its amount is exactly the group's total, the group has two payments or
  more, and no other group or single unsettled recorded payment has that amount in the
  window (several fit: a group whose references the credit all names wins). It is
  recognised as their payout. When the credit also names every one of their references
  (a processor's payout text listing the charges), that is strong evidence: the credit is
  their settlement — `ignored`, nothing applied, each payment's `settled_by` set to it
  (migration 0016 lets one credit settle several), audited. The amount alone is a
  coincidence away from hiding a customer's money: review naming them, nothing applied.
- **Ambiguous** — several groups (or a group and single payments) fit and the text does not
  tell them apart: review, every candidate in the reason.
- **Net payout** — its amount is a group's total less a fee (more than nothing, at most
  FEE_SHARE % of the total): never settled automatically, since the fee must be booked and a
  coincidence would hide a customer's money; review naming the group, its total and the
  difference.

A credit from a known customer (a payer account of customer_accounts, or a customer id as
the ultimate payer's) is that customer's own payment unless it names every reference of an
exact group: ordinary matching decides it. A wrong settlement hides cash; a review item
costs a look.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from core.money import minor_text
from ledger import audit
from ledger.locks import hold_match_lock
from ledger.models import AuditEvent, BankEntry, BankTransaction, Customer, CustomerAccount, RecordedPayment
from reconcile.model import ReviewReason
from reconcile.postings import Postings, lock_payments
from reconcile.recorded import SETTLE_DAYS, norm

RECOGNISED = "payment.payout_recognised"  # the audit action naming a credit and the payments it pays out
SETTLED = "payment.payout_settled"  # ... and the one settling them (the credit names them all)
FEE_SHARE = 5  # percent of the payout's gross a processor fee may be, for a net payout to be suggested


@dataclass(frozen=True, slots=True)
class _Paid:
    id: int
    transaction_id: int
    reference: str  # normalized (recorded.norm)
    shown: str  # as recorded, for explanations
    amount_minor: int


@dataclass(frozen=True, slots=True)
class _Day:
    day: date
    currency: str
    payments: tuple[_Paid, ...]

    @property
    def total(self) -> int:
        return sum(p.amount_minor for p in self.payments)

    def fits(self, currency: str, on: date | None) -> bool:
        return currency == self.currency and on is not None and self.day <= on <= self.day + timedelta(days=SETTLE_DAYS)

    def describe(self) -> str:
        each = ", ".join(f"#{p.transaction_id} {minor_text(p.amount_minor, self.currency)}"
                         + (f" ({p.shown})" if p.shown else "") for p in self.payments)
        return f"{len(self.payments)} received {self.day.isoformat()} totalling " \
               f"{minor_text(self.total, self.currency)} {self.currency}: {each}"


def settle_payouts(session: Session, *, actor: str) -> int:
    """Recognise daily payouts among the unmatched credits, each to review (module doc). How many credits."""
    if session.scalar(select(RecordedPayment.id).where(RecordedPayment.settled_by.is_(None)).limit(1)) is None:
        return 0
    hold_match_lock(session)
    days = _days(session)
    multi = [d for d in days if len(d.payments) >= 2]
    if not multi:
        return 0
    on = func.coalesce(BankEntry.value_date, BankEntry.booking_date)
    ccy = func.coalesce(BankTransaction.currency, BankEntry.currency)
    # Only credits that could be a group's gross or net payout, each group's window its own.
    windows = [and_(ccy == d.currency,
                    BankTransaction.amount_minor.between(d.total - d.total * FEE_SHARE // 100, d.total),
                    on.between(d.day, d.day + timedelta(days=SETTLE_DAYS))) for d in multi]
    rows = session.execute(
        select(BankTransaction, BankEntry.bank_reference, ccy, on)
        .join(BankEntry, BankEntry.id == BankTransaction.entry_id)
        .where(BankTransaction.id.not_in(select(RecordedPayment.transaction_id)), BankEntry.status == "booked",
               BankEntry.direction == "credit", BankEntry.reversal.is_(False), BankTransaction.return_reason.is_(None),
               BankTransaction.match_status == "unmatched", or_(*windows))
        .order_by(BankTransaction.id)).all()
    if not rows:
        return 0
    known = _known_payers(session, rows)
    earlier = _recognised(session)
    singles = [(d, p) for d in days for p in d.payments]
    decisions: list[tuple[int, str, _Day | None, str]] = []  # credit, payout|review, group, why
    taken: set[tuple[date, str]] = set()
    for tx, bank_ref, currency, day in rows:
        texts = [norm(t) for t in (tx.end_to_end_id, tx.instruction_id, tx.transaction_id, bank_ref,
                                   *(tx.remittance or ()), *(tx.references or ())) if t]
        open_days = [d for d in multi if (d.day, d.currency) not in taken and d.fits(currency, day)]
        named = [d for d in open_days if all(p.reference and any(p.reference in t for t in texts) for p in d.payments)]
        payer_known = (tx.counterparty_account or "") in known or (tx.ultimate_id or "") in known
        exact = [d for d in open_days if d.total == tx.amount_minor]
        if payer_known and not [d for d in named if d in exact]:
            continue  # a customer's own payment: ordinary matching's
        if exact:
            # Whatever else has this very amount in the window makes it a guess: other days, single payments.
            rivals = [f"#{p.transaction_id} {minor_text(p.amount_minor, d.currency)} received {d.day.isoformat()}"
                      for d, p in singles if p.amount_minor == tx.amount_minor and d.fits(currency, day)
                      and (d.day, d.currency) not in taken]
            sure = [d for d in exact if d in named] if len(exact) > 1 or rivals else exact
            if len(sure) == 1:
                group = sure[0]
                taken.add((group.day, group.currency))
                before = earlier.get(frozenset(p.transaction_id for p in group.payments), [])
                why = ("its amount is exactly their total"
                       + (" and it names all their references" if group in named else "")
                       + "".join(f"; note: credit #{c} was recognised as their payout before — one of the two "
                                 "is something else" for c in before))
                decisions.append((tx.id, "settle" if group in named else "payout", group, why))
            else:
                listed = [d.describe() for d in exact] + [f"the single payment {r}" for r in rivals]
                decisions.append((tx.id, "review", None,
                                  f"This credit of {minor_text(tx.amount_minor, currency)} {currency} could be the "
                                  f"payout of more than one set of payments recorded via the API — "
                                  f"{'; '.join(listed)}. Not settled automatically: say which it settles (ignore it "
                                  "as their settlement) or apply it as a payment of its own."))
            continue
        nets = [d for d in open_days if 0 < d.total - (tx.amount_minor or 0) <= d.total * FEE_SHARE // 100]
        if nets:
            listed = "; ".join(f"{d.describe()}, less {minor_text(d.total - (tx.amount_minor or 0), currency)} "
                               f"{currency}" for d in nets)
            decisions.append((tx.id, "review", None,
                              f"This credit of {minor_text(tx.amount_minor or 0, currency)} {currency} looks "
                              f"like a net card payout of payments recorded via the API — {listed} "
                              "(a processor's fee?). "
                              "Not settled automatically: those payments already carry the cash; book the fee and "
                              "ignore this credit as their settlement, or apply it if it is a payment of its own."))
    return _write(session, decisions, actor)


def _days(session: Session) -> list[_Day]:
    """The recorded payments not settled yet, grouped by day received and currency."""
    groups: dict[tuple[date, str], list[_Paid]] = {}
    for r, amount, ccy in session.execute(
            select(RecordedPayment, BankTransaction.amount_minor, BankTransaction.currency)
            .join(BankTransaction, BankTransaction.id == RecordedPayment.transaction_id)
            .where(RecordedPayment.settled_by.is_(None)).order_by(RecordedPayment.id)):
        groups.setdefault((r.received_at, ccy), []).append(
            _Paid(r.id, r.transaction_id, norm(r.reference), r.reference or "", amount))
    return [_Day(day, ccy, tuple(ps)) for (day, ccy), ps in sorted(groups.items())]


def _recognised(session: Session) -> dict[frozenset[int], list[int]]:
    """The credits recognised before as the payout of each set of recorded payments (audit)."""
    out: dict[frozenset[int], list[int]] = {}
    for entity_id, after in session.execute(
            select(AuditEvent.entity_id, AuditEvent.after)
            .where(AuditEvent.entity_type == "payment", AuditEvent.action == RECOGNISED).order_by(AuditEvent.id)):
        out.setdefault(frozenset((after or {}).get("recorded_payments", ())), []).append(int(entity_id))
    return out


def _known_payers(session: Session, rows: list) -> set[str]:  # type: ignore[type-arg]
    """The payer accounts and ultimate ids among the credits that are known customers'."""
    accounts = {tx.counterparty_account for tx, *_ in rows if tx.counterparty_account}
    ids = {tx.ultimate_id for tx, *_ in rows if tx.ultimate_id}
    return set(session.scalars(select(CustomerAccount.account).where(CustomerAccount.account.in_(accounts)))) \
        | set(session.scalars(select(Customer.id).where(Customer.id.in_(ids))))


def _write(session: Session, decisions: list[tuple[int, str, _Day | None, str]], actor: str) -> int:
    if not decisions:
        return 0
    payments = lock_payments(session, {credit for credit, *_ in decisions})
    postings = Postings(session, payments=payments, invoices={}, live=[])
    done = 0
    for credit, kind, group, why in decisions:
        state = payments.get(credit)
        if state is None or state.match_status != "unmatched":
            continue  # moved meanwhile (a reviewer): the next run decides
        if kind == "settle":
            assert group is not None
            postings.set_status(credit, "ignored")
            for paid in group.payments:
                row = session.get(RecordedPayment, paid.id)
                row.settled_by = credit  # type: ignore[union-attr]
            audit.record(session, actor=actor, action=SETTLED, entity_type="payment", entity_id=credit,
                         after={"recorded_payments": [p.transaction_id for p in group.payments],
                                "day": group.day.isoformat(), "why": why})
            done += 1
            continue
        if kind == "payout":
            # Recognised by its amount alone: a person confirms it (module doc).
            assert group is not None
            why = (f"This credit is the card payout of the payments recorded via the API on {group.day.isoformat()} — "
                   f"{group.describe()}: {why}. Those payments already carry the cash, so nothing is applied; "
                   "ignore this credit as their settlement (it is not linked to them automatically: one bank "
                   "credit settles one recorded payment in remit's records).")
            audit.record(session, actor=actor, action=RECOGNISED, entity_type="payment",
                         entity_id=credit, after={"recorded_payments": [p.transaction_id for p in group.payments],
                                                  "day": group.day.isoformat()})
        postings.set_status(credit, "review")
        postings.open_review(credit, reason=ReviewReason.DUPLICATE_PAYMENT.value, candidates=[], actor=actor,
                             explanation=why)
        done += 1
    postings.flush()
    return done
