"""The review queue keeps receivables work apart from what is not (reconcile.queue_kinds): outgoing
debits, bank notices without an amount on a debit batch, and our own payments sent back are
listed under `other`, never in the AR queue; a customer's payment returned stays in it."""

from __future__ import annotations

import json
from pathlib import Path

from ledger.db import transaction
from reconcile import views
from reconcile.dashboard import _open_exceptions
from tests.factories import E, camt
from tests.reconcile.test_cli_cash import run
from workflows.pipeline import ingest_path

NOTICE = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
<BkToCstmrStmt><GrpHdr><MsgId>M-N1</MsgId><CreDtTm>2026-11-21T18:00:00Z</CreDtTm></GrpHdr>
<Stmt><Id>N1</Id><CreDtTm>2026-11-21T18:00:00Z</CreDtTm>
<Acct><Id><IBAN>DE89370400440532013000</IBAN></Id><Ccy>EUR</Ccy></Acct>
<Ntry><Amt Ccy="EUR">900.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-11-21</Dt></BookgDt><ValDt><Dt>2026-11-21</Dt></ValDt><AcctSvcrRef>N-1</AcctSvcrRef>
<BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>ICDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
<NtryDtls>
<TxDtls><Refs><EndToEndId>SAL-1</EndToEndId></Refs><RltdPties><Cdtr><Pty><Nm>Payee One</Nm></Pty></Cdtr></RltdPties></TxDtls>
<TxDtls><Refs><EndToEndId>SAL-2</EndToEndId></Refs><RltdPties><Cdtr><Pty><Nm>Payee Two</Nm></Pty></Cdtr></RltdPties></TxDtls>
</NtryDtls></Ntry></Stmt></BkToCstmrStmt></Document>
"""


def _ingest(rt, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    day1 = camt("053", [
        E("77.70", ref="A1", e2e="IN-1", name="Somebody Unknown", text=["thanks"]),  # AR: no customer
        E("1500.00", ref="A2", e2e="OUT-1", direction="DBIT", name="Supplier GmbH", text=["RG 1"]),  # outgoing
        E("310.00", ref="A3", e2e="IN-2", name="Another Payer", text=["order 5"]),  # AR, returned later
    ], stmt_id="D1")
    day2 = camt("053", [
        E("1500.00", ref="B1", e2e="OUT-1", date="2026-11-21", name="Supplier GmbH", return_reason="AC01"),
        E("310.00", ref="B2", e2e="IN-2", direction="DBIT", date="2026-11-21", name="Another Payer",
          return_reason="AC04"),
    ], stmt_id="D2")
    for name, data in (("d1.xml", day1), ("d2.xml", day2), ("notice.xml", NOTICE)):
        (tmp_path / name).write_bytes(data)
        ingest_path(rt, tmp_path / name, source="test", actor="test")


def test_the_ar_queue_leaves_out_what_is_not_receivables(rt, cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _ingest(rt, tmp_path)
    with transaction(rt.engine) as s:
        ar = views.exceptions(s)
        other = views.exceptions(s, kind="other")
        every = views.exceptions(s, kind="all")
        counts = _open_exceptions(s)
    # AR: the unknown payer, the customer payment that came back (its return), the returned payment
    assert {(x["payer"], x["reason"]) for x in ar} >= {("Somebody Unknown", "no_customer")}
    assert all(x["kind"] == "receivable" and x["kind_note"] is None for x in ar)
    assert ("Another Payer", "returned_payment") in {(x["payer"], x["reason"]) for x in ar}
    # other: our supplier payment sent back, and the no-amount details of the salary batch
    assert sorted((x["payer"], x["reason"], x["amount"]) for x in other) == [
        ("Payee One", "no_amount", None), ("Payee Two", "no_amount", None),
        ("Supplier GmbH", "returned_payment", "1500.00")]
    assert all(x["kind"] == "other" and x["kind_note"].startswith("not receivable") for x in other)
    # the outgoing debit itself is never a review item: ignored, still listed among payments
    assert "OUT-1" not in {x["end_to_end_id"] for x in every if x["reason"] != "returned_payment"}
    assert sorted(x["review_id"] for x in every) == sorted(x["review_id"] for x in ar + other)
    assert counts["total"] == len(ar) and counts["other"] == len(other)

    # the command: the AR queue by default, the rest on request; no crash on an amountless item
    plain = run(["exceptions"], cli_env, tmp_path)
    assert plain.returncode == 0, plain.stderr
    assert "Somebody Unknown" in plain.stdout and "Payee One" not in plain.stdout
    others = run(["exceptions", "--kind", "other"], cli_env, tmp_path)
    assert others.returncode == 0, others.stderr
    assert "Payee One" in others.stdout and "not receivable" in others.stdout
    listed = json.loads(run(["exceptions", "--kind", "all", "--json"], cli_env, tmp_path).stdout)
    assert len(listed) == len(every)
    assert run(["exceptions", "--kind", "nope"], cli_env, tmp_path).returncode == 1
