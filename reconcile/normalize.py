"""Text normalization for matching: payer/customer names and invoice/PO references.

Why a module of its own: the invoice book (indexed once per run) and every payment must be
normalized by the *same* functions, or exact lookups miss silently. Everything here is a
pure function of a string; nothing knows about invoices or payments.

Names:      "ACME Mfg. Co., Ltd."      -> ("ACME", "MANUFACTURING")
            "Müller & Söhne GmbH & Co. KG" -> ("MULLER", "AND", "SOHNE")
References: "INV-0001042", "Invoice no. 1042", "RE: #1042" -> "1042"
            "PO 4500-123"                          -> PO key "4500123"
"""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable
from functools import lru_cache

# Legal forms are noise for identity ("Acme Ltd" and "ACME LIMITED" are one payer).
LEGAL_FORMS = frozenset(
    """INC INCORPORATED LLC LLP LP LTD LIMITED GMBH MBH AG SA SAS SARL SRL SPA SL SAU BV NV
    CORP CORPORATION CO COMPANY PLC OY OYJ AB KG KGAA OHG UG SE AS ASA APS PTY PC PLLC BVBA
    SPRL CV EV EK SCA SCS SNC KFT ZRT SPZOO SRO DOO AD
    AKTIENGESELLSCHAFT KOMMANDITGESELLSCHAFT AKTIEBOLAG AKTIEBOLAGET OSAKEYHTIO""".split()
)  # (the last line: forms written out, 'Rossi Plastics Aktiengesellschaft' = 'Rossi Plastics AG')
# One spelling per word, so "ACME MFG" and "Acme Manufacturing" compare equal.
ABBREVIATIONS = {
    "MFG": "MANUFACTURING", "MFRS": "MANUFACTURERS", "MANUF": "MANUFACTURING",
    "INTL": "INTERNATIONAL", "INTERNATL": "INTERNATIONAL", "INTNL": "INTERNATIONAL",
    "CORP": "CORPORATION", "CORPN": "CORPORATION", "INC": "INCORPORATED",
    "IND": "INDUSTRIES", "INDS": "INDUSTRIES", "INDUSTRY": "INDUSTRIES",
    "TECH": "TECHNOLOGIES", "TECHNOLOGY": "TECHNOLOGIES", "TECHS": "TECHNOLOGIES",
    "SVCS": "SERVICES", "SVC": "SERVICES", "SERV": "SERVICES", "SERVICE": "SERVICES",
    "MGMT": "MANAGEMENT", "ASSOC": "ASSOCIATES", "ASSN": "ASSOCIATION", "BROS": "BROTHERS",
    "DIST": "DISTRIBUTION", "DISTR": "DISTRIBUTION", "SYS": "SYSTEMS", "ENGG": "ENGINEERING",
    "ENG": "ENGINEERING", "GRP": "GROUP", "HLDGS": "HOLDINGS", "HLDG": "HOLDINGS",
    "NATL": "NATIONAL", "CTR": "CENTER", "CENTRE": "CENTER", "LABS": "LABORATORIES",
    "LAB": "LABORATORIES", "SOLNS": "SOLUTIONS", "ELEC": "ELECTRONICS", "COMM": "COMMUNICATIONS",
    "CHEM": "CHEMICALS", "PHARMA": "PHARMACEUTICALS", "INSTR": "INSTRUMENTS",
    "INDL": "INDUSTRIAL", "ENGRG": "ENGINEERING", "PTNRS": "PARTNERS", "PRODS": "PRODUCTS",
    "CONSTR": "CONSTRUCTION", "COMPNTS": "COMPONENTS", "MATLS": "MATERIALS", "TRANSP": "TRANSPORT",
    "MED": "MEDICAL", "AUTO": "AUTOMOTIVE", "WW": "WORLDWIDE", "AMER": "AMERICA", "ELECS": "ELECTRONICS",
    "DISTRIB": "DISTRIBUTION", "SUPP": "SUPPLY",
}
_STOPWORDS = frozenset({"THE"})
_JOINERS = frozenset({"AND"})  # "GmbH & Co KG": the '&' between legal forms goes with them

# Invoice-number prefixes a payer adds or drops ("INV-1042" paid as "1042", "RE: 1042").
_INVOICE_PREFIXES = (
    "INVOICENUMBER INVOICENO INVOICENR INVOICE INVNO INVNR INV RECHNUNGSNUMMER RECHNUNGSNR "
    "RECHNUNG RGNR RG FACTURENO FACTURE FACTURA FATTURA FACTUUR REFERENCE REFNO REF RE "
    "NUMBER NUMMER NUM NO NR DOC BILL"
).split()
_PO_PREFIXES = "PURCHASEORDERNO PURCHASEORDER PONUMBER PONO PO BESTELLNR BESTELLUNG ORDERNO ORDER".split()
_INVOICE_PREFIX_RE = re.compile(rf"^(?:{'|'.join(_INVOICE_PREFIXES)})+(?=[0-9])")
_PO_PREFIX_RE = re.compile(rf"^(?:{'|'.join(_PO_PREFIXES)})(?:{'|'.join(_INVOICE_PREFIXES)})*(?=[0-9])")
PREFIX_WORDS = frozenset(_INVOICE_PREFIXES) | frozenset(_PO_PREFIXES)
# A prefix regex can only match a string that starts with a prefix word's first letter: the
# test is a set lookup, the regex (a few hundred ns) runs only then.
_INVOICE_FIRST = frozenset(p[0] for p in _INVOICE_PREFIXES)
_PO_FIRST = frozenset(p[0] for p in _PO_PREFIXES)
PO_WORDS = frozenset(_PO_PREFIXES) | {"P"}  # "P.O. 123" tokenizes to P, O, 123

_NOT_ALNUM = re.compile(r"[^0-9A-Z]+")
_APOSTROPHES = re.compile(r"['’`]")  # "O'Brien" -> "OBRIEN", "Int'l" -> "INTL"
# "S.A." "B.V" "S.P.A." -> SA BV SPA; "ACME.COM" stays two words.
_INITIALS = re.compile(r"\b[A-Z](?:\.[A-Z])+\b\.?")
_DIGIT = re.compile(r"[0-9]")
# German umlauts written out ("Mueller") fold like the umlaut itself ("Müller" -> MULLER):
# AE/OE/UE at a word start or after a consonant. Both sides of a comparison go through it,
# so a collapsed English word ("BLUE" -> BLU) still equals itself.
_UMLAUT_DIGRAPH = re.compile(r"(?:(?<=[^AEIOUY])|\b)([AOU])E")


def fold(text: str) -> str:
    """Upper-case ASCII-ish text: accents stripped, 'ß' -> 'SS' (casefold), other scripts kept."""
    if text.isascii():
        return text.upper()
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).upper()


@lru_cache(maxsize=200_000)
def name_tokens(text: str, expand: bool = True) -> tuple[str, ...]:
    """Identity-bearing words of a company or person name, in their original order.

    `expand=False` keeps words as written ('TECH', 'TECHNOLOGY'): the literal form tells
    apart two customers whose expanded names coincide.
    """
    s = _APOSTROPHES.sub("", fold(text).replace("&", " AND ").replace("+", " AND "))
    s = _INITIALS.sub(lambda m: m.group(0).replace(".", "") + " ", s)
    raw = _NOT_ALNUM.sub(" ", s).split()
    if expand:  # the literal form (expand=False) keeps "MUELLER": it tells two spellings apart
        raw = [ABBREVIATIONS.get(t, t) for t in raw]
        raw = [_UMLAUT_DIGRAPH.sub(r"\1", t) if "E" in t else t for t in raw]
    legal = [ABBREVIATIONS.get(t, t) in LEGAL_FORMS for t in raw]
    keep: list[str] = []
    for i, token in enumerate(raw):
        if legal[i] or token in _STOPWORDS:
            continue
        beside_legal = (i > 0 and legal[i - 1]) or (i + 1 < len(raw) and legal[i + 1])
        if token in _JOINERS and beside_legal:
            continue
        keep.append(token)
    if keep and keep[-1] in _JOINERS:  # "Smith &" left over from "Smith & Co"
        keep.pop()
    return tuple(keep) if keep else tuple(raw)


def normalize_name(text: str) -> str:
    """Normalized name, word order kept (for prefix comparison of truncated names)."""
    return " ".join(name_tokens(text))


def name_key(text: str, expand: bool = True) -> str:
    """Word-order-free key: 'MURDOCH, PETER' and 'Peter Murdoch' share it."""
    return " ".join(sorted(name_tokens(text, expand)))


# ASCII text as bytes: upper case and punctuation out in one C pass (a million invoices a run).
_ASCII_UPPER = bytes.maketrans(string.ascii_lowercase.encode(), string.ascii_uppercase.encode())
_ASCII_PUNCT = bytes(c for c in range(128) if not chr(c).isalnum())


def compact(text: str) -> str:
    """Upper case, letters and digits only: 'inv-2024/00.42' -> 'INV20240042'."""
    if text.isascii():  # the common case, ~10x faster than the regex
        return text.encode("ascii").translate(_ASCII_UPPER, _ASCII_PUNCT).decode("ascii")
    return _NOT_ALNUM.sub("", fold(text))


def has_digit(text: str) -> bool:
    return _DIGIT.search(text) is not None


# A compacted reference is ASCII letters and digits. The prefix patterns are words of letters
# followed by a digit, so on such a string they can only match its whole leading run of
# letters: whether they do is a property of that run ("INV", "RE", "PO"), worked out once.
_LETTERS = string.ascii_letters


@lru_cache(maxsize=4096)
def _prefix_run(run: str) -> tuple[bool, bool]:
    """(a PO prefix, an invoice prefix): what the patterns say of `run` followed by a digit."""
    probe = run + "0"
    return _PO_PREFIX_RE.match(probe) is not None, _INVOICE_PREFIX_RE.match(probe) is not None


def _split(s: str) -> tuple[bool, bool, str]:
    """(PO-prefixed, invoice-prefixed, the rest after the prefix) of an ASCII alphanumeric s."""
    rest = s.lstrip(_LETTERS)
    if not rest or len(rest) == len(s):  # no digit, or no prefix
        return False, False, s
    po, invoice = _prefix_run(s[:len(s) - len(rest)])
    return po, invoice, rest


def _key(s: str) -> str | None:
    """Leading zeros dropped; None unless a digit is left (s: ASCII letters and digits)."""
    s = s.lstrip("0")
    return s if s and not s.isalpha() else None


def ref_key_compact(s: str) -> str | None:
    """Invoice key of an already compacted string: prefixes and leading zeros dropped."""
    if s.isascii() and s.isalnum():
        _, invoice, rest = _split(s)
        return _key(rest if invoice else s)
    if s[:1] in _INVOICE_FIRST:  # no other string can start with a prefix
        s = _INVOICE_PREFIX_RE.sub("", s, count=1)
    s = s.lstrip("0")
    return s if s and not s.isalpha() else None  # compacted: not all letters = has a digit


def ref_key(text: str) -> str | None:
    """Key under which an invoice number is indexed and looked up (None: not a reference).

    A reference must contain a digit: words alone ('PAYMENT') never name an invoice.
    """
    return ref_key_compact(compact(text))


def po_key_compact(s: str) -> str | None:
    if s.isascii() and s.isalnum():
        po, invoice, rest = _split(s)  # a PO prefix may end in invoice words; else an invoice prefix
        return _key(rest if po or invoice else s)
    if s[:1] in _PO_FIRST:
        s = _PO_PREFIX_RE.sub("", s, count=1)
    if s[:1] in _INVOICE_FIRST:
        s = _INVOICE_PREFIX_RE.sub("", s, count=1)
    s = s.lstrip("0")
    return s if s and has_digit(s) else None


def po_key(text: str) -> str | None:
    """Key under which a purchase-order number is indexed and looked up."""
    return po_key_compact(compact(text))


def is_po_prefixed(s: str) -> bool:
    """Does a compacted reference start with a PO prefix ('PO4500123')?"""
    if s.isascii() and s.isalnum():
        return _split(s)[0]
    return s[:1] in _PO_FIRST and _PO_PREFIX_RE.match(s) is not None


# The same keys for a whole list at once (the invoice book: up to a million numbers a run):
# one string, one line per text, and the patterns applied line by line ((?m) anchors).
_BATCH_PUNCT = _ASCII_PUNCT.replace(b"\n", b"")  # compact(), the line breaks kept
_BATCH_INVOICE_PREFIX = re.compile(rf"(?m)^(?:{'|'.join(_INVOICE_PREFIXES)})+(?=[0-9])")
_BATCH_PO_PREFIX = re.compile(rf"(?m)^(?:{'|'.join(_PO_PREFIXES)})(?:{'|'.join(_INVOICE_PREFIXES)})*(?=[0-9])")
_BATCH_ZEROS = re.compile(r"(?m)^0+")
_BATCH_NO_DIGIT = re.compile(r"(?m)^[A-Z]+$")  # compacted: no digit = all letters


def ref_keys(texts: list[str]) -> list[str | None]:
    """[ref_key(t) for t in texts], computed in a few passes over all of them."""
    return _batch_keys(texts, ref_key, (_BATCH_INVOICE_PREFIX,))


def po_keys(texts: list[str]) -> list[str | None]:
    """[po_key(t) for t in texts], computed in a few passes over all of them."""
    return _batch_keys(texts, po_key, (_BATCH_PO_PREFIX, _BATCH_INVOICE_PREFIX))


def _batch_keys(texts: list[str], one: Callable[[str], str | None],
                prefixes: tuple[re.Pattern[str], ...]) -> list[str | None]:
    joined = "\n".join(texts)
    if not joined.isascii() or joined.count("\n") != len(texts) - 1 or not texts:
        return [one(t) for t in texts]  # line breaks or other scripts inside: one at a time
    lines = joined.encode("ascii").translate(_ASCII_UPPER, _BATCH_PUNCT).decode("ascii")
    for pattern in prefixes:
        lines = pattern.sub("", lines)
    lines = _BATCH_NO_DIGIT.sub("", _BATCH_ZEROS.sub("", lines))
    return [key or None for key in lines.split("\n")]


@lru_cache(maxsize=1 << 15)
def compact_keys(s: str) -> tuple[bool, str | None, str | None]:
    """(is_po_prefixed, ref_key_compact, po_key_compact) of a compacted reference: everything
    an exact lookup needs, computed once per string (dates and payer words recur all day)."""
    if s.isascii() and s.isalnum():  # _split and _key, inline (a few spans per remittance line)
        rest = s.lstrip(_LETTERS)
        if rest and len(rest) < len(s):
            po, invoice = _prefix_run(s[:len(s) - len(rest)])
        else:
            po = invoice = False
        key = (rest if invoice else s).lstrip("0")
        pkey = (rest if po or invoice else s).lstrip("0")
        return (po, key if key and not key.isalpha() else None,
                pkey if pkey and not pkey.isalpha() else None)
    return is_po_prefixed(s), ref_key_compact(s), po_key_compact(s)


# ASCII as bytes: upper case, and a space for anything not a letter or digit (one C pass).
_ASCII_WORDS = bytes(ord(c.upper()) if c.isalnum() else 32 for c in map(chr, range(128))) + bytes(range(128, 256))


def text_tokens(line: str) -> list[str]:
    """Alphanumeric runs of a remittance line, folded: 'Inv.1001,1002' -> ['INV', '1001', '1002']."""
    if line.isascii():
        return line.encode("ascii").translate(_ASCII_WORDS).decode("ascii").split()
    return _NOT_ALNUM.sub(" ", fold(line)).split()
