"""Write NACHA files from a small input model (round-trip tests, demo data).

    from ingest.ach import writer as w
    data = w.write_file(
        [w.BatchSpec(company_name="ACME CORP", company_id="1234567890", odfi="12104288",
                     sec="CCD", entry_description="PAYMENT", effective_date=date(2026, 11, 20),
                     entries=[w.EntrySpec(transaction_code=22, routing="231380104",
                                          account="12345678", amount_cents=150_00,
                                          name="GLOBEX LLC",
                                          addenda=("RMR*IV*INV-1001**150.00\\\\",))])],
        immediate_destination="231380104", immediate_origin="121042882",
        creation=datetime(2026, 11, 20, 9, 30))

Everything the controls need is computed: trace numbers (ODFI + sequence, unless given),
addenda indicators and sequence numbers, service class (200/220/225 from the entries),
batch and file entry counts, entry hashes, debit/credit totals, block count and the
'9999…' block fill to a multiple of 10 records. Values that do not fit their fields raise
ValueError. IAT and ADV batches, dishonored/contested returns and refused NOCs are not
written (their layouts are read-only here).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from core.records import Direction
from ingest.ach import codes
from ingest.ach.records import (
    RECORD_LENGTH,
    Addenda05,
    Addenda98,
    Addenda99,
    BatchControl,
    BatchHeader,
    EntryDetail,
    FileControl,
    FileHeader,
    aba_check_digit,
)

MAX_AMOUNT_CENTS = 9_999_999_999  # the 10-digit amount field: $99,999,999.99


@dataclass(frozen=True, slots=True)
class ReturnSpec:
    """Addenda 99 of a returned entry."""

    code: str  # R01 ...
    original_trace: str  # 15 digits
    original_rdfi: str = ""  # 8 digits
    date_of_death: date | None = None  # R14/R15 only
    info: str = ""  # up to 44 characters


@dataclass(frozen=True, slots=True)
class ChangeSpec:
    """Addenda 98 of a notification of change."""

    code: str  # C01 ...
    corrected_data: str  # up to 29 characters
    original_trace: str
    original_rdfi: str = ""


@dataclass(frozen=True, slots=True)
class EntrySpec:
    transaction_code: int  # 22 credit, 27 debit, 21/26 returns ... (see codes.TRANSACTION_CODES)
    routing: str  # receiving DFI: 9 digits, or 8 and the check digit is computed
    account: str  # up to 17 characters
    amount_cents: int  # 0 .. 9,999,999,999
    name: str  # individual / receiving company name (22; CTX: 16)
    identification: str = ""  # individual identification number (15)
    trace: str | None = None  # 15 digits; default ODFI + 7-digit sequence in the file
    addenda: tuple[str, ...] = ()  # addenda 05 payment related information, 80 characters each
    returned: ReturnSpec | None = None
    change: ChangeSpec | None = None
    discretionary_data: str = ""  # 2


@dataclass(frozen=True, slots=True)
class BatchSpec:
    company_name: str  # 16
    company_id: str  # 10
    odfi: str  # originating DFI routing, 8 digits
    entries: Sequence[EntrySpec] = ()
    sec: str = "PPD"
    entry_description: str = "PAYMENT"  # 10; "REVERSAL" marks reversals
    effective_date: date | None = None  # default: the file creation date
    discretionary_data: str = ""
    descriptive_date: str = ""
    service_class_code: int | None = None  # default: 220 credits only, 225 debits only, else 200


@dataclass
class _Totals:
    count: int = 0
    entry_hash: int = 0
    debit: int = 0
    credit: int = 0


def _routing(routing: str) -> tuple[str, str]:
    if not routing.isdigit() or len(routing) not in (8, 9):
        raise ValueError(f"routing number {routing!r} must be 8 or 9 digits")
    return routing[:8], routing[8:] or aba_check_digit(routing[:8])


def _entry_lines(spec: EntrySpec, batch: BatchSpec, trace: str, totals: _Totals) -> list[str]:
    if spec.transaction_code not in codes.TRANSACTION_CODES:
        raise ValueError(f"transaction code {spec.transaction_code} is not writable")
    if not 0 <= spec.amount_cents <= MAX_AMOUNT_CENTS:
        raise ValueError(f"amount {spec.amount_cents} cents does not fit the 10-digit field")
    rdfi, check = _routing(spec.routing)
    unwritable = codes.DISHONORED_RETURN_CODES | codes.CONTESTED_RETURN_CODES
    if spec.returned and spec.returned.code in unwritable:
        raise ValueError(
            f"return code {spec.returned.code}: dishonored/contested returns are not written"
        )
    if spec.change and spec.change.code in codes.REFUSED_CHANGE_CODES:
        raise ValueError(f"change code {spec.change.code}: refused NOCs are not written")
    has_addenda = bool(spec.addenda or spec.returned or spec.change)
    detail = EntryDetail(
        transaction_code=spec.transaction_code,
        rdfi=rdfi,
        check_digit=check,
        account=spec.account,
        amount=spec.amount_cents,
        identification=spec.identification,
        name=spec.name,
        trace_number=trace,
        discretionary_data=spec.discretionary_data,
        addenda_indicator="1" if has_addenda else "0",
        addenda_count=len(spec.addenda) if batch.sec in codes.CATX_SEC_CODES else None,
    )
    lines = [detail.to_line(batch.sec)]
    for n, text in enumerate(spec.addenda, 1):
        lines.append(Addenda05(payment_info=text, sequence_number=f"{n:04d}",
                               entry_sequence=trace[-7:]).to_line())
    if spec.change:
        c = spec.change
        lines.append(Addenda98(change_code=c.code, original_trace=c.original_trace,
                               original_rdfi=c.original_rdfi, corrected_data=c.corrected_data,
                               trace_number=trace).to_line())
    if spec.returned:
        r = spec.returned
        lines.append(Addenda99(return_code=r.code, original_trace=r.original_trace,
                               date_of_death=_yymmdd(r.date_of_death),
                               original_rdfi=r.original_rdfi, addenda_info=r.info,
                               trace_number=trace).to_line())
    totals.count += len(lines)
    totals.entry_hash += int(rdfi)
    if codes.direction(spec.transaction_code) is Direction.CREDIT:
        totals.credit += spec.amount_cents
    else:
        totals.debit += spec.amount_cents
    return lines


def _yymmdd(day: date | None) -> str:
    return day.strftime("%y%m%d") if day else ""


def _batch_lines(
    batch: BatchSpec, number: int, creation: date, sequence: list[int]
) -> tuple[list[str], _Totals]:
    if batch.sec in ("IAT", "ADV"):
        raise ValueError(f"{batch.sec} batches are not written by this module")
    totals = _Totals()
    body: list[str] = []
    for spec in batch.entries:
        sequence[0] += 1
        trace = spec.trace or f"{batch.odfi}{sequence[0]:07d}"
        body += _entry_lines(spec, batch, trace, totals)
    service_class = batch.service_class_code or (
        225 if _all(batch, Direction.DEBIT) else 220 if _all(batch, Direction.CREDIT) else 200
    )
    header = BatchHeader(
        service_class_code=service_class,
        company_name=batch.company_name,
        company_id=batch.company_id,
        sec_code=batch.sec,
        entry_description=batch.entry_description,
        effective_date=(batch.effective_date or creation).strftime("%y%m%d"),
        odfi=batch.odfi,
        batch_number=f"{number:07d}",
        discretionary_data=batch.discretionary_data,
        descriptive_date=batch.descriptive_date,
    )
    control = BatchControl(
        service_class_code=service_class,
        entry_addenda_count=totals.count,
        entry_hash=totals.entry_hash,
        total_debit=totals.debit,
        total_credit=totals.credit,
        company_id=batch.company_id,
        odfi=batch.odfi,
        batch_number=f"{number:07d}",
    )
    return [header.to_line(), *body, control.to_line()], totals


def _all(batch: BatchSpec, direction: Direction) -> bool:
    directions = {codes.direction(e.transaction_code) for e in batch.entries}
    return directions == {direction}


def write_file(
    batches: Sequence[BatchSpec],
    *,
    immediate_destination: str,
    immediate_origin: str,
    creation: datetime,
    file_id_modifier: str = "A",
    destination_name: str = "",
    origin_name: str = "",
    reference_code: str = "",
    line_ending: str = "\n",
) -> bytes:
    """A complete NACHA file (ASCII bytes), block-filled to a multiple of 10 records."""
    header = FileHeader(
        immediate_destination=immediate_destination,
        immediate_origin=immediate_origin,
        creation_date=creation.strftime("%y%m%d"),
        creation_time=creation.strftime("%H%M"),
        file_id_modifier=file_id_modifier,
        destination_name=destination_name,
        origin_name=origin_name,
        reference_code=reference_code,
    )
    lines = [header.to_line()]
    file_totals = _Totals()
    sequence = [0]
    for number, batch in enumerate(batches, 1):
        batch_lines, totals = _batch_lines(batch, number, creation.date(), sequence)
        lines += batch_lines
        file_totals.count += totals.count
        file_totals.entry_hash += totals.entry_hash
        file_totals.debit += totals.debit
        file_totals.credit += totals.credit
    blocks = -(-(len(lines) + 1) // 10)
    lines.append(FileControl(
        batch_count=len(batches),
        block_count=blocks,
        entry_addenda_count=file_totals.count,
        entry_hash=file_totals.entry_hash,
        total_debit=file_totals.debit,
        total_credit=file_totals.credit,
    ).to_line())
    lines += ["9" * RECORD_LENGTH] * (blocks * 10 - len(lines))
    return (line_ending.join(lines) + line_ending).encode("ascii")
