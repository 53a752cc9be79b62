"""Hostile shapes within the size limits, parsed in a child process with memory and CPU
ceilings: each is rejected with a clear LimitExceeded (or parsed, when it is only big) well
under 256 MB of RSS and 10 s of CPU.

Shapes that scale linearly are generated small and parsed with proportionally smaller limits
(the limit is what is tested, not the machine); `test_default_limits_hold_a_collective_booking
_flood` runs one shape at the real defaults. The child reports its own peak RSS and CPU time
(VmHWM, the high-water mark of the child's own address space: getrusage's ru_maxrss
survives fork and exec, so it would report the pytest worker's size; CPU time from getrusage
RUSAGE_SELF); the parent checks the CPU time its children used as well.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from core.limits import ParseLimits
from tests.support import ROOT, SAMPLES

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="/proc/self/status, RLIMIT_CPU")

RSS_CEILING_MB = 256
CPU_CEILING_S = 10.0

_CHILD = r"""
import io, json, resource, sys
from core.errors import ParseError
from core.limits import ParseLimits
from core.records import Entry, Format
from ingest.formats import detect_format, iter_records
path, limits = sys.argv[1], ParseLimits(**json.loads(sys.argv[2]))
outcome, entries, warnings = "parsed", 0, []
try:
    with open(path, "rb") as source:
        fmt = detect_format(source.read(4096))
        source.seek(0)
        for record in iter_records(fmt, source, limits=limits):
            if isinstance(record, Entry):
                entries += 1
            elif not hasattr(record, "entries"):
                warnings.append(str(record))
except ParseError as error:
    outcome = f"{type(error).__name__}: {error}"
usage = resource.getrusage(resource.RUSAGE_SELF)
with open("/proc/self/status") as status:
    hwm_kb = next(int(line.split()[1]) for line in status if line.startswith("VmHWM:"))
print(json.dumps({"outcome": outcome, "entries": entries, "warnings": warnings[-3:],
                  "n_warnings": len(warnings), "rss_mb": hwm_kb / 1024,
                  "cpu_s": usage.ru_utime + usage.ru_stime}))
"""


def _cap_cpu() -> None:
    resource.setrlimit(resource.RLIMIT_CPU, (60, 60))  # a runaway child dies, the test fails


def run_child(path: Path, **limits: int) -> dict:
    """Parse `path` in a fresh interpreter with these ParseLimits overrides."""
    overrides = {**asdict(ParseLimits()), **limits}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path), json.dumps(overrides)],
        cwd=ROOT, capture_output=True, text=True, timeout=120, preexec_fn=_cap_cpu,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    children_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    assert result["rss_mb"] < RSS_CEILING_MB, result
    assert result["cpu_s"] < CPU_CEILING_S and children_cpu < CPU_CEILING_S + 2, result
    return result


# --- camt ------------------------------------------------------------------------------------

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
HEAD = (
    f'<?xml version="1.0" encoding="UTF-8"?><Document xmlns="{NS}"><BkToCstmrStmt>'
    "<GrpHdr><MsgId>M</MsgId><CreDtTm>2025-01-02T06:00:00</CreDtTm></GrpHdr>"
    "<Stmt><Id>S-1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>\n"
)
TAIL = "</Stmt></BkToCstmrStmt></Document>\n"
NTRY_OPEN = "<Ntry><Amt>1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>"
NTRY = NTRY_OPEN + "</Ntry>\n"


def _write(tmp_path: Path, name: str, *parts: str) -> Path:
    path = tmp_path / name
    with path.open("w", encoding="utf-8") as out:
        for part in parts:
            out.write(part)
    return path


def test_default_limits_hold_a_collective_booking_flood(tmp_path: Path) -> None:
    """120,000 tiny TxDtls in one entry (3.6 MB): 2 GB of records before; now refused at the
    default limit of 100,000 items of one entry."""
    path = _write(tmp_path, "flood.xml", HEAD, NTRY_OPEN, "<NtryDtls>",
                  "<TxDtls><Amt>1</Amt></TxDtls>" * 120_000, "</NtryDtls></Ntry>", TAIL)
    result = run_child(path)
    assert result["outcome"].startswith("LimitExceeded: flood.xml") or result["outcome"].startswith(
        "LimitExceeded: line"), result
    assert "field entry items = '100001'" in result["outcome"]
    assert "more than the limit of 100000 transactions, remittance lines, references and invoices" in result["outcome"]


@pytest.mark.parametrize("one_block_each", [False, True])
def test_many_transaction_details_in_one_entry(tmp_path: Path, one_block_each: bool) -> None:
    # One NtryDtls per TxDtls used to be quadratic (every batch re-scanned all earlier blocks).
    unit = "<NtryDtls><TxDtls><Amt>1</Amt></TxDtls></NtryDtls>" if one_block_each else "<TxDtls><Amt>1</Amt></TxDtls>"
    body = unit * 30_000
    if not one_block_each:
        body = "<NtryDtls>" + body + "</NtryDtls>"
    path = _write(tmp_path, "txdtls.xml", HEAD, NTRY_OPEN, body, "</Ntry>", TAIL)
    assert run_child(path, max_entry_items=40_000)["outcome"] == "parsed"
    result = run_child(path, max_entry_items=20_000)
    assert "field entry items = '20001'" in result["outcome"], result


def test_remittance_lines_count_as_items_of_the_entry(tmp_path: Path) -> None:
    tx = "<TxDtls><RmtInf>" + "<Ustrd>ab</Ustrd>" * 50 + "</RmtInf></TxDtls>"
    path = _write(tmp_path, "ustrd.xml", HEAD, NTRY_OPEN, "<NtryDtls>", tx * 2_000, "</NtryDtls></Ntry>", TAIL)
    result = run_child(path, max_entry_items=50_000)
    assert "field entry items" in result["outcome"] and "LimitExceeded" in result["outcome"], result


def test_junk_kept_inside_a_large_entry_is_bounded(tmp_path: Path) -> None:
    block = "<NtryDtls>" + "<TxDtls/>" * 64 + "</NtryDtls>" + "<J/>" * 2_000
    path = _write(tmp_path, "junk.xml", HEAD, NTRY_OPEN, block * 100, "</Ntry>", TAIL)
    result = run_child(path, max_elements=50_000)
    assert "field elements" in result["outcome"] and "held at once" in result["outcome"], result


def test_junk_between_messages_is_freed_not_held(tmp_path: Path) -> None:
    message = "<BkToCstmrStmt><Stmt><Id>S</Id>" + NTRY * 40 + "</Stmt></BkToCstmrStmt>"
    body = ("<J/>" * 20_000 + message) * 40  # 800,000 junk elements in all
    path = _write(tmp_path, "between.xml", f'<?xml version="1.0"?><Document xmlns="{NS}">', body, "</Document>")
    result = run_child(path, max_elements=50_000)
    assert result["outcome"] == "parsed" and result["entries"] == 1_600, result


def test_an_entry_spanning_too_many_bytes(tmp_path: Path) -> None:
    tx = "<TxDtls><AddtlTxInf>" + "x" * 400 + "</AddtlTxInf></TxDtls>"
    path = _write(tmp_path, "bytes.xml", HEAD, NTRY_OPEN, "<NtryDtls>", tx * 10_000, "</NtryDtls></Ntry>", TAIL)
    result = run_child(path, max_entry_bytes=1024**2)
    assert "field entry size" in result["outcome"] and "without a complete entry" in result["outcome"], result


def test_too_many_entries_and_statements(tmp_path: Path) -> None:
    path = _write(tmp_path, "entries.xml", HEAD, NTRY * 20_000, TAIL)
    result = run_child(path, max_entries=10_000)
    assert result["outcome"].startswith("LimitExceeded: field entries = '10001'"), result
    stmts = "".join(f"<Stmt><Id>S{i}</Id></Stmt>" for i in range(3_000))
    path = _write(tmp_path, "stmts.xml", f'<?xml version="1.0"?><Document xmlns="{NS}"><BkToCstmrStmt>',
                  stmts, "</BkToCstmrStmt></Document>")
    result = run_child(path, max_statements=2_000)
    assert result["outcome"].startswith("LimitExceeded: field statements = '2001'"), result


def test_deep_nesting_and_a_huge_attribute(tmp_path: Path) -> None:
    deep = _write(tmp_path, "deep.xml", HEAD, NTRY_OPEN, "<X>" * 5_000 + "</X>" * 5_000, "</Ntry>", TAIL)
    assert "nested" in run_child(deep)["outcome"]
    attr = _write(tmp_path, "attr.xml", HEAD, NTRY_OPEN, f'<X a="{"b" * 1_000_000}"/>', "</Ntry>", TAIL)
    assert "field text" in run_child(attr)["outcome"]


# --- OFX -------------------------------------------------------------------------------------

OFX_HEAD = (
    "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\nSECURITY:NONE\nENCODING:USASCII\nCHARSET:1252\n"
    "COMPRESSION:NONE\nOLDFILEUID:NONE\nNEWFILEUID:NONE\n\n<OFX><BANKMSGSRSV1><STMTTRNRS>"
    "<TRNUID>1<STATUS><CODE>0<SEVERITY>INFO</STATUS><STMTRS><CURDEF>USD<BANKACCTFROM>"
    "<BANKID>121000358<ACCTID>123<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>"
    "<DTSTART>20200101<DTEND>20200131\n"
)
OFX_TAIL = ("</BANKTRANLIST><LEDGERBAL><BALAMT>1.00<DTASOF>20200131</LEDGERBAL></STMTRS>"
            "</STMTTRNRS></BANKMSGSRSV1></OFX>\n")
STMTTRN = "<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20200105<TRNAMT>1.00<FITID>{}</STMTTRN>\n"


def test_ofx_leaf_flood_is_refused_before_any_tree_is_built(tmp_path: Path) -> None:
    # 2 MiB of one-character leaves in one STMTTRN took 23 s and 600 MB through BeautifulSoup.
    path = _write(tmp_path, "leaves.ofx", OFX_HEAD, STMTTRN.format(1)[:-11], "<X>1" * 500_000,
                  "</STMTTRN>", OFX_TAIL)
    result = run_child(path, max_ofx_elements=100_000)
    assert "field elements = '100001'" in result["outcome"] and "OFX" in result["outcome"], result


def test_ofx_transactions_under_the_element_limit_are_parsed(tmp_path: Path) -> None:
    path = _write(tmp_path, "txns.ofx", OFX_HEAD, "".join(STMTTRN.format(i) for i in range(3_000)), OFX_TAIL)
    assert run_child(path, max_ofx_elements=20_000)["entries"] == 3_000
    assert "field elements" in run_child(path, max_ofx_elements=10_000)["outcome"]


# --- flat formats ----------------------------------------------------------------------------

BAI2_HEAD = ("01,SENDER,RECEIVER,230101,1200,1,,,2/\n02,RECEIVER,121000358,1,230101,,USD,2/\n"
             "03,ACC1,USD,010,100,,/\n")
BAI2_TAIL = "49,100,2/\n98,100,1,4/\n99,100,1,6/\n"


def test_bai2_continuation_flood(tmp_path: Path) -> None:
    path = _write(tmp_path, "cont.bai", BAI2_HEAD, "16,195,100,0,REF,CUST,TEXT/\n", "88,\n" * 30_000, BAI2_TAIL)
    result = run_child(path, max_entry_items=20_000)
    assert "field 88 continuation records of one record = '20001'" in result["outcome"], result


def test_bai2_accounts_flood_and_warnings_flood(tmp_path: Path) -> None:
    accounts = "".join(f"03,A{i},USD,010,1,,/\n49,1,2/\n" for i in range(3_000))
    path = _write(tmp_path, "accounts.bai", BAI2_HEAD[: BAI2_HEAD.index("03,")], accounts, "98,1,1,2/\n99,1,1,4/\n")
    assert "field statements = '2001'" in run_child(path, max_statements=2_000)["outcome"]
    # a bank-defined type code on every 16 warns every time: the warnings kept are capped
    path = _write(tmp_path, "warn.bai", BAI2_HEAD, "16,995,1,0,R,C,T/\n" * 5_000, BAI2_TAIL)
    result = run_child(path, max_warnings=100)
    assert result["outcome"] == "parsed" and result["entries"] == 5_000
    assert result["n_warnings"] == 101 and "more warnings not shown" in result["warnings"][-1], result


def test_ach_addenda_flood(tmp_path: Path) -> None:
    sample = (SAMPLES / "ach" / "moov-20110805A.ach").read_bytes().decode("ascii")
    lines = sample.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("6"))
    addenda = "705" + "RMR*IV*1**1.00\\".ljust(80) + "0001" + lines[first][87:94]
    lines[first + 1 : first + 1] = [addenda] * 12_000
    path = _write(tmp_path, "addenda.ach", "\n".join(lines) + "\n")
    result = run_child(path, max_entry_items=10_000)
    assert "field addenda records of one entry = '10001'" in result["outcome"], result


def test_lockbox_overflow_flood(tmp_path: Path) -> None:
    sample = (SAMPLES / "lockbox" / "fundersclub-test_lockbox.bai").read_text()
    lines = sample.splitlines()
    check = next(i for i, line in enumerate(lines) if line.startswith("6"))
    batch, item = lines[check][1:4], lines[check][4:7]
    overflow = [f"4{batch}{item}6{n % 100:02d}0INV{n}" for n in range(1, 12_001)]
    lines[check + 1 : check + 2] = overflow
    path = _write(tmp_path, "overflow.bai", "\n".join(lines) + "\n")
    result = run_child(path, max_entry_items=10_000)
    assert "field overflow records and invoices of one check" in result["outcome"], result
