"""What a format carries of a payment (`Carried`), and the rule that says when a format's
limits removed the evidence a payment's label relies on.

Every writer first decides, field by field, what its format can hold of a payment — the
name cut to the field, the account kinds it has a place for, the remittance text within
its capacity — and records that as a `Carried`. The file is then written from the
`Carried`, and the round-trip tests check that remit's parser reads back exactly that. So
the loss is the format's (decided here, mechanically), and any further difference is the
parser's.

The evidence rule (`evidence_lost`), applied the same way to every format:

  * identity-only scenarios rely on the payer: name_variant on the name, account_noref on
    the account, multi_noref on the account when the payment has one, else on the name;
  * reference scenarios rely on the reference text: every token (split at blanks and X12
    separators) with a digit in the
    original remittance lines, creditor references, structured invoice numbers and an
    informative end-to-end id (not NOTPROVIDED, not the generator's random "E2E…" ids)
    must still be a token of what the format carries. Some rely on the payer as well —
    its account or its full name must survive: ref_typo and po_ref ("customer and amount
    agree", "customer known"), and those whose amount is not what the named invoices ask
    (partial, overpay, discount_expired, bank_fee): accepting a short or long payment
    takes knowing who pays, for a person as for the engine;
  * not-matchable payments rely on nothing: a correct engine leaves them alone anyway.

A name survives when it is the same text up to case, accents and spacing; an account when
it is the same normalized string. Lost payments stay in the file (the engine sees what the
format delivers) and are counted apart: not in the auto-right denominator, but a wrong
automatic application of one still counts as wrong.
"""

from __future__ import annotations

import re
import textwrap
import unicodedata
from dataclasses import dataclass, field

from benchmarks.accuracy.labels import Label
from core.records import InvoiceRef
from reconcile.model import Payment

IDENTITY_ONLY = {"name_variant": "name", "account_noref": "account", "multi_noref": "identity"}
WITH_IDENTITY = frozenset({"ref_typo", "po_ref", "partial", "overpay", "discount_expired", "bank_fee"})
_RANDOM_E2E = re.compile(r"E2E[0-9A-F]{10}")
_SEPARATORS = re.compile(r"[\s*~\\]+")  # blanks, and X12's element and segment separators


@dataclass(frozen=True, slots=True)
class Carried:
    """One payment as a format holds it; `ref` is the booking's bank reference in the file."""

    payment: Payment
    ref: str
    name: str | None
    account: str | None  # normalized as remit stores it: IBAN, "ABA:r:a", "ACH-CO:id"
    lines: tuple[str, ...] = ()  # free text, as written
    references: tuple[str, ...] = ()  # structured creditor references kept as such
    invoices: tuple[InvoiceRef, ...] = ()  # structured invoices kept as such
    e2e: str | None = None
    detail: dict[str, str] = field(default_factory=dict)  # format specifics (SEC code, type code)


def ascii_text(text: str) -> str:
    """Latin text as the US formats take it: accents dropped, other characters removed."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(folded.split())


def cut(text: str | None, width: int) -> str | None:
    """A fixed-width field: the text cut to the width, trailing blanks gone; None if empty."""
    if not text:
        return None
    return text[:width].rstrip() or None


def wrap(texts: list[str], width: int, max_lines: int | None = None) -> list[str]:
    """Texts wrapped at blanks into lines of `width` (longer words are cut), at most
    `max_lines` lines: the rest does not fit the format and is dropped."""
    out: list[str] = []
    for text in texts:
        out += textwrap.wrap(text, width, break_long_words=True, break_on_hyphens=False) or []
    return out[:max_lines] if max_lines is not None else out


def informative_e2e(payment: Payment) -> str | None:
    e2e = payment.end_to_end_id
    if not e2e or e2e == "NOTPROVIDED" or _RANDOM_E2E.fullmatch(e2e):
        return None
    return e2e


def evidence_texts(payment: Payment) -> list[str]:
    """The payment's remittance as free text, in the order formats without structure write
    it: lines, creditor references, invoices ("<number> <amount paid>")."""
    invoices = [f"{i.number} {i.amount:.2f}" if i.amount is not None else i.number for i in payment.invoices]
    return [*payment.remittance, *payment.references, *invoices]


def _tokens(texts: list[str]) -> set[str]:
    out = set()
    for text in texts:
        for token in _SEPARATORS.split(text.upper()):
            token = token.strip(".,;:()\"'")
            if any(c.isdigit() for c in token):
                out.add(token)
    return out


def _name_key(name: str | None) -> str:
    return ascii_text(name or "").upper()


def reference_lost(payment: Payment, carried: Carried) -> bool:
    original = [*payment.remittance, *payment.references, *(i.number for i in payment.invoices)]
    e2e = informative_e2e(payment)
    if e2e:
        original.append(e2e)
    kept = [*carried.lines, *carried.references, *(i.number for i in carried.invoices)]
    if carried.e2e:
        kept.append(carried.e2e)
    return not _tokens(original) <= _tokens(kept)


def name_lost(payment: Payment, carried: Carried) -> bool:
    return bool(payment.payer_name) and _name_key(carried.name) != _name_key(payment.payer_name)


def account_lost(payment: Payment, carried: Carried) -> bool:
    return bool(payment.payer_account) and carried.account != payment.payer_account


def identity_lost(payment: Payment, carried: Carried) -> bool:
    """The payer can no longer be told: neither its account nor its full name survived."""
    account_ok = bool(payment.payer_account) and not account_lost(payment, carried)
    name_ok = bool(payment.payer_name) and not name_lost(payment, carried)
    return not (account_ok or name_ok)


def evidence_lost(label: Label, carried: Carried) -> str | None:
    """What the format removed that the label relies on ("name", "account", "reference",
    "payer"), or None when the label is still fair."""
    p = carried.payment
    if not label.matchable:
        return None
    need = IDENTITY_ONLY.get(label.scenario)
    if need == "name":
        return "name" if name_lost(p, carried) else None
    if need == "account":
        return "account" if account_lost(p, carried) else None
    if need == "identity":
        if p.payer_account:
            return "account" if account_lost(p, carried) else None
        return "name" if name_lost(p, carried) else None
    if reference_lost(p, carried):
        return "reference"
    if label.scenario in WITH_IDENTITY and identity_lost(p, carried):
        return "payer"
    return None


@dataclass(frozen=True, slots=True)
class Rendering:
    """A format's files for one labelled day: what it carries, and what it cannot."""

    format: str
    files: tuple[tuple[str, bytes], ...]  # (file name, content) in ingest order
    carried: tuple[Carried, ...]
    not_carried: tuple[tuple[Payment, str], ...] = ()  # (payment, why)
