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

    def corrected(self) -> tuple[CorrectedData, list[str]]:
        """The corrected data split by the change code (see `corrected_data`)."""
        return corrected_data(self.change_code, self.corrected_data)

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

    def corrected(self) -> tuple[CorrectedData, list[str]]:
        """The refused NOC's corrected data, split by the refused NOC's change code."""
        return corrected_data(self.change_code, self.corrected_data)

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


# --- what a notification of change corrects -------------------------------------------------


@dataclass(frozen=True, slots=True)
class CorrectedData:
    """The corrected data of a NOC (addenda 98 positions 36-64) split by its change code.

    Layout within the 29 characters (Nacha): C01 account 1-17; C02 routing 1-9; C03 routing
    1-9, account 13-29; C04 name 1-22; C05 transaction code 1-2; C06 account 1-17,
    transaction code 22-23; C07 routing 1-9, account 10-26, transaction code 27-28; C09
    individual identification 1-22; C14 SEC code 1-3. C08 (IAT foreign RDFI) and C13
    (addenda format error) carry free text, kept in `text` only. Refused NOCs (C61-C69)
    repeat the refused NOC's corrected data: decode it with that NOC's code.
    """

    text: str
    account: str | None = None
    routing: str | None = None
    transaction_code: int | None = None
    name: str | None = None
    identification: str | None = None
    sec_code: str | None = None


def corrected_data(change_code: str, data: str) -> tuple[CorrectedData, list[str]]:
    """(the corrected data split by `change_code`, problems found in it). Tolerates the
    parts written with other spacing than the layout's (split on blanks instead)."""
    raw = data.ljust(29)
    problems: list[str] = []
    words = data.split()

    def routing(value: str) -> str | None:
        value = value.strip()
        if not (len(value) == 9 and value.isdigit()):
            problems.append(f"{change_code}: corrected routing number {value!r} is not 9 digits")
            return value or None
        if str(-sum(int(d) * w for d, w in zip(value[:8], (3, 7, 1) * 3)) % 10) != value[8]:
            problems.append(f"{change_code}: corrected routing number {value} has a wrong "
                            "check digit")
        return value

    def tx_code(value: str) -> int | None:
        value = value.strip()
        if not (len(value) == 2 and value.isdigit() and int(value) in codes.TRANSACTION_CODES):
            problems.append(f"{change_code}: corrected transaction code {value!r} is not a "
                            "transaction code")
            return None
        return int(value)

    def account(value: str) -> str | None:
        value = value.strip()
        if not value:
            problems.append(f"{change_code}: corrected account number is blank")
        return value or None

    text_ = data.strip()
    if change_code == "C01":
        return CorrectedData(text_, account=account(raw[:17])), problems
    if change_code == "C02":
        return CorrectedData(text_, routing=routing(raw[:9])), problems
    if change_code == "C03":
        acct = raw[12:29] if raw[9:12] == "   " else raw[9:29]
        return CorrectedData(text_, routing=routing(raw[:9]), account=account(acct)), problems
    if change_code == "C04":
        return CorrectedData(text_, name=raw[:22].strip() or None), problems
    if change_code == "C05":
        return CorrectedData(text_, transaction_code=tx_code(raw[:2])), problems
    if change_code == "C06":
        if raw[21:23].isdigit() and not raw[17:21].strip():
            acct, code = raw[:17], raw[21:23]
        elif len(words) > 1:  # written with other spacing: the last word is the code
            acct, code = " ".join(words[:-1]), words[-1]
        else:
            acct, code = raw[:17], raw[21:23]
        return CorrectedData(text_, account=account(acct), transaction_code=tx_code(code)), \
            problems
    if change_code == "C07":
        if raw[26:28].isdigit() and raw[9:26].strip():
            acct, code = raw[9:26], raw[26:28]
        elif len(raw[9:].split()) > 1:
            rest = raw[9:].split()
            acct, code = " ".join(rest[:-1]), rest[-1]
        else:
            acct, code = raw[9:26], raw[26:28]
        return CorrectedData(text_, routing=routing(raw[:9]), account=account(acct),
                             transaction_code=tx_code(code)), problems
    if change_code == "C09":
        return CorrectedData(text_, identification=raw[:22].strip() or None), problems
    if change_code == "C14":
        return CorrectedData(text_, sec_code=raw[:3].strip() or None), problems
    return CorrectedData(text_), problems
