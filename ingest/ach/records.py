"""NACHA records: one frozen dataclass per 94-character record type (moov-io/ach's model).

Column numbers in comments and in `_cut` calls are NACHA's: 1-based and inclusive, so they
can be checked against the published layouts. `parse(line)` expects a line already padded
to 94 characters and raises FieldError naming the field and the value; the reader adds the
line number and the record. `to_line()` is the exact inverse for well-formed records and
raises ValueError for values that do not fit their field.

Amounts are integer cents throughout; dates stay as the text the file holds (YYMMDD,
Julian day) and are interpreted by the mapping.
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.ach import codes

RECORD_LENGTH = 94


class FieldError(ValueError):
    """A field whose content cannot be read. `field` and `value` name it for the error."""

    def __init__(self, field: str, value: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.value = value
        self.message = message


# --- reading -------------------------------------------------------------------------------


def _cut(line: str, start: int, end: int) -> str:
    return line[start - 1 : end]


def _text(line: str, start: int, end: int) -> str:
    return _cut(line, start, end).strip()


def _number(line: str, start: int, end: int, field: str) -> int:
    """A zero-filled numeric field. Blanks are refused: they hide truncated lines."""
    raw = _cut(line, start, end)
    if not (raw.isascii() and raw.isdigit()):
        raise FieldError(field, raw, f"{field} must be {end - start + 1} digits")
    return int(raw)


def _digits(line: str, start: int, end: int, field: str) -> str:
    """A numeric identifier kept as text (leading zeros matter: routing and trace numbers)."""
    raw = _cut(line, start, end)
    if not (raw.isascii() and raw.isdigit()):
        raise FieldError(field, raw, f"{field} must be {end - start + 1} digits")
    return raw


def _optional_number(line: str, start: int, end: int) -> int | None:
    raw = _cut(line, start, end).strip()
    return int(raw) if raw.isascii() and raw.isdigit() else None


# --- writing -------------------------------------------------------------------------------


def _alpha(value: str, width: int, field: str) -> str:
    if len(value) > width:
        raise ValueError(f"{field} {value!r} is longer than {width} characters")
    if not value.isascii() or not value.isprintable():
        raise ValueError(f"{field} {value!r} must be printable ASCII")
    return value.ljust(width)


def _right(value: str, width: int, field: str) -> str:
    """Right-justified text: the header's routing numbers are written as ' 123456789'."""
    _alpha(value, width, field)
    return value.rjust(width)


def _num(value: int, width: int, field: str) -> str:
    if value < 0 or value >= 10**width:
        raise ValueError(f"{field} {value} does not fit {width} digits")
    return str(value).zfill(width)


def _fixed_digits(value: str, width: int, field: str) -> str:
    if len(value) != width or not (value.isascii() and value.isdigit()):
        raise ValueError(f"{field} {value!r} must be exactly {width} digits")
    return value


def _check(line: str) -> str:
    if len(line) != RECORD_LENGTH:  # a programming error in a to_line(), never user data
        raise AssertionError(f"record is {len(line)} characters: {line!r}")
    return line


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
            priority_code=_text(line, 2, 3),
            immediate_destination=_text(line, 4, 13),
            immediate_origin=_text(line, 14, 23),
            creation_date=_text(line, 24, 29),
            creation_time=_text(line, 30, 33),
            file_id_modifier=_text(line, 34, 34),
            record_size=_text(line, 35, 37),
            blocking_factor=_text(line, 38, 39),
            format_code=_text(line, 40, 40),
            destination_name=_text(line, 41, 63),
            origin_name=_text(line, 64, 86),
            reference_code=_text(line, 87, 94),
        )

    def to_line(self) -> str:
        return _check(
            "1"
            + _fixed_digits(self.priority_code, 2, "priority code")
            + _right(self.immediate_destination, 10, "immediate destination")
            + _right(self.immediate_origin, 10, "immediate origin")
            + _fixed_digits(self.creation_date, 6, "file creation date")
            + _alpha(self.creation_time, 4, "file creation time")
            + _alpha(self.file_id_modifier, 1, "file ID modifier")
            + _alpha(self.record_size, 3, "record size")
            + _alpha(self.blocking_factor, 2, "blocking factor")
            + _alpha(self.format_code, 1, "format code")
            + _alpha(self.destination_name, 23, "immediate destination name")
            + _alpha(self.origin_name, 23, "immediate origin name")
            + _alpha(self.reference_code, 8, "reference code")
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
    def parse(cls, line: str, *, adv: bool = False) -> FileControl:
        # ADV files carry 20-digit totals (32-51, 52-71) instead of 12-digit ones.
        debit, credit = ((32, 51), (52, 71)) if adv else ((32, 43), (44, 55))
        return cls(
            batch_count=_number(line, 2, 7, "batch count"),
            block_count=_number(line, 8, 13, "block count"),
            entry_addenda_count=_number(line, 14, 21, "entry/addenda count"),
            entry_hash=_number(line, 22, 31, "entry hash"),
            total_debit=_number(line, *debit, "total debit"),
            total_credit=_number(line, *credit, "total credit"),
        )

    def to_line(self) -> str:
        return _check(
            "9"
            + _num(self.batch_count, 6, "batch count")
            + _num(self.block_count, 6, "block count")
            + _num(self.entry_addenda_count, 8, "entry/addenda count")
            + _num(self.entry_hash % 10**10, 10, "entry hash")
            + _num(self.total_debit, 12, "total debit")
            + _num(self.total_credit, 12, "total credit")
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
        sec = _text(line, 51, 53).upper()
        iat = sec == "IAT" or (sec == "COR" and _text(line, 5, 20).upper() == "IATCOR")
        common = dict(
            service_class_code=_number(line, 2, 4, "service class code"),
            company_name=_text(line, 5, 20),
            company_id=_text(line, 41, 50),
            sec_code=sec,
            entry_description=_text(line, 54, 63),
            effective_date=_text(line, 70, 75),
            settlement_date=_text(line, 76, 78),
            originator_status=_text(line, 79, 79),
            odfi=_text(line, 80, 87),
            batch_number=_text(line, 88, 94),
        )
        if iat:
            return cls(
                **common,  # type: ignore[arg-type]
                iat=IATHeaderInfo(
                    foreign_exchange_indicator=_text(line, 21, 22),
                    foreign_exchange_reference_indicator=_text(line, 23, 23),
                    foreign_exchange_reference=_text(line, 24, 38),
                    destination_country=_text(line, 39, 40),
                    originating_currency=_text(line, 64, 66),
                    destination_currency=_text(line, 67, 69),
                ),
            )
        return cls(
            **common,  # type: ignore[arg-type]
            discretionary_data=_text(line, 21, 40),
            descriptive_date=_text(line, 64, 69),
        )

    def to_line(self) -> str:
        if self.iat is not None:
            middle = (
                _alpha(self.iat.foreign_exchange_indicator, 2, "foreign exchange indicator")
                + _alpha(self.iat.foreign_exchange_reference_indicator, 1, "FX reference indicator")
                + _alpha(self.iat.foreign_exchange_reference, 15, "FX reference")
                + _alpha(self.iat.destination_country, 2, "ISO destination country code")
            )
            dates = _alpha(self.iat.originating_currency, 3, "ISO originating currency") + _alpha(
                self.iat.destination_currency, 3, "ISO destination currency"
            )
        else:
            middle = _alpha(self.discretionary_data, 20, "company discretionary data")
            dates = _alpha(self.descriptive_date, 6, "company descriptive date")
        return _check(
            "5"
            + _num(self.service_class_code, 3, "service class code")
            + _alpha(self.company_name, 16, "company name")
            + middle
            + _alpha(self.company_id, 10, "company identification")
            + _alpha(self.sec_code, 3, "SEC code")
            + _alpha(self.entry_description, 10, "company entry description")
            + dates
            + _alpha(self.effective_date, 6, "effective entry date")
            + _alpha(self.settlement_date, 3, "settlement date")
            + _alpha(self.originator_status, 1, "originator status code")
            + _fixed_digits(self.odfi, 8, "originating DFI")
            + _fixed_digits(self.batch_number, 7, "batch number")
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
    def parse(cls, line: str, *, adv: bool = False) -> BatchControl:
        if adv:
            return cls(
                service_class_code=_number(line, 2, 4, "service class code"),
                entry_addenda_count=_number(line, 5, 10, "entry/addenda count"),
                entry_hash=_number(line, 11, 20, "entry hash"),
                total_debit=_number(line, 21, 40, "total debit"),
                total_credit=_number(line, 41, 60, "total credit"),
                company_id="",
                odfi=_text(line, 80, 87),
                batch_number=_text(line, 88, 94),
            )
        return cls(
            service_class_code=_number(line, 2, 4, "service class code"),
            entry_addenda_count=_number(line, 5, 10, "entry/addenda count"),
            entry_hash=_number(line, 11, 20, "entry hash"),
            total_debit=_number(line, 21, 32, "total debit"),
            total_credit=_number(line, 33, 44, "total credit"),
            company_id=_text(line, 45, 54),
            message_authentication_code=_text(line, 55, 73),
            odfi=_text(line, 80, 87),
            batch_number=_text(line, 88, 94),
        )

    def to_line(self) -> str:
        return _check(
            "8"
            + _num(self.service_class_code, 3, "service class code")
            + _num(self.entry_addenda_count, 6, "entry/addenda count")
            + _num(self.entry_hash % 10**10, 10, "entry hash")
            + _num(self.total_debit, 12, "total debit")
            + _num(self.total_credit, 12, "total credit")
            + _alpha(self.company_id, 10, "company identification")
            + _alpha(self.message_authentication_code, 19, "message authentication code")
            + " " * 6
            + _fixed_digits(self.odfi, 8, "originating DFI")
            + _fixed_digits(self.batch_number, 7, "batch number")
        )


# --- type 6: entry detail ------------------------------------------------------------------


def _transaction_code(line: str, allowed: dict[int, str], sec: str) -> int:
    raw = _cut(line, 2, 3)
    if not (raw.isascii() and raw.isdigit()):
        raise FieldError("transaction code", raw, "transaction code must be 2 digits")
    code = int(raw)
    if code not in allowed:
        where = "ADV batch" if allowed is codes.ADV_TRANSACTION_CODES else f"{sec} batch"
        raise FieldError("transaction code", raw,
                         f"transaction code {raw} is not valid in a {where}")
    return code


@dataclass(frozen=True, slots=True)
class EntryDetail:
    """An entry. Positions 40-78 differ by SEC code; `parse` takes the batch's SEC code.

    default    40-54 identification (individual id)   55-76 name   77-78 discretionary
    CTX/...    40-54 identification   55-58 addenda count   59-74 receiving company name
    CIE        40-54 individual name  55-76 identification (the consumer's id at the biller)
    ARC/BOC... 40-54 check serial number (POP: 40-48 serial, 49-54 terminal city/state)
    IAT        13-16 addenda count, 40-74 foreign receiver's account number (names: addenda 10)
    """

    transaction_code: int  # 2-3
    rdfi: str  # 4-11 receiving DFI routing, 8 digits
    check_digit: str  # 12
    account: str  # 13-29 DFI account number
    amount: int  # 30-39 cents
    identification: str  # see above
    name: str  # see above
    trace_number: str  # 80-94
    discretionary_data: str = ""  # 77-78
    addenda_indicator: str = "0"  # 79
    addenda_count: int | None = None  # CTX-style and IAT entries only

    @property
    def routing(self) -> str:
        """The 9-digit ABA routing number (RDFI identification + check digit)."""
        return self.rdfi + self.check_digit

    @classmethod
    def parse(cls, line: str, sec: str = "PPD", *, iat: bool = False) -> EntryDetail:
        code = _transaction_code(line, codes.TRANSACTION_CODES, sec)
        rdfi = _digits(line, 4, 11, "receiving DFI identification")
        amount = _number(line, 30, 39, "amount")
        trace = _digits(line, 80, 94, "trace number")
        common = dict(
            transaction_code=code,
            rdfi=rdfi,
            check_digit=_cut(line, 12, 12),
            amount=amount,
            trace_number=trace,
            addenda_indicator=_cut(line, 79, 79),
        )
        if iat:
            return cls(
                **common,  # type: ignore[arg-type]
                account=_text(line, 40, 74),
                identification="",
                name="",
                addenda_count=_optional_number(line, 13, 16),
                discretionary_data=_text(line, 77, 78),  # gateway/secondary OFAC indicators
            )
        account = _text(line, 13, 29)
        if sec in codes.CATX_SEC_CODES:
            return cls(
                **common,  # type: ignore[arg-type]
                account=account,
                identification=_text(line, 40, 54),
                addenda_count=_optional_number(line, 55, 58),
                name=_text(line, 59, 74),
                discretionary_data=_text(line, 77, 78),
            )
        if sec == "CIE":
            return cls(
                **common,  # type: ignore[arg-type]
                account=account,
                name=_text(line, 40, 54),
                identification=_text(line, 55, 76),
                discretionary_data=_text(line, 77, 78),
            )
        return cls(
            **common,  # type: ignore[arg-type]
            account=account,
            identification=_text(line, 40, 54),
            name=_text(line, 55, 76),
            discretionary_data=_text(line, 77, 78),
        )

    def to_line(self, sec: str = "PPD") -> str:
        """Standard, CTX-style and CIE layouts (the writer does not produce IAT entries)."""
        if sec == "IAT":
            raise ValueError("IAT entry details are not written by this module")
        if sec in codes.CATX_SEC_CODES:
            middle = (
                _alpha(self.identification, 15, "identification number")
                + _num(self.addenda_count or 0, 4, "number of addenda records")
                + _alpha(self.name, 16, "receiving company name")
                + "  "
            )
        elif sec == "CIE":
            middle = _alpha(self.name, 15, "individual name") + _alpha(
                self.identification, 22, "individual identification number"
            )
        else:
            middle = _alpha(self.identification, 15, "individual identification number") + _alpha(
                self.name, 22, "individual name"
            )
        return _check(
            "6"
            + _num(self.transaction_code, 2, "transaction code")
            + _fixed_digits(self.rdfi, 8, "receiving DFI identification")
            + _fixed_digits(self.check_digit, 1, "check digit")
            + _alpha(self.account, 17, "DFI account number")
            + _num(self.amount, 10, "amount")
            + middle
            + _alpha(self.discretionary_data, 2, "discretionary data")
            + _fixed_digits(self.addenda_indicator, 1, "addenda record indicator")
            + _fixed_digits(self.trace_number, 15, "trace number")
        )


@dataclass(frozen=True, slots=True)
class ADVEntryDetail:
    """An automated accounting advice entry: 12-digit amount, no trace number."""

    transaction_code: int  # 2-3, 81-88
    rdfi: str  # 4-11
    check_digit: str  # 12
    account: str  # 13-27
    amount: int  # 28-39 cents
    advice_routing: str  # 40-48
    file_identification: str  # 49-53
    ach_operator_data: str  # 54
    name: str  # 55-76
    discretionary_data: str  # 77-78
    addenda_indicator: str  # 79
    ach_operator_routing: str  # 80-87
    julian_day: str  # 88-90
    sequence_number: str  # 91-94

    @property
    def routing(self) -> str:
        return self.rdfi + self.check_digit

    @property
    def reference(self) -> str:
        """Positions 80-94: the advice's own identifier, where other entries have a trace."""
        return self.ach_operator_routing + self.julian_day + self.sequence_number

    @classmethod
    def parse(cls, line: str) -> ADVEntryDetail:
        return cls(
            transaction_code=_transaction_code(line, codes.ADV_TRANSACTION_CODES, "ADV"),
            rdfi=_digits(line, 4, 11, "receiving DFI identification"),
            check_digit=_cut(line, 12, 12),
            account=_text(line, 13, 27),
            amount=_number(line, 28, 39, "amount"),
            advice_routing=_text(line, 40, 48),
            file_identification=_text(line, 49, 53),
            ach_operator_data=_text(line, 54, 54),
            name=_text(line, 55, 76),
            discretionary_data=_text(line, 77, 78),
            addenda_indicator=_cut(line, 79, 79),
            ach_operator_routing=_cut(line, 80, 87),
            julian_day=_cut(line, 88, 90),
            sequence_number=_cut(line, 91, 94),
        )


# --- type 7: addenda ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Addenda05:
    """Payment related information (CCD+, CTX's X12 820 segments, PPD/WEB free text)."""

    payment_info: str  # 4-83, trailing blanks removed (leading ones kept: CTX joins raw text)
    sequence_number: str = "0001"  # 84-87
    entry_sequence: str = ""  # 88-94: last seven digits of the entry's trace number

    @classmethod
    def parse(cls, line: str) -> Addenda05:
        return cls(
            payment_info=_cut(line, 4, 83).rstrip(),
            sequence_number=_cut(line, 84, 87),
            entry_sequence=_cut(line, 88, 94),
        )

    def to_line(self) -> str:
        return _check(
            "705"
            + _alpha(self.payment_info, 80, "payment related information")
            + _fixed_digits(self.sequence_number, 4, "addenda sequence number")
            + _fixed_digits(self.entry_sequence, 7, "entry detail sequence number")
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
            change_code=_text(line, 4, 6),
            original_trace=_text(line, 7, 21),
            original_rdfi=_text(line, 28, 35),
            corrected_data=_text(line, 36, 64),
            trace_number=_text(line, 80, 94),
        )

    def to_line(self) -> str:
        return _check(
            "798"
            + _alpha(self.change_code, 3, "change code")
            + _alpha(self.original_trace, 15, "original entry trace number")
            + " " * 6
            + _alpha(self.original_rdfi, 8, "original receiving DFI")
            + _alpha(self.corrected_data, 29, "corrected data")
            + " " * 15
            + _fixed_digits(self.trace_number, 15, "trace number")
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
            refused_code=_text(line, 4, 6),
            original_trace=_text(line, 7, 21),
            original_rdfi=_text(line, 28, 35),
            corrected_data=_text(line, 36, 64),
            change_code=_text(line, 65, 67),
            trace_sequence=_text(line, 68, 74),
            trace_number=_text(line, 80, 94),
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
            return_code=_text(line, 4, 6),
            original_trace=_text(line, 7, 21),
            date_of_death=_text(line, 22, 27),
            original_rdfi=_text(line, 28, 35),
            addenda_info=_text(line, 36, 79),
            trace_number=_text(line, 80, 94),
        )

    def to_line(self) -> str:
        return _check(
            "799"
            + _alpha(self.return_code, 3, "return reason code")
            + _alpha(self.original_trace, 15, "original entry trace number")
            + _alpha(self.date_of_death, 6, "date of death")
            + _alpha(self.original_rdfi, 8, "original receiving DFI")
            + _alpha(self.addenda_info, 44, "addenda information")
            + _fixed_digits(self.trace_number, 15, "trace number")
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
            dishonored_code=_text(line, 4, 6),
            original_trace=_text(line, 7, 21),
            original_rdfi=_text(line, 28, 35),
            return_trace=_text(line, 39, 53),
            return_settlement_date=_text(line, 54, 56),
            return_reason_code=_text(line, 57, 58),
            addenda_info=_text(line, 59, 79),
            trace_number=_text(line, 80, 94),
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
            contested_code=_text(line, 4, 6),
            original_trace=_text(line, 7, 21),
            date_original_returned=_text(line, 22, 27),
            original_rdfi=_text(line, 28, 35),
            original_settlement_date=_text(line, 36, 38),
            return_trace=_text(line, 39, 53),
            return_settlement_date=_text(line, 54, 56),
            return_reason_code=_text(line, 57, 58),
            dishonored_trace=_text(line, 59, 73),
            dishonored_settlement_date=_text(line, 74, 76),
            dishonored_reason_code=_text(line, 77, 78),
            trace_number=_text(line, 80, 94),
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
            transaction_type=_text(line, 4, 6),
            foreign_payment_amount=_optional_number(line, 7, 24),
            foreign_trace=_text(line, 25, 46),
            name=_text(line, 47, 81),
        )


@dataclass(frozen=True, slots=True)
class Addenda11:
    """IAT: the originator's name and street."""

    originator_name: str  # 4-38
    originator_street: str  # 39-73

    @classmethod
    def parse(cls, line: str) -> Addenda11:
        return cls(originator_name=_text(line, 4, 38), originator_street=_text(line, 39, 73))


@dataclass(frozen=True, slots=True)
class Addenda12:
    """IAT: the originator's city/state and country/postal code ('*'- and '\\'-delimited)."""

    originator_city_state: str  # 4-38
    originator_country_postal: str  # 39-73

    @classmethod
    def parse(cls, line: str) -> Addenda12:
        return cls(
            originator_city_state=_text(line, 4, 38),
            originator_country_postal=_text(line, 39, 73),
        )


@dataclass(frozen=True, slots=True)
class Addenda17:
    """IAT payment related information (like addenda 05)."""

    payment_info: str  # 4-83
    sequence_number: str  # 84-87

    @classmethod
    def parse(cls, line: str) -> Addenda17:
        return cls(payment_info=_cut(line, 4, 83).rstrip(), sequence_number=_cut(line, 84, 87))


@dataclass(frozen=True, slots=True)
class OtherAddenda:
    """An addenda kept as raw text: 02 (POS/SHR/MTE terminal data), IAT 13-16 and 18."""

    type_code: str
    content: str  # 4-94 as written

    @classmethod
    def parse(cls, line: str) -> OtherAddenda:
        return cls(type_code=_cut(line, 2, 3), content=_cut(line, 4, 94).rstrip())


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
    type_code = _cut(line, 2, 3)
    if type_code == "05":
        return Addenda05.parse(line)
    if type_code == "98":
        if _text(line, 4, 6) in codes.REFUSED_CHANGE_CODES:
            return Addenda98Refused.parse(line)
        return Addenda98.parse(line)
    if type_code == "99":
        code = _text(line, 4, 6)
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


def aba_check_digit(rdfi: str) -> str:
    """The ABA check digit of an 8-digit routing prefix (weights 3, 7, 1)."""
    total = sum(int(d) * w for d, w in zip(rdfi, (3, 7, 1, 3, 7, 1, 3, 7), strict=True))
    return str((10 - total % 10) % 10)


# --- where a column is ----------------------------------------------------------------------

# NACHA's field names by record type (1-based inclusive columns), for messages about a column
# that cannot be read (a non-ASCII byte): the message names the field, not "content".
_FIELDS: dict[str, tuple[tuple[int, int, str], ...]] = {
    "1": ((2, 3, "priority code"), (4, 13, "immediate destination"),
          (14, 23, "immediate origin"), (24, 29, "file creation date"),
          (30, 33, "file creation time"), (34, 34, "file ID modifier"), (35, 37, "record size"),
          (38, 39, "blocking factor"), (40, 40, "format code"),
          (41, 63, "immediate destination name"), (64, 86, "immediate origin name"),
          (87, 94, "reference code")),
    "5": ((2, 4, "service class code"), (5, 20, "company name"),
          (21, 40, "company discretionary data"), (41, 50, "company identification"),
          (51, 53, "standard entry class code"), (54, 63, "company entry description"),
          (64, 69, "company descriptive date"), (70, 75, "effective entry date"),
          (76, 78, "settlement date"), (79, 79, "originator status code"),
          (80, 87, "originating DFI identification"), (88, 94, "batch number")),
    "6": ((2, 3, "transaction code"), (4, 11, "receiving DFI identification"),
          (12, 12, "check digit"), (13, 29, "DFI account number"), (30, 39, "amount"),
          (40, 54, "identification number"), (55, 76, "individual name"),
          (77, 78, "discretionary data"), (79, 79, "addenda record indicator"),
          (80, 94, "trace number")),
    "6CTX": ((55, 58, "number of addenda records"), (59, 74, "receiving company name")),
    "6CIE": ((40, 54, "individual name"), (55, 76, "individual identification number")),
    "7": ((2, 3, "addenda type code"), (4, 83, "payment related information"),
          (84, 87, "addenda sequence number"), (88, 94, "entry detail sequence number")),
    "799": ((4, 6, "return reason code"), (7, 21, "original entry trace number"),
            (22, 27, "date of death"), (28, 35, "original receiving DFI"),
            (36, 79, "addenda information"), (80, 94, "trace number")),
    "798": ((4, 6, "change code"), (7, 21, "original entry trace number"),
            (28, 35, "original receiving DFI"), (36, 64, "corrected data"),
            (80, 94, "trace number")),
    "8": ((2, 4, "service class code"), (5, 10, "entry/addenda count"), (11, 20, "entry hash"),
          (21, 32, "total debit"), (33, 44, "total credit"), (45, 54, "company identification"),
          (55, 73, "message authentication code"), (80, 87, "originating DFI identification"),
          (88, 94, "batch number")),
    "9": ((2, 7, "batch count"), (8, 13, "block count"), (14, 21, "entry/addenda count"),
          (22, 31, "entry hash"), (32, 43, "total debit"), (44, 55, "total credit")),
}


def field_at(record: str, column: int, sec: str | None = None) -> tuple[str, int, int]:
    """(name, first, last) of the field holding 1-based `column` of a record (its text)."""
    kind = record[:1]
    tables = [_FIELDS.get(kind, ())]
    if kind == "6" and sec in codes.CATX_SEC_CODES:
        tables.insert(0, _FIELDS["6CTX"])
    elif kind == "6" and sec == "CIE":
        tables.insert(0, _FIELDS["6CIE"])
    elif kind == "7" and record[1:3] in ("98", "99"):
        tables.insert(0, _FIELDS["7" + record[1:3]])
    if column == 1:
        return "record type code", 1, 1
    for table in tables:
        for first, last, name in table:
            if first <= column <= last:
                return name, first, last
    return "filler", column, column
