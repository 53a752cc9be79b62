"""Two labelled bank days around a reviewer and an invoice import (issue 12): does remit learn
the payers a person applied by hand, and does money left on account come back?

    build(seed, n_customers) -> TwoDays     (pure: the book, both days' payments, labels)

The book is the accuracy generator's (benchmarks/accuracy/book.py: customers, accounts,
filler invoices in four house styles). On top of it:

Day one (AS_OF)
  hand      a payer remit has never seen (an invented trade name, an account on file for
            nobody) pays one of a customer's invoices, with the number ("ref") or without
            ("noref"). A correct engine sends "noref" to review: the amount alone is no
            evidence. "ref" with the exact amount may be applied (the generator's third_party
            rule); whatever goes to review is applied by hand by the simulated reviewer. Some
            customers share a payer PERSON name in pairs (two people called the same).
  overpay   a known customer (account on file) pays an invoice by its number plus more:
            the invoice is applied, the rest stays on account. Day one's invoice is labelled.
  future    a known customer pays an invoice the AR system has not exported yet (its number,
            its exact amount): review on day one, nothing to apply.
Invoice import (the day after): new invoices, some for the customers above:
  rem_ref     the over-payment's remittance named this (then unknown) number, amount = rest
  rem_amount  remittance named only the paid invoice; a new invoice of the same customer for
              exactly the rest, unique in the whole book, no subset of the customer's open
              invoices makes the rest another way
  rem_other   the customer's new invoice has a different amount        -> leave the rest alone
  rem_decoy   ANOTHER customer's new invoice has exactly the rest        -> leave the rest alone
  future      the invoice a day-one payment named, for its exact amount  -> apply
Evidence we count as strong for re-matching on-account money: an exact reference to the new
invoice (rem_ref, future), or the payer's account on file for exactly one customer plus an
amount that only that new invoice explains (rem_amount; the same rule as the day's
"account_noref" scenario). A bare amount match on someone else's invoice, or a new invoice of
the right customer for another amount, is not: applying there is a guess.

Day two (AS_OF + 1), from the day-one "hand" payers, to other invoices of the same customer
(some already in the book, some from the import), unique amounts, with or without the number:
  same          same account, same name
  account_only  same account, name written differently (cut, extra words)
  name_only     same name, an account never seen before
  name_shared   a PERSON name that the reviewer taught remit for two customers, from a new
                account, no reference: NOT strong evidence -> must go to review
A correct engine that learned the payer applies every same / account_only / name_only
payment (the learned account or the learned exact name identifies one customer; the amount
fits exactly one invoice); name_shared must stay in review. Without the reviewer's hand
applications, the no-reference payments of all variants must go to review.

Money: integer cents only (core.money.from_minor for the Payment's Decimal).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from benchmarks.accuracy.book import Cust, Inv
from benchmarks.accuracy.keys import count_subsets, name_key, number_keys
from benchmarks.accuracy.labels import AS_OF, SETTINGS
from benchmarks.accuracy.payments import PaymentBuilder
from benchmarks.accuracy.words import PERSON_FIRST, PERSON_LAST
from core.records import Kind
from reconcile.model import Payment

DAY2 = AS_OF + timedelta(days=1)
NEW_TERMS = "Net 30"  # new invoices: no discount, so "the amount that fits" is one number
# Invented syllables and trades: no customer name (benchmarks/accuracy/words.py) contains them,
# so a day-one payer really is unknown and a learned name can only mean its one customer.
_SYLLABLES = ("ka", "lo", "mi", "ve", "zu", "tor", "bri", "xan", "quel", "dro", "fen", "gal", "hir",
              "jun", "pex", "rus", "sol", "tam", "vil", "wex", "yor", "zim", "nar", "bel", "cor")
_TRADES = ("Roofing", "Catering", "Florist", "Bakery", "Plumbing", "Landscaping", "Auto Repair",
           "Dental Practice", "Joinery", "Tiling", "Glazing", "Upholstery")
_NAME_TWISTS = ("cut", "suffix", "initial")

Alloc = tuple[str, int, int, int]  # (invoice number, applied, discount, write-off), cents


@dataclass(frozen=True, slots=True)
class Case:
    """One payment and what a correct engine does with it.

    must    "apply": auto-apply exactly `expected` (review is a miss);
            "review": no automatic application (any is wrong);
            "may":   auto-applying exactly `expected` is fine, review is fine, else wrong.
    after   the payment's live allocations a correct engine leaves after the invoice import
            (re-matched on-account money included); None: same as `expected`.
    """

    payment: Payment
    kind: str  # hand | overpay | future | day2
    variant: str
    customer_id: str
    expected: frozenset[Alloc]
    must: str
    payer: int | None = None  # index into TwoDays.payers (hand payers and their day two)
    after: frozenset[Alloc] | None = None
    strong: bool = False  # overpay/future: the import brings strong evidence for the rest


@dataclass(frozen=True, slots=True)
class Payer:
    customer_id: str
    name: str
    account: str
    shared: bool  # a person name the reviewer will teach for two customers


@dataclass
class TwoDays:
    seed: int
    customers: list[Cust]
    book: list[Inv]  # the initial import (open and recently closed)
    later: list[Inv]  # the next import's new invoices
    payers: list[Payer]
    day1: list[Case] = field(default_factory=list)
    day2: list[Case] = field(default_factory=list)

    def customer(self, cid: str) -> Cust:
        return next(c for c in self.customers if c.id == cid)


class _Builder(PaymentBuilder):
    def __init__(self, seed: int, n_customers: int) -> None:
        super().__init__(seed, n_customers, 4 * n_customers)  # the filler book as for a 4x day
        self.make_customers()
        self.make_filler()
        self.names: set[str] = set(self.key_owner)
        self.later_ids: set[int] = set()
        self.day1_paid: set[int] = set()  # paid on day one: closed by day two

    # -- helpers ---------------------------------------------------------------------------

    def invented(self) -> str:
        while True:
            word = "".join(self.rng.choice(_SYLLABLES) for _ in range(self.rng.randint(2, 3))).title()
            name = f"{word} {self.rng.choice(_TRADES)}"
            if name_key(name) not in self.names and name_key(word) not in self.names:
                self.names.update({name_key(name), name_key(word)})
                return name

    def twisted(self, name: str) -> str:
        """The same payer's name written differently by its bank or its clerk."""
        kind = self.rng.choice(_NAME_TWISTS)
        if kind == "cut":
            return name.upper()[:10].rstrip()
        if kind == "suffix":
            return f"{name.upper()} {self.rng.choice(('ACCOUNTS', 'AP DEPT', 'TREASURY'))}"
        first, *rest = name.split()
        return f"{first[0]}. {' '.join(rest)}".upper() if rest else name.upper()

    def open_invs(self, cust: Cust, exclude: set[int]) -> list[Inv]:
        return [self.invoices[i - 1] for i in cust.open_ids if i not in exclude]

    def fits(self, cust: Cust, cents: int, vd: date, exclude: set[int]) -> int:
        """Subsets of the customer's open invoices (less `exclude`) that sum to `cents`."""
        alts = [self.alternatives(i, vd) for i in self.open_invs(cust, exclude)]
        return count_subsets(alts, cents, SETTINGS.subset_max_invoices)

    def unique_invoice(self, cust: Cust, *, later: bool, lo: int | None = None) -> Inv:
        inv = self.new_invoice(cust, unique=True, po=False, lo=lo,
                               terms=NEW_TERMS if later else None, issue=AS_OF if later else None)
        self.consumed.add(inv.id)
        if later:
            self.later_ids.add(inv.id)
        return inv

    def pay(self, cents: int, cust: Cust, vd: date, name: str | None, account: str | None,
            lines: list[str]) -> Payment:
        kind = Kind.SEPA if cust.currency == "EUR" else Kind.WIRE
        return self.payment(cents, cust.currency, vd, kind, name, account, lines, e2e="NOTPROVIDED")

    def free_extra(self, cust: Cust, inv: Inv, vd: date) -> int:
        """An over-paid rest no invoice, discount or subset of the customer's explains today."""
        for _ in range(2000):
            extra = self.draw_cents(5_000, max(5_001, inv.open // 3))  # a rest smaller than the invoice
            if self.amount_is_free(extra) and self.amount_is_free(inv.open + extra) and \
                    self.fits(cust, extra, vd, {inv.id}) == 0 and self.fits(cust, inv.open + extra, vd, set()) == 0:
                self.reserved.add(extra)
                return extra
        raise RuntimeError("no free over-payment amount")

    # -- the two days ----------------------------------------------------------------------

    def build(self) -> TwoDays:
        small = [c for c in self.customers if len(c.open_ids) <= 16]
        self.rng.shuffle(small)
        n_hand = max(6, len(self.customers) // 4)
        n_over = max(6, len(self.customers) // 8)
        hand_custs = small[:n_hand]
        over_custs = [c for c in small[n_hand:] if c.accounts][:n_over]
        payers = self.make_payers(hand_custs)
        day1: list[Case] = []
        day2_targets: list[tuple[int, Inv]] = []
        for n, payer in enumerate(payers):
            cust = next(c for c in hand_custs if c.id == payer.customer_id)
            inv = self.unique_invoice(cust, later=False)
            self.day1_paid.add(inv.id)
            # A shared name must reach the reviewer for both customers (else remit was taught it once).
            variant = "noref" if payer.shared else self.rng.choice(("noref", "noref", "ref", "typo"))
            typo = self.typo_of(inv.number) if variant == "typo" else None
            if variant == "typo" and typo is None:
                variant = "ref"
            lines = {"noref": self.rng.choice(([], ["PAYMENT"], ["MARCH"])), "ref": [f"Inv {inv.number}"],
                     "typo": [f"Inv {typo}"]}[variant]
            p = self.pay(inv.open, cust, AS_OF, payer.name, payer.account, lines)
            day1.append(Case(p, "hand", variant, cust.id, frozenset({(inv.number, inv.open, 0, 0)}),
                             "review" if variant == "noref" else "may", payer=n))
            for _ in range(self.rng.choice((1, 2, 2))):
                day2_targets.append((n, self.unique_invoice(cust, later=False)))
        overs = self.overpayments(over_custs)
        # Day two's invoices: half already in the book, half from the import.
        targets = [(n, inv if self.chance(0.5) else self.unique_invoice(self.by_id(inv.customer_id), later=True))
                   for n, inv in day2_targets]
        day1 += self.import_rests(overs)
        day2 = self.day_two(payers, targets)
        book = [i for i in self.invoices if i.id not in self.later_ids]
        later = [i for i in self.invoices if i.id in self.later_ids]
        return TwoDays(self.seed, self.customers, book, later, payers, day1, day2)

    def typo_of(self, number: str) -> str | None:
        """A one-edit misspelling of `number` that spells no other document (else None)."""
        made = self.typo(number)
        if made is None or number_keys(made[1], fragments=True) & self.taken_keys:
            return None
        self.taken_keys |= number_keys(made[1])
        return made[1]

    def by_id(self, cid: str) -> Cust:
        return next(c for c in self.customers if c.id == cid)

    def make_payers(self, custs: list[Cust]) -> list[Payer]:
        payers = []
        persons = [f"{f} {s}" for f in PERSON_FIRST for s in PERSON_LAST]
        self.rng.shuffle(persons)
        n_shared = max(2, len(custs) // 8) // 2 * 2  # an even number: they come in pairs
        # The pairs share a currency: a name both customers pay under must be ambiguous for
        # every payment it sends, not told apart by which currency a customer bills in.
        eur, usd = [c for c in custs if c.currency == "EUR"], [c for c in custs if c.currency == "USD"]
        pairs = [pair for group in (eur, usd) for pair in zip(group[0::2], group[1::2])][: n_shared // 2]
        paired = {c.id: persons[k] for k, pair in enumerate(pairs) for c in pair}
        for cust in [c for pair in pairs for c in pair] + [c for c in custs if c.id not in paired]:
            name = paired.get(cust.id) or self.invented()
            payers.append(Payer(cust.id, name, self.new_account(cust.currency), cust.id in paired))
        return payers

    def overpayments(self, custs: list[Cust]) -> list[tuple[Case, Cust, Inv | None, int, str]]:
        """Known customers paying more than an invoice (or an invoice not exported yet):
        (day-one case, customer, invoice paid, the rest in cents, the number quoted for later)."""
        out: list[tuple[Case, Cust, Inv | None, int, str]] = []
        kinds = ("rem_ref", "rem_amount", "rem_other", "rem_decoy", "future")
        for i, cust in enumerate(custs):
            kind = kinds[i % len(kinds)]
            name, account = self.known_payer(cust, Kind.SEPA if cust.currency == "EUR" else Kind.WIRE)
            future = self.new_number(cust.style, AS_OF) if kind in ("rem_ref", "future") else ""
            if kind == "future":
                cents = self.draw_cents()
                while not self.amount_is_free(cents) or self.fits(cust, cents, AS_OF, set()):
                    cents = self.draw_cents()
                self.reserved.add(cents)
                p = self.pay(cents, cust, AS_OF, name, account, [f"INVOICE {future}"])
                out.append((Case(p, "overpay", kind, cust.id, frozenset(), "review"), cust, None, cents, future))
                continue
            inv = self.unique_invoice(cust, later=False, lo=60_000)
            self.day1_paid.add(inv.id)
            extra = self.free_extra(cust, inv, AS_OF)
            lines = [f"{inv.number} + {future}"] if future else [f"INVOICE {inv.number}"]
            p = self.pay(inv.open + extra, cust, AS_OF, name, account, lines)
            paid = frozenset({(inv.number, inv.open, 0, 0)})
            out.append((Case(p, "overpay", kind, cust.id, paid, "may"), cust, inv, extra, future))
        return out

    def import_rests(self, overs: list[tuple[Case, Cust, Inv | None, int, str]]) -> list[Case]:
        """The import's invoices for the rests; each case with `after`, `strong` and `must`."""
        taken = {o[1].id for o in overs}
        others = [c for c in self.customers if c.id not in taken]
        out = []
        for k, (case, cust, inv, extra, future) in enumerate(overs):
            kind = case.variant
            self.reserved.discard(extra)  # reserved against everything but the invoice meant to take it
            if kind == "rem_decoy":
                owner = others[(k * 7) % len(others)]
            elif kind == "rem_other":
                owner, extra = cust, 0
            else:
                owner = cust
            made = self.new_invoice(owner, cents=extra or None, unique=not extra, po=False, terms=NEW_TERMS,
                                    issue=AS_OF)
            if future:
                made.number = future  # the number the day-one remittance quoted (reserved then)
            self.consumed.add(made.id)
            self.later_ids.add(made.id)
            strong = kind in ("rem_ref", "future") or (
                kind == "rem_amount" and inv is not None and self.fits(cust, extra, DAY2, {inv.id}) == 1)
            after = case.expected | {(made.number, extra, 0, 0)} if strong else case.expected
            out.append(replace(case, after=after, strong=strong, must="apply" if strong else "leave")
                       if kind != "future" else replace(case, after=after, strong=True))
        return out

    def day_two(self, payers: list[Payer], targets: list[tuple[int, Inv]]) -> list[Case]:
        out = []
        variants: dict[int, str] = {}
        kinds = ("same", "account_only", "name_only")  # in turn: every size has each variant
        for n, payer in enumerate(payers):
            # The shared name's own test is name_shared below; its other payments come as "same".
            variants[n] = "same" if payer.shared else kinds[n % 3]
        for n, inv in targets:
            payer, cust = payers[n], self.by_id(payers[n].customer_id)
            variant = variants[n]
            ref = self.chance(0.5)
            name, account = payer.name, payer.account
            if variant == "account_only":
                name = self.twisted(name)
            elif variant == "name_only":
                account = self.new_account(cust.currency)
            lines = [self.rng.choice((f"Inv {inv.number}", f"INVOICE NO. {inv.number}"))] if ref else []
            p = self.pay(inv.open, cust, DAY2, name, account, lines)
            # Without a reference the amount must fit this invoice only (else: review is right).
            must = "apply" if ref or self.fits(cust, inv.open, DAY2, self.day1_paid) == 1 else "may"
            out.append(Case(p, "day2", f"{variant}:{'ref' if ref else 'noref'}", cust.id,
                            frozenset({(inv.number, inv.open, 0, 0)}), must, payer=n))
        # Each shared person name once more, from an account never seen, without a reference.
        done: set[str] = set()
        for n, payer in enumerate(payers):
            if not payer.shared or payer.name in done:
                continue
            done.add(payer.name)
            cust = self.by_id(payer.customer_id)
            inv = self.unique_invoice(cust, later=False)
            p = self.pay(inv.open, cust, DAY2, payer.name, self.new_account(cust.currency), [])
            out.append(Case(p, "day2", "name_shared:noref", cust.id, frozenset({(inv.number, inv.open, 0, 0)}),
                            "review", payer=n))
        return out


def build(seed: int, n_customers: int) -> TwoDays:
    """The two labelled days for this seed (same arguments, same days)."""
    return _Builder(seed, n_customers).build()
