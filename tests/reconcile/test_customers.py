from __future__ import annotations

from reconcile.customers import CustomerIndex, Method, looks_truncated
from reconcile.model import MatchSettings

from .builders import customer

S = MatchSettings()
PEOPLE = CustomerIndex([
    customer("C1", "Acme Manufacturing Inc", "DE89370400440532013000", aliases=("ACME PAYMENTS DEPT",)),
    customer("C2", "Acme Holdings GmbH"),
    customer("C3", "Globex Corporation", "SHARED-1"),
    customer("C4", "Globex Logistics Ltd", "SHARED-1"),
    customer("C5", "Northwind Trading International Holdings Europe BV"),
    customer("C6", "Lakeside Technology BV"),
    customer("C7", "Lakeside Technologies BV"),
    customer("C8", "Peter Murdoch"),
    customer("C9", "Initech Systems LLC"),
    customer("C10", "Initech Systemz LLC"),
])


def who(account: str | None, name: str | None) -> tuple[str, Method] | None:
    hit = PEOPLE.identify(account, name, S).unique
    return (hit.customer_id, hit.method) if hit else None


def test_account_wins_over_name() -> None:
    assert who("DE89370400440532013000", "Globex Corporation") == ("C1", Method.ACCOUNT)


def test_shared_account_is_resolved_by_name_or_stays_ambiguous() -> None:
    assert who("SHARED-1", "GLOBEX CORP") == ("C3", Method.ACCOUNT)
    ident = PEOPLE.identify("SHARED-1", None, S)
    assert ident.unique is None
    assert [h.method for h in ident.hits] == [Method.ACCOUNT_SHARED, Method.ACCOUNT_SHARED]


def test_exact_names_after_normalization_and_aliases() -> None:
    assert who(None, "ACME MFG. CO.") == ("C1", Method.ALIAS)
    assert who(None, "acme payments dept") == ("C1", Method.ALIAS)
    assert who(None, "MURDOCH, PETER") == ("C8", Method.ALIAS)


def test_fuzzy_name_needs_score_and_margin() -> None:
    assert who(None, "Acme Manufactring") == ("C1", Method.NAME)  # one typo
    assert who(None, "Acme") is None  # not a full name of anyone
    # 'Systems' vs 'Systemz': two customers as close -> nobody, but both listed as ambiguous
    ident = PEOPLE.identify(None, "INITECH SYSTEMS", S)
    assert ident.unique == ident.hits[0] and ident.unique.customer_id == "C9"  # exact beats near
    ident = PEOPLE.identify(None, "INITECH SYSTEMX", S)
    assert ident.unique is None and {h.method for h in ident.hits} == {Method.NAME_AMBIGUOUS}


def test_literal_spelling_separates_customers_whose_expanded_names_coincide() -> None:
    assert who(None, "LAKESIDE TECHNOLOGY B.V.") == ("C6", Method.ALIAS)
    assert who(None, "Lakeside Technologies") == ("C7", Method.ALIAS)
    assert who(None, "LAKESIDE TECH") is None  # could be either


def test_truncated_names_match_on_a_prefix() -> None:
    cut = "NORTHWIND TRADING INTERNATIONAL HOL"  # cut by the bank at 35 characters
    assert looks_truncated(cut)
    hit = PEOPLE.identify(None, cut, S).unique
    assert hit is not None and hit.customer_id == "C5" and hit.score == 100
    assert who(None, "NORTHWIND TRADING INTL HOLDINGS EU") == ("C5", Method.NAME)


def test_unknown_names_identify_nobody() -> None:
    assert who(None, "JOHN SMITH") is None
    assert who(None, None) is None
    assert who("XX00UNKNOWN", "") is None


def test_similarity_for_corroboration() -> None:
    score, shown = PEOPLE.similarity("Acme Manufacturing GmbH", "C1")
    assert score == 100 and shown == "Acme Manufacturing Inc"
