"""Small, readable bank files for ledger/ingest tests (not for parser conformance)."""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape


@dataclass
class E:
    """One camt entry with a single TxDtls."""

    amount: str
    ref: str | None = None  # AcctSvcrRef
    e2e: str | None = None
    direction: str = "CRDT"
    status: str = "BOOK"
    date: str = "2026-11-20"
    name: str = "ACME Corp"
    text: list[str] = field(default_factory=list)
    ccy: str = "EUR"
    account: str | None = None  # the counterparty's IBAN
    reversal: bool = False
    return_reason: str | None = None  # RtrInf/Rsn/Cd, e.g. AC04


def camt(message: str, entries: list[E], *, account: str = "DE89370400440532013000", stmt_id: str = "S1") -> bytes:
    """A camt.053 (statement) or camt.054 (notification), version .001.08."""
    root, item = {"053": ("BkToCstmrStmt", "Stmt"), "054": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}[message]
    ntries = []
    for e in entries:
        refs = f"<EndToEndId>{escape(e.e2e)}</EndToEndId>" if e.e2e else ""
        ustrd = "".join(f"<Ustrd>{escape(t)}</Ustrd>" for t in e.text)
        party = "Dbtr" if e.direction == "CRDT" else "Cdtr"
        acct = f"<{party}Acct><Id><IBAN>{e.account}</IBAN></Id></{party}Acct>" if e.account else ""
        rtr = f"<RtrInf><Rsn><Cd>{e.return_reason}</Cd></Rsn></RtrInf>" if e.return_reason else ""
        ntries.append(
            f"""<Ntry><Amt Ccy="{e.ccy}">{e.amount}</Amt><CdtDbtInd>{e.direction}</CdtDbtInd>
{"<RvslInd>true</RvslInd>" if e.reversal else ""}<Sts><Cd>{e.status}</Cd></Sts><BookgDt><Dt>{e.date}</Dt></BookgDt><ValDt><Dt>{e.date}</Dt></ValDt>
{f"<AcctSvcrRef>{escape(e.ref)}</AcctSvcrRef>" if e.ref else ""}
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls><TxDtls><Refs>{refs}</Refs><Amt Ccy="{e.ccy}">{e.amount}</Amt><CdtDbtInd>{e.direction}</CdtDbtInd>
<RltdPties><{party}><Pty><Nm>{escape(e.name)}</Nm></Pty></{party}>{acct}</RltdPties>
{f"<RmtInf>{ustrd}</RmtInf>" if ustrd else ""}{rtr}</TxDtls></NtryDtls></Ntry>"""
        )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.{message}.001.08">
<{root}><GrpHdr><MsgId>M-{stmt_id}</MsgId><CreDtTm>2026-11-20T18:00:00Z</CreDtTm></GrpHdr>
<{item}><Id>{stmt_id}</Id><CreDtTm>2026-11-20T18:00:00Z</CreDtTm>
<Acct><Id><IBAN>{account}</IBAN></Id><Ccy>EUR</Ccy></Acct>
{"".join(ntries)}
</{item}></{root}></Document>
""".encode()
