"""BAI2, issue 13 ("real-world bank files, round 2"): the quirks of real files, the JPMorgan /
Bank of America payer tags and the statement integrity check.

Real files: moov-io/bai2's sample3 (several records per line, text wrapped without an 88,
a bank's real trailers) and sample5-issue113 (Goldman Sachs with an "88:" record code),
both in fixtures/samples/bai2 (Apache-2.0, see its SOURCES.md). Small files are built inline.
"""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest

from core.accounts import normalize_account
from core.errors import ParseError, ParseWarning
from core.records import Direction, Format, ParsedFile, collect
from ingest import bai2, formats
from tests.support import SAMPLES

SAMPLE3 = SAMPLES / "bai2" / "moov-sample3.txt"
SAMPLE5 = SAMPLES / "bai2" / "moov-sample5-issue113.txt"


def parse(text: str | bytes) -> ParsedFile:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return collect(Format.BAI2, bai2.iter_records(io.BytesIO(data)))


def messages(parsed: ParsedFile) -> list[str]:
    return [str(w) for w in parsed.warnings]


def parse_path(path: Path) -> ParsedFile:
    return formats.parse_path(path, Format.BAI2)


def account_file(summary: str, details: list[str], currency: str = "USD") -> str:
    """01/02/03/16.../49/98/99 with trailers that add up (the 49 total computed here)."""
    amounts = [int(f) for f in summary.split(",")[1::4] if f.lstrip("+-").isdigit()]
    records = [d for d in details if re.match(r"(16|88)\s*[,:]", d)]  # not wrapped lines
    amounts += [int(re.split(r"\s*[,:]", d, maxsplit=1)[1].split(",")[1]) for d in records
                if d.startswith("16")]
    total, n = sum(amounts), len(records) + 2
    return "\n".join([
        "01,BANK,CUST,230101,1200,1,,,2/",
        f"02,CUST,BANK,1,230102,,{currency},2/",
        f"03,77,{currency},{summary}/",
        *details,
        f"49,{total},{n}/",
        f"98,{total},1,{n + 2}/",
        f"99,{total},1,{n + 4}/",
    ]) + "\n"


def only(parsed: ParsedFile):  # type: ignore[no-untyped-def]
    (entry,) = parsed.entries()
    return entry, entry.transactions[0]


# ---------------------------------------------------------------------------------------
# 1. Several records on one physical line: read apart, with one warning naming the first


def test_several_records_per_line_with_blanks_after_the_slash() -> None:
    text = ("01,BANK,CUST,230101,1200,1,,,2/   02,CUST,BANK,1,230102,,USD,2/\n"
            "03,77,USD,010,100,,,015,350,,/ 16,195,200,,R1,,FIRST/  16,195,50,,R2,,SECOND 1/2/\n"
            "49,700,4/  98,700,1,6/ 99,700,1,8/\n")
    parsed = parse(text)
    (warning,) = parsed.warnings  # the first packed line only: the file does it throughout
    assert (warning.line, warning.record, warning.field, warning.value) == (
        1, "02", "record separator", "02,CUST,BANK,1,23010")
    assert str(warning).endswith(
        "2 records on one physical line (codes 01,02); split at each '/' before a record code "
        "and read as separate records (later such lines are read the same way, without a "
        "warning of their own)")
    assert [e.transactions[0].remittance for e in parsed.entries()] == [("FIRST",), ("SECOND 1/2",)]


def test_real_file_with_several_records_per_line_adds_up() -> None:
    """moov-io sample3: up to three records per line; every 49/98/99 count and total agrees."""
    parsed = parse_path(SAMPLE3)
    assert len(parsed.statements) == 15
    assert len(list(parsed.entries())) == 26
    first = parsed.statements[0].entries
    assert [e.transactions[0].remittance for e in first[:2]] == [
        ("TRANSFER   PAYPAL             PPD",), ("TRANSFER   MSPBNA BANK        PPD",)]
    # Besides the lines holding several records, the only warning is the wrapped line (below):
    # no trailer or balance mismatch.
    packed = [w.line for w in parsed.warnings if w.field == "record separator"]
    assert packed == [1]  # lines 3, 10, 11 and 13-16 hold several records too: said once
    assert [w.line for w in parsed.warnings if w.field != "record separator"] == [19]


# ---------------------------------------------------------------------------------------
# 2. Text wrapped onto the next line without an 88


WRAPPED = account_file("010,1000,,,015,1500,,", [
    "16,195,500,,R1,C1,ORIG CO NAME:ACME CO",
    "RP ORIG ID:1234567890 DESC DATE:230101",
    "88,IND ID:INV 1001",
])


def test_wrapped_line_continues_the_record_with_a_warning() -> None:
    parsed = parse(WRAPPED)
    entry, tx = only(parsed)
    assert tx.remittance == ("ORIG CO NAME:ACME CO", "RP ORIG ID:1234567890 DESC DATE:230101",
                             "IND ID:INV 1001")
    # The trailers count the 16 and its 88, not the wrapped line: they add up.
    assert messages(parsed) == [
        "line 5, record 16, field record code = 'RP ORIG ID:123456789': line starts with no "
        "record code: read as wrapped text of the 16 record on line 4 (a continuation "
        "without '88,')"
    ]


def test_real_file_with_wrapped_text() -> None:
    parsed = parse_path(SAMPLE3)
    entry = parsed.statements[7].entries[0]
    assert (entry.bank_code, entry.amount) == ("142", Decimal("25.00"))
    assert entry.transactions[0].remittance == (
        "111111     ACH_SETL           1111111111", "111111111111111", "1111111111")
    (warning,) = [w for w in parsed.warnings if w.field == "record code"]
    assert (warning.line, warning.record, warning.field) == (19, "16", "record code")


def test_wrapped_fixed_fields_are_read_as_fields() -> None:
    """The line end is a field boundary, as before an 88 ("…,BANKREF" + "CUSTREF,TEXT")."""
    text = account_file("010,0,,,015,500,,", ["16,195,500,,BANKREF", "CUSTREF,TEXT"])
    parsed = parse(text)
    entry, tx = only(parsed)
    assert (entry.bank_reference, tx.transaction_id, tx.remittance) == ("BANKREF", "CUSTREF", ("TEXT",))
    assert len(parsed.warnings) == 1


@pytest.mark.parametrize(
    "text,expected",
    [
        # Shaped like a record but not one: still rejected, not swallowed as text.
        (WRAPPED.replace("88,IND ID", "17,IND ID"), "line 6, record 17, field record code = '17'"),
        # Nothing before it to continue.
        ("GARBAGE\n" + WRAPPED, "line 1, record GARBAGE, field record code = 'GARBAGE'"),
    ],
)
def test_lines_that_cannot_be_wrapped_text_are_rejected(text: str, expected: str) -> None:
    with pytest.raises(ParseError) as caught:
        parse(text)
    assert str(caught.value).startswith(expected)


# ---------------------------------------------------------------------------------------
# 3. "88:" (and other "NN:" forms) for "88,"


def test_colon_after_the_record_code_is_repaired_with_a_warning() -> None:
    text = account_file("010,0,,,015,500,,", ["16:195,500,,R1,C1,INCOMING", "88:EREF: E2E-9",
                                              "88 ,DBNM: PAYER LLC"])
    parsed = parse(text)
    entry, tx = only(parsed)
    assert (tx.end_to_end_id, tx.counterparty_name) == ("E2E-9", "PAYER LLC")
    assert tx.remittance == ("INCOMING", "EREF: E2E-9", "DBNM: PAYER LLC")
    assert messages(parsed) == [
        "line 4, record 16, field record code = '16:': record code written '16:'; read as '16,'",
        "line 5, record 88, field record code = '88:': record code written '88:'; read as '88,'",
        "line 6, record 88, field record code = '88 ,': record code written '88 ,'; read as '88,'",
    ]


def test_real_goldman_file_with_88_colon() -> None:
    """moov-io issue 113: the whole file was rejected at its one "88:EREF:" line."""
    parsed = parse_path(SAMPLE5)
    returned = next(e for e in parsed.entries() if e.bank_code == "255")
    assert returned.transactions[0].end_to_end_id == "07370568132"
    repaired = [w for w in parsed.warnings if w.field == "record code"]
    assert [(w.line, w.value) for w in repaired] == [(63, "88:")]


# ---------------------------------------------------------------------------------------
# 4. Trailing blanks, missing final '/'; 5. text with commas and slashes


def test_trailing_blanks_and_missing_slashes_everywhere() -> None:
    text = "\n".join(line.rstrip("/") + "   " for line in account_file(
        "010,0,,,015,500,,", ["16,195,500,,R1,C1,INV 12/34, PO 5/6, NET 30/"]).splitlines())
    parsed = parse(text)
    assert parsed.warnings == ()
    entry, tx = only(parsed)
    assert tx.remittance == ("INV 12/34, PO 5/6, NET 30",)  # one terminator dropped, no more
    assert parsed.statements[0].closing_balance == Decimal("5.00")


def test_text_field_is_the_rest_of_the_record() -> None:
    text = account_file("010,0,,,015,500,,", ["16,195,500,,R1,C1,A,B,,C/D//"])
    entry, tx = only(parse(text))
    assert tx.remittance == ("A,B,,C/D/",)
    assert (entry.bank_reference, tx.transaction_id) == ("R1", "C1")


# ---------------------------------------------------------------------------------------
# 6. Payer identity in JPMorgan / Bank of America text


def party(detail: str, *more: str) -> tuple[str | None, str | None]:
    amount = int(detail.split(",")[2])
    credit = detail.split(",")[1] < "400"
    text = account_file(f"010,0,,,015,{amount if credit else -amount},,", [detail, *more])
    parsed = parse(text)
    assert not [w for w in parsed.warnings if "add up" in w.message]
    tx = next(parsed.entries()).transactions[0]
    return tx.counterparty_name, tx.counterparty_account


ACH = ("ORIG CO NAME:GLOBEX CORP ORIG ID:1234567890 DESC DATE:230101 CO ENTRY DESCR:PAYMENT "
       "SEC:CCD TRACE#:021000021234567 EED:230102 IND ID:INV1001 IND NAME:REMIT RECEIVABLES")


@pytest.mark.parametrize(
    "details,expected",
    [
        # JPMorgan ACH credit: the originating company and its company id.
        ([f"16,165,500,,R1,,{ACH}"], ("GLOBEX CORP", "ACH-CO:1234567890")),
        # The same text wrapped over 88s: values read across lines.
        (["16,165,500,,R1,,ORIG CO NAME:GLOBEX CORP", "88,ORIG ID:1234567890 ENTRY DESCR:PAYMENT",
          "88,IND NAME:REMIT RECEIVABLES"], ("GLOBEX CORP", "ACH-CO:1234567890")),
        # No (or no usable) company id: the name only.
        (["16,165,500,,R1,,ORIG CO NAME:GLOBEX CORP  SEC:CCD"], ("GLOBEX CORP", None)),
        (["16,165,500,,R1,,ORIG CO NAME:GLOBEX ORIG ID:12 34"], ("GLOBEX", None)),
        # A company debiting us (preauthorized ACH debit): it is the other side.
        ([f"16,451,500,,R1,,{ACH}"], ("GLOBEX CORP", "ACH-CO:1234567890")),
        # Bank of America / Fedwire credits: ORIG:, B/O:.
        (["16,195,500,,R1,,WIRE TYPE:WIRE IN DATE:230101 TIME:1200 ET TRN:2023010100012345 "
          "ORIG:INITECH LLC ID:12345678 SND BK:JPMORGAN CHASE BANK, NA PMT DET:INV 1001"],
         ("INITECH LLC", None)),
        (["16,195,500,,R1,,INCOMING WIRE", "88,B/O: UMBRELLA CORP", "88,OBI: INV 7"],
         ("UMBRELLA CORP", None)),
        # On an outgoing wire ORIG: names us: no counterparty from it.
        (["16,495,500,,R1,,ORIG:US INC BNF:SUPPLIER LTD"], (None, None)),
        # A returned ACH entry was ours: the receiver (IND NAME) is the other side.
        ([f"16,557,500,,R1,,RETURN R01 {ACH}"], ("REMIT RECEIVABLES", None)),
        # Goldman tags, when present, win.
        ([f"16,165,500,,R1,,{ACH}", "88,DBNM: GOLDMAN NAMED PAYER"], ("GOLDMAN NAMED PAYER", None)),
        # Tags only count at a word start: "XORIG:" / "BORIG CO NAME" are not tags.
        (["16,165,500,,R1,,XORIG:FOO BORIG CO NAME:BAR"], (None, None)),
    ],
)
def test_jpmorgan_and_bank_of_america_payer_tags(details: list[str],
                                                 expected: tuple[str | None, str | None]) -> None:
    assert party(*details) == expected


def test_ach_company_account_is_the_ach_parsers_form() -> None:
    name, account = party(f"16,165,500,,R1,,{ACH}")
    assert account == normalize_account(account) == "ACH-CO:1234567890"
    source = Path("ingest/ach/mapping.py").read_text(encoding="utf-8")
    assert 'f"ACH-CO:{header.company_id}"' in source  # the form this mirrors


# ---------------------------------------------------------------------------------------
# 7. Statement integrity: opening + credits - debits = closing


def test_balanced_account_has_no_warning() -> None:
    text = account_file("010,1000,,,015,1200,,", ["16,195,500,,R1,,IN", "16,495,300,,R2,,OUT",
                                                  "16,890,999,,R3,,MEMO ONLY"])
    parsed = parse(text)
    assert parsed.warnings == ()  # 10.00 + 5.00 - 3.00 = 12.00; the 890 memo is no money


def test_unbalanced_account_warns_with_both_figures_and_the_difference() -> None:
    text = account_file("010,1000,,,015,1300,,", ["16,195,500,,R1,,IN", "16,495,300,,R2,,OUT"])
    assert messages(parse(text)) == [
        "line 3, record 03, field closing ledger balance = '1300': account 77 does not add up: "
        "opening ledger (010) 10.00 + credits 5.00 - debits 3.00 (its 16 details) = 12.00, but "
        "the closing ledger (015) is 13.00; difference 1.00"
    ]


def test_the_balance_warning_is_kept_past_the_warning_cap() -> None:
    """The ingest layer flags (or refuses) a file on its `integrity` warning: the per-file cap
    on warnings must never drop it, however many repairs came before (issue 13)."""
    from dataclasses import replace

    from core.limits import DEFAULT_LIMITS
    from ingest.formats import iter_records

    details = [line for i in range(10) for line in (f"16,195,100,,R{i},,PAID", f"WRAPPED TEXT {i}")]
    text = account_file("010,1000,,,015,1300,,", details)
    limits = replace(DEFAULT_LIMITS, max_warnings=5)
    warnings = [r for r in iter_records(Format.BAI2, io.BytesIO(text.encode()), limits=limits)
                if isinstance(r, ParseWarning)]
    assert [w.field for w in warnings[:5]] == ["record code"] * 5  # 5 of the 10 wrapped lines
    assert [w.integrity for w in warnings[5:]] == [True, False]  # the balance check, then the count
    assert "does not add up" in warnings[5].message
    assert warnings[6].message.startswith("5 more warnings not shown (the limit is 5 per file)")


def test_a_held_batch_is_kept_past_the_warning_cap() -> None:
    """Likewise a lockbox batch out of balance (`hold`): its payments must go to review."""
    from dataclasses import replace

    from core.limits import DEFAULT_LIMITS
    from ingest.formats import _bounded

    noise = [ParseWarning(f"odd {i}", line=i) for i in range(4)]
    held = ParseWarning("batch 1 out of balance", line=9, hold="LB1-260101-001")
    kept = list(_bounded(iter([*noise, held]), replace(DEFAULT_LIMITS, max_warnings=2)))
    assert [w.message for w in kept] == [
        "odd 0", "odd 1", "batch 1 out of balance",
        "2 more warnings not shown (the limit is 2 per file)"]


def test_integrity_uses_summaries_without_details_and_available_without_ledger() -> None:
    summaries = account_file("010,-500,,,015,100,,,100,900,2,,400,300,1,", [])
    assert parse(summaries).warnings == ()
    (warning,) = parse(account_file("010,-500,,,015,100,,,100,800,2,,400,300,1,", [])).warnings
    assert "(its 100/400 total credits and debits)" in warning.message
    assert "difference 1.00" in warning.message
    available = account_file("040,0,,,045,200,,", ["16,195,500,,R1,,IN", "16,495,300,,R2,,OUT"])
    assert parse(available).warnings == ()
    available = account_file("040,0,,,045,300,,", ["16,195,500,,R1,,IN", "16,495,300,,R2,,OUT"])
    (warning,) = parse(available).warnings
    assert (warning.field, warning.value) == ("closing available balance", "300")
    assert "opening available (040) 0.00" in warning.message


def test_no_check_without_both_balances_or_any_activity() -> None:
    assert parse(account_file("010,1000,,,015,5000,,", [])).warnings == ()  # no activity given
    assert parse(account_file("010,1000,,", ["16,195,500,,R1,,IN"])).warnings == ()
    # Ledger given: the available pair is not checked (float moves it).
    both = account_file("010,0,,,015,500,,,040,0,,,045,999,,", ["16,195,500,,R1,,IN"])
    assert parse(both).warnings == ()


@pytest.mark.parametrize("name", ["moj-nwb_example.bai2", "moj-svb_us_example.bai2",
                                  "moov-sample1.txt", "moov-sample3.txt"])
def test_real_statements_add_up(name: str) -> None:
    parsed = parse_path(SAMPLES / "bai2" / name)
    assert not [w for w in parsed.warnings if "does not add up" in w.message]


def test_direction_of_credits_and_debits_in_the_check() -> None:
    """A debit counted as a credit would leave 10.00 + 8.00 = 18.00, not 12.00."""
    text = account_file("010,1000,,,015,1200,,", ["16,195,500,,R1,,IN", "16,451,300,,R2,,ACH DEBIT"])
    parsed = parse(text)
    assert parsed.warnings == ()
    assert [e.direction for e in parsed.entries()] == [Direction.CREDIT, Direction.DEBIT]
