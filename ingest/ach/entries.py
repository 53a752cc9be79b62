"""NACHA type 6 records: the entry detail (every SEC code's layout) and the ADV entry."""

from __future__ import annotations

from dataclasses import dataclass

from ingest.ach import codes
from ingest.ach.fields import (
    FieldError,
    alpha,
    check,
    cut,
    digits,
    fixed_digits,
    num,
    number,
    optional_number,
    text,
)


def _transaction_code(line: str, allowed: dict[int, str], sec: str) -> int:
    raw = cut(line, 2, 3)
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
        rdfi = digits(line, 4, 11, "receiving DFI identification")
        amount = number(line, 30, 39, "amount")
        trace = digits(line, 80, 94, "trace number")
        common = dict(
            transaction_code=code,
            rdfi=rdfi,
            check_digit=cut(line, 12, 12),
            amount=amount,
            trace_number=trace,
            addenda_indicator=cut(line, 79, 79),
        )
        if iat:
            return cls(
                **common,  # type: ignore[arg-type]
                account=text(line, 40, 74),
                identification="",
                name="",
                addenda_count=optional_number(line, 13, 16),
                discretionary_data=text(line, 77, 78),  # gateway/secondary OFAC indicators
            )
        account = text(line, 13, 29)
        if sec in codes.CATX_SEC_CODES:
            return cls(
                **common,  # type: ignore[arg-type]
                account=account,
                identification=text(line, 40, 54),
                addenda_count=optional_number(line, 55, 58),
                name=text(line, 59, 74),
                discretionary_data=text(line, 77, 78),
            )
        if sec == "CIE":
            return cls(
                **common,  # type: ignore[arg-type]
                account=account,
                name=text(line, 40, 54),
                identification=text(line, 55, 76),
                discretionary_data=text(line, 77, 78),
            )
        return cls(
            **common,  # type: ignore[arg-type]
            account=account,
            identification=text(line, 40, 54),
            name=text(line, 55, 76),
            discretionary_data=text(line, 77, 78),
        )

    def to_line(self, sec: str = "PPD") -> str:
        """Standard, CTX-style and CIE layouts (the writer does not produce IAT entries)."""
        if sec == "IAT":
            raise ValueError("IAT entry details are not written by this module")
        if sec in codes.CATX_SEC_CODES:
            middle = (
                alpha(self.identification, 15, "identification number")
                + num(self.addenda_count or 0, 4, "number of addenda records")
                + alpha(self.name, 16, "receiving company name")
                + "  "
            )
        elif sec == "CIE":
            middle = alpha(self.name, 15, "individual name") + alpha(
                self.identification, 22, "individual identification number"
            )
        else:
            middle = alpha(self.identification, 15, "individual identification number") + alpha(
                self.name, 22, "individual name"
            )
        return check(
            "6"
            + num(self.transaction_code, 2, "transaction code")
            + fixed_digits(self.rdfi, 8, "receiving DFI identification")
            + fixed_digits(self.check_digit, 1, "check digit")
            + alpha(self.account, 17, "DFI account number")
            + num(self.amount, 10, "amount")
            + middle
            + alpha(self.discretionary_data, 2, "discretionary data")
            + fixed_digits(self.addenda_indicator, 1, "addenda record indicator")
            + fixed_digits(self.trace_number, 15, "trace number")
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
            rdfi=digits(line, 4, 11, "receiving DFI identification"),
            check_digit=cut(line, 12, 12),
            account=text(line, 13, 27),
            amount=number(line, 28, 39, "amount"),
            advice_routing=text(line, 40, 48),
            file_identification=text(line, 49, 53),
            ach_operator_data=text(line, 54, 54),
            name=text(line, 55, 76),
            discretionary_data=text(line, 77, 78),
            addenda_indicator=cut(line, 79, 79),
            ach_operator_routing=cut(line, 80, 87),
            julian_day=cut(line, 88, 90),
            sequence_number=cut(line, 91, 94),
        )
