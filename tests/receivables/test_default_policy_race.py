"""Two reminder runs starting at once both find no default dunning policy and both store it:
one row results, and neither run fails (the unique name decides; the loser takes the
winner's). SQLite and PostgreSQL."""

from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger.models import DunningPolicy
from receivables.reminders import ensure_default_policy


def test_two_runs_storing_the_default_policy_at_once_leave_one(rt) -> None:  # type: ignore[no-untyped-def]
    errors: list[BaseException] = []
    first = Session(rt.engine)
    ensure_default_policy(first, actor="run-1")  # stored, not committed yet

    def second() -> None:
        try:
            with Session(rt.engine) as other, other.begin():
                ensure_default_policy(other, actor="run-2")  # saw none; waits on run 1's row
        except BaseException as error:  # noqa: BLE001 - asserted below
            errors.append(error)

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(0.5)  # it is waiting for the first transaction
    first.commit()
    first.close()
    thread.join(30)
    assert not thread.is_alive() and errors == []
    with Session(rt.engine) as s:
        assert s.scalar(select(func.count()).select_from(DunningPolicy)) == 1
