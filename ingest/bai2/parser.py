"""The BAI2 parser's state: file, group and account levels, their records and trailers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from core import bai_codes as codes
from core.errors import ParseWarning
from core.money import from_minor
from core.digits import is_ascii_digits
from core.records import Balance, Direction, Entry, EntryStatus, Record, Statement, StatementNumber
from ingest.bai2.fields import (
    Fields,
    parse_count,
    parse_currency,
    parse_date,
    parse_funds,
    parse_units,
)
from ingest.bai2.records import Logical
from ingest.bai2.transactions import transaction


@dataclass(slots=True)
class _Account:
    number: str
    currency: str | None
    line: int
    records: int = 0
    total: int = 0  # sum of every amount in its 03 and 16 records, minor units
    balances: dict[str, tuple[int, str]] = field(default_factory=dict)  # code -> (units, raw)
    credits: int = 0  # booked 16 credits, minor units
    debits: int = 0  # booked 16 debits
    details: int = 0  # booked 16 records


@dataclass(slots=True)
class _Group:
    as_of: date
    as_of_raw: str
    currency: str | None
    line: int
    test_only: bool = False  # group status 4: reported for testing, never cash
    us_originator: bool = False  # originator is an ABA routing number: default currency USD
    records: int = 0
    accounts: int = 0
    total: int = 0  # sum of account control totals
    account: _Account | None = None


@dataclass(slots=True)
class _File:
    line: int
    records: int = 0
    groups: int = 0
    total: int = 0  # sum of group control totals
    group: _Group | None = None
    closed: bool = False
    number: StatementNumber | None = None  # the 01 record's file identification number


@dataclass(slots=True)
class Parser:
    file: _File | None = None
    warnings: list[ParseWarning] = field(default_factory=list)
    ids: dict[str, int] = field(default_factory=dict)  # statement id -> times used

    def statement_id(self, base: str) -> str:
        """The same account twice under one as-of date gets "-2", "-3": ids stay unique."""
        seen = self.ids.get(base, 0) + 1
        self.ids[base] = seen
        return base if seen == 1 else f"{base}-{seen}"

    def warn(self, message: str, line: int | None, record: str, name: str | None = None,
             value: str | None = None, *, integrity: bool = False,
             figures: tuple[str, str] | None = None) -> None:
        warning = ParseWarning(message, line=line, record=record, field=name, value=value,
                               integrity=integrity, figures=figures)
        self.warnings.append(warning)

    def drain(self) -> Iterator[ParseWarning]:
        yield from self.warnings
        self.warnings.clear()

    # -- structure ----------------------------------------------------------------------

    def open_file(self, fields: Fields) -> None:
        if self.file is not None and not self.file.closed:
            raise fields.error("a second 01 file header before the 99 file trailer",
                               "record code", "01")
        sender, receiver = fields.next("sender identification"), fields.next("receiver identification")
        created = fields.next("file creation date", required=True)
        parse_date(fields, created, "file creation date")
        fields.next("file creation time")
        file_id = fields.next("file identification number")
        for name in ("physical record length", "block size"):
            fields.next(name)
        version = fields.next("version number")
        if version != "2":
            self.warn("not BAI version 2; read as version 2", fields.line, "01",
                      "version number", version)
        # The file id tells apart the files one sender sends one receiver on one day: its
        # statements carry it, checked at ingest for a repeat or a gap.
        number = (StatementNumber("file", int(file_id), f"{sender}>{receiver} {created}")
                  if is_ascii_digits(file_id or "", 18) else None)
        self.file = _File(line=fields.line, number=number)

    def require_file(self, fields: Fields) -> _File:
        if self.file is None or self.file.closed:
            code = fields.record.code
            where = "after the 99 file trailer" if self.file else "before the 01 file header"
            raise fields.error(f"record {code} {where}", "record code", code)
        return self.file

    def require_group(self, fields: Fields) -> _Group:
        group = self.require_file(fields).group
        if group is None:
            raise fields.error(f"record {fields.record.code} outside a group (no 02 header)",
                               "record code", fields.record.code)
        return group

    def require_account(self, fields: Fields) -> _Account:
        account = self.require_group(fields).account
        if account is None:
            raise fields.error(f"record {fields.record.code} outside an account (no 03 record)",
                               "record code", fields.record.code)
        return account

    def open_group(self, fields: Fields) -> None:
        file = self.require_file(fields)
        if file.group is not None:
            self.close_group(file, fields.line, missing=True)
        fields.next("ultimate receiver identification")
        originator = fields.next("originator identification")
        status = fields.next("group status")
        as_of_raw = fields.next("as-of date", required=True)
        as_of = parse_date(fields, as_of_raw, "as-of date")
        fields.next("as-of time")
        currency = parse_currency(fields, fields.next("currency code"), "currency code")
        if status not in ("", "1"):
            meaning = {"2": "deletion", "3": "correction", "4": "test only"}.get(status, "unknown")
            self.warn(f"group status {status} ({meaning}): not an ordinary update",
                      fields.line, "02", "group status", status)
        file.group = _Group(as_of=as_of, as_of_raw=as_of_raw, currency=currency, line=fields.line,
                            test_only=status == "4",
                            us_originator=bool(re.fullmatch(r"[0-9]{9}", originator or "")))
        file.groups += 1

    def close_account(self, group: _Group, line: int, *, missing: bool) -> None:
        account = group.account
        if account is None:
            return
        if missing:
            self.warn(f"account {account.number} has no 49 account trailer", line, "49")
        self.check_balances(account)
        group.total += account.total
        group.account = None

    def close_group(self, file: _File, line: int, *, missing: bool) -> None:
        group = file.group
        if group is None:
            return
        self.close_account(group, line, missing=missing)
        if missing:
            self.warn(f"group as of {group.as_of_raw} has no 98 group trailer", line, "98")
        file.total += group.total
        file.group = None

    def check_balances(self, account: _Account) -> None:
        """Opening + credits - debits = closing, for an account that gives both balances.

        The pair is the ledger balances 010 / 015; an account without them is checked with
        040 / 045 (opening / closing available: TD Bank's sample, moov-io sample1, reports its
        balances only so). With both pairs only the ledger is checked: float releases move the
        available balances without a detail record (the NatWest and SVB samples). Credits and
        debits are the account's booked 16 details; an account with no details is checked with
        its 100 / 400 total credits / debits summaries when it has both, and not at all
        otherwise (a summary-only report says nothing of the activity). A mismatch is a
        warning naming the account, both figures and the difference.
        """
        balances = account.balances
        for first, last, kind in (("010", "015", "ledger"), ("040", "045", "available")):
            if first in balances and last in balances:
                break
        else:
            return
        if account.details:
            credits, debits, what = account.credits, account.debits, "its 16 details"
        elif "100" in balances and "400" in balances:
            credits, debits = balances["100"][0], balances["400"][0]
            what = "its 100/400 total credits and debits"
        else:
            return
        opening, (closing, raw) = balances[first][0], balances[last]
        expected = opening + credits - debits
        if expected == closing:
            return

        def money(units: int) -> str:
            return str(from_minor(units, account.currency))

        self.warn(
            f"account {account.number} does not add up: opening {kind} ({first}) "
            f"{money(opening)} + credits {money(credits)} - debits {money(debits)} ({what}) = "
            f"{money(expected)}, but the closing {kind} ({last}) is {money(closing)}; "
            f"difference {money(closing - expected)}",
            account.line, "03", f"closing {kind} balance", raw, integrity=True,
            figures=(money(expected), money(closing)))

    # -- records --------------------------------------------------------------------------

    def account(self, fields: Fields) -> Statement:
        group = self.require_group(fields)
        if group.account is not None:
            self.close_account(group, fields.line, missing=True)
        number = fields.next("customer account number", required=True)
        if not number:
            raise fields.error("empty customer account number", "customer account number", number)
        own = parse_currency(fields, fields.next("currency code"), "currency code")
        currency = own or group.currency
        if currency is None and group.us_originator:
            currency = "USD"
            self.warn("no currency code; USD assumed (the originator is an ABA routing number)",
                      fields.line, "03", "currency code", "")
        account = _Account(number=number, currency=currency, line=fields.line)
        group.account = account
        group.accounts += 1
        balances, opening, closing = self.summaries(fields, account, group)
        file_number = self.file.number if self.file else None
        return Statement(
            id=self.statement_id(f"{group.as_of_raw}-{number}"),
            account=number,
            currency=currency,
            opening_balance=opening,
            closing_balance=closing,
            from_date=group.as_of,
            to_date=group.as_of,
            balances=tuple(balances),
            numbers=() if file_number is None else (file_number,),
        )

    def summaries(self, fields: Fields, account: _Account, group: _Group
                  ) -> tuple[list[Balance], Decimal | None, Decimal | None]:
        balances: list[Balance] = []
        while not fields.exhausted():
            code = fields.next("type code")
            if code == "":
                continue  # a defaulted summary, or the empty field before a closing '/'
            if codes.classify(code) is None:
                raise fields.error("not a BAI2 type code (3 digits)", "type code", code)
            raw = fields.next("amount")
            parse_count(fields, fields.next("item count"), "item count")
            parse_funds(fields)
            if raw == "":
                continue
            units = parse_units(fields, raw, "amount")
            account.total += units
            account.balances.setdefault(code, (units, raw))
            if codes.is_balance(code):
                amount = from_minor(units, account.currency)
                balances.append(Balance(code, amount, account.currency, group.as_of.isoformat()))
        by_code = {b.type: b.amount for b in balances}
        return balances, by_code.get("010"), by_code.get("015")

    def detail(self, fields: Fields) -> Entry:
        account = self.require_account(fields)
        group = self.require_group(fields)
        line = fields.line
        code = fields.next("type code", required=True)
        info = codes.classify(code)
        if info is None:
            raise fields.error("not a BAI2 type code (3 digits)", "type code", code)
        raw = fields.next("amount", required=True)
        if raw == "" and code == codes.NON_MONETARY:
            raw = "0"
        units = parse_units(fields, raw, "amount")
        account.total += units
        if units < 0:
            self.warn("negative amount on a 16 record; its direction is taken from the type code",
                      line, "16", "amount", raw)
        funds = parse_funds(fields)
        bank_ref = fields.next("bank reference number") or None
        customer_ref = fields.next("customer reference number") or None
        first = fields.rest_of_segment()
        lines = [t for t in [first, *(s.text for s in fields.later_segments())] if t and t.strip()]
        lines = [t.strip() for t in lines]
        direction, status = self.direction(info, line, code)
        if status is EntryStatus.BOOKED:
            account.details += 1
            if direction is Direction.CREDIT:
                account.credits += abs(units)
            else:
                account.debits += abs(units)
        if group.test_only:
            status = EntryStatus.INFO
        currency = account.currency
        amount = from_minor(abs(units), currency)
        return Entry(
            amount=amount,
            currency=currency,
            direction=direction,
            status=status,
            booking_date=group.as_of,
            value_date=funds.value_date or group.as_of,
            bank_reference=bank_ref,
            reversal=code in codes.RETURN_CODES,
            kind=codes.kind_of(code),
            bank_code=code,
            additional_info=first.strip() if first and first.strip() else None,
            transactions=(
                transaction(code, amount, currency, direction, customer_ref, lines),
            ),
        )

    def direction(self, info: codes.TypeCode, line: int, code: str
                  ) -> tuple[Direction, EntryStatus]:
        if info.direction is None:
            if code != codes.NON_MONETARY:
                self.warn(f"type code {code} ({info.description}) has no direction; "
                          "reported as info", line, "16", "type code", code)
            return Direction.CREDIT, EntryStatus.INFO
        if codes.is_custom(code):
            self.warn(f"bank-defined type code {code}: direction {info.direction.value} taken from "
                      "the BAI range", line, "16", "type code", code)
        return info.direction, EntryStatus.BOOKED

    # -- trailers -------------------------------------------------------------------------

    def controls(self, fields: Fields, where: str, checks: list[tuple[str, str, int]]
                 ) -> int | None:
        """Compare a trailer's fields (read in order) with what the file holds.

        `checks` is (field name, what it counts, the actual value); the first field is the
        control total (signed, minor units, may be blank), the others are counts. Returns the
        reported control total, so that the level above adds up the trailers as sent.
        """
        reported_total: int | None = None
        for index, (name, what, actual) in enumerate(checks):
            raw = fields.next(name)
            if index == 0:
                reported = reported_total = parse_units(fields, raw, name) if raw else None
            else:
                reported = parse_count(fields, raw, name)
            if reported is not None and reported != actual:
                self.warn(f"{where} {what}: the trailer says {reported}, the file has {actual}",
                          fields.line, fields.record.code, name, raw)
        return reported_total

    def account_trailer(self, fields: Fields) -> None:
        group, account = self.require_group(fields), self.require_account(fields)
        reported = self.controls(fields, f"account {account.number}", [
            ("account control total", "control total (sum of its 03 and 16 amounts)",
             account.total),
            ("number of records", "number of records", account.records),
        ])
        if reported is not None:
            account.total = reported
        self.close_account(group, fields.line, missing=False)

    def group_trailer(self, fields: Fields) -> None:
        file, group = self.require_file(fields), self.require_group(fields)
        self.close_account(group, fields.line, missing=True)
        reported = self.controls(fields, f"group as of {group.as_of_raw}", [
            ("group control total", "control total (sum of its account totals)", group.total),
            ("number of accounts", "number of accounts", group.accounts),
            ("number of records", "number of records", group.records),
        ])
        if reported is not None:
            group.total = reported
        self.close_group(file, fields.line, missing=False)

    def file_trailer(self, fields: Fields) -> None:
        file = self.require_file(fields)
        self.close_group(file, fields.line, missing=True)
        self.controls(fields, "file", [
            ("file control total", "control total (sum of its group totals)", file.total),
            ("number of groups", "number of groups", file.groups),
            ("number of records", "number of records", file.records),
        ])
        file.closed = True

    # -- dispatch -------------------------------------------------------------------------

    def feed(self, record: Logical) -> Iterator[Record]:
        """Turn one logical record into records; counts include the record and its 88s."""
        fields = Fields(record)
        code, n = record.code, record.count
        if self.file is None and code != "01":
            raise fields.error("a BAI2 file starts with a 01 file header", "record code", code)
        if code == "01":
            self.open_file(fields)
            self.require_file(fields).records = n
            return
        file = self.require_file(fields)
        file.records += n
        if code == "99":
            self.file_trailer(fields)
            return
        if code == "02":
            self.open_group(fields)
            self.require_group(fields).records = n
            return
        group = self.require_group(fields)
        group.records += n
        if code == "98":
            self.group_trailer(fields)
            return
        if code == "03":
            statement = self.account(fields)
            self.require_account(fields).records = n
            yield statement
            return
        self.require_account(fields).records += n
        if code == "16":
            yield self.detail(fields)
        elif code == "49":
            self.account_trailer(fields)
