"""The `remit` command as scripts use it (DESIGN.md §6)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.factories import E, camt

REMIT = [sys.executable, "-m", "cli"]


def run(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(REMIT + args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def test_ingest_carries_on_past_a_bad_file_and_exits_non_zero(cli_env, tmp_path) -> None:
    good = tmp_path / "good.xml"
    good.write_bytes(camt("053", [E("10.00", ref="G1"), E("5.00", ref="G2")]))
    bad = tmp_path / "bad.xml"
    bad.write_bytes(camt("053", [E("1.00", ref="B1"), E("oops", ref="B2")], stmt_id="S9"))
    later = tmp_path / "later.xml"
    later.write_bytes(camt("054", [E("10.00", ref="G1")], stmt_id="N1"))
    proc = run(["ingest", "--json", str(good), str(bad), str(later), str(good)], cli_env, tmp_path)
    assert proc.returncode == 2, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [(x["file"], x["status"]) for x in lines] == [
        ("good.xml", "parsed"), ("bad.xml", "rejected"), ("later.xml", "parsed"), ("good.xml", "duplicate"),
    ]
    for x in lines:
        assert {"file", "format", "status", "transactions", "applied", "review", "error"} <= x.keys()
    assert lines[0]["transactions"] == 2 and lines[2]["transactions"] == 0
    assert "bad.xml" in lines[1]["error"] and "oops" in lines[1]["error"]
    listed = json.loads(run(["files", "--json"], cli_env, tmp_path).stdout)
    assert [(f["name"], f["status"]) for f in listed] == [("later.xml", "parsed"), ("bad.xml", "rejected"), ("good.xml", "parsed")]


def test_ingest_all_good_exits_zero_with_human_summary(cli_env, tmp_path) -> None:
    f = tmp_path / "s.xml"
    f.write_bytes(camt("053", [E("10.00", ref="G1")]))
    proc = run(["ingest", str(f)], cli_env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "parsed" in proc.stdout and "1 new entries" in proc.stdout


def test_parse_prints_contract_json_and_rejects_with_exit_2(tmp_path) -> None:
    f = tmp_path / "s.xml"
    f.write_bytes(camt("053", [E("10.00", ref="G1", e2e="E1", text=["INV-1"])]))
    proc = subprocess.run(REMIT + ["parse", str(f)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    entry = out["statements"][0]["entries"][0]
    assert (out["format"], entry["amount"], entry["bank_reference"]) == ("camt.053", "10.00", "G1")
    assert entry["transactions"][0]["end_to_end_id"] == "E1"
    junk = tmp_path / "junk.txt"
    junk.write_bytes(b"hello world")
    proc = subprocess.run(REMIT + ["parse", str(junk)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "junk.txt" in proc.stderr and proc.stdout == ""


def test_db_upgrade(cli_env, tmp_path) -> None:
    from alembic.script import ScriptDirectory

    from ledger.migrate import MIGRATIONS

    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    proc = run(["db", "upgrade"], cli_env, tmp_path)
    assert proc.returncode == 0 and f"at revision {head}" in proc.stdout


def test_ingest_json_reports_advice_formats_and_a_refusal_naming_the_line(cli_env, tmp_path) -> None:
    samples = Path(__file__).resolve().parents[2] / "fixtures" / "samples" / "advice"
    bad = tmp_path / "bad-advice.csv"
    bad.write_text("payer,payment_reference,payment_amount,invoice_number,paid_amount,discount\n"
                   "P,R-1,1.00,I-1,1;00,\n")
    proc = run(["ingest", "--json", str(samples / "acme-remittance.820"), str(samples / "payer-advice.csv"),
                str(bad)], cli_env, tmp_path)
    assert proc.returncode == 2, proc.stderr
    x12, csv, refused = (json.loads(line) for line in proc.stdout.splitlines())
    assert (x12["format"], x12["status"], x12["advices"]) == ("x12.820", "parsed", 2)
    assert (csv["format"], csv["status"], csv["advices"]) == ("advice.csv", "parsed", 2)
    assert refused["status"] == "rejected"
    assert "line 2" in refused["error"] and "paid_amount" in refused["error"] and "1;00" in refused["error"]
    human = run(["ingest", str(samples / "payer-advice.csv")], cli_env, tmp_path)
    assert human.returncode == 0 and "duplicate" in human.stdout
