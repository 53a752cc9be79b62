"""Write SEPA direct-debit initiations: pain.008.001.08 (CustomerDirectDebitInitiationV08).

    data = write(Initiation(message_id="RDD20261204S001", created=datetime(...), creditor=...,
                            batches=[Batch(payment_info_id="RDD20261204S001F", sequence="FRST",
                                           collection_date=date(2026, 12, 4), debits=[Debit(...)])]))

One PmtInf per batch (a sequence type and collection date), SEPA service level, CORE local
instrument, charges SLEV, the creditor scheme id under PrvtId/Othr with scheme name SEPA,
each debit with its mandate (id, date of signature), the debtor's IBAN (its bank given as
NOTPROVIDED: IBAN-only), the amount and the remittance lines (invoice numbers). Counts and
control sums are computed. iso20022.validate.validate_pain008 checks the result against the
bundled official schema.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from lxml import etree

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"
VERSION = "pain.008.001.08"


@dataclass(frozen=True, slots=True)
class Creditor:
    name: str
    iban: str
    scheme_id: str  # SEPA creditor identifier
    bic: str | None = None


@dataclass(frozen=True, slots=True)
class Debit:
    end_to_end_id: str  # 35 at most
    amount: Decimal
    mandate_id: str
    mandate_signed: date
    debtor_name: str
    debtor_iban: str
    remittance: str  # unstructured, 140 at most: the invoice number(s)
    currency: str = "EUR"


@dataclass(frozen=True, slots=True)
class Batch:
    payment_info_id: str
    sequence: str  # FRST | RCUR | OOFF | FNAL
    collection_date: date
    debits: Sequence[Debit] = ()
    local_instrument: str = "CORE"  # CORE | B2B


@dataclass(frozen=True, slots=True)
class Initiation:
    message_id: str
    created: datetime
    creditor: Creditor
    batches: Sequence[Batch] = field(default_factory=tuple)


def _sub(parent: etree._Element, tag: str, text: str | None = None, **attrib: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{NAMESPACE}}}{tag}", attrib)
    if text is not None:
        el.text = text
    return el


def _path(parent: etree._Element, tags: str, text: str) -> etree._Element:
    *inner, last = tags.split("/")
    for tag in inner:
        parent = _sub(parent, tag)
    return _sub(parent, last, text)


def _amount(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):f}"


def write(initiation: Initiation) -> bytes:
    """The document as UTF-8 bytes with an XML declaration."""
    debits = [d for b in initiation.batches for d in b.debits]
    if not debits:
        raise ValueError("a pain.008 needs at least one debit")
    root = etree.Element(f"{{{NAMESPACE}}}Document", nsmap={None: NAMESPACE})
    message = _sub(root, "CstmrDrctDbtInitn")
    header = _sub(message, "GrpHdr")
    _sub(header, "MsgId", initiation.message_id)
    _sub(header, "CreDtTm", initiation.created.replace(microsecond=0).isoformat())
    _sub(header, "NbOfTxs", str(len(debits)))
    _sub(header, "CtrlSum", _amount(sum((d.amount for d in debits), Decimal(0))))
    _path(header, "InitgPty/Nm", initiation.creditor.name)
    for batch in initiation.batches:
        _batch(message, batch, initiation.creditor)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _batch(message: etree._Element, batch: Batch, creditor: Creditor) -> None:
    info = _sub(message, "PmtInf")
    _sub(info, "PmtInfId", batch.payment_info_id)
    _sub(info, "PmtMtd", "DD")
    _sub(info, "BtchBookg", "true")  # one credit for the batch: settled by its PmtInfId
    _sub(info, "NbOfTxs", str(len(batch.debits)))
    _sub(info, "CtrlSum", _amount(sum((d.amount for d in batch.debits), Decimal(0))))
    kind = _sub(info, "PmtTpInf")
    _path(kind, "SvcLvl/Cd", "SEPA")
    _path(kind, "LclInstrm/Cd", batch.local_instrument)
    _sub(kind, "SeqTp", batch.sequence)
    _sub(info, "ReqdColltnDt", batch.collection_date.isoformat())
    _path(info, "Cdtr/Nm", creditor.name)
    _path(info, "CdtrAcct/Id/IBAN", creditor.iban)
    agent = _sub(_sub(info, "CdtrAgt"), "FinInstnId")
    if creditor.bic:
        _sub(agent, "BICFI", creditor.bic)
    else:
        _path(agent, "Othr/Id", "NOTPROVIDED")
    _sub(info, "ChrgBr", "SLEV")
    other = _path(info, "CdtrSchmeId/Id/PrvtId/Othr/Id", creditor.scheme_id).getparent()
    _path(other, "SchmeNm/Prtry", "SEPA")
    for debit in batch.debits:
        tx = _sub(info, "DrctDbtTxInf")
        _path(tx, "PmtId/EndToEndId", debit.end_to_end_id)
        _sub(tx, "InstdAmt", _amount(debit.amount), Ccy=debit.currency)
        mandate = _path(tx, "DrctDbtTx/MndtRltdInf/MndtId", debit.mandate_id).getparent()
        _sub(mandate, "DtOfSgntr", debit.mandate_signed.isoformat())
        _path(tx, "DbtrAgt/FinInstnId/Othr/Id", "NOTPROVIDED")
        _path(tx, "Dbtr/Nm", debit.debtor_name[:140])
        _path(tx, "DbtrAcct/Id/IBAN", debit.debtor_iban)
        _path(tx, "RmtInf/Ustrd", debit.remittance[:140])
