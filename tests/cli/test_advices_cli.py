"""`remit advices [--status] [--json]` and `remit advices show ID [--json]`: the advices as
received and what became of them, the same views as GET /api/v1/advices."""

from __future__ import annotations

import json
from pathlib import Path

from tests.ingest.test_cli import run

SAMPLES = Path(__file__).resolve().parents[2] / "fixtures" / "samples" / "advice"


def test_advices_are_listed_and_shown_with_their_lines(cli_env, tmp_path) -> None:
    proc = run(["ingest", str(SAMPLES / "acme-remittance.820"), str(SAMPLES / "payer-advice.csv")], cli_env, tmp_path)
    assert proc.returncode == 0, proc.stderr
    listed = json.loads(run(["advices", "--json"], cli_env, tmp_path).stdout)
    assert len(listed) == 4 and {a["status"] for a in listed} == {"waiting"}  # no payments: all wait
    assert all(a["transaction_id"] is None for a in listed)
    assert json.loads(run(["advices", "--status", "applied,review", "--json"], cli_env, tmp_path).stdout) == []
    globex = json.loads(run(["advices", "--search", "glx-2026", "--json"], cli_env, tmp_path).stdout)
    assert [a["payment_reference"] for a in globex] == ["GLX-20261203-01"]
    assert [a["id"] for a in json.loads(run(["advices", "--search", "INV-3100", "--json"], cli_env,
                                            tmp_path).stdout)] == [listed[-1]["id"]]

    shown = json.loads(run(["advices", "show", str(globex[0]["id"]), "--json"], cli_env, tmp_path).stdout)
    assert (shown["format"], shown["status"], shown["amount"], shown["file"]["name"]) == (
        "advice.csv", "waiting", "1200.00", "payer-advice.csv")
    assert [(ln["invoice_number"], ln["paid"], ln["discount"], ln["invoice_id"]) for ln in shown["lines"]] == [
        ("INV-3001", "700.00", "0.00", None), ("INV-3002", "500.00", "10.00", None)]

    human = run(["advices", "--status", "waiting"], cli_env, tmp_path)
    assert human.returncode == 0 and "GLX-20261203-01" in human.stdout and "no payment yet" in human.stdout
    one = run(["advices", "show", str(globex[0]["id"])], cli_env, tmp_path)
    assert one.returncode == 0 and "INV-3002" in one.stdout and "discount 10.00" in one.stdout
    assert "not here yet" in one.stdout


def test_an_unknown_advice_or_status_is_refused(cli_env, tmp_path) -> None:
    missing = run(["advices", "show", "999"], cli_env, tmp_path)
    assert missing.returncode == 2 and "no remittance advice #999" in missing.stderr
    bad = run(["advices", "--status", "bogus"], cli_env, tmp_path)
    assert bad.returncode == 1 and "--status" in bad.stderr


def test_remit_match_links_an_advice_a_crash_left_waiting(rt, cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.workflows.test_remittance_advice import CSV_HEADER, _book, _pay, _stored_only
    from tests.factories import E

    _book(rt)
    tx = _pay(rt, E("1200.00", ref="GLX-REF-9", name="Unknown Sender Ltd", date="2026-12-03"), "pay.xml")
    _stored_only(rt, (CSV_HEADER + "Globex Corporation,GLX-REF-9,1200.00,INV-3,700.00,\n"
                      "Globex Corporation,GLX-REF-9,1200.00,INV-4,500.00,\n").encode(), "globex.csv")
    first = run(["match", "--json"], cli_env, tmp_path)
    assert first.returncode == 0, first.stderr
    assert {k: json.loads(first.stdout)[k] for k in ("advices", "applied", "review")} == {
        "advices": 1, "applied": 1, "review": 0}
    (advice,) = json.loads(run(["advices", "--json"], cli_env, tmp_path).stdout)
    assert (advice["status"], advice["transaction_id"]) == ("applied", tx)
    again = json.loads(run(["match", "--json"], cli_env, tmp_path).stdout)
    assert (again["advices"], again["applied"], again["review"]) == (0, 0, 0)
    human = run(["match"], cli_env, tmp_path)
    assert human.returncode == 0 and "remittance advices" not in human.stdout
