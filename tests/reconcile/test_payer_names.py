"""Payer names as banks deliver them: umlauts written out, legal forms spelled any way, names
cut at the network's field length (issue 12)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reconcile.customers import CustomerIndex, Method
from reconcile.engine import match
from reconcile.model import Action, MatchSettings
from reconcile.normalize import name_key

from .builders import customer, invoice, payment

S = MatchSettings()


@pytest.mark.parametrize("a, b", [
    ("Müller Maschinenbau GmbH", "MUELLER MASCHINENBAU G.M.B.H."),
    ("Müller Maschinenbau GmbH", "Muller Maschinenbau"),
    ("Übersee Handel AG", "UEBERSEE HANDEL A.G."),
    ("Schöne Straße KG", "Schoene Strasse K.G."),
    ("Bäcker & Söhne GmbH & Co. KG", "Baecker and Soehne GmbH"),
    ("Acme L.L.C.", "ACME LLC"),
    ("Rossi Plastics AG", "Rossi Plastics Aktiengesellschaft"),  # legal forms written out
    ("Nordic Steel AB", "NORDIC STEEL AKTIEBOLAG"),
    ("Acme Incorporated", "Acme Inc."),
    ("Acme Corp", "Acme Corporation"),
    ("Acme Co.", "ACME COMPANY"),
    ("Acme Ltd", "Acme Limited"),
    ("Globex S.A.", "GLOBEX SA"),
    ("Globex SARL", "Globex S.A.R.L."),
    ("Globex B.V.", "Globex BV"),
    ("Globex N.V.", "Globex NV"),
    ("Globex PLC", "Globex P.L.C."),
    ("Globex S.p.A.", "Globex SpA"),
    ("Globex Srl", "GLOBEX S.R.L."),
    ("Globex Oy", "Globex"),
    ("Globex AB", "Globex A.B."),
    ("Globex AS", "Globex"),
    ("Smith & Jones Ltd", "SMITH AND JONES LIMITED"),
    ("Smith + Jones", "Smith and Jones"),
])
def test_spellings_of_one_name_share_a_key(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize("a, b", [
    ("Müller Maschinenbau", "Maier Maschinenbau"),
    ("Schön Design", "Schein Design"),
    ("Acme Ltd", "Acme Holdings Ltd"),
])
def test_different_names_keep_different_keys(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


# Syllables open with a consonant, as the umlauts in German names do ('Mül-ler', 'Bä-cker').
_SYLLABLE = st.tuples(st.sampled_from("bcdgklmnrstzBMS"), st.sampled_from(["a", "e", "o", "u", "ä", "ö", "ü", "ß"]),
                      st.sampled_from(["", "r", "ll", "ck", "n", " ", " & "]))


@given(st.lists(_SYLLABLE, min_size=1, max_size=8).map(lambda s: "".join("".join(x) for x in s)))
def test_the_key_is_idempotent_and_umlauts_equal_their_digraphs(text: str) -> None:
    key = name_key(text)
    assert name_key(key) == key
    written_out = (text.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue")
                   .replace("Ä", "Ae").replace("Ö", "Oe").replace("Ü", "Ue"))
    assert name_key(written_out) == key


def test_literal_spelling_still_separates_two_customers() -> None:
    people = CustomerIndex([customer("C1", "Mueller Bau GmbH"), customer("C2", "Müller Bau GmbH")])
    assert people.identify(None, "MUELLER BAU", S).unique.customer_id == "C1"  # type: ignore[union-attr]
    assert people.identify(None, "MÜLLER BAU", S).unique.customer_id == "C2"  # type: ignore[union-attr]


# -- names cut by the payment network --------------------------------------------------------

FULL = "Northwind Industrial Supplies GmbH"
PEOPLE = CustomerIndex([
    customer("C1", FULL),
    customer("C2", "Northwind Logistics Ltd"),
    customer("C3", "Contoso Pharmaceuticals International AG"),
    customer("C4", "Contoso Pharmaceuticals Distribution AG"),
    customer("C5", "Fabrikam Consolidated Holdings Incorporated"),
])


@pytest.mark.parametrize("cut", [16, 18, 22, 35, 40])
def test_a_name_cut_at_a_network_length_identifies_its_customer(cut: int) -> None:
    name = "Fabrikam Consolidated Holdings Incorporated"[:cut]
    hit = PEOPLE.identify(None, name.upper(), S).unique
    assert hit is not None and hit.customer_id == "C5" and hit.score == 100


def test_a_cut_at_a_word_boundary_whose_space_was_trimmed() -> None:
    name = "Contoso Pharmaceuticals International AG"[:35]  # mid-word
    assert PEOPLE.identify(None, name, S).unique.customer_id == "C3"  # type: ignore[union-attr]
    cut = FULL[:22].rstrip()  # 'Northwind Industrial S' -- mid-word at 22
    assert PEOPLE.identify(None, cut, S).unique.customer_id == "C1"  # type: ignore[union-attr]
    word = "Fabrikam Consolidated "[:22].rstrip()  # cut after a word: 21 characters left
    assert len(word) == 21
    assert PEOPLE.identify(None, word, S).unique.customer_id == "C5"  # type: ignore[union-attr]


def test_a_cut_prefix_shared_by_two_customers_identifies_nobody() -> None:
    name = "Contoso Pharmaceuticals International AG"[:22]  # 'Contoso Pharmaceutical'
    ident = PEOPLE.identify(None, name, S)
    assert ident.unique is None
    assert {h.customer_id for h in ident.hits} == {"C3", "C4"}
    assert all(h.method is Method.NAME_AMBIGUOUS for h in ident.hits)


def test_a_short_name_at_no_network_length_is_not_taken_for_a_cut() -> None:
    assert PEOPLE.identify(None, "Northwind Industria", S).unique is None  # 19 characters
    # 17 characters could be a cut at 18 after a word, but 'INDUSTR' is no word of C1's name
    assert PEOPLE.identify(None, "Northwind Industr", S).unique is None


def test_engine_applies_on_an_umlaut_spelling_and_a_cut_name() -> None:
    people = [customer("C1", "Müller Maschinenbau GmbH"), customer("C2", "Maier Maschinenbau GmbH"),
              customer("C3", FULL)]
    invoices = [invoice("RE-4711", "C1", "840.00"), invoice("RE-4712", "C2", "840.00"),
                invoice("RE-9001", "C3", "99.10")]
    by_umlaut, cut, decoy = match([
        payment("840.00", "Rechnung RE 4711", name="MUELLER MASCHINENBAU G.M.B.H.", pid=1),
        payment("99.10", "inv 9001", name=FULL[:18].upper(), pid=2),
        # names C2's twin invoice with C1's amount, but pays from C1's name: not C2's to take
        payment("840.00", "RE-4712", name="MUELLER MASCHINENBAU", pid=3),
    ], people, invoices, S)
    assert by_umlaut.action is Action.APPLY and by_umlaut.applied is not None
    assert by_umlaut.applied.allocations[0].invoice_number == "RE-4711"
    assert any("MUELLER MASCHINENBAU" in r for r in by_umlaut.applied.reasons)
    assert cut.action is Action.APPLY and cut.applied is not None
    assert cut.applied.allocations[0].applied == Decimal("99.10")
    assert decoy.action is Action.REVIEW
