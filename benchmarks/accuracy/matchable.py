"""The scenarios a correct engine may auto-apply (Label.matchable): each `s_<scenario>` returns
(payment, label), the label with the exact allocations expected."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from benchmarks.accuracy.book import Cust, Inv
from benchmarks.accuracy.keys import name_key, number_keys
from benchmarks.accuracy.labels import AS_OF, SETTINGS, Expected, Label
from benchmarks.accuracy.payments import PaymentBuilder
from benchmarks.accuracy.words import TERMS, TERMS_PARSED, THIRD_PARTIES
from core.money import from_minor
from core.records import InvoiceRef, Kind
from reconcile.model import Action, Payment, ReviewReason


class MatchableScenarios(PaymentBuilder):
    """One method per matchable scenario, and the invoices and amounts they need."""

    # -- scenarios: each returns (payment, label) --------------------------------------------

    def apply_label(self, scenario: str, rows: list[tuple[Inv, int, int, int]], variant: str) -> Label:
        expected: Expected = frozenset(
            (inv.number, from_minor(applied, inv.currency), from_minor(disc, inv.currency), from_minor(wo, inv.currency))
            for inv, applied, disc, wo in rows
        )
        return Label(scenario, True, expected, Action.APPLY, None, variant)

    def s_exact_ref(self) -> tuple[Payment, Label]:
        cust = self.pick_customer()
        inv = self.existing_or_new(cust)
        self.consumed.add(inv.id)
        vd, kind = self.value_date(), self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind)
        invs: tuple[InvoiceRef, ...] = ()
        lines: list[str] = []
        if self.chance(0.35):
            invs = (InvoiceRef(inv.number, None),)
        else:
            lines = [inv.number]
        lines = self.noise(lines, inv.open, inv.currency, vd)
        p = self.payment(inv.open, inv.currency, vd, kind, name, account, lines, invoices=invs)
        return p, self.apply_label("exact_ref", [(inv, inv.open, 0, 0)], "structured" if invs else "text")

    def s_ref_freetext(self) -> tuple[Payment, Label]:
        cust = self.pick_customer()
        inv = self.existing_or_new(cust)
        self.consumed.add(inv.id)
        vd, kind = self.value_date(), self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind)
        shape, lines, refs, invs, e2e = self.single_ref(inv, inv.open, vd)
        lines = self.noise(lines, inv.open, inv.currency, vd)
        p = self.payment(inv.open, inv.currency, vd, kind, name, account, lines, references=refs, invoices=invs, e2e=e2e)
        return p, self.apply_label("ref_freetext", [(inv, inv.open, 0, 0)], shape)

    def s_ref_typo(self) -> tuple[Payment, Label]:
        while True:
            cust = self.pick_customer()
            inv = self.new_invoice(cust)
            self.consumed.add(inv.id)
            typo = None
            for _ in range(10):
                typo = self.typo(inv.number)
                if typo is None:
                    continue
                # A typo may spell an unrelated existing invoice (realistic: the engine sees an
                # exact hit on the wrong customer's invoice). It must not spell one of the same
                # customer (that one could have the same amount: ambiguous label), nor one
                # another payment of the day pays (that would couple two scenarios).
                keys = number_keys(typo[1], fragments=True)
                hits = {self.key_to_inv[k] for k in keys if k in self.key_to_inv}
                if number_keys(typo[1]) & number_keys(inv.number) or any(
                    h in self.consumed or self.invoices[h - 1].customer_id == cust.id for h in hits
                ):
                    typo = None
                    continue
                break
            if typo is not None:
                # Invoices created later must not take the typo'd number either.
                self.taken_keys |= number_keys(typo[1], fragments=True)
                break
        kind_typo, text = typo
        vd, kind = self.value_date(), self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind)
        lines = [self.rng.choice((f"{text}", f"Inv {text}", f"INVOICE {text}", f"re: {text}"))]
        lines = self.noise(lines, inv.open, inv.currency, vd)
        p = self.payment(inv.open, inv.currency, vd, kind, name, account, lines)
        return p, self.apply_label("ref_typo", [(inv, inv.open, 0, 0)], f"typo:{kind_typo}")

    def s_name_variant(self) -> tuple[Payment, Label]:
        keys = self.key_owner
        while True:
            cust = self.pick_customer()
            kind_v, variant = self.name_variant(cust)
            if keys.get(name_key(variant), cust.id) == cust.id and variant != cust.name:
                break
        inv = self.new_invoice(cust, unique=True)
        self.reserved.add(inv.open)
        self.consumed.add(inv.id)
        vd = self.value_date()
        kind = Kind.SEPA if cust.currency == "EUR" else self.rng.choice((Kind.WIRE, Kind.ACH))
        # The payer pays from an account we do not know (or the bank sends none).
        account = None if self.chance(0.5) else self.new_account(cust.currency)
        lines = self.noise([self.rng.choice(("PAYMENT", "MARCH", "SUPPLIER PAYMENT", "AP RUN"))] if self.chance(0.6) else [], inv.open, inv.currency, vd, dates=False)
        p = self.payment(inv.open, inv.currency, vd, kind, variant, account, lines)
        return p, self.apply_label("name_variant", [(inv, inv.open, 0, 0)], f"name:{kind_v}")

    def s_account_noref(self) -> tuple[Payment, Label]:
        cust = self.pick_customer(lambda c: bool(c.accounts))
        inv = self.new_invoice(cust, unique=True)
        self.reserved.add(inv.open)
        self.consumed.add(inv.id)
        vd, kind = self.value_date(), self.kind_for(cust.currency)
        account = self.payer_account(cust, kind)
        name = self.rng.choice((None, "ONLINE BANKING TRANSFER", self.bank_name(cust.name, kind)))
        lines = self.noise([] if self.chance(0.5) else [self.rng.choice(("PAYMENT", "MARCH 2026", "INVOICES", "ACCOUNTS PAYABLE"))], inv.open, inv.currency, vd, dates=False)
        p = self.payment(inv.open, inv.currency, vd, kind, name, account, lines)
        return p, self.apply_label("account_noref", [(inv, inv.open, 0, 0)], f"account:{kind.value}")

    def s_multi_ref(self) -> tuple[Payment, Label]:
        cust = self.pick_customer()
        invs = [self.new_invoice(cust) for _ in range(self.rng.choice((2, 2, 2, 3, 3, 4)))]
        self.consumed.update(i.id for i in invs)
        total = sum(i.open for i in invs)
        vd, kind = self.value_date(), self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind)
        cores = [self.core(i.number) for i in invs]
        shape = self.rng.choice(("slash", "comma", "list", "structured", "lines"))
        lines: list[str] = []
        refs: tuple[InvoiceRef, ...] = ()
        if shape == "slash":
            lines = ["re: " + "/".join(cores)]
        elif shape == "comma":
            lines = ["INV " + ", ".join(cores[:-1]) + " AND " + cores[-1]]
        elif shape == "list":
            lines = ["INVOICES: " + " ".join(i.number for i in invs)]
        elif shape == "structured":
            refs = tuple(InvoiceRef(i.number, from_minor(i.open, i.currency)) for i in invs)
        else:
            lines = [f"{i.number} {from_minor(i.open, i.currency)}" for i in invs]
        lines = self.noise(lines, total, cust.currency, vd, dates=False)
        p = self.payment(total, cust.currency, vd, kind, name, account, lines, invoices=refs)
        return p, self.apply_label("multi_ref", [(i, i.open, 0, 0) for i in invs], f"multi:{shape}:{len(invs)}")

    def s_multi_noref(self) -> tuple[Payment, Label]:
        """Runs after every invoice-creating scenario; freezes its customer (the subset must
        stay the only one that fits, with or without earned discounts)."""
        vd = self.value_date()
        for _ in range(200):
            cust = self.pick_customer(lambda c: len(c.open_ids) <= 20)
            invs = [self.new_invoice(cust) for _ in range(self.rng.choice((2, 2, 3, 3, 4)))]
            total = sum(i.open for i in invs)
            amounts = [i.open for i in self.open_of(cust)]
            self.frozen.add(cust.id)
            if total not in self.reserved and self.subset_count(cust, total, vd) == 1:
                break
        else:
            raise RuntimeError("could not build a unique multi-invoice payment")
        self.reserved.add(total)
        self.consumed.update(i.id for i in invs)
        kind = self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind, full_name=True)
        lines = self.noise([self.rng.choice(("PAYMENT", "STATEMENT", "MARCH INVOICES", "AP RUN 11"))] if self.chance(0.6) else [], total, cust.currency, vd, dates=False)
        p = self.payment(total, cust.currency, vd, kind, name, account, lines)
        return p, self.apply_label("multi_noref", [(i, i.open, 0, 0) for i in invs], f"subset:{len(invs)}of{len(amounts)}")

    def discount_invoice(self, cust: Cust, vd: date, *, expired: bool) -> Inv:
        """An invoice with discount terms whose window covers `vd` (or ended before it, beyond
        the grace days)."""
        for _ in range(500):
            terms = self.rng.choice(("2/10 Net 30", "1%15 Net 45", "2/10 EOM Net 30"))
            t = TERMS_PARSED[terms]
            issue = vd - timedelta(days=self.rng.randint(*((0, 15) if not expired else (15, 60))))
            deadline = t.discount_deadline(issue)
            assert deadline is not None
            if not expired and not (issue <= vd <= deadline):
                continue
            if expired and not (deadline + timedelta(days=SETTINGS.discount_grace_days + 2) <= vd):
                continue
            trial = Inv(0, "", cust.id, cust.currency, self.draw_cents(), 0, issue, terms, None)
            trial.open = trial.amount
            disc = trial.discount()
            if disc <= 0:
                continue
            if expired and self.within_fee_tolerance(trial.amount, disc):
                continue  # the unearned discount must not look like bank charges
            pay = trial.amount - disc
            if pay in self.reserved or self.amount_count[pay] or self.disc_count[pay]:
                continue
            try:
                return self.new_invoice(cust, cents=trial.amount, issue=issue, terms=terms)
            except RuntimeError:  # that amount is reserved for another payment's label
                continue
        raise RuntimeError("could not build a discount invoice")

    @staticmethod
    def within_fee_tolerance(invoice_cents: int, short_cents: int) -> bool:
        limit = min(int(SETTINGS.fee_tolerance * 100), invoice_cents * SETTINGS.fee_tolerance_percent / 100)
        return short_cents <= limit

    def s_discount_in_window(self) -> tuple[Payment, Label]:
        cust = self.pick_customer()
        vd = self.value_date()
        inv = self.discount_invoice(cust, vd, expired=False)
        self.consumed.add(inv.id)
        disc = inv.discount()
        pay = inv.open - disc
        self.reserved.add(pay)
        kind = self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind)
        with_ref = self.chance(0.8)
        if with_ref:
            shape, lines, refs, invs, e2e = self.single_ref(inv, pay, vd)
            if shape == "e2e":
                shape, lines, refs, invs, e2e = "exact", [inv.number], (), (), None
        else:
            shape, lines, refs, invs, e2e = "noref", [], (), (), None
            if account is None:
                name = cust.name
        if self.chance(0.3):
            lines = lines + [self.rng.choice(("LESS 2% DISCOUNT", "SKONTO", "LESS CASH DISCOUNT", f"DISC {from_minor(disc, inv.currency)}"))]
        lines = self.noise(lines, pay, inv.currency, vd, dates=False)
        p = self.payment(pay, inv.currency, vd, kind, name, account, lines, references=refs, invoices=invs, e2e=e2e)
        return p, self.apply_label("discount_in_window", [(inv, pay, disc, 0)], f"{inv.terms}:{shape}")

    def s_discount_expired(self) -> tuple[Payment, Label]:
        cust = self.pick_customer()
        vd = self.value_date()
        inv = self.discount_invoice(cust, vd, expired=True)
        self.consumed.add(inv.id)
        pay = inv.open - inv.discount()
        self.reserved.add(pay)
        kind = self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind)
        lines = [self.rng.choice((inv.number, f"Inv {self.core(inv.number)}", f"INVOICE {inv.number} LESS 2%"))]
        lines = self.noise(lines, pay, inv.currency, vd, dates=False)
        p = self.payment(pay, inv.currency, vd, kind, name, account, lines)
        late = (vd - inv.deadline()).days  # type: ignore[operator]
        label = self.apply_label("discount_expired", [(inv, pay, 0, 0)], f"{inv.terms}:{late}d late")
        # Review with DISCOUNT_EXPIRED is the sanctioned alternative (shown, not counted right).
        return p, replace(label, expect_reason=ReviewReason.DISCOUNT_EXPIRED)

    def s_bank_fee(self) -> tuple[Payment, Label]:
        cust = self.pick_customer()
        vd = self.value_date()
        fee = self.rng.randint(1000, 2000)
        for _ in range(500):
            terms = self.weighted(TERMS)
            issue = AS_OF - timedelta(days=self.rng.randint(1, 62))
            deadline = TERMS_PARSED[terms].discount_deadline(issue)
            if deadline is not None and vd <= deadline + timedelta(days=SETTINGS.discount_grace_days + 1):
                continue  # a discount could explain the short-pay: not a clean fee case
            cents = self.draw_cents(lo=max(200_000, fee * 100))
            if cents - fee in self.reserved:
                continue
            try:
                inv = self.new_invoice(cust, cents=cents, issue=issue, terms=terms)
            except RuntimeError:  # that amount is reserved for another payment's label
                continue
            break
        else:
            raise RuntimeError("could not build a bank-fee invoice")
        self.consumed.add(inv.id)
        assert self.within_fee_tolerance(inv.amount, fee)
        pay = inv.open - fee
        self.reserved.add(pay)
        kind = Kind.WIRE if self.chance(0.7) else self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind)
        shape, lines, refs, invs, e2e = self.single_ref(inv, inv.open, vd)
        if shape == "e2e":
            shape, lines, e2e = "exact", [inv.number], None
        lines = self.noise(lines, pay, inv.currency, vd, dates=False)
        p = self.payment(pay, inv.currency, vd, kind, name, account, lines, references=refs, invoices=invs, e2e=e2e)
        return p, self.apply_label("bank_fee", [(inv, pay, 0, fee)], f"fee {from_minor(fee, inv.currency)}:{shape}")

    def s_partial(self) -> tuple[Payment, Label]:
        for _ in range(1000):  # a crowded book (100k payments) may have taken every instalment
            cust = self.pick_customer()
            inv = self.new_invoice(cust, lo=40_000)
            self.consumed.add(inv.id)
            pay = self.free_instalment(inv.open)
            if pay is not None:
                break
        else:
            raise RuntimeError("no free partial-payment amount left; use fewer payments")
        self.reserved.add(pay)
        vd, kind = self.value_date(), self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind)
        lines = [self.rng.choice((f"{inv.number}", f"PARTIAL PAYMENT INV {self.core(inv.number)}", f"INSTALMENT 1 {inv.number}", f"on account {inv.number}"))]
        lines = self.noise(lines, pay, inv.currency, vd, dates=False)
        p = self.payment(pay, inv.currency, vd, kind, name, account, lines)
        return p, self.apply_label("partial", [(inv, pay, 0, 0)], f"{100 * pay // inv.open}%")

    def free_instalment(self, open_cents: int) -> int | None:
        """20-80 % of the open amount (often round), not reserved or open elsewhere; None when
        hundreds of draws found none (the same draws as an unbounded loop until then)."""
        for _ in range(500):
            pay = open_cents * self.rng.randint(20, 80) // 100
            if self.chance(0.4):
                pay -= pay % 10_000  # people pay round instalments
            if pay > 0 and pay not in self.reserved and self.amount_count[pay] == 0:
                return pay
        return None

    def s_overpay(self) -> tuple[Payment, Label]:
        """Runs on the final book (phase 3): the surplus must not be explainable as other open
        invoices of the customer (the referenced one + a subset would fit exactly — a
        genuinely ambiguous payment), so only customers whose subsets can be checked."""
        vd = self.value_date()
        for _ in range(1000):
            cust = self.pick_customer(lambda c: 0 < len(c.open_ids) <= 24, allow_frozen=True)
            free = [i for i in cust.open_ids if i not in self.consumed]
            if not free:
                continue
            inv = self.invoices[self.rng.choice(free) - 1]
            pay = inv.open + self.rng.randint(500, max(600, inv.open // 10))
            if pay in self.reserved or self.amount_count[pay] or self.disc_count[pay]:
                continue
            if self.subset_count(cust, pay, vd) == 0:
                break
        else:
            raise RuntimeError("could not build an unambiguous over-payment")
        self.consumed.add(inv.id)
        self.reserved.add(pay)
        kind = self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind)
        shape, lines, refs, invs, e2e = self.single_ref(inv, pay, vd)
        if shape in ("e2e", "structured_amount"):
            shape, lines, refs, invs, e2e = "exact", [inv.number], (), (), None
        lines = self.noise(lines, pay, inv.currency, vd, dates=False)
        p = self.payment(pay, inv.currency, vd, kind, name, account, lines, references=refs, invoices=invs, e2e=e2e)
        return p, self.apply_label("overpay", [(inv, inv.open, 0, 0)], f"+{from_minor(pay - inv.open, inv.currency)}")

    def s_third_party(self) -> tuple[Payment, Label]:
        cust = self.pick_customer()
        inv = self.new_invoice(cust)
        self.consumed.add(inv.id)
        vd = self.value_date()
        kind = Kind.SEPA if cust.currency == "EUR" else self.rng.choice((Kind.WIRE, Kind.ACH))
        name = self.rng.choice(THIRD_PARTIES) if self.chance(0.7) else self.unknown_name()
        account = self.new_account(cust.currency)  # the PSP's / factor's account: not on file
        if self.chance(0.5):
            shape, lines, refs, invs = "exact", [inv.number], (), ()
        else:
            shape, lines, refs, invs, e2e = self.single_ref(inv, inv.open, vd)
            if shape == "e2e":
                shape, lines, refs, invs = "exact", [inv.number], (), ()
        lines = self.noise(lines, inv.open, inv.currency, vd, dates=False)
        p = self.payment(inv.open, inv.currency, vd, kind, name, account, lines, references=refs, invoices=invs)
        return p, self.apply_label("third_party", [(inv, inv.open, 0, 0)], f"third:{shape}")

    def s_po_ref(self) -> tuple[Payment, Label]:
        cust = self.pick_customer()
        inv = self.new_invoice(cust, po=True)
        self.consumed.add(inv.id)
        assert inv.po is not None
        vd, kind = self.value_date(), self.kind_for(cust.currency)
        name, account = self.known_payer(cust, kind)
        lines = [self.rng.choice((f"PO {inv.po}", f"P.O. #{inv.po}", f"YOUR ORDER {inv.po}", f"PURCHASE ORDER {inv.po}", inv.po))]
        lines = self.noise(lines, inv.open, inv.currency, vd, dates=False)
        p = self.payment(inv.open, inv.currency, vd, kind, name, account, lines)
        return p, self.apply_label("po_ref", [(inv, inv.open, 0, 0)], "po")
