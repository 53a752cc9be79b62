"""The book while the day is generated: customers (names, accounts) and invoices (numbers,
amounts, terms), with the indexes and reservations that keep every label true."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from stdnum import iban as _iban
from stdnum.iso7064 import mod_97_10

from benchmarks.accuracy.keys import count_subsets, name_key, number_keys
from benchmarks.accuracy.labels import AS_OF, SETTINGS, Dataset, Label
from benchmarks.accuracy.words import (
    LEGAL_EUR,
    LEGAL_USD,
    SECOND,
    STEMS,
    STYLES,
    TERMS,
    TERMS_PARSED,
    THIRD,
    THIRD_SUFFIX,
)
from core.accounts import normalize_account
from core.money import from_minor
from core.terms import Terms
from reconcile.model import Customer, OpenInvoice, Payment


@dataclass(slots=True)
class Cust:
    id: str
    name: str
    currency: str
    style: str  # invoice-number house style of the business unit serving this customer
    weight: int  # how much business it does (payments and filler invoices follow it)
    accounts: list[str] = field(default_factory=list)
    open_ids: list[int] = field(default_factory=list)


@dataclass(slots=True)
class Inv:
    id: int
    number: str
    customer_id: str
    currency: str
    amount: int  # cents
    open: int  # cents; 0 for a closed invoice
    issue: date
    terms: str
    po: str | None
    closed: bool = False

    @property
    def terms_obj(self) -> Terms:
        return TERMS_PARSED[self.terms]

    def discount(self) -> int:
        """The early-pay discount in cents (on the issued amount), 0 without discount terms."""
        d = self.terms_obj.discount_amount(from_minor(self.amount, self.currency), self.currency)
        return int(d.scaleb(2))

    def deadline(self) -> date | None:
        return self.terms_obj.discount_deadline(self.issue)


class BookBuilder:
    """Customers and invoices, and what the scenarios ask of them."""

    def __init__(self, seed: int, n_customers: int, n_payments: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.n_customers = max(n_customers, 8)
        self.n_payments = n_payments
        self.customers: list[Cust] = []
        self.invoices: list[Inv] = []
        self.taken_keys: set[str] = set()  # number_keys of every invoice and PO number (and typo)
        self.key_to_inv: dict[str, int] = {}  # number_keys of invoices -> invoice id
        self.taken_accounts: set[str] = set()
        self.amount_count: Counter[int] = Counter()  # open amounts of open invoices (cents)
        self.disc_count: Counter[int] = Counter()  # open - discount, for invoices with discount terms
        self.reserved: set[int] = set()  # amounts no invoice created later may have
        self.consumed: set[int] = set()  # invoice ids some payment (or decoy) already uses
        self.frozen: set[str] = set()  # customers whose open-invoice set must not change any more
        self.seq = 10001
        self.year_seq: dict[tuple[str, int], int] = defaultdict(int)
        self.bank_seq = 0
        self.cum_weights: list[int] = []
        self.key_owner: dict[str, str] = {}  # name_key -> customer id
        self.decoy_pool: list[Inv] | None = None

    # -- randomness helpers ------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def weighted(self, options: tuple[tuple[str, int], ...]) -> str:
        return self.rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]

    # -- customers ---------------------------------------------------------------------------

    def make_customers(self) -> None:
        keys: set[str] = set()
        prefixes: set[str] = set()
        stems = list(STEMS)
        while len(self.customers) < self.n_customers:
            currency = "EUR" if self.chance(0.55) else "USD"
            legal = self.rng.choice(LEGAL_EUR if currency == "EUR" else LEGAL_USD)
            stem = self.rng.choice(stems)
            shape = self.rng.random()
            if shape < 0.10:
                name = f"{stem} {legal}"
            elif shape < 0.82:
                name = f"{stem} {self.rng.choice(SECOND)} {legal}"
            elif shape < 0.92:
                name = f"{stem} {self.rng.choice(SECOND)} {self.rng.choice(THIRD)} {legal}"
            else:
                name = f"{stem} {self.rng.choice(SECOND)} {self.rng.choice(THIRD)} {self.rng.choice(THIRD_SUFFIX)} {legal}"
            key = name_key(name)
            if not key or key in keys or name[:35].upper() in prefixes:
                if len(keys) > len(STEMS) * len(SECOND) // 2:  # pool nearly used up: widen it
                    stems.append(f"{self.rng.choice(STEMS)} {self.rng.choice(STEMS)}")
                continue
            keys.add(key)
            prefixes.add(name[:35].upper())
            size = self.rng.random()
            # 70% small, 25% medium, 5% large customers (Pareto-ish business volume).
            low, high = (1, 3) if size < 0.70 else (4, 10) if size < 0.95 else (15, 40)
            weight = self.rng.randint(low, high)
            cust = Cust(
                id=f"C{len(self.customers) + 1:05d}", name=name, currency=currency,
                style=self.rng.choice(STYLES), weight=weight,
            )
            if self.chance(0.65):
                cust.accounts.append(self.new_account(currency))
                if self.chance(0.15):
                    cust.accounts.append(self.new_account(currency))
                if currency == "USD" and self.chance(0.5):
                    cust.accounts.append(self.new_account(currency, ach_company=True))
            self.customers.append(cust)
        self.key_owner = {name_key(c.name): c.id for c in self.customers}
        total = 0
        for cust in self.customers:
            total += cust.weight
            self.cum_weights.append(total)

    def new_account(self, currency: str, *, ach_company: bool = False) -> str:
        """A valid, normalized account no customer has yet (IBAN for EUR, ABA or ACH-CO for USD)."""
        while True:
            if ach_company:
                raw = f"ACH-CO:{self.rng.choice('1239')}{self.rng.randrange(10**9):09d}"
            elif currency == "EUR":
                country = self.rng.choice(("DE", "NL", "AT"))
                if country == "DE":
                    bban = f"{self.rng.randrange(10**8):08d}{self.rng.randrange(10**10):010d}"
                elif country == "NL":
                    bban = self.rng.choice(("ABNA", "INGB", "RABO", "TRIO")) + f"{self.rng.randrange(10**10):010d}"
                else:
                    bban = f"{self.rng.randrange(10**5):05d}{self.rng.randrange(10**11):011d}"
                raw = f"{country}{mod_97_10.calc_check_digits(bban + country)}{bban}"
                if not _iban.is_valid(raw):
                    continue
            else:
                head = f"{self.rng.choice([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 21, 22, 26, 31]):02d}"
                body = head + f"{self.rng.randrange(10**6):06d}"
                d = [int(c) for c in body]
                check = (10 - (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5])) % 10) % 10
                raw = f"{body}{check}:{self.rng.randrange(10**5, 10**11)}"
            account = normalize_account(raw)
            assert account is not None
            if account not in self.taken_accounts:
                self.taken_accounts.add(account)
                return account

    def pick_customer(self, pred: Callable[[Cust], bool] | None = None, *, allow_frozen: bool = False) -> Cust:
        """A customer drawn by business volume (so big customers pay more often), satisfying `pred`."""
        for _ in range(2000):
            cust = self.rng.choices(self.customers, cum_weights=self.cum_weights)[0]
            if (allow_frozen or cust.id not in self.frozen) and (pred is None or pred(cust)):
                return cust
        pool = [c for c in self.customers if (allow_frozen or c.id not in self.frozen) and (pred is None or pred(c))]
        if not pool:
            raise RuntimeError("no customer satisfies the scenario's constraints; use more customers")
        return self.rng.choice(pool)

    # -- invoices ----------------------------------------------------------------------------

    def new_number(self, style: str, issue: date) -> str:
        while True:
            if style in ("inv", "plain"):
                self.seq += self.rng.randint(1, 4)  # gaps: credit notes, other ledgers
                number = f"INV-{self.seq}" if style == "inv" else str(self.seq)
            else:
                counter = (style, issue.year)
                self.year_seq[counter] += self.rng.randint(1, 3)
                k = self.year_seq[counter]
                number = f"{issue.year}-{k:04d}" if style == "year" else f"F{issue.year}/{k}"
            keys = number_keys(number)
            if not keys & self.taken_keys:
                self.taken_keys |= keys
                return number

    def new_po(self) -> str:
        while True:
            po = f"45{self.rng.randrange(10**8):08d}" if self.chance(0.6) else f"PO-{self.rng.randrange(700000, 800000)}"
            keys = number_keys(po)
            if not keys & self.taken_keys:
                self.taken_keys |= keys
                return po

    def draw_cents(self, lo: int | None = None, hi: int | None = None) -> int:
        """A realistic invoice amount in cents (integers only: never a float for money)."""
        bucket = self.rng.choices(
            [(5_000, 50_000), (50_000, 300_000), (300_000, 1_500_000), (1_500_000, 5_000_000)],
            weights=[20, 45, 28, 7],
        )[0]
        low, high = max(bucket[0], lo or 0), min(bucket[1], hi or 10**12)
        if low >= high:  # the bucket lies outside [lo, hi): draw from the bounds instead
            low = lo if lo is not None else bucket[0]
            high = hi if hi is not None else max(low * 4, bucket[1])
        cents = self.rng.randrange(low, high)
        if self.chance(0.08):  # round amounts: fixed fees, retainers
            cents = max(low, cents - cents % 5_000)
        return cents

    def amount_is_free(self, cents: int) -> bool:
        """No open invoice has this open amount or this amount after a discount."""
        return self.amount_count[cents] == 0 and self.disc_count[cents] == 0 and cents not in self.reserved

    def new_invoice(
        self,
        cust: Cust,
        *,
        cents: int | None = None,
        issue: date | None = None,
        terms: str | None = None,
        po: bool | None = None,
        partly_paid: bool = False,
        closed: bool = False,
        unique: bool = False,
        lo: int | None = None,
        hi: int | None = None,
    ) -> Inv:
        """Create an invoice (open unless `closed`), keeping every index and reservation true."""
        if cust.id in self.frozen and not closed:
            raise RuntimeError(f"customer {cust.id} is frozen")
        terms = terms or self.weighted(TERMS)
        issue = issue or AS_OF - timedelta(days=self.rng.randint(1, 62))
        while True:
            amount = cents if cents is not None else self.draw_cents(lo, hi)
            open_cents = amount
            if partly_paid and not closed:
                open_cents = amount - self.rng.randint(amount // 5, amount // 2)
            inv = Inv(0, "", cust.id, cust.currency, amount, 0 if closed else open_cents, issue, terms, None, closed)
            disc = inv.discount()
            clash = (open_cents in self.reserved) or (disc and amount - disc in self.reserved)
            if unique and not closed:
                clash = clash or not self.amount_is_free(open_cents)
            if closed:
                clash = amount in self.reserved or self.amount_count[amount] > 0
            if not clash:
                break
            if cents is not None:
                raise RuntimeError(f"amount {cents} is taken")
        inv.id = len(self.invoices) + 1
        inv.number = self.new_number(cust.style, issue)
        for key in number_keys(inv.number):
            self.key_to_inv[key] = inv.id
        if po or (po is None and self.chance(0.55)):
            inv.po = self.new_po()
        self.invoices.append(inv)
        if not closed:
            cust.open_ids.append(inv.id)
            self.amount_count[inv.open] += 1
            if disc and inv.open == inv.amount:
                self.disc_count[inv.amount - disc] += 1
        return inv

    def make_filler(self) -> None:
        """The rest of the book: open invoices nobody pays today, and recently closed ones."""
        total_weight = sum(c.weight for c in self.customers)
        budget = int(1.5 * self.n_payments) + 2 * len(self.customers)
        for cust in self.customers:
            n = 1 + round(cust.weight * budget / total_weight * self.rng.uniform(0.6, 1.4))
            # A few customers reuse a blanket PO across invoices.
            blanket = self.new_po() if self.chance(0.05) else None
            recurring = self.draw_cents() if self.chance(0.1) else None  # same monthly fee
            for _ in range(n):
                inv = self.new_invoice(
                    cust, cents=recurring if recurring and self.chance(0.5) else None,
                    partly_paid=self.chance(0.05), po=False if blanket else None,
                )
                if blanket:
                    inv.po = blanket
            for _ in range(self.rng.randint(0, 1 + n // 4)):
                self.new_invoice(cust, closed=True, issue=AS_OF - timedelta(days=self.rng.randint(20, 75)))

    def existing_or_new(self, cust: Cust, share: float = 0.3) -> Inv:
        """Sometimes an invoice already in the book (recurring amounts, partly paid ones),
        else a new one: either way not paid by any other payment of the day."""
        if self.chance(share):
            free = [i for i in cust.open_ids if i not in self.consumed]
            if free:
                return self.invoices[self.rng.choice(free) - 1]
        return self.new_invoice(cust, partly_paid=self.chance(0.06))

    def open_of(self, cust: Cust) -> list[Inv]:
        return [self.invoices[i - 1] for i in cust.open_ids]

    @staticmethod
    def alternatives(inv: Inv, vd: date) -> tuple[int, ...]:
        """What a payment might settle this invoice with on `vd`: its open amount, and that
        less the discount when the discount is still earned (window + grace days)."""
        deadline = inv.deadline()
        if deadline is None or inv.open != inv.amount or vd > deadline + timedelta(days=SETTINGS.discount_grace_days):
            return (inv.open,)
        return (inv.open, inv.open - inv.discount())

    def subset_count(self, cust: Cust, cents: int, vd: date) -> int:
        """Ways a subset of the customer's open invoices (discounts included) sums to `cents`."""
        return count_subsets([self.alternatives(i, vd) for i in self.open_of(cust)], cents, SETTINGS.subset_max_invoices)

    # -- the day, once the book is stocked ------------------------------------------------

    def play(self, phases: Sequence[Sequence[str]], counts: Mapping[str, int]) -> list[tuple[Payment, Label]]:
        """Every scenario's payments (method `s_<name>`), phase after phase, each phase's in a
        shuffled order (a later phase reads the book the earlier ones left)."""
        made: list[tuple[Payment, Label]] = []
        for phase in phases:
            plan = [name for name in phase for _ in range(counts[name])]
            self.rng.shuffle(plan)
            for name in plan:
                made.append(getattr(self, f"s_{name}")())
        return made

    def dataset(self, made: list[tuple[Payment, Label]], customers: tuple[Customer, ...]) -> Dataset:
        """The day: the payments shuffled and numbered 1..n, their labels, and the book's
        invoices as the matcher takes them."""
        self.rng.shuffle(made)
        payments = tuple(replace(p, id=i + 1) for i, (p, _) in enumerate(made))
        labels = tuple(label for _, label in made)
        invoices = tuple(
            OpenInvoice(
                id=inv.id, number=inv.number, customer_id=inv.customer_id, currency=inv.currency,
                amount=from_minor(inv.amount, inv.currency), open_amount=from_minor(inv.open, inv.currency),
                issue_date=inv.issue, due_date=inv.terms_obj.net_due(inv.issue), terms=inv.terms_obj,
                po_number=inv.po,
            )
            for inv in self.invoices
        )
        return Dataset(self.seed, AS_OF, customers, invoices, payments, labels)
