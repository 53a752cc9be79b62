"""Remittance shapes that name invoices without writing each number out in full.

Why a module of its own: `reconcile.references` reads one token run at a time; these shapes
need the raw text around the digits (the dash of a range, the slash of a shortened list, the
line a bank cut a number at, the tags of a US wire). Everything here is a pure function of
the text: it says which numbers a shape *may* mean, and `references` keeps only those the
invoice book holds (and only when that is unambiguous).

    "INV 1001-1003", "1001 to 1003", "1001 bis 1003"   -> 1001, 1002, 1003   (`implied`)
    "1001/02/03", "INV 2024-0117/18/19"                -> the tail replaces the last digits
    "... INV-2024-00" + "417 THANKS"                   -> 2024-00417         (`junctions`)
    "ABC-00042"                                        -> 42                 (`padded`)
    "21 00000 00003 13947 14300 09017"                 -> a Swiss QR reference (`qr_groups`)
    "ORIG: ACME CORP OBI: INV 1001"                    -> payer ACME CORP, text "INV 1001" (`wire_text`)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from functools import lru_cache

from stdnum.ch import esr

from reconcile.model import Payment
from reconcile.normalize import PO_WORDS, PREFIX_WORDS, compact

MAX_RANGE = 50  # "1-99999" is not 99999 invoices: a longer range is not read at all
MIN_DIGITS = 3  # as references.MIN_TEXT_KEY: "11-12" is a date or a quantity, not a range
CUT_WIDTH = 30  # camt Ustrd is cut at 35 (or 140) characters: a line this long may be cut anywhere
QR_LEN = 27  # Swiss QR reference: 26 digits and a mod-10 recursive check digit
_CURRENCY = re.compile(r"(?:\b(?:EUR|USD|GBP|CHF|CAD|AUD|JPY|SEK|NOK|DKK|PLN|CZK|HUF)\b|[€$£])")
_RANGE_WORD = r"TO|BIS|THRU|THROUGH|TILL|UNTIL|UP TO"
# a - b, a to b: b must be the last digit group of its word ("INV-2024-1001-1003": a = 1001).
# (found at every start, overlapping: "2026-2458 BIS 2460" is the year-prefixed 2026-2458
# to 2460, and only the second of its two candidate pairs is a range)
_RANGE = re.compile(rf"(?=(?<![0-9A-Z])(?P<a>\d+)(?P<sep>\s*[-–—]\s*|\s+(?:{_RANGE_WORD})\s+)(?P<b>\d+)"
                    r"(?![0-9A-Z]|[-/.]\d))")
# "2026-2753 TO 2026-2756", "INV-1001 TO INV-1003": the end repeats the start's stem; blanked
# (same length, positions kept) it reads as "2026-2753 TO 2756".
_REPEATED_STEM = re.compile(rf"(?<![0-9A-Z])(?P<stem>[A-Z]{{1,6}}[-/ ]?(?:\d{{4}}[-/])?|\d{{4}}[-/])\d+"
                            rf"(?:\s*[-–—]\s*|\s+(?:{_RANGE_WORD})\s+)(?P<again>(?P=stem))(?=\d)")
_LIST = re.compile(r"(?<![0-9A-Z])(?P<a>\d+)(?P<tail>(?:\s*/\s*\d+)+)(?![0-9A-Z]|[-.]\d)")


@dataclass(frozen=True, slots=True)
class Implied:
    """Numbers a range or shortened list may mean, one reading per stem (likeliest first)."""

    written: str
    readings: tuple[tuple[str, ...], ...]  # compacted numbers; a reading counts only if ...
    anchors: tuple[int, ...]  # ... one of these positions (numbers written in full) is an invoice
    whole: str  # the text read as one number: if that is an invoice, this is no list
    starts: tuple[int, ...]  # where each reading's text begins in the line (it ends at end)
    end: int


def _word_start(line: str, pos: int) -> int:
    """Start of the whitespace-delimited word holding position pos."""
    return max(line.rfind(" ", 0, pos), line.rfind("\t", 0, pos)) + 1


def _stems(line: str, pos: int) -> tuple[list[tuple[str, int]], str]:
    """(prefix, where it starts) a number at pos may carry: its own word's ('INV-2024-'), that
    with a preceding all-digit word ('2024' of 'INV 2024 0117/18'); and the word before (to
    tell a prefix word such as 'INV')."""
    start = _word_start(line, pos)
    own = line[start:pos]
    before = line[:start].split()
    stems = [(own, start)]
    if before and before[-1].isdigit() and not own:
        stems.insert(0, (before[-1], line.rfind(before[-1], 0, start)))
    prev = before[-1] if before else ""
    return stems, compact(prev)


def _is_date(digits: str) -> bool:
    if len(digits) not in (6, 8):
        return False
    for fmt in ("%Y%m%d", "%d%m%Y", "%y%m%d", "%d%m%y"):
        try:
            datetime.strptime(digits, fmt)
            return True
        except ValueError:
            continue
    return False


def _is_year(digits: str) -> bool:
    return len(digits) == 4 and digits[:2] in ("19", "20")


@lru_cache(maxsize=8192)
def implied(line: str) -> tuple[tuple[Implied, ...], tuple[str, ...]]:
    """Ranges and shortened lists in a line (already upper-case, amounts masked), and notes."""
    if not any(ch in line for ch in "-–—/") and not re.search(rf"\d\s+(?:{_RANGE_WORD})\s+\d", line):
        return (), ()
    out: list[Implied] = []
    notes: list[str] = []
    line = _REPEATED_STEM.sub(lambda m: m.group()[:m.start("again") - m.start()] + " " * len(m["again"]), line)
    for m in _RANGE.finditer(line):
        a, b, sep = m["a"], m["b"], m["sep"].strip()
        written, end = " ".join(line[m.start("a"):m.end("b")].split()), m.end("b")
        stems, prev = _stems(line, m.start("a"))
        explicit = prev in PREFIX_WORDS and prev not in PO_WORDS
        if prev in PO_WORDS or (len(a) < MIN_DIGITS and not explicit):
            continue
        if len(b) < len(a):  # "1001-03": the tail replaces the last digits
            b = a[:len(a) - len(b)] + b
        if len(b) != len(a) and not (a[0] != "0" and b[0] != "0"):
            continue  # zero-padded ends of different widths: no one numbering
        lo, hi = int(a), int(b)
        if hi <= lo or _is_date(a) or _is_date(b):
            continue
        if sep in "-–—" and (_is_year(a) or _is_year(b)) and not explicit:
            continue  # "2024-2031": a year-prefixed number (or a span of years), not a range
        if sep in "-–—" and _is_year(a) and (len(b) > len(a) or hi - lo + 1 > MAX_RANGE):
            continue  # "RE 2026-3342": a year-prefixed number, even after a prefix word
        around = line[max(0, m.start() - 5):m.start()] + " " + line[end:end + 5]
        if _CURRENCY.search(around):
            continue  # "100 - 200 EUR": amounts
        if hi - lo + 1 > MAX_RANGE:
            notes.append(f"range {written!r} spans more than {MAX_RANGE} numbers; not expanded")
            continue
        width = len(a) if a.startswith("0") else 0
        numbers = [str(n).zfill(width) for n in range(lo, hi + 1)]
        readings = tuple(tuple(compact(stem + n) for n in numbers) for stem, _ in stems)
        out.append(Implied(written.strip(), readings, (0, len(numbers) - 1),
                           compact(stems[-1][0] + m["a"] + m["b"]), tuple(at for _, at in stems), end))
    for m in _LIST.finditer(line):
        a = m["a"]
        tails = [t.strip() for t in m["tail"].split("/") if t.strip()]
        if len(a) < MIN_DIGITS or all(len(t) >= len(a) for t in tails):
            continue  # "1001/1002": full numbers, read token by token already
        numbers, base = [a], a
        for t in tails:
            base = t if len(t) >= len(base) else base[:len(base) - len(t)] + t
            numbers.append(base)
        stems, prev = _stems(line, m.start("a"))
        if prev in PO_WORDS:
            continue
        if any(_is_date(n) for n in numbers) or (_is_year(a) and all(len(t) <= 2 for t in tails)):
            continue  # "2026/11/12" is a date
        readings = tuple(tuple(compact(stem + n) for n in numbers) for stem, _ in stems)
        out.append(Implied(m.group(0).strip(), readings, (0,), compact(stems[-1][0] + a + "".join(tails)),
                           tuple(at for _, at in stems), m.end()))
    return tuple(out), tuple(notes)


# -- a number cut across two remittance lines --------------------------------------------------

@dataclass(frozen=True, slots=True)
class Junction:
    written: str
    joined: str  # compacted: the two pieces glued
    left: str  # compacted pieces, each of which must name nothing on its own
    right: str


def junctions(upper: str, lower: str) -> tuple[Junction, ...]:
    """Readings of the end of one line glued to the start of the next, longest first.

    Banks cut camt Ustrd at 35/140 characters, mid-number. The glued reading is trusted
    only where `references` finds it in the book and neither piece is an invoice itself.
    """
    left_words, right_words = upper.split(), lower.split()
    if not left_words or not right_words:
        return ()
    right = right_words[0]
    if not (upper[-1:].isalnum() or upper[-1:] in "-/") or not right[:1].isalnum():
        return ()  # a cut falls inside a number: a line ending "." or "," was complete
    right_c = compact(right)
    if not right_c or not any(ch.isdigit() for ch in left_words[-1] + right):
        return ()
    tail = left_words[-1]
    cut = len(upper) >= CUT_WIDTH or tail[-1:] in "-/" or (tail[-1:] == "0" and not tail.rstrip("0")[-1:].isdigit())
    if not cut:
        return ()  # "ORDER 10" / "01 PIECES": a short line ending in a whole word was not cut
    out = []
    for k in (3, 2, 1):
        if k > len(left_words):
            continue
        left = " ".join(left_words[-k:])
        out.append(Junction(f"{left}|{right}", compact(left + right), compact(left), right_c))
    # A list written without blanks ('f2026/2860/f2026/2862/f2026/286' | '5/f2026/2868'): the
    # cut falls inside its last item, so glue the tail's last items to the head's first.
    if "/" in tail or "/" in right:
        tails, heads = tail.split("/"), right.split("/")
        for k in (2, 1):
            for m in (2, 1):
                if k <= len(tails) and m <= len(heads) and (k, m) != (len(tails), len(heads)):
                    left, head = "/".join(tails[-k:]), "/".join(heads[:m])
                    if compact(left) and compact(head):
                        out.append(Junction(f"{left}|{head}", compact(left + head), compact(left), compact(head)))
    return tuple(out)


# -- zero padding behind a prefix the book does not use ------------------------------------------

_PADDED = re.compile(r"(?<![0-9A-Z])(?P<prefix>[A-Z]{1,6})[\s#:.-]{0,2}(?P<digits>0+[1-9]\d*)(?![0-9A-Z])")


@lru_cache(maxsize=8192)
def padded(line: str) -> tuple[tuple[str, str, str], ...]:
    """(as written, the whole compacted, the digits without their zeros) of 'ABC-00042' shapes:
    letters, then a number zero-padded to five digits or more."""
    if "0" not in line:
        return ()
    out = []
    for m in _PADDED.finditer(line):
        prefix, digits = m["prefix"], m["digits"]
        if len(digits) < 5 or prefix in PO_WORDS or prefix in _WIRE_WORDS:
            continue
        out.append((m.group(0), compact(m.group(0)), digits.lstrip("0")))
    return tuple(out)


# -- Swiss QR references in free text -----------------------------------------------------------

def qr_groups(tokens: Sequence[str], used: list[bool]) -> list[tuple[str, str]]:
    """27-digit QR references (mod-10 recursive check) written whole or in groups
    ('21 00000 00003 13947 14300 09017'): (compacted, as written); marks their tokens used."""
    found = []
    i, n = 0, len(tokens)
    while i < n:
        if used[i] or not tokens[i].isdigit():
            i += 1
            continue
        s, j = tokens[i], i
        while len(s) < QR_LEN and j + 1 < n and tokens[j + 1].isdigit() and not used[j + 1]:
            j += 1
            s += tokens[j]
        if len(s) == QR_LEN and esr.is_valid(s):
            for k in range(i, j + 1):
                used[k] = True
            found.append((s, " ".join(tokens[i:j + 1])))
            i = j + 1
        else:
            i += 1
    return found


# -- US wire text (Fedwire / CHIPS / ACH descriptions) ----------------------------------------

# Tags whose value names the payer; tags whose value is a bank's id (never an invoice); the rest
# (OBI, RFB, REF, ...) carry the payer's own text and are searched as remittance.
_NAME_TAGS = ("ORIG CO NAME", "ORIGINATOR", "ORIG", "B/O", "BY ORDER OF")
_OTHER_NAME_TAGS = ("BNF", "BENEFICIARY", "IND NAME", "ORIG BK", "BBK", "BNF BK", "INS")
_ID_TAGS = ("ORIG ID", "IMAD", "OMAD", "TRN", "TRACE#", "TRACE", "EED", "SEC", "DESC DATE", "SEQ", "SND BK", "ABA")
_TEXT_TAGS = ("OBI", "RFB", "REF", "BBI", "CO ENTRY DESCR", "IND ID", "ADDENDA", "RMT")
_ALL = sorted(_NAME_TAGS + _OTHER_NAME_TAGS + _ID_TAGS + _TEXT_TAGS, key=len, reverse=True)
_TAG = re.compile(r"(?:(?<=^)|(?<=[\s/]))(?P<tag>" + "|".join(re.escape(t).replace(r"\ ", r"\s+") for t in _ALL)
                  + r")(?:\s*[:=]|/(?=\S)|(?<=B/O)\s)")
_WIRE_WORDS = frozenset(w for t in _ALL for w in re.split(r"[\s/#]+", t) if w) | {"CO", "NAME", "ID"}


@lru_cache(maxsize=8192)
def wire_text(line: str) -> tuple[str, str | None]:
    """(the line with its name and bank-id fields blanked out, the payer's name if tagged).

    Only the tag words and what a bank put there go: "OBI: INV 1001" stays "INV 1001", while
    "ORIG: 7-ELEVEN INC" or "TRN: 2026111000123" can never become invoice references.
    """
    upper = line.upper()
    if not any(t in upper for t in ("ORIG", "B/O", "OBI", "RFB", "BNF", "TRN", "IMAD", "BY ORDER", "IND ")):
        return line, None
    marks = list(_TAG.finditer(upper))
    if not marks:
        return line, None
    parts, name = [line[:marks[0].start()]], None
    for m, nxt in zip(marks, marks[1:] + [None]):
        tag = " ".join(m["tag"].split())
        value = line[m.end():nxt.start() if nxt else len(line)].strip(" /:")
        if tag in _NAME_TAGS:
            name = name or (value or None)
        elif tag in _TEXT_TAGS:
            parts.append(value)
    return " ".join(p.strip() for p in parts if p.strip()), name


def wire_payer(lines: Sequence[str]) -> str | None:
    """The payer's name as a US wire's text tags it (ORIG:, ORIG CO NAME:, B/O)."""
    for line in lines:
        name = wire_text(line)[1]
        if name:
            return name
    return None


def with_wire_payer(p: Payment) -> Payment:
    """The payment, its payer name taken from the wire text when the bank gave none."""
    if p.payer_name or not p.remittance:
        return p
    name = wire_payer(p.remittance)
    return replace(p, payer_name=name) if name else p
