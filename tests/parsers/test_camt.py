"""camt.052/053/054 parser: conformance corpus, golden files, detection, validation, inline cases.

1. Conformance: every sample of ../shared/iso20022/samples against the facts of its
   SOURCES.md, transcribed by hand into FACTS below (never derived from parser output).
2. Golden files: the MIT/Apache samples copied to fixtures/samples/camt/.
3. Inline documents for version differences, mapping rules, warnings and error messages.
4. Streaming: memory does not grow with the number of entries.
(Hostile input is in test_camt_hostile.py.)
"""

from __future__ import annotations

import io
import subprocess
import sys
import tracemalloc
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from lxml import etree

from core.contract import parsed_file_json
from core.errors import ParseError
from core.records import (
    Direction,
    Entry,
    EntryStatus,
    Format,
    InvoiceRef,
    Kind,
    ParsedFile,
    Statement,
    collect,
)
from ingest import formats
from iso20022 import camt, validate
from iso20022.bank_codes import bank_code, kind_of
from iso20022.versions import CamtVersion, version_from_namespace
from tests.support import ROOT, SAMPLES, check_golden, fixture_samples, shared_samples

# ---------------------------------------------------------------------------------------------
# 1. Conformance: facts transcribed from ../shared/iso20022/samples/SOURCES.md


@dataclass(frozen=True)
class StatementFacts:
    id: str
    account: str
    currency: str | None
    entries: int
    credits: dict[str, tuple[str, int]] = field(default_factory=dict)  # ccy -> (sum, n)
    debits: dict[str, tuple[str, int]] = field(default_factory=dict)
    balances: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # type -> (amt, ccy, date)
    balance_check: bool | None = None  # "balance check: OK" / "MISMATCH" / not stated


@dataclass(frozen=True)
class FileFacts:
    statements: int
    entries: int
    txdtls: int
    xsd_valid: bool
    detail: tuple[StatementFacts, ...]  # the statements SOURCES.md describes
    reversals: int = 0
    return_reasons: dict[str, int] = field(default_factory=dict)
    txs_summary: int | None = None  # TxsSummry/TtlNtries when stated
    statement_currencies: dict[str | None, int] | None = None
    balance_types: tuple[str, ...] | None = None  # every Bal type, in order, when stated


S = StatementFacts
GENKGO_ID = "253EURNL26VAYB8060476890"
GENKGO_ACCT = "NL26VAYB8060476890"
CH_ACCT = "CH2801234000123456789"
GENKGO_054 = S("AAAASESS-FP-ACCR001", CH_ACCT, None, 1, debits={"SEK": ("200000", 1)})
GENKGO_V04_V08 = S(
    GENKGO_ID, GENKGO_ACCT, None, 1,
    credits={"EUR": ("8.85", 1)},
    balances={
        "OPBD": ("18.15", "EUR", "2014-12-30"),
        "CLBD": ("-27.00", "SEK", "2014-12-30"),
        "CLAV": ("-2700", "JPY", "2014-12-31"),
    },
    balance_check=False,
)  # fmt: skip

FACTS: dict[str, FileFacts] = {
    "bundesbank-camt053-v08-rtgs-dca.xml": FileFacts(
        1, 3, 3, True,
        (S("8", "RDEEURZYBUDEFFSEK", None, 3, debits={"EUR": ("300.00", 3)},
           balances={"OPBD": ("5368506.70", "EUR", "2022-07-08"),
                     "CLBD": ("5368206.70", "EUR", "2022-07-08")},
           balance_check=True),),
        txs_summary=3,
    ),
    "bundesbank-camt054-v08-booking.xml": FileFacts(
        1, 1, 1, True,
        (S("4691311", "UDEEURZYBUDEFFSEKDE1SCL1", None, 1, debits={"EUR": ("87505.75", 1)}),),
    ),
    "genkgo-camt053-v02-all-balance-types.xml": FileFacts(
        1, 1, 1, True,
        (S("CAMT0532015012200001", CH_ACCT, None, 1, credits={"EUR": ("8.850", 1)},
           balances={"OPBD": ("1.01", "EUR", "2015-01-21"), "PRCD": ("2.02", "EUR", "2015-01-21"),
                     "CLBD": ("4.04", "EUR", "2015-01-22"), "CLAV": ("5.05", "EUR", "2015-01-23"),
                     "FWAV": ("6.06", "EUR", "2015-01-26")},
           balance_check=False),),
        balance_types=("OPBD", "PRCD", "OPAV", "CLBD", "CLAV", "FWAV", "INFO", "ITAV", "ITBD", "XPCD"),
    ),
    "genkgo-camt053-v02-five-decimals.xml": FileFacts(
        1, 1, 1, True,
        (S(GENKGO_ID, GENKGO_ACCT, "EUR", 1, credits={"EUR": ("8.850", 1)},
           balances={"OPBD": ("18.150", "EUR", "2014-12-30"),
                     "CLBD": ("27.050", "EUR", "2014-12-31")},
           balance_check=False),),
    ),
    "genkgo-camt053-v02-minimal-strd.xml": FileFacts(
        1, 1, 1, True,
        (S(GENKGO_ID, GENKGO_ACCT, "EUR", 1, credits={"EUR": ("8.85", 1)},
           balances={"OPBD": ("18.15", "EUR", "2014-12-30"),
                     "CLBD": ("-27.00", "SEK", "2014-12-31"),
                     "CLAV": ("-2700", "JPY", "2014-12-31")},
           balance_check=False),),
    ),
    "genkgo-camt053-v02-multi-statement.xml": FileFacts(
        2, 2, 2, True,
        (S(GENKGO_ID, GENKGO_ACCT, "EUR", 1, credits={"EUR": ("8.85", 1)},
           balances={"OPBD": ("18.15", "EUR", "2014-12-30"),
                     "CLBD": ("27.00", "EUR", "2014-12-31")},
           balance_check=True),
         S("254EURNL26VAYB8060476890", GENKGO_ACCT, "EUR", 1, debits={"EUR": ("7.00", 1)},
           balances={"OPBD": ("27.00", "EUR", "2014-12-30"),
                     "CLBD": ("20.00", "EUR", "2014-12-31")},
           balance_check=True)),
    ),
    "genkgo-camt053-v04.xml": FileFacts(1, 1, 1, True, (GENKGO_V04_V08,)),
    "genkgo-camt053-v08.xml": FileFacts(1, 1, 1, True, (GENKGO_V04_V08,)),
    "genkgo-camt054-v02-batch.xml": FileFacts(1, 1, 3, True, (GENKGO_054,)),
    "genkgo-camt054-v04-batch.xml": FileFacts(1, 1, 3, True, (GENKGO_054,)),
    "genkgo-camt054-v08-batch.xml": FileFacts(1, 1, 3, True, (GENKGO_054,)),
    "genkgo-camt054-v08-uetr.xml": FileFacts(1, 1, 1, True, (GENKGO_054,)),
    "iso20022js-abnamro-camt053-v02.xml": FileFacts(
        1, 13, 26, False,
        (S("0574908765.2013-04-02", "NL77ABNA0574908765", "EUR", 13,
           credits={"EUR": ("28.00", 7)}, debits={"EUR": ("928.00", 6)},
           balances={"PRCD": ("1000.01", "EUR", "2013-03-28"),
                     "CLBD": ("100.01", "EUR", "2013-04-02"),
                     "CLAV": ("100.01", "EUR", "2013-04-02"),
                     "FWAV": ("100.01", "EUR", "2012-04-03")},
           balance_check=True),),
        reversals=2, return_reasons={"MS03": 2},
    ),
    "iso20022js-bmo-camt053-v02-14-accounts.xml": FileFacts(
        14, 1, 1, True,
        (S("11", "00021521518", "CAD", 1, debits={"CAD": ("17628.00", 1)},
           balances={"015": ("137498.75", "CAD", "2025-08-27"),
                     "901": ("137498.75", "CAD", "2025-08-27"),
                     "010": ("155126.75", "CAD", "2025-08-27")}),),
        statement_currencies={"CAD": 11, "USD": 3},
    ),
    "iso20022js-bmo-camt053-v02-fx.xml": FileFacts(
        1, 1, 1, False,
        (S("1", "7654321", "USD", 1, credits={"USD": ("69.69", 1)},
           balances={"010": ("26164474.57", "USD", "2021-11-22"),
                     "015": ("25118657.50", "USD", "2021-11-22")}),),
    ),
    "iso20022js-goldmansachs-us-camt053-v02.xml": FileFacts(
        1, 15, 15, True,
        (S("258158850", "DD01100056869", "USD", 15,
           credits={"USD": ("100.00", 10)},
           debits={"USD": ("40.00", 4), "EUR": ("29.06", 1)},
           balances={"OPBD": ("-843686.20", "USD", "2023-09-30T20:00:00.000"),
                     "CLBD": ("-846665.15", "USD", "2023-09-30T20:00:00.000"),
                     "CLAV": ("334432401.27", "USD", "2023-10-01T23:59:00.000Z")}),),
        reversals=3, return_reasons={"R02": 1}, txs_summary=14,
    ),
    "iso20022js-ing-camt053-v02.xml": FileFacts(
        1, 9, 7, True,
        (S("201401030009999", "NL08INGB0000001234", "EUR", 9,
           credits={"EUR": ("990.00", 5)}, debits={"EUR": ("385.00", 4)},
           balances={"PRCD": ("1000.00", "EUR", "2014-01-02"),
                     "OPBD": ("1000.00", "EUR", "2014-01-03"),
                     "CLBD": ("1605.00", "EUR", "2014-01-03"),
                     "CLAV": ("1605.00", "EUR", "2014-01-03")},
           balance_check=True),),
        reversals=1, return_reasons={"AC04": 1, "MD06": 1}, txs_summary=9,
    ),
    "iso20022js-nordea-camt053-v02-rf-refs.xml": FileFacts(
        1, 6, 6, True,
        (S("2019-05-09-04.44.12-EUR0574", "FI8529501800030574", "EUR", 6,
           credits={"EUR": ("10100.50", 2)}, debits={"EUR": ("1500.50", 4)},
           balances={"OPBD": ("200.50", "EUR", "2019-05-08"),
                     "CLBD": ("8800.50", "EUR", "2019-05-08")},
           balance_check=True),),
    ),
    "moov-fi-camt053-v02-sample.xml": FileFacts(
        1, 10, 12, True,
        (S("BANKSTMTID0972009", "FI7433010001222090", "EUR", 10,
           credits={"EUR": ("23075.00", 6)}, debits={"EUR": ("9430.17", 4)},
           balances={"OPBD": ("10000.00", "EUR", "2009-10-29"),
                     "PRCD": ("10000.00", "EUR", "2009-10-28"),
                     "CLBD": ("23644.83", "EUR", "2009-10-29"),
                     "CLAV": ("33644.83", "EUR", "2009-10-29")},
           balance_check=True),),
        txs_summary=10,
    ),
    "moov-postfinance-camt053-v04.xml": FileFacts(
        1, 5, 5, True,
        (S("20201124375204229003973", "CH2909000000250094239", None, 5,
           credits={"CHF": ("4733.72", 4)}, debits={"CHF": ("77.70", 1)},
           balances={"OPBD": ("211993.19", "CHF", "2020-11-24"),
                     "CLBD": ("215112.21", "CHF", "2020-11-24"),
                     "CLAV": ("215112.21", "CHF", "2020-11-24"),
                     "FWAV": ("216649.21", "CHF", "2020-11-25")},
           balance_check=False),),
    ),
    "moov-postfinance-camt054-v04-esr-batch-charges.xml": FileFacts(
        1, 2, 6, True,
        (S("20190424375204228750931", "CH2909000000250094239", None, 2,
           credits={"CHF": ("1537.00", 1)}, debits={"CHF": ("147.00", 1)}),),
    ),
    "moov-postfinance-camt054-v04-qrr-batch.xml": FileFacts(
        1, 1, 2, True,
        (S("20200618375204295372465", "CH2909000000250094239", None, 1,
           credits={"CHF": ("1692.22", 1)}),),
    ),
    "moov-postfinance-camt054-v04-return.xml": FileFacts(
        1, 1, 1, True,
        (S("20201124375204228763930", "CH5109000000250092291", None, 1,
           credits={"CHF": ("500.00", 1)}),),
        reversals=1, return_reasons={"AC01": 1},
    ),
    "oca-camt053-v02-returns-batch.xml": FileFacts(
        1, 3, 4, True,
        (S("1234Test/1", "NL77ABNA0574908765", None, 3,
           credits={"EUR": ("1405.31", 1)}, debits={"EUR": ("1418.30", 2)},
           balances={"OPBD": ("15568.27", "EUR", "2014-01-05"),
                     "CLBD": ("15121.12", "EUR", "2014-01-05")},
           balance_check=False),),
        reversals=1, return_reasons={"AC06": 2},
    ),
    "oca-camt053-v04-no-entries.xml": FileFacts(
        1, 0, 0, False,
        (S("1234Test/1", "NL77ABNA0574908765", None, 0,
           balances={"OPBD": ("1520.76", "CHF", "2014-01-05"),
                     "CLBD": ("1520.76", "CHF", "2014-01-05")},
           balance_check=True),),
    ),
    "oca-camt053-v04-txdtls-batch-chf.xml": FileFacts(
        1, 1, 2, False,
        (S("20170323123456789012345", "CH1111000000123456789", None, 1,
           credits={"CHF": ("3483.00", 1)},
           balances={"OPBD": ("75960.15", "CHF", "2017-03-22"),
                     "CLBD": ("79443.15", "CHF", "2017-03-23")},
           balance_check=True),),
    ),
    "oca-camt054-v04.xml": FileFacts(
        1, 1, 1, True,
        (S("20220120000000000000000", "NL77ABNA0574908765", None, 1,
           credits={"EUR": ("5.00", 1)}),),
    ),
    "ofxiso20022-camt053-v04-no-txdtls.xml": FileFacts(
        1, 16, 0, False,
        (S("STM-C053-170412091216-01", "CHxxxxxxxxxxxxxxxxxxx", None, 16,
           credits={"CHF": ("368", 1)}, debits={"CHF": ("4047.85", 15)},
           balances={"OPBD": ("9433.31", "CHF", "2017-04-01+02:00"),
                     "CLBD": ("5753.46", "CHF", "2017-04-11+02:00")},
           balance_check=True),),
    ),
    "ofxiso20022-camt053-v08-uetr.xml": FileFacts(
        1, 1, 1, False,
        (S("bc8b8e304a825671937ffa86f49ab6f1", "0035-2915203-10-000", "CHF", 1,
           credits={"CHF": ("1284.30", 1)},
           balances={"OPBD": ("832.01", "CHF", "2023-01-25"),
                     "CLAV": ("2116.31", "CHF", "2023-01-25"),
                     "CLBD": ("2116.31", "CHF", "2023-01-25")},
           balance_check=True),),
        txs_summary=1,
    ),
}  # fmt: skip

CORPUS = shared_samples("iso20022", "*.xml")


def _parse_file(path: Path) -> ParsedFile:
    return formats.parse_path(path)


def _count_details(path: Path) -> tuple[int, int]:
    """(TxDtls elements, Ntry elements without any TxDtls), read with plain lxml."""
    tree = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True))
    ntries = list(tree.iter("{*}Ntry"))
    txdtls = sum(1 for n in ntries for _ in n.iterfind("{*}NtryDtls/{*}TxDtls"))
    without = sum(1 for n in ntries if n.find("{*}NtryDtls/{*}TxDtls") is None)
    return txdtls, without


def _sums(statement: Statement, direction: Direction) -> dict[str, tuple[Decimal, int]]:
    found: dict[str, tuple[Decimal, int]] = {}
    for e in statement.entries:
        if e.direction is direction:
            total, n = found.get(e.currency or "", (Decimal(0), 0))
            found[e.currency or ""] = (total + e.amount, n + 1)
    return found


def test_every_corpus_file_has_facts() -> None:
    if not CORPUS:
        pytest.skip("conformance corpus not present")
    assert sorted(p.name for p in CORPUS) == sorted(FACTS)


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_conformance(path: Path) -> None:
    facts = FACTS[path.name]
    parsed = _parse_file(path)
    entries = list(parsed.entries())
    assert len(parsed.statements) == facts.statements
    assert len(entries) == facts.entries

    # Transactions: one per TxDtls, plus one for each entry that has none.
    txdtls, without_details = _count_details(path)
    assert txdtls == facts.txdtls  # the transcription agrees with the file
    assert sum(len(e.transactions) for e in entries) == facts.txdtls + without_details

    for want in facts.detail:
        matching = [s for s in parsed.statements if s.id == want.id]
        assert len(matching) == 1
        got = matching[0]
        assert got.account == want.account
        assert got.currency == want.currency
        assert len(got.entries) == want.entries
        credits = {c: (Decimal(s), n) for c, (s, n) in want.credits.items()}
        debits = {c: (Decimal(s), n) for c, (s, n) in want.debits.items()}
        assert _sums(got, Direction.CREDIT) == credits
        assert _sums(got, Direction.DEBIT) == debits
        first: dict[str, tuple[Decimal, str | None, str | None]] = {}
        for b in got.balances:
            first.setdefault(b.type, (b.amount, b.currency, b.date))
        for kind, (amount, currency, day) in want.balances.items():
            assert first[kind] == (Decimal(amount), currency, day), kind
        if want.balance_check is not None:
            credit = sum((s for s, _ in credits.values()), Decimal(0))
            debit = sum((s for s, _ in debits.values()), Decimal(0))
            assert got.opening_balance is not None and got.closing_balance is not None
            reconciles = got.opening_balance + credit - debit == got.closing_balance
            assert reconciles is want.balance_check

    assert sum(e.reversal for e in entries) == facts.reversals
    reasons = Counter(
        t.return_info.reason_code
        for e in entries
        for t in e.transactions
        if t.return_info is not None and t.return_info.reason_code is not None
    )
    assert reasons == Counter(facts.return_reasons)

    summary_warnings = [w for w in parsed.warnings if w.field == "TxsSummry/TtlNtries/NbOfNtries"]
    if facts.txs_summary is not None and facts.txs_summary != facts.entries:
        assert len(summary_warnings) == 1
        assert summary_warnings[0].value == str(facts.txs_summary)
        assert f"says {facts.txs_summary} entries but the statement has {facts.entries}" in str(
            summary_warnings[0]
        )
    else:
        assert summary_warnings == []

    if facts.statement_currencies is not None:
        assert Counter(s.currency for s in parsed.statements) == Counter(facts.statement_currencies)
    if facts.balance_types is not None:
        assert tuple(b.type for s in parsed.statements for b in s.balances) == facts.balance_types

    assert (validate.validate_path(path) == []) is facts.xsd_valid


def test_goldman_sachs_txs_summary_mismatch_is_a_warning_naming_the_statement() -> None:
    paths = [p for p in CORPUS if p.name == "iso20022js-goldmansachs-us-camt053-v02.xml"]
    if not paths:
        pytest.skip("conformance corpus not present")
    (warning,) = [w for w in _parse_file(paths[0]).warnings if "TxsSummry" in w.message]
    assert warning.record == "Stmt 1"
    assert str(warning).startswith("line 95, record Stmt 1, field TxsSummry/TtlNtries/NbOfNtries = '14'")


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_detect_corpus(path: Path) -> None:
    expected = {"052": Format.CAMT052, "053": Format.CAMT053, "054": Format.CAMT054}
    message = path.name.split("-camt")[1][:3]
    assert camt.detect(path.read_bytes()[: formats.HEAD_BYTES]) == expected[message]
    assert formats.detect_format(path.read_bytes()[: formats.HEAD_BYTES]) == expected[message]


# ---------------------------------------------------------------------------------------------
# 2. Golden files (fixtures/samples/camt, MIT/Apache samples only)

GOLDEN = fixture_samples("camt")


def test_golden_fixtures_are_the_permissive_samples() -> None:
    names = [p.name for p in GOLDEN if p.name != "SOURCES.md"]
    assert names, "fixtures/samples/camt is empty"
    # remit-*: constructed for remit (issue 13, .001.01 shapes), see SOURCES.md
    assert all(n.startswith(("genkgo-", "iso20022js-", "moov-", "remit-")) for n in names)
    listed = (SAMPLES / "camt" / "SOURCES.md").read_text(encoding="utf-8")
    assert all(f"| {n} |" in listed for n in names)
    for path in GOLDEN:
        shared = [p for p in CORPUS if p.name == path.name]
        if shared and path.name != "SOURCES.md":
            assert path.read_bytes() == shared[0].read_bytes(), f"{path.name} is not a byte copy"


@pytest.mark.parametrize(
    "path", [p for p in GOLDEN if p.suffix == ".xml"], ids=[p.name for p in GOLDEN if p.suffix == ".xml"]
)
def test_golden(path: Path) -> None:
    check_golden(path, parsed_file_json(path.name, formats.parse_path(path)))


# ---------------------------------------------------------------------------------------------
# 3. Inline documents

NS = "urn:iso:std:iso:20022:tech:xsd:camt.0{msg}.001.{ver}"
MESSAGE = {"52": ("BkToCstmrAcctRpt", "Rpt"), "53": ("BkToCstmrStmt", "Stmt"), "54": ("BkToCstmrDbtCdtNtfctn", "Ntfctn")}
# No CLBD (closing booked balance): the inline cases' entries need not add up to it (the
# statement integrity check, _integrity.py, is tested with headers of its own).
HEADER = (
    "<Id>S-1</Id>"
    "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>"
    '<Bal><Tp><CdOrPrtry><Cd>PRCD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">100.00</Amt>'
    "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-01-01</Dt></Dt></Bal>"
    '<Bal><Tp><CdOrPrtry><Cd>CLAV</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">5.00</Amt>'
    "<CdtDbtInd>DBIT</CdtDbtInd><Dt><DtTm>2025-01-02T18:00:00</DtTm></Dt></Bal>"
)
CLOSING_HEADER = HEADER.replace("<Cd>CLAV</Cd>", "<Cd>CLBD</Cd>")  # PRCD 100.00, CLBD -5.00


def document(body: str, *, msg: str = "53", ver: str = "08", header: str = HEADER, ns: bool = True) -> bytes:
    """A camt document with one statement: `header` then `body` (entries) inside Stmt/Ntfctn/Rpt.

    Line 5 holds the statement start, its header and the start of `body`.
    """
    root, stmt = MESSAGE[msg]
    xmlns = f' xmlns="{NS.format(msg=msg, ver=ver)}"' if ns else ""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f"<Document{xmlns}>",
        f"<{root}>",
        "<GrpHdr><MsgId>M-1</MsgId><CreDtTm>2025-01-02T06:00:00</CreDtTm></GrpHdr>",
        f"<{stmt}>{header}{body}",
        f"</{stmt}>",
        f"</{root}>",
        "</Document>",
    ]
    return ("\n".join(lines) + "\n").encode("utf-8")


def ntry(inner: str = "", *, amount: str = "10.00", cdi: str = "CRDT", sts: str = "<Sts><Cd>BOOK</Cd></Sts>") -> str:
    return f'<Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>{cdi}</CdtDbtInd>{sts}{inner}</Ntry>'


def parse(data: bytes, fmt: Format = Format.CAMT053) -> ParsedFile:
    return collect(fmt, camt.iter_records(io.BytesIO(data)))


def only_entry(data: bytes) -> Entry:
    (entry,) = list(parse(data).entries())
    return entry


def messages(parsed: ParsedFile) -> list[str]:
    return [str(w) for w in parsed.warnings]


# The same payment written in the v02 and in the v08 layout.
V02_ENTRY = ntry(
    """
    <BookgDt><Dt>2025-01-02</Dt></BookgDt><ValDt><Dt>2025-01-03</Dt></ValDt>
    <AcctSvcrRef>BANK-1</AcctSvcrRef>
    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
    <NtryDtls><TxDtls>
      <Refs><InstrId>I-1</InstrId><EndToEndId>E2E-1</EndToEndId><TxId>T-1</TxId></Refs>
      <AmtDtls><TxAmt><Amt Ccy="EUR">10.00</Amt></TxAmt></AmtDtls>
      <RltdPties><Dbtr><Nm>Müller &amp; Söhne GmbH</Nm></Dbtr>
        <DbtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></DbtrAcct>
        <Cdtr><Nm>Us AG</Nm></Cdtr></RltdPties>
      <RltdAgts><DbtrAgt><FinInstnId><BIC>BYLADEM1001</BIC></FinInstnId></DbtrAgt></RltdAgts>
      <RmtInf><Ustrd>Invoice 4711</Ustrd></RmtInf>
    </TxDtls></NtryDtls>
    """,
    sts="<Sts>BOOK</Sts>",
)
V08_ENTRY = ntry(
    """
    <BookgDt><Dt>2025-01-02</Dt></BookgDt><ValDt><Dt>2025-01-03</Dt></ValDt>
    <AcctSvcrRef>BANK-1</AcctSvcrRef>
    <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
    <NtryDtls><TxDtls>
      <Refs><InstrId>I-1</InstrId><EndToEndId>E2E-1</EndToEndId><TxId>T-1</TxId>
        <UETR>3f1c9a2e-6f1b-4c1e-9a3d-000000000001</UETR></Refs>
      <Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
      <RltdPties><Dbtr><Pty><Nm>Müller &amp; Söhne GmbH</Nm></Pty></Dbtr>
        <DbtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></DbtrAcct>
        <Cdtr><Pty><Nm>Us AG</Nm></Pty></Cdtr></RltdPties>
      <RltdAgts><DbtrAgt><FinInstnId><BICFI>BYLADEM1001</BICFI></FinInstnId></DbtrAgt></RltdAgts>
      <RmtInf><Ustrd>Invoice 4711</Ustrd></RmtInf>
    </TxDtls></NtryDtls>
    """
)


def test_v02_and_v08_layouts_give_the_same_records() -> None:
    old = only_entry(document(V02_ENTRY, ver="02"))
    new = only_entry(document(V08_ENTRY, ver="08"))
    assert old.transactions[0].uetr is None
    assert new.transactions[0].uetr == "3f1c9a2e-6f1b-4c1e-9a3d-000000000001"
    from dataclasses import replace

    assert replace(new, transactions=(replace(new.transactions[0], uetr=None),)) == old
    assert old.status is EntryStatus.BOOKED
    assert old.kind is Kind.SEPA and old.bank_code == "PMNT/RCDT/ESCT"
    tx = old.transactions[0]
    assert (tx.amount, tx.currency) == (Decimal("10.00"), "EUR")
    assert tx.counterparty_name == "Müller & Söhne GmbH"
    assert tx.counterparty_account == "DE02120300000000202051"
    assert (tx.end_to_end_id, tx.instruction_id, tx.transaction_id) == ("E2E-1", "I-1", "T-1")
    assert tx.remittance == ("Invoice 4711",)


@pytest.mark.parametrize("ver", ["02", "04", "08", "10", "12", "13"])
def test_every_version_reads_the_same_entry(ver: str) -> None:
    body = V02_ENTRY if ver in ("02", "04") else V08_ENTRY
    parsed = parse(document(body, ver=ver))
    (statement,) = parsed.statements
    assert statement.id == "S-1" and statement.account == "DE89370400440532013000"
    assert statement.entries[0].transactions[0].counterparty_name == "Müller & Söhne GmbH"
    assert parsed.warnings == ()


def test_statement_header_and_balances() -> None:
    parsed = parse(document(ntry(amount="105.00", cdi="DBIT"), header=CLOSING_HEADER))
    (statement,) = parsed.statements
    assert statement.currency == "EUR"
    assert statement.opening_balance == Decimal("100.00")  # PRCD when there is no OPBD
    assert statement.closing_balance == Decimal("-5.00")  # DBIT is negative
    assert [(b.type, b.amount, b.currency, b.date) for b in statement.balances] == [
        ("PRCD", Decimal("100.00"), "EUR", "2025-01-01"),
        ("CLBD", Decimal("-5.00"), "EUR", "2025-01-02T18:00:00"),
    ]
    assert parsed.warnings == ()  # 100.00 - 105.00 = -5.00: the statement adds up


def test_from_to_dates_and_proprietary_balance_types() -> None:
    header = """
        <Id>S-9</Id><FrToDt><FrDtTm>2025-03-01T00:00:00+01:00</FrDtTm><ToDtTm>2025-03-01T23:59:59+01:00</ToDtTm></FrToDt>
        <Acct><Id><Othr><Id>00021521518</Id></Othr></Id></Acct>
        <Bal><Tp><CdOrPrtry><Prtry>010</Prtry></CdOrPrtry></Tp><Amt Ccy="CAD">1.00</Amt>
          <CdtDbtInd>DBIT</CdtDbtInd><Dt><Dt>2025-03-01</Dt></Dt></Bal>
        <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="CAD">0.00</Amt>
          <CdtDbtInd>DBIT</CdtDbtInd><Dt><Dt>2025-03-01</Dt></Dt></Bal>
    """
    (statement,) = parse(document("", header=header)).statements
    assert (statement.from_date, statement.to_date) == (date(2025, 3, 1), date(2025, 3, 1))
    assert statement.account == "00021521518" and statement.currency is None
    assert [(b.type, b.amount) for b in statement.balances] == [("010", Decimal("-1.00")), ("OPBD", Decimal("0.00"))]
    assert str(statement.opening_balance) == "0.00"  # "DBIT 0.00" is not negative zero
    assert statement.entries == ()


def test_datetime_dates_take_their_date_and_zoned_dates_parse() -> None:
    entry = only_entry(document(ntry(
        "<BookgDt><DtTm>2023-10-01T23:30:00.000+02:00</DtTm></BookgDt><ValDt><Dt>2017-04-01+02:00</Dt></ValDt>"
    )))  # fmt: skip
    assert entry.booking_date == date(2023, 10, 1)
    assert entry.value_date == date(2017, 4, 1)


def test_notprovided_end_to_end_id_is_dropped() -> None:
    entry = only_entry(document(ntry(
        "<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId><InstrId>I-7</InstrId></Refs></TxDtls></NtryDtls>"
    )))  # fmt: skip
    tx = entry.transactions[0]
    assert tx.end_to_end_id is None and tx.instruction_id == "I-7"
    assert tx.amount == Decimal("10.00")  # the sole TxDtls without an amount takes the entry's


STRUCTURED = """
<NtryDtls><TxDtls><RmtInf>
  <Ustrd>first line</Ustrd>
  <Ustrd>second
         line</Ustrd>
  <Strd>
    <RfrdDocInf><Tp><CdOrPrtry><Cd>CINV</Cd></CdOrPrtry></Tp><Nb>INV-1</Nb></RfrdDocInf>
    <RfrdDocAmt><DuePyblAmt Ccy="EUR">12.00</DuePyblAmt><RmtdAmt Ccy="EUR">11.76</RmtdAmt></RfrdDocAmt>
    <CdtrRefInf><Tp><CdOrPrtry><Cd>SCOR</Cd></CdOrPrtry><Issr>ISO</Issr></Tp><Ref>RF18539007547034</Ref></CdtrRefInf>
  </Strd>
  <Strd>
    <RfrdDocInf><Nb>INV-2</Nb></RfrdDocInf>
    <RfrdDocAmt><DuePyblAmt Ccy="EUR">3.00</DuePyblAmt></RfrdDocAmt>
  </Strd>
  <Strd>
    <RfrdDocInf><Nb>INV-3</Nb></RfrdDocInf><RfrdDocInf><Nb>INV-4</Nb></RfrdDocInf>
    <RfrdDocAmt><RmtdAmt Ccy="EUR">99.00</RmtdAmt></RfrdDocAmt>
    <CdtrRefInf><Tp><CdOrPrtry><Prtry>QRR</Prtry></CdOrPrtry></Tp><Ref>210000000003139471430009017</Ref></CdtrRefInf>
  </Strd>
</RmtInf></TxDtls></NtryDtls>
"""


def test_referred_documents_with_amounts_and_creditor_references() -> None:
    tx = only_entry(document(ntry(STRUCTURED))).transactions[0]
    assert tx.invoices == (
        InvoiceRef("INV-1", Decimal("11.76")),  # RmtdAmt before DuePyblAmt
        InvoiceRef("INV-2", Decimal("3.00")),  # else DuePyblAmt
        InvoiceRef("INV-3", None),  # one amount for two documents: not split
        InvoiceRef("INV-4", None),
    )
    assert tx.references == ("RF18539007547034", "210000000003139471430009017")
    assert tx.remittance == ("first line", "second line")


def test_additional_tx_info_is_remittance_only_without_ustrd() -> None:
    tx = only_entry(document(ntry("<NtryDtls><TxDtls><AddtlTxInf>Rg 4711</AddtlTxInf></TxDtls></NtryDtls>"))).transactions[0]
    assert tx.remittance == ("Rg 4711",)
    both = "<NtryDtls><TxDtls><RmtInf><Ustrd>U</Ustrd></RmtInf><AddtlTxInf>A</AddtlTxInf></TxDtls></NtryDtls>"
    assert only_entry(document(ntry(both))).transactions[0].remittance == ("U",)


def test_entry_without_details_is_one_transaction_from_the_entry() -> None:
    entry = only_entry(document(ntry("<AcctSvcrRef>B-1</AcctSvcrRef><AddtlNtryInf>GUTSCHRIFT\n   REF 4711</AddtlNtryInf>", amount="368")))
    assert entry.additional_info == "GUTSCHRIFT REF 4711"
    (tx,) = entry.transactions
    assert (tx.amount, tx.currency, tx.remittance) == (Decimal("368"), "EUR", ("GUTSCHRIFT REF 4711",))
    assert entry.bank_reference == "B-1"


def test_bank_reference_prefers_account_servicer_reference() -> None:
    assert only_entry(document(ntry("<NtryRef>N-1</NtryRef>"))).bank_reference == "N-1"
    both = "<AcctSvcrRef>A-1</AcctSvcrRef>"
    assert only_entry(document(ntry(both).replace("<Ntry>", "<Ntry><NtryRef>N-1</NtryRef>"))).bank_reference == "A-1"


def test_return_with_proprietary_nacha_reason() -> None:
    entry = only_entry(document(ntry(
        """<RvslInd>true</RvslInd>
        <NtryDtls><TxDtls><Refs><EndToEndId>GSKW-1</EndToEndId></Refs>
          <RltdPties><Dbtr><Nm>Primrose</Nm></Dbtr><DbtrAcct><Id><Othr><Id>456000000</Id></Othr></Id></DbtrAcct></RltdPties>
          <RtrInf><Rsn><Prtry>R02</Prtry></Rsn><AddtlInf>ACCOUNT CLOSED</AddtlInf><AddtlInf>  see
          file</AddtlInf></RtrInf>
        </TxDtls></NtryDtls>"""
    )))  # fmt: skip
    assert entry.reversal is True
    ret = entry.transactions[0].return_info
    assert ret is not None
    assert (ret.reason_code, ret.original_reference, ret.additional_info) == (
        "R02", "GSKW-1", "ACCOUNT CLOSED see file"
    )
    assert entry.transactions[0].counterparty_account == "456000000"


def test_return_reason_code_and_instruction_id_as_original_reference() -> None:
    entry = only_entry(document(ntry(
        "<NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId><InstrId>I-9</InstrId></Refs>"
        "<RtrInf><Rsn><Cd>AC04</Cd></Rsn></RtrInf></TxDtls></NtryDtls>"
    )))  # fmt: skip
    ret = entry.transactions[0].return_info
    assert ret is not None and (ret.reason_code, ret.original_reference) == ("AC04", "I-9")
    assert entry.reversal is False


def test_reversal_without_return_info_keeps_return_info_none() -> None:
    entry = only_entry(document(ntry("<RvslInd>1</RvslInd>")))
    assert entry.reversal is True and entry.transactions[0].return_info is None


BATCH = """
<NtryDtls>
  <Btch><NbOfTxs>2</NbOfTxs><TtlAmt Ccy="EUR">10.00</TtlAmt></Btch>
  <TxDtls><Amt Ccy="EUR">4.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>
  <TxDtls><Amt Ccy="EUR">3.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>
  <TxDtls><Amt Ccy="EUR">3.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls>
</NtryDtls>
"""


def test_batch_count_mismatch_is_a_warning() -> None:
    parsed = parse(document(ntry(BATCH)))
    assert [t.amount for t in parsed.statements[0].entries[0].transactions] == [Decimal("4.00"), Decimal("3.00"), Decimal("3.00")]
    assert messages(parsed) == [
        "line 7, record Stmt 1 / Ntry 1, field NtryDtls/Btch/NbOfTxs = '2':"
        " Btch/NbOfTxs says 2 transactions but the entry has 3 TxDtls"
    ]


def test_batch_total_and_sum_mismatch_are_warnings() -> None:
    body = BATCH.replace("<NbOfTxs>2</NbOfTxs>", "<NbOfTxs>3</NbOfTxs>").replace("10.00</TtlAmt>", "9.00</TtlAmt>")
    parsed = parse(document(ntry(body, amount="11.00")))
    found = messages(parsed)
    assert len(found) == 2
    assert "Btch/TtlAmt 9.00 differs from the entry amount 11.00" in found[0]
    assert "field NtryDtls/TxDtls/Amt = '10.00': TxDtls amounts sum to 10.00 but the entry amount is 11.00" in found[1]
    assert all("record Stmt 1 / Ntry 1" in m for m in found)


def test_batch_in_another_currency_is_not_summed() -> None:
    body = BATCH.replace('Ccy="EUR">4', 'Ccy="CHF">4').replace("<NbOfTxs>2", "<NbOfTxs>3")
    assert messages(parse(document(ntry(body)))) == []


def test_details_sign_against_entry_is_a_warning() -> None:
    body = '<NtryDtls><TxDtls><Amt Ccy="EUR">10.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></TxDtls></NtryDtls>'
    parsed = parse(document(ntry(body, cdi="DBIT")))
    assert messages(parsed) == [
        "line 5, record Stmt 1 / Ntry 1 / TxDtls 1, field TxDtls/CdtDbtInd = 'CRDT':"
        " TxDtls is credit but its entry is debit"
    ]


@pytest.mark.parametrize(
    ("sts", "status"),
    [
        ("<Sts>BOOK</Sts>", EntryStatus.BOOKED),
        ("<Sts>PDNG</Sts>", EntryStatus.PENDING),
        ("<Sts><Cd>PDNG</Cd></Sts>", EntryStatus.PENDING),
        ("<Sts>INFO</Sts>", EntryStatus.INFO),
        ("<Sts><Cd>INFO</Cd></Sts>", EntryStatus.INFO),
    ],
)
def test_status(sts: str, status: EntryStatus) -> None:
    parsed = parse(document(ntry(sts=sts)))
    assert parsed.statements[0].entries[0].status is status
    assert parsed.warnings == ()


def test_unknown_or_missing_status_is_info_with_a_warning() -> None:
    parsed = parse(document(ntry(sts="<Sts><Cd>FUTR</Cd></Sts>") + ntry(sts="")))
    assert [e.status for e in parsed.entries()] == [EntryStatus.INFO, EntryStatus.INFO]
    assert [w.value for w in parsed.warnings] == ["FUTR", None]
    assert all("unknown entry status; treated as info (not cash)" in m for m in messages(parsed))
    assert parsed.warnings[1].record == "Stmt 1 / Ntry 2"


PARTIES = """
<NtryDtls><TxDtls><RltdPties>
  <Dbtr><Pty><Nm>Payer Ltd</Nm></Pty></Dbtr><DbtrAcct><Id><IBAN>GB29NWBK60161331926819</IBAN></Id></DbtrAcct>
  <UltmtDbtr><Nm>Ultimate Payer</Nm></UltmtDbtr>
  <Cdtr><Pty><Nm>Payee GmbH</Nm></Pty></Cdtr><CdtrAcct><Id><Othr><Id>ACC-77</Id></Othr></Id></CdtrAcct>
</RltdPties></TxDtls></NtryDtls>
"""


def test_counterparty_is_the_debtor_of_a_credit_and_the_creditor_of_a_debit() -> None:
    credit = only_entry(document(ntry(PARTIES, cdi="CRDT"))).transactions[0]
    debit = only_entry(document(ntry(PARTIES, cdi="DBIT"))).transactions[0]
    assert (credit.counterparty_name, credit.counterparty_account) == ("Payer Ltd", "GB29NWBK60161331926819")
    assert (debit.counterparty_name, debit.counterparty_account) == ("Payee GmbH", "ACC-77")


def test_ultimate_debtor_name_when_the_debtor_has_none() -> None:
    body = PARTIES.replace("<Dbtr><Pty><Nm>Payer Ltd</Nm></Pty></Dbtr>", "")
    tx = only_entry(document(ntry(body))).transactions[0]
    assert (tx.counterparty_name, tx.counterparty_account) == ("Ultimate Payer", "GB29NWBK60161331926819")


def test_the_ultimate_party_of_the_counterpartys_side_is_carried() -> None:
    ultimate = ("<UltmtDbtr><Pty><Nm>Harbour Foods Ltd</Nm><Id><OrgId><Othr><Id>10042</Id></Othr></OrgId></Id>"
                "</Pty></UltmtDbtr>")
    body = PARTIES.replace("<UltmtDbtr><Nm>Ultimate Payer</Nm></UltmtDbtr>", ultimate)
    credit = only_entry(document(ntry(body))).transactions[0]
    assert credit.counterparty_name == "Payer Ltd"  # the payer stays the payer
    assert (credit.ultimate_name, credit.ultimate_id) == ("Harbour Foods Ltd", "10042")
    # a debit's ultimate party is the ultimate creditor; this one names none
    debit = only_entry(document(ntry(body, cdi="DBIT"))).transactions[0]
    assert (debit.ultimate_name, debit.ultimate_id) == (None, None)
    plain = only_entry(document(ntry(PARTIES))).transactions[0]
    assert (plain.ultimate_name, plain.ultimate_id) == ("Ultimate Payer", None)


def test_references_mandate_and_cheque_number() -> None:
    body = "<NtryDtls><TxDtls><Refs><MndtId>M-1</MndtId><ChqNb>000123</ChqNb><TxId>T</TxId></Refs></TxDtls></NtryDtls>"
    tx = only_entry(document(ntry(body))).transactions[0]
    assert (tx.mandate_id, tx.check_number, tx.transaction_id) == ("M-1", "000123", "T")


def test_transaction_amount_fallbacks() -> None:
    instructed = '<NtryDtls><TxDtls><AmtDtls><InstdAmt><Amt Ccy="USD">12.00</Amt></InstdAmt></AmtDtls></TxDtls></NtryDtls>'
    tx = only_entry(document(ntry(instructed))).transactions[0]
    assert (tx.amount, tx.currency) == (Decimal("12.00"), "USD")
    two = "<NtryDtls><TxDtls><Refs><TxId>1</TxId></Refs></TxDtls><TxDtls><Refs><TxId>2</TxId></Refs></TxDtls></NtryDtls>"
    entry = only_entry(document(ntry(two)))
    assert [(t.amount, t.currency) for t in entry.transactions] == [(None, None), (None, None)]


@pytest.mark.parametrize(
    ("charges", "total"),
    [
        ('<Chrgs><TtlChrgsAndTaxAmt Ccy="CHF">4.40</TtlChrgsAndTaxAmt><Rcrd><Amt Ccy="CHF">4.40</Amt></Rcrd></Chrgs>', "4.40"),
        ('<Chrgs><Rcrd><Amt Ccy="CHF">1.10</Amt></Rcrd><Rcrd><Amt Ccy="CHF">2.20</Amt></Rcrd></Chrgs>', "3.30"),
        ('<Chrgs><Amt Ccy="EUR">1.00</Amt></Chrgs><Chrgs><Amt Ccy="EUR">0.50</Amt></Chrgs>', "1.50"),  # v02
    ],
)
def test_charges(charges: str, total: str) -> None:
    assert only_entry(document(ntry(charges))).charges == Decimal(total)


def test_charges_from_details_when_the_entry_has_none() -> None:
    body = '<NtryDtls><TxDtls><Chrgs><Amt Ccy="EUR">20.00</Amt></Chrgs></TxDtls></NtryDtls>'
    assert only_entry(document(ntry(body))).charges == Decimal("20.00")
    assert only_entry(document(ntry())).charges is None


def test_bank_code_from_details_when_the_entry_has_none() -> None:
    body = "<NtryDtls><TxDtls><BkTxCd><Prtry><Cd>142</Cd><Issr>BAI</Issr></Prtry></BkTxCd></TxDtls></NtryDtls>"
    entry = only_entry(document(ntry(body)))
    assert (entry.bank_code, entry.kind) == ("142:BAI", Kind.ACH)


@pytest.mark.parametrize(
    ("domain", "proprietary", "currency", "code", "kind"),
    [
        (("PMNT", "LBOX", "LBDP"), None, "USD", "PMNT/LBOX/LBDP", Kind.LOCKBOX),
        (("PMNT", "RCHQ", "CCHQ"), ("Check Deposit", None), "USD", "PMNT/RCHQ/CCHQ; Check Deposit", Kind.CHECK),
        (("PMNT", "CCRD", "POSD"), None, "EUR", "PMNT/CCRD/POSD", Kind.CARD),
        (("PMNT", "RCDT", "ESCT"), ("N654", "ABNAMRO"), "EUR", "PMNT/RCDT/ESCT; N654:ABNAMRO", Kind.SEPA),
        (("PMNT", "RDDT", "BBDD"), None, "EUR", "PMNT/RDDT/BBDD", Kind.SEPA),
        (("PMNT", "RCDT", "ACDT"), None, "USD", "PMNT/RCDT/ACDT", Kind.ACH),
        (("PMNT", "RCDT", "XBCT"), None, "EUR", "PMNT/RCDT/XBCT", Kind.WIRE),
        (("PMNT", "ICDT", "DMCT"), ("Outgoing Wire", None), "USD", "PMNT/ICDT/DMCT; Outgoing Wire", Kind.WIRE),
        (("PMNT", "ICDT", "RRTN"), ("Outgoing Wire Return", None), "USD", "PMNT/ICDT/RRTN; Outgoing Wire Return", Kind.WIRE),
        (None, ("ACH Credit Receipt", None), "USD", "ACH Credit Receipt", Kind.ACH),
        (None, ("PPD", "NACHA"), "USD", "PPD:NACHA", Kind.ACH),
        (None, ("195", "BAI"), "USD", "195:BAI", Kind.WIRE),
        (("PMNT", "IDDT", "UPDD"), ("N245", "ABNAMRO"), "EUR", "PMNT/IDDT/UPDD; N245:ABNAMRO", Kind.SEPA),
        (("PMNT", "IDDT", "PADD"), None, "USD", "PMNT/IDDT/PADD", Kind.ACH),
        (("PMNT", "RDDT", "PMDD"), None, "CHF", "PMNT/RDDT/PMDD", Kind.OTHER),
        (("PMNT", "IRCT", "DMCT"), ("RTP Outgoing", None), "USD", "PMNT/IRCT/DMCT; RTP Outgoing", Kind.OTHER),
        (("PMNT", "RCDT", "VCOM"), None, "CHF", "PMNT/RCDT/VCOM", Kind.OTHER),
        (None, None, "EUR", None, Kind.OTHER),
    ],
)
def test_bank_code_and_kind_table(domain, proprietary, currency, code, kind) -> None:
    parts = []
    if domain:
        parts.append(f"<Domn><Cd>{domain[0]}</Cd><Fmly><Cd>{domain[1]}</Cd><SubFmlyCd>{domain[2]}</SubFmlyCd></Fmly></Domn>")
    if proprietary:
        issuer = f"<Issr>{proprietary[1]}</Issr>" if proprietary[1] else ""
        parts.append(f"<Prtry><Cd>{proprietary[0]}</Cd>{issuer}</Prtry>")
    body = f"<BkTxCd>{''.join(parts)}</BkTxCd>" if parts else ""
    entry = only_entry(document(ntry(body).replace('Ccy="EUR"', f'Ccy="{currency}"')))
    assert (entry.bank_code, entry.kind) == (code, kind)
    # the pure functions agree
    d = domain or (None, None, None)
    p = proprietary or (None, None)
    assert bank_code(*d, *p) == code
    assert kind_of(d[1], d[2], p[0], p[1], currency) is kind


def test_txs_summary_count_mismatch_names_the_statement() -> None:
    header = HEADER + "<TxsSummry><TtlNtries><NbOfNtries>3</NbOfNtries></TtlNtries></TxsSummry>"
    parsed = parse(document(ntry() + ntry(), header=header))
    (warning,) = parsed.warnings
    assert warning.record == "Stmt 1" and warning.field == "TxsSummry/TtlNtries/NbOfNtries"
    assert warning.message == "TxsSummry/TtlNtries says 3 entries but the statement has 2"


def test_statement_comes_before_its_entries_and_empty_statements_are_kept() -> None:
    header2 = "<Id>S-2</Id><Acct><Id><IBAN>CH9300762011623852957</IBAN></Id></Acct>"
    data = document(ntry(amount="1.00") + ntry(amount="2.00") + "</Stmt><Stmt>" + header2 + "</Stmt><Stmt><Id>S-3</Id>" + ntry(amount="3.00"))
    records = list(camt.iter_records(io.BytesIO(data)))
    shape = [(type(r).__name__, r.id if isinstance(r, Statement) else str(r.amount)) for r in records]
    assert shape == [
        ("Statement", "S-1"), ("Entry", "1.00"), ("Entry", "2.00"),
        ("Statement", "S-2"),
        ("Statement", "S-3"), ("Entry", "3.00"),
    ]  # fmt: skip
    assert all(r.entries == () for r in records if isinstance(r, Statement))


@pytest.mark.parametrize(("msg", "fmt", "label"), [("52", Format.CAMT052, "Rpt"), ("54", Format.CAMT054, "Ntfctn")])
def test_account_report_and_notification(msg: str, fmt: Format, label: str) -> None:
    data = document(ntry(sts="<Sts>BOOK</Sts>") + ntry("<BookgDt><Dt>bad</Dt></BookgDt>"), msg=msg, ver="02")
    assert camt.detect(data) is fmt
    with pytest.raises(ParseError) as caught:
        parse(data, fmt)
    assert caught.value.record == f"{label} 1 / Ntry 2"
    parsed = parse(document(ntry(), msg=msg), fmt)
    assert parsed.statements[0].id == "S-1" and len(parsed.statements[0].entries) == 1


def test_namespace_less_document_is_detected_but_refused() -> None:
    """Deliberate change (issue 13): without a namespace the version is unknown; refused
    with that reason rather than guessed (it used to be read as any version)."""
    data = document(V08_ENTRY, ns=False)
    assert camt.detect(data) is Format.CAMT053
    error = _error(data)
    assert error.field == "namespace" and error.value is None and error.line == 3
    assert "BkToCstmrStmt has no XML namespace, so the camt version cannot be told" in str(error)


def test_prefixed_namespace_and_application_header_envelope() -> None:
    ns = NS.format(msg="53", ver="08")
    data = f"""<?xml version="1.0"?>
<Envelope>
  <AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02"><MsgDefIdr>camt.053.001.08</MsgDefIdr></AppHdr>
  <c:Document xmlns:c="{ns}"><c:BkToCstmrStmt><c:Stmt><c:Id>S-1</c:Id>
    <c:Ntry><c:Amt Ccy="EUR">1.50</c:Amt><c:CdtDbtInd>DBIT</c:CdtDbtInd><c:Sts><c:Cd>BOOK</c:Cd></c:Sts></c:Ntry>
  </c:Stmt></c:BkToCstmrStmt></c:Document>
</Envelope>""".encode()
    assert camt.detect(data) is Format.CAMT053
    entry = only_entry(data)
    assert (entry.amount, entry.direction) == (Decimal("1.50"), Direction.DEBIT)


def test_foreign_ntry_in_supplementary_data_is_not_an_entry() -> None:
    body = ntry('<SplmtryData><Envlp><x:Ntry xmlns:x="urn:other"><x:Amt>99</x:Amt></x:Ntry></Envlp></SplmtryData>')
    parsed = parse(document(body))
    assert [e.amount for e in parsed.entries()] == [Decimal("10.00")]


def test_amounts_are_exact_decimals() -> None:
    entry = only_entry(document(ntry(amount="8.85000")))
    assert entry.amount == Decimal("8.85000") and str(entry.amount) == "8.85000"
    assert isinstance(entry.amount, Decimal)


def test_many_statements_and_entries_release_memory_in_batches() -> None:
    data = document("".join(ntry(amount=f"{i}.00") for i in range(1, 101)))
    amounts = [e.amount for e in parse(data).entries()]
    assert amounts == [Decimal(i) for i in range(1, 101)]


def _details(i: int, cdi: str = "CRDT") -> str:
    return (
        f'<TxDtls><Refs><EndToEndId>E{i}</EndToEndId></Refs><Amt Ccy="EUR">1.00</Amt>'
        f"<CdtDbtInd>{cdi}</CdtDbtInd></TxDtls>"
    )


def test_collective_booking_with_many_details() -> None:
    """Hundreds of TxDtls in one entry are built in batches before the entry ends."""
    body = (
        "<NtryDtls><Btch><NbOfTxs>200</NbOfTxs></Btch>"
        + "".join(_details(i, "DBIT" if i == 150 else "CRDT") for i in range(1, 201))
        + "</NtryDtls>"
    )
    parsed = parse(document(ntry(body, amount="200.00") + ntry(amount="7.00")))
    first, second = parsed.entries()
    assert [t.end_to_end_id for t in first.transactions] == [f"E{i}" for i in range(1, 201)]
    assert second.transactions[0].amount == Decimal("7.00")
    (warning,) = parsed.warnings  # NbOfTxs and the sum agree; one sign conflict
    assert warning.record == "Stmt 1 / Ntry 1 / TxDtls 150" and warning.value == "DBIT"


def test_collective_booking_checks_count_and_sum_over_all_details() -> None:
    body = "<NtryDtls><Btch><NbOfTxs>201</NbOfTxs></Btch>" + "".join(_details(i) for i in range(1, 201)) + "</NtryDtls>"
    found = messages(parse(document(ntry(body, amount="199.00"))))
    assert len(found) == 2
    assert "Btch/NbOfTxs says 201 transactions but the entry has 200 TxDtls" in found[0]
    assert "TxDtls amounts sum to 200.00 but the entry amount is 199.00" in found[1]


def test_many_details_each_in_its_own_block() -> None:
    body = "".join(f"<NtryDtls>{_details(i)}</NtryDtls>" for i in range(1, 301))
    (entry,) = parse(document(ntry(body, amount="300.00"))).entries()
    assert [t.end_to_end_id for t in entry.transactions] == [f"E{i}" for i in range(1, 301)]


def test_many_details_before_the_entry_amount_are_read_at_the_end() -> None:
    body = "<NtryDtls>" + "".join(_details(i) for i in range(1, 101)) + "</NtryDtls>"
    data = document(f'<Ntry><Sts>BOOK</Sts>{body}<Amt Ccy="EUR">100.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>')
    parsed = parse(data)
    assert len(next(parsed.entries()).transactions) == 100 and parsed.warnings == ()


def test_many_details_keep_the_first_details_bank_code() -> None:
    first = '<TxDtls><BkTxCd><Prtry><Cd>142</Cd><Issr>BAI</Issr></Prtry></BkTxCd><Amt Ccy="EUR">1.00</Amt></TxDtls>'
    body = "<NtryDtls>" + first + "".join(_details(i) for i in range(2, 101)) + "</NtryDtls>"
    entry = only_entry(document(ntry(body, amount="100.00")))
    assert (entry.bank_code, entry.kind) == ("142:BAI", Kind.ACH)


# Error messages: line, record, field and value


def _error(data: bytes) -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(data)
    return caught.value


@pytest.mark.parametrize(
    ("entry", "line", "field", "value", "message"),
    [
        ('<Ntry><CdtDbtInd>CRDT</CdtDbtInd></Ntry>', 6, "Ntry/Amt", None, "entry without an amount"),
        ('<Ntry><Amt Ccy="EUR">12,50</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>', 6, "Ntry/Amt", "12,50", "not a decimal amount"),
        ('<Ntry><Amt Ccy="EUR"> </Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>', 6, "Ntry/Amt", "", "missing amount"),
        ('<Ntry><Amt Ccy="EUR">-5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>', 6, "Ntry/Amt", "-5.00", "negative amount"),
        ('<Ntry><Amt Ccy="EUR">1E3</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>', 6, "Ntry/Amt", "1E3", "not a decimal amount"),
        ('<Ntry><Amt Ccy="EUR">NaN</Amt><CdtDbtInd>CRDT</CdtDbtInd></Ntry>', 6, "Ntry/Amt", "NaN", "not a decimal amount"),
        ('<Ntry><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>CREDIT</CdtDbtInd></Ntry>', 6, "Ntry/CdtDbtInd", "CREDIT", "CdtDbtInd must be CRDT or DBIT"),
        ('<Ntry><Amt Ccy="EUR">5.00</Amt></Ntry>', 6, "Ntry/CdtDbtInd", None, "entry without CdtDbtInd"),
        ('<Ntry><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><RvslInd>yes</RvslInd></Ntry>', 6, "Ntry/RvslInd", "yes", "not a boolean"),
        ('<Ntry><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><ValDt><Dt>2025-02-30</Dt></ValDt></Ntry>', 6, "Ntry/ValDt/Dt", "2025-02-30", "not an ISO 8601 date"),
        ('<Ntry><Amt Ccy="EUR">5.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><NtryDtls><TxDtls><Amt Ccy="EUR">x</Amt></TxDtls></NtryDtls></Ntry>', 6, "TxDtls/Amt", "x", "not a decimal amount"),
    ],
)
def test_errors_name_line_record_field_and_value(entry: str, line: int, field: str, value: str | None, message: str) -> None:
    error = _error(document(ntry() + "\n" + entry))
    assert (error.line, error.field, error.value) == (line, field, value)
    text = str(error)
    assert f"line {line}" in text and f"field {field}" in text and message in text
    assert "record Stmt 1 / Ntry 2" in text
    if value:
        assert repr(value) in text


def test_tx_details_errors_name_the_transaction() -> None:
    body = '<NtryDtls><TxDtls/><TxDtls><CdtDbtInd>XX</CdtDbtInd></TxDtls></NtryDtls>'
    error = _error(document(ntry(body)))
    assert error.record == "Stmt 1 / Ntry 1 / TxDtls 2" and error.field == "TxDtls/CdtDbtInd"


def test_balance_errors() -> None:
    header = '<Id>S</Id><Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>X</CdtDbtInd></Bal>'
    error = _error(document(ntry(), header=header))
    assert (error.record, error.field, error.value) == ("Stmt 1 / Bal", "Bal/CdtDbtInd", "X")
    header = '<Id>S</Id><Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><CdtDbtInd>CRDT</CdtDbtInd></Bal>'
    assert _error(document("", header=header)).field == "Bal/Amt"


def test_not_a_camt_document() -> None:
    error = _error(b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn/></Document>')
    assert "not a camt.052/053/054 document" in str(error) and error.value == "Document"


# Detection


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">', Format.CAMT053),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.13"><BkToCstmrDbtCdtNtfctn>', Format.CAMT054),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.08">', Format.CAMT052),
        (b"<Document><BkToCstmrStmt><GrpHdr>", Format.CAMT053),
        (b"<Document>\n<BkToCstmrDbtCdtNtfctn>", Format.CAMT054),
        (b'<n:Document xmlns:n="urn:x"><n:BkToCstmrAcctRpt>', Format.CAMT052),
        (b"\xef\xbb\xbf<Document><BkToCstmrStmt>", Format.CAMT053),
        ("<Document><BkToCstmrStmt>".encode("utf-16"), Format.CAMT053),
        (b'<AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02"><MsgDefIdr>camt.054.001.08</MsgDefIdr>', Format.CAMT054),
        (b'<?xml version="1.0" encoding="UTF-8"?>\n<?OFX OFXHEADER="200" VERSION="220"?>\n<OFX><SIGNONMSGSRSV1>', None),
        (b"OFXHEADER:100\nDATA:OFXSGML\n<OFX>", None),
        (b"101 091000019 1234567891501010000A094101", None),
        (b"01,122099999,123456789,150623,0200,1,,,2/", None),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"><CstmrCdtTrfInitn>', None),
        (b"<BkToCstmrStmtX>", None),
        (b"Id BkToCstmrStmt in text", None),
        (b"", None),
        (bytes(range(256)), None),
    ],
)
def test_detect(head: bytes, expected: Format | None) -> None:
    assert camt.detect(head) == expected


def test_version_from_namespace() -> None:
    assert version_from_namespace("urn:iso:std:iso:20022:tech:xsd:camt.053.001.02") == CamtVersion("053", 2)
    assert version_from_namespace("urn:iso:std:iso:20022:tech:xsd:camt.054.001.13").format is Format.CAMT054
    assert version_from_namespace("urn:iso:std:iso:20022:tech:xsd:camt.052.001.08").name == "camt.052.001.08"
    assert version_from_namespace("urn:iso:std:iso:20022:tech:xsd:pain.001.001.09") is None
    assert version_from_namespace("") is None


# Validation (iso20022/validate.py)


def test_all_bundled_schemas_compile() -> None:
    names = validate.bundled_versions()
    assert len(names) == 13
    for name in names:
        assert validate._schema(name) is not None


V02_VALID_HEADER = (  # what camt.053.001.02 requires of a statement before its entries
    "<Id>S-1</Id><CreDtTm>2025-01-02T06:00:00</CreDtTm>"
    "<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>"
    '<Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1.00</Amt>'
    "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2025-01-01</Dt></Dt></Bal>"
)


def test_validate_reports_lines(tmp_path: Path) -> None:
    good = tmp_path / "good.xml"
    good.write_bytes(document(V02_ENTRY, ver="02", header=V02_VALID_HEADER))
    errors = validate.validate_path(good)
    assert errors == [], errors
    bad = tmp_path / "bad.xml"
    bad.write_bytes(good.read_bytes().replace(b"<CdtDbtInd>CRDT</CdtDbtInd><Sts>", b"<CdtDbtInd>CRDIT</CdtDbtInd><Sts>"))
    (error,) = validate.validate_path(bad)
    assert error.startswith("line 5: Element 'CdtDbtInd'") and "CRDIT" in error


@pytest.mark.parametrize("message", ["053", "054"])
def test_camt_001_14_has_its_schema(message: str, tmp_path: Path) -> None:
    """.001.14 (ISO 2026): the official schema is bundled; a v08 fixture renamed to it is valid."""
    name = {"053": "genkgo-camt053-v08.xml", "054": "genkgo-camt054-v08-uetr.xml"}[message]
    path = tmp_path / name
    path.write_bytes((SAMPLES / "camt" / name).read_bytes().replace(
        f"camt.{message}.001.08".encode(), f"camt.{message}.001.14".encode()))
    assert f"camt.{message}.001.14" in validate.bundled_versions()
    assert validate.validate_path(path) == []
    assert len(list(formats.parse_path(path).entries())) == 1


def test_validate_streams_large_files_without_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    samples = [p for p in CORPUS if p.name == "iso20022js-abnamro-camt053-v02.xml"]
    if not samples:
        pytest.skip("conformance corpus not present")
    monkeypatch.setattr(validate, "_IN_MEMORY_MAX", 0)
    errors = validate.validate_path(samples[0])
    assert len(errors) == 7 and all("Ustrd" in e and "204" in e for e in errors)


def test_validate_without_a_bundled_schema(tmp_path: Path) -> None:
    for name, data in [
        ("nons.xml", document(ntry(), ns=False)),
        ("v09.xml", document(ntry(), ver="09")),
        ("c052.xml", document(ntry(), msg="52")),
    ]:
        path = tmp_path / name
        path.write_bytes(data)
        (message,) = validate.validate_path(path)
        assert "no bundled schema" in message


def test_validate_envelope_and_hostile(tmp_path: Path) -> None:
    ns = NS.format(msg="54", ver="08")
    path = tmp_path / "env.xml"
    path.write_text(
        f'<Envelope><AppHdr xmlns="urn:iso:std:iso:20022:tech:xsd:head.001.001.02"/>'
        f'<Document xmlns="{ns}"><BkToCstmrDbtCdtNtfctn/></Document></Envelope>'
    )
    assert validate.validate_path(path) and "GrpHdr" in validate.validate_path(path)[0]
    xxe = tmp_path / "xxe.xml"
    xxe.write_text(f'<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><Document xmlns="{ns}">&x;</Document>')
    (message,) = validate.validate_path(xxe)
    assert "DOCTYPE" in message and "root:" not in message


# ---------------------------------------------------------------------------------------------
# 4. Streaming: memory does not grow with the file

_ENTRY_TEMPLATE = (
    '<Ntry><NtryRef>{i}</NtryRef><Amt Ccy="EUR">{i}.{c:02d}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
    "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2025-01-02</Dt></BookgDt><ValDt><Dt>2025-01-02</Dt></ValDt>"
    "<AcctSvcrRef>REF{i:09d}</AcctSvcrRef>"
    "<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>"
    "<NtryDtls><TxDtls><Refs><EndToEndId>E2E-{i}</EndToEndId></Refs>"
    '<Amt Ccy="EUR">{i}.{c:02d}</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
    "<RltdPties><Dbtr><Pty><Nm>Customer {i} GmbH</Nm></Pty></Dbtr>"
    "<DbtrAcct><Id><IBAN>DE02120300000000202051</IBAN></Id></DbtrAcct></RltdPties>"
    "<RmtInf><Ustrd>Invoice INV-{i:08d}</Ustrd><Strd><RfrdDocInf><Nb>INV-{i:08d}</Nb></RfrdDocInf>"
    '<RfrdDocAmt><RmtdAmt Ccy="EUR">{i}.{c:02d}</RmtdAmt></RfrdDocAmt></Strd></RmtInf>'
    "</TxDtls></NtryDtls></Ntry>\n"
)


def write_statement(path: Path, entries: int) -> None:
    """A camt.053 of `entries` entries, written chunk by chunk (nothing big in memory)."""
    with path.open("w", encoding="utf-8") as out:
        out.write(document("", header=HEADER).decode().split("</Stmt>")[0])
        for start in range(0, entries, 500):
            out.write("".join(_ENTRY_TEMPLATE.format(i=i, c=i % 100) for i in range(start, min(entries, start + 500))))
        out.write("</Stmt></BkToCstmrStmt></Document>\n")


def _peak_python_memory(path: Path) -> tuple[int, int]:
    """(entries seen, tracemalloc peak) while consuming every record without keeping it."""
    count = 0
    tracemalloc.start()
    try:
        with path.open("rb") as source:
            for record in camt.iter_records(source):
                count += isinstance(record, Entry)
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_streaming_python_memory_does_not_grow(tmp_path: Path) -> None:
    small, large = tmp_path / "small.xml", tmp_path / "large.xml"
    write_statement(small, 2_000)  # tracemalloc slows allocation ~3x: keep the files modest
    write_statement(large, 8_000)
    assert large.stat().st_size > 3.9 * small.stat().st_size
    n_small, peak_small = _peak_python_memory(small)
    n_large, peak_large = _peak_python_memory(large)
    assert (n_small, n_large) == (2_000, 8_000)
    assert peak_large < 4 * 1024 * 1024, peak_large  # a few MB, whatever the size
    assert peak_large < 2 * peak_small + 256 * 1024, (peak_small, peak_large)


_RSS_CHILD = """
import sys
from iso20022 import camt
n = 0
with open(sys.argv[1], "rb") as source:
    for record in camt.iter_records(source):
        n += 1
for line in open("/proc/self/status"):
    if line.startswith("VmHWM:"):
        print(n, int(line.split()[1]))
"""


def _peak_rss_kb(path: Path) -> int:
    out = subprocess.run(
        [sys.executable, "-c", _RSS_CHILD, str(path)], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[1])


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_streaming_tree_memory_does_not_grow(tmp_path: Path) -> None:
    """libxml2's tree is invisible to tracemalloc: compare peak RSS of fresh processes."""
    peaks = []
    for entries in (2_000, 16_000):
        path = tmp_path / f"{entries}.xml"
        write_statement(path, entries)
        peaks.append(_peak_rss_kb(path))
    small, large = peaks
    # 14,000 more entries kept in a tree would add ~60 MB; streaming adds next to nothing.
    assert large - small < 12 * 1024, (small, large)  # kB


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")
def test_one_huge_collective_entry_is_not_held_as_a_tree(tmp_path: Path) -> None:
    """40,000 TxDtls in one entry: the Transactions are kept (the Entry needs them), the tree not."""
    detail = (
        '<TxDtls><Refs><EndToEndId>E2E-{i}</EndToEndId></Refs><Amt Ccy="EUR">1.00</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd><RltdPties><Dbtr><Pty><Nm>Payer {i}</Nm><PstlAdr>"
        "<StrtNm>Main Street</StrtNm><BldgNb>1</BldgNb><PstCd>1000</PstCd><TwnNm>Town</TwnNm>"
        "<Ctry>CH</Ctry></PstlAdr></Pty></Dbtr></RltdPties><RmtInf><Strd><CdtrRefInf><Tp><CdOrPrtry>"
        "<Prtry>QRR</Prtry></CdOrPrtry></Tp><Ref>{i:027d}</Ref></CdtrRefInf></Strd></RmtInf></TxDtls>\n"
    )
    peaks = []
    for count in (4_000, 40_000):
        path = tmp_path / f"batch-{count}.xml"
        with path.open("w", encoding="utf-8") as out:
            out.write(document("", header=HEADER).decode().split("</Stmt>")[0])
            out.write(f'<Ntry><Amt Ccy="EUR">{count}.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts><NtryDtls>')
            for start in range(0, count, 1000):
                out.write("".join(detail.format(i=i) for i in range(start, start + 1000)))
            out.write("</NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>\n")
        peaks.append(_peak_rss_kb(path))
    small, large = peaks
    # As a tree the 36,000 more TxDtls would be ~250 MB; as Transactions they are ~40 MB.
    assert large - small < 80 * 1024, (small, large)  # kB
