"""Find the invoices a payment names: structured items, creditor references, free text.

Why separate: reference evidence is the strongest signal and the most format-dependent;
keeping extraction apart from scoring lets it be tested shape by shape.

Exact lookups go through the run's key indexes (`reconcile.normalize.ref_key`/`po_key`).
Free text (and the end-to-end id, where payers often put their number) is split into
alphanumeric tokens after amounts are masked; runs of up to four adjacent tokens are looked
up and the longest keys win, so "INV 2024 0042", "INV-2024-0042" and "2024/0042" all reach
the key "20240042", "INSTALMENT 1 2026-38268" is 2026-38268 (not "1 2026"), and
"INV 1001, 1002 and 1003" yields three hits. Bare 1-2 digit numbers and years are not
references unless prefixed ("INV 7"). ISO 11649 RF references are trusted only
when their check digits pass; their payload is looked up as an invoice number.

Every reference-like key (one or two tokens, five characters or more) is also a `Probe`,
even one that hit an invoice exactly: a typo can spell another customer's invoice. The
engine matches probes with one edit (`one_edit`), but only against a small, already
identified set of invoices.

Shapes that do not write each number in full (ranges "1001-1003", shortened lists
"1001/02/03", a number the bank cut across two lines, zero padding "ABC-00042", QR references
in free text, US wire tags) are recognised in `reconcile.shapes` and read here against the book.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache

from rapidfuzz import process
from rapidfuzz.distance import OSA
from stdnum import iso11649
from stdnum.ch import esr

from reconcile.model import OpenInvoice, Payment
from reconcile.shapes import implied, junctions, padded, qr_groups, wire_text
from reconcile.normalize import (
    PO_WORDS,
    PREFIX_WORDS,
    compact,
    compact_keys,
    fold,
    ref_key_compact,
    text_tokens,
)

MAX_NGRAM = 4  # "RE INV 2024 0042": prefix words plus a number in up to two groups
MIN_TEXT_KEY = 3  # a bare 1-2 digit number in free text is a quantity or a day, not an invoice
FUZZY_MIN_LEN = 5  # one edit on shorter keys turns "1234" into a hundred other invoices
MAX_PROBES = 24
QR_LEN = 27  # Swiss QR reference: 26 digits and a check digit
RF_MAX_LEN = 25  # ISO 11649: 'RF' + 2 check digits + up to 21 characters
# Money in free text ("EUR 1.234,56", "100.00") is masked before tokenizing, so its digits
# are not read as invoice numbers. A date ("12.11.2026") is not an amount.
_AMOUNT = re.compile(r"(?<![\w.,])(?:\d{1,3}(?:[.,']\d{3})+|\d+)[.,]\d{2}(?!\w|[.,]\d)")
# A written-out date: 25.02.2026, 02/06/26, 2026-03-16 (its year must not join the next
# number: '25.02.2026 2026-3844' names 2026-3844, not invoice '2026 2026').
_DATE = re.compile(r"(?<![\w./-])(?:(\d{1,2})([./])(\d{1,2})\2(?:\d{4}|\d{2})|\d{4}-(\d{2})-(\d{2}))(?![\w]|[./-]\d)")
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_TAG = re.compile(r"([A-Z][A-Z0-9]{1,7}:)\s*")  # a bank's line tag (BAI2 'REMI:', 'OBI:')
_NO_E2E = frozenset({"NOTPROVIDED", "NONREF", "NONE", "NA"})


class Source(StrEnum):
    """Where a reference was found, strongest first (the scorer weighs them)."""

    STRUCTURED = "structured"  # referred document in structured remittance
    RF = "rf"  # ISO 11649 creditor reference with valid check digits
    CREDITOR_REF = "creditor_ref"  # other structured reference (QR/ESR, national)
    TEXT = "text"  # invoice number in unstructured remittance
    PO = "po"  # purchase-order number (weaker: a PO may cover several invoices)
    FUZZY = "fuzzy"  # one edit away from an invoice number (engine only)


SOURCE_RANK = {s: i for i, s in enumerate(Source)}
Lookup = Mapping[str, Sequence[OpenInvoice]]


@dataclass(frozen=True, slots=True)
class RefHit:
    invoice: OpenInvoice
    source: Source
    written: str  # as the payer wrote it (for the reviewer)
    amount: Decimal | None = None  # amount paid on it, when structured remittance says


@dataclass(frozen=True, slots=True)
class Probe:
    """A reference-like key that named nothing exactly: a candidate for one-edit matching."""

    key: str
    written: str
    amount: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Extracted:
    hits: tuple[RefHit, ...]  # exact: invoice numbers, RF payloads, PO numbers
    probes: tuple[Probe, ...]
    unknown: tuple[str, ...]  # explicit references that named nothing (for UNKNOWN_REFERENCE)
    notes: tuple[str, ...]  # e.g. an RF reference with bad check digits
    # Shapes whose reading would name several customers' invoices ("INV 1003-1005" with 1004
    # another's): the payer's meaning is unclear, so the payment goes to review.
    doubtful: tuple[str, ...] = ()


class _Collector:
    def __init__(self, by_number: Lookup, by_po: Lookup) -> None:
        self.by_number, self.by_po = by_number, by_po
        self.hits: dict[tuple[int, Source], RefHit] = {}
        self.probes: dict[str, Probe] = {}
        self.unknown: list[str] = []
        self.notes: list[str] = []
        self.doubtful: list[str] = []

    def add(self, invoices: Iterable[OpenInvoice], source: Source, written: str,
            amount: Decimal | None = None) -> None:
        for inv in invoices:
            key = (inv.id, source)
            if key not in self.hits:
                self.hits[key] = RefHit(inv, source, written, amount)

    def probe(self, key: str | None, written: str, amount: Decimal | None = None) -> None:
        if key and len(key) >= FUZZY_MIN_LEN and key not in self.probes and len(self.probes) < MAX_PROBES:
            self.probes[key] = Probe(key, written, amount)

    def lookup_compact(self, s: str) -> tuple[Source, Sequence[OpenInvoice], str] | None:
        """Exact lookup of one compacted reference as an invoice number, else as a PO."""
        return self.lookup_keys(compact_keys(s))

    def lookup_keys(self, keys: tuple[bool, str | None, str | None]) -> tuple[Source, Sequence[OpenInvoice], str] | None:
        """`lookup_compact` of a string whose `compact_keys` are known."""
        po_prefixed, key, pkey = keys
        if po_prefixed:
            found = self.by_po.get(pkey) if pkey else None
            return (Source.PO, found, pkey) if found and pkey else None
        if key and (found := self.by_number.get(key)):
            return Source.TEXT, found, key
        if pkey and (found := self.by_po.get(pkey)):
            return Source.PO, found, pkey
        return None

    def result(self) -> Extracted:
        # One hit per invoice, the strongest source first: a number in both the structured
        # block and the text is a structured hit.
        if len(self.hits) > 1:
            best: dict[int, RefHit] = {}
            for hit in sorted(self.hits.values(), key=lambda h: SOURCE_RANK[h.source]):
                best.setdefault(hit.invoice.id, hit)
            hits = tuple(sorted(best.values(), key=lambda h: (SOURCE_RANK[h.source], h.invoice.id)))
        else:
            hits = tuple(self.hits.values())
        return Extracted(hits, tuple(self.probes.values()), tuple(self.unknown), tuple(self.notes),
                         tuple(self.doubtful))


def valid_rf(reference: str) -> bool:
    """ISO 11649 creditor reference with correct check digits (python-stdnum)."""
    return iso11649.is_valid(reference)


def _looks_rf(s: str) -> bool:
    """'RF' and two check digits: the start of an ISO 11649 reference (maybe printed in groups)."""
    return len(s) >= 4 and s.startswith("RF") and s[2:4].isdigit()


def _rf(c: _Collector, s: str, written: str) -> None:
    """A trusted RF names invoices through its payload (or as a whole, if stored so)."""
    if not valid_rf(s):
        c.notes.append(f"RF reference {written!r} fails its check digits; not trusted")
        c.unknown.append(written)
        return
    payload = s[4:]
    whole = ref_key_compact(s)
    found = list(c.by_number.get(whole, ())) if whole else []  # an invoice stored under its RF
    key = ref_key_compact(payload)
    if key and key != whole:
        found += c.by_number.get(key, ())
    if found:
        c.add(found, Source.RF, written)
    else:
        c.unknown.append(written)
        c.probe(key, written)


def _structured_reference(c: _Collector, ref: str, written: str | None = None) -> None:
    s = compact(ref)
    ref = written or ref
    if not s:
        return
    if _looks_rf(s):
        _rf(c, s, ref)
        return
    if s.isdigit() and len(s) in (16, 27) and esr.is_valid(s):
        # Swiss QR/ESR reference: zero-padded payload plus a mod-10 check digit.
        s = s[:-1]
    got = c.lookup_compact(s)
    if got:
        source, invoices, _ = got
        c.add(invoices, Source.CREDITOR_REF if source is Source.TEXT else Source.PO, ref)
    else:
        c.unknown.append(ref)
        c.probe(ref_key_compact(s), ref)


def _rf_groups(tokens: Sequence[str], used: list[bool]) -> list[tuple[str, str]]:
    """RF references in free text, printed in groups of four ('RF18 5390 0754 7034'):
    (compacted, as written) of each, in order; marks their tokens used."""
    groups = []
    for i, tok in enumerate(tokens):
        if not _looks_rf(tok) or used[i]:
            continue
        s, best, j = tok, -1, i
        while True:
            if len(s) <= RF_MAX_LEN and valid_rf(s):
                best = j
            j += 1
            if j >= len(tokens) or len(s) + len(tokens[j]) > RF_MAX_LEN or len(tokens[j]) > 4:
                break
            s += tokens[j]
        end = best if best >= 0 else j - 1
        for k in range(i, end + 1):
            used[k] = True
        groups.append(("".join(tokens[i:end + 1]), " ".join(tokens[i:end + 1])))
    return groups


# A span of 1..MAX_NGRAM tokens worth looking up: (first token, size, as written, compact_keys,
# may the invoice key name an invoice, may the PO key, is the invoice key also a probe).
# 'INV 12' is explicit; a bare '12' in free text is not a reference: a key shorter than
# MIN_TEXT_KEY counts only when a prefix was dropped to get it.
_Span = tuple[int, int, str, tuple[bool, str | None, str | None], bool, bool, bool]


# What a remittance line is, whatever the invoice book: its RF references (compacted, as
# written), the tokens they took, its spans, and its "INV 99999" pairs ((token, text), unknown
# references unless something takes the token).
_LinePlan = tuple[tuple[tuple[str, str], ...], tuple[bool, ...], tuple[_Span, ...], tuple[tuple[int, str], ...]]


def _masked(line: str) -> str:
    """The line with amounts and written-out dates blanked (neither is a reference)."""
    if "." in line or "," in line:
        line = _AMOUNT.sub(" ", line)
    if "." in line or "/" in line or "-" in line:
        line = _DATE.sub(_blank_date, line)
    return line


def _blank_date(m: re.Match[str]) -> str:
    a, _, b, month, day = m.groups()
    if month is not None:  # 2026-03-16
        ok = 1 <= int(month) <= 12 and 1 <= int(day) <= 31
    else:  # day.month or (US) month/day
        x, y = int(a), int(b)
        ok = (1 <= x <= 31 and 1 <= y <= 12) or (1 <= x <= 12 and 1 <= y <= 31)
    return " " if ok else m.group()


@lru_cache(maxsize=8192)  # "PAYMENT", "THANK YOU", "DATED 02/22/2026" come back all day
def _line_plan(line: str) -> _LinePlan:
    # (an amount has a decimal separator: a line without one has none to mask)
    tokens = text_tokens(_masked(line))
    n = len(tokens)
    used = [False] * n
    rf = _rf_groups(tokens, used) if "RF" in " ".join(tokens) else []
    if sum(map(len, tokens)) >= QR_LEN:  # a Swiss QR reference written out ("21 00000 ...")
        rf += qr_groups(tokens, used)
    # Tokens are runs of [0-9A-Z]: one has a digit exactly when it is not all letters.
    digits = [not t.isalpha() for t in tokens]
    spans: list[_Span] = []
    for i in range(n):
        if used[i]:
            continue
        s = written = tokens[i]
        with_digit = digits[i]
        for size in range(1, min(MAX_NGRAM, n - i) + 1):
            if size > 1:
                last = i + size - 1
                if used[last]:
                    break  # every longer span holds this token too
                s += tokens[last]
                written += " " + tokens[last]
                with_digit = with_digit or digits[last]
            if not with_digit:
                continue
            if size == 1 and len(s) == 4 and s.isdigit() and s[:2] in ("19", "20"):
                continue  # a year: "Nov 2026" is a date, not invoice 2026 ("INV 2026" still is)
            keys = compact_keys(s)
            key, pkey = keys[1], keys[2]
            bare = s.lstrip("0")
            spans.append((i, size, written, keys,
                          key is not None and (len(key) >= MIN_TEXT_KEY or key != bare),
                          pkey is not None and (len(pkey) >= MIN_TEXT_KEY or pkey != bare),
                          size <= 2 and key is not None and len(key) >= FUZZY_MIN_LEN))
    prefixed = tuple((i, _as_written(line, tokens[i - 1], tokens[i])) for i in range(1, n)
                     if digits[i] and tokens[i - 1] in PREFIX_WORDS and tokens[i - 1] not in PO_WORDS
                     ) if not PREFIX_WORDS.isdisjoint(tokens) else ()
    return tuple(rf), tuple(used), tuple(spans), prefixed


def _as_written(line: str, prefix: str, token: str) -> str:
    """'INVOICE F2026/3134' and 'INV-5' as the reviewer should read them, not 'INVOICE F2026'
    and 'INV 5': the prefix and token as the line writes them, with what it joins to the token
    by '/', '-' or '.' (the tokens lost the separators)."""
    found = re.search(rf"(?<![0-9A-Z]){re.escape(prefix)}[\s#:.-]*{re.escape(token)}(?:[/.-][0-9A-Z]+)*",
                      fold(line))
    return found.group() if found else f"{prefix} {token}"


def _text_line(c: _Collector, line: str) -> None:
    """Maximal munch: of all token runs that name an invoice, the longest keys win.

    Left-to-right greediness would read "INSTALMENT 1 2026-38268" as "1 2026" (invoice
    12026); the longest key, "2026 38268", is what the payer meant.
    """
    rf, rf_used, spans, prefixed = _line_plan(line)
    for s, written in rf:
        if s.isdigit():
            _structured_reference(c, s, written)
        else:
            _rf(c, s, written)
    by_number, by_po, probes = c.by_number, c.by_po, c.probes
    found: list[tuple[int, int, int, Source, Sequence[OpenInvoice], str]] = []
    for i, size, written, (po_prefixed, key, pkey), ref_ok, po_ok, is_probe in spans:
        # c.lookup_keys, inline: an invoice number, else a PO number
        if po_prefixed:
            if pkey and po_ok and (invoices := by_po.get(pkey)):
                found.append((-len(pkey), i, size, Source.PO, invoices, written))
        elif key and (invoices := by_number.get(key)):
            if ref_ok:
                found.append((-len(key), i, size, Source.TEXT, invoices, written))
        elif pkey and po_ok and (invoices := by_po.get(pkey)):
            found.append((-len(pkey), i, size, Source.PO, invoices, written))
        if is_probe and key not in probes and len(probes) < MAX_PROBES:  # c.probe, inline
            probes[key] = Probe(key, written)  # type: ignore[index]
    if not found and not prefixed:
        return
    used = list(rf_used)
    for _, i, size, source, invoices, written in sorted(found, key=lambda f: (f[0], f[1], -f[2])):
        span = range(i, i + size)
        if any(used[k] for k in span):
            continue
        c.add(invoices, source, written)
        for k in span:
            used[k] = True
    for i, text in prefixed:  # "INV 99999": explicitly a reference, and it names nothing
        if not used[i]:
            c.unknown.append(text)


def _key_hits(c: _Collector, compacted: str) -> Sequence[OpenInvoice]:
    key = compact_keys(compacted)[1] if compacted else None
    return c.by_number.get(key, ()) if key else ()


def _shapes(c: _Collector, line: str) -> str:
    """Ranges, shortened lists and zero-padded numbers (reconcile.shapes): only numbers the
    book holds, and never a reading that spreads over several customers' invoices. Returns
    the line with the shapes it read blanked out: "INV-2024-1001-1003" must not also name
    invoice 1003 token by token."""
    masked = fold(_masked(line))
    found_shapes, notes = implied(masked)
    rest = masked
    c.notes.extend(notes)
    for shape in found_shapes:
        if _key_hits(c, shape.whole):
            continue  # "2024-1001" is an invoice number, not a range
        for reading, start in zip(shape.readings, shape.starts):
            hits = [list(_key_hits(c, s)) for s in reading]
            if any(hits[i] for i in shape.anchors):
                break
        else:
            continue
        found = [inv for invs in hits for inv in invs]
        if len({inv.customer_id for inv in found}) > 1:
            c.notes.append(f"{shape.written!r} would name invoices of several customers; not expanded")
            c.doubtful.append(shape.written)
            continue
        c.add(found, Source.TEXT, shape.written)
        rest = rest[:start] + " " * (shape.end - start) + rest[shape.end:]
    for written, whole, digits in padded(masked):
        if _key_hits(c, whole):
            continue  # the book has it as written
        prefix = whole[:len(whole) - len(whole.lstrip(_LETTERS))]
        same_prefix = _key_hits(c, prefix + digits)
        bare = c.by_number.get(digits, ())
        if same_prefix or len(bare) == 1:  # "ABC-00042" is ABC-42, else the one invoice 42
            c.add(same_prefix or bare, Source.TEXT, written)
    return rest


def _junction(c: _Collector, upper: str, lower: str) -> None:
    """A number the bank cut across two lines: glued only when the glued number is an invoice
    and neither piece is one (two unrelated lines never invent a number)."""
    upper, lower = fold(upper), fold(lower)
    if (tag := _TAG.match(lower)) and upper.startswith(tag.group(1)):
        lower = lower[tag.end():]  # 'REMI: …/286' + 'REMI: 5/…': the text runs on after the tag
    for j in junctions(upper, lower):
        if (found := _key_hits(c, j.joined)) and not _key_hits(c, j.left) and not _key_hits(c, j.right):
            c.add(found, Source.TEXT, j.written)
            return


def extract(payment: Payment, by_number: Lookup, by_po: Lookup) -> Extracted:
    """Every exact reference in a payment, plus probes and unknown references."""
    c = _Collector(by_number, by_po)
    for doc in payment.invoices:
        s = compact(doc.number)
        keys = compact_keys(s) if s else None
        got = c.lookup_keys(keys) if keys else None
        if got and got[0] is Source.TEXT:
            c.add(got[1], Source.STRUCTURED, doc.number, doc.amount)
        elif got:
            c.add(got[1], Source.PO, doc.number, doc.amount)
        elif keys:
            c.unknown.append(doc.number)
            c.probe(keys[1], doc.number, doc.amount)
    for ref in payment.references:
        _structured_reference(c, ref)
    # US wire tags: the payer's name and the banks' ids are no references (shapes.wire_text)
    lines = [wire_text(line)[0] for line in payment.remittance]
    for line in lines:
        _text_line(c, _shapes(c, line))
    for upper, lower in zip(lines, lines[1:]):
        _junction(c, upper, lower)
    # Payers often put their invoice number in the end-to-end id (SEPA, wires).
    e2e = payment.end_to_end_id
    if e2e and compact(e2e) not in _NO_E2E:
        _text_line(c, e2e)
    return c.result()


def one_edit(probe: str, keys: Sequence[str]) -> list[int]:
    """Indexes of keys one edit (substitution, adjacent transposition, insertion, deletion)
    from the probe. Exact equals are excluded (those were exact hits already)."""
    if len(probe) < FUZZY_MIN_LEN or not keys:
        return []
    found = process.extract(probe, keys, scorer=OSA.distance, score_cutoff=1, limit=None)
    return sorted(idx for key, dist, idx in found if dist == 1 and len(key) >= FUZZY_MIN_LEN)


def fuzzy_hits(probes: Sequence[Probe], invoices: Sequence[OpenInvoice],
               key_of: Callable[[OpenInvoice], str | None]) -> list[tuple[OpenInvoice, Probe]]:
    """(invoice, probe) pairs one edit apart; `invoices` must be a small, identified set."""
    if not probes or not invoices:
        return []
    return fuzzy_hits_keyed(probes, [(key, inv) for inv in invoices if (key := key_of(inv))])


def fuzzy_hits_keyed(probes: Sequence[Probe],
                     keyed: Sequence[tuple[str, OpenInvoice]]) -> list[tuple[OpenInvoice, Probe]]:
    """`fuzzy_hits` over (key, invoice) pairs whose keys are known (and not empty)."""
    if not probes or not keyed:
        return []
    keys = [k for k, _ in keyed]
    pairs: dict[int, tuple[OpenInvoice, Probe]] = {}
    for probe in probes:
        for idx in one_edit(probe.key, keys):
            inv = keyed[idx][1]
            pairs.setdefault(inv.id, (inv, probe))
    return [pairs[k] for k in sorted(pairs)]
