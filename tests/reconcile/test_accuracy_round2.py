"""The round-2 labelled day (benchmarks/accuracy/round2.py) tells the truth about its data:
deterministic per seed, every class present, labels consistent with the book, the
not-matchable classes really not matchable, and each class's uniqueness promise kept —
checked from the generated data alone, not from the generator's bookkeeping."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from stdnum import iso11649
from stdnum.ch import esr

from benchmarks.accuracy.round2_book import loose, loose_key
from benchmarks.accuracy_data import (
    ROUND2_MATCHABLE,
    ROUND2_NAMES,
    SETTINGS,
    Dataset,
    count_subsets,
    generate,
    generate_round2,
    number_keys,
)
from core.accounts import normalize_account
from core.records import Direction
from reconcile.model import Action, OpenInvoice, Payment, ReviewReason

ROOT = Path(__file__).resolve().parents[2]
ZERO = Decimal(0)
GRACE = SETTINGS.discount_grace_days


@pytest.fixture(scope="module")
def data() -> Dataset:
    return generate_round2(7, 150, 900)


def _cents(amount: Decimal) -> int:
    return int(amount.scaleb(2))


def _digest(d: Dataset) -> str:
    import hashlib

    labels = [(label.scenario, sorted(label.expected or ()), label.variant) for label in d.labels]
    return hashlib.sha256(repr((d.customers, d.invoices, d.payments, labels)).encode()).hexdigest()


class Book:
    """Lookups over a generated day, built from the dataset only."""

    def __init__(self, d: Dataset) -> None:
        self.d = d
        self.inv = {i.number: i for i in d.invoices}
        self.cust = {c.id: c for c in d.customers}
        self.open_of: dict[str, list[OpenInvoice]] = {}
        for i in d.invoices:
            if i.open_amount > 0:
                self.open_of.setdefault(i.customer_id, []).append(i)
        self.amounts = Counter(i.open_amount for i in d.invoices if i.open_amount > 0)
        self.account_owners: dict[str, set[str]] = {}
        for c in d.customers:
            for a in c.accounts:
                self.account_owners.setdefault(a, set()).add(c.id)

    def alternatives(self, i: OpenInvoice, p: Payment) -> tuple[int, ...]:
        """Open amount, and that less an earned discount on the payment's value date."""
        deadline = i.terms.discount_deadline(i.issue_date) if i.terms else None
        if deadline is None or i.open_amount != i.amount or p.value_date > deadline + timedelta(days=GRACE):
            return (_cents(i.open_amount),)
        return (_cents(i.open_amount), _cents(i.open_amount - i.terms.discount_amount(i.amount, i.currency)))  # type: ignore[union-attr]

    def subsets(self, cid: str, p: Payment) -> int:
        return count_subsets([self.alternatives(i, p) for i in self.open_of.get(cid, [])], _cents(p.amount),
                             SETTINGS.subset_max_invoices)

    def discounted_to(self, amount: Decimal) -> int:
        """Open invoices, paid in full so far, whose amount less its discount is `amount`."""
        return sum(1 for i in self.d.invoices if i.open_amount > 0 and i.open_amount == i.amount and i.terms
                   and i.terms.discount_percent and i.amount - i.terms.discount_amount(i.amount, i.currency) == amount)

    def owners(self, account: str | None) -> set[str]:
        return self.account_owners.get(normalize_account(account) or "", set()) if account else set()

    def top(self, cid: str) -> str:
        return self.cust[cid].parent_id or cid

    def text(self, p: Payment) -> str:
        return " ".join((*p.remittance, *p.references, *(i.number for i in p.invoices))).upper()

    def named(self, p: Payment) -> list[str]:
        """Invoice numbers the payment writes out in full ('INV-10421', or 'Inv 10421'), any case."""
        text = self.text(p)
        tokens = set(re.findall(r"[0-9A-Z][0-9A-Z/\-]*[0-9A-Z]", text))
        tokens |= {f"INV-{n}" for n in re.findall(r"\bINV (\d+)", text)}
        return sorted(t for t in tokens if t in self.inv)


@pytest.fixture(scope="module")
def book(data: Dataset) -> Book:
    return Book(data)


def test_deterministic_for_a_seed_and_day_one_untouched() -> None:
    a, b = generate_round2(3, 60, 300), generate_round2(3, 60, 300)
    assert a == b and _digest(a) == _digest(b)
    assert _digest(generate_round2(4, 60, 300)) != _digest(a)
    assert _digest(generate(3, 60, 300)) != _digest(a)  # a day of its own


def test_deterministic_across_processes() -> None:
    code = ("from benchmarks.accuracy_data import generate_round2; from tests.reconcile.test_accuracy_round2 import _digest; "
            "print(_digest(generate_round2(3, 60, 300)))")
    digests = {
        subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                       env={**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}).stdout.strip()
        for seed in ("1", "2")
    }
    assert digests == {_digest(generate_round2(3, 60, 300))}


def test_every_class_and_currency_appears(data: Dataset) -> None:
    counts = Counter(label.scenario for label in data.labels)
    assert set(counts) == set(ROUND2_NAMES)
    assert counts["zero_padding"] / len(data.payments) == pytest.approx(0.08, abs=0.01)
    assert [p.id for p in data.payments] == list(range(1, len(data.payments) + 1))
    assert all(label.matchable == ROUND2_MATCHABLE[label.scenario] for label in data.labels)
    assert {p.currency for p in data.payments} == {"EUR", "USD", "GBP", "CHF"}
    variants = [label.variant for label in data.labels]
    for shape in ("range:bis", "range:thru", "pad:qr", "pad:rf", "pad:pad_removed", "pad:pad_added", "name:cut18",
                  "name:cut22", "name:umlaut", "name:legal_swap", "group:parent_for_child", "fee:GBP", "fee:CHF",
                  "wire:ach_ccd", "wire:fedwire", "cut35", "cut140", "fields:", "late_small", "late_large", "grace:",
                  "sortcode:dashes", "custno:"):
        assert any(v.startswith(shape) for v in variants), shape
    assert any(v.startswith(("group:two_related", "group:child_and_parent")) for v in variants)


def test_book_is_consistent(data: Dataset, book: Book) -> None:
    owner: dict[str, str] = {}
    for doc in [i.number for i in data.invoices] + sorted({i.po_number for i in data.invoices if i.po_number}) \
            + [c.id for c in data.customers]:
        for key in number_keys(doc):
            assert owner.setdefault(key, doc) == doc, (key, doc, owner[key])
    assert len({loose_key(c.name) for c in data.customers}) == len(data.customers)
    for c in data.customers:
        assert all(normalize_account(a) == a for a in c.accounts)
        if c.parent_id:
            assert c.parent_id in book.cust and book.cust[c.parent_id].parent_id is None
    shared = {a for a, cids in book.account_owners.items() if len(cids) > 1}
    assert shared, "accounts shared by several customers are part of the day"
    for i in data.invoices:
        assert ZERO <= i.open_amount <= i.amount and i.amount == i.amount.quantize(Decimal("0.01"))
    assert any(i.number.startswith("INV-000") for i in data.invoices)  # the zero-padded house style
    gbp = [a for c in data.customers for a in c.accounts if a.isdigit() and len(a) == 14]
    assert gbp, "GBP customers with sort-code accounts"


def test_labels_are_consistent(data: Dataset, book: Book) -> None:
    for p, label in zip(data.payments, data.labels):
        assert p.amount > 0 and p.direction == Direction.CREDIT
        if not label.matchable:
            assert label.expected is None and label.expect_action == Action.REVIEW
            continue
        rows = [(book.inv[n], a, d, w) for n, a, d, w in label.expected or ()]
        assert rows, label
        customers = {i.customer_id for i, *_ in rows}
        if label.scenario == "parent_pays":
            assert len({book.top(c) for c in customers}) == 1
        else:
            assert len(customers) == 1, label
        assert sum((a for _, a, _, _ in rows), ZERO) == p.amount, label
        for i, applied, disc, wo in rows:
            assert i.open_amount > 0 and i.currency == p.currency and applied > 0
            settled = applied + disc + wo
            late = label.variant.startswith("late_") or label.scenario == "partial_clear_ref"
            assert settled < i.open_amount if late else settled == i.open_amount, label
            assert (wo > 0) == (label.scenario == "fee_absolute")
            assert (disc > 0) == label.variant.startswith("grace:")
            if wo:
                assert wo <= SETTINGS.fee_tolerance_for(p.currency)
                assert wo != i.terms.discount_amount(i.amount, i.currency)  # type: ignore[union-attr]
            if label.scenario == "late_discount":
                deadline = i.terms.discount_deadline(i.issue_date)  # type: ignore[union-attr]
                days = (p.value_date - deadline).days
                assert i.open_amount - p.amount == i.terms.discount_amount(i.amount, i.currency)  # type: ignore[union-attr]
                assert (1 <= days <= GRACE) if disc else days > GRACE
                assert label.expect_reason == (None if disc else ReviewReason.DISCOUNT_EXPIRED)
            if label.scenario == "partial_clear_ref":
                assert i.open_amount - p.amount > SETTINGS.fee_tolerance_for(p.currency)
                assert book.amounts[p.amount] == 0


def test_reference_shapes_say_what_the_label_says(data: Dataset, book: Book) -> None:
    for p, label in zip(data.payments, data.labels):
        numbers = sorted(n for n, *_ in label.expected or ())
        text = book.text(p)
        if label.scenario == "ref_range":
            invs = [book.inv[n] for n in numbers]
            values = sorted(int(re.findall(r"\d+", n)[-1]) for n in numbers)
            assert values == list(range(values[0], values[0] + len(values))), numbers
            style = re.sub(r"\d", "9", numbers[0])
            inside = [i for i in data.invoices if re.sub(r"\d", "9", i.number) == style
                      and values[0] <= int(re.findall(r"\d+", i.number)[-1]) <= values[-1]]
            assert sorted(i.number for i in inside) == numbers  # nothing else lies in the range
            assert len({i.customer_id for i in invs}) == 1 and len(invs) >= 2
        if label.scenario in ("ref_range", "ref_short_list"):
            if len(numbers) > 2:
                assert len(set(book.named(p)) & set(numbers)) < len(numbers)  # not every number written out
        if label.scenario == "ref_split_lines" and label.variant.startswith("cut"):
            width = int(label.variant[3:])
            (number,) = numbers
            lines = [line.upper() for line in p.remittance]
            cut = [i for i in range(len(lines) - 1) if len(lines[i]) == width and number in lines[i] + lines[i + 1]]
            assert cut and not any(number in line for line in lines), (p.remittance, number)
        if label.scenario == "us_wire_text":
            assert re.search(r"\b(ORIG|B/O|ORIG CO NAME)\b", text) and re.search(r"\b(OBI|RFB|IND ID)\b", text)
        if label.scenario == "zero_padding":
            (number,) = numbers
            assert number not in book.named(p)  # never written out as issued
            if label.variant.startswith("pad:qr"):
                (qr,) = [d for d in (re.sub(r"\D", "", t) for t in (*p.references, *p.remittance)) if len(d) == 27]
                assert esr.is_valid(qr) and qr.lstrip("0")[:-1] == re.findall(r"\d+", number)[-1].lstrip("0")
            if label.variant == "pad:rf":
                words = text.split()
                starts = [k for k, w in enumerate(words) if re.fullmatch(r"RF\d\d[0-9A-Z]*", w)]
                assert any(iso11649.is_valid("".join(words[k:k + n])) for k in starts for n in range(1, 9)), text
        if label.scenario == "names_a_pays_ab":
            assert len(numbers) == 2 and len(set(book.named(p)) & set(numbers)) == 1


def test_payer_identity_classes(data: Dataset, book: Book) -> None:
    for p, label in zip(data.payments, data.labels):
        cids = {book.inv[n].customer_id for n, *_ in label.expected or ()}
        if label.scenario == "parent_pays":
            parents = {book.cust[c].parent_id or c for c in cids}
            (parent,) = parents
            assert book.owners(p.payer_account) == {parent} or (p.payer_name or "").upper() == book.cust[parent].name.upper()
            assert cids - {parent}, "a related customer's invoice is paid"
        if label.scenario == "ultimate_debtor":
            (cid,) = cids
            assert not book.owners(p.payer_account)
            assert loose_key(p.ultimate_payer or "") == loose_key(book.cust[cid].name)
        if label.scenario == "customer_number_text":
            (cid,) = cids
            assert not book.owners(p.payer_account)
            assert re.sub(r"\W", "", cid).lstrip("C").lstrip("0") in re.sub(r"\W", "", book.text(p))
            assert book.subsets(cid, p) == 1
        if label.scenario in ("name_forms", "sort_code_dashes"):
            (cid,) = cids
            assert book.amounts[p.amount] == 1 and book.discounted_to(p.amount) == 0
            assert book.subsets(cid, p) == 1
        if label.scenario == "name_forms":
            assert not book.owners(p.payer_account)
            name = p.payer_name or ""
            if label.variant.startswith("name:cut"):
                holders = [c.id for c in data.customers if loose(c.name).startswith(loose(name))]
            else:
                holders = [c.id for c in data.customers if loose_key(c.name) == loose_key(name)]
            assert holders == list(cids) and name != book.cust[holders[0]].name
        if label.scenario == "sort_code_dashes":
            assert book.owners(p.payer_account) == cids and normalize_account(p.payer_account) != p.payer_account


def test_not_matchable_classes_really_are(data: Dataset, book: Book) -> None:
    seen = Counter()
    for p, label in zip(data.payments, data.labels):
        if label.matchable:
            continue
        seen[label.scenario] += 1
        payer = book.owners(p.payer_account)
        if label.scenario == "shared_account":
            assert len(payer) >= 2 and not p.references and not p.invoices
            assert not re.search(r"\d{4}", " ".join(p.remittance))
            assert (p.payer_name or "") not in {c.name.upper() for c in data.customers}
            assert book.amounts[p.amount] <= 1
        if label.scenario == "same_amount":
            (cid,) = payer or {c.id for c in data.customers if c.name.upper() == (p.payer_name or "").upper()}
            twins = [i for i in book.open_of[cid] if i.open_amount == p.amount]
            assert len(twins) >= 2 and book.amounts[p.amount] == len(twins)
            assert not book.named(p)
        if label.scenario == "over_no_cover":
            (number,) = book.named(p)
            inv = book.inv[number]
            assert inv.open_amount * 2 < p.amount and book.subsets(inv.customer_id, p) == 0
        if label.scenario == "fee_vs_discount":
            (number,) = book.named(p)
            inv = book.inv[number]
            short = inv.open_amount - p.amount
            assert not payer and short == inv.terms.discount_amount(inv.amount, inv.currency)  # type: ignore[union-attr]
            assert 0 < short <= SETTINGS.fee_tolerance_for(p.currency)
            assert (p.value_date - inv.terms.discount_deadline(inv.issue_date)).days > GRACE  # type: ignore[union-attr]
    assert set(seen) == {"shared_account", "same_amount", "over_no_cover", "fee_vs_discount"}


def test_engine_never_applies_round2_not_matchable() -> None:
    from benchmarks.accuracy.scoring import score
    from benchmarks.accuracy_data import ROUND2_SCENARIOS
    from reconcile.engine import match

    d = generate_round2(5, 80, 400)
    outcome = score("remit", d, match(list(d.payments), list(d.customers), list(d.invoices)), 0.0, ROUND2_SCENARIOS)
    assert set(outcome.by_scenario) == set(ROUND2_NAMES)
    assert not any(outcome.not_matchable_auto().values()), outcome.not_matchable_auto()
