"""A rejected file is parsed again from the archive after an upgrade (`remit files reprocess ID`,
POST /api/v1/bank-files/{id}/reprocess); the same bytes re-sent say how."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from core.errors import ParseError
from ingest import service
from ledger.db import transaction
from ledger.models import AuditEvent, BankFile, BankTransaction
from ledger.repositories import api_keys
from server.app import create_app
from tests.factories import E, camt
from workflows.pipeline import ingest_stream, reprocess

GOOD = camt("053", [E("120.00", ref="R1", e2e="E1"), E("80.00", ref="R2", e2e="E2")], stmt_id="S1")


def _rejected_by_an_older_parser(rt, monkeypatch) -> int:  # type: ignore[no-untyped-def]
    """Ingest GOOD while the parser cannot read it (as an older version could not)."""
    real = service.iter_records

    def older(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ParseError("record 3: field Amt: value '120.00' not understood", record="3")

    monkeypatch.setattr(service, "iter_records", older)
    first = ingest_stream(rt, io.BytesIO(GOOD), name="day.xml", source="test", actor="test")
    monkeypatch.setattr(service, "iter_records", real)  # the upgrade
    assert first.status == "rejected" and "not understood" in (first.error or "")
    assert first.file_id is not None
    return first.file_id


def test_a_rejected_file_is_parsed_again_after_an_upgrade_once(rt, monkeypatch) -> None:
    file_id = _rejected_by_an_older_parser(rt, monkeypatch)
    again = ingest_stream(rt, io.BytesIO(GOOD), name="day-resent.xml", source="test", actor="test")
    assert (again.status, again.duplicate_of, again.duplicate_of_status) == ("duplicate", file_id, "rejected")
    assert again.hint is not None and f"remit files reprocess {file_id}" in again.hint
    assert again.as_json()["hint"] == again.hint

    done = reprocess(rt, file_id, actor="alice")
    assert done is not None and (done.status, done.file_id, done.transactions) == ("parsed", file_id, 2)
    with transaction(rt.engine) as s:
        row = s.get(BankFile, file_id)
        assert (row.status, row.error, row.format) == ("parsed", None, "camt.053")
        assert s.query(BankTransaction).count() == 2
        actions = [a for (a,) in s.execute(select(AuditEvent.action).where(AuditEvent.entity_type == "bank_file")
                                           .order_by(AuditEvent.id))]
        assert actions == ["bank_file.received", "bank_file.rejected", "bank_file.reprocess", "bank_file.parsed"]
    # once parsed, never parsed twice: nothing more is stored
    twice = reprocess(rt, file_id, actor="alice")
    assert twice is not None and (twice.status, twice.duplicate_of_status) == ("duplicate", "parsed")
    assert twice.hint is None
    with transaction(rt.engine) as s:
        assert s.query(BankTransaction).count() == 2
    assert reprocess(rt, 999_999, actor="alice") is None


def test_a_file_still_unreadable_stays_rejected_with_the_new_reason(rt) -> None:
    bad = ingest_stream(rt, io.BytesIO(b"<Document>"), name="bad.xml", source="test", actor="test")
    assert bad.status == "rejected" and bad.file_id is not None
    again = reprocess(rt, bad.file_id, actor="alice")
    assert again is not None and again.status == "rejected" and "bad.xml" in (again.error or "")
    with transaction(rt.engine) as s:
        assert s.get(BankFile, bad.file_id).status == "rejected"


def test_the_api_reprocesses_by_scope(rt, monkeypatch) -> None:
    file_id = _rejected_by_an_older_parser(rt, monkeypatch)
    with transaction(rt.engine) as s:
        review = api_keys.create(s, name="t", scopes=["treasury:review"])
        reader = api_keys.create(s, name="r", scopes=["ar:read"])
    with TestClient(create_app(rt)) as client:
        url = f"/api/v1/bank-files/{file_id}/reprocess"
        assert client.post(url).status_code == 401
        assert client.post(url, headers={"Authorization": f"Bearer {reader}"}).status_code == 403
        auth = {"Authorization": f"Bearer {review}"}
        assert client.post("/api/v1/bank-files/999999/reprocess", headers=auth).status_code == 404
        done = client.post(url, headers=auth)
        assert done.status_code == 200 and (done.json()["status"], done.json()["transactions"]) == ("parsed", 2)
        again = client.post(url, headers=auth)
        assert again.status_code == 200 and again.json()["status"] == "duplicate"


REMIT = [sys.executable, "-m", "cli"]


@pytest.mark.parametrize("as_json", [True, False])
def test_the_command_says_why_and_exits_2_while_rejected(cli_env, tmp_path: Path, as_json: bool) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_bytes(b"<Document>")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([*REMIT, *args], env=cli_env, cwd=tmp_path, capture_output=True, text=True, timeout=120)

    first = json.loads(run("ingest", "--json", str(bad)).stdout)
    resent = run("ingest", *(["--json"] if as_json else []), str(bad))
    hint = f"remit files reprocess {first['file_id']}"
    assert hint in resent.stdout
    proc = run("files", "reprocess", str(first["file_id"]), *(["--json"] if as_json else []))
    assert proc.returncode == 2 and "bad.xml" in proc.stdout
    missing = run("files", "reprocess", "424242")
    assert missing.returncode == 2 and "no bank file #424242" in (missing.stderr + missing.stdout)
    assert [f["status"] for f in json.loads(run("files", "--json").stdout)] == ["rejected"]
