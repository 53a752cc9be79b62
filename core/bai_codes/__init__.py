"""BAI2 type codes: direction, level, description, and remit's cash-application view of them.

The code list is the BAI "Cash Management Balance Reporting Specifications" (version 2,
2005) Appendix A, as tabulated by github.com/ministryofjustice/bai2 (bai2/constants.py,
MIT) and github.com/moov-io/bai2 (pkg/bai2/type_codes.go, Apache-2.0). Codes outside the
table are classified by the spec's ranges (`classify`): 001-099 and 900-919 status,
100-399 and 920-959 credit, 400-699 and 960-999 debit, 700-799 loan, 890 non-monetary.

On top of the spec, three remit decisions live here so they can be reviewed in one place:
`kind_of` (wire/ach/check/lockbox/card/other), `RETURN_CODES` (entries that undo an earlier
payment and get `reversal=True` + return info) and `is_custom` (900-999, bank-defined).

The table itself is data, one module per range of the spec: status.py (001-099), credits.py
(100-399), debits.py (400-699), loans.py (700-799 and 890).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from core.bai_codes import credits, debits, loans, status
from core.digits import is_ascii_digits
from core.records import Direction, Kind


class Level(StrEnum):
    STATUS = "status"  # a balance or float figure (03 only): becomes a Balance
    SUMMARY = "summary"  # an activity total (03), sometimes also used on a 16
    DETAIL = "detail"  # a transaction (16)


@dataclass(frozen=True, slots=True)
class TypeCode:
    code: str
    direction: Direction | None  # None: status, loan or non-monetary codes
    level: Level
    description: str


_DIRECTIONS = {"C": Direction.CREDIT, "D": Direction.DEBIT, "-": None}
_LEVELS = {"T": Level.STATUS, "S": Level.SUMMARY, "D": Level.DETAIL}


def _load(*tables: str) -> dict[str, TypeCode]:
    codes: dict[str, TypeCode] = {}
    for table in tables:
        for row in table.strip().splitlines():
            code, direction, level, description = row.split(" ", 3)
            codes[code] = TypeCode(code, _DIRECTIONS[direction], _LEVELS[level], description)
    return codes


TYPE_CODES: dict[str, TypeCode] = _load(status.ROWS, credits.ROWS, debits.ROWS, loans.ROWS)

NON_MONETARY = "890"


def _three_digits(code: str) -> bool:
    return len(code) == 3 and is_ascii_digits(code)  # never '²' or '١'


def is_custom(code: str) -> bool:
    """900-999 are bank-defined: their meaning comes from the bank, not the spec."""
    return _three_digits(code) and code >= "900"


def classify(code: str) -> TypeCode | None:
    """The table entry, or a range-based classification; None for a malformed code."""
    if code in TYPE_CODES:
        return TYPE_CODES[code]
    if not _three_digits(code):
        return None
    n = int(code)
    if n <= 99 or 900 <= n <= 919:
        return TypeCode(code, None, Level.STATUS, "Custom status" if n >= 900 else "Status")
    custom = "Custom " if n >= 900 else ""
    if 100 <= n <= 399 or 920 <= n <= 959:
        return TypeCode(code, Direction.CREDIT, Level.DETAIL, f"{custom}credit")
    if 400 <= n <= 699 or n >= 960:
        return TypeCode(code, Direction.DEBIT, Level.DETAIL, f"{custom}debit")
    return TypeCode(code, None, Level.DETAIL, "Loan or non-monetary")  # 700-899


def is_balance(code: str) -> bool:
    """Status codes (balances, float) become Statement balances; activity totals do not."""
    found = classify(code)
    return found is not None and found.level is Level.STATUS


# Entries that undo an earlier payment: reversal=True and Transaction.return_info.
# The lists of bai2/samples/SOURCES.md (252 257 258 261 266 / 555 557 558 561) plus the
# codes whose spec description says the same thing: 123/423 EDIBANX returns, 255 check
# posted and returned, 395 check reversal, 552 credit reversal, 566 return item,
# 694 deposit reversal. Fees about returns (567) and adjustments (268/568) are not returns.
RETURN_CODES: frozenset[str] = frozenset(
    "123 252 255 257 258 261 266 395 423 552 555 557 558 561 566 694".split()
)

# remit's payment-rail view of the detail codes; anything not listed is Kind.OTHER.
_KINDS: dict[Kind, str] = {
    Kind.LOCKBOX: "109 110 115 116 118 415 416",
    Kind.ACH: (
        "140 142 143 145 160 162 163 164 165 166 167 168 169 256 257 258 260 261 "
        "445 446 447 450 451 452 455 462 463 464 465 466 467 468 469 556 557 558 560 561"
    ),
    Kind.WIRE: (
        "190 191 195 196 205 206 207 208 303 304 490 491 493 495 496 505 506 507 508 611 612"
    ),
    Kind.CHECK: "170 175 176 222 250 255 395 470 471 472 474 475 522 550 555",
    Kind.CARD: "146 147",
}
KIND_OF: dict[str, Kind] = {code: kind for kind, codes in _KINDS.items() for code in codes.split()}


def kind_of(code: str) -> Kind:
    return KIND_OF.get(code, Kind.OTHER)


def description(code: str) -> str:
    found = classify(code)
    return found.description if found else f"type code {code}"
