"""The JSON shape of `remit parse` (DESIGN.md §6): amounts as strings, dates ISO 8601."""

from __future__ import annotations

from datetime import date
from typing import Any

from core.money import format_amount
from core.records import Balance, ChangeInfo, Entry, ParsedFile, ReturnInfo, Statement, Transaction


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def return_info_json(ret: ReturnInfo | None) -> dict[str, Any] | None:
    if ret is None:
        return None
    return {
        "reason_code": ret.reason_code,
        "original_reference": ret.original_reference,
        "additional_info": ret.additional_info,
        "original_rdfi": ret.original_rdfi,
        "date_of_death": _day(ret.date_of_death),
        "dishonored_code": ret.dishonored_code,
        "contested_code": ret.contested_code,
    }


def change_info_json(chg: ChangeInfo | None) -> dict[str, Any] | None:
    if chg is None:
        return None
    return {
        "change_code": chg.change_code,
        "corrected_data": chg.corrected_data,
        "original_reference": chg.original_reference,
        "original_rdfi": chg.original_rdfi,
    }


def invoices_json(tx: Transaction) -> list[dict[str, Any]]:
    return [{"number": i.number, "amount": format_amount(i.amount)} for i in tx.invoices]


def transaction_json(tx: Transaction) -> dict[str, Any]:
    ret, chg = tx.return_info, tx.change_info
    return {
        "amount": format_amount(tx.amount),
        "currency": tx.currency,
        "end_to_end_id": tx.end_to_end_id,
        "instruction_id": tx.instruction_id,
        "transaction_id": tx.transaction_id,
        "uetr": tx.uetr,
        "mandate_id": tx.mandate_id,
        "check_number": tx.check_number,
        "counterparty_name": tx.counterparty_name,
        "counterparty_account": tx.counterparty_account,
        "remittance": list(tx.remittance),
        "references": list(tx.references),
        "invoices": invoices_json(tx),
        "return_reason": ret.reason_code if ret else None,
        "return": return_info_json(ret),
        "change_code": chg.change_code if chg else None,
        "change": change_info_json(chg),
    }


def entry_json(entry: Entry) -> dict[str, Any]:
    return {
        "amount": format_amount(entry.amount),
        "currency": entry.currency,
        "direction": entry.direction.value,
        "status": entry.status.value,
        "booking_date": _day(entry.booking_date),
        "value_date": _day(entry.value_date),
        "bank_reference": entry.bank_reference,
        "reversal": entry.reversal,
        "kind": entry.kind.value,
        "bank_code": entry.bank_code,
        "additional_info": entry.additional_info,
        "charges": format_amount(entry.charges),
        "transactions": [transaction_json(t) for t in entry.transactions],
    }


def balance_json(b: Balance) -> dict[str, Any]:
    return {"type": b.type, "amount": format_amount(b.amount), "currency": b.currency, "date": b.date}


def statement_json(st: Statement) -> dict[str, Any]:
    return {
        "id": st.id,
        "account": st.account,
        "currency": st.currency,
        "opening_balance": format_amount(st.opening_balance),
        "closing_balance": format_amount(st.closing_balance),
        "from_date": _day(st.from_date),
        "to_date": _day(st.to_date),
        "balances": [balance_json(b) for b in st.balances],
        "entries": [entry_json(e) for e in st.entries],
    }


def parsed_file_json(name: str, parsed: ParsedFile) -> dict[str, Any]:
    return {
        "file": name,
        "format": parsed.format.value,
        "statements": [statement_json(s) for s in parsed.statements],
        "warnings": [str(w) for w in parsed.warnings],
    }
