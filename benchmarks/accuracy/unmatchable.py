"""The scenarios a correct engine must not auto-apply (decoys, unknown payers, duplicates,
debits): each `s_<scenario>` returns (payment, label), the label with the review reason or
IGNORE expected instead."""

from __future__ import annotations

from datetime import timedelta

from benchmarks.accuracy.keys import count_subsets
from benchmarks.accuracy.labels import AS_OF, SETTINGS, Label
from benchmarks.accuracy.payments import PaymentBuilder
from core.money import from_minor
from core.records import Direction, InvoiceRef, Kind
from reconcile.model import Action, Payment, ReviewReason


class UnmatchableScenarios(PaymentBuilder):
    """One method per scenario a correct engine must not apply."""

    def s_decoy_ref(self) -> tuple[Payment, Label]:
        """Known customer A quotes a number that happens to be customer B's invoice; the
        amount fits neither B's invoice nor anything of A's. Freezes A."""
        for _ in range(500):
            a = self.pick_customer(lambda c: len(c.open_ids) <= 24)
            b = self.pick_customer(lambda c: c.id != a.id and c.currency == a.currency and bool(c.open_ids), allow_frozen=True)
            target = self.invoices[self.rng.choice(b.open_ids) - 1]
            if target.id in self.consumed:  # paid by another payment today: keep scenarios apart
                continue
            factor = self.rng.choice((self.rng.randint(20, 70), self.rng.randint(140, 300)))
            pay = target.open * factor // 100 + self.rng.randint(1, 99)
            if not self.amount_is_free(pay):
                continue
            if count_subsets([i.open for i in self.open_of(a)], pay, SETTINGS.subset_max_invoices):
                continue
            break
        else:
            raise RuntimeError("could not build a decoy reference")
        self.frozen.add(a.id)
        self.consumed.add(target.id)
        self.reserved.add(pay)
        vd, kind = self.value_date(), self.kind_for(a.currency)
        name, account = self.known_payer(a, kind, full_name=True)
        core = self.core(target.number)
        lines = [self.rng.choice((f"ORDER {core}", f"OUR REF {core}", f"CUST REF {core}", core, f"re: {core}"))]
        p = self.payment(pay, a.currency, vd, kind, name, account, lines)
        return p, Label("decoy_ref", False, None, Action.REVIEW, None, f"names {b.id}'s {target.number}")

    def s_unknown_noevidence(self) -> tuple[Payment, Label]:
        currency = self.rng.choice(("EUR", "USD"))
        while True:
            pay = self.draw_cents()
            if self.amount_is_free(pay):
                break
        self.reserved.add(pay)
        vd = self.value_date()
        kind = Kind.SEPA if currency == "EUR" else self.rng.choice((Kind.ACH, Kind.WIRE, Kind.CHECK))
        name = None if kind == Kind.CHECK and self.chance(0.5) else self.unknown_name()
        account = self.new_account(currency) if self.chance(0.7) else None
        lines = self.noise([self.rng.choice(("PAYMENT", "INVOICE PAYMENT", "SERVICES FEBRUARY", "DEPOSIT", ""))], pay, currency, vd)
        p = self.payment(pay, currency, vd, kind, name, account, [s for s in lines if s])
        return p, Label("unknown_noevidence", False, None, Action.REVIEW, ReviewReason.NO_CUSTOMER, "unknown")

    def s_decoy_amount(self) -> tuple[Payment, Label]:
        """Unknown payer; the amount is exactly one (unrelated) open invoice's, and no other."""
        if self.decoy_pool is None:  # phase 3 adds no open invoice: list the pool once
            self.decoy_pool = [inv for inv in self.invoices if not inv.closed and inv.id not in self.consumed]
            self.rng.shuffle(self.decoy_pool)
        while True:
            if not self.decoy_pool:
                raise RuntimeError("no invoice with a unique amount left for a decoy")
            inv = self.decoy_pool.pop()
            if (inv.id not in self.consumed and self.amount_count[inv.open] == 1
                    and self.disc_count[inv.open] == 0 and inv.open not in self.reserved):
                break
        self.consumed.add(inv.id)
        self.reserved.add(inv.open)
        vd = self.value_date()
        kind = Kind.SEPA if inv.currency == "EUR" else self.rng.choice((Kind.ACH, Kind.WIRE, Kind.CHECK))
        name = self.unknown_name()
        account = self.new_account(inv.currency) if self.chance(0.7) else None
        lines = [self.rng.choice(("PAYMENT", "INVOICE", "SUPPLIER PAYMENT", "SERVICES"))] if self.chance(0.7) else []
        p = self.payment(inv.open, inv.currency, vd, kind, name, account, lines)
        return p, Label("decoy_amount", False, None, Action.REVIEW, ReviewReason.NO_CUSTOMER, f"amount of {inv.number}")

    def s_duplicate(self) -> tuple[Payment, Label]:
        cust = self.pick_customer(allow_frozen=True)
        inv = self.new_invoice(cust, closed=True, issue=AS_OF - timedelta(days=self.rng.randint(20, 60)))
        self.reserved.add(inv.amount)
        vd, kind = self.value_date(), self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind, full_name=True)
        shape = self.rng.choice(("exact", "structured", "inv_space"))
        lines: list[str] = []
        invs: tuple[InvoiceRef, ...] = ()
        if shape == "exact":
            lines = [inv.number]
        elif shape == "structured":
            invs = (InvoiceRef(inv.number, from_minor(inv.amount, inv.currency)),)
        else:
            lines = [f"Inv {self.core(inv.number)}"]
        p = self.payment(inv.amount, inv.currency, vd, kind, name, account, lines, invoices=invs)
        return p, Label("duplicate", False, None, Action.REVIEW, ReviewReason.DUPLICATE_PAYMENT, f"paid {inv.number}")

    def s_debit(self) -> tuple[Payment, Label]:
        vd = self.value_date()
        shape = self.rng.choice(("fee", "supplier", "refund"))
        if shape == "refund":
            # Refund of a credit to a customer, naming one of its open invoices, same amount.
            cust = self.pick_customer(lambda c: any(i not in self.consumed for i in c.open_ids), allow_frozen=True)
            inv = self.invoices[self.rng.choice([i for i in cust.open_ids if i not in self.consumed]) - 1]
            self.consumed.add(inv.id)
            p = self.payment(inv.open, inv.currency, vd, Kind.SEPA if inv.currency == "EUR" else Kind.ACH,
                             cust.name.upper(), self.payer_account(cust, Kind.WIRE),
                             [f"REFUND CREDIT NOTE {inv.number}"], direction=Direction.DEBIT)
        elif shape == "fee":
            currency = self.rng.choice(("EUR", "USD"))
            cents = self.rng.randint(500, 9_000)
            p = self.payment(cents, currency, vd, Kind.OTHER, None, None,
                             [self.rng.choice(("ACCOUNT MAINTENANCE FEE", "WIRE FEE", "SERVICE CHARGE MAR 2026", "ANALYSIS FEE"))],
                             direction=Direction.DEBIT)
        else:
            currency = self.rng.choice(("EUR", "USD"))
            p = self.payment(self.draw_cents(), currency, vd, Kind.SEPA if currency == "EUR" else Kind.ACH,
                             self.unknown_name(), self.new_account(currency),
                             [f"SUPPLIER INV {self.rng.randint(100000, 999999)}"], direction=Direction.DEBIT)
        return p, Label("debit", False, None, Action.IGNORE, None, shape)
