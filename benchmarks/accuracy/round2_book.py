"""The round-2 day's book: customers in EUR, USD, GBP and CHF (UK sort-code and Swiss IBAN
accounts, customer numbers as ids, umlaut names, parent/subsidiary groups, accounts shared by
several customers), invoice numbers in five house styles (one zero-padded) and runs of
consecutive numbers, and how payers show up for these currencies."""

from __future__ import annotations

import random
import re
import unicodedata
from datetime import date, timedelta

from stdnum.iso7064 import mod_97_10

from benchmarks.accuracy.book import Cust, Inv
from benchmarks.accuracy.keys import number_keys
from benchmarks.accuracy.labels import AS_OF, SETTINGS
from benchmarks.accuracy.matchable import MatchableScenarios
from benchmarks.accuracy.words import LEGAL_EUR, LEGAL_USD, SECOND, STEMS, THIRD
from core.accounts import normalize_account
from core.records import Kind
from reconcile.model import Payment

CURRENCIES = (("EUR", 35), ("USD", 25), ("GBP", 22), ("CHF", 18))
LEGAL = {"EUR": LEGAL_EUR, "USD": LEGAL_USD, "GBP": ("Ltd", "Limited", "PLC", "Ltd."),
         "CHF": ("AG", "SA", "GmbH", "S.A.", "Sàrl")}
UMLAUT_STEMS = ("Müller Schäfer Köhler Jäger Böhm Krüger Weiß Größer Härtel Löwe Zürcher Bäumer Schröder "
                "Günther Förster Kühne Mäder Nüssli Brügger Stöckli Wälti Hänggi").split()
# Payment services, factors and banks that pay for others: no word of a customer name.
PAYERS_FOR_OTHERS = ("EUROFACTOR FINANZ AG", "CREFO FACTORING GMBH", "BIBBY FINANCIAL LTD", "PAYONEER INC",
                     "AIRWALLEX UK LTD", "REVOLUT BUSINESS LTD", "KYRIBA PAY", "BILL.COM LLC",
                     "AMEX VIRTUAL PAYABLES", "ADYEN N.V.", "WISE PAYMENTS LTD", "POSTFINANCE AG")
_LEGAL_WORDS = frozenset("inc incorporated llc corp corporation co company ltd limited lp plc gmbh ag sa bv nv "
                         "sarl spa se kg oy ab sas srl and llp aktiengesellschaft societe anonyme".split())
_FILLER = ("PAYMENT", "SUPPLIER", "REMITTANCE", "ADVICE", "ACCOUNTS", "PAYABLE", "DEPT", "FOR", "ORDER",
           "DELIVERY", "GOODS", "SERVICES", "RENDERED", "AS", "PER", "STATEMENT", "OF", "ACCOUNT", "THE",
           "BALANCE", "DUE", "SEE", "ATTACHED", "LIST", "MARCH", "RUN", "BATCH", "TRANSFER")


def fold_umlauts(text: str, how: str) -> str:
    """'Müller' as 'Mueller' (how='e'), 'Muller' (how='plain'); ß -> ss either way."""
    text = text.replace("ß", "ss").replace("ẞ", "SS")
    if how == "e":
        for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue")):
            text = text.replace(a, b)
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def loose(text: str) -> str:
    """A name folded as loosely as any engine might: accents and written-out umlauts alike
    ('MÜLLER', 'MUELLER', 'Muller' -> 'MULLER'), punctuation gone, spaces single. Two
    customers never share a loose name; a cut name is a prefix of one customer's only."""
    s = fold_umlauts(text, "plain").upper()
    s = re.sub(r"[^A-Z0-9 ]+", "", s.replace("&", " AND ").replace("-", " "))
    for a, b in (("AE", "A"), ("OE", "O"), ("UE", "U")):
        s = s.replace(a, b)
    return " ".join(s.split())


def loose_key(text: str) -> str:
    """`loose` without legal forms and word order: what a name variant must still equal."""
    words = loose(text).lower().split()
    return " ".join(sorted({w for w in words if len(w) > 1 and w not in _LEGAL_WORDS}))


class Round2Book(MatchableScenarios):
    """The book of the round-2 day and the payer helpers for its currencies."""

    def __init__(self, seed: int, n_customers: int, n_payments: int) -> None:
        super().__init__(seed, n_customers, n_payments)
        self.rng = random.Random(f"round2:{seed}")  # a stream of its own: not day 1's draws
        self.parent_of: dict[str, str] = {}
        self.shared: dict[str, list[str]] = {}  # customer id -> accounts it shares with others
        self.shared_groups: list[tuple[str, list[str], str]] = []  # (account, customer ids, payer name)
        self.uk_accounts: dict[str, tuple[str, str]] = {}  # normalized -> (sort code, account as issued)
        self.number_queue: list[str] = []
        self.seq7 = 1200
        self.loose_names: dict[str, str] = {}  # loose(name) -> customer id
        self.loose_keys: dict[str, str] = {}  # loose_key(name) -> customer id (unique)
        self.by_id: dict[str, Cust] = {}
        # Quiet customers: small ones the invoice-creating classes leave alone, so that the
        # classes that need a customer's open set checked exactly (phase 2) find enough of them.
        self.quiet: set[str] = set()
        self.cut_pieces: set[str] = set()  # pieces of numbers cut across lines (reserved keys)

    # -- customers -----------------------------------------------------------------------------

    def make_customers(self) -> None:
        keys: set[str] = set()
        ids: set[str] = set()
        while len(self.customers) < self.n_customers:
            currency = self.weighted(CURRENCIES)
            stems = UMLAUT_STEMS if currency in ("EUR", "CHF") and self.chance(0.3) else STEMS
            stem, legal = self.rng.choice(stems), self.rng.choice(LEGAL[currency])
            shape = self.rng.random()
            if shape < 0.12:
                name = f"{stem} {legal}"
            elif shape < 0.85:
                name = f"{stem} {self.rng.choice(SECOND)} {legal}"
            else:
                name = f"{stem} {self.rng.choice(SECOND)} {self.rng.choice(THIRD)} {legal}"
            key = loose_key(name)
            if not key or key in keys or loose(name) in self.loose_names:
                continue
            cid = self.customer_number()
            if cid in ids or number_keys(cid) & self.taken_keys:
                continue
            keys.add(key)
            ids.add(cid)
            self.taken_keys |= number_keys(cid)  # no invoice or PO number may read as it
            size = self.rng.random()
            low, high = (1, 3) if size < 0.70 else (4, 10) if size < 0.95 else (15, 40)
            quiet = self.chance(0.25)
            if quiet:
                low, high = 1, 3
            cust = Cust(id=cid, name=name, currency=currency, style=self.rng.choice(("inv", "plain", "year", "f", "inv7")),
                        weight=self.rng.randint(low, high))
            if self.chance(0.9 if currency == "GBP" else 0.65):
                cust.accounts.append(self.new_account(currency))
                if self.chance(0.12):
                    cust.accounts.append(self.new_account(currency))
            self.customers.append(cust)
            if quiet:
                self.quiet.add(cid)
            self.loose_names[loose(name)] = cid
            self.loose_keys[key] = cid
            self.by_id[cid] = cust
        # Enough quiet GBP payers with a sort code on file for the sort-code class (~6 each).
        uk = [c for c in self.customers if c.accounts and c.accounts[0] in self.uk_accounts]
        for cust in uk[: max(0, self.n_payments // 120 + 3 - sum(c.id in self.quiet for c in uk))]:
            self.quiet.add(cust.id)
            cust.weight = min(cust.weight, 3)
        total = 0
        for cust in self.customers:
            total += cust.weight
            self.cum_weights.append(total)
        self.make_groups()
        self.make_shared_accounts()

    def pick_customer(self, pred=None, *, allow_frozen: bool = False, quiet: bool = False) -> Cust:  # type: ignore[no-untyped-def]
        """A customer by business volume, as day 1's, from the quiet ones or from the rest."""
        return super().pick_customer(lambda c: (c.id in self.quiet) == quiet and (pred is None or pred(c)),
                                     allow_frozen=allow_frozen)

    def customer_number(self) -> str:
        style = self.rng.random()
        if style < 0.35:
            return f"C-{self.rng.randint(1000, 9999)}"
        if style < 0.7:
            return str(self.rng.randint(30000, 99999))
        return f"{self.rng.randint(10000, 99999):08d}"

    def make_groups(self) -> None:
        """About one customer in ten is a subsidiary of another of the same currency."""
        parents: set[str] = set()
        for cust in self.customers:
            if cust.id in parents or not self.chance(0.12):
                continue
            pool = [c for c in self.customers if c.currency == cust.currency and c.id != cust.id
                    and c.id not in self.parent_of]  # one level: a parent is no one's subsidiary
            if pool:
                parent = self.rng.choice(pool).id
                self.parent_of[cust.id] = parent
                parents.add(parent)

    def make_shared_accounts(self) -> None:
        """Factors and payment services whose one account is on file for several customers."""
        for _ in range(max(3, len(self.customers) // 40)):
            currency = self.weighted(CURRENCIES)
            pool = [c for c in self.customers if c.currency == currency and c.id not in self.shared]
            if len(pool) < 2:
                continue
            members = self.rng.sample(pool, min(len(pool), self.rng.randint(2, 4)))
            account = self.new_account(currency)
            for c in members:
                self.shared[c.id] = [account]
            self.shared_groups.append((account, [c.id for c in members], self.rng.choice(PAYERS_FOR_OTHERS)))

    def children(self, parent_id: str) -> list[str]:
        return [c for c, p in self.parent_of.items() if p == parent_id]

    def related(self, cid: str) -> list[str]:
        """Customers of the same group (same top parent), itself excluded."""
        top = self.parent_of.get(cid, cid)
        return [c.id for c in self.customers if c.id != cid and self.parent_of.get(c.id, c.id) == top]

    def new_account(self, currency: str, *, ach_company: bool = False) -> str:
        if currency not in ("GBP", "CHF"):
            return super().new_account(currency, ach_company=ach_company)
        while True:
            if currency == "GBP":
                sort = f"{self.rng.randint(10, 99)}{self.rng.randrange(10**4):04d}"
                issued = f"{self.rng.randrange(10**7):07d}" if self.chance(0.15) else f"{self.rng.randrange(10**8):08d}"
                account = normalize_account(f"{sort} {issued}")
            else:
                bban = f"{self.rng.randrange(10**5):05d}{self.rng.randrange(10**12):012d}"
                account = normalize_account(f"CH{mod_97_10.calc_check_digits(bban + 'CH')}{bban}")
            assert account is not None
            if account not in self.taken_accounts:
                self.taken_accounts.add(account)
                if currency == "GBP":
                    self.uk_accounts[account] = (sort, issued)
                return account

    def show_account(self, account: str | None) -> str | None:
        """An account as the bank file spells it: UK sort codes with dashes or spaces."""
        if account not in self.uk_accounts:
            return account
        sort, issued = self.uk_accounts[account]
        a, b, c = sort[:2], sort[2:4], sort[4:]
        return self.rng.choice((f"{a}-{b}-{c} {issued}", f"{sort} {issued}", f"{a} {b} {c} {issued}",
                                f"{a}-{b}-{c}/{issued}", f"{a}-{b}-{c}-{issued}"))

    # -- invoice numbers -------------------------------------------------------------------------

    def new_number(self, style: str, issue: date) -> str:
        if self.number_queue:
            number = self.number_queue.pop(0)
            self.taken_keys |= number_keys(number)
            return number
        if style != "inv7":
            return super().new_number(style, issue)
        while True:
            self.seq7 += self.rng.randint(1, 4)
            number = f"INV-{self.seq7:07d}"
            if not number_keys(number) & self.taken_keys:
                self.taken_keys |= number_keys(number)
                return number

    def number_run(self, style: str, k: int, *, step: tuple[int, int] = (1, 1)) -> list[str] | None:
        """k numbers of a house style in order, `step` apart (1: consecutive), none taken;
        None when the style has no sequence of that kind. The sequence moves past them."""
        for _ in range(50):
            gaps = [self.rng.randint(*step) for _ in range(k - 1)]
            if style in ("inv", "plain"):
                start = self.seq + self.rng.randint(1, 4)
                values = [start + sum(gaps[:i]) for i in range(k)]
                numbers = [f"INV-{v}" if style == "inv" else str(v) for v in values]
            elif style == "inv7":
                start = self.seq7 + self.rng.randint(1, 4)
                values = [start + sum(gaps[:i]) for i in range(k)]
                numbers = [f"INV-{v:07d}" for v in values]
            elif style == "year":
                start = self.year_seq[("year", 2026)] + self.rng.randint(1, 3)
                values = [start + sum(gaps[:i]) for i in range(k)]
                numbers = [f"2026-{v:04d}" for v in values]
            else:
                return None
            keys = [number_keys(n) for n in numbers]
            if any(ks & self.taken_keys for ks in keys) or len(set().union(*keys)) < sum(map(len, keys)):
                continue
            if style in ("inv", "plain"):
                self.seq = values[-1]
            elif style == "inv7":
                self.seq7 = values[-1]
            else:
                self.year_seq[("year", 2026)] = values[-1]
            return numbers
        return None

    def invoices_numbered(self, cust: Cust, numbers: list[str], **kw: object) -> list[Inv]:
        """New invoices of `cust` with exactly these numbers (issued in 2026, oldest first)."""
        out = []
        issue = AS_OF - timedelta(days=self.rng.randint(20, 62))
        for number in numbers:
            self.number_queue = [number]
            out.append(self.new_invoice(cust, issue=issue, **kw))  # type: ignore[arg-type]
            issue = min(AS_OF - timedelta(days=1), issue + timedelta(days=self.rng.randint(0, 6)))
        self.number_queue = []
        return out

    # -- payers in four currencies ---------------------------------------------------------------

    def kind_for(self, cust_currency: str) -> Kind:
        if cust_currency in ("EUR", "USD"):
            return super().kind_for(cust_currency)
        return Kind.OTHER if self.chance(0.7) else Kind.WIRE  # Faster Payments / BACS, Swiss domestic

    def bank_name(self, name: str, kind: Kind) -> str | None:
        if kind == Kind.OTHER:  # BACS cuts at 18, Swiss domestic keeps the name
            if self.chance(0.5):
                return re.sub(r"[^A-Z0-9 &]", "", fold_umlauts(name, "e").upper())[:18].rstrip()
            return name
        return super().bank_name(name, kind)

    def payment(self, cents: int, currency: str, vd: date, kind: Kind, name: str | None, account: str | None,
                remittance: list[str] | tuple[str, ...] = (), **kw: object) -> Payment:
        return super().payment(cents, currency, vd, kind, name, self.show_account(account), remittance, **kw)  # type: ignore[arg-type]

    def known_payer(self, cust: Cust, kind: Kind, *, full_name: bool = False) -> tuple[str | None, str | None]:
        """As day 1's, but a BACS-cut name never stands alone: with no account on file the
        payer's full name is given (the name is then the only evidence)."""
        if not cust.accounts:
            full_name = True
        return super().known_payer(cust, kind, full_name=full_name)

    # -- text --------------------------------------------------------------------------------------

    def names_book(self, text: str) -> bool:
        """Some digit run of the text (with or without separators) is an invoice or PO key."""
        runs = set(re.findall(r"\d+", text)) | {re.sub(r"[^0-9]", "", t) for t in text.split()}
        runs |= {re.sub(r"[^A-Z0-9]", "", t.upper()) for t in text.split()}
        return any(r and (r.lstrip("0") in self.taken_keys or r in self.taken_keys) for r in runs)

    def noise2(self, lines: list[str], cents: int, currency: str, vd: date, *, dates: bool = True) -> list[str]:
        """Round-2 clutter: the payer's language, amounts in its currency's spelling
        (CHF 1'234.50, £1,234.50, EUR 1.234,50), dates; never a digit run of the book."""
        out = list(lines)
        if self.chance(0.25):
            out = [self.rng.choice((str.upper, str.title))(s) for s in out]
        words = {"EUR": ("ZAHLUNG", "VIELEN DANK", "PAIEMENT FACTURE", "BETALING"),
                 "USD": ("AP PAYMENT", "VENDOR PMT", "THANK YOU"),
                 "GBP": ("BACS PAYMENT", "FASTER PAYMENT", "WITH THANKS", "PAYMENT ON ACCOUNT"),
                 "CHF": ("ZAHLUNG", "MERCI", "VERGUETUNG", "PAIEMENT")}[currency]
        extra: list[str] = []
        if self.chance(0.35):
            extra.append(self.rng.choice(words))
        major, minor = divmod(cents, 100)
        if self.chance(0.25):
            spelled = {"EUR": f"EUR {major:,}.{minor:02d}".replace(",", "X").replace(".", ",").replace("X", "."),
                       "USD": f"USD {major:,}.{minor:02d}", "GBP": f"£{major:,}.{minor:02d}",
                       "CHF": f"CHF {major:,}.{minor:02d}".replace(",", "'")}[currency]
            extra.append(spelled)
        if dates and self.chance(0.25):
            extra.append(self.rng.choice((f"{vd:%d.%m.%Y}", f"{vd:%d/%m/%Y}", f"{vd:%Y-%m-%d}")))
        out += [e for e in extra if not self.names_book(e)]
        return out

    def fee_limit(self, currency: str) -> int:
        """The absolute bank-charge tolerance of the currency, in cents."""
        return int(SETTINGS.fee_tolerance_for(currency).scaleb(2))
