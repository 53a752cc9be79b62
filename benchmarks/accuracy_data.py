"""A labelled synthetic cash-application day (DESIGN.md §7 "accuracy"), deterministic per seed.

    generate(seed, n_customers, n_payments) -> Dataset

The dataset is what `reconcile.engine.match(payments, customers, invoices)` takes — customers
with realistic company names (legal forms, deliberately similar names such as "Acme Corp" /
"Acme Industries Inc" / "Acme Industrial LLC"), IBAN / ABA / ACH company-id accounts for many
of them, open invoices in four house styles ("INV-10421", "10421", "2026-0042",
"F2026/123"), PO numbers, terms (net 30, 2/10 net 30, 1%15 net 45, EOM), issue dates over
two months, some partly paid, plus recently *closed* invoices (open_amount 0, as
`reconcile.loader.load_book` passes them) — and one `Label` per payment saying what a
correct engine does with it.

Label semantics (what bench_accuracy scores against):
  matchable=True   a correct engine may auto-apply, and then the allocations must equal
                   `expected` exactly: {(invoice_number, applied, discount, write_off)}.
                   Sending it to review is a miss (not an error).
  matchable=False  a correct engine must NOT auto-apply it (unknown payers, decoys,
                   duplicates of paid invoices, debits). `expect_action` / `expect_reason`
                   say what it should do instead (REVIEW + DUPLICATE_PAYMENT, IGNORE, ...).

Judgement calls a reader (or the engine's author) may want to know about:
  * partial payment with a reference, and an early-pay discount taken after the window
    (+ grace days): the right auto-application is the cash as a partial payment with NO
    discount and NO write-off (the rest stays open for collection); applying a discount is
    wrong; review is a miss. The expired-discount shortfall is always outside the fee
    tolerance, so "write it off as bank charges" is wrong too.
  * over-payment: the invoice's open amount applied, the rest unapplied (allocations only
    are compared; the unapplied rest follows by arithmetic).
  * bank fees: 10.00-20.00 short and at most 1 % of the invoice (inside the default
    MatchSettings tolerance), on invoices with no discount available on the value date.
  * "unique amount" scenarios (name variants, account without reference, decoy amounts)
    really are unique: no other open invoice in the book has that open amount or that
    amount after a discount, and no invoice created later takes it.
  * multi-invoice without references: exactly ONE subset (of at most 8) of the customer's
    open invoices, counting earned discounts as alternatives, sums to the payment, and the
    customer has at most 24 open invoices (under MatchSettings.subset_max_candidates).
  * over-payment: no subset of the customer's open invoices (discounts included) sums to
    the payment — else "the referenced invoice + others" would fit exactly, which even a
    person could not tell from an over-payment. (Partial, expired-discount and fee payments
    are below the referenced invoice's open amount, so any subset that fits contradicts the
    explicit reference: those labels stay unambiguous without this check.)
  * whole invoice numbers never collide with each other or with PO numbers under prefix,
    separator and leading-zero stripping. Their numeric parts may: "2026-29762" and
    "INV-29762" both exist once the year-style counter passes 10,000 (two business units'
    sequences) — the full token must win over its fragment. Typos, dates and amounts in
    remittance text may spell *unrelated* invoices (never one of the payer's, never one
    another payment of the day pays) — realistic noise a good engine must survive
    (customer and amount then disagree).

Money is Decimal made from integer cents (core.money.from_minor); the only floats are the
scenario shares used to size the mix.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import Decimal

from stdnum import iban as _iban
from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

from core.accounts import normalize_account
from core.money import from_minor
from core.records import Direction, InvoiceRef, Kind
from core.terms import Terms, parse_terms
from reconcile.model import Action, Customer, MatchSettings, OpenInvoice, Payment, ReviewReason

GENERATOR_VERSION = 1
AS_OF = date(2026, 3, 16)  # the bank day the payments arrive (a Monday)
SETTINGS = MatchSettings()  # labels follow the default tolerances / grace days

Expected = frozenset[tuple[str, Decimal, Decimal, Decimal]]


# --- public types ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    share: float  # of the day's payments (sizing only, never money)
    matchable: bool
    description: str


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("exact_ref", 0.35, True, "invoice number exactly as issued, customer known, full open amount"),
    Scenario("ref_freetext", 0.12, True, "reference in free text / RF creditor ref / structured ref with amount"),
    Scenario("ref_typo", 0.05, True, "reference with one typo (substitution, transposition, dropped digit); customer and amount agree"),
    Scenario("name_variant", 0.05, True, "no reference, payer name a variant of the customer's, globally unique amount"),
    Scenario("account_noref", 0.05, True, "no reference, payer account on file, unique amount"),
    Scenario("multi_ref", 0.05, True, "one payment for 2-4 invoices, all referenced"),
    Scenario("multi_noref", 0.03, True, "one payment for 2-4 invoices, no reference, exactly one subset fits"),
    Scenario("discount_in_window", 0.05, True, "early-pay discount taken inside the window"),
    Scenario("discount_expired", 0.02, True, "discount taken after window + grace: apply as partial, no discount"),
    Scenario("bank_fee", 0.03, True, "10.00-20.00 short (bank charges), within tolerance: write-off"),
    Scenario("partial", 0.02, True, "partial payment with reference"),
    Scenario("overpay", 0.02, True, "over-payment with reference: open amount applied, rest on account"),
    Scenario("third_party", 0.03, True, "unknown payer (PSP, factor, parent), valid reference, exact amount"),
    Scenario("po_ref", 0.03, True, "PO number instead of invoice number, customer known"),
    Scenario("unknown_noevidence", 0.02, False, "unknown payer, no reference, amount matches nothing"),
    Scenario("decoy_amount", 0.02, False, "unknown payer, no reference, amount equals an unrelated customer's invoice"),
    Scenario("decoy_ref", 0.02, False, "known customer A, number of customer B's invoice, amount fits nothing"),
    Scenario("duplicate", 0.02, False, "pays an invoice that is already paid (closed)"),
    Scenario("debit", 0.02, False, "a debit: fees, supplier payment, refund naming an invoice"),
)
SCENARIO_NAMES: tuple[str, ...] = tuple(s.name for s in SCENARIOS)
MATCHABLE: dict[str, bool] = {s.name: s.matchable for s in SCENARIOS}
UNKNOWN_AND_DECOYS: tuple[str, ...] = ("unknown_noevidence", "decoy_amount", "decoy_ref")


@dataclass(frozen=True, slots=True)
class Label:
    scenario: str
    matchable: bool
    expected: Expected | None  # None when not matchable
    expect_action: Action | None = None  # for not-matchable payments: REVIEW or IGNORE
    expect_reason: ReviewReason | None = None  # e.g. DUPLICATE_PAYMENT
    variant: str = ""  # the sub-shape, e.g. "rf", "typo:transposition", "name:abbrev"


@dataclass(frozen=True, slots=True)
class Dataset:
    seed: int
    as_of: date
    customers: tuple[Customer, ...]
    invoices: tuple[OpenInvoice, ...]  # open ones AND recently closed ones (open_amount 0)
    payments: tuple[Payment, ...]  # ids 1..n in this order
    labels: tuple[Label, ...]  # labels[i] is about payments[i]

    def label_of(self, payment_id: int) -> Label:
        return self.labels[payment_id - 1]


# --- name and number helpers (also used by the tests) ---------------------------------------

_LEGAL_TOKENS = frozenset(
    "inc incorporated llc corp corporation co company ltd limited lp plc gmbh ag sa bv nv sarl spa "
    "se kg oy ab sas srl and".split()
)


def name_key(name: str) -> str:
    """A customer name with case, accents, punctuation, legal forms and word order removed —
    what DESIGN.md §5.1 compares. Customers are generated with unique keys, so a name
    variant can only ever mean one customer."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    words = re.sub(r"[^a-z0-9]+", " ", ascii_name.lower().replace("&", " and ")).split()
    return " ".join(sorted({w for w in words if len(w) > 1 and w not in _LEGAL_TOKENS}))


def number_keys(number: str, *, fragments: bool = False) -> set[str]:
    """Every form an engine might normalise an invoice / PO number to. Two documents whose
    key sets intersect could be confused, so the generator never issues such a pair.

    `fragments` adds each long numeric group on its own ("2026-29762" -> "29762"), the way
    an engine that splits on separators reads it; used for typos, which must not spell a
    payment's target even through such a fragment."""
    up = number.upper()
    alnum = re.sub(r"[^A-Z0-9]", "", up)
    digits = re.sub(r"\D", "", up)
    groups = [g.lstrip("0") or "0" for g in re.findall(r"\d+", up)]
    no_prefix = re.sub(r"^[A-Z]+", "", alnum)
    keys = {alnum, digits.lstrip("0"), "".join(groups), no_prefix.lstrip("0"), no_prefix}
    if fragments:
        keys |= {g for g in groups if len(g) >= 4}
    return {k for k in keys if k}


def rf_reference(payload: str) -> str:
    """An ISO 11649 creditor reference (RFcc + payload) with valid check digits."""
    payload = re.sub(r"[^A-Z0-9]", "", payload.upper())
    return f"RF{mod_97_10.calc_check_digits(payload + 'RF')}{payload}"


def letters_id(prefix: str, number: int) -> str:
    """`prefix` then `number` in letters (A = 0, at least five): a unique id without digit
    runs, so no engine reads it as an invoice number (end-to-end ids of generated payments)."""
    letters, n = "", number
    while True:
        n, r = divmod(n, 26)
        letters = chr(65 + r) + letters
        if n == 0:
            return f"{prefix}{letters:A>5}"


def count_subsets(amounts: list[int] | list[tuple[int, ...]], target: int, max_size: int) -> int:
    """How many ways a subset of the invoices (1..max_size of them) sums to `target` (cents).

    An item is an amount, or a tuple of alternative amounts (open amount, and open amount
    less an earned discount) of which at most one counts. Meet in the middle: each half's
    subset sums are enumerated (≤ 3^12 states for ≤ 24 invoices), then paired — exact, and
    fast enough to check every payment that relies on it."""
    items = [a if isinstance(a, tuple) else (a,) for a in amounts]
    half = len(items) // 2
    left, right = items[:half], items[half:]

    def sums(part: list[tuple[int, ...]]) -> dict[tuple[int, int], int]:
        out: dict[tuple[int, int], int] = {(0, 0): 1}
        for options in part:
            for (total, size), n in list(out.items()):
                if size < max_size:
                    for value in options:
                        if total + value <= target:
                            key = (total + value, size + 1)
                            out[key] = out.get(key, 0) + n
        return out

    left_sums, right_sums = sums(left), sums(right)
    by_total: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (total, size), n in right_sums.items():
        by_total[total].append((size, n))
    count = 0
    for (total, size), n in left_sums.items():
        for other_size, m in by_total.get(target - total, ()):
            if 1 <= size + other_size <= max_size:
                count += n * m
    return count


# --- word pools -----------------------------------------------------------------------------

_STEMS = (
    "Acme Apex Summit Northwind Globex Initech Pioneer Atlas Beacon Cascade Evergreen Frontier "
    "Granite Harbor Horizon Keystone Liberty Meridian Nova Orion Pinnacle Quantum Redwood Sierra "
    "Sterling Titan Vanguard Vertex Zenith Alpine Bluewater Cedar Delta Eagle Falcon Highland "
    "Ironwood Juniper Lakeside Maple Oakridge Pacific Riverside Silverline Tristate Westfield "
    "Brightstar Crescent Dynamo Empire Fairview Greenfield Hudson Imperial Lexington Metro "
    "Northstar Olympus Paramount Skyline Trinity Victory Wolfram Yorkshire Zephyr Müller "
    "Schneider Fischer Weber Becker Hoffmann Bauer Brandt Vogel Jansen Bakker Dupont Lefèvre "
    "Moreau Rossi Bianchi García Nordic Baltic Alpen Rhein Elbe Danube Carolina Dakota Sonoma "
    "Tahoe Shasta Cobalt Copperfield Goldcrest Bayview Stonebridge"
).split() + ["Van Dijk", "De Vries", "Golden Gate", "Blue Ridge", "Great Lakes", "New England"]
_SECOND = (
    "Industries Industrial Manufacturing Logistics Foods Systems Technologies Technology "
    "International Holdings Supply Trading Services Engineering Chemicals Plastics Electronics "
    "Pharma Textiles Metals Construction Distribution Packaging Automotive Medical Energy Software "
    "Consulting Transport Furniture Paper Brothers Group Partners Labs Solutions Components "
    "Instruments Tools Materials Marine Products"
).split()
_THIRD = ("International", "Manufacturing", "Company", "Products", "Worldwide", "Distribution")
_THIRD_SUFFIX = ("of America", "North America", "Europe")
_LEGAL_USD = ("Inc", "Inc.", "LLC", "Corp", "Corp.", "Corporation", "Co.", "Ltd", "L.P.")
_LEGAL_EUR = ("GmbH", "AG", "SA", "S.A.", "BV", "B.V.", "NV", "SARL", "S.p.A.", "SE", "GmbH & Co. KG", "Ltd", "Oy", "AB")
_ABBREVIATIONS = {
    "Manufacturing": "MFG", "International": "INTL", "Corporation": "CORP", "Industries": "IND",
    "Industrial": "INDL", "Company": "CO", "Technologies": "TECH", "Technology": "TECH",
    "Services": "SVCS", "Brothers": "BROS", "Distribution": "DISTR", "Engineering": "ENGRG",
    "Systems": "SYS", "Holdings": "HLDGS", "Partners": "PTNRS", "Products": "PRODS",
    "Construction": "CONSTR", "Instruments": "INSTR", "Components": "COMPNTS", "Medical": "MED",
    "Electronics": "ELEC", "Chemicals": "CHEM", "Automotive": "AUTO", "Materials": "MATLS",
    "Transport": "TRANSP", "Worldwide": "WW", "North America": "N AMER", "of America": "OF AMER",
}
# Unknown payers: words that appear in no customer name, so "unknown" really is unknown.
_PERSON_FIRST = "JOHN MARIA PETER ANNA DAVID ELENA JAMES SOFIA MICHAEL LAURA THOMAS PRIYA".split()
_PERSON_LAST = "SMITH KOWALSKI NGUYEN OKAFOR LINDQVIST HORVATH YAMAMOTO OBRIEN MURPHY ROSSETTI PETROV SANTOS".split()
_OTHER_STEMS = "Kestrel Marlin Osprey Quokka Wombat Ibis Jackal Lynx Mongoose Narwhal Ocelot Puffin Raven Tapir Walrus".split()
_OTHER_TRADES = ("Bakery", "Dental Practice", "Roofing", "Catering", "Florist", "Landscaping", "Auto Repair", "Plumbing")
_THIRD_PARTIES = (
    "PAYPAL (EUROPE) S.A R.L. ET CIE, S.C.A.", "BILL.COM LLC", "AMEX VIRTUAL PAYABLES",
    "FACTORING PARTNERS FINANZ AG", "TUNGSTEN NETWORK PAY", "COUPA PAY", "JPMORGAN ACCESS PAYABLES",
    "ADYEN N.V.", "STRIPE PAYMENTS EUROPE LTD", "AVIDXCHANGE INC", "WISE PAYMENTS LTD",
)
_TERMS: tuple[tuple[str, int], ...] = (
    ("Net 30", 40), ("2/10 Net 30", 20), ("1%15 Net 45", 12), ("Net 30 EOM", 8),
    ("2/10 EOM Net 30", 6), ("Net 45", 8), ("Due on receipt", 6),
)
_TERMS_PARSED: dict[str, Terms] = {text: parse_terms(text)[0] for text, _ in _TERMS}
_STYLES = ("inv", "plain", "year", "f")


# --- mutable state while generating ---------------------------------------------------------


@dataclass(slots=True)
class _Cust:
    id: str
    name: str
    currency: str
    style: str  # invoice-number house style of the business unit serving this customer
    weight: int  # how much business it does (payments and filler invoices follow it)
    accounts: list[str] = field(default_factory=list)
    open_ids: list[int] = field(default_factory=list)


@dataclass(slots=True)
class _Inv:
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
        return _TERMS_PARSED[self.terms]

    def discount(self) -> int:
        """The early-pay discount in cents (on the issued amount), 0 without discount terms."""
        d = self.terms_obj.discount_amount(from_minor(self.amount, self.currency), self.currency)
        return int(d.scaleb(2))

    def deadline(self) -> date | None:
        return self.terms_obj.discount_deadline(self.issue)


class _Builder:
    def __init__(self, seed: int, n_customers: int, n_payments: int) -> None:
        self.rng = random.Random(seed)
        self.seed = seed
        self.n_customers = max(n_customers, 8)
        self.n_payments = n_payments
        self.customers: list[_Cust] = []
        self.invoices: list[_Inv] = []
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
        self.decoy_pool: list[_Inv] | None = None

    # -- randomness helpers ------------------------------------------------------------------

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def weighted(self, options: tuple[tuple[str, int], ...]) -> str:
        return self.rng.choices([o for o, _ in options], weights=[w for _, w in options])[0]

    # -- customers ---------------------------------------------------------------------------

    def make_customers(self) -> None:
        keys: set[str] = set()
        prefixes: set[str] = set()
        stems = list(_STEMS)
        while len(self.customers) < self.n_customers:
            currency = "EUR" if self.chance(0.55) else "USD"
            legal = self.rng.choice(_LEGAL_EUR if currency == "EUR" else _LEGAL_USD)
            stem = self.rng.choice(stems)
            shape = self.rng.random()
            if shape < 0.10:
                name = f"{stem} {legal}"
            elif shape < 0.82:
                name = f"{stem} {self.rng.choice(_SECOND)} {legal}"
            elif shape < 0.92:
                name = f"{stem} {self.rng.choice(_SECOND)} {self.rng.choice(_THIRD)} {legal}"
            else:
                name = f"{stem} {self.rng.choice(_SECOND)} {self.rng.choice(_THIRD)} {self.rng.choice(_THIRD_SUFFIX)} {legal}"
            key = name_key(name)
            if not key or key in keys or name[:35].upper() in prefixes:
                if len(keys) > len(_STEMS) * len(_SECOND) // 2:  # pool nearly used up: widen it
                    stems.append(f"{self.rng.choice(_STEMS)} {self.rng.choice(_STEMS)}")
                continue
            keys.add(key)
            prefixes.add(name[:35].upper())
            size = self.rng.random()
            # 70% small, 25% medium, 5% large customers (Pareto-ish business volume).
            low, high = (1, 3) if size < 0.70 else (4, 10) if size < 0.95 else (15, 40)
            weight = self.rng.randint(low, high)
            cust = _Cust(
                id=f"C{len(self.customers) + 1:05d}", name=name, currency=currency,
                style=self.rng.choice(_STYLES), weight=weight,
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

    def pick_customer(self, pred: Callable[[_Cust], bool] | None = None, *, allow_frozen: bool = False) -> _Cust:
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
        cust: _Cust,
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
    ) -> _Inv:
        """Create an invoice (open unless `closed`), keeping every index and reservation true."""
        if cust.id in self.frozen and not closed:
            raise RuntimeError(f"customer {cust.id} is frozen")
        terms = terms or self.weighted(_TERMS)
        issue = issue or AS_OF - timedelta(days=self.rng.randint(1, 62))
        while True:
            amount = cents if cents is not None else self.draw_cents(lo, hi)
            open_cents = amount
            if partly_paid and not closed:
                open_cents = amount - self.rng.randint(amount // 5, amount // 2)
            inv = _Inv(0, "", cust.id, cust.currency, amount, 0 if closed else open_cents, issue, terms, None, closed)
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

    def existing_or_new(self, cust: _Cust, share: float = 0.3) -> _Inv:
        """Sometimes an invoice already in the book (recurring amounts, partly paid ones),
        else a new one: either way not paid by any other payment of the day."""
        if self.chance(share):
            free = [i for i in cust.open_ids if i not in self.consumed]
            if free:
                return self.invoices[self.rng.choice(free) - 1]
        return self.new_invoice(cust, partly_paid=self.chance(0.06))

    def open_of(self, cust: _Cust) -> list[_Inv]:
        return [self.invoices[i - 1] for i in cust.open_ids]

    @staticmethod
    def alternatives(inv: _Inv, vd: date) -> tuple[int, ...]:
        """What a payment might settle this invoice with on `vd`: its open amount, and that
        less the discount when the discount is still earned (window + grace days)."""
        deadline = inv.deadline()
        if deadline is None or inv.open != inv.amount or vd > deadline + timedelta(days=SETTINGS.discount_grace_days):
            return (inv.open,)
        return (inv.open, inv.open - inv.discount())

    def subset_count(self, cust: _Cust, cents: int, vd: date) -> int:
        """Ways a subset of the customer's open invoices (discounts included) sums to `cents`."""
        return count_subsets([self.alternatives(i, vd) for i in self.open_of(cust)], cents, SETTINGS.subset_max_invoices)

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

    def payer_account(self, cust: _Cust, kind: Kind) -> str | None:
        if not cust.accounts:
            return None
        ach = [a for a in cust.accounts if a.startswith("ACH-CO:")]
        banks = [a for a in cust.accounts if not a.startswith("ACH-CO:")] or cust.accounts
        if kind == Kind.ACH and ach:
            return self.rng.choice(ach)
        return self.rng.choice(banks)

    def known_payer(self, cust: _Cust, kind: Kind, *, full_name: bool = False) -> tuple[str | None, str | None]:
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
        self, inv: _Inv, pay_cents: int, vd: date
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

    def name_variant(self, cust: _Cust) -> tuple[str, str]:
        """(kind, variant) of the customer's name as a payer might write it."""
        name = cust.name
        legal = next((f for f in sorted(_LEGAL_EUR + _LEGAL_USD, key=len, reverse=True) if name.endswith(" " + f)), "")
        bare = name[: -len(legal) - 1] if legal else name
        kinds = ["case", "no_legal_form", "word_order", "punct"]
        if any(w in name for w in _ABBREVIATIONS):
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
            for word, short in _ABBREVIATIONS.items():
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

    # -- scenarios: each returns (payment, label) --------------------------------------------

    def apply_label(self, scenario: str, rows: list[tuple[_Inv, int, int, int]], variant: str) -> Label:
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

    def discount_invoice(self, cust: _Cust, vd: date, *, expired: bool) -> _Inv:
        """An invoice with discount terms whose window covers `vd` (or ended before it, beyond
        the grace days)."""
        for _ in range(500):
            terms = self.rng.choice(("2/10 Net 30", "1%15 Net 45", "2/10 EOM Net 30"))
            t = _TERMS_PARSED[terms]
            issue = vd - timedelta(days=self.rng.randint(*((0, 15) if not expired else (15, 60))))
            deadline = t.discount_deadline(issue)
            assert deadline is not None
            if not expired and not (issue <= vd <= deadline):
                continue
            if expired and not (deadline + timedelta(days=SETTINGS.discount_grace_days + 2) <= vd):
                continue
            trial = _Inv(0, "", cust.id, cust.currency, self.draw_cents(), 0, issue, terms, None)
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
            terms = self.weighted(_TERMS)
            issue = AS_OF - timedelta(days=self.rng.randint(1, 62))
            deadline = _TERMS_PARSED[terms].discount_deadline(issue)
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

    def unknown_name(self) -> str:
        if self.chance(0.5):
            return f"{self.rng.choice(_PERSON_FIRST)} {self.rng.choice(_PERSON_LAST)}"
        return f"{self.rng.choice(_OTHER_STEMS)} {self.rng.choice(_OTHER_TRADES)}".upper()

    def s_third_party(self) -> tuple[Payment, Label]:
        cust = self.pick_customer()
        inv = self.new_invoice(cust)
        self.consumed.add(inv.id)
        vd = self.value_date()
        kind = Kind.SEPA if cust.currency == "EUR" else self.rng.choice((Kind.WIRE, Kind.ACH))
        name = self.rng.choice(_THIRD_PARTIES) if self.chance(0.7) else self.unknown_name()
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

    # -- the day -----------------------------------------------------------------------------

    def counts(self) -> dict[str, int]:
        """Payments per scenario: shares × n by largest remainder, every scenario at least once."""
        n = self.n_payments
        raw = {s.name: s.share * n for s in SCENARIOS}
        counts = {k: max(1, int(v)) for k, v in raw.items()}
        order = sorted(raw, key=lambda k: (raw[k] - int(raw[k])), reverse=True)
        i = 0
        while sum(counts.values()) < n:
            counts[order[i % len(order)]] += 1
            i += 1
        while sum(counts.values()) > n:  # tiny n: trim the biggest
            biggest = max(counts, key=lambda k: counts[k])
            counts[biggest] -= 1
        return counts

    def build(self) -> Dataset:
        self.make_customers()
        self.make_filler()
        counts = self.counts()
        # Phases: (1) scenarios that create invoices, (2) those that freeze a customer's open
        # set (multi without reference, decoy reference), (3) those that only read the final
        # book (unknown, decoy amount, duplicates, debits).
        phase3 = ("overpay", "unknown_noevidence", "decoy_amount", "duplicate", "debit")
        phase2 = ("multi_noref", "decoy_ref")
        phase1 = tuple(n for n in SCENARIO_NAMES if n not in phase2 + phase3)
        made: list[tuple[Payment, Label]] = []
        for phase in (phase1, phase2, phase3):
            plan = [name for name in phase for _ in range(counts[name])]
            self.rng.shuffle(plan)
            for name in plan:
                made.append(getattr(self, f"s_{name}")())
        self.rng.shuffle(made)
        payments = tuple(replace(p, id=i + 1) for i, (p, _) in enumerate(made))
        labels = tuple(label for _, label in made)
        customers = tuple(
            Customer(id=c.id, name=c.name, accounts=tuple(c.accounts)) for c in self.customers
        )
        invoices = tuple(
            OpenInvoice(
                id=inv.id,
                number=inv.number,
                customer_id=inv.customer_id,
                currency=inv.currency,
                amount=from_minor(inv.amount, inv.currency),
                open_amount=from_minor(inv.open, inv.currency),
                issue_date=inv.issue,
                due_date=inv.terms_obj.net_due(inv.issue),
                terms=inv.terms_obj,
                po_number=inv.po,
            )
            for inv in self.invoices
        )
        return Dataset(self.seed, AS_OF, customers, invoices, payments, labels)


def generate(seed: int, n_customers: int, n_payments: int) -> Dataset:
    """The labelled day for this seed (same arguments, same dataset, bit for bit)."""
    return _Builder(seed, n_customers, n_payments).build()


def allocations_of(candidate: object) -> Expected:
    """A Candidate's allocations in the Label's comparable form."""
    return frozenset(
        (a.invoice_number, a.applied, a.discount, a.write_off)
        for a in candidate.allocations  # type: ignore[attr-defined]
    )


def main() -> None:  # a peek at the data: python -m benchmarks.accuracy_data [seed n_cust n_pay]
    import sys

    seed, n_cust, n_pay = (int(a) for a in (sys.argv[1:4] if len(sys.argv) >= 4 else ("1", "60", "300")))
    data = generate(seed, n_cust, n_pay)
    print(f"{len(data.customers)} customers, {len(data.invoices)} invoices "
          f"({sum(1 for i in data.invoices if i.open_amount == 0)} closed), {len(data.payments)} payments")
    print(Counter(label.scenario for label in data.labels))
    for p, label in list(zip(data.payments, data.labels))[:40]:
        print(label.scenario, label.variant, p.amount, p.currency, p.payer_name, p.payer_account,
              p.remittance, p.references, p.invoices, p.end_to_end_id, sorted(label.expected or ()))


if __name__ == "__main__":
    main()
