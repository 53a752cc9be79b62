"""Payments of the generated day: value dates and kinds, payers as banks report them,
remittance noise, and the many shapes a reference to an invoice takes."""

from __future__ import annotations

import re
from datetime import date, timedelta

from stdnum import iso11649

from benchmarks.accuracy.book import BookBuilder, Cust, Inv
from benchmarks.accuracy.keys import rf_reference
from benchmarks.accuracy.labels import AS_OF
from benchmarks.accuracy.words import (
    ABBREVIATIONS,
    LEGAL_EUR,
    LEGAL_USD,
    OTHER_STEMS,
    OTHER_TRADES,
    PERSON_FIRST,
    PERSON_LAST,
)
from core.money import from_minor
from core.records import Direction, InvoiceRef, Kind
from reconcile.model import Payment


class PaymentBuilder(BookBuilder):
    """Payments, payers and reference shapes over the book."""

    # -- payments ----------------------------------------------------------------------------

    def value_date(self) -> date:
        return AS_OF if self.chance(0.8) else AS_OF - timedelta(days=self.rng.randint(1, 3))

    def kind_for(self, cust_currency: str) -> Kind:
        if cust_currency == "EUR":
            return Kind.SEPA if self.chance(0.92) else Kind.WIRE
        return self.rng.choices([Kind.ACH, Kind.WIRE, Kind.CHECK, Kind.LOCKBOX], weights=[50, 20, 15, 15])[0]

    def bank_name(self, name: str, kind: Kind) -> str | None:
        """The payer name as a bank reports it for this payment type."""
        if kind == Kind.ACH:
            return re.sub(r"[^A-Z0-9 &]", "", name.upper())[:22].rstrip()
        if kind == Kind.WIRE:
            return name.upper()[:35].rstrip()
        if kind in (Kind.CHECK, Kind.LOCKBOX):
            return None if self.chance(0.5) else name.upper()[:30].rstrip()
        return name if self.chance(0.7) else name.upper()

    def payer_account(self, cust: Cust, kind: Kind) -> str | None:
        if not cust.accounts:
            return None
        ach = [a for a in cust.accounts if a.startswith("ACH-CO:")]
        banks = [a for a in cust.accounts if not a.startswith("ACH-CO:")] or cust.accounts
        if kind == Kind.ACH and ach:
            return self.rng.choice(ach)
        return self.rng.choice(banks)

    def known_payer(self, cust: Cust, kind: Kind, *, full_name: bool = False) -> tuple[str | None, str | None]:
        """(payer_name, payer_account) that identify `cust`: its account if it has one on file,
        else its full name (never a truncated one when the name is the only evidence)."""
        account = self.payer_account(cust, kind)
        if account is None or full_name:
            return (cust.name if self.chance(0.6) else cust.name.upper()), account
        return self.bank_name(cust.name, kind), account

    def payment(
        self,
        cents: int,
        currency: str,
        vd: date,
        kind: Kind,
        name: str | None,
        account: str | None,
        remittance: list[str] | tuple[str, ...] = (),
        *,
        references: tuple[str, ...] = (),
        invoices: tuple[InvoiceRef, ...] = (),
        direction: Direction = Direction.CREDIT,
        e2e: str | None = None,
    ) -> Payment:
        self.bank_seq += 1
        if e2e is None and kind in (Kind.SEPA, Kind.WIRE):
            e2e = "NOTPROVIDED" if self.chance(0.5) else f"E2E{self.rng.randrange(16**10):010X}"
        return Payment(
            id=0,  # numbered after the day is shuffled
            amount=from_minor(cents, currency),
            currency=currency,
            value_date=vd,
            direction=direction,
            kind=kind,
            payer_name=name,
            payer_account=account,
            remittance=tuple(remittance),
            references=references,
            invoices=invoices,
            end_to_end_id=e2e,
            bank_reference=f"{vd:%y%m%d}{self.bank_seq:08d}",
        )

    def noise(self, lines: list[str], cents: int, currency: str, vd: date, *, dates: bool = True) -> list[str]:
        """Realistic clutter: casing, filler words, dates and amounts that are NOT invoice numbers."""
        out = list(lines)
        if self.chance(0.3):
            out = [self.rng.choice((str.upper, str.lower, str.title))(s) for s in out]
        if self.chance(0.35):
            words = self.rng.choice(("PAYMENT", "THANK YOU", "PMT", "REMITTANCE", "OUR REF ACCTS PAYABLE", "SETTLEMENT"))
            out = [f"{words} {out[0]}" if out else words] + out[1:] if self.chance(0.5) else out + [words]
        if dates and self.chance(0.3):
            day = vd - timedelta(days=self.rng.randint(0, 40))
            text = self.rng.choice((f"{day:%d.%m.%Y}", f"{day:%m/%d/%Y}", f"{day:%Y-%m-%d}", f"{day:%d/%m/%y}"))
            out.append(self.rng.choice(("DATED ", "VALUE ", "PAYMENT DATE ", "")) + text)
        if self.chance(0.25):
            major, minor = divmod(cents, 100)
            text = self.rng.choice((
                f"{currency} {major:,}.{minor:02d}",
                f"{currency} {major:,}.{minor:02d}".replace(",", "X").replace(".", ",").replace("X", "."),
                f"AMT {major}.{minor:02d}",
            ))
            out.append(text)
        return out

    # -- reference shapes --------------------------------------------------------------------

    @staticmethod
    def core(number: str) -> str:
        """The part people retype: 'INV-10421' -> '10421'; other styles keep their shape."""
        return number[4:] if number.startswith("INV-") else number

    def single_ref(
        self, inv: Inv, pay_cents: int, vd: date
    ) -> tuple[str, list[str], tuple[str, ...], tuple[InvoiceRef, ...], str | None]:
        """(shape, remittance, references, invoices, e2e) naming `inv` in one of many ways."""
        number, core = inv.number, self.core(inv.number)
        shape = self.rng.choices(
            ["inv_space", "invoice_no", "re", "inv_hash_padded", "slash_inv", "rf", "structured_amount",
             "foreign", "embedded", "e2e"],
            weights=[12, 12, 10, 10, 8, 14, 12, 8, 10, 4],
        )[0]
        if shape == "inv_hash_padded" and not core.isdigit():
            shape = "invoice_no"
        refs: tuple[str, ...] = ()
        invs: tuple[InvoiceRef, ...] = ()
        e2e = None
        lines: list[str] = []
        if shape == "inv_space":
            lines = [f"Inv {core}"]
        elif shape == "invoice_no":
            lines = [f"INVOICE NO. {core}"]
        elif shape == "re":
            lines = [f"re: {core}"]
        elif shape == "inv_hash_padded":
            lines = [f"PAYMENT FOR INV#{core:0>7}"]
        elif shape == "slash_inv":
            lines = [f"/INV/{number} {inv.issue:%Y%m%d}"]
        elif shape == "rf":
            payload = re.sub(r"[^A-Z0-9]", "", number.upper())
            if payload.isdigit() and self.chance(0.4):
                payload = payload.rjust(10, "0")
            rf = rf_reference(payload)
            if self.chance(0.5):
                rf = iso11649.format(rf)
            if self.chance(0.75):
                refs = (rf,)
            else:
                lines = [rf]
        elif shape == "structured_amount":
            invs = (InvoiceRef(number, from_minor(pay_cents, inv.currency)),)
        elif shape == "foreign":
            lines = [self.rng.choice((
                f"Rechnung Nr. {number} vom {inv.issue:%d.%m.%Y}",
                f"Facture n° {number}",
                f"Factura {number} pago",
                f"Fattura {number}",
            ))]
        elif shape == "embedded":
            lines = [f"{self.rng.choice(('SETTLING', 'PAYING', 'PMT OF'))} {number} {self.rng.choice(('IN FULL', 'THANKS', 'PER STATEMENT'))}"]
        else:  # e2e: the payer put the invoice number in the end-to-end id and nothing else
            e2e = re.sub(r"[^A-Z0-9]", "", number.upper())
        return shape, lines, refs, invs, e2e

    def typo(self, number: str) -> tuple[str, str] | None:
        """(kind, typo'd text) with one digit substituted, two adjacent ones swapped, or one
        dropped; None when the number is too short for the kind drawn."""
        text = self.core(number)
        digit_pos = [i for i, c in enumerate(text) if c.isdigit()]
        kind = self.rng.choice(("substitution", "transposition", "dropped"))
        chars = list(text)
        if kind == "substitution":
            i = self.rng.choice(digit_pos)
            # Never a new leading zero: "61404" -> "01404" is a 4-digit token once zeros go.
            leading = all(chars[j] == "0" for j in digit_pos if j < i) and i == min(
                (j for j in digit_pos if chars[j] != "0"), default=i)
            chars[i] = self.rng.choice([d for d in "123456789" if d != chars[i]] if leading else
                                       [d for d in "0123456789" if d != chars[i]])
        elif kind == "transposition":
            pairs = [i for i in digit_pos if i + 1 in digit_pos and chars[i] != chars[i + 1]
                     and not (i == digit_pos[0] and chars[i + 1] == "0")]  # no new leading zero
            if not pairs:
                return None
            i = self.rng.choice(pairs)
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            if len(digit_pos) < 6:  # the result must still be a long-enough token (≥ 5 digits)
                return None
            del chars[self.rng.choice(digit_pos)]
        out = "".join(chars)
        return kind, (f"INV-{out}" if number.startswith("INV-") and self.chance(0.5) else out)

    def name_variant(self, cust: Cust) -> tuple[str, str]:
        """(kind, variant) of the customer's name as a payer might write it."""
        name = cust.name
        legal = next((f for f in sorted(LEGAL_EUR + LEGAL_USD, key=len, reverse=True) if name.endswith(" " + f)), "")
        bare = name[: -len(legal) - 1] if legal else name
        kinds = ["case", "no_legal_form", "word_order", "punct"]
        if any(w in name for w in ABBREVIATIONS):
            kinds += ["abbrev", "abbrev"]
        if len(name) > 35:
            kinds += ["truncated35", "truncated35"]
        kind = self.rng.choice(kinds)
        if kind == "case":
            variant = self.rng.choice((name.upper(), name.lower()))
        elif kind == "no_legal_form":
            variant = bare.upper() if self.chance(0.5) else bare
        elif kind == "abbrev":
            variant = name
            for word, short in ABBREVIATIONS.items():
                variant = variant.replace(word, short)
            variant = variant.upper()
            if self.chance(0.4) and legal:
                variant = variant[: -len(legal)].rstrip()
        elif kind == "word_order":
            words = bare.split()
            if len(words) >= 2:
                words[0], words[1] = words[1], words[0]
                variant = (" ".join(words) + (f" {legal}" if legal and self.chance(0.5) else "")).upper()
            else:
                variant = f"{legal} {bare}".upper() if legal else bare.upper()
        elif kind == "punct":
            variant = re.sub(r"\s+", self.rng.choice(("-", ".", ", ")), bare.upper()) + (f" {legal.upper()}" if legal else "")
        else:
            variant = name.upper()[:35]
        return kind, variant

    def unknown_name(self) -> str:
        if self.chance(0.5):
            return f"{self.rng.choice(PERSON_FIRST)} {self.rng.choice(PERSON_LAST)}"
        return f"{self.rng.choice(OTHER_STEMS)} {self.rng.choice(OTHER_TRADES)}".upper()
