"""Large OFX files (issue 13): STMTTRNs are read by the scanner, not held in the tree.

A bank download of ~14k transactions hit the 100,000-element limit. The elements of the
statements' transactions no longer enter BeautifulSoup's tree (~1 KB per element): what the
tree may hold stays bounded (scanner.MAX_TREE_ELEMENTS) while `ParseLimits.max_ofx_elements`
bounds the elements read.
"""

from __future__ import annotations

import io
import tracemalloc

import pytest

from core.errors import LimitExceeded
from core.limits import ParseLimits
from core.records import Format, collect
from ingest import ofx
from ingest.ofx.scanner import MAX_TREE_ELEMENTS
from tests.parsers.test_ofx import rejection, sgml

pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated method findAll")
RAISED = ParseLimits(max_ofx_elements=1_000_000)


def transactions(n: int) -> str:
    return "".join(
        f"<STMTTRN><TRNTYPE>DEBIT<DTPOSTED>20240115<TRNAMT>-{i % 997}.{i % 100:02d}"
        f"<FITID>T{i:08d}<NAME>PAYEE {i % 500}<MEMO>INVOICE {i}<CHECKNUM>{i}"
        f"<REFNUM>R{i}</STMTTRN>\n"
        for i in range(n)
    )


def count_entries(data: bytes, limits: ParseLimits) -> int:
    parsed = collect(Format.OFX, ofx.iter_records(io.BytesIO(data), limits=limits))
    return sum(1 for _ in parsed.entries())


def test_a_bank_download_over_100000_elements() -> None:
    """A 20k-payment day as one bank download (the five-format benchmark's): read whole at the
    default limits since the transactions no longer enter the tree; a million elements refused."""
    data = sgml(transactions(12_000)).encode()  # 9 elements per transaction: 108,000+
    assert count_entries(data, ParseLimits()) == 12_000
    error = rejection(data, limits=ParseLimits(max_ofx_elements=100_000))
    assert isinstance(error, LimitExceeded) and error.field == "elements"


def test_memory_per_transaction() -> None:
    data = sgml(transactions(2_000)).encode()
    tracemalloc.start()
    try:
        assert count_entries(data, RAISED) == 2_000
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # ~1.5 KB per transaction, file and text included; through the tree it was ~9.4 KB.
    assert peak < 2_000 * 3_000, peak


def test_elements_outside_transactions_stay_bounded() -> None:
    flood = "<STMTTRN>" + "<X>1" * (MAX_TREE_ELEMENTS + 10) + "</STMTTRN>\n"
    error = rejection(sgml("").replace("<LEDGERBAL>", "<BALLIST>" + flood[9:-11] + "</BALLIST>"
                                       "<LEDGERBAL>"), limits=RAISED)
    assert isinstance(error, LimitExceeded)
    assert "elements outside the statements' transactions" in str(error)
    assert error.value == str(MAX_TREE_ELEMENTS + 1)


def test_a_leaf_flood_inside_one_transaction_keeps_only_ofx_names() -> None:
    txn = transactions(1)
    flood = txn.replace("</STMTTRN>", "".join(f"<X{i}>1" for i in range(50_000)) + "</STMTTRN>")
    tracemalloc.start()
    try:
        assert count_entries(sgml(flood).encode(), RAISED) == 1
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3_000_000, peak  # ~0.5 MB: the text and the scan's bookkeeping
