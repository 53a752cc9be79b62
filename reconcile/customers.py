"""Who paid? Payer account, then known names and aliases, then a fuzzy name match.

`identify_payment` puts the rest of a payment around that: the ultimate payer (camt
UltmtDbtr: a bank or payment service paying for our customer) is looked up first, by its
id as a customer number, then by name; a customer number quoted in the remittance
(`reconcile.customer_numbers`) counts as much as the account, and against a different
account or name leaves the payer open. An account on file for several customers (a
payment service's: see loader.load_customers) identifies nobody by itself.

Why separate: customer identification is the second pillar of every match (it is what
lets a one-edit reference or a bare amount be trusted), and it is cached per payer, so
it has its own index built once per run.

Fuzzy strategy. Names are normalized (`reconcile.normalize.name_tokens`: accents, case,
punctuation, legal forms, abbreviations), then compared with rapidfuzz's ratio on the
*sorted* tokens, i.e. `token_sort_ratio`. Not WRatio: its token-set and partial parts score
any name that is contained in another near 100 ("ACME" vs "ACME HOLDINGS"), which is
exactly the false identification we cannot afford. Truncated payer names (banks cut at
16/22/35/40 characters) get a second, prefix score: the payer's normalized name against
the same-length prefix of the customer's normalized name, word order kept. A name is
accepted at `name_min_score` with `name_margin` over the best *different* customer.

Blocking: only customers sharing a word or a 4-letter word prefix with the payer are
scored, so a run with 100k customers never compares every payer with every customer.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum

from rapidfuzz import fuzz, process

from core.accounts import try_normalize_account
from reconcile.customer_numbers import number_keys, numbers_in_text
from reconcile.model import Customer, MatchSettings, Payment
from reconcile.normalize import LEGAL_FORMS, compact, name_key, name_tokens

TRUNCATION_LENGTHS = frozenset({16, 18, 22, 35, 40, 70, 140})  # ACH, BAI/Fedwire, SWIFT, SEPA name fields
LONG_NAME = 30  # a payer name this long may have been cut even after trimming spaces
PREFIX_MIN = 10  # shorter prefixes ("ACME ") fit too many customers
COMMON_KEY = 2000  # a blocking key on more names than this is skipped once rarer keys were found
SCORED = 64  # names scored per payer name: those sharing the most words with it
ANY_NAME_FLOOR = 60  # below this a name is no evidence at all


class Method(StrEnum):
    ACCOUNT = "account"  # payer account on file for exactly this customer
    ACCOUNT_SHARED = "account_shared"  # account on file for several customers
    ALIAS = "alias"  # normalized name or alias equal
    NAME = "name"  # fuzzy name, above threshold and margin
    NAME_AMBIGUOUS = "name_ambiguous"  # fuzzy name above threshold, but not by a margin


_UNIQUE = frozenset({Method.ACCOUNT, Method.ALIAS, Method.NAME})


@dataclass(frozen=True, slots=True)
class CustomerHit:
    customer_id: str
    method: Method
    score: int  # name similarity 0..100 (100 for account and alias)
    reason: str


@dataclass(frozen=True, slots=True)
class Identification:
    hits: tuple[CustomerHit, ...] = ()  # best first
    # The customer, when the payer evidence points at exactly one (asked for many times a
    # payment: worked out once).
    unique: CustomerHit | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        hits = self.hits
        unique = hits[0] if len(hits) == 1 and hits[0].method in _UNIQUE else None
        object.__setattr__(self, "unique", unique)

    def hit_for(self, customer_id: str) -> CustomerHit | None:
        return next((h for h in self.hits if h.customer_id == customer_id), None)


@dataclass(frozen=True, slots=True)
class _Name:
    customer_id: str
    display: str  # as on file, for reasons
    ordered: str  # normalized, word order kept
    sorted: str  # normalized, words sorted


def looks_truncated(raw: str) -> bool:
    """Could the bank have cut this name? (a cut at a space is trimmed, so long names count)"""
    return len(raw) in TRUNCATION_LENGTHS or _cut_after_word(raw) or len(raw.rstrip()) >= LONG_NAME


def _cut_after_word(raw: str) -> bool:
    """Cut right after a word: the trailing space, which banks and parsers trim, is gone."""
    return len(raw) + 1 in TRUNCATION_LENGTHS


class CustomerIndex:
    """Accounts, exact name keys and a blocked fuzzy-name index over the customers of a run."""

    def __init__(self, customers: Iterable[Customer]) -> None:
        self.by_id: dict[str, Customer] = {}
        self.by_account: dict[str, list[str]] = defaultdict(list)
        self.by_key: dict[str, list[str]] = defaultdict(list)
        self.names: list[_Name] = []
        self.names_of: dict[str, list[int]] = defaultdict(list)
        self.literal_of: dict[str, set[str]] = defaultdict(set)  # customer -> literal name keys
        self.block: dict[str, list[int]] = defaultdict(list)
        self.by_number: dict[str, list[str]] = defaultdict(list)  # customer number key -> ids
        # (account, name) -> (settings, identification): keyed without the settings, whose
        # hash (ten fields, Decimals among them) would cost more than the lookup saves.
        self._cache: dict[tuple[str | None, str | None], tuple[MatchSettings, Identification]] = {}
        for customer in sorted(customers, key=lambda c: c.id):
            self._add(customer)

    def _add(self, customer: Customer) -> None:
        cid = customer.id
        self.by_id[cid] = customer
        for raw in customer.accounts:
            account = try_normalize_account(raw)  # stored before its form was canonical
            if account and cid not in self.by_account[account]:
                self.by_account[account].append(cid)
        for key in number_keys(cid):
            self.by_number[key].append(cid)
        for text in (customer.name, *customer.aliases):
            tokens = name_tokens(text) if text else ()
            if not tokens:
                continue
            entry = _Name(cid, text, " ".join(tokens), " ".join(sorted(tokens)))
            if cid not in self.by_key[entry.sorted]:
                self.by_key[entry.sorted].append(cid)
            self.literal_of[cid].add(name_key(text, expand=False))
            idx = len(self.names)
            self.names.append(entry)
            self.names_of[cid].append(idx)
            for key in _block_keys(tokens):
                self.block[key].append(idx)

    # -- identification ------------------------------------------------------------------

    def identify_payment(self, p: Payment, settings: MatchSettings) -> Identification:
        """Who paid: the ultimate payer when the payment names one that is a customer, then
        the payer's account and name; a customer number in the text confirms or contests it."""
        found = self._ultimate(p, settings) or self.identify(p.payer_account, p.payer_name, settings)
        by_number = self._by_number(p.remittance, p.payer_account) if self.by_number else None
        if by_number is None:
            return found
        if found.unique is not None and found.unique.customer_id == by_number.customer_id:
            return found
        if found.unique is not None:  # the number names another customer: neither decides alone
            return Identification((found.unique, by_number))
        return Identification((by_number,))

    def not_customer_numbers(self, p: Payment, unknown: tuple[str, ...]) -> tuple[str, ...]:
        """The unknown references, less those that are a known customer number the text
        quotes as one ('Kd-Nr. 10042' reads as 'NR 10042' to the reference extractor)."""
        quoted = {k for n in numbers_in_text(p.remittance) if self._number_owners(n) for k in number_keys(n)}
        return tuple(u for u in unknown if not quoted.intersection(number_keys(u))) if quoted else unknown

    def _ultimate(self, p: Payment, settings: MatchSettings) -> Identification | None:
        if p.ultimate_payer_id:
            owners = self._number_owners(p.ultimate_payer_id)
            if len(owners) == 1:
                return Identification((CustomerHit(owners[0], Method.ACCOUNT, 100,
                                                   f"ultimate payer id {p.ultimate_payer_id} is customer {owners[0]}"),))
        if not p.ultimate_payer:
            return None
        hit = self.identify(None, p.ultimate_payer, settings).unique
        if hit is None:
            return None  # not a customer we know: the payer's own evidence decides
        return Identification((CustomerHit(hit.customer_id, hit.method, hit.score,
                                           f"paid on behalf of: ultimate payer {hit.reason}"),))

    def _number_owners(self, number: str) -> list[str]:
        for key in number_keys(number):  # the compacted form first, then the bare number
            if key in self.by_number:
                return self.by_number[key]
        return []

    def _by_number(self, lines: Sequence[str], payer_account: str | None) -> CustomerHit | None:
        """A customer number quoted in the remittance, when it names exactly one customer (the
        payer's own bank account written out, 'ACCT 12345678', is no customer number)."""
        own = compact(payer_account or "")
        owners = {cid: n for n in numbers_in_text(lines) if not (own and n in own)
                  for cid in self._number_owners(n)}
        if len(owners) != 1:
            return None  # none, or numbers of several customers: no evidence either way
        (cid, number), = owners.items()
        return CustomerHit(cid, Method.ACCOUNT, 100, f"customer number {number} in remittance is customer {cid}")

    def identify(self, account: str | None, name: str | None, settings: MatchSettings) -> Identification:
        key = (account, name)
        cached = self._cache.get(key)
        if cached is not None and (cached[0] is settings or cached[0] == settings):
            return cached[1]
        found = self._identify(account, name, settings)
        self._cache[key] = (settings, found)
        return found

    def _identify(self, account: str | None, name: str | None, settings: MatchSettings) -> Identification:
        account = try_normalize_account(account)
        owners = self.by_account.get(account, []) if account else []
        if len(owners) == 1:
            return Identification((CustomerHit(owners[0], Method.ACCOUNT, 100,
                                               f"payer account matches customer {owners[0]}"),))
        if owners:
            by_name = self._by_name(name, settings, among=set(owners)) if name else Identification()
            if by_name.unique:
                hit = by_name.unique
                return Identification((CustomerHit(hit.customer_id, Method.ACCOUNT, 100,
                                                   f"payer account (shared) and {hit.reason}"),))
            # A payment service's or a parent's account: the name may be a customer not among them.
            anywhere = self._by_name(name, settings) if name else Identification()
            if anywhere.unique:
                hit = anywhere.unique
                return Identification((CustomerHit(hit.customer_id, hit.method, hit.score,
                                                   f"{hit.reason} (payer account shared by {len(owners)} "
                                                   "customers: not evidence)"),))
            return Identification(tuple(
                CustomerHit(cid, Method.ACCOUNT_SHARED, 100, f"payer account is on file for {len(owners)} "
                            f"customers, among them {cid}") for cid in sorted(owners)))
        return self._by_name(name, settings) if name else Identification()

    def _by_name(self, name: str, settings: MatchSettings, among: set[str] | None = None) -> Identification:
        tokens = name_tokens(name)
        if not tokens:
            return Identification()
        exact = [c for c in self.by_key.get(" ".join(sorted(tokens)), ()) if among is None or c in among]
        if len(exact) > 1:  # 'Technology' and 'Technologies' both on file: the literal spelling decides
            literal = name_key(name, expand=False)
            exact = [c for c in exact if literal in self.literal_of[c]] or exact
        if len(exact) == 1:
            cid = exact[0]
            shown = self.names[self.names_of[cid][0]].display
            return Identification((CustomerHit(cid, Method.ALIAS, 100,
                                               f"payer name '{name}' = '{shown}' of customer {cid}"),))
        if len(exact) > 1:  # the same normalized name on file for several customers
            ranked = [(100, c, self.names[self.names_of[c][0]].display) for c in sorted(exact)]
        else:
            ranked = self._fuzzy(name, tokens, among)
        good = [r for r in ranked if r[0] >= settings.name_min_score]
        if not good:
            return Identification()
        best, runner = good[0][0], ranked[1][0] if len(ranked) > 1 else 0
        if best - runner >= settings.name_margin:
            score, cid, shown = good[0]
            return Identification((CustomerHit(cid, Method.NAME, score,
                                               f"name '{name}' ~ '{shown}' ({score})"),))
        return Identification(tuple(
            CustomerHit(cid, Method.NAME_AMBIGUOUS, score,
                        f"name '{name}' ~ '{shown}' ({score}), but other customers are as close")
            for score, cid, shown in good[:3]))

    def _fuzzy(self, raw: str, tokens: tuple[str, ...], among: set[str] | None) -> list[tuple[int, str, str]]:
        """(score, customer id, name on file), best per customer, best first."""
        idxs = self._candidates(tokens, among)
        if not idxs:
            return []
        entries = [self.names[i] for i in idxs]
        scores = [0] * len(entries)
        found = process.extract(" ".join(sorted(tokens)), [e.sorted for e in entries], scorer=fuzz.ratio,
                                score_cutoff=ANY_NAME_FLOOR, limit=None)
        for _, score, pos in found:
            scores[pos] = int(score)  # rapidfuzz scores are floats: an int at once
        for query, at_word in _prefix_queries(raw, tokens):  # compare with names cut to the same length
            # A cut after a word must fall on a word boundary of the name on file too.
            cut = [e.ordered[: len(query)] if not at_word or e.ordered[len(query): len(query) + 1] in ("", " ")
                   else "" for e in entries]
            for _, score, pos in process.extract(query, cut, scorer=fuzz.ratio, score_cutoff=ANY_NAME_FLOOR,
                                                 limit=None):
                scores[pos] = max(scores[pos], int(score))
        best: dict[str, tuple[int, str]] = {}
        for entry, score in zip(entries, scores):
            if score and score > best.get(entry.customer_id, (0, ""))[0]:
                best[entry.customer_id] = (score, entry.display)
        return sorted(((s, cid, shown) for cid, (s, shown) in best.items()), key=lambda r: (-r[0], r[1]))

    def _candidates(self, tokens: Sequence[str], among: set[str] | None) -> list[int]:
        """Names sharing the most (rarest-first) words or word prefixes with the payer's name."""
        if among is not None:
            return sorted({i for cid in among for i in self.names_of.get(cid, ())})
        postings = sorted((self.block[k] for k in _block_keys(tokens) if k in self.block), key=len)
        if not postings:
            return []
        shared: Counter[int] = Counter()
        for posting in postings:
            if shared and len(posting) > COMMON_KEY:
                break  # a word half the customers share says little; rarer ones were counted
            shared.update(posting)
        return sorted(i for i, _ in shared.most_common(SCORED))  # ties: first counted, deterministic

    def payer_similarity(self, p: Payment, customer_id: str) -> tuple[int, str]:
        """similarity() of the payer's or, if better, the ultimate payer's name."""
        own = self.similarity(p.payer_name, customer_id)
        return max(own, self.similarity(p.ultimate_payer, customer_id)) if p.ultimate_payer else own

    def similarity(self, name: str | None, customer_id: str) -> tuple[int, str]:
        """Best name score of the payer name against one customer's names (corroboration)."""
        if not name:
            return 0, ""
        tokens = name_tokens(name)
        ranked = self._fuzzy(name, tokens, {customer_id}) if tokens else []
        return (ranked[0][0], ranked[0][2]) if ranked else (0, "")


def _block_keys(tokens: Sequence[str]) -> set[str]:
    keys = set(tokens)
    keys.update("~" + t[:4] for t in tokens if len(t) >= 4)
    return keys


def _prefix_queries(raw: str, tokens: tuple[str, ...]) -> list[tuple[str, bool]]:
    """Normalized prefixes to compare when the payer name may have been cut, each with
    whether it must end on a word boundary of the name on file."""
    if not looks_truncated(raw):
        return []
    at_word = not (len(raw) in TRUNCATION_LENGTHS or len(raw.rstrip()) >= LONG_NAME)  # only _cut_after_word
    queries = [(" ".join(tokens), at_word)]
    last = tokens[-1]
    # A cut legal form ('... GMB', '... LIMI') is not part of the name: drop it.
    if len(tokens) > 1 and any(form.startswith(last) for form in LEGAL_FORMS | {"LIMITED", "INCORPORATED"}):
        queries.append((" ".join(tokens[:-1]), True))
    return [(q, w) for q, w in queries if len(q) >= PREFIX_MIN]
