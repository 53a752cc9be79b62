"""The ultimate party of a transaction as stored: trailing lines of its remittance.

Why lines and not a column: bank_transactions has no column for it, and a schema migration
was not to be had (issue 12); the remittance is the text a reviewer reads with the payment,
where "Ultimate party: Harbour Foods Ltd" belongs too. The lines say no more than the payer
could say anyway: the originator fills UltmtDbtr as freely as its remittance text.

    with_ultimate(("INV 1",), "Harbour Foods", "10042")
        -> ("INV 1", "Ultimate party: Harbour Foods", "Ultimate party id: 10042")
    split_ultimate(that) -> (("INV 1",), "Harbour Foods", "10042")
"""

from __future__ import annotations

from collections.abc import Sequence

NAME_LINE = "Ultimate party: "
ID_LINE = "Ultimate party id: "


def with_ultimate(lines: tuple[str, ...], name: str | None, party_id: str | None) -> tuple[str, ...]:
    """The remittance lines to store: the ultimate party's name and id appended, if any."""
    if name is None and party_id is None:
        return lines
    extra = ((NAME_LINE + name,) if name else ()) + ((ID_LINE + party_id,) if party_id else ())
    return lines + extra


def split_ultimate(lines: Sequence[str]) -> tuple[tuple[str, ...], str | None, str | None]:
    """(the remittance without them, name, id): with_ultimate undone."""
    rest = list(lines)
    party_id = name = None
    if rest and rest[-1].startswith(ID_LINE):
        party_id = rest.pop()[len(ID_LINE):] or None
    if rest and rest[-1].startswith(NAME_LINE):
        name = rest.pop()[len(NAME_LINE):] or None
    return tuple(rest), name, party_id
