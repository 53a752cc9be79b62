"""A reviewer's action on many queue items at once: dismiss them (with one reason) or assign
them to someone.

Each item is its own change, audited as if done one by one (reconcile.manual), all in the
caller's one transaction; each runs in a savepoint, so an item that cannot be changed (resolved
by someone else meanwhile, changed since the reviewer loaded the queue, never there) is
reported and left as it was while the others go through. Payments are taken in id order, the
order every other writer locks them in. Never commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger.models import ReviewItem
from reconcile import manual
from reconcile.apply import ApplicationError, StaleVersion

MAX_ITEMS = 500  # in one bulk action


@dataclass(frozen=True, slots=True)
class Outcome:
    transaction_id: int
    ok: bool
    message: str


def _why_not(session: Session, transaction_id: int, error: ApplicationError) -> str:
    """What a person needs to hear about an item that was not changed."""
    latest = session.execute(
        select(ReviewItem.status, ReviewItem.actor)
        .where(ReviewItem.transaction_id == transaction_id)
        .order_by(ReviewItem.id.desc())
        .limit(1)
    ).one_or_none()
    if latest is not None and latest.status != "open":
        return f"already {latest.status}" + (f" by {latest.actor}" if latest.actor else "")
    if isinstance(error, StaleVersion):
        return "changed since you loaded the queue: reload it and look again"
    return str(error)


def _each(
    session: Session,
    transaction_ids: Iterable[int],
    run: Callable[[int], None],
    done: str,
) -> list[Outcome]:
    ids = sorted(set(transaction_ids))
    if not ids:
        raise ValueError("Select at least one item.")
    if len(ids) > MAX_ITEMS:
        raise ValueError(f"At most {MAX_ITEMS} items at once, not {len(ids)}.")
    outcomes = []
    for transaction_id in ids:
        try:
            with session.begin_nested():
                run(transaction_id)
        except ApplicationError as error:
            why = _why_not(session, transaction_id, error)
            outcomes.append(Outcome(transaction_id, False, why))
        else:
            outcomes.append(Outcome(transaction_id, True, done))
    return outcomes


def dismiss(
    session: Session,
    transaction_ids: Iterable[int],
    *,
    actor: str,
    reason: str,
    versions: Mapping[int, int] | None = None,
) -> list[Outcome]:
    """Dismiss each payment's open review item with `reason` (manual.dismiss, one by one).
    `versions`: the version of each payment the reviewer saw (an item that moved is refused)."""
    reason = reason.strip()
    if not reason:
        raise ValueError("Give a reason for dismissing.")
    seen = versions or {}
    return _each(
        session,
        transaction_ids,
        lambda tx: manual.dismiss(session, transaction_id=tx, actor=actor, reason=reason,
                                  expected_version=seen.get(tx)),
        "dismissed",
    )


def assign(
    session: Session,
    transaction_ids: Iterable[int],
    *,
    actor: str,
    assignee: str | None,
    versions: Mapping[int, int] | None = None,
) -> list[Outcome]:
    """Give each payment's open review item to `assignee` (None: nobody), one audited change
    each (manual.assign)."""
    who = (assignee or "").strip() or None
    seen = versions or {}

    def run(tx: int) -> None:
        manual.assign(session, transaction_id=tx, assignee=who, actor=actor,
                      expected_version=seen.get(tx))

    return _each(session, transaction_ids, run, f"assigned to {who}" if who else "unassigned")
