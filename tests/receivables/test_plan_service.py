"""Payment plans in the ledger: create, credit instalments from applied cash, break, complete."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from ledger.db import transaction
from ledger.models import (
    Application,
    AuditEvent,
    Customer,
    CustomerAccount,
    Instalment,
    Invoice,
    PaymentPlan,
)
from receivables import plan_service as svc
from receivables.plans import Every, PlanConflict, PlanError
from reconcile import manual
from tests.factories import E, camt
from workflows.pipeline import ingest_path

IBAN = "GB29NWBK60161331926819"


def _book(engine) -> None:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        s.execute(insert(Customer).values(id="C1", name="Northwind Traders GmbH"))
        s.execute(insert(Customer).values(id="C2", name="Globex Corporation"))
        s.execute(insert(CustomerAccount).values(customer_id="C1", account=IBAN, source="imported"))
        for number, cust, minor, due in (
            ("INV-1", "C1", 60000, date(2026, 8, 1)),
            ("INV-2", "C1", 30000, date(2026, 7, 1)),
            ("INV-3", "C1", 45500, date(2026, 9, 1)),
            ("INV-9", "C2", 10000, date(2026, 9, 1)),
        ):
            s.execute(
                insert(Invoice).values(
                    number=number,
                    customer_id=cust,
                    currency="EUR",
                    amount_minor=minor,
                    open_minor=minor,
                    issue_date=date(2026, 6, 1),
                    due_date=due,
                )
            )


def _plan(engine, **kw) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    args = {
        "customer_id": "C1",
        "invoice_numbers": ["INV-1", "INV-2"],
        "actor": "test",
        "instalments": 3,
        "first_due": date(2026, 11, 15),
        "every": Every(1, "month"),
        "grace_days": 5,
    }
    args.update(kw)
    with transaction(engine) as s:
        plan = svc.create_plan(s, **args)
        return plan.id, plan.reference


def _instalments(engine, plan_id: int) -> list[tuple[int, int, str]]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        rows = s.scalars(
            select(Instalment).where(Instalment.plan_id == plan_id).order_by(Instalment.seq)
        )
        return [(i.amount_minor, i.paid_minor, i.status) for i in rows]


def _status(engine, plan_id: int) -> str:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return s.get(PaymentPlan, plan_id).status  # type: ignore[union-attr]


def _actions(engine) -> list[str]:  # type: ignore[no-untyped-def]
    with transaction(engine) as s:
        return [
            e.action
            for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))
            if e.action.startswith("plan.")
        ]


def _pay(rt, tmp_path: Path, name: str, *entries: E) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / name
    path.write_bytes(camt("053", list(entries), stmt_id=name))
    result = ingest_path(rt, path, source="upload", actor="test")
    assert result.status == "parsed", result.error


def test_create_splits_the_open_amounts_and_audits(engine) -> None:  # type: ignore[no-untyped-def]
    _book(engine)
    plan_id, ref = _plan(engine)
    assert ref == f"PLAN-{plan_id}"
    assert _instalments(engine, plan_id) == [(30000, 0, "due")] * 3
    with transaction(engine) as s:
        out = svc.plan_json(s, svc.get_plan(s, plan_id))
    assert (out["total"], out["open"], out["paid"], out["next_due_date"]) == (
        "900.00",
        "900.00",
        "0.00",
        "2026-11-15",
    )
    assert [i["due_date"] for i in out["instalments"]] == ["2026-11-15", "2026-12-15", "2027-01-15"]
    assert _actions(engine) == ["plan.create"]


def test_create_refuses_bad_plans(engine) -> None:  # type: ignore[no-untyped-def]
    _book(engine)
    with pytest.raises(PlanError, match="belongs to customer C2"):
        _plan(engine, invoice_numbers=["INV-1", "INV-9"])
    with pytest.raises(PlanError, match="unknown invoice"):
        _plan(engine, invoice_numbers=["INV-404"])
    with pytest.raises(PlanError, match="add up to"):
        _plan(
            engine,
            instalments=None,
            first_due=None,
            amounts=[svc.from_minor(100, "EUR")],
            due_dates=[date(2026, 12, 1)],
        )
    _plan(engine, invoice_numbers=["INV-1"])
    with pytest.raises(PlanConflict, match="already in active plan"):
        _plan(engine, invoice_numbers=["INV-3", "INV-1"])
    with transaction(engine) as s:
        assert len(s.scalars(select(PaymentPlan)).all()) == 1  # nothing of the refused ones


def test_a_payment_quoting_the_plan_pays_instalments_and_completes_it(rt, engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _book(engine)
    plan_id, ref = _plan(engine)
    _pay(
        rt,
        tmp_path,
        "a.xml",
        E("300.00", ref="B1", name="Unknown Payer", text=[f"Instalment {ref}"]),
    )
    assert _instalments(engine, plan_id) == [
        (30000, 30000, "paid"),
        (30000, 0, "due"),
        (30000, 0, "due"),
    ]
    with transaction(engine) as s:
        [app] = s.scalars(select(Application)).all()
        inv = s.get(Invoice, app.invoice_id)
        assert inv is not None and inv.number == "INV-2"  # due first
        assert f"pays plan {ref} instalment 1 of 3 (due 2026-11-15)" in app.reasons
    # The identified customer pays the next instalment without a reference; then the rest.
    _pay(
        rt,
        tmp_path,
        "b.xml",
        E("300.00", ref="B2", name="Northwind Traders GmbH", account=IBAN, text=["thank you"]),
    )
    assert _instalments(engine, plan_id)[1] == (30000, 30000, "paid")
    _pay(
        rt,
        tmp_path,
        "c.xml",
        E("300.00", ref="B3", name="Northwind Traders GmbH", account=IBAN, text=[ref]),
    )
    assert _status(engine, plan_id) == "completed"
    assert _actions(engine) == ["plan.create"] + ["plan.instalment_credited"] * 3 + [
        "plan.completed"
    ]


def test_an_invoice_reference_credits_the_plan_too_and_a_reversal_uncredits(
    rt, engine, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    _book(engine)
    plan_id, _ = _plan(engine)
    _pay(
        rt,
        tmp_path,
        "a.xml",
        E(
            "450.00",
            ref="B1",
            name="Northwind Traders GmbH",
            account=IBAN,
            text=["INV-1 part payment"],
        ),
    )
    assert _instalments(engine, plan_id) == [
        (30000, 30000, "paid"),
        (30000, 15000, "due"),
        (30000, 0, "due"),
    ]
    with transaction(engine) as s:
        tx_id = s.scalars(select(Application.transaction_id)).one()
        manual.unapply(s, transaction_id=tx_id, actor="test", reason="wrong customer")
    with transaction(engine) as s:  # the daily run picks up what happened outside the matcher
        summary = svc.run_plans(s, as_of=date(2026, 11, 16), actor="job")
    assert summary.checked == 1 and summary.broken == []
    assert _instalments(engine, plan_id) == [(30000, 0, "due")] * 3


def test_a_missed_instalment_breaks_the_plan_after_grace(engine) -> None:  # type: ignore[no-untyped-def]
    _book(engine)
    plan_id, ref = _plan(engine)
    with transaction(engine) as s:
        assert (
            svc.run_plans(s, as_of=date(2026, 11, 20), actor="job").broken == []
        )  # grace: to 20 Nov
    with transaction(engine) as s:
        assert svc.run_plans(s, as_of=date(2026, 11, 21), actor="job").broken == [ref]
    assert _status(engine, plan_id) == "broken"
    assert [st for _, _, st in _instalments(engine, plan_id)] == ["missed", "due", "due"]
    assert _actions(engine)[-2:] == ["plan.instalment_missed", "plan.broken"]
    # The invoices are free again: a new plan may take them.
    _plan(engine, invoice_numbers=["INV-1", "INV-2"], first_due=date(2026, 12, 1))


def test_cancel(engine) -> None:  # type: ignore[no-untyped-def]
    _book(engine)
    plan_id, _ = _plan(engine)
    with transaction(engine) as s:
        svc.cancel_plan(s, plan_id, actor="test", note="customer paid elsewhere")
    assert _status(engine, plan_id) == "cancelled"
    with pytest.raises(PlanConflict), transaction(engine) as s:
        svc.cancel_plan(s, plan_id, actor="test")
    with pytest.raises(svc.PlanNotFound), transaction(engine) as s:
        svc.cancel_plan(s, 999, actor="test")


def test_the_cli(engine, cli_env, tmp_path) -> None:  # type: ignore[no-untyped-def]
    import json
    import subprocess
    import sys

    def remit(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "cli", *args],
            check=False,
            env=cli_env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )

    _book(engine)
    proc = remit(
        "plans",
        "create",
        "--customer",
        "C1",
        "--invoice",
        "INV-1",
        "--invoice",
        "INV-3",
        "--instalments",
        "3",
        "--first-due",
        "2026-12-01",
        "--every",
        "14d",
        "--json",
    )
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    assert [i["amount"] for i in plan["instalments"]] == ["351.66", "351.66", "351.68"]
    assert plan["instalments"][1]["due_date"] == "2026-12-15"
    refused = remit(
        "plans",
        "create",
        "--customer",
        "C1",
        "--invoice",
        "INV-1",
        "--instalments",
        "2",
        "--first-due",
        "2026-12-01",
    )
    assert refused.returncode == 2 and "already in active plan" in refused.stderr
    rows = json.loads(remit("plans", "list", "--json").stdout)
    assert [(r["reference"], r["status"], r["next_due_amount"]) for r in rows] == [
        (plan["reference"], "active", "351.66")
    ]
    run = remit("plans", "run", "--as-of", "2026-12-07", "--json")
    assert json.loads(run.stdout)["broken"] == [plan["reference"]], run.stderr
    assert "broken" in remit("plans", "show", str(plan["id"])).stdout


def test_the_daily_job_is_scheduled_when_configured(rt, engine) -> None:  # type: ignore[no-untyped-def]
    from workflows.jobs import PLANS_JOB_ID as JOB_ID
    from workflows.jobs import build_service_scheduler, plans_job
    from workflows.runtime import runtime

    scheduler = build_service_scheduler(
        runtime(rt.settings.model_copy(update={"plans_cron": "15 6 * * *"}))
    )
    assert JOB_ID in [job.id for job in scheduler.get_jobs()]
    assert JOB_ID not in [job.id for job in build_service_scheduler(rt).get_jobs()]
    _book(engine)
    plan_id, _ = _plan(engine, first_due=date(2020, 1, 1))
    plans_job(rt)  # as of today: the 2020 instalments are long missed
    assert _status(engine, plan_id) == "broken"


def test_a_payment_applied_per_its_remittance_advice_credits_the_plan(rt, engine, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _book(engine)
    plan_id, _ = _plan(engine)
    advice = tmp_path / "advice.csv"
    advice.write_text("payer,payment_reference,payment_amount,invoice_number,paid_amount,discount\n"
                      "Northwind Traders GmbH,NW-ADV-1,450.00,INV-1,450.00,\n")
    assert ingest_path(rt, advice, source="upload", actor="test").advices == 1
    _pay(rt, tmp_path, "a.xml", E("450.00", ref="NW-ADV-1", name="First Payments Agent", text=["thanks"]))
    with transaction(engine) as s:
        assert [(a.applied_minor, a.reasons[0][:28]) for a in s.scalars(select(Application))] == [
            (45000, "applied per remittance advic")]
    assert _instalments(engine, plan_id) == [(30000, 30000, "paid"), (30000, 15000, "due"), (30000, 0, "due")]
