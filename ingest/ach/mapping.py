"""From NACHA records to remit's normalized records (DESIGN.md §3).

One Statement per batch, one Entry (with one Transaction) per entry detail record.

Who is the counterparty? A cash-application matcher needs the PAYER: the party whose
account the money leaves. In NACHA the batch header names the originator (company name and
id) and the entry names the receiver (individual / receiving company name, RDFI account):

- debit entries (x7/x8/x9, 55) take money from the receiver: the payer is the receiver;
- returns and NOCs (x1/x6 codes, or any entry with an addenda 98/99) concern an entry the
  file's recipient originated: the counterparty is that entry's receiver;
- credits in corporate batches (CCD, CTX), IAT and CIE are payments received by us: the
  payer is the originator -- the batch company name and id (IAT: addenda 11 originator
  name; CIE: the consumer's name, which CIE carries in the entry). Their bank account is
  not in the file (the RDFI account is ours), so the counterparty account is
  "ACH-CO:<company id>", the originator's stable identifier, or None for CIE. Exception:
  when the file was made by that originator itself (`outgoing`: the batch company id is
  the file's immediate origin, or its name the origin name), the credit is one we send
  (vendor payments) and the counterparty is the receiver;
- credits in consumer batches (PPD, WEB, TEL, ...) are ones we originated (payroll, refunds,
  micro-deposits): the counterparty is the receiver (payee).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, timedelta
from typing import TypeVar

from core.money import from_minor
from core.records import (
    ChangeInfo,
    Direction,
    Entry,
    EntryStatus,
    Kind,
    ReturnInfo,
    Transaction,
)
from ingest.ach import codes, x12
from ingest.ach.records import (
    Addenda,
    Addenda05,
    Addenda10,
    Addenda11,
    Addenda17,
    Addenda98,
    Addenda98Refused,
    Addenda99,
    Addenda99Contested,
    Addenda99Dishonored,
    ADVEntryDetail,
    BatchHeader,
    EntryDetail,
    FileHeader,
    OtherAddenda,
)

CURRENCY = "USD"
_A = TypeVar("_A")

# warn(message, field, value): the reader turns it into a ParseWarning naming the record.
Warn = Callable[[str, str, str], None]


def yymmdd(text: str) -> date | None:
    """A NACHA date; None for blanks, zeros and impossible dates. Years 70-99 are 19xx."""
    if len(text) != 6 or not text.isdigit():
        return None
    yy, mm, dd = int(text[:2]), int(text[2:4]), int(text[4:])
    try:
        return date((1900 if yy >= 70 else 2000) + yy, mm, dd)
    except ValueError:
        return None


def julian(text: str, near: date) -> date | None:
    """A Julian day-of-year (settlement date) in the year that puts it closest to `near`."""
    if len(text) != 3 or not text.isdigit() or not 1 <= int(text) <= 366:
        return None
    candidates = []
    for year in (near.year - 1, near.year, near.year + 1):
        day = date(year, 1, 1) + timedelta(days=int(text) - 1)
        if day.year == year:  # day 366 exists in leap years only
            candidates.append(day)
    return min(candidates, key=lambda d: abs((d - near).days), default=None)


def batch_date(header: BatchHeader, creation: date | None, warn: Warn) -> date | None:
    """Booking and value date of a batch: the settlement date when the operator filled it
    in, else the effective entry date. Returns often carry 000000; then the file creation
    date stands in, with a warning."""
    effective = yymmdd(header.effective_date)
    base = effective or creation
    settled = julian(header.settlement_date, base) if base and header.settlement_date else None
    if settled:
        return settled
    if effective:
        return effective
    fallback = "; using the file creation date" if creation else ""
    warn(f"effective entry date is not a valid YYMMDD date{fallback}", "effective entry date",
         header.effective_date)
    return creation


def made_by_originator(header: BatchHeader, file_header: FileHeader | None) -> bool:
    """Whether the file comes from the batch's originator rather than from its bank/operator."""
    if file_header is None:
        return False
    company = header.company_id.lstrip("0 ")
    if company and company == file_header.immediate_origin.lstrip("0 "):
        return True
    name = header.company_name.upper()
    return bool(name) and name == file_header.origin_name.upper()


def _pieces(addenda: Sequence[Addenda], kind: type[_A]) -> list[_A]:
    return [a for a in addenda if isinstance(a, kind)]


def _remittance(
    header: BatchHeader, detail: EntryDetail | ADVEntryDetail, addenda: Sequence[Addenda]
) -> tuple[list[str], list[str]]:
    """(remittance lines, texts to search for RMR invoices)."""
    lines: list[str] = []
    sec = header.sec_code
    if isinstance(detail, EntryDetail) and detail.identification:
        if sec not in codes.CHECK_SEC_CODES:  # there it is the check serial number
            lines.append(detail.identification)
    for other in _pieces(addenda, OtherAddenda):
        if other.type_code == "15" and other.content[:15].strip():  # IAT receiver id number
            lines.append(other.content[:15].strip())
    for a10 in _pieces(addenda, Addenda10):
        if a10.foreign_payment_amount:
            iat = header.iat
            currencies = f" ({iat.originating_currency}->{iat.destination_currency})" if iat else ""
            amount = from_minor(a10.foreign_payment_amount, CURRENCY)
            lines.append(f"IAT {a10.transaction_type} foreign payment amount {amount}{currencies}")
    texts: list[str] = []
    a05 = _pieces(addenda, Addenda05)
    if sec == "CTX" and a05:
        ordered = sorted(a05, key=_sequence)
        joined = x12.join_ctx(a.payment_info for a in ordered).strip()
        texts = [joined] if joined else []
        shown = x12.readable(joined) if joined else []  # not the envelope's dates and traces
    else:
        texts = [a.payment_info.strip() for a in a05 if a.payment_info.strip()]
        shown = list(texts)
    a17 = [a.payment_info.strip() for a in _pieces(addenda, Addenda17) if a.payment_info.strip()]
    return lines + shown + a17, texts + a17


def _sequence(addenda: Addenda05) -> int:
    return int(addenda.sequence_number) if addenda.sequence_number.isdigit() else 0


def _return_info(addenda: Sequence[Addenda], iat: bool, warn: Warn) -> ReturnInfo | None:
    plain = _pieces(addenda, Addenda99)
    dishonored = _pieces(addenda, Addenda99Dishonored)
    contested = _pieces(addenda, Addenda99Contested)
    if not (plain or dishonored or contested):
        return None
    reason = original = info = rdfi = None
    death: date | None = None
    dishonored_code = contested_code = None
    # The original return wins; a dishonor or a contest only fills what is still unknown.
    if plain:
        first = plain[0]
        if len(plain) > 1:
            warn("entry has more than one return addenda (type 99); using the first",
                 "return reason code", plain[1].return_code)
        reason = first.return_code or None
        original, rdfi = first.original_trace or None, first.original_rdfi or None
        death = yymmdd(first.date_of_death)
        info = first.addenda_info
        if iat and info[:10].isdigit():  # IAT: 36-45 is the original forward entry amount
            info = info[10:].strip()
        info = info or None
    for d in dishonored[:1]:
        dishonored_code = d.dishonored_code
        original = original or d.original_trace or None
        rdfi = rdfi or d.original_rdfi or None
        info = info or d.addenda_info or None
        reason = reason or _r_code(d.return_reason_code)
    for c in contested[:1]:
        contested_code = c.contested_code
        original = original or c.original_trace or None
        rdfi = rdfi or c.original_rdfi or None
        dishonored_code = dishonored_code or _r_code(c.dishonored_reason_code)
        reason = reason or _r_code(c.return_reason_code)
    return ReturnInfo(
        reason_code=reason,
        original_reference=original,
        additional_info=info,
        original_rdfi=rdfi,
        date_of_death=death,
        dishonored_code=dishonored_code,
        contested_code=contested_code,
    )


def _r_code(two_digits: str) -> str | None:
    """'01' in a dishonored/contested addenda means R01."""
    valid = len(two_digits) == 2 and two_digits.isdigit() and two_digits != "00"
    return f"R{two_digits}" if valid else None


def _change_info(addenda: Sequence[Addenda], warn: Warn) -> ChangeInfo | None:
    changes = [a for a in addenda if isinstance(a, (Addenda98, Addenda98Refused))]
    if not changes:
        return None
    if len(changes) > 1:
        warn("entry has more than one change addenda (type 98); using the first", "change code",
             _change_code(changes[1]))
    first = changes[0]
    return ChangeInfo(
        change_code=_change_code(first),
        corrected_data=first.corrected_data or None,
        original_reference=first.original_trace or None,
        original_rdfi=first.original_rdfi or None,
    )


def _change_code(a: Addenda98 | Addenda98Refused) -> str:
    return a.refused_code if isinstance(a, Addenda98Refused) else a.change_code


def _aba(routing: str, account: str) -> str | None:
    return f"ABA:{routing}:{account}" if account else None


def _counterparty(
    header: BatchHeader,
    detail: EntryDetail | ADVEntryDetail,
    addenda: Sequence[Addenda],
    returned: bool,
    outgoing: bool,
) -> tuple[str | None, str | None]:
    """(name, account) of the payer; see the module docstring for the rules."""
    sec = header.sec_code
    credit = codes.direction(detail.transaction_code) is Direction.CREDIT
    a10 = next(iter(_pieces(addenda, Addenda10)), None)
    receiver_name = a10.name if header.is_iat_layout and a10 else detail.name
    receiver = (receiver_name or None, _aba(detail.routing, detail.account))
    if returned or outgoing or not credit or isinstance(detail, ADVEntryDetail):
        return receiver
    originator_account = f"ACH-CO:{header.company_id}" if header.company_id else None
    if sec == "IAT":
        a11 = next(iter(_pieces(addenda, Addenda11)), None)
        return (a11.originator_name if a11 else None) or None, originator_account
    if sec == "CIE":
        return detail.name or None, None
    if sec in codes.CORPORATE_SEC_CODES:
        return header.company_name or None, originator_account
    return receiver


def build_entry(
    header: BatchHeader,
    day: date | None,
    detail: EntryDetail | ADVEntryDetail,
    addenda: Sequence[Addenda],
    warn: Warn,
    *,
    outgoing: bool = False,
) -> Entry:
    """`outgoing`: the file was made by the batch's originator (see the module docstring)."""
    amount = from_minor(detail.amount, CURRENCY)
    reference = detail.reference if isinstance(detail, ADVEntryDetail) else detail.trace_number
    return_info = _return_info(addenda, header.is_iat_layout, warn)
    change_info = _change_info(addenda, warn)
    returned = (
        return_info is not None
        or change_info is not None
        or detail.transaction_code in codes.RETURN_OR_NOC_TRANSACTION_CODES
    )
    name, account = _counterparty(header, detail, addenda, returned, outgoing)
    remittance, texts = _remittance(header, detail, addenda)
    check_number = None
    if isinstance(detail, EntryDetail) and header.sec_code in codes.CHECK_SEC_CODES:
        serial = detail.identification[:9] if header.sec_code == "POP" else detail.identification
        check_number = serial.strip() or None
    transaction = Transaction(
        amount=amount,
        currency=CURRENCY,
        transaction_id=reference,
        check_number=check_number,
        counterparty_name=name,
        counterparty_account=account,
        remittance=tuple(remittance),
        invoices=tuple(inv for text in texts for inv in x12.parse_rmr(text)),
        return_info=return_info,
        change_info=change_info,
    )
    description = header.entry_description
    return Entry(
        amount=amount,
        currency=CURRENCY,
        direction=codes.direction(detail.transaction_code),
        # ADV entries are the ACH operator's accounting advices, not payments to apply.
        status=EntryStatus.INFO if isinstance(detail, ADVEntryDetail) else EntryStatus.BOOKED,
        booking_date=day,
        value_date=day,
        bank_reference=reference,
        reversal=description.upper() == "REVERSAL",
        kind=Kind.ACH,
        bank_code=f"{header.sec_code}/{detail.transaction_code:02d}",
        additional_info=description or None,
        transactions=(transaction,),
    )
