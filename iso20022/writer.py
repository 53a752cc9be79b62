"""Write normalized records back out as a camt.053 document (versions 001.02, 001.04, 001.08).

Used by the round-trip property tests (write ▸ parse ▸ compare) and by the benchmark
generator, which must produce a 250 MB file with flat memory. So the writer streams: it
takes an iterable of `Statement` and `Entry` records — the same shape the parsers yield —
and writes chunk-wise to a binary stream. A `Statement` opens a new <Stmt> (its own
`entries`, if any, are written first); the `Entry` records that follow belong to it.
`ParseWarning`s are skipped, so a parser's stream can be piped straight in.

Elements are written in XSD order (checked against the bundled schemas in the tests).
Text is XML-escaped by the emitter in _xml_out.py rather than by lxml (it says why).

What is written (and what the format cannot carry, so a round trip loses it):
- Entry.kind, Entry.charges and Transaction.change_info are not written (kind is derived
  by the parser from BkTxCd; charges structures differ per version; NOCs are ACH-only).
- Transaction.uetr is written only for 001.08 (Refs/UETR does not exist before 08).
- ReturnInfo: only reason_code (Rsn/Cd, or Rsn/Prtry for NACHA R-codes and other non-ISO
  codes) and additional_info (AddtlInf); the other fields have no place in camt RtrInf
  (the parser takes original_reference from the returned transaction's EndToEndId/InstrId).
- The counterparty goes to RltdPties/Dbtr(+DbtrAcct) of a credit, Cdtr(+CdtrAcct) of a debit;
  accounts passing the IBAN check go to Id/IBAN, anything else to Id/Othr/Id.
- Entry.bank_code is read in the parser's spelling (iso20022/bank_codes.py):
  "Domn/Fmly/SubFmly" → BkTxCd/Domn, "Cd:Issr" or "Cd" → BkTxCd/Prtry, both joined by "; ".
- Balances: `Statement.balances` is authoritative; only when it is empty are OPBD/CLBD
  balances synthesized from opening_balance/closing_balance.
- Required elements with no value get a documented stand-in rather than an invalid
  document: Stmt/Id "<msg_id>-<n>", Acct/Id/Othr/Id "NOTPROVIDED", currency "XXX" (ISO
  4217 "no currency"), balance date = the statement's to/from date or the creation date.
  Amounts are never invented: a statement with no balance at all, or a document with no
  statement, raises ValueError (camt.053 requires at least one Stmt and one Bal).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import BinaryIO

from core.errors import ParseWarning
from core.money import exponent
from core.records import Balance, Direction, Entry, EntryStatus, Statement, Transaction
from iso20022._xml_out import Out, escape_attr

SUPPORTED_VERSIONS: tuple[str, ...] = ("001.02", "001.04", "001.08")

# ISO external balance codes: written as CdOrPrtry/Cd, anything else as Prtry. The 02/04
# schemas enumerate exactly these; 08 accepts any 1-4 char code but we keep the same set.
ISO_BALANCE_CODES = frozenset("OPBD CLBD PRCD CLAV FWAV ITBD OPAV ITAV XPCD INFO".split())

_STATUS_CODES = {EntryStatus.BOOKED: "BOOK", EntryStatus.PENDING: "PDNG", EntryStatus.INFO: "INFO"}
_IBAN = re.compile(r"[A-Z]{2}[0-9]{2}[A-Za-z0-9]{1,30}")
_BANK_CODE = re.compile(r"([A-Z0-9]{1,4})/([A-Z0-9]{1,4})/([A-Z0-9]{1,4})")
# ISO ExternalReturnReason1Code values are 4 upper-case alphanumerics (AC04, MD06, FOCR).
_ISO_RETURN_CODE = re.compile(r"[A-Z0-9]{4}")


def namespace(version: str) -> str:
    if version not in SUPPORTED_VERSIONS:
        raise ValueError(f"unsupported camt.053 version {version!r}; use one of {SUPPORTED_VERSIONS}")
    return f"urn:iso:std:iso:20022:tech:xsd:camt.053.{version}"


def looks_like_iban(value: str) -> bool:
    """Shape and ISO 7064 mod-97 check: only real IBANs go into <IBAN> (else Othr/Id)."""
    if not _IBAN.fullmatch(value):
        return False
    rearranged = (value[4:] + value[:4]).upper()
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return int(digits) % 97 == 1


def format_camt_amount(amount: Decimal, currency: str | None) -> str:
    """Amount text with the currency's minor-unit digits ("12.50", JPY "1250").

    Extra precision (camt allows 5 decimals) is kept as-is, never rounded away: a writer
    that drops a fraction of a cent is exactly the bug the round-trip test looks for.
    """
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise TypeError(f"amount must be a finite Decimal, not {amount!r}")
    if amount < 0:
        raise ValueError(f"camt amounts are unsigned (sign goes in CdtDbtInd): {amount}")
    quantum = Decimal(1).scaleb(-exponent(currency))
    quantized = amount.quantize(quantum)
    if quantized == amount:
        return format(quantized, "f")
    return format(amount.normalize(), "f")


class _Camt053Writer:
    def __init__(
        self, out: Out, version: str, msg_id: str, created: datetime
    ) -> None:
        self.out = out
        self.version = version
        self.v08 = version == "001.08"
        self.v02 = version == "001.02"
        self.msg_id = msg_id
        self.created = created.isoformat(timespec="seconds")
        self.created_date = created.date().isoformat()
        self.stmt_count = 0
        self.stmt_currency: str | None = None
        self.in_stmt = False

    # -- document ---------------------------------------------------------------------------

    def begin(self) -> None:
        o = self.out
        o.raw('<?xml version="1.0" encoding="UTF-8"?>')
        o.open("Document", f' xmlns="{namespace(self.version)}"')
        o.open("BkToCstmrStmt")
        o.open("GrpHdr")
        o.leaf("MsgId", self.msg_id)
        o.leaf("CreDtTm", self.created)
        o.close()

    def end(self) -> None:
        if not self.stmt_count:
            raise ValueError("camt.053 needs at least one statement")
        self._close_statement()
        self.out.close()  # BkToCstmrStmt
        self.out.close()  # Document
        if self.out._pretty:
            self.out.raw("\n")
        self.out.flush()

    # -- statement --------------------------------------------------------------------------

    def _close_statement(self) -> None:
        if self.in_stmt:
            self.out.close()
            self.in_stmt = False

    def statement(self, st: Statement) -> None:
        self._close_statement()
        self.stmt_count += 1
        self.stmt_currency = st.currency
        o = self.out
        o.open("Stmt")
        self.in_stmt = True
        o.leaf("Id", st.id or f"{self.msg_id}-{self.stmt_count}")
        for kind, tag in (("electronic", "ElctrncSeqNb"), ("legal", "LglSeqNb")):
            number = next((n.number for n in st.numbers if n.kind == kind), None)
            if number is not None:
                o.leaf(tag, str(number))
        o.leaf("CreDtTm", self.created)
        if st.from_date or st.to_date:
            # A period needs both ends; one known date stands for both.
            start = st.from_date or st.to_date
            stop = st.to_date or st.from_date
            o.open("FrToDt")
            o.leaf("FrDtTm", f"{start.isoformat()}T00:00:00")
            o.leaf("ToDtTm", f"{stop.isoformat()}T23:59:59")
            o.close()
        o.open("Acct")
        self._account_id(st.account or "NOTPROVIDED")
        if st.currency:
            o.leaf("Ccy", st.currency)
        o.close()
        balances = st.balances or self._synthesized_balances(st)
        if not balances:
            # Bal is 1..n in every version; inventing an amount would be worse than refusing.
            raise ValueError(f"statement {st.id or self.stmt_count!r}: camt.053 needs at least one balance")
        fallback_date = st.to_date or st.from_date
        for balance in balances:
            self._balance(balance, fallback_date)
        for entry in st.entries:
            self.entry(entry)

    def _synthesized_balances(self, st: Statement) -> tuple[Balance, ...]:
        out = []
        if st.opening_balance is not None:
            day = st.from_date.isoformat() if st.from_date else None
            out.append(Balance("OPBD", st.opening_balance, st.currency, day))
        if st.closing_balance is not None:
            day = st.to_date.isoformat() if st.to_date else None
            out.append(Balance("CLBD", st.closing_balance, st.currency, day))
        return tuple(out)

    def _account_id(self, account: str) -> None:
        o = self.out
        o.open("Id")
        if looks_like_iban(account):
            o.leaf("IBAN", account)
        else:
            o.path(("Othr", "Id"), account)
        o.close()

    def _balance(self, b: Balance, fallback: date | None) -> None:
        o = self.out
        currency = b.currency or self.stmt_currency or "XXX"
        o.open("Bal")
        o.open("Tp")
        o.path(("CdOrPrtry", "Cd" if b.type in ISO_BALANCE_CODES else "Prtry"), b.type)
        o.close()
        o.leaf("Amt", format_camt_amount(abs(b.amount), currency), _ccy(currency))
        o.leaf("CdtDbtInd", "DBIT" if b.amount < 0 else "CRDT")
        when = b.date or (fallback.isoformat() if fallback else self.created_date)
        o.path(("Dt", "DtTm" if "T" in when else "Dt"), when)
        o.close()

    # -- entry ------------------------------------------------------------------------------

    def entry(self, e: Entry) -> None:
        if not self.in_stmt:
            raise ValueError("an Entry must follow a Statement (camt entries belong to an account)")
        o = self.out
        currency = e.currency or self.stmt_currency or "XXX"
        indicator = "CRDT" if e.direction is Direction.CREDIT else "DBIT"
        o.open("Ntry")
        o.leaf("Amt", format_camt_amount(e.amount, currency), _ccy(currency))
        o.leaf("CdtDbtInd", indicator)
        if e.reversal:
            o.leaf("RvslInd", "true")
        status = _STATUS_CODES[e.status]
        if self.v08:
            o.path(("Sts", "Cd"), status)
        else:
            o.leaf("Sts", status)
        if e.booking_date:
            o.path(("BookgDt", "Dt"), e.booking_date.isoformat())
        if e.value_date:
            o.path(("ValDt", "Dt"), e.value_date.isoformat())
        if e.bank_reference:
            o.leaf("AcctSvcrRef", e.bank_reference)
        self._bank_code(e.bank_code)  # BkTxCd is mandatory in every version
        if e.transactions:
            o.open("NtryDtls")
            if len(e.transactions) > 1:
                self._batch(e, currency, indicator)
            for tx in e.transactions:
                self._transaction(tx, currency, indicator, e.direction)
            o.close()
        if e.additional_info:
            o.leaf("AddtlNtryInf", e.additional_info)
        o.close()
        o.maybe_flush()

    def _bank_code(self, code: str | None) -> None:
        """BkTxCd from `Entry.bank_code` in the parser's spelling (iso20022/bank_codes.py):
        "Domn/Fmly/SubFmly", "Cd:Issr" or "Cd" for a proprietary code, or both joined by "; "."""
        o = self.out
        if not code:
            o.empty("BkTxCd")  # Domn and Prtry are both optional: an empty code is valid
            return
        domain = None
        proprietary = None
        for part in code.split("; "):
            m = _BANK_CODE.fullmatch(part)
            if m and domain is None:
                domain = m
            elif proprietary is None:
                proprietary = part
            else:  # not in the parser's shape: keep the whole text as the proprietary code
                domain, proprietary = None, code
                break
        o.open("BkTxCd")
        if domain:
            o.open("Domn")
            o.leaf("Cd", domain[1])
            o.open("Fmly")
            o.leaf("Cd", domain[2])
            o.leaf("SubFmlyCd", domain[3])
            o.close()
            o.close()
        if proprietary:
            cd, sep, issuer = proprietary.rpartition(":")
            o.open("Prtry")
            if sep and cd and issuer:
                o.leaf("Cd", cd)
                o.leaf("Issr", issuer)
            else:
                o.leaf("Cd", proprietary)
            o.close()
        o.close()

    def _batch(self, e: Entry, currency: str, indicator: str) -> None:
        o = self.out
        o.open("Btch")
        o.leaf("NbOfTxs", str(len(e.transactions)))
        amounts = [t.amount for t in e.transactions]
        if all(a is not None for a in amounts):
            total = sum(amounts, Decimal(0))  # type: ignore[arg-type]
            o.leaf("TtlAmt", format_camt_amount(total, currency), _ccy(currency))
            o.leaf("CdtDbtInd", indicator)
        o.close()

    def _transaction(
        self, tx: Transaction, entry_currency: str, indicator: str, direction: Direction
    ) -> None:
        o = self.out
        currency = tx.currency or entry_currency
        o.open("TxDtls")
        refs = [
            ("InstrId", tx.instruction_id),
            ("EndToEndId", tx.end_to_end_id),
            ("UETR", tx.uetr if self.v08 else None),
            ("TxId", tx.transaction_id),
            ("MndtId", tx.mandate_id),
            ("ChqNb", tx.check_number),
        ]
        if any(value for _, value in refs):
            o.open("Refs")
            for tag, value in refs:
                if value:
                    o.leaf(tag, value)
            o.close()
        if tx.amount is not None:
            amount = format_camt_amount(tx.amount, currency)
            if self.v02:  # TxDtls/Amt only exists from 03 on
                o.open("AmtDtls")
                o.open("TxAmt")
                o.leaf("Amt", amount, _ccy(currency))
                o.close()
                o.close()
            else:
                o.leaf("Amt", amount, _ccy(currency))
                o.leaf("CdtDbtInd", indicator)
        elif self.version == "001.04":
            raise ValueError("camt.053.001.04 requires TxDtls/Amt: a transaction has no amount")
        if tx.counterparty_name or tx.counterparty_account:
            # The counterparty is the payer of a credit and the payee of a debit.
            party = "Dbtr" if direction is Direction.CREDIT else "Cdtr"
            o.open("RltdPties")
            if tx.counterparty_name:
                o.open(party)
                if self.v08:
                    o.path(("Pty", "Nm"), tx.counterparty_name)
                else:
                    o.leaf("Nm", tx.counterparty_name)
                o.close()
            if tx.counterparty_account:
                o.open(party + "Acct")
                self._account_id(tx.counterparty_account)
                o.close()
            o.close()
        if tx.remittance or tx.invoices or tx.references:
            o.open("RmtInf")
            for line in tx.remittance:
                o.leaf("Ustrd", line)
            for invoice in tx.invoices:
                o.open("Strd")
                o.open("RfrdDocInf")
                o.open("Tp")
                o.path(("CdOrPrtry", "Cd"), "CINV")
                o.close()
                o.leaf("Nb", invoice.number)
                o.close()
                if invoice.amount is not None:
                    o.open("RfrdDocAmt")
                    o.leaf("RmtdAmt", format_camt_amount(invoice.amount, currency), _ccy(currency))
                    o.close()
                o.close()
            for ref in tx.references:
                o.open("Strd")
                o.open("CdtrRefInf")
                if ref.startswith("RF"):  # ISO 11649 creditor reference
                    o.open("Tp")
                    o.path(("CdOrPrtry", "Cd"), "SCOR")
                    o.close()
                o.leaf("Ref", ref)
                o.close()
                o.close()
            o.close()
        ret = tx.return_info
        if ret is not None and (ret.reason_code or ret.additional_info):
            o.open("RtrInf")
            if ret.reason_code:
                iso = _ISO_RETURN_CODE.fullmatch(ret.reason_code)
                o.path(("Rsn", "Cd" if iso else "Prtry"), ret.reason_code)
            if ret.additional_info:
                o.leaf("AddtlInf", ret.additional_info)
            o.close()
        o.close()


def _ccy(currency: str) -> str:
    return f' Ccy="{escape_attr(currency)}"'


def write_camt053_to(
    stream: BinaryIO,
    records: Iterable[Statement | Entry | ParseWarning],
    *,
    version: str = "001.08",
    msg_id: str | None = None,
    created: datetime | None = None,
    pretty: bool = True,
) -> int:
    """Stream a camt.053 document to `stream`; returns the number of bytes written.

    `records` is a parser-shaped stream: each `Statement` opens a <Stmt> (its `entries` are
    written right away), and each following `Entry` is added to it. Memory stays flat: at
    most ~256 KB of text is buffered between writes.
    """
    namespace(version)  # validates the version before anything is written
    created = created or datetime.now(timezone.utc).replace(microsecond=0)
    writer = _Camt053Writer(
        Out(stream, pretty), version, msg_id or f"REMIT{created:%Y%m%d%H%M%S}", created
    )
    writer.begin()
    for record in records:
        if isinstance(record, Statement):
            writer.statement(record)
        elif isinstance(record, Entry):
            writer.entry(record)
        elif not isinstance(record, ParseWarning):
            raise TypeError(f"not a Statement or Entry: {type(record).__name__}")
    writer.end()
    return writer.out.bytes_written


def write_camt053(
    statements: Sequence[Statement],
    *,
    version: str = "001.08",
    msg_id: str | None = None,
    created: datetime | None = None,
    pretty: bool = True,
) -> bytes:
    """A whole camt.053 document for `statements` (with their entries) as bytes."""
    buffer = io.BytesIO()
    write_camt053_to(
        buffer, statements, version=version, msg_id=msg_id, created=created, pretty=pretty
    )
    return buffer.getvalue()
