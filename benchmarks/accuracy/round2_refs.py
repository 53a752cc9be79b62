"""Round-2 reference shapes: ranges, shortened lists, numbers cut across lines or split over
fields, US wire text, zero padding, Swiss QR and RF references in free text. Each `s_<class>`
returns (payment, label); the payer is known and pays exactly what it names."""

from __future__ import annotations

import re

from stdnum import iso11649
from stdnum.ch import esr

from benchmarks.accuracy.book import Cust, Inv
from benchmarks.accuracy.keys import number_keys, rf_reference
from benchmarks.accuracy.labels import Label
from benchmarks.accuracy.round2_book import _FILLER, Round2Book, loose
from core.money import from_minor
from core.records import InvoiceRef, Kind
from reconcile.model import Payment

RANGE_STYLES = ("inv", "plain", "inv7", "year")


def digits_core(number: str) -> str:
    """The numeric part people retype: 'INV-10421' -> '10421', '2026-0042' -> '0042' (its tail)."""
    return re.findall(r"\d+", number)[-1]


class Round2Refs(Round2Book):
    """Reference shapes that name invoices without writing each number out in full."""

    def range_customer(self) -> Cust:
        return self.pick_customer(lambda c: c.style in RANGE_STYLES)

    def full_pay(self, scenario: str, invs: list[Inv], variant: str, lines: list[str], *,
                 cust: Cust, refs: tuple[str, ...] = (), docs: tuple[InvoiceRef, ...] = (),
                 name_account: tuple[str | None, str | None] | None = None, kind: Kind | None = None) -> tuple[Payment, Label]:
        """The known payer pays these invoices' open amounts exactly."""
        self.consumed.update(i.id for i in invs)
        total = sum(i.open for i in invs)
        vd = self.value_date()
        kind = kind or self.kind_for(cust.currency)
        name, account = name_account or self.known_payer(cust, kind)
        lines = self.noise2(lines, total, cust.currency, vd)
        p = self.payment(total, cust.currency, vd, kind, name, account, lines, references=refs, invoices=docs)
        return p, self.apply_label(scenario, [(i, i.open, 0, 0) for i in invs], variant)

    # -- ranges and shortened lists ----------------------------------------------------------------

    def s_ref_range(self) -> tuple[Payment, Label]:
        while True:
            cust = self.range_customer()
            numbers = self.number_run(cust.style, self.rng.choice((2, 3, 3, 4, 5)))
            if numbers:
                break
        invs = self.invoices_numbered(cust, numbers)
        first, last = numbers[0], numbers[-1]
        a, b = digits_core(first), digits_core(last)
        if cust.style == "year":
            form = self.rng.choice(("to_full", "bis_full", "bis_tail"))
            text = {"to_full": f"Invoices {first} to {last}", "bis_full": f"Rechnungen {first} bis {last}",
                    "bis_tail": f"RE {first} bis {b}"}[form]
        else:
            forms = ["dash", "to", "bis", "thru", "through", "dash_short"]
            form = self.rng.choice(forms)
            if form == "dash_short" and a[:-2] != b[:-2]:
                form = "dash"
            prefix = "INV " if cust.style != "plain" or self.chance(0.5) else ""
            text = {"dash": f"{prefix}{a}-{b}", "to": f"{a} to {b}", "bis": f"Rechnungen {a} bis {b}",
                    "thru": f"INV {a} thru {b}", "through": f"Invoices {a} through {b}",
                    "dash_short": f"{prefix}{a}-{b[-2:]}"}[form]
        return self.full_pay("ref_range", invs, f"range:{form}:{len(invs)}", [text], cust=cust)

    @staticmethod
    def shortened(numbers: list[str]) -> list[str]:
        """Each number after the first as the digits that differ from the one before (at least two)."""
        out = [numbers[0]]
        for prev, cur in zip(numbers, numbers[1:]):
            if len(prev) != len(cur):
                out.append(cur)
                continue
            t = 2
            while t < len(cur) and prev[:-t] != cur[:-t]:
                t += 1
            out.append(cur[-t:])
        return out

    def s_ref_short_list(self) -> tuple[Payment, Label]:
        while True:
            cust = self.range_customer()
            numbers = self.number_run(cust.style, self.rng.choice((2, 3, 3, 4)), step=(1, 6))
            if numbers:
                break
        invs = self.invoices_numbered(cust, numbers)
        cores = [digits_core(n) for n in numbers]
        parts = self.shortened(cores)
        head = numbers[0] if cust.style != "plain" else cores[0]
        form = self.rng.choice(("slash", "slash_spaced", "prefixed"))
        if form == "slash":
            text = "/".join([head, *parts[1:]])
        elif form == "slash_spaced":
            text = " /".join([head, *parts[1:]])
        else:
            text = "Inv " + "/".join([cores[0] if cust.style != "year" else numbers[0], *parts[1:]])
        return self.full_pay("ref_short_list", invs, f"list:{form}:{len(invs)}", [text], cust=cust)

    # -- cut lines and separate fields -------------------------------------------------------------

    def filler(self, length: int, cust: Cust) -> str:
        """Words (no digits) filling exactly `length` characters, padded with spaces."""
        words = [self.rng.choice(("SUPPLIER PAYMENT", "REMITTANCE ADVICE", loose(cust.name)))]
        while True:
            word = self.rng.choice(_FILLER)
            if len(" ".join(words + [word])) > length - 1:
                break
            words.append(word)
        text = " ".join(words)[: length - 1]
        return text.ljust(length)

    def s_ref_split_lines(self) -> tuple[Payment, Label]:
        form = self.rng.choice(("cut35", "cut35", "cut140", "fields_label", "fields_multi"))
        while True:
            cust = self.pick_customer()
            if form == "fields_multi":
                invs = [self.new_invoice(cust) for _ in range(self.rng.choice((2, 3)))]
                lines = [self.rng.choice(("REMITTANCE ADVICE", "PAYMENT OF", "RECHNUNGEN"))]
                lines += [self.rng.choice((f"{i.number}", f"INVOICE {i.number}", f"{i.number} {from_minor(i.open, i.currency)}"))
                          for i in invs]
                return self.full_pay("ref_split_lines", invs, f"fields:multi:{len(invs)}", lines, cust=cust)
            inv = self.new_invoice(cust, lo=5_000)
            if form == "fields_label":
                label = self.rng.choice(("INVOICE NO.", "RECHNUNGSNUMMER:", "YOUR INVOICE", "FACTURE N°"))
                value = self.rng.choice((inv.number, digits_core(inv.number) if inv.number.startswith("INV-") else inv.number))
                return self.full_pay("ref_split_lines", [inv], "fields:label", [label, value], cust=cust)
            width = 35 if form == "cut35" else 140
            ref = self.rng.choice((inv.number, f"INV {inv.number}" if not inv.number.startswith("INV") else inv.number,
                                   f"RECHNUNG {inv.number}"))
            digit_at = [i for i, ch in enumerate(ref) if ch.isdigit()]
            cuts = [i for i in digit_at[1:] if i - 1 in digit_at]  # between two digits of the number
            self.rng.shuffle(cuts)
            own = number_keys(inv.number)
            for cut in cuts:
                left, right = ref[:cut], ref[cut:]
                # Neither piece may name another document on its own (the cut is the only reading).
                # (Keys under four characters name nothing: every number in this book is longer.)
                pieces = {k for k in number_keys(left.split()[-1]) | number_keys(right) if len(k) >= 4}
                if not any(self.key_to_inv.get(k, inv.id) != inv.id
                           or (k in self.taken_keys and k not in own and k not in self.cut_pieces) for k in pieces):
                    break
            else:
                self.consumed.add(inv.id)  # no clean cut: not paid today, stays open, never named
                continue
            self.taken_keys |= pieces  # ... nor may a later invoice
            self.cut_pieces |= pieces
            prefix = self.filler(width - len(left), cust)
            tail = self.rng.choice((" THANK YOU", " DELIVERY MARCH", " BALANCE", "", " SEE ADVICE"))
            text = prefix + left + right + tail
            lines = [text[i:i + width] for i in range(0, len(text), width)]
            return self.full_pay("ref_split_lines", [inv], f"cut{width}", lines, cust=cust)

    # -- US wire text ------------------------------------------------------------------------------

    def wire_ids(self) -> dict[str, str]:
        vd = self.value_date()
        return {
            "TRN": f"{vd:%y%m%d}{self.rng.randrange(10**8):08d}",
            "IMAD": f"{vd:%Y%m%d}{self.rng.choice(('QMGFT', 'MMQFMP', 'B1Q8'))}{self.rng.randrange(10**6):06d}",
            "TRACE#": f"0{self.rng.randrange(10**14):014d}",
            "ORIG ID": f"{self.rng.choice('1239')}{self.rng.randrange(10**9):09d}",
        }

    def s_us_wire_text(self) -> tuple[Payment, Label]:
        cust = self.pick_customer(lambda c: c.currency == "USD")
        invs = [self.new_invoice(cust) for _ in range(1 if self.chance(0.8) else 2)]
        name = cust.name.upper()
        ids = self.wire_ids()
        refs = " ".join(f"INV {digits_core(i.number)}" if i.number.startswith("INV-") else i.number for i in invs)
        form = self.rng.choice(("fedwire_orig", "fedwire_bo", "ach_ccd", "chips_rfb"))
        if form == "fedwire_orig":
            lines = [f"ORIG: {name[:35]}", f"OBI: {refs}", "ORIG BK: JPMORGAN CHASE BANK", f"IMAD: {ids['IMAD']}",
                     f"TRN: {ids['TRN']}"]
        elif form == "fedwire_bo":
            lines = [f"B/O {name[:35]}", f"OBI: PAYMENT OF {refs}", "BBK: WELLS FARGO BANK NA"]
        elif form == "ach_ccd":
            short = name[:16].rstrip()
            if [k for k in self.loose_names if k.startswith(loose(short))] != [loose(name)]:
                short = name[:22].rstrip()
            lines = [f"ORIG CO NAME:{short} ORIG ID:{ids['ORIG ID']} CO ENTRY DESCR:PAYMENT SEC:CCD "
                     f"TRACE#:{ids['TRACE#']} IND ID:{refs.replace('INV ', 'INV')} IND NAME:REMIT RECEIVABLES"]
        else:
            lines = [f"ORIG: {name[:35]}", f"RFB: {refs}", f"TRN: {ids['TRN']}"]
        lines = [line for line in lines if not self.names_book(line.split(":", 1)[-1]) or "OBI" in line
                 or "RFB" in line or "IND ID" in line or line.startswith("B/O")]
        account = self.payer_account(cust, Kind.WIRE) if self.chance(0.3) else None
        payer = None if self.chance(0.6) else name[:35]
        return self.full_pay("us_wire_text", invs, f"wire:{form}:{len(invs)}", lines, cust=cust,
                             name_account=(payer, account), kind=Kind.ACH if form == "ach_ccd" else Kind.WIRE)

    # -- zero padding, QR and RF ---------------------------------------------------------------------

    def s_zero_padding(self) -> tuple[Payment, Label]:
        form = self.rng.choice(("pad_removed", "pad_removed", "pad_added", "pad_added", "qr", "rf"))
        refs: tuple[str, ...] = ()
        if form == "pad_removed":
            cust = self.pick_customer(lambda c: c.style == "inv7")
            inv = self.new_invoice(cust)
            n = digits_core(inv.number).lstrip("0")
            text = self.rng.choice((f"INV{n}", f"INV {n}", f"Inv. {n}", f"BELEG {n}", f"RG-{n}", f"DOC {n}"))
        elif form == "pad_added":
            cust = self.pick_customer(lambda c: c.style in ("inv", "plain"))
            inv = self.new_invoice(cust)
            n = digits_core(inv.number)
            text = self.rng.choice((f"INV-{n:0>7}", f"DOC-{n:0>8}", f"RG{n:0>7}", f"{n:0>10}", f"INVOICE#{n:0>8}"))
        elif form == "qr":
            cust = self.pick_customer(lambda c: c.currency == "CHF" and c.style in ("inv", "plain", "inv7"))
            inv = self.new_invoice(cust)
            body = digits_core(inv.number).zfill(26)
            qr = body + esr.calc_check_digit(body)
            grouped = qr[:2] + " " + " ".join(qr[i:i + 5] for i in range(2, 27, 5))
            if self.chance(0.4):
                refs, text, form = (qr,), "", "qr_structured"
            else:
                text = self.rng.choice((f"QR-Referenz {grouped}", f"Ref. {grouped}", f"Referenz {qr}", grouped))
        else:
            cust = self.pick_customer()
            inv = self.new_invoice(cust)
            payload = re.sub(r"[^A-Z0-9]", "", inv.number.upper())
            if payload.isdigit():
                payload = payload.zfill(self.rng.choice((8, 10, 12)))
            rf = rf_reference(payload)
            shown = iso11649.format(rf) if self.chance(0.6) else rf
            text = self.rng.choice((f"Zahlung {shown} danke", f"REF {shown}", shown, f"Creditor ref {shown}"))
        lines = [text] if text else []
        return self.full_pay("zero_padding", [inv], f"pad:{form}", lines, cust=cust, refs=refs)
