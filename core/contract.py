"""The JSON shape of `remit parse` (DESIGN.md §6): amounts as strings, dates ISO 8601.

`parsed_file_json` builds it in memory; `write_parsed_json` writes the same text as
`json.dump(parsed_file_json(...), indent=2, ensure_ascii=False)` straight from a parser's
record stream, one entry at a time, so memory stays flat whatever the file size.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from json.encoder import encode_basestring  # what json.dump uses with ensure_ascii=False
from typing import Any, TextIO

from core.errors import ParseWarning
from core.money import format_amount
from core.records import (
    Balance,
    ChangeInfo,
    Entry,
    Format,
    InvoiceRef,
    ParsedFile,
    Record,
    ReturnInfo,
    Statement,
    Transaction,
)


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
        **ultimate_json(tx),
    }


def ultimate_json(tx: Transaction) -> dict[str, Any]:
    """{"ultimate": {"name", "id"}} when the transaction names an ultimate party, else {}:
    the key is optional, so output for every other transaction stays as it was."""
    if tx.ultimate_name is None and tx.ultimate_id is None:
        return {}
    return {"ultimate": {"name": tx.ultimate_name, "id": tx.ultimate_id}}


def entry_json(entry: Entry) -> dict[str, Any]:
    return {**entry_fields(entry), "transactions": [transaction_json(t) for t in entry.transactions]}


def entry_fields(entry: Entry) -> dict[str, Any]:
    """An entry's JSON without its transactions (which come last: a writer can stream them)."""
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
    }


def balance_json(b: Balance) -> dict[str, Any]:
    return {"type": b.type, "amount": format_amount(b.amount), "currency": b.currency, "date": b.date}


def statement_json(st: Statement) -> dict[str, Any]:
    return {**statement_fields(st), "entries": [entry_json(e) for e in st.entries]}


def statement_fields(st: Statement) -> dict[str, Any]:
    """A statement's JSON without its entries (which come last)."""
    return {
        "id": st.id,
        "account": st.account,
        "currency": st.currency,
        "opening_balance": format_amount(st.opening_balance),
        "closing_balance": format_amount(st.closing_balance),
        "from_date": _day(st.from_date),
        "to_date": _day(st.to_date),
        "balances": [balance_json(b) for b in st.balances],
    }


def parsed_file_json(name: str, parsed: ParsedFile) -> dict[str, Any]:
    return {
        "file": name,
        "format": parsed.format.value,
        "statements": [statement_json(s) for s in parsed.statements],
        "warnings": [str(w) for w in parsed.warnings],
    }


# --- streaming ------------------------------------------------------------------------------
# json.dump with indent runs its pure-Python encoder; these few lines lay out the same text
# (indent 2, "," and ": " separators, no ASCII escaping) for the plain values the contract has.


def dumps(value: Any, indent: str = "") -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)` for dicts, lists, str, int, bool, None,
    with every line after the first indented by `indent`."""
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is dict:
        if not value:
            return "{}"
        inner = indent + "  "
        return "{\n" + _members(value, inner) + "\n" + indent + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = indent + "  "
        if all(type(v) is str for v in value):  # remittance lines, references, warnings
            items = [inner + encode_basestring(v) for v in value]
        else:
            items = [inner + dumps(v, inner) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + indent + "]"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    raise TypeError(f"not a JSON value of the parse contract: {kind.__name__}")


_KEYS: dict[str, str] = {}  # '"key": ' by key: the contract has a few dozen keys


def _key(name: str) -> str:
    found = _KEYS.get(name)
    if found is None:
        found = encode_basestring(name) + ": "
        if len(_KEYS) < 256:
            _KEYS[name] = found
    return found


def _members(fields: dict[str, Any], inner: str) -> str:
    """The "key": value lines of an object whose members sit at indentation `inner`."""
    lines = []
    for name, value in fields.items():
        kind = type(value)
        if kind is str:
            text = encode_basestring(value)
        elif value is None:
            text = "null"
        else:
            text = dumps(value, inner)
        lines.append(inner + _key(name) + text)
    return ",\n".join(lines)


def _open(fields: dict[str, Any], last: str, indent: str) -> str:
    """An object's text up to the '[' of its last member `last` (a list written item by item)."""
    inner = indent + "  "
    return "{\n" + _members(fields, inner) + ",\n" + inner + _key(last) + "["


class _List:
    """A JSON list written one item at a time at a given indentation."""

    __slots__ = ("out", "indent", "count")

    def __init__(self, out: TextIO, indent: str) -> None:
        self.out, self.indent, self.count = out, indent, 0

    def item(self, text: str) -> None:
        self.out.write(("," if self.count else "") + "\n" + self.indent + "  " + text)
        self.count += 1

    def close(self) -> None:
        self.out.write("\n" + self.indent + "]" if self.count else "]")


def write_parsed_json(
    out: TextIO,
    name: str,
    fmt: Format,
    records: Iterable[Record],
    trailer: Callable[[], dict[str, Any]] | None = None,
) -> None:
    """Write `parsed_file_json(name, collect(fmt, records))` as `json.dump(..., indent=2,
    ensure_ascii=False)` would, plus a newline, holding one entry at a time. Members that
    `trailer()` returns (called once the records are read) follow "warnings"."""
    write = out.write
    write(_open({"file": name, "format": fmt.value}, "statements", ""))
    statements = _List(out, "  ")
    entries: _List | None = None
    warnings: list[ParseWarning] = []
    for record in records:
        if type(record) is Entry:
            if entries is None:  # entries before any statement: collect() opens an empty one
                entries = _open_statement(statements, Statement(id=None, account=None))
            # One write per entry: what entries.item(), a _List of its transactions and the
            # closing brace would write in turn.
            transactions = record.transactions
            write(
                ("," if entries.count else "") + _ENTRY_START + _entry_open(record)
                + (_TX_START + _TX_BETWEEN.join(map(_transaction_text, transactions)) + _TX_END
                   if transactions else "]")
                + _ENTRY_END
            )  # fmt: skip
            entries.count += 1
        elif type(record) is Statement:
            if entries is not None:
                _close_statement(entries)
            entries = _open_statement(statements, record)
        else:
            warnings.append(record)  # type: ignore[arg-type]
    if entries is not None:
        _close_statement(entries)
    statements.close()
    tail = {"warnings": [str(w) for w in warnings], **(trailer() if trailer else {})}
    write(",\n" + ",\n".join(f"  {encode_basestring(k)}: {dumps(v, '  ')}" for k, v in tail.items()))
    write("\n}\n")


# Indentation of a statement object (in "statements") and of an entry object (in "entries").
_STATEMENT = " " * 4
_ENTRY = " " * 8


def _open_statement(statements: _List, statement: Statement) -> _List:
    statements.item(_open(statement_fields(statement), "entries", _STATEMENT))
    return _List(statements.out, _STATEMENT + "  ")


def _close_statement(entries: _List) -> None:
    entries.close()
    entries.out.write("\n" + _STATEMENT + "}")


# The hot path of a large file: an entry's and a transaction's text written straight from
# the record, without building the dict (tests/parsers/test_parse_stream.py holds these to
# `dumps(entry_fields(...))` and `dumps(transaction_json(...))` on every sample file).
_enc = encode_basestring
_TX = _ENTRY + "    "  # a transaction object sits at this indentation
_M = ",\n" + _TX + "  "  # between two of its members
_E = ",\n" + _ENTRY + "  "  # between two members of an entry
_LIST = _TX + "  "  # a transaction's lists and nested objects
_INVOICE = ",\n" + _LIST + "    "  # between the two members of an invoice
_ENTRY_START = "\n" + _ENTRY  # an entry in its statement's "entries" list
_ENTRY_END = "\n" + _ENTRY + "}"
_TX_START = "\n" + _TX  # the first transaction in its entry's list
_TX_BETWEEN = ",\n" + _TX
_TX_END = "\n" + _ENTRY + "  ]"


def _entry_open(entry: Entry) -> str:
    """`_open(entry_fields(entry), "transactions", _ENTRY)`."""
    e = entry
    booking, value, info = e.booking_date, e.value_date, e.additional_info
    reference, code, charges = e.bank_reference, e.bank_code, e.charges
    # Amounts are digits, sign and point only: quoted without encode_basestring.
    charges_text = "null" if charges is None else '"' + format(charges, "f") + '"'
    return (
        f'{{\n{_ENTRY}  "amount": "{format(e.amount, "f")}"'
        f'{_E}"currency": {"null" if e.currency is None else _enc(e.currency)}'
        f'{_E}"direction": "{e.direction.value}"{_E}"status": "{e.status.value}"'
        f'{_E}"booking_date": {"null" if booking is None else _enc(booking.isoformat())}'
        f'{_E}"value_date": {"null" if value is None else _enc(value.isoformat())}'
        f'{_E}"bank_reference": {"null" if reference is None else _enc(reference)}'
        f'{_E}"reversal": {"true" if e.reversal else "false"}{_E}"kind": "{e.kind.value}"'
        f'{_E}"bank_code": {"null" if code is None else _enc(code)}'
        f'{_E}"additional_info": {"null" if info is None else _enc(info)}'
        f'{_E}"charges": {charges_text}'
        f'{_E}"transactions": ['
    )


def _transaction_text(tx: Transaction) -> str:
    """`dumps(transaction_json(tx), _TX)`."""
    t = tx
    ret, chg = t.return_info, t.change_info
    amount, currency, e2e = t.amount, t.currency, t.end_to_end_id
    instruction, tx_id, uetr, mandate = t.instruction_id, t.transaction_id, t.uetr, t.mandate_id
    cheque, name, account = t.check_number, t.counterparty_name, t.counterparty_account
    amount_text = "null" if amount is None else '"' + format(amount, "f") + '"'
    return (
        f'{{\n{_TX}  "amount": {amount_text}'
        f'{_M}"currency": {"null" if currency is None else _enc(currency)}'
        f'{_M}"end_to_end_id": {"null" if e2e is None else _enc(e2e)}'
        f'{_M}"instruction_id": {"null" if instruction is None else _enc(instruction)}'
        f'{_M}"transaction_id": {"null" if tx_id is None else _enc(tx_id)}'
        f'{_M}"uetr": {"null" if uetr is None else _enc(uetr)}'
        f'{_M}"mandate_id": {"null" if mandate is None else _enc(mandate)}'
        f'{_M}"check_number": {"null" if cheque is None else _enc(cheque)}'
        f'{_M}"counterparty_name": {"null" if name is None else _enc(name)}'
        f'{_M}"counterparty_account": {"null" if account is None else _enc(account)}'
        f'{_M}"remittance": {_strings(t.remittance)}'
        f'{_M}"references": {_strings(t.references)}'
        f'{_M}"invoices": {_invoices(t.invoices) if t.invoices else "[]"}'
        f"{_NO_RETURN if ret is None else _return_text(ret)}"
        f"{_NO_CHANGE if chg is None else _change_text(chg)}"
        f"{_ultimate_text(t)}"
        f"\n{_TX}}}"
    )


_STRINGS_OPEN = "[\n" + _LIST + "  "  # a list of strings in a transaction
_STRINGS_SEP = ",\n" + _LIST + "  "
_STRINGS_CLOSE = "\n" + _LIST + "]"


def _strings(values: tuple[str, ...]) -> str:
    if not values:
        return "[]"
    if len(values) == 1:
        return _STRINGS_OPEN + _enc(values[0]) + _STRINGS_CLOSE
    return _STRINGS_OPEN + _STRINGS_SEP.join(map(_enc, values)) + _STRINGS_CLOSE


_INVOICE_OPEN = "{\n" + _LIST + '    "number": '
_INVOICE_AMOUNT = _INVOICE + '"amount": '
_INVOICE_CLOSE = "\n" + _LIST + "  }"


def _invoices(invoices: tuple[InvoiceRef, ...]) -> str:
    items = [
        _INVOICE_OPEN + _enc(i.number) + _INVOICE_AMOUNT
        + ("null" if i.amount is None else '"' + format(i.amount, "f") + '"') + _INVOICE_CLOSE
        for i in invoices
    ]  # fmt: skip
    return _STRINGS_OPEN + _STRINGS_SEP.join(items) + _STRINGS_CLOSE


_R = ",\n" + _LIST + "  "  # between two members of a return's or a change's object
_NO_RETURN = _M + '"return_reason": null' + _M + '"return": null'
_NO_CHANGE = _M + '"change_code": null' + _M + '"change": null'


def _return_text(ret: ReturnInfo | None) -> str:
    """The "return_reason" and "return" members: `dumps(return_info_json(ret), _LIST)`."""
    if ret is None:
        return _NO_RETURN
    r = ret
    reason, original, info, rdfi = r.reason_code, r.original_reference, r.additional_info, r.original_rdfi
    death, dishonored, contested = r.date_of_death, r.dishonored_code, r.contested_code
    reason_text = "null" if reason is None else _enc(reason)
    return (
        f'{_M}"return_reason": {reason_text}{_M}"return": {{\n{_LIST}  "reason_code": {reason_text}'
        f'{_R}"original_reference": {"null" if original is None else _enc(original)}'
        f'{_R}"additional_info": {"null" if info is None else _enc(info)}'
        f'{_R}"original_rdfi": {"null" if rdfi is None else _enc(rdfi)}'
        f'{_R}"date_of_death": {"null" if death is None else _enc(death.isoformat())}'
        f'{_R}"dishonored_code": {"null" if dishonored is None else _enc(dishonored)}'
        f'{_R}"contested_code": {"null" if contested is None else _enc(contested)}'
        f"\n{_LIST}}}"
    )


def _change_text(chg: ChangeInfo | None) -> str:
    """The "change_code" and "change" members: `dumps(change_info_json(chg), _LIST)`."""
    if chg is None:
        return _NO_CHANGE
    c = chg
    code, data, original, rdfi = c.change_code, c.corrected_data, c.original_reference, c.original_rdfi
    code_text = "null" if code is None else _enc(code)
    return (
        f'{_M}"change_code": {code_text}{_M}"change": {{\n{_LIST}  "change_code": {code_text}'
        f'{_R}"corrected_data": {"null" if data is None else _enc(data)}'
        f'{_R}"original_reference": {"null" if original is None else _enc(original)}'
        f'{_R}"original_rdfi": {"null" if rdfi is None else _enc(rdfi)}'
        f"\n{_LIST}}}"
    )


def _ultimate_text(t: Transaction) -> str:
    """The optional "ultimate" member: `dumps(ultimate_json(t), _TX)` without its braces."""
    if t.ultimate_name is None and t.ultimate_id is None:
        return ""
    return _M + '"ultimate": ' + dumps(ultimate_json(t)["ultimate"], _TX + "  ")
