"""Reference keys computed the fast ways are the keys the patterns define.

Why: the book is indexed and payments are looked up by these keys; a key computed differently
on one side misses silently. normalize.py takes short cuts (no regex for a string of letters
and digits, whole lists at once, bytes passes for ASCII); each is checked here against the
definition written plainly: the prefix patterns applied with re.sub, zeros stripped, a digit
required.
"""

from __future__ import annotations

import random
import re
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from reconcile import normalize as n

_INVOICE = re.compile(rf"^(?:{'|'.join(n._INVOICE_PREFIXES)})+(?=[0-9])")
_PO = re.compile(rf"^(?:{'|'.join(n._PO_PREFIXES)})(?:{'|'.join(n._INVOICE_PREFIXES)})*(?=[0-9])")


def _compact(text: str) -> str:
    folded = "".join(c for c in unicodedata.normalize("NFKD", text.casefold())
                     if not unicodedata.combining(c)).upper()
    return re.sub(r"[^0-9A-Z]+", "", text.upper() if text.isascii() else folded)


def _ref_key_compact(s: str) -> str | None:
    s = _INVOICE.sub("", s, count=1).lstrip("0")
    return s if s and re.search("[0-9]", s) else None


def _po_key_compact(s: str) -> str | None:
    s = _INVOICE.sub("", _PO.sub("", s, count=1), count=1).lstrip("0")
    return s if s and re.search("[0-9]", s) else None


_WORDS = [*n._INVOICE_PREFIXES, *n._PO_PREFIXES, "P", "O", "IN", "INVO", "ORD", "X", "inv", "po", "Ré"]
_CHARS = "0123456789" * 3 + "ABCXYZabc-/ .#'" + "Ä²٣ß\n"


def _texts(rng: random.Random) -> list[str]:
    out = []
    for _ in range(rng.randint(1, 6)):
        words = [rng.choice(_WORDS) for _ in range(rng.randint(0, 3))]
        tail = "".join(rng.choice(_CHARS[:-6] if rng.random() < 0.9 else _CHARS) for _ in range(rng.randint(0, 9)))
        out.append(rng.choice(["", " ", "-"]).join(words) + rng.choice(["", "0", "00", "1", "-0"]) + tail)
    return out


def test_keys_are_the_patterns_keys() -> None:
    rng = random.Random(11)
    for _ in range(3_000):
        texts = _texts(rng)
        for text in texts:
            s = _compact(text)
            assert n.compact(text) == s, text
            assert n.ref_key(text) == n.ref_key_compact(s) == _ref_key_compact(s), text
            assert n.po_key(text) == n.po_key_compact(s) == _po_key_compact(s), text
            assert n.is_po_prefixed(s) == (_PO.match(s) is not None), text
            assert n.compact_keys(s) == (_PO.match(s) is not None, _ref_key_compact(s), _po_key_compact(s))
        assert n.ref_keys(texts) == [_ref_key_compact(_compact(t)) for t in texts]
        assert n.po_keys(texts) == [_po_key_compact(_compact(t)) for t in texts]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.lists(st.lists(st.sampled_from([*_CHARS, "INV", "PO", "RE", "NO"]), max_size=10).map("".join),
                max_size=5))
def test_lists_of_keys_are_the_keys_one_by_one(texts: list[str]) -> None:
    assert n.ref_keys(texts) == [n.ref_key(t) for t in texts]
    assert n.po_keys(texts) == [n.po_key(t) for t in texts]


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.text(alphabet=st.sampled_from(list(_CHARS) + ["\t", "é", ","]), max_size=30))
def test_tokens_are_the_alphanumeric_runs(line: str) -> None:
    assert n.text_tokens(line) == re.sub(r"[^0-9A-Z]+", " ", n.fold(line)).split()
