"""Customer numbers written in the remittance ("CUST 10042", "Kd-Nr. 10042", "Customer ID: C-10042").

Why a module of its own: the keyword patterns are language data, and the customer index
only needs two functions of them. A number identifies a customer only when it equals a
known customer id (normalized); a number after the keyword that is no customer's says nothing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reconcile.normalize import compact, fold

# Keyword, an optional number word, then the number (it must hold a digit). German, Dutch,
# French and English spellings; 'KD' and 'KUNDEN' take 'NR' with or without a dash or dot
# ('KD.-NR.'). 'ACCT'/'ACCOUNT' is the payer's account with us, as US remittance writes it
# (a bank account number is no customer id: it identifies nobody here).
_NUMBER = re.compile(
    r"\b(?:CUSTOMER|CUST|CLIENT|KUNDEN|KUNDE|KD|DEBITOREN|DEBITOR|DEB|KLANT|ACCOUNT|ACCT)"
    r"\s*[-.]{0,2}\s*(?:NUMBER|NUMMER|NUM|NR|NO|ID|N°|#)?\s*[.:#]?\s*"
    r"([A-Z]{0,4}[-/]?[0-9][A-Z0-9\-/]*)"
)
_MIN_KEY = 3  # 'KD 7' is too likely a count or a page, and ids that short are rare


def number_keys(customer_id: str) -> tuple[str, ...]:
    """Keys a customer id is found under: compacted ('C-10042' -> 'C10042'), and its number
    without letter prefix and leading zeros ('10042'), which payers often quote alone."""
    full = compact(customer_id)
    if len(full) < _MIN_KEY or not any(c.isdigit() for c in full):
        return ()
    bare = full.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ").lstrip("0")
    return (full,) if bare in ("", full) or len(bare) < _MIN_KEY else (full, bare)


def numbers_in_text(lines: Iterable[str]) -> list[str]:
    """Compacted customer numbers the lines quote after a customer keyword, in order."""
    found: list[str] = []
    for line in lines:
        upper = fold(line)
        if not any(k in upper for k in ("CUST", "CLIENT", "KD", "KUNDE", "DEB", "KLANT", "ACC")):
            continue
        for m in _NUMBER.finditer(upper):
            key = compact(m.group(1))
            if len(key) >= _MIN_KEY and key not in found:
                found.append(key)
    return found
