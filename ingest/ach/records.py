"""NACHA records: one frozen dataclass per 94-character record type (moov-io/ach's model).

Layout: this module holds the file and batch records (types 1, 9, 5, 8) and is the one to
import from; entries.py the entries (type 6), addenda.py the addenda (type 7), fields.py
reading, writing and naming a record's columns.

Column numbers in comments and in field calls (`text(line, 4, 13)`) are NACHA's: 1-based
and inclusive, so they can be checked against the published layouts. `parse(line)` expects a
line already padded to 94 characters and raises FieldError naming the field and the value;
the reader adds the line number and the record. `to_line()` is the exact inverse for
well-formed records and raises ValueError for values that do not fit their field.

Amounts are integer cents throughout; dates stay as the text the file holds (YYMMDD,
Julian day) and are interpreted by the mapping.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.ach.addenda import (
    ADDENDA_TYPES,
    Addenda,
    Addenda05,
    Addenda10,
    Addenda11,
    Addenda12,
    Addenda17,
    Addenda98,
    Addenda98Refused,
    Addenda99,
    Addenda99Contested,
    Addenda99Dishonored,
    CorrectedData,
    OtherAddenda,
    corrected_data,
    parse_addenda,
)
from ingest.ach import codes
from ingest.ach.entries import ADVEntryDetail, EntryDetail
from ingest.ach.fields import (
    RECORD_LENGTH,
    FieldError,
    alpha,
    check,
    field_at,
    fixed_digits,
    num,
    number,
    optional_number,
    padded_number,
    right,
    text,
)

__all__ = [
    "ADDENDA_TYPES",
    "ADVEntryDetail",
    "Addenda",
    "Addenda05",
    "Addenda10",
    "Addenda11",
    "Addenda12",
    "Addenda17",
    "Addenda98",
    "Addenda98Refused",
    "Addenda99",
    "Addenda99Contested",
    "Addenda99Dishonored",
    "BatchControl",
    "BatchHeader",
    "CorrectedData",
    "EntryDetail",
    "FieldError",
    "FileControl",
    "FileHeader",
    "IATHeaderInfo",
    "OtherAddenda",
    "RECORD_LENGTH",
    "aba_check_digit",
    "batch_header_problems",
    "corrected_data",
    "field_at",
    "file_header_problems",
    "parse_addenda",
]


# --- type 1 / 9: file header and control ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class FileHeader:
    immediate_destination: str  # 4-13, routing number of the receiving point (usually b+9 digits)
    immediate_origin: str  # 14-23
    creation_date: str  # 24-29 YYMMDD
    creation_time: str = ""  # 30-33 HHMM
    file_id_modifier: str = "A"  # 34: tells apart files created the same day
    destination_name: str = ""  # 41-63
    origin_name: str = ""  # 64-86
    reference_code: str = ""  # 87-94
    priority_code: str = "01"  # 2-3
    record_size: str = "094"  # 35-37
    blocking_factor: str = "10"  # 38-39
    format_code: str = "1"  # 40

    @classmethod
    def parse(cls, line: str) -> FileHeader:
        return cls(
            priority_code=text(line, 2, 3),
            immediate_destination=text(line, 4, 13),
            immediate_origin=text(line, 14, 23),
            creation_date=text(line, 24, 29),
            creation_time=text(line, 30, 33),
            file_id_modifier=text(line, 34, 34),
            record_size=text(line, 35, 37),
            blocking_factor=text(line, 38, 39),
            format_code=text(line, 40, 40),
            destination_name=text(line, 41, 63),
            origin_name=text(line, 64, 86),
            reference_code=text(line, 87, 94),
        )

    def to_line(self) -> str:
        return check(
            "1"
            + fixed_digits(self.priority_code, 2, "priority code")
            + right(self.immediate_destination, 10, "immediate destination")
            + right(self.immediate_origin, 10, "immediate origin")
            + fixed_digits(self.creation_date, 6, "file creation date")
            + alpha(self.creation_time, 4, "file creation time")
            + alpha(self.file_id_modifier, 1, "file ID modifier")
            + alpha(self.record_size, 3, "record size")
            + alpha(self.blocking_factor, 2, "blocking factor")
            + alpha(self.format_code, 1, "format code")
            + alpha(self.destination_name, 23, "immediate destination name")
            + alpha(self.origin_name, 23, "immediate origin name")
            + alpha(self.reference_code, 8, "reference code")
        )


@dataclass(frozen=True, slots=True)
class FileControl:
    batch_count: int  # 2-7
    block_count: int  # 8-13
    entry_addenda_count: int  # 14-21
    entry_hash: int  # 22-31
    total_debit: int  # 32-43 cents (52-71 wide in ADV files)
    total_credit: int  # 44-55 cents

    @classmethod
    def parse(cls, line: str, *, adv: bool = False,
              repaired: list[tuple[str, str]] | None = None) -> FileControl:
        """`repaired` collects (field, raw) of totals padded with spaces instead of zeros."""
        # ADV files carry 20-digit totals (32-51, 52-71) instead of 12-digit ones.
        debit, credit = ((32, 51), (52, 71)) if adv else ((32, 43), (44, 55))
        fixed = [] if repaired is None else repaired
        return cls(
            batch_count=padded_number(line, 2, 7, "batch count", fixed),
            block_count=padded_number(line, 8, 13, "block count", fixed),
            entry_addenda_count=padded_number(line, 14, 21, "entry/addenda count", fixed),
            entry_hash=padded_number(line, 22, 31, "entry hash", fixed),
            total_debit=padded_number(line, *debit, "total debit", fixed),
            total_credit=padded_number(line, *credit, "total credit", fixed),
        )

    def to_line(self) -> str:
        return check(
            "9"
            + num(self.batch_count, 6, "batch count")
            + num(self.block_count, 6, "block count")
            + num(self.entry_addenda_count, 8, "entry/addenda count")
            + num(self.entry_hash % 10**10, 10, "entry hash")
            + num(self.total_debit, 12, "total debit")
            + num(self.total_credit, 12, "total credit")
            + " " * 39
        )


# --- type 5 / 8: batch header and control --------------------------------------------------


@dataclass(frozen=True, slots=True)
class IATHeaderInfo:
    """The fields an IAT batch header has in place of company name/discretionary data."""

    foreign_exchange_indicator: str  # 21-22: FF fixed-to-fixed, FV, VF
    foreign_exchange_reference_indicator: str  # 23
    foreign_exchange_reference: str  # 24-38
    destination_country: str  # 39-40 ISO 3166
    originating_currency: str  # 64-66 ISO 4217
    destination_currency: str  # 67-69 ISO 4217


@dataclass(frozen=True, slots=True)
class BatchHeader:
    service_class_code: int  # 2-4: 200 mixed, 220 credits, 225 debits, 280 ADV
    company_name: str  # 5-20 (IAT: the IAT indicator, "IATCOR" in IAT NOC batches)
    company_id: str  # 41-50 (IAT: originator identification)
    sec_code: str  # 51-53
    entry_description: str  # 54-63, e.g. PAYROLL, REVERSAL, RETURN
    effective_date: str  # 70-75 YYMMDD as written
    odfi: str  # 80-87: originating DFI routing, 8 digits
    batch_number: str  # 88-94
    discretionary_data: str = ""  # 21-40 (not in IAT)
    descriptive_date: str = ""  # 64-69 (not in IAT)
    settlement_date: str = ""  # 76-78 Julian day, filled in by the ACH operator
    originator_status: str = "1"  # 79
    iat: IATHeaderInfo | None = None

    @property
    def is_iat_layout(self) -> bool:
        return self.iat is not None

    @classmethod
    def parse(cls, line: str) -> BatchHeader:
        sec = text(line, 51, 53).upper()
        iat = sec == "IAT" or (sec == "COR" and text(line, 5, 20).upper() == "IATCOR")
        common = dict(
            # unreadable: 0 (batch_header_problems names it; the entries can still be read)
            service_class_code=optional_number(line, 2, 4) or 0,
            company_name=text(line, 5, 20),
            company_id=text(line, 41, 50),
            sec_code=sec,
            entry_description=text(line, 54, 63),
            effective_date=text(line, 70, 75),
            settlement_date=text(line, 76, 78),
            originator_status=text(line, 79, 79),
            odfi=text(line, 80, 87),
            batch_number=text(line, 88, 94),
        )
        if iat:
            return cls(
                **common,  # type: ignore[arg-type]
                iat=IATHeaderInfo(
                    foreign_exchange_indicator=text(line, 21, 22),
                    foreign_exchange_reference_indicator=text(line, 23, 23),
                    foreign_exchange_reference=text(line, 24, 38),
                    destination_country=text(line, 39, 40),
                    originating_currency=text(line, 64, 66),
                    destination_currency=text(line, 67, 69),
                ),
            )
        return cls(
            **common,  # type: ignore[arg-type]
            discretionary_data=text(line, 21, 40),
            descriptive_date=text(line, 64, 69),
        )

    def to_line(self) -> str:
        if self.iat is not None:
            middle = (
                alpha(self.iat.foreign_exchange_indicator, 2, "foreign exchange indicator")
                + alpha(self.iat.foreign_exchange_reference_indicator, 1, "FX reference indicator")
                + alpha(self.iat.foreign_exchange_reference, 15, "FX reference")
                + alpha(self.iat.destination_country, 2, "ISO destination country code")
            )
            dates = alpha(self.iat.originating_currency, 3, "ISO originating currency") + alpha(
                self.iat.destination_currency, 3, "ISO destination currency"
            )
        else:
            middle = alpha(self.discretionary_data, 20, "company discretionary data")
            dates = alpha(self.descriptive_date, 6, "company descriptive date")
        return check(
            "5"
            + num(self.service_class_code, 3, "service class code")
            + alpha(self.company_name, 16, "company name")
            + middle
            + alpha(self.company_id, 10, "company identification")
            + alpha(self.sec_code, 3, "SEC code")
            + alpha(self.entry_description, 10, "company entry description")
            + dates
            + alpha(self.effective_date, 6, "effective entry date")
            + alpha(self.settlement_date, 3, "settlement date")
            + alpha(self.originator_status, 1, "originator status code")
            + fixed_digits(self.odfi, 8, "originating DFI")
            + fixed_digits(self.batch_number, 7, "batch number")
        )


@dataclass(frozen=True, slots=True)
class BatchControl:
    service_class_code: int  # 2-4
    entry_addenda_count: int  # 5-10
    entry_hash: int  # 11-20
    total_debit: int  # 21-32 cents (ADV: 21-40)
    total_credit: int  # 33-44 cents (ADV: 41-60)
    company_id: str  # 45-54 (ADV: none; 61-79 is ACH operator data)
    odfi: str  # 80-87
    batch_number: str  # 88-94
    message_authentication_code: str = ""  # 55-73

    @classmethod
    def parse(cls, line: str, *, adv: bool = False,
              repaired: list[tuple[str, str]] | None = None) -> BatchControl:
        """`repaired` collects (field, raw) of totals padded with spaces instead of zeros."""
        fixed = [] if repaired is None else repaired
        debit, credit = ((21, 40), (41, 60)) if adv else ((21, 32), (33, 44))
        return cls(
            service_class_code=number(line, 2, 4, "service class code"),
            entry_addenda_count=padded_number(line, 5, 10, "entry/addenda count", fixed),
            entry_hash=padded_number(line, 11, 20, "entry hash", fixed),
            total_debit=padded_number(line, *debit, "total debit", fixed),
            total_credit=padded_number(line, *credit, "total credit", fixed),
            # ADV: no company id; 61-79 is ACH operator data
            company_id="" if adv else text(line, 45, 54),
            message_authentication_code="" if adv else text(line, 55, 73),
            odfi=text(line, 80, 87),
            batch_number=text(line, 88, 94),
        )

    def to_line(self) -> str:
        return check(
            "8"
            + num(self.service_class_code, 3, "service class code")
            + num(self.entry_addenda_count, 6, "entry/addenda count")
            + num(self.entry_hash % 10**10, 10, "entry hash")
            + num(self.total_debit, 12, "total debit")
            + num(self.total_credit, 12, "total credit")
            + alpha(self.company_id, 10, "company identification")
            + alpha(self.message_authentication_code, 19, "message authentication code")
            + " " * 6
            + fixed_digits(self.odfi, 8, "originating DFI")
            + fixed_digits(self.batch_number, 7, "batch number")
        )


def aba_check_digit(rdfi: str) -> str:
    """The ABA check digit of an 8-digit routing prefix (weights 3, 7, 1)."""
    total = sum(int(d) * w for d, w in zip(rdfi, (3, 7, 1, 3, 7, 1, 3, 7), strict=True))
    return str((10 - total % 10) % 10)



# --- header fields that do not follow the layout --------------------------------------------

# (field, value as written, message): what a reader warns about and what physical.explain()
# names when a file is not recognised. Columns are NACHA's.
Problem = tuple[str, str, str]


def _yymmdd_ok(value: str) -> bool:
    if len(value) != 6 or not value.isdigit():
        return False
    return 1 <= int(value[2:4]) <= 12 and 1 <= int(value[4:]) <= 31


def file_header_problems(line: str) -> list[Problem]:
    """The file header's fields that do not follow the layout, first column first."""
    line = line.ljust(RECORD_LENGTH)
    out: list[Problem] = []

    def raw(start: int, end: int) -> str:
        return line[start - 1 : end]

    if not raw(2, 3).isdigit():
        out.append(("priority code", raw(2, 3), "priority code must be 2 digits (01)"))
    for name, start, end in (("immediate destination", 4, 13), ("immediate origin", 14, 23)):
        value = raw(start, end).strip()
        if name == "immediate destination" and not (value.isdigit() and len(value) in (9, 10)):
            out.append((name, raw(start, end),
                        f"{name} must be a routing number: a blank and 9 digits"))
        elif not value:
            out.append((name, raw(start, end), f"{name} is blank"))
    if not _yymmdd_ok(raw(24, 29)):
        out.append(("file creation date", raw(24, 29), "file creation date must be YYMMDD"))
    time = raw(30, 33)
    if time.strip() and not (time.isdigit() and int(time[:2]) < 24 and int(time[2:]) < 60):
        out.append(("file creation time", time, "file creation time must be HHMM or blank"))
    modifier = raw(34, 34)  # blank is common in real files (Fiserv) and tolerated
    if modifier != " " and not (modifier.isascii() and modifier.isalnum()
                                and modifier == modifier.upper()):
        out.append(("file ID modifier", modifier, "file ID modifier must be A-Z or 0-9"))
    for name, start, end, expected in (("record size", 35, 37, "094"),
                                       ("blocking factor", 38, 39, "10"),
                                       ("format code", 40, 40, "1")):
        if raw(start, end) != expected:
            out.append((name, raw(start, end), f"{name} should be {expected}"))
    return out


def batch_header_problems(line: str) -> list[Problem]:
    """The batch header's fields that do not follow the layout, first column first."""
    line = line.ljust(RECORD_LENGTH)
    out: list[Problem] = []

    def raw(start: int, end: int) -> str:
        return line[start - 1 : end]

    service = raw(2, 4)
    if not (service.isdigit() and int(service) in codes.SERVICE_CLASS_CODES):
        out.append(("service class code", service,
                    "service class code must be 200, 220, 225 or 280"))
    if not raw(41, 50).strip():
        out.append(("company identification", raw(41, 50), "company identification is blank"))
    sec = raw(51, 53)
    if sec.upper() not in codes.SEC_CODES:
        out.append(("standard entry class code", sec, "unknown standard entry class code"))
    status = raw(79, 79)
    if status not in ("0", "1", "2", " "):
        out.append(("originator status code", status, "originator status code must be 0, 1 or 2"))
    if not raw(80, 87).isdigit():
        out.append(("originating DFI identification", raw(80, 87),
                    "originating DFI identification must be 8 digits"))
    if not raw(88, 94).isdigit():
        out.append(("batch number", raw(88, 94), "batch number must be 7 digits"))
    return out
