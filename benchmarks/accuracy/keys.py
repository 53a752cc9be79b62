"""Name and number helpers of the generator (also used by the tests): the keys an engine might
normalise a name or a document number to, RF creditor references, letter ids, subset counts."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from stdnum.iso7064 import mod_97_10

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
