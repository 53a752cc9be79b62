"""OFX 1.02 (SGML) bank statement download of the labelled day: one STMTRS per currency
account (USD and EUR: OFX statements carry CURDEF, European banks export OFX too).

A STMTTRN carries what a bank's download has: TRNTYPE (DIRECTDEP for ACH receipts, CREDIT
for other credits; DIRECTDEBIT / DEBIT), DTPOSTED, a signed TRNAMT, FITID (the bank's
reference), NAME (32 characters: the payer) and MEMO (255: the remittance as one text).
No payer account (banks do not put the payer's account in a download) and no end-to-end
id. Text is Windows-1252 (CHARSET:1252); SGML specials are escaped. A day of more than
PER_FILE transactions is written as several downloads (files) of consecutive transactions.
"""

from __future__ import annotations

from benchmarks.accuracy.formats.carry import Carried, Rendering, cut, evidence_texts
from benchmarks.accuracy_data import Dataset
from core.money import minor_text, to_minor
from core.records import Direction, Kind
from reconcile.model import Payment

HEADER = ("OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
          "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n")
# remit reads an OFX file in memory and refuses more than 100,000 SGML elements (about
# 14,000 transactions): a big day comes as several downloads, as a bank's portal splits it.
PER_FILE = 5_000
ACCOUNTS = {"USD": ("026015079", "4471002233"), "EUR": ("37040044", "0532013000")}


def _cp1252(text: str) -> str:
    """What survives the file's character set: characters outside it become '?'."""
    return " ".join(text.encode("cp1252", "replace").decode("cp1252").split())


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def carry(p: Payment) -> Carried:
    name = cut(_cp1252(p.payer_name or ""), 32)
    memo = cut(" ".join(_cp1252(t) for t in evidence_texts(p)), 255)
    return Carried(p, p.bank_reference or "", name, None, (memo,) if memo else ())


def _transaction(c: Carried, day: str) -> str:
    p = c.payment
    credit = p.direction is Direction.CREDIT
    ach = p.kind is Kind.ACH
    trntype = ("DIRECTDEP" if ach else "CREDIT") if credit else ("DIRECTDEBIT" if ach else "DEBIT")
    cents = to_minor(p.amount, p.currency)
    parts = [f"<TRNTYPE>{trntype}", f"<DTPOSTED>{day}", f"<TRNAMT>{minor_text(cents if credit else -cents, p.currency)}",
             f"<FITID>{c.ref}"]
    if c.name:
        parts.append(f"<NAME>{_escape(c.name)}")
    if c.lines:
        parts.append(f"<MEMO>{_escape(c.lines[0])}")
    return "<STMTTRN>\n" + "\n".join(parts) + "\n</STMTTRN>"


def render(data: Dataset, per_file: int = PER_FILE) -> Rendering:
    carried = [carry(p) for p in data.payments]
    files = tuple((f"day-{n}.ofx", _file(data, carried[start:start + per_file]))
                  for n, start in enumerate(range(0, len(carried), per_file), 1))
    return Rendering("OFX", files, tuple(carried))


def _file(data: Dataset, carried: list[Carried]) -> bytes:
    day = f"{data.as_of:%Y%m%d}"
    blocks = []
    for n, currency in enumerate(sorted({c.payment.currency for c in carried}), 1):
        bank, account = ACCOUNTS[currency]
        mine = [c for c in carried if c.payment.currency == currency]
        closing = 250_000_00 + sum(to_minor(c.payment.amount, currency) * (1 if c.payment.direction is Direction.CREDIT else -1)
                                   for c in mine)
        blocks.append(
            f"<STMTTRNRS>\n<TRNUID>{n}\n<STATUS>\n<CODE>0\n<SEVERITY>INFO\n</STATUS>\n<STMTRS>\n<CURDEF>{currency}\n"
            f"<BANKACCTFROM>\n<BANKID>{bank}\n<ACCTID>{account}\n<ACCTTYPE>CHECKING\n</BANKACCTFROM>\n"
            f"<BANKTRANLIST>\n<DTSTART>{day}\n<DTEND>{day}\n" + "\n".join(_transaction(c, day) for c in mine)
            + f"\n</BANKTRANLIST>\n<LEDGERBAL>\n<BALAMT>{minor_text(closing, currency)}\n<DTASOF>{day}\n</LEDGERBAL>\n"
            "</STMTRS>\n</STMTTRNRS>")
    body = (f"<OFX>\n<SIGNONMSGSRSV1>\n<SONRS>\n<STATUS>\n<CODE>0\n<SEVERITY>INFO\n</STATUS>\n<DTSERVER>{day}060000\n"
            "<LANGUAGE>ENG\n</SONRS>\n</SIGNONMSGSRSV1>\n<BANKMSGSRSV1>\n" + "\n".join(blocks)
            + "\n</BANKMSGSRSV1>\n</OFX>\n")
    return (HEADER + body).encode("cp1252")
