"""Independent figures of a bank file, for the held-out corpus manifest (issue 13).

This reads each format the naive way its specification describes — fixed columns, the
records' own control totals, element paths — and shares no code with remit's parsers, so
that a figure it drafts and the parser's answer are two readings, not one. What it drafts
is reviewed by hand before it goes into manifest.json (the `basis` of each entry says what
the figure rests on); it is never remit's own output.

    .venv/bin/python -m benchmarks.corpus.facts FILE...     # prints the draft figures as JSON
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

# NACHA transaction codes: the second digit says which way (Appendix Three): 1-4 credit
# (live, prenote, zero-dollar), 6-9 debit; 81/82 (ADV) credit/debit, 83-88 ADV likewise.
_CREDIT_DIGITS = set("01234")


def _money(total: dict[str, Decimal]) -> dict[str, str]:
    return {ccy: str(amount) for ccy, amount in sorted(total.items())}


def ach(data: bytes) -> dict:
    lines = []
    for ln in data.replace(b"\r\n", b"\n").split(b"\n"):
        # Records without line breaks (fixed blocks of 94): one physical line of many records.
        blocked = len(ln) > 94 and ln[94:95] in (b"1", b"5", b"6", b"7", b"8", b"9")
        lines += [ln[i:i + 94] for i in range(0, len(ln), 94)] if blocked else [ln]
    lines = [ln for ln in lines if ln.strip()]
    entries, batches, credit, debit = 0, 0, Decimal(0), Decimal(0)
    returns: list[str] = []
    nocs: list[str] = []
    control: dict[str, str] = {}
    adv = False
    for raw in lines:
        line = raw.decode("latin-1")
        kind = line[:1]
        if kind == "5":
            batches += 1
            adv = line[50:53] == "ADV"
        elif kind == "6":
            entries += 1
            code = line[1:3]
            amount = Decimal(int(line[27:39] if adv else line[29:39])) / 100
            if (code in ("81", "83", "85", "87")) if adv else code[1] in _CREDIT_DIGITS:
                credit += amount
            else:
                debit += amount
        elif kind == "7" and line[1:3] == "99":
            returns.append(line[3:6])
        elif kind == "7" and line[1:3] == "98":
            nocs.append(line[3:6])
        elif kind == "9" and not line.startswith("9999999999"):
            if adv:
                control = {"entry_addenda": line[13:21], "debit": line[31:51], "credit": line[51:71]}
            else:
                control = {"entry_addenda": line[13:21], "debit": line[31:43], "credit": line[43:55]}
    facts: dict = {"format": "ach", "statements": batches, "entries": entries,
                   "credits": str(credit.quantize(Decimal("0.01"))),
                   "debits": str(debit.quantize(Decimal("0.01"))), "returns": returns, "nocs": nocs}
    if control:
        try:
            facts["control"] = {"debit": str(Decimal(int(control["debit"])).scaleb(-2)),
                                "credit": str(Decimal(int(control["credit"])).scaleb(-2))}
        except ValueError:
            facts["control"] = "unreadable"
    return facts


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(el: ET.Element, name: str) -> ET.Element | None:
    return next((c for c in el if _local(c.tag) == name), None)


def camt(data: bytes) -> dict:
    root = ET.fromstring(data)
    names = (_local(el.tag) for el in root.iter())
    message = next((name for name in names if name.startswith("BkToCstmr")), "")
    fmt = {"BkToCstmrAcctRpt": "camt.052", "BkToCstmrStmt": "camt.053",
           "BkToCstmrDbtCdtNtfctn": "camt.054"}.get(message.removesuffix("V01"), "")
    statements = [el for el in root.iter() if _local(el.tag) in ("Stmt", "Ntfctn", "Rpt")]
    credits: dict[str, Decimal] = defaultdict(Decimal)
    debits: dict[str, Decimal] = defaultdict(Decimal)
    entries, reversals = 0, 0
    reasons: Counter[str] = Counter()
    per_statement = []
    disagree: set[str] = set()  # where the file's own figures do not add up
    for st in statements:
        n = 0
        booked: dict[str, Decimal] = defaultdict(Decimal)
        for ntry in (c for c in st if _local(c.tag) == "Ntry"):
            n += 1
            amt = _child(ntry, "Amt")
            way = _child(ntry, "CdtDbtInd")
            ccy = amt.get("Ccy", "") if amt is not None else ""
            value = Decimal((amt.text or "0").strip()) if amt is not None else Decimal(0)
            (credits if way is not None and way.text == "CRDT" else debits)[ccy] += value
            sts = _child(ntry, "Sts")
            status = "".join(sts.itertext()).strip() if sts is not None else ""
            if status == "BOOK":
                booked[ccy] += value if way is not None and way.text == "CRDT" else -value
            for btch in (el for el in ntry.iter() if _local(el.tag) == "Btch"):
                nb = _child(btch, "NbOfTxs")
                details = sum(1 for el in ntry.iter() if _local(el.tag) == "TxDtls")
                if nb is not None and details and int(nb.text or 0) != details:
                    disagree.add("NtryDtls/Btch/NbOfTxs")
            rvsl = _child(ntry, "RvslInd")
            if rvsl is not None and (rvsl.text or "").strip() in ("true", "1"):
                reversals += 1
            for el in ntry.iter():
                if _local(el.tag) == "RtrInf":
                    for r in el.iter():
                        if _local(r.tag) in ("Cd", "Prtry") and r.text and r.text.strip():
                            reasons[r.text.strip()] += 1
                            break
        entries += n
        per_statement.append(n)
        summary = next((el for el in st.iter() if _local(el.tag) == "TtlNtries"), None)
        count = _child(summary, "NbOfNtries") if summary is not None else None
        if count is not None and int(count.text or 0) != n:
            disagree.add("TxsSummry/TtlNtries/NbOfNtries")
        balances = {}
        for bal in (c for c in st if _local(c.tag) == "Bal"):
            code = next((el.text for el in bal.iter() if _local(el.tag) == "Cd"), None)
            amt = _child(bal, "Amt")
            way = _child(bal, "CdtDbtInd")
            if code and amt is not None and code not in balances:
                value = Decimal((amt.text or "0").strip())
                balances[code] = (value if way is None or way.text == "CRDT" else -value, amt.get("Ccy"))
        opening = balances.get("OPBD") or balances.get("PRCD")
        closing = balances.get("CLBD")
        one_currency = opening and closing and opening[1] == closing[1] and set(booked) <= {opening[1]}
        if fmt == "camt.053" and one_currency:
            if opening[0] + sum(booked.values()) != closing[0]:
                disagree.add("Bal/CLBD")
    return {"format": fmt, "statements": len(statements), "entries": entries, "credits": _money(credits),
            "debits": _money(debits), "reversals": reversals, "return_reasons": dict(reasons),
            "entries_per_statement": per_statement, "disagree": sorted(disagree)}


_OFX_STMT = re.compile(rb"<(?:STMTRS|CCSTMTRS)>", re.I)
_OFX_TRN = re.compile(rb"<STMTTRN>(.*?)(?=</STMTTRN>|<STMTTRN>|</BANKTRANLIST>)", re.S | re.I)
_OFX_AMT = re.compile(rb"<TRNAMT>\s*([-+]?[0-9.,]+)", re.I)
_OFX_CUR = re.compile(rb"<CURDEF>\s*([A-Z]{3})", re.I)


def ofx(data: bytes) -> dict:
    """Sums of TRNAMT by sign, in each statement's CURDEF (comments are not stripped)."""
    credits: dict[str, Decimal] = defaultdict(Decimal)
    debits: dict[str, Decimal] = defaultdict(Decimal)
    starts = [m.start() for m in _OFX_STMT.finditer(data)]
    n = 0
    for i, start in enumerate(starts):
        block = data[start: starts[i + 1] if i + 1 < len(starts) else len(data)]
        cur = _OFX_CUR.search(block)
        ccy = cur.group(1).decode().upper() if cur else ""
        for m in _OFX_TRN.finditer(block):
            n += 1
            a = _OFX_AMT.search(m.group(1))
            if a is None:
                continue
            value = Decimal(a.group(1).decode().replace(",", "."))
            if value < 0:
                debits[ccy] -= value
            else:
                credits[ccy] += value
    return {"format": "ofx", "statements": len(starts), "entries": n, "credits": _money(credits),
            "debits": _money(debits)}


_BAI_SPLIT = re.compile(r"/\s*(?=(?:0[123]|16|49|88|98|99),)")


def bai2(data: bytes) -> dict:
    """16 records summed by the spec's ranges (type 100-399 credit, 400-699 debit), amounts
    in implied cents, in the 03 currency else the 02 one else USD; the 99 file total."""
    text = data.decode("latin-1")
    records = [r.strip() for line in text.splitlines() for r in _BAI_SPLIT.split(line) if r.strip()]
    credits: dict[str, Decimal] = defaultdict(Decimal)
    debits: dict[str, Decimal] = defaultdict(Decimal)
    group_ccy = account_ccy = ""
    details = accounts = 0
    total = None
    for record in records:
        fields = record.rstrip("/").split(",")
        code = fields[0]
        if code == "02":
            group_ccy = fields[6] if len(fields) > 6 else ""
        elif code == "03":
            accounts += 1
            account_ccy = fields[2] if len(fields) > 2 else ""
        elif code == "16":
            details += 1
            type_code, amount = int(fields[1]), Decimal(int(fields[2] or 0)).scaleb(-2)
            ccy = account_ccy or group_ccy or "USD"
            if 100 <= type_code < 400:
                credits[ccy] += amount
            elif 400 <= type_code < 700:
                debits[ccy] += amount
        elif code == "99":
            total = fields[1]
    return {"format": "bai2", "statements": accounts, "entries": details, "credits": _money(credits),
            "debits": _money(debits), "file_total": total}


def draft(path: Path) -> dict:
    data = path.read_bytes()
    fmt = path.parent.name
    try:
        if fmt == "ach":
            return ach(data)
        if fmt == "iso20022":
            return camt(data)
        if fmt == "ofx":
            return ofx(data)
        if fmt == "bai2":
            return bai2(data)
    except (ET.ParseError, ValueError, IndexError, ArithmeticError) as exc:  # the draft could not read it either
        return {"unreadable": f"{type(exc).__name__}: {exc}"}
    return {}


if __name__ == "__main__":
    print(json.dumps({p: draft(Path(p)) for p in sys.argv[1:]}, indent=1))
