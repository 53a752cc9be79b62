"""Property: any arrival order of overlapping files, with repeats, stores each booking once."""

from __future__ import annotations

import io
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from ledger.db import transaction
from ledger.models import BankEntry
from tests.factories import E, camt

bookings = st.lists(
    st.tuples(st.integers(min_value=1, max_value=10_000_000), st.booleans()),  # cents, pending first?
    min_size=1,
    max_size=8,
)


@st.composite
def arrivals(draw):  # type: ignore[no-untyped-def]
    """Bookings, the files that report them (054 subsets, the 053 with all), an arrival order."""
    items = draw(bookings)
    refs = [f"R{i}" for i in range(len(items))]
    files = []
    for n in range(draw(st.integers(min_value=0, max_value=3))):
        chosen = draw(st.lists(st.sampled_from(range(len(items))), unique=True, min_size=1))
        entries = [E(f"{Decimal(items[i][0]).scaleb(-2)}", ref=refs[i], status="PDNG" if items[i][1] else "BOOK")
                   for i in chosen]
        files.append(camt("054", entries, stmt_id=f"N{n}"))
    files.append(camt("053", [E(f"{Decimal(c).scaleb(-2)}", ref=r) for (c, _), r in zip(items, refs)]))
    order = draw(st.lists(st.sampled_from(range(len(files))), min_size=len(files), max_size=len(files) * 2))
    order += [i for i in range(len(files)) if i not in order]  # every file arrives at least once
    return items, refs, files, order


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=arrivals())
def test_every_booking_is_stored_once_with_its_final_status(fresh_runtime, case) -> None:
    items, refs, files, order = case
    rt = fresh_runtime()
    for i in order:
        rt.ingestor().ingest_stream(io.BytesIO(files[i]), name=f"f{i}.xml", source="test")
    with transaction(rt.engine) as s:
        stored = sorted(s.execute(select(BankEntry.bank_reference, BankEntry.amount_minor, BankEntry.status)).all())
    # the evening statement always arrives, so every booking ends booked, once, to the cent
    assert [tuple(r) for r in stored] == sorted((r, c, "booked") for (c, _), r in zip(items, refs))
