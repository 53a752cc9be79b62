"""A small direct-debit book for the tests: customers with invoices and mandates."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import insert

from ledger.db import transaction
from ledger.models import Customer, Invoice

REMIT = [sys.executable, "-m", "cli"]
IBAN_DE = "DE89370400440532013000"
IBAN_FR = "FR1420041010050500013M02606"
ROUTING = "231380104"  # passes the ABA check digit

ORIGINATOR = {
    "REMIT_SEPA_CREDITOR_ID": "DE98ZZZ09999999999",
    "REMIT_SEPA_CREDITOR_NAME": "Remit Demo GmbH",
    "REMIT_SEPA_CREDITOR_IBAN": "DE02120300000000202051",
    "REMIT_SEPA_CREDITOR_BIC": "BYLADEM1001",
    "REMIT_ACH_ORIGIN": "1121042882",
    "REMIT_ACH_COMPANY_ID": "1121042882",
    "REMIT_ACH_COMPANY_NAME": "REMIT DEMO INC",
    "REMIT_ACH_ODFI": "121042882",
}

MANDATES_CSV = f"""mandate_id,customer_id,scheme,account,signed_on,account_type,status
M-EU-1,C-EU,sepa,{IBAN_DE},2026-01-15,,
M-FR-1,C-FR,sepa,{IBAN_FR},2026-02-01,,active
M-US-1,C-US,ach,{ROUTING}:0012345678,2026-03-01,checking,
M-US-2,C-JOE,ach,{ROUTING}:99887766,2026-03-02,savings,
"""


def env(cli_env: dict[str, str]) -> dict[str, str]:
    return {**cli_env, **ORIGINATOR}


def remit(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(REMIT + args, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)


def seed(rt) -> None:  # type: ignore[no-untyped-def]
    """Customers C-EU (GmbH), C-FR, C-US (Inc: CCD), C-JOE (a person: PPD), C-NONE (no mandate)."""
    with transaction(rt.engine) as s:
        s.execute(insert(Customer), [
            {"id": "C-EU", "name": "Muster GmbH"}, {"id": "C-FR", "name": "Dupont SARL"},
            {"id": "C-US", "name": "Globex Inc"}, {"id": "C-JOE", "name": "Joe Average"},
            {"id": "C-NONE", "name": "Nobody Ltd"},
        ])
        rows = [
            ("INV-EU-1", "C-EU", "EUR", 120_00, date(2026, 11, 20)),
            ("INV-EU-2", "C-EU", "EUR", 80_50, date(2026, 11, 30)),
            ("INV-EU-LATER", "C-EU", "EUR", 10_00, date(2026, 12, 31)),  # not due yet
            ("INV-FR-1", "C-FR", "EUR", 45_00, date(2026, 12, 1)),
            ("INV-US-1", "C-US", "USD", 1500_00, date(2026, 11, 25)),
            ("INV-JOE-1", "C-JOE", "USD", 75_25, date(2026, 11, 28)),
            ("INV-NONE-1", "C-NONE", "EUR", 99_00, date(2026, 11, 1)),
        ]
        s.execute(insert(Invoice), [
            {"number": n, "customer_id": c, "currency": ccy, "amount_minor": a, "open_minor": a,
             "issue_date": date(2026, 11, 1), "due_date": due, "status": "open"}
            for n, c, ccy, a, due in rows])


def import_mandates(cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "mandates.csv"
    path.write_text(MANDATES_CSV)
    proc = remit(["mandates", "import", str(path)], env(cli_env), tmp_path)
    assert proc.returncode == 0, proc.stderr
