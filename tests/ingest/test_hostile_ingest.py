"""Hostile input end to end: rejected with a clear message, bounded, nothing stored but the file."""

from __future__ import annotations

import io
import subprocess
import sys
import time

import pytest

from ingest.service import session_counts
from ledger.db import transaction
from tests.factories import E, camt

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"

BILLION_LAUGHS = f"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
<!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
<!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">]>
<Document xmlns="{NS}"><BkToCstmrStmt><Stmt><Id>&lol5;</Id></Stmt></BkToCstmrStmt></Document>""".encode()

XXE = f"""<?xml version="1.0"?>
<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="{NS}"><BkToCstmrStmt><Stmt><Id>&xxe;</Id></Stmt></BkToCstmrStmt></Document>""".encode()

DEEP = (f'<?xml version="1.0"?><Document xmlns="{NS}"><BkToCstmrStmt><Stmt>'
        + "<AddtlStmtInf>" * 20000 + "x" + "</AddtlStmtInf>" * 20000
        + "</Stmt></BkToCstmrStmt></Document>").encode()

HUGE_TEXT = (f'<?xml version="1.0"?><Document xmlns="{NS}"><BkToCstmrStmt><Stmt><Id>'
             + "A" * (20 * 1024 * 1024) + "</Id></Stmt></BkToCstmrStmt></Document>").encode()

GOOD = camt("053", [E("10.00", ref="R1"), E("20.00", ref="R2")])
TRUNCATED = GOOD[: len(GOOD) * 2 // 3]
LATIN1_IN_UTF8 = camt("053", [E("10.00", ref="R1", name="Müller")]).replace("Müller".encode(), "Müller".encode("latin-1"))
UTF16_DECLARED_UTF8 = GOOD.decode().encode("utf-16-le")  # no BOM: the declaration lies
JUNK = bytes(range(256)) * 64
ACH_TRUNCATED = b"101 091000019 1234567890" + b"\n5220ACME" + b"\x00" * 10

CASES = {
    "billion-laughs": BILLION_LAUGHS,
    "xxe": XXE,
    "deep-nesting": DEEP,
    "huge-text": HUGE_TEXT,
    "truncated": TRUNCATED,
    "utf16-declared-utf8": UTF16_DECLARED_UTF8,
    "binary-junk": JUNK,
    "empty": b"",
    "ach-truncated": ACH_TRUNCATED,
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_file_is_rejected_and_nothing_but_the_file_is_stored(rt, case) -> None:
    started = time.monotonic()
    result = rt.ingestor().ingest_stream(io.BytesIO(CASES[case]), name=f"{case}.xml", source="test")
    assert time.monotonic() - started < 20
    assert result.status == "rejected", result
    assert result.error.startswith(f"{case}.xml")
    assert "root:" not in result.error  # /etc/passwd never leaks into a message
    with transaction(rt.engine) as s:
        assert session_counts(s) == {"files": 1, "statements": 0, "entries": 0, "transactions": 0}


def test_latin1_bytes_in_a_file_declared_utf8_are_read_with_a_warning(rt) -> None:
    """Amounts, dates and references are ASCII: a bank's 'Müller' in Latin-1 under a UTF-8
    declaration must not block the day's cash (issue 13); the file says what was repaired."""
    result = rt.ingestor().ingest_stream(io.BytesIO(LATIN1_IN_UTF8), name="latin1.xml", source="test")
    assert result.status == "parsed" and result.transactions == 1
    assert any("encoding" in w for w in result.warnings), result.warnings


@pytest.mark.parametrize("case", ["billion-laughs", "xxe", "deep-nesting", "truncated", "binary-junk"])
def test_parse_cli_rejects_with_exit_2_under_a_memory_cap(tmp_path, case) -> None:
    path = tmp_path / f"{case}.xml"
    path.write_bytes(CASES[case])
    # 1 GiB address-space cap: an expansion bomb would need far more.
    code = (
        "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30)); "
        "sys.argv = ['remit', 'parse', sys.argv[1]]; from cli.main import main; main()"
    )
    proc = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("remit: rejected: ") and path.name in proc.stderr
    assert proc.stdout == ""
