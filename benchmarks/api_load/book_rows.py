"""The seeded book's rows, built in memory (benchmarks/seed_book.py writes them): every
table's rows in insert order with their ids, consistent with every schema invariant (open =
amount - applied - discount, applied <= payment, one live application per payment/invoice),
with the audit trail and invoice event outbox the real services would have written."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

SEED = 1
AS_OF = date(2026, 3, 16)
OUR_ACCOUNT = "DE89370400440532013000"
_CONSONANTS = "bdfgklmnprstvz"
_VOWELS = "aeiou"
_SECOND = (
    "Industries",
    "Logistics",
    "Foods",
    "Systems",
    "Trading",
    "Supply",
    "Holdings",
    "Services",
    "Manufacturing",
    "Technologies",
    "Medical",
    "Packaging",
    "Metals",
)
_LEGAL = ("Inc", "LLC", "Corp", "GmbH", "AG", "SA", "BV", "Ltd")
_TERMS = ("net 30", "2/10 net 30", "1%15 net 45", "net 45")
_REVIEW_REASONS = (
    "ambiguous",
    "no_customer",
    "short_pay",
    "partial_payment",
    "unknown_reference",
    "over_payment",
)


@dataclass(frozen=True)
class BookSize:
    customers: int
    invoices: int
    payments: int


def _word(rng: random.Random) -> str:
    return "".join(
        rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(rng.randint(2, 3))
    ).capitalize()


def _key(*parts: object) -> str:
    # Same shape as the ingest dedupe keys (a SHA-256 hex digest), unique per entry.
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()


def _fmt(minor: int) -> str:
    """Minor units as a decimal string (EUR): never through a float."""
    return f"{minor // 100}.{minor % 100:02d}"


def build_rows(size: BookSize, seed: int = SEED) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows, in insert (foreign key) order, ids assigned here."""
    rng = random.Random(seed)
    now = datetime(2026, 3, 16, 18, 0, tzinfo=UTC)
    rows: dict[str, list[dict[str, Any]]] = {
        name: []
        for name in (
            "customers",
            "customer_accounts",
            "invoices",
            "bank_files",
            "statements",
            "bank_entries",
            "bank_entry_sightings",
            "bank_transactions",
            "applications",
            "review_items",
            "invoice_events",
            "audit_events",
        )
    }
    audit = rows["audit_events"]

    def event(
        action: str,
        entity_type: str,
        entity_id: object,
        after: dict[str, Any],
        before: dict[str, Any] | None = None,
        actor: str = "system",
    ) -> None:
        # What the real services write (ledger.audit.record): the invoice and payment views
        # read it back, so a book without its audit trail would flatter them.
        audit.append(
            {
                "id": len(audit) + 1,
                "at": now,
                "actor": actor,
                "action": action,
                "entity_type": entity_type,
                "entity_id": str(entity_id),
                "before": before,
                "after": after,
            }
        )

    names: list[str] = []
    for c in range(size.customers):
        name = f"{_word(rng)} {rng.choice(_SECOND)} {rng.choice(_LEGAL)}"
        names.append(name)
        cid = f"C{c + 1:06d}"
        rows["customers"].append({"id": cid, "name": name, "created_at": now, "updated_at": now})
        rows["customer_accounts"].append(
            {
                "id": c + 1,
                "customer_id": cid,
                "account": f"DE{c + 1:020d}",
                "source": "imported",
                "created_at": now,
            }
        )
        event("customer.created", "customer", cid, {"name": name}, actor="cli:invoices-import")
        event(
            "customer.account_added",
            "customer",
            cid,
            {"account": f"DE{c + 1:020d}", "source": "imported"},
            actor="cli:invoices-import",
        )

    # Invoices: skewed across customers (a few big accounts, a long tail), 4 months of issue dates.
    open_by_customer: dict[int, list[int]] = {}
    invoices = rows["invoices"]
    for i in range(size.invoices):
        c = (
            min(int(rng.paretovariate(1.2)) - 1, size.customers - 1)
            if rng.random() < 0.3
            else rng.randrange(size.customers)
        )
        issue = AS_OF - timedelta(days=rng.randint(1, 120))
        terms = rng.choice(_TERMS)
        amount = rng.randint(5_000, 2_500_000)
        invoices.append(
            {
                "id": i + 1,
                "number": f"INV-{i + 1:07d}",
                "customer_id": f"C{c + 1:06d}",
                "currency": "EUR",
                "amount_minor": amount,
                "open_minor": amount,
                "discount_minor": 0,
                "written_off_minor": 0,
                "issue_date": issue,
                "due_date": issue + timedelta(days=45 if "45" in terms else 30),
                "terms": terms,
                "po_number": f"PO-{rng.randint(10_000, 99_999)}" if rng.random() < 0.3 else None,
                "status": "open",
                "created_at": now,
                "updated_at": now,
            }
        )
        open_by_customer.setdefault(c, []).append(i)
        inv = invoices[-1]
        event(
            "invoice.created",
            "invoice",
            inv["number"],
            {
                "number": inv["number"],
                "customer_id": inv["customer_id"],
                "currency": "EUR",
                "amount": _fmt(amount),
                "open_amount": _fmt(amount),
                "issue_date": issue.isoformat(),
                "due_date": inv["due_date"].isoformat(),
                "terms": terms,
                "po_number": inv["po_number"],
            },
            actor="cli:invoices-import",
        )
    payers = [c for c, items in open_by_customer.items() if items]

    # One daily camt.053 per business day; payments spread over them.
    days = [
        AS_OF - timedelta(days=d)
        for d in range(90, 0, -1)
        if (AS_OF - timedelta(days=d)).weekday() < 5
    ]
    for f, day in enumerate(days, start=1):
        rows["bank_files"].append(
            {
                "id": f,
                "sha256": _key("file", f),
                "name": f"camt053_{day:%Y%m%d}.xml",
                "source": "sftp",
                "size_bytes": 0,
                "archive_path": f"seed/{f}",
                "format": "camt.053",
                "status": "parsed",
                "error": None,
                "warnings": [],
                "statements": 1,
                "entries_new": 0,
                "entries_duplicate": 0,
                "transactions_new": 0,
                "received_at": now,
                "processed_at": now,
            }
        )
        event(
            "bank_file.received",
            "bank_file",
            f,
            {
                "name": f"camt053_{day:%Y%m%d}.xml",
                "sha256": _key("file", f),
                "source": "sftp",
                "size": 0,
            },
            actor="sftp",
        )
        rows["statements"].append(
            {
                "id": f,
                "file_id": f,
                "seq": 0,
                "statement_id": f"STMT-{day:%Y%m%d}",
                "account": OUR_ACCOUNT,
                "currency": "EUR",
                "opening_minor": None,
                "closing_minor": None,
                "from_date": day,
                "to_date": day,
                "balances": [],
            }
        )

    app_id = review_id = 0
    for t in range(1, size.payments + 1):
        f = rng.randrange(len(days)) + 1
        day = days[f - 1]
        roll = rng.random()
        c = rng.choice(payers)
        invoices_paid: list[int] = []
        direction, status, applied = "credit", "unmatched", 0
        discount_by_invoice: dict[int, int] = {}
        if roll < 0.05:  # an outgoing payment: never applied to receivables
            direction, status, amount = "debit", "ignored", rng.randint(10_000, 5_000_000)
        elif roll < 0.85 and open_by_customer[c]:  # applied: one invoice, sometimes two
            for _ in range(2 if rng.random() < 0.15 and len(open_by_customer[c]) > 1 else 1):
                invoices_paid.append(
                    open_by_customer[c].pop(rng.randrange(len(open_by_customer[c])))
                )
            amount = 0
            for i in invoices_paid:
                inv = invoices[i]
                earned = inv["terms"] == "2/10 net 30" and rng.random() < 0.5
                disc = inv["amount_minor"] * 2 // 100 if earned else 0
                discount_by_invoice[i] = disc
                amount += inv["amount_minor"] - disc
            status, applied = "applied", amount
            if not open_by_customer[c]:
                payers.remove(c)
        elif roll < 0.97:
            status, amount = "review", rng.randint(5_000, 2_500_000)
        else:
            amount = rng.randint(5_000, 2_500_000)
        ref = f"BR{day:%Y%m%d}{t:08d}"
        rows["bank_entries"].append(
            {
                "id": t,
                "file_id": f,
                "statement_id": f,
                "account": OUR_ACCOUNT,
                "currency": "EUR",
                "amount_minor": amount,
                "direction": direction,
                "status": "booked",
                "booking_date": day,
                "value_date": day,
                "bank_reference": ref,
                "reversal": False,
                "kind": "sepa",
                "bank_code": "PMNT/RCDT/ESCT",
                "additional_info": None,
                "charges_minor": None,
                "ref_key": _key(OUR_ACCOUNT, ref),
                "e2e_key": None,
                "content_key": None,
                "created_at": now,
            }
        )
        rows["bank_entry_sightings"].append({"entry_id": t, "file_id": f, "status": "booked"})
        numbers = [invoices[i]["number"] for i in invoices_paid]
        rows["bank_transactions"].append(
            {
                "id": t,
                "entry_id": t,
                "seq": 0,
                "amount_minor": amount,
                "currency": "EUR",
                "end_to_end_id": f"E2E-{t:09d}",
                "instruction_id": None,
                "transaction_id": f"TX-{t:09d}",
                "uetr": None,
                "mandate_id": None,
                "check_number": None,
                "counterparty_name": names[c],
                "counterparty_account": f"DE{c + 1:020d}",
                "remittance": [f"Invoice {' '.join(numbers)}"] if numbers else [f"Payment {ref}"],
                "references": [],
                "invoices": [{"number": n, "amount": None} for n in numbers],
                "return_reason": None,
                "return_original_reference": None,
                "return_info": None,
                "change_code": None,
                "change_info": None,
                "applied_minor": applied,
                "match_status": status,
                "version": 1,
            }
        )
        for i in invoices_paid:
            inv = invoices[i]
            disc = discount_by_invoice[i]
            app_id += 1
            rows["applications"].append(
                {
                    "id": app_id,
                    "transaction_id": t,
                    "invoice_id": inv["id"],
                    "currency": "EUR",
                    "applied_minor": inv["amount_minor"] - disc,
                    "discount_minor": disc,
                    "write_off_minor": 0,
                    "write_off_reason": None,
                    "method": "auto",
                    "confidence": 95,
                    "reasons": ["invoice_number_exact", "amount_exact", "payer_account"],
                    "actor": "system",
                    "status": "applied",
                    "created_at": now,
                    "reversed_at": None,
                    "reversed_by": None,
                    "reversal_reason": None,
                }
            )
            state = {"open": _fmt(inv["amount_minor"]), "status": "open"}
            inv.update(open_minor=0, discount_minor=disc, status="paid")
            event(
                "application.created",
                "application",
                app_id,
                before={"invoice": state},
                after={
                    "invoice": {"open": "0.00", "status": "paid"},
                    "transaction_id": t,
                    "applied": _fmt(inv["amount_minor"] - disc),
                    "discount": _fmt(disc),
                    "write_off": "0.00",
                    "write_off_reason": None,
                    "method": "auto",
                    "confidence": 95,
                    "reasons": ["invoice_number_exact", "amount_exact", "payer_account"],
                },
            )
            event_id = f"00000000-0000-4000-8000-{app_id:012d}"
            rows["invoice_events"].append(
                {
                    "id": app_id,
                    "event_id": event_id,
                    "type": "invoice.status_changed",
                    "invoice_id": inv["id"],
                    "invoice_number": inv["number"],
                    "payload": {
                        "event_id": event_id,
                        "type": "invoice.status_changed",
                        "invoice": {
                            "number": inv["number"],
                            "status": "paid",
                            "previous_status": "open",
                        },
                        "cause": "application",
                        "actor": "system",
                        "transaction_id": t,
                    },
                    "created_at": now,
                    "delivery_status": "delivered",
                    "attempts": 1,
                    "next_attempt_at": None,
                    "last_attempt_at": now,
                    "last_response_code": 204,
                    "last_error": None,
                    "delivered_at": now,
                }
            )
        if status == "review":
            review_id += 1
            candidates = [
                {
                    "invoice_numbers": [invoices[i]["number"]],
                    "score": score,
                    "reasons": ["payer_account", "amount_close"],
                }
                for i, score in zip(open_by_customer[c][:3], (72, 61, 48))
            ]
            rows["review_items"].append(
                {
                    "id": review_id,
                    "transaction_id": t,
                    "reason": rng.choice(_REVIEW_REASONS),
                    "explanation": "",
                    "candidates": candidates,
                    "status": "open",
                    "resolution": None,
                    "assignee": None,
                    "actor": None,
                    "created_at": now,
                    "resolved_at": None,
                }
            )
            event(
                "review_item.opened",
                "review_item",
                review_id,
                {"transaction_id": t, "reason": rows["review_items"][-1]["reason"]},
            )
    return rows
