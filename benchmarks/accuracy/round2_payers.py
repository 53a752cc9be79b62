"""Round-2 payer identity: parents paying for subsidiaries, ultimate debtors, customer numbers
in the text, name forms (umlauts, legal forms, cut names), UK sort codes in any spelling, and
accounts shared by several customers. Each `s_<class>` returns (payment, label)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from benchmarks.accuracy.book import Cust, Inv
from benchmarks.accuracy.labels import Label
from benchmarks.accuracy.round2_book import PAYERS_FOR_OTHERS, Round2Book, fold_umlauts, loose, loose_key
from benchmarks.accuracy.words import THIRD_PARTIES
from core.records import InvoiceRef, Kind
from reconcile.model import Action, Payment

# Legal forms as the payer writes them instead of the form on file.
LEGAL_SWAPS = {
    "Ltd": "Limited", "Ltd.": "LIMITED", "Limited": "Ltd", "PLC": "Public Limited Company", "GmbH": "G.m.b.H.",
    "AG": "Aktiengesellschaft", "SA": "S.A.", "S.A.": "SA", "Sàrl": "SARL", "Inc": "Incorporated", "Inc.": "INC",
    "Corp": "Corporation", "Corp.": "CORPORATION", "Corporation": "Corp.", "LLC": "L.L.C.", "BV": "B.V.",
    "B.V.": "BV", "NV": "N.V.", "Co.": "Company", "L.P.": "LP", "S.p.A.": "SPA", "GmbH & Co. KG": "GmbH & Co KG",
}
MAX_OPEN = 20  # customers whose subsets are checked exactly (cheap enough; most customers are small)


class Round2Payers(Round2Book):
    """Who pays, and how the payer is known."""

    def unique_invoice(self, pred, vd: date, *, globally: bool) -> tuple[Cust, Inv]:  # type: ignore[no-untyped-def]
        """An invoice no other payment uses, of a customer satisfying `pred` whose open set is
        final (phase 2), that is the ONLY subset (discounts included) of its customer's open
        invoices summing to its open amount — and, `globally`, no other open invoice anywhere
        has that amount (or that amount after a discount)."""
        for _ in range(3000):
            cust = self.pick_customer(lambda c: pred(c) and 0 < len(c.open_ids) <= MAX_OPEN, allow_frozen=True, quiet=True)
            free = [self.invoices[i - 1] for i in cust.open_ids if i not in self.consumed]
            if not free:
                continue
            inv = self.rng.choice(free)
            if inv.open in self.reserved:
                continue
            if globally and (self.amount_count[inv.open] != 1 or self.disc_count[inv.open]):
                continue
            if self.subset_count(cust, inv.open, vd) != 1:
                continue
            self.consumed.add(inv.id)
            self.reserved.add(inv.open)
            return cust, inv
        raise RuntimeError("no invoice with a unique amount left; use more customers")

    # -- groups and ultimate debtors ------------------------------------------------------------------

    def s_parent_pays(self) -> tuple[Payment, Label]:
        child = self.pick_customer(lambda c: c.id in self.parent_of)
        parent = self.by_id[self.parent_of[child.id]]
        vd, kind = self.value_date(), self.kind_for(parent.currency)
        invs = [self.new_invoice(child)]
        form = "parent_for_child"
        if self.chance(0.4):
            other = self.by_id[self.rng.choice(self.related(child.id))]
            invs.append(self.new_invoice(other))
            form = "two_related" if other.id != parent.id else "child_and_parent"
        self.consumed.update(i.id for i in invs)
        total = sum(i.open for i in invs)
        name, account = self.known_payer(parent, kind)
        docs: tuple[InvoiceRef, ...] = ()
        lines: list[str] = []
        shape = self.rng.choice(("text", "structured", "invoice_word"))
        if shape == "structured":
            docs = tuple(InvoiceRef(i.number, None) for i in invs)
        elif shape == "text":
            lines = [" ".join(i.number for i in invs)]
        else:
            lines = ["INVOICE " + " AND ".join(i.number for i in invs)]
        lines = self.noise2(lines, total, parent.currency, vd)
        p = self.payment(total, parent.currency, vd, kind, name, account, lines, invoices=docs)
        return p, self.apply_label("parent_pays", [(i, i.open, 0, 0) for i in invs], f"group:{form}:{shape}")

    def s_ultimate_debtor(self) -> tuple[Payment, Label]:
        cust = self.pick_customer()
        inv = self.new_invoice(cust)
        self.consumed.add(inv.id)
        vd = self.value_date()
        kind = Kind.SEPA if cust.currency == "EUR" else Kind.WIRE
        payer = self.rng.choice(PAYERS_FOR_OTHERS + THIRD_PARTIES)
        account = self.new_account(cust.currency)  # the service's account: on file for nobody
        form = self.rng.choice(("name", "upper", "folded", "with_id"))
        ultimate = {"name": cust.name, "upper": cust.name.upper(), "folded": fold_umlauts(cust.name, "e").upper(),
                    "with_id": cust.name}[form]
        shape, lines, refs, docs, e2e = self.single_ref(inv, inv.open, vd)
        if shape == "e2e":
            shape, lines, e2e = "exact", [inv.number], None
        lines = self.noise2(lines, inv.open, cust.currency, vd, dates=False)
        p = self.payment(inv.open, cust.currency, vd, kind, payer, account, lines, references=refs, invoices=docs, e2e=e2e)
        p = replace(p, ultimate_payer=ultimate, ultimate_payer_id=cust.id if form == "with_id" else None)
        return p, self.apply_label("ultimate_debtor", [(inv, inv.open, 0, 0)], f"ultimate:{form}:{shape}")

    # -- customer numbers ----------------------------------------------------------------------------

    def number_forms(self, cid: str) -> list[tuple[str, str]]:
        if cid.startswith("C-"):
            return [("customer_no", f"Customer no. {cid}"), ("kunden_nr", f"Kunden-Nr. {cid}"),
                    ("cust", f"CUST {cid.replace('-', '')}"), ("client_id", f"Client ID {cid}")]
        if len(cid) == 8:
            return [("acct", f"Acct {cid}"), ("account_no", f"Account no. {cid}"), ("kd_nr", f"Kd-Nr {cid}"),
                    ("customer_number_bare", f"Customer number {cid.lstrip('0')}")]
        return [("kd_nr", f"Kd-Nr {cid}"), ("kd_nr_dots", f"Kd.-Nr. {cid}"), ("customer", f"Customer {cid}"),
                ("debitor", f"Debitor {cid}"), ("cust_hash", f"CUST#{cid}")]

    def s_customer_number_text(self) -> tuple[Payment, Label]:
        vd = self.value_date()
        cust, inv = self.unique_invoice(lambda c: True, vd, globally=False)
        tag, text = self.rng.choice(self.number_forms(cust.id))
        kind = self.kind_for(cust.currency)
        name = self.rng.choice((None, None, "ONLINE BANKING TRANSFER", self.unknown_name()))
        account = None if self.chance(0.5) else self.new_account(cust.currency)
        lines = [text] if self.chance(0.6) else [self.rng.choice(("PAYMENT", "ZAHLUNG", "REMITTANCE")) + " " + text]
        lines = self.noise2(lines, inv.open, cust.currency, vd, dates=False)
        p = self.payment(inv.open, cust.currency, vd, kind, name, account, lines)
        return p, self.apply_label("customer_number_text", [(inv, inv.open, 0, 0)], f"custno:{tag}")

    # -- name forms ----------------------------------------------------------------------------------

    def name_form(self, cust: Cust) -> tuple[str, str] | None:
        """(kind, the name as the payer or its bank writes it), or None when the form drawn would
        not name this customer alone."""
        name = cust.name
        legal = next((f for f in sorted(LEGAL_SWAPS, key=len, reverse=True) if name.endswith(" " + f)), "")
        bare = name[: -len(legal) - 1] if legal else name
        kinds = ["legal_drop", "legal_swap"]
        if any(ch in name for ch in "äöüÄÖÜß"):
            kinds += ["umlaut_e", "umlaut_e", "umlaut_plain"]
        kinds += [f"cut{n}" for n in (18, 22, 35) if len(fold_umlauts(name, "e")) > n + 1]
        kind = self.rng.choice(kinds)
        if kind == "legal_drop":
            variant = bare.upper() if self.chance(0.5) else bare
        elif kind == "legal_swap":
            if not legal:
                return None
            variant = f"{bare} {LEGAL_SWAPS[legal]}"
            variant = variant.upper() if self.chance(0.4) else variant
        elif kind == "umlaut_e":
            variant = fold_umlauts(name, "e")
            variant = variant.upper() if self.chance(0.6) else variant
        elif kind == "umlaut_plain":
            variant = fold_umlauts(name, "plain").upper()
        else:
            n = int(kind[3:])
            upper = fold_umlauts(name, "e").upper()
            if n == 22:  # ACH: letters, digits, spaces
                upper = "".join(ch for ch in upper if ch.isalnum() or ch == " ")
            variant = upper[:n].rstrip()
            prefix = loose(variant)
            owners = [cid for key, cid in self.loose_names.items() if key.startswith(prefix)]
            return (kind, variant) if owners == [cust.id] and variant != upper else None
        key = loose_key(variant)  # customers' loose keys are unique (make_customers)
        return (kind, variant) if key and self.loose_keys.get(key) == cust.id and variant != name else None

    def s_name_forms(self) -> tuple[Payment, Label]:
        vd = self.value_date()
        for _ in range(200):
            cust, inv = self.unique_invoice(lambda c: True, vd, globally=True)
            form = self.name_form(cust)
            if form is not None:
                break
            self.consumed.discard(inv.id)  # not this one after all: free again
            self.reserved.discard(inv.open)
        else:
            raise RuntimeError("no customer name admits a name form")
        kind_v, variant = form
        kind = {"cut18": Kind.OTHER, "cut22": Kind.ACH if cust.currency == "USD" else Kind.OTHER,
                "cut35": Kind.WIRE}.get(kind_v) or self.kind_for(cust.currency)
        account = None if self.chance(0.5) else self.new_account(cust.currency)  # not on file
        lines = [self.rng.choice(("PAYMENT", "INVOICES MARCH", "AP RUN", "ZAHLUNG"))] if self.chance(0.5) else []
        lines = self.noise2(lines, inv.open, cust.currency, vd, dates=False)
        p = self.payment(inv.open, cust.currency, vd, kind, variant, account, lines)
        return p, self.apply_label("name_forms", [(inv, inv.open, 0, 0)], f"name:{kind_v}")

    # -- UK sort codes -------------------------------------------------------------------------------

    def s_sort_code_dashes(self) -> tuple[Payment, Label]:
        vd = self.value_date()
        cust, inv = self.unique_invoice(lambda c: any(a in self.uk_accounts for a in c.accounts), vd, globally=True)
        on_file = self.rng.choice([a for a in cust.accounts if a in self.uk_accounts])
        raw = self.show_account(on_file)
        assert raw is not None
        shape = "dashes" if raw[2] == "-" else "spaces" if raw[2] == " " else "compact"
        if len(self.uk_accounts[on_file][1]) == 7:
            shape += "_7digit"
        kind = Kind.OTHER if self.chance(0.7) else Kind.WIRE
        name = self.rng.choice((None, "FASTER PAYMENT", self.bank_name(cust.name, Kind.OTHER)))
        lines = self.noise2([] if self.chance(0.5) else [self.rng.choice(("BACS", "PAYMENT", "FP"))], inv.open, "GBP", vd, dates=False)
        p = self.payment(inv.open, "GBP", vd, kind, name, raw, lines)
        return p, self.apply_label("sort_code_dashes", [(inv, inv.open, 0, 0)], f"sortcode:{shape}")

    # -- accounts shared by several customers (not matchable) -------------------------------------------

    def s_shared_account(self) -> tuple[Payment, Label]:
        account, cids, payer = self.rng.choice(self.shared_groups)
        currency = self.by_id[cids[0]].currency
        pool = [self.invoices[i - 1] for cid in cids for i in self.by_id[cid].open_ids if i not in self.consumed]
        pool = [i for i in pool if self.amount_count[i.open] == 1 and not self.disc_count[i.open] and i.open not in self.reserved]
        if pool and self.chance(0.7):
            inv = self.rng.choice(pool)
            self.consumed.add(inv.id)
            pay, form = inv.open, "fits_one"
        else:
            while not self.amount_is_free(pay := self.draw_cents()):
                pass
            form = "fits_none"
        self.reserved.add(pay)
        vd = self.value_date()
        kind = self.kind_for(currency)
        lines = [self.rng.choice(("PAYMENT", "SAMMELZAHLUNG", "SETTLEMENT", "FACTORED RECEIVABLES"))] if self.chance(0.6) else []
        p = self.payment(pay, currency, vd, kind, payer if self.chance(0.7) else None, account, lines)
        return p, Label("shared_account", False, None, Action.REVIEW, None, f"shared:{form}:{len(cids)}")
