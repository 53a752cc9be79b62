"""camt elements → records: the statement header, an Ntry → Entry, a TxDtls → Transaction.

A TxDtls → Transaction, and the checks of the details against their entry, are in _details.py.

Each builder walks the children of its element once and picks what it needs by Clark name
(read into locals first: these loops run for every entry). Version differences are handled
where they occur, so one code path reads .001.02 to .001.13:
- `Sts` is text (02/04) or `Sts/Cd` (08+);
- parties are `Dbtr/Nm` (02/04) or `Dbtr/Pty/Nm` (08+);
- a TxDtls amount is `TxDtls/Amt` (03+), else `AmtDtls/TxAmt/Amt`, else `AmtDtls/InstdAmt/Amt`;
- dates are `Dt` or `DtTm` (a DtTm gives its date; a zone on a Dt is allowed);
- .001.01 (2006): the balance type is `Bal/Tp/Cd` (no CdOrPrtry), `TxDtls` and `Btch` sit
  directly in the `Ntry` (no NtryDtls), return reasons are `RtrRsn`/`AddtlRtrRsnInf`, the
  document number `RfrdDocNb`, the creditor reference `CdtrRef`; accounts may be BBAN/UPIC.

Leniencies (real files are often not schema-valid): an entry amount without Ccy takes the
account currency (Acct/Ccy); a missing or unknown Sts is a warning and "info" (not cash);
a TxDtls whose CdtDbtInd differs from its entry's is a warning, the entry's direction rules.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

from lxml import etree

from core.digits import is_ascii_digits
from core.errors import LimitExceeded, ParseWarning
from core.records import (
    Balance,
    Direction,
    Entry,
    EntryStatus,
    Kind,
    Statement,
    StatementNumber,
    Transaction,
)
from iso20022 import _values as v
from iso20022._details import EntryContext, check_batch, check_batches, check_sum, transaction
from iso20022._records import make_entry
from iso20022._values import Names
from iso20022.bank_codes import bank_code, kind_of

_STATUSES = {"BOOK": EntryStatus.BOOKED, "PDNG": EntryStatus.PENDING, "INFO": EntryStatus.INFO}
_OPENING_TYPES = ("OPBD", "PRCD")  # in order of preference
_CLOSING_TYPE = "CLBD"

# (count, line, text) of TxsSummry/TtlNtries/NbOfNtries
DeclaredCount = tuple[int, int | None, str]


# ---------------------------------------------------------------------------------------------
# Statement header


def statement_header(
    stmt: etree._Element, n: Names, label: str
) -> tuple[Statement, DeclaredCount | None, int | None]:
    """The Statement from the children before the first Ntry, TxsSummry's entry count, and
    the line of the closing booked balance (CLBD), if any.

    ElctrncSeqNb and LglSeqNb become the statement's numbers (checked for gaps and repeats at
    ingest); one that is not a whole number is left out: it cannot be checked.
    """
    ident = account = currency = None
    from_date = to_date = None
    balances: list[Balance] = []
    closing_line = None
    declared = None
    numbers: list[StatementNumber] = []
    for item in stmt:
        tag = item.tag
        if tag == n.Ntry:
            break
        if tag == n.Id:
            ident = v.text(item)
        elif tag == n.Acct:
            account = v.account_id(item, n)
            ccy = v.child(item, n.Ccy)
            currency = None if ccy is None else v.text(ccy)
        elif tag == n.Bal:
            balance = _balance(item, n, label)
            if balance.type == _CLOSING_TYPE and closing_line is None:
                closing_line = item.sourceline
            balances.append(balance)
        elif tag == n.FrToDt:
            from_date, to_date = _period(item, n, label)
        elif tag == n.TxsSummry:
            declared = _declared_entries(item, n, label)
        elif tag == n.ElctrncSeqNb or tag == n.LglSeqNb:
            text = (v.text(item) or "").strip()
            if is_ascii_digits(text, 18):
                # Numbered per message kind: a bank's reports and statements count apart.
                numbers.append(StatementNumber("electronic" if tag == n.ElctrncSeqNb else "legal",
                                               int(text), label.split(" ", 1)[0]))
    opening = None
    for kind in _OPENING_TYPES:
        opening = next((b.amount for b in balances if b.type == kind), None)
        if opening is not None:
            break
    closing = next((b.amount for b in balances if b.type == _CLOSING_TYPE), None)
    statement = Statement(
        id=ident,
        account=account,
        currency=currency,
        opening_balance=opening,
        closing_balance=closing,
        from_date=from_date,
        to_date=to_date,
        balances=tuple(balances),
        numbers=tuple(numbers),
    )
    return statement, declared, closing_line


def _balance(bal: etree._Element, n: Names, label: str) -> Balance:
    record = f"{label} / Bal"
    kind = amount = direction = when = currency = None
    for item in bal:
        tag = item.tag
        if tag == n.Tp:
            # Tp/CdOrPrtry/(Cd|Prtry) from .001.02; Tp/(Cd|Prtry) in .001.01
            choice = v.child(item, n.CdOrPrtry)
            kind = v.code(item if choice is None else choice, n)
        elif tag == n.Amt:
            amount = v.amount(item, record, "Bal/Amt")
            currency = item.get("Ccy")
        elif tag == n.CdtDbtInd:
            direction = v.direction(item, record, "Bal/CdtDbtInd")
        elif tag == n.Dt:
            when = v.date_text(item, n)
    if amount is None:
        raise v.fail("balance without an amount", bal, record, "Bal/Amt", None)
    if direction is None:
        raise v.fail("balance without CdtDbtInd", bal, record, "Bal/CdtDbtInd", None)
    signed = -amount if direction is Direction.DEBIT and amount else amount
    return Balance(type=kind or "", amount=signed, currency=currency, date=when)


def _period(period: etree._Element, n: Names, label: str) -> tuple[date | None, date | None]:
    start = end = None
    for item in period:
        if item.tag == n.FrDtTm:
            start = v.iso_date(item, label, "FrToDt/FrDtTm")
        elif item.tag == n.ToDtTm:
            end = v.iso_date(item, label, "FrToDt/ToDtTm")
    return start, end


def _declared_entries(summary: etree._Element, n: Names, label: str) -> DeclaredCount | None:
    totals = v.child(summary, n.TtlNtries)
    count = None if totals is None else v.child(totals, n.NbOfNtries)
    if count is None:
        return None
    raw = v.text(count) or ""
    if not is_ascii_digits(raw, 18):
        raise v.fail("not a number of entries (ASCII digits 0-9)", count, label,
                     "TxsSummry/TtlNtries/NbOfNtries", raw)
    return int(raw), count.sourceline, raw


# ---------------------------------------------------------------------------------------------
# Entries


class EarlyDetails:
    """The TxDtls of a very large entry, built and freed before the entry ends (see camt.py).

    `blocks` pairs each NtryDtls element with the transactions already built from it, in
    document order; the entry's end builds the rest and checks the batches as a whole.
    """

    __slots__ = ("context", "blocks", "closed", "count", "items", "max_items", "first_code")

    def __init__(self, context: EntryContext, max_items: int) -> None:
        self.context = context
        self.blocks: list[tuple[etree._Element, list[tuple[Transaction, bool]]]] = []
        # Blocks already complete, checked and removed from the tree: (line, transactions).
        self.closed: list[tuple[int | None, list[tuple[Transaction, bool]]]] = []
        self.count = 0
        self.items = 0  # transactions and their remittance lines, references and invoices
        self.max_items = max_items
        self.first_code: etree._Element | None = None  # BkTxCd of the first TxDtls, if any

    def close_complete_blocks(self, n: Names) -> None:
        """Every block but the last is complete (details come in document order): check its
        batch now and remove it from the tree, so the entry's tree stays small."""
        while len(self.blocks) > 1:
            block, built = self.blocks.pop(0)
            first = next(iter(block), None)
            if built and first is not None and first.tag == n.Btch:
                check_batch(first, n, self.context, len(built))
            self.closed.append((block.sourceline, built))
            parent = block.getparent()
            if parent is not None:
                parent.remove(block)


def entry_context(
    ntry: etree._Element, n: Names, record: str, statement_currency: str | None, warnings: list
) -> EntryContext | None:
    """The context of an entry still being read: Amt and CdtDbtInd precede NtryDtls.

    None when they have not been seen yet (a file out of schema order): the entry is then
    read whole at its end.
    """
    amount_el = direction_el = None
    for item in ntry:
        tag = item.tag
        if tag == n.Amt:
            amount_el = item
        elif tag == n.CdtDbtInd:
            direction_el = item
        elif tag == n.NtryDtls:
            break
    if amount_el is None or direction_el is None:
        return None
    amount = v.amount(amount_el, record, "Ntry/Amt")
    currency = amount_el.get("Ccy") or statement_currency
    direction = v.direction(direction_el, record, "Ntry/CdtDbtInd")
    return EntryContext(amount, currency, direction, False, record, warnings)


def build_early(
    block: etree._Element, details: etree._Element, n: Names, early: EarlyDetails
) -> None:
    """Build one ended TxDtls of `block` (a NtryDtls) ahead of its entry's end."""
    if early.blocks and early.blocks[-1][0] is block:  # details come in document order
        built = early.blocks[-1][1]
    else:
        built = []
        early.blocks.append((block, built))
    if early.count == 0:
        early.first_code = v.child(details, n.BkTxCd)
    early.count += 1
    tx = transaction(details, n, early.context, early.count)
    built.append(tx)
    early.items += _items(tx[0])
    if early.items > early.max_items:
        raise _too_many_items(early.items, early.max_items, details, early.context.record)


def _items(tx: Transaction) -> int:
    return 1 + len(tx.remittance) + len(tx.references) + len(tx.invoices)


def _too_many_items(count: int, limit: int, element: etree._Element, record: str) -> LimitExceeded:
    return LimitExceeded(
        f"entry holds more than the limit of {limit} transactions, remittance lines,"
        " references and invoices",
        line=element.sourceline,
        record=record,
        field="entry items",
        value=str(count),
    )


def entry(
    ntry: etree._Element,
    n: Names,
    record: str,
    statement_currency: str | None,
    warnings: list,
    early: EarlyDetails | None = None,
    max_items: int = 100_000,
) -> Entry:
    """One Ntry → Entry (with its transactions); ParseWarnings are appended to `warnings`.

    `early` holds the transactions of TxDtls already built and freed (very large entries).
    """
    amount_el = direction_el = status_el = code_el = None
    reversal = False
    booking = value = ntry_ref = servicer_ref = info = None
    charges: list[etree._Element] = []
    blocks: list[tuple[etree._Element, list[etree._Element]]] = []  # NtryDtls and its TxDtls
    AMT, CDI, STS, BOOKG, VALDT, SVCR, REF, CODE, DTLS, RVSL, CHRGS, INFO = n.entry_children
    TXDTLS, BTCH = n.TxDtls, n.Btch
    direct: list[etree._Element] = []  # .001.01: TxDtls (and Btch) directly in the Ntry
    batches: list[etree._Element] = []
    for item in ntry:
        tag = item.tag
        if tag == AMT:
            amount_el = item
        elif tag == CDI:
            direction_el = item
        elif tag == STS:
            status_el = item
        elif tag == BOOKG:
            booking = v.date_choice(item, n, record, "Ntry/BookgDt")
        elif tag == VALDT:
            value = v.date_choice(item, n, record, "Ntry/ValDt")
        elif tag == SVCR:
            servicer_ref = item.text
            if servicer_ref is not None:  # v.text()
                servicer_ref = servicer_ref.strip() or None
        elif tag == REF:
            ntry_ref = v.text(item)
        elif tag == CODE:
            code_el = item
        elif tag == DTLS:
            blocks.append((item, [tx for tx in item if tx.tag == TXDTLS]))
        elif tag == RVSL:
            reversal = v.boolean(item, record, "Ntry/RvslInd")
        elif tag == CHRGS:
            charges.append(item)
        elif tag == INFO and info is None:
            info = v.free_text(item)
        elif tag == TXDTLS:
            direct.append(item)
        elif tag == BTCH:
            batches.append(item)
    if direct or (early is not None and any(block is ntry for block, _ in early.blocks)):
        blocks.append((ntry, direct))  # .001.01 has no NtryDtls: the entry is the one block
    if amount_el is None:
        raise v.fail("entry without an amount", ntry, record, "Ntry/Amt", None)
    amount = v.amount(amount_el, record, "Ntry/Amt")
    currency = amount_el.get("Ccy") or statement_currency
    if direction_el is None:
        raise v.fail("entry without CdtDbtInd", ntry, record, "Ntry/CdtDbtInd", None)
    direction = v.direction(direction_el, record, "Ntry/CdtDbtInd")
    status = _status(status_el, ntry, n, record, warnings)

    remaining = 0
    for _, txs in blocks:
        remaining += len(txs)
    if code_el is None:  # some banks code only the details
        if early is not None and early.first_code is not None:
            code_el = early.first_code
        elif remaining:
            code_el = v.child(next(txs[0] for _, txs in blocks if txs), n.BkTxCd)
    code, kind = _bank_code(code_el, n, currency)

    if early is None and len(blocks) == 1:  # the usual shape: one NtryDtls
        block, txs = blocks[0]
        context = EntryContext(amount, currency, direction, remaining == 1, record, warnings)
        built = [transaction(tx, n, context, index) for index, tx in enumerate(txs, 1)]
        if built:
            # check_batches for one block: its batch (Btch precedes the TxDtls), its sum.
            first = block[0]
            if first.tag == n.Btch:
                check_batch(first, n, context, len(built))
            elif block is ntry and len(batches) == 1:  # .001.01: Ntry/Btch, 0..n
                check_batch(batches[0], n, context, len(built))
            check_sum(block.sourceline, built, context)
        transactions: tuple[Transaction, ...] = tuple([tx for tx, _ in built])
        index = len(built)
    else:
        if early is None:
            context = EntryContext(amount, currency, direction, remaining == 1, record, warnings)
            index = 0
            prebuilt: dict[int, list[tuple[Transaction, bool]]] = {}
        else:
            context, index = early.context, early.count
            prebuilt = {id(block): built for block, built in early.blocks}  # blocks are kept alive
        built_blocks: list[tuple[etree._Element, list[tuple[Transaction, bool]]]] = []
        for block, txs in blocks:
            built = list(prebuilt.get(id(block), ()))
            for tx in txs:
                index += 1
                built.append(transaction(tx, n, context, index))
            built_blocks.append((block, built))
        if index:
            closed = early.closed if early is not None else []
            check_batches(built_blocks, n, context, closed)
            transactions = tuple(tx for _, built in closed for tx, _ in built) + tuple(
                tx for _, built in built_blocks for tx, _ in built
            )
    if index:
        # A few dozen details are bounded by the tree the reader lets the parser hold.
        if len(transactions) > 32:
            items = sum(map(_items, transactions))
            if items > max_items:
                raise _too_many_items(items, max_items, ntry, record)
    else:  # no details: one transaction from the entry, with its text as remittance
        transactions = (
            Transaction(amount=amount, currency=currency, remittance=(info,) if info else ()),
        )
    return make_entry(
        amount, currency, direction, status, booking, value, servicer_ref or ntry_ref, reversal,
        kind, code, info, _charges(charges or context.tx_charges, n, record), transactions,
    )  # fmt: skip


def _status(
    status_el: etree._Element | None,
    ntry: etree._Element,
    n: Names,
    record: str,
    warnings: list,
) -> EntryStatus:
    found = None if status_el is None else v.code(status_el, n)
    status = _STATUSES.get(found or "")
    if status is None:
        warnings.append(
            ParseWarning(
                "unknown entry status; treated as info (not cash)",
                line=(status_el if status_el is not None else ntry).sourceline,
                record=record,
                field="Ntry/Sts",
                value=found,
            )
        )
        return EntryStatus.INFO
    return status


def _bank_code(
    code_el: etree._Element | None, n: Names, currency: str | None
) -> tuple[str | None, Kind]:
    """BkTxCd/Domn (Cd, Fmly/Cd, Fmly/SubFmlyCd) and BkTxCd/Prtry (Cd, Issr) → code and kind."""
    domain = family = subfamily = proprietary = issuer = None
    if code_el is not None:
        for part in code_el:
            if part.tag == n.Domn:
                for item in part:
                    if item.tag == n.Cd:
                        domain = v.text(item)
                    elif item.tag == n.Fmly:
                        for sub in item:
                            if sub.tag == n.Cd:
                                family = v.text(sub)
                            elif sub.tag == n.SubFmlyCd:
                                subfamily = v.text(sub)
            elif part.tag == n.Prtry:
                for item in part:
                    if item.tag == n.Cd:
                        proprietary = v.text(item)
                    elif item.tag == n.Issr:
                        issuer = v.text(item)
    return _code_and_kind(domain, family, subfamily, proprietary, issuer, currency)


@lru_cache(maxsize=4096)  # bounded: a hostile file may make every code unique
def _code_and_kind(
    domain: str | None,
    family: str | None,
    subfamily: str | None,
    proprietary: str | None,
    issuer: str | None,
    currency: str | None,
) -> tuple[str | None, Kind]:
    code = bank_code(domain, family, subfamily, proprietary, issuer)
    return code, kind_of(family, subfamily, proprietary, issuer, currency)


def _charges(charges: list[etree._Element], n: Names, record: str) -> Decimal | None:
    """TtlChrgsAndTaxAmt when given (it is the total), else the sum of the charge amounts.

    v02 repeats Chrgs (each with Amt); v04+ has one Chrgs with Rcrd/Amt records. Entry-level
    Chrgs when present, else those of the TxDtls (banks put them on either level).
    """
    if not charges:
        return None
    for block in charges:
        for item in block:
            if item.tag == n.TtlChrgsAndTaxAmt:
                given = v.optional_amount(item, record, "Chrgs/TtlChrgsAndTaxAmt")
                if given is not None:
                    return given
    total = Decimal(0)
    for block in charges:
        for item in block:
            if item.tag == n.Amt:
                total += v.optional_amount(item, record, "Chrgs/Amt") or 0
            elif item.tag == n.Rcrd:
                found = v.child(item, n.Amt)
                if found is not None:
                    total += v.optional_amount(found, record, "Chrgs/Rcrd/Amt") or 0
    return total
