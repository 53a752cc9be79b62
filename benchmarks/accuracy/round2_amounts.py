"""Round-2 amounts: partial payments with a clear reference, 'names A, pays A+B', discounts
taken late (or within the grace days), bank charges under the absolute per-currency tolerance
against an expired 1 % discount of the same size, and the not-matchable amount cases (twin
invoices of one amount, over-payments without a good cover). Each `s_<class>` returns
(payment, label)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from benchmarks.accuracy.book import Cust, Inv
from benchmarks.accuracy.labels import AS_OF, SETTINGS, Label
from benchmarks.accuracy.round2_book import PAYERS_FOR_OTHERS, Round2Book
from benchmarks.accuracy.round2_payers import MAX_OPEN
from benchmarks.accuracy.words import TERMS, TERMS_PARSED
from core.money import from_minor
from core.records import InvoiceRef, Kind
from reconcile.model import Action, Payment, ReviewReason

GRACE = SETTINGS.discount_grace_days
FEES = {"EUR": (500, 750, 1000, 1250, 1500, 2000, 2500), "USD": (1000, 1500, 2000, 2500),
        "GBP": (500, 800, 1000, 1200, 1500, 2000, 2500), "CHF": (500, 1000, 1500, 2000, 2500)}


class Round2Amounts(Round2Book):
    """How much is paid, against what."""

    def amount_free_for_payment(self, cents: int) -> bool:
        return cents > 0 and cents not in self.reserved and not self.amount_count[cents] and not self.disc_count[cents]

    def named(self, inv: Inv, pay: int, *, structured_amount: bool = True) -> tuple[str, list[str], tuple[InvoiceRef, ...]]:
        """(shape, lines, structured items) naming one invoice exactly."""
        core = self.core(inv.number)
        shapes = ["number", "inv_core", "invoice_word", "structured"]
        shape = self.rng.choice(shapes)
        if shape == "structured":
            return shape, [], (InvoiceRef(inv.number, from_minor(pay, inv.currency) if structured_amount else None),)
        text = {"number": inv.number, "inv_core": f"Inv {core}", "invoice_word": f"INVOICE {inv.number}"}[shape]
        return shape, [text], ()

    # -- partial payments ------------------------------------------------------------------------------

    def s_partial_clear_ref(self) -> tuple[Payment, Label]:
        for _ in range(1000):
            cust = self.pick_customer()
            inv = self.new_invoice(cust, lo=40_000)
            self.consumed.add(inv.id)
            pay = self.free_instalment(inv.open)
            if pay is not None and inv.open - pay > self.fee_limit(inv.currency) and self.amount_free_for_payment(pay):
                break
        else:
            raise RuntimeError("no free partial-payment amount left")
        self.reserved.add(pay)
        vd, kind = self.value_date(), self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind)
        shape, lines, docs = self.named(inv, pay)
        if lines:
            lines = [self.rng.choice((f"TEILZAHLUNG {lines[0]}", f"PARTIAL PAYMENT {lines[0]}", f"1ST INSTALMENT {lines[0]}",
                                      f"{lines[0]} PART PAYMENT", f"ACOMPTE {lines[0]}"))]
        lines = self.noise2(lines, pay, inv.currency, vd, dates=False)
        p = self.payment(pay, inv.currency, vd, kind, name, account, lines, invoices=docs)
        return p, self.apply_label("partial_clear_ref", [(inv, pay, 0, 0)], f"partial:{shape}:{100 * pay // inv.open}%")

    # -- names A, pays A + B (phase 2) -------------------------------------------------------------------

    def s_names_a_pays_ab(self) -> tuple[Payment, Label]:
        vd = self.value_date()
        for _ in range(3000):
            cust = self.pick_customer(lambda c: 2 <= len(c.open_ids) <= MAX_OPEN, allow_frozen=True, quiet=True)
            free = [self.invoices[i - 1] for i in cust.open_ids if i not in self.consumed]
            if len(free) < 2:
                continue
            a, b = self.rng.sample(free, 2)
            total = a.open + b.open
            if self.amount_is_free(total) and self.subset_count(cust, total, vd) == 1:
                break
        else:
            raise RuntimeError("no customer with a single A+B subset left")
        self.consumed.update((a.id, b.id))
        self.reserved.add(total)
        kind = self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind)
        shape, lines, docs = self.named(a, a.open, structured_amount=False)
        lines = self.noise2(lines, total, cust.currency, vd, dates=False)
        p = self.payment(total, cust.currency, vd, kind, name, account, lines, invoices=docs)
        ratio = "b_smaller" if b.open < a.open else "b_larger"
        return p, self.apply_label("names_a_pays_ab", [(a, a.open, 0, 0), (b, b.open, 0, 0)], f"a_pays_ab:{shape}:{ratio}")

    # -- discounts taken late ------------------------------------------------------------------------------

    def discount_invoice2(self, cust: Cust, vd: date, mode: str, *, terms_from: tuple[str, ...], lo: int | None = None,
                          hi: int | None = None) -> Inv:
        """An invoice with discount terms whose window ended 1..grace days before `vd` ("grace")
        or more than the grace days before it ("late"); paying it less its discount is an
        amount no other invoice (or discounted invoice) has."""
        for _ in range(2000):
            terms = self.rng.choice(terms_from)
            t = TERMS_PARSED[terms]
            issue = vd - timedelta(days=self.rng.randint(8, 70))
            deadline = t.discount_deadline(issue)
            assert deadline is not None
            late = (vd - deadline).days
            if issue > AS_OF or (mode == "grace" and not 1 <= late <= GRACE) or (mode == "late" and late <= GRACE):
                continue
            amount = self.draw_cents(lo, hi)
            trial = Inv(0, "", cust.id, cust.currency, amount, amount, issue, terms, None)
            disc = trial.discount()
            if disc <= 0 or not self.amount_free_for_payment(amount - disc):
                continue
            try:
                return self.new_invoice(cust, cents=amount, issue=issue, terms=terms)
            except RuntimeError:  # that amount is reserved for another payment's label
                continue
        raise RuntimeError("could not build a discount invoice")

    def s_late_discount(self) -> tuple[Payment, Label]:
        cust = self.pick_customer()
        vd = self.value_date()
        mode = "grace" if self.chance(0.35) else "late"
        inv = self.discount_invoice2(cust, vd, mode, terms_from=("2/10 Net 30", "1%15 Net 45", "2/10 EOM Net 30"))
        self.consumed.add(inv.id)
        disc = inv.discount()
        pay = inv.open - disc
        self.reserved.add(pay)
        kind = self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind)
        shape, lines, docs = self.named(inv, pay)
        if self.chance(0.3):
            lines = lines + [self.rng.choice(("LESS 2% DISCOUNT", "ABZUEGLICH SKONTO", "LESS CASH DISCOUNT",
                                              f"DISC {from_minor(disc, inv.currency)}"))]
        lines = self.noise2(lines, pay, inv.currency, vd, dates=False)
        p = self.payment(pay, inv.currency, vd, kind, name, account, lines, invoices=docs)
        late = (vd - inv.deadline()).days  # type: ignore[operator]
        if mode == "grace":
            return p, self.apply_label("late_discount", [(inv, pay, disc, 0)], f"grace:{late}d:{shape}")
        size = "small" if disc <= self.fee_limit(inv.currency) else "large"
        label = self.apply_label("late_discount", [(inv, pay, 0, 0)], f"late_{size}:{late}d:{shape}")
        # Review with DISCOUNT_EXPIRED is the sanctioned alternative (shown, not counted right).
        return p, replace(label, expect_reason=ReviewReason.DISCOUNT_EXPIRED)

    # -- bank charges under the absolute tolerance -------------------------------------------------------

    def s_fee_absolute(self) -> tuple[Payment, Label]:
        cust = self.pick_customer()
        vd = self.value_date()
        limit = self.fee_limit(cust.currency)
        fee = self.rng.choice(FEES[cust.currency]) if self.chance(0.7) else self.rng.randint(300, limit)
        assert 0 < fee <= limit
        small = self.chance(0.3)  # the charge is more than 1 % of a small invoice: still a charge
        for _ in range(2000):
            terms = self.weighted(TERMS)
            issue = AS_OF - timedelta(days=self.rng.randint(1, 62))
            deadline = TERMS_PARSED[terms].discount_deadline(issue)
            if deadline is not None and vd <= deadline + timedelta(days=GRACE + 1):
                continue  # an earned discount could explain the short-pay: not a clean fee case
            cents = self.draw_cents(lo=max(10_000, 4 * fee), hi=fee * 100 if small else None)
            trial = Inv(0, "", cust.id, cust.currency, cents, cents, issue, terms, None)
            if trial.discount() == fee or not self.amount_free_for_payment(cents - fee):
                continue  # the shortfall must not be the (expired) discount itself
            try:
                inv = self.new_invoice(cust, cents=cents, issue=issue, terms=terms)
            except RuntimeError:
                continue
            break
        else:
            raise RuntimeError("could not build a bank-fee invoice")
        self.consumed.add(inv.id)
        pay = inv.open - fee
        self.reserved.add(pay)
        kind = Kind.WIRE if self.chance(0.6) else self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind)
        shape, lines, refs, docs, e2e = self.single_ref(inv, inv.open, vd)
        if shape == "e2e":
            shape, lines, e2e = "exact", [inv.number], None
        lines = self.noise2(lines, pay, inv.currency, vd, dates=False)
        p = self.payment(pay, inv.currency, vd, kind, name, account, lines, references=refs, invoices=docs, e2e=e2e)
        tag = "over1pct" if fee * 100 > inv.amount else "under1pct"
        return p, self.apply_label("fee_absolute", [(inv, pay, 0, fee)], f"fee:{cust.currency}:{tag}:{shape}")

    def s_fee_vs_discount(self) -> tuple[Payment, Label]:
        """An expired 1 % discount no larger than the fee tolerance, deducted by a payer nobody
        can identify (a payment service), with the exact invoice number: never a fee write-off,
        and (no known payer) never an automatic cash-only application either: review."""
        cust = self.pick_customer()
        vd = self.value_date()
        hi = self.fee_limit(cust.currency) * 100 + 1  # 1 % of it is at most the tolerance
        inv = self.discount_invoice2(cust, vd, "late", terms_from=("1%15 Net 45",), lo=30_000, hi=hi)
        self.consumed.add(inv.id)
        disc = inv.discount()
        assert disc <= self.fee_limit(cust.currency)
        pay = inv.open - disc
        self.reserved.add(pay)
        kind = Kind.SEPA if cust.currency == "EUR" else Kind.WIRE
        payer = self.rng.choice(PAYERS_FOR_OTHERS)
        account = self.new_account(cust.currency)  # not on file
        lines = self.noise2([self.rng.choice((inv.number, f"INVOICE {inv.number}", f"Inv {self.core(inv.number)}"))],
                            pay, inv.currency, vd, dates=False)
        p = self.payment(pay, inv.currency, vd, kind, payer, account, lines)
        late = (vd - inv.deadline()).days  # type: ignore[operator]
        return p, Label("fee_vs_discount", False, None, Action.REVIEW, ReviewReason.DISCOUNT_EXPIRED,
                        f"disc {from_minor(disc, inv.currency)}:{late}d late")

    # -- not matchable ----------------------------------------------------------------------------------

    def s_same_amount(self) -> tuple[Payment, Label]:
        for _ in range(1000):
            cust = self.pick_customer()
            cents = self.draw_cents()
            if not self.amount_is_free(cents):
                continue
            k = self.rng.choice((2, 2, 2, 3))
            try:
                invs = [self.new_invoice(cust, cents=cents) for _ in range(k)]
            except RuntimeError:
                continue
            break
        else:
            raise RuntimeError("could not build twin invoices")
        self.consumed.update(i.id for i in invs)
        self.reserved.add(cents)
        vd, kind = self.value_date(), self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind, full_name=True)
        lines = self.noise2([self.rng.choice(("PAYMENT", "ZAHLUNG", "MONTHLY FEE", "SERVICES"))] if self.chance(0.6) else [],
                            cents, cust.currency, vd, dates=False)
        p = self.payment(cents, cust.currency, vd, kind, name, account, lines)
        return p, Label("same_amount", False, None, Action.REVIEW, ReviewReason.AMBIGUOUS, f"twins:{k}")

    def s_over_no_cover(self) -> tuple[Payment, Label]:
        """Phase 3: the named invoice takes less than half the money, and no set of the
        customer's open invoices (discounts included) sums to it."""
        vd = self.value_date()
        for _ in range(3000):
            cust = self.pick_customer(lambda c: 0 < len(c.open_ids) <= MAX_OPEN, allow_frozen=True, quiet=True)
            free = [self.invoices[i - 1] for i in cust.open_ids if i not in self.consumed]
            if not free:
                continue
            inv = self.rng.choice(free)
            factor = self.rng.randint(210, 500)
            pay = inv.open * factor // 100 + self.rng.randint(1, 99)
            if self.amount_is_free(pay) and self.subset_count(cust, pay, vd) == 0:
                break
        else:
            raise RuntimeError("could not build an over-payment without cover")
        self.consumed.add(inv.id)
        self.reserved.add(pay)
        kind = self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind)
        shape, lines, docs = self.named(inv, inv.open, structured_amount=False)
        lines = self.noise2(lines, pay, inv.currency, vd, dates=False)
        p = self.payment(pay, inv.currency, vd, kind, name, account, lines, invoices=docs)
        return p, Label("over_no_cover", False, None, Action.REVIEW, ReviewReason.OVER_PAYMENT,
                        f"x{factor // 100}.{factor % 100:02d}:{shape}")
