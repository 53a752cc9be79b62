"""Constructors of the records the camt builder makes hundreds of thousands of per file.

A frozen dataclass's __init__ sets each field through object.__setattr__ (a name lookup per
field): about half the cost of building a Transaction. These functions make the very same
object (same class, same fields, no __post_init__ to skip) by setting the slots through their
descriptors, with every field given positionally in declaration order.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from core.records import Entry, InvoiceRef, Transaction


def _constructor(cls: type) -> Callable[..., Any]:
    """A function of all of `cls`'s fields, in order, returning `cls(*fields)`."""
    names = [f.name for f in dataclasses.fields(cls)]
    slotted = getattr(cls, "__slots__", ()) == tuple(names) and cls.__dictoffset__ == 0
    if not slotted or hasattr(cls, "__post_init__"):
        return cls  # not the shape this shortcut knows: the class itself
    scope: dict[str, Any] = {"new": object.__new__, "cls": cls}
    body = []
    for i, name in enumerate(names):
        scope[f"set{i}"] = getattr(cls, name).__set__
        body.append(f"    set{i}(obj, {name})\n")
    source = f"def make({', '.join(names)}):\n    obj = new(cls)\n{''.join(body)}    return obj\n"
    exec(source, scope)  # noqa: S102 - the source is made from dataclass field names only
    return scope["make"]  # type: ignore[no-any-return]


make_entry = _constructor(Entry)
make_transaction = _constructor(Transaction)
make_invoice_ref = _constructor(InvoiceRef)
