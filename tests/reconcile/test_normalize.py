from __future__ import annotations

import pytest

from reconcile.normalize import name_key, normalize_name, po_key, ref_key


@pytest.mark.parametrize(("a", "b"), [
    ("ACME MFG", "Acme Manufacturing Inc"),
    ("ACME MFG CO", "Acme Manufacturing Inc."),
    ("Acme Intl Corp", "ACME INTERNATIONAL CORPORATION"),
    ("Acme Inds Ltd", "ACME INDUSTRIES LIMITED"),
    ("Acme Tech SVCS LLC", "Acme Technologies Services"),
    ("Müller & Söhne GmbH & Co. KG", "MULLER AND SOHNE"),
    ("MURDOCH, PETER", "Peter Murdoch"),
    ("The Widget Company", "WIDGET CO"),
    ("Société Générale S.A.", "SOCIETE GENERALE SA"),
    ("Volvo AB", "AB VOLVO"),
    ("Nokia Oyj", "NOKIA"),
    ("Straße GmbH", "STRASSE"),
])
def test_names_that_are_the_same_payer_share_a_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


def test_name_keeps_word_order_for_prefix_comparison() -> None:
    assert normalize_name("Acme Manufacturing International Holdings Inc") == "ACME MANUFACTURING INTERNATIONAL HOLDINGS"


def test_a_name_made_only_of_legal_words_is_kept() -> None:
    assert normalize_name("Company Ltd") == "COMPANY LTD"


def test_different_companies_keep_different_keys() -> None:
    assert name_key("Acme Holdings") != name_key("Acme Manufacturing")


@pytest.mark.parametrize(("text", "key"), [
    ("INV-1042", "1042"),
    ("inv 0001042", "1042"),
    ("Invoice No. 1042", "1042"),
    ("RE: #1042", "1042"),
    ("REF 1042", "1042"),
    ("1042", "1042"),
    ("2024/00.42", "20240042"),  # only leading zeros go: inner ones are part of the number
    ("INV-2024-0042", "20240042"),
    ("SO-2024-001", "SO2024001"),
    ("INV-A123", "INVA123"),  # a prefix is only dropped before a digit
    ("Rechnung 4711", "4711"),
    ("PAYMENT", None),
    ("", None),
])
def test_reference_keys(text: str, key: str | None) -> None:
    assert ref_key(text) == key


def test_po_keys() -> None:
    assert po_key("PO-4500-123") == po_key("P.O. 4500123") == po_key("4500123") == "4500123"
