"""NACHA type 7 records: one dataclass per addenda type, and `parse_addenda` to pick it."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.ach import codes
from ingest.ach.fields import FieldError, alpha, check, cut, fixed_digits, optional_number, text


@dataclass(frozen=True, slots=True)
class Addenda05:
    """Payment related information (CCD+, CTX's X12 820 segments, PPD/WEB free text)."""

    payment_info: str  # 4-83, trailing blanks removed (leading ones kept: CTX joins raw text)
    sequence_number: str = "0001"  # 84-87
    entry_sequence: str = ""  # 88-94: last seven digits of the entry's trace number

    @classmethod
    def parse(cls, line: str) -> Addenda05:
        return cls(
            payment_info=cut(line, 4, 83).rstrip(),
            sequence_number=cut(line, 84, 87),
            entry_sequence=cut(line, 88, 94),
        )

    def to_line(self) -> str:
        return check(
            "705"
            + alpha(self.payment_info, 80, "payment related information")
            + fixed_digits(self.sequence_number, 4, "addenda sequence number")
            + fixed_digits(self.entry_sequence, 7, "entry detail sequence number")
        )


@dataclass(frozen=True, slots=True)
class Addenda98:
    """Notification of change: the receiver's corrected data for an earlier entry."""

    change_code: str  # 4-6
    original_trace: str  # 7-21
    original_rdfi: str  # 28-35
    corrected_data: str  # 36-64
    trace_number: str  # 80-94

    @classmethod
    def parse(cls, line: str) -> Addenda98:
        return cls(
            change_code=text(line, 4, 6),
            original_trace=text(line, 7, 21),
            original_rdfi=text(line, 28, 35),
            corrected_data=text(line, 36, 64),
            trace_number=text(line, 80, 94),
        )

    def to_line(self) -> str:
        return check(
            "798"
            + alpha(self.change_code, 3, "change code")
            + alpha(self.original_trace, 15, "original entry trace number")
            + " " * 6
            + alpha(self.original_rdfi, 8, "original receiving DFI")
            + alpha(self.corrected_data, 29, "corrected data")
            + " " * 15
            + fixed_digits(self.trace_number, 15, "trace number")
        )


@dataclass(frozen=True, slots=True)
class Addenda98Refused:
    """A refused NOC (C61-C69): the ODFI rejects a notification of change."""

    refused_code: str  # 4-6
    original_trace: str  # 7-21
    original_rdfi: str  # 28-35
    corrected_data: str  # 36-64
    change_code: str  # 65-67: the code of the NOC being refused
    trace_sequence: str  # 68-74
    trace_number: str  # 80-94

    @classmethod
    def parse(cls, line: str) -> Addenda98Refused:
        return cls(
            refused_code=text(line, 4, 6),
            original_trace=text(line, 7, 21),
            original_rdfi=text(line, 28, 35),
            corrected_data=text(line, 36, 64),
            change_code=text(line, 65, 67),
            trace_sequence=text(line, 68, 74),
            trace_number=text(line, 80, 94),
        )


@dataclass(frozen=True, slots=True)
class Addenda99:
    """A return: why the entry came back and which original entry it was."""

    return_code: str  # 4-6
    original_trace: str  # 7-21
    date_of_death: str  # 22-27 YYMMDD (R14/R15 only)
    original_rdfi: str  # 28-35
    addenda_info: str  # 36-79 (IAT: 36-45 original forward entry amount, then 46-79)
    trace_number: str  # 80-94

    @classmethod
    def parse(cls, line: str) -> Addenda99:
        return cls(
            return_code=text(line, 4, 6),
            original_trace=text(line, 7, 21),
            date_of_death=text(line, 22, 27),
            original_rdfi=text(line, 28, 35),
            addenda_info=text(line, 36, 79),
            trace_number=text(line, 80, 94),
        )

    def to_line(self) -> str:
        return check(
            "799"
            + alpha(self.return_code, 3, "return reason code")
            + alpha(self.original_trace, 15, "original entry trace number")
            + alpha(self.date_of_death, 6, "date of death")
            + alpha(self.original_rdfi, 8, "original receiving DFI")
            + alpha(self.addenda_info, 44, "addenda information")
            + fixed_digits(self.trace_number, 15, "trace number")
        )


@dataclass(frozen=True, slots=True)
class Addenda99Dishonored:
    """A dishonored return (R61-R70): the ODFI refuses a return it received."""

    dishonored_code: str  # 4-6
    original_trace: str  # 7-21
    original_rdfi: str  # 28-35
    return_trace: str  # 39-53
    return_settlement_date: str  # 54-56 Julian
    return_reason_code: str  # 57-58: the original return's code without the R
    addenda_info: str  # 59-79
    trace_number: str  # 80-94

    @classmethod
    def parse(cls, line: str) -> Addenda99Dishonored:
        return cls(
            dishonored_code=text(line, 4, 6),
            original_trace=text(line, 7, 21),
            original_rdfi=text(line, 28, 35),
            return_trace=text(line, 39, 53),
            return_settlement_date=text(line, 54, 56),
            return_reason_code=text(line, 57, 58),
            addenda_info=text(line, 59, 79),
            trace_number=text(line, 80, 94),
        )


@dataclass(frozen=True, slots=True)
class Addenda99Contested:
    """A contested dishonored return (R71-R77): the RDFI answers a dishonor."""

    contested_code: str  # 4-6
    original_trace: str  # 7-21
    date_original_returned: str  # 22-27
    original_rdfi: str  # 28-35
    original_settlement_date: str  # 36-38
    return_trace: str  # 39-53
    return_settlement_date: str  # 54-56
    return_reason_code: str  # 57-58
    dishonored_trace: str  # 59-73
    dishonored_settlement_date: str  # 74-76
    dishonored_reason_code: str  # 77-78
    trace_number: str  # 80-94

    @classmethod
    def parse(cls, line: str) -> Addenda99Contested:
        return cls(
            contested_code=text(line, 4, 6),
            original_trace=text(line, 7, 21),
            date_original_returned=text(line, 22, 27),
            original_rdfi=text(line, 28, 35),
            original_settlement_date=text(line, 36, 38),
            return_trace=text(line, 39, 53),
            return_settlement_date=text(line, 54, 56),
            return_reason_code=text(line, 57, 58),
            dishonored_trace=text(line, 59, 73),
            dishonored_settlement_date=text(line, 74, 76),
            dishonored_reason_code=text(line, 77, 78),
            trace_number=text(line, 80, 94),
        )


# IAT addenda: only the fields a payment matcher uses are split out; 13-16 and 18 stay raw.


@dataclass(frozen=True, slots=True)
class Addenda10:
    """IAT: transaction type, foreign payment amount and the receiver's name."""

    transaction_type: str  # 4-6, e.g. ANN, BUS, DEP, SAL, WEB
    foreign_payment_amount: int | None  # 7-24 cents (for inbound IATs usually the USD amount)
    foreign_trace: str  # 25-46
    name: str  # 47-81: receiving company or individual name

    @classmethod
    def parse(cls, line: str) -> Addenda10:
        return cls(
            transaction_type=text(line, 4, 6),
            foreign_payment_amount=optional_number(line, 7, 24),
            foreign_trace=text(line, 25, 46),
            name=text(line, 47, 81),
        )


@dataclass(frozen=True, slots=True)
class Addenda11:
    """IAT: the originator's name and street."""

    originator_name: str  # 4-38
    originator_street: str  # 39-73

    @classmethod
    def parse(cls, line: str) -> Addenda11:
        return cls(originator_name=text(line, 4, 38), originator_street=text(line, 39, 73))


@dataclass(frozen=True, slots=True)
class Addenda12:
    """IAT: the originator's city/state and country/postal code ('*'- and '\\'-delimited)."""

    originator_city_state: str  # 4-38
    originator_country_postal: str  # 39-73

    @classmethod
    def parse(cls, line: str) -> Addenda12:
        return cls(
            originator_city_state=text(line, 4, 38),
            originator_country_postal=text(line, 39, 73),
        )


@dataclass(frozen=True, slots=True)
class Addenda17:
    """IAT payment related information (like addenda 05)."""

    payment_info: str  # 4-83
    sequence_number: str  # 84-87

    @classmethod
    def parse(cls, line: str) -> Addenda17:
        return cls(payment_info=cut(line, 4, 83).rstrip(), sequence_number=cut(line, 84, 87))


@dataclass(frozen=True, slots=True)
class OtherAddenda:
    """An addenda kept as raw text: 02 (POS/SHR/MTE terminal data), IAT 13-16 and 18."""

    type_code: str
    content: str  # 4-94 as written

    @classmethod
    def parse(cls, line: str) -> OtherAddenda:
        return cls(type_code=cut(line, 2, 3), content=cut(line, 4, 94).rstrip())


Addenda = (
    Addenda05
    | Addenda98
    | Addenda98Refused
    | Addenda99
    | Addenda99Dishonored
    | Addenda99Contested
    | Addenda10
    | Addenda11
    | Addenda12
    | Addenda17
    | OtherAddenda
)

ADDENDA_TYPES = frozenset({"02", "05", "98", "99", *(str(n) for n in range(10, 19))})


def parse_addenda(line: str) -> Addenda:
    """Dispatch on the addenda type code (2-3) and, for 98/99, on the code's variant."""
    type_code = cut(line, 2, 3)
    if type_code == "05":
        return Addenda05.parse(line)
    if type_code == "98":
        if text(line, 4, 6) in codes.REFUSED_CHANGE_CODES:
            return Addenda98Refused.parse(line)
        return Addenda98.parse(line)
    if type_code == "99":
        code = text(line, 4, 6)
        if code in codes.DISHONORED_RETURN_CODES:
            return Addenda99Dishonored.parse(line)
        if code in codes.CONTESTED_RETURN_CODES:
            return Addenda99Contested.parse(line)
        return Addenda99.parse(line)
    if type_code == "10":
        return Addenda10.parse(line)
    if type_code == "11":
        return Addenda11.parse(line)
    if type_code == "12":
        return Addenda12.parse(line)
    if type_code == "17":
        return Addenda17.parse(line)
    if type_code in ADDENDA_TYPES:
        return OtherAddenda.parse(line)
    raise FieldError("addenda type code", type_code, f"unknown addenda type code {type_code!r}")
