"""An entry's details (NtryDtls/TxDtls): each TxDtls → Transaction, and the details checked
against their entry (Btch/NbOfTxs, Btch/TtlAmt, the sum of their amounts).

Read by _build.py, whose docstring lists the version differences and leniencies.
"""

from __future__ import annotations

from decimal import Decimal

from lxml import etree

from core.digits import is_ascii_digits
from core.errors import ParseWarning
from core.records import Direction, InvoiceRef, ReturnInfo, Transaction
from iso20022 import _values as v
from iso20022._records import make_invoice_ref, make_transaction
from iso20022._values import Names

_NOT_PROVIDED = "NOTPROVIDED"


class EntryContext:
    """What the TxDtls of an entry need to know of it, and where warnings go."""

    __slots__ = (
        "amount", "currency", "direction", "direction_code", "single", "record", "warnings",
        "tx_charges",
    )  # fmt: skip

    def __init__(
        self,
        amount: Decimal,
        currency: str | None,
        direction: Direction,
        single: bool,
        record: str,
        warnings: list,
    ) -> None:
        self.amount = amount
        self.currency = currency
        self.direction = direction
        self.direction_code = "CRDT" if direction is Direction.CREDIT else "DBIT"
        self.single = single  # exactly one TxDtls: it may borrow the entry amount
        self.record = record
        self.warnings = warnings
        self.tx_charges: list[etree._Element] = []  # TxDtls/Chrgs, used when the entry has none


def check_batches(
    blocks: list[tuple[etree._Element, list[tuple[Transaction, bool]]]],
    n: Names,
    context: EntryContext,
    closed: list[tuple[int | None, list[tuple[Transaction, bool]]]],
) -> None:
    """Warn when a batch's declared count or total, or the details' sum, disagrees.
    `closed` blocks (a very large entry's, see _build.EarlyDetails) were checked already."""
    for block, built in blocks:
        first = next(iter(block), None)
        if built and first is not None and first.tag == n.Btch:  # Btch precedes the TxDtls
            check_batch(first, n, context, len(built))
    with_details = [(line, built) for line, built in closed if built]
    with_details += [(block.sourceline, built) for block, built in blocks if built]
    if len(with_details) == 1:
        check_sum(*with_details[0], context)


def check_batch(batch: etree._Element, n: Names, context: EntryContext, count: int) -> None:
    for item in batch:
        if item.tag == n.NbOfTxs:
            declared = v.text(item)
            if not (declared and is_ascii_digits(declared, 18) and int(declared) == count):
                context.warnings.append(
                    ParseWarning(
                        f"Btch/NbOfTxs says {declared} transactions but the entry has {count}"
                        " TxDtls",
                        line=item.sourceline,
                        record=context.record,
                        field="NtryDtls/Btch/NbOfTxs",
                        value=declared,
                    )
                )
        elif item.tag == n.TtlAmt and item.get("Ccy") in (None, context.currency):
            total = v.optional_amount(item, context.record, "NtryDtls/Btch/TtlAmt")
            if total is not None and total != context.amount:
                context.warnings.append(
                    ParseWarning(
                        f"Btch/TtlAmt {total} differs from the entry amount {context.amount}",
                        line=item.sourceline,
                        record=context.record,
                        field="NtryDtls/Btch/TtlAmt",
                        value=str(total),
                    )
                )


def check_sum(
    line: int | None, built: list[tuple[Transaction, bool]], context: EntryContext
) -> None:
    """The details' own amounts against the entry: only when all are given, in its currency."""
    total = Decimal(0)
    for tx, own in built:
        if not own or tx.amount is None or tx.currency != context.currency:
            return
        total += tx.amount
    if total != context.amount:
        context.warnings.append(
            ParseWarning(
                f"TxDtls amounts sum to {total} but the entry amount is {context.amount}",
                line=line,
                record=context.record,
                field="NtryDtls/TxDtls/Amt",
                value=str(total),
            )
        )


# ---------------------------------------------------------------------------------------------
# Transactions (TxDtls)


def transaction(
    tx: etree._Element, n: Names, context: EntryContext, index: int
) -> tuple[Transaction, bool]:
    """One TxDtls → Transaction, and whether its amount is its own (not borrowed from the entry)."""
    record = f"{context.record} / TxDtls {index}"
    amount_el = amount_details = parties = rtr_el = addtl_info = None
    refs = _NO_REFS
    remittance: list[str] = []
    references: list[str] = []
    invoices: list[InvoiceRef] = []
    REFS, AMT, CDI, AMTDTLS, PARTIES, RMTINF, RTRINF, ADDTL, CHRGS = n.tx_children
    for item in tx:
        tag = item.tag
        if tag == REFS:
            refs = _references(item, n)
        elif tag == AMT:
            amount_el = item
        elif tag == CDI:
            if item.text != context.direction_code:  # the usual case, same as the entry: no work
                _check_sign(item, context, record)
        elif tag == AMTDTLS:
            amount_details = item
        elif tag == PARTIES:
            parties = item
        elif tag == RMTINF:
            _remittance(item, n, record, remittance, references, invoices)
        elif tag == RTRINF:
            rtr_el = item
        elif tag == ADDTL:
            addtl_info = v.free_text(item)
        elif tag == CHRGS:
            context.tx_charges.append(item)

    amount, currency, own = _tx_amount(amount_el, amount_details, n, context, record)
    name = account = ultimate_name = ultimate_id = None
    if parties is not None:
        name, account, ultimate_name, ultimate_id = _counterparty(parties, n, context.direction is Direction.CREDIT)
    end_to_end, instruction, tx_id, uetr, mandate, cheque = refs
    if end_to_end is not None and end_to_end.upper() == _NOT_PROVIDED:
        end_to_end = None
    if not remittance and addtl_info:
        remittance.append(addtl_info)
    return_info = None
    if rtr_el is not None:
        return_info = _return_info(rtr_el, n, end_to_end or instruction)
    built = make_transaction(
        amount, currency, end_to_end, instruction, tx_id, uetr, mandate, cheque, name, account,
        tuple(remittance), tuple(references), tuple(invoices), return_info, None, ultimate_name, ultimate_id,
    )  # fmt: skip
    return built, own


_NO_REFS: tuple[None, ...] = (None,) * 6


def _references(refs: etree._Element, n: Names) -> tuple[str | None, ...]:
    """Refs: (EndToEndId, InstrId, TxId, UETR, MndtId, ChqNb), each None when absent."""
    end_to_end = instruction = tx_id = uetr = mandate = cheque = None
    E2E, INSTR, TXID, UETR, MNDT, CHQ = n.ref_children
    for item in refs:
        tag = item.tag
        value = item.text
        if value is not None:  # v.text(): stripped, empty means absent
            value = value.strip() or None
        if tag == E2E:
            end_to_end = value
        elif tag == TXID:
            tx_id = value
        elif tag == INSTR:
            instruction = value
        elif tag == UETR:
            uetr = value
        elif tag == MNDT:
            mandate = value
        elif tag == CHQ:
            cheque = value
    return end_to_end, instruction, tx_id, uetr, mandate, cheque


def _tx_amount(
    amount_el: etree._Element | None,
    amount_details: etree._Element | None,
    n: Names,
    context: EntryContext,
    record: str,
) -> tuple[Decimal | None, str | None, bool]:
    """TxDtls/Amt, else AmtDtls/TxAmt/Amt, else AmtDtls/InstdAmt/Amt, else (sole TxDtls) the
    entry's amount; with its currency and whether it is the TxDtls' own."""
    if amount_el is not None:
        found = v.optional_amount(amount_el, record, "TxDtls/Amt")
        if found is not None:
            return found, amount_el.get("Ccy"), True
    if amount_details is not None:
        tx_amount = instructed = None
        for item in amount_details:
            if item.tag == n.TxAmt:
                tx_amount = v.child(item, n.Amt)
            elif item.tag == n.InstdAmt:
                instructed = v.child(item, n.Amt)
        for candidate, field in (
            (tx_amount, "TxDtls/AmtDtls/TxAmt/Amt"),
            (instructed, "TxDtls/AmtDtls/InstdAmt/Amt"),
        ):
            if candidate is not None:
                found = v.optional_amount(candidate, record, field)
                if found is not None:
                    return found, candidate.get("Ccy"), True
    if context.single:
        return context.amount, context.currency, False
    return None, None, False


def _check_sign(element: etree._Element, context: EntryContext, record: str) -> None:
    found = v.direction(element, record, "TxDtls/CdtDbtInd")
    if found is not context.direction:
        context.warnings.append(
            ParseWarning(
                f"TxDtls is {found.value} but its entry is {context.direction.value}",
                line=element.sourceline,
                record=record,
                field="TxDtls/CdtDbtInd",
                value=(element.text or "").strip(),
            )
        )


def _counterparty(parties: etree._Element, n: Names, credit: bool
                  ) -> tuple[str | None, str | None, str | None, str | None]:
    """The other side: the debtor of a credit, the creditor of a debit (name, account), and
    the ultimate party on that side (name, id).

    The ultimate party's name is also the counterparty's when the party itself has none.
    """
    party, account_tag, ultimate = n.debtor_side if credit else n.creditor_side
    name = account = ultimate_el = None
    for item in parties:
        tag = item.tag
        if tag == party:
            name = v.party_name(item, n)
        elif tag == account_tag:
            account = v.account_id(item, n)
        elif tag == ultimate:
            ultimate_el = item
    if ultimate_el is None:
        return name, account, None, None
    ultimate_name = v.party_name(ultimate_el, n)
    return name if name is not None else ultimate_name, account, ultimate_name, _party_id(ultimate_el, n)


def _party_id(party: etree._Element, n: Names) -> str | None:
    """The first Othr/Id under the party's Id (OrgId or PrvtId; v08+ nests it in Pty)."""
    for other in party.iter(n.Othr):
        for item in other:
            if item.tag == n.Id:
                return v.text(item)
    return None


def _remittance(
    info: etree._Element,
    n: Names,
    record: str,
    lines: list[str],
    references: list[str],
    invoices: list[InvoiceRef],
) -> None:
    """RmtInf: Ustrd lines; Strd (0..n) creditor references and referred documents.

    RfrdDocAmt belongs to the whole Strd block, so it is an invoice's amount only when the
    block names one document.
    """
    USTRD, STRD, DOC, DOC_AMOUNT, CREDITOR_REF = n.remittance_children
    NB, REF = n.Nb, n.Ref
    NB_01, REF_01 = n.RfrdDocNb, n.CdtrRef  # .001.01: RfrdDocInf/RfrdDocNb, CdtrRefInf/CdtrRef
    for item in info:
        tag = item.tag
        if tag == USTRD:
            line = v.free_text(item)
            if line:
                lines.append(line)
        elif tag == STRD:
            numbers: list[str] = []
            paid = None
            for part in item:
                ptag = part.tag
                if ptag == DOC or ptag == CREDITOR_REF:
                    wanted, wanted_01 = (NB, NB_01) if ptag == DOC else (REF, REF_01)
                    for sub in part:  # v.text(v.child(part, wanted))
                        if sub.tag == wanted or sub.tag == wanted_01:
                            found = sub.text
                            if found is not None and (found := found.strip()):
                                (numbers if ptag == DOC else references).append(found)
                            break
                elif ptag == DOC_AMOUNT:
                    paid = _document_amount(part, n, record)
            if numbers:
                paid_one = paid if len(numbers) == 1 else None
                for number in numbers:
                    invoices.append(make_invoice_ref(number, paid_one))


def _document_amount(amounts: etree._Element, n: Names, record: str) -> Decimal | None:
    remitted = due = None
    for item in amounts:
        if item.tag == n.RmtdAmt:
            remitted = v.optional_amount(item, record, "RmtInf/Strd/RfrdDocAmt/RmtdAmt")
        elif item.tag == n.DuePyblAmt:
            due = v.optional_amount(item, record, "RmtInf/Strd/RfrdDocAmt/DuePyblAmt")
    return remitted if remitted is not None else due


def _return_info(rtr: etree._Element, n: Names, original: str | None) -> ReturnInfo:
    """RtrInf: reason Rsn/Cd or Rsn/Prtry (e.g. NACHA "R02"), AddtlInf lines joined
    (.001.01 names them RtrRsn and AddtlRtrRsnInf).

    camt has no original end-to-end id field: banks repeat the returned payment's ids in the
    TxDtls Refs, so the original reference is its EndToEndId (else InstrId).
    """
    reason = None
    notes: list[str] = []
    for item in rtr:
        if item.tag == n.Rsn or item.tag == n.RtrRsn:
            reason = v.code(item, n)
        elif item.tag == n.AddtlInf or item.tag == n.AddtlRtrRsnInf:
            note = v.free_text(item)
            if note:
                notes.append(note)
    return ReturnInfo(
        reason_code=reason,
        original_reference=original,
        additional_info=" ".join(notes) or None,
    )
