"""`remit collect`: one pain.008 (schema-valid) and one NACHA file (read back by remit's own
parser and by achkit), each debit recorded against its invoice; a second run writes nothing new."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import achkit
from lxml import etree
from sqlalchemy import select

from core.records import Direction, Format, collect
from ingest import ach
from iso20022.validate import validate_pain008
from ledger.db import transaction
from ledger.models import AuditEvent, Collection, Invoice
from tests.receivables.dd_book import ROUTING, env, import_mandates, remit, seed

NS = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.008.001.08"}


def _collect(cli_env, tmp_path, day: str = "2026-12-01"):  # type: ignore[no-untyped-def]
    proc = remit(["collect", "--as-of", day, "--out", str(tmp_path / "out"), "--json"], env(cli_env), tmp_path)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout), proc.stderr


def test_collect_writes_valid_files_and_records_each_invoice_once(rt, cli_env, tmp_path) -> None:
    seed(rt)
    import_mandates(cli_env, tmp_path)
    files, stderr = _collect(cli_env, tmp_path)
    by_format = {f["format"]: f for f in files}
    assert by_format["pain.008"]["entries"] == 3 and by_format["pain.008"]["total"] == "245.50"
    assert by_format["pain.008"]["currency"] == "EUR"
    assert by_format["nacha"] == {**by_format["nacha"], "entries": 2, "total": "1575.25", "currency": "USD"}

    # pain.008: valid against the official schema; FRST (first collections), the invoice numbers
    xml = open(by_format["pain.008"]["file"], "rb").read()
    assert validate_pain008(xml) == []
    doc = etree.fromstring(xml)
    assert doc.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:NbOfTxs", namespaces=NS) == "3"
    assert doc.findtext("p:CstmrDrctDbtInitn/p:GrpHdr/p:CtrlSum", namespaces=NS) == "245.50"
    info = doc.findall("p:CstmrDrctDbtInitn/p:PmtInf", NS)
    assert [i.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS) for i in info] == ["FRST"]
    assert info[0].findtext("p:ReqdColltnDt", namespaces=NS) >= "2026-12-01"
    assert sorted(t.findtext("p:RmtInf/p:Ustrd", namespaces=NS) for t in info[0].findall("p:DrctDbtTxInf", NS)) \
        == ["INV-EU-1", "INV-EU-2", "INV-FR-1"]

    # NACHA: remit's own parser and achkit agree on entries, codes, totals and controls
    data = open(by_format["nacha"]["file"], "rb").read()
    lines = data.decode().splitlines()
    assert all(len(line) == 94 for line in lines) and len(lines) % 10 == 0
    parsed = collect(Format.ACH, ach.iter_records(io.BytesIO(data)))
    entries = [e for s in parsed.statements for e in s.entries]
    assert not [w for w in parsed.warnings if "total" in str(w).lower() or "hash" in str(w).lower()]
    assert {e.direction for e in entries} == {Direction.DEBIT}
    assert sorted(e.amount for e in entries) == [Decimal("75.25"), Decimal("1500.00")]
    assert sorted(inv.number for e in entries for t in e.transactions for inv in t.invoices) == ["INV-JOE-1", "INV-US-1"]
    checked = achkit.validate(data.decode())
    assert checked["ok"], checked["errors"]
    other = achkit.parse(data.decode())
    secs = {b["sec"]: b for b in other["batches"]}
    assert set(secs) == {"PPD", "CCD"}  # Joe Average is a consumer, Globex Inc a company
    assert [e["txn_code"] for e in secs["PPD"]["entries"]] == [37]  # savings debit
    assert [e["txn_code"] for e in secs["CCD"]["entries"]] == [27]  # checking debit
    assert secs["CCD"]["entries"][0]["routing"] == ROUTING and secs["CCD"]["entries"][0]["account"] == "0012345678"
    assert secs["CCD"]["entries"][0]["amount_cents"] == 150000

    with transaction(rt.engine) as s:
        rows = s.execute(select(Invoice.number, Collection.status, Collection.sequence, Collection.amount_minor)
                         .join(Invoice, Invoice.id == Collection.invoice_id).order_by(Invoice.number)).all()
        assert [r[0] for r in rows] == ["INV-EU-1", "INV-EU-2", "INV-FR-1", "INV-JOE-1", "INV-US-1"]
        assert {r[1] for r in rows} == {"pending"}
        assert s.scalar(select(Invoice.status).where(Invoice.number == "INV-EU-1")) == "open"  # no cash yet
        assert len(s.scalars(select(AuditEvent).where(AuditEvent.action == "collection.created")).all()) == 5

    # Again for the same date: nothing new; a later date picks up what fell due since, as RCUR.
    again, _ = _collect(cli_env, tmp_path)
    assert again == []
    later, _ = _collect(cli_env, tmp_path, "2026-12-31")
    assert [(f["format"], f["entries"], f["total"]) for f in later] == [("pain.008", 1, "10.00")]
    xml = open(later[0]["file"], "rb").read()
    assert validate_pain008(xml) == []
    assert etree.fromstring(xml).findtext("p:CstmrDrctDbtInitn/p:PmtInf/p:PmtTpInf/p:SeqTp", namespaces=NS) == "RCUR"
    assert later[0]["file"] != by_format["pain.008"]["file"]


def test_collect_without_originator_settings_refuses_and_records_nothing(rt, cli_env, tmp_path) -> None:
    seed(rt)
    import_mandates(cli_env, tmp_path)
    bare = {k: v for k, v in env(cli_env).items() if not k.startswith("REMIT_SEPA_")}
    proc = remit(["collect", "--as-of", "2026-12-01", "--out", str(tmp_path / "out")], bare, tmp_path)
    assert proc.returncode == 2 and "REMIT_SEPA_CREDITOR_ID" in proc.stderr
    assert not list((tmp_path / "out").glob("*"))
    with transaction(rt.engine) as s:
        assert s.scalars(select(Collection)).all() == []
