"""`remit mandates import`: upsert by mandate_id; a bad row is refused with its file line and value."""

from __future__ import annotations

import json

from sqlalchemy import select

from ledger.db import transaction
from ledger.models import AuditEvent, Mandate
from tests.receivables.dd_book import IBAN_DE, MANDATES_CSV, ROUTING, env, remit, seed


def test_import_stores_normalized_accounts_and_upserts(rt, cli_env, tmp_path) -> None:
    seed(rt)
    path = tmp_path / "m.csv"
    path.write_text(MANDATES_CSV)
    proc = remit(["mandates", "import", str(path), "--json"], env(cli_env), tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["created"] == 4
    with transaction(rt.engine) as s:
        stored = {m.mandate_id: m for m in s.scalars(select(Mandate))}
        assert stored["M-EU-1"].account == IBAN_DE and stored["M-EU-1"].account_type is None
        assert stored["M-US-1"].account == f"ABA:{ROUTING}:0012345678"
        assert stored["M-US-1"].account_type == "checking" and stored["M-US-2"].account_type == "savings"
        assert {m.status for m in stored.values()} == {"active"}
    # Again with one mandate deactivated: updated, the rest unchanged, audited.
    path.write_text(MANDATES_CSV.replace("2026-02-01,,active", "2026-02-01,,inactive"))
    proc = remit(["mandates", "import", str(path), "--json"], env(cli_env), tmp_path)
    result = json.loads(proc.stdout)
    assert (result["created"], result["updated"], result["unchanged"]) == (0, 1, 3)
    with transaction(rt.engine) as s:
        assert s.scalar(select(Mandate.status).where(Mandate.mandate_id == "M-FR-1")) == "inactive"
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "mandate")).all()
        assert actions.count("mandate.created") == 4 and actions.count("mandate.updated") == 1


def test_bad_rows_are_refused_by_line_and_value_exit_2(rt, cli_env, tmp_path) -> None:
    seed(rt)
    path = tmp_path / "bad.csv"
    path.write_text(
        "mandate_id,customer_id,scheme,account,signed_on\n"
        f"M-OK,C-EU,sepa,{IBAN_DE},2026-01-01\n"
        "M-IBAN,C-EU,sepa,DE89370400440532013001,2026-01-01\n"  # line 3: IBAN check digits wrong
        "M-ABA,C-US,ach,231380105:123,2026-01-01\n"  # line 4: routing check digit wrong
        f"M-DAY,C-US,ach,{ROUTING}:123,2026-13-01\n"  # line 5: no such date
        f"M-WHO,C-GHOST,sepa,{IBAN_DE},2026-01-01\n"  # line 6: unknown customer
        f"M-SCH,C-EU,bacs,{IBAN_DE},2026-01-01\n"  # line 7
    )
    proc = remit(["mandates", "import", str(path)], env(cli_env), tmp_path)
    assert proc.returncode == 2
    err = proc.stderr
    assert "bad.csv: line 3: account 'DE89370400440532013001'" in err
    assert "bad.csv: line 4: account '231380105:123'" in err and "check digit" in err
    assert "bad.csv: line 5: signed_on '2026-13-01'" in err
    assert "bad.csv: line 6: customer_id 'C-GHOST'" in err
    assert "bad.csv: line 7: scheme 'bacs'" in err
    with transaction(rt.engine) as s:
        assert s.scalars(select(Mandate.mandate_id)).all() == ["M-OK"]


def test_unreadable_file_imports_nothing(rt, cli_env, tmp_path) -> None:
    path = tmp_path / "x.csv"
    path.write_text("id,name\n1,2\n")
    proc = remit(["mandates", "import", str(path)], env(cli_env), tmp_path)
    assert proc.returncode == 2 and "the header lacks mandate_id" in proc.stderr
