"""Invoice events to AR systems: webhook delivery of the outbox (ledger/events.py); the feed
they may poll instead is api/invoice_events.py. Delivery is a job: it owns its transactions.

In workflows/: the scheduler (workflows/jobs.py) and `remit webhooks deliver` run it; no route.

Receiving remit's webhooks
--------------------------
Set REMIT_WEBHOOK_URL and REMIT_WEBHOOK_SECRET (production refuses a default or short
secret). For each event remit sends `POST <url>` with the JSON payload described in
ledger/events.py as the body and these headers:

    Content-Type: application/json
    Remit-Event-Id: <uuid4>            the same as the payload's event_id: deduplicate on it
    Remit-Event-Type: invoice.status_changed | invoice.open_amount_changed
    Remit-Event-Sequence: <feed id>    increasing per invoice; also the feed's cursor
    Remit-Timestamp: <unix seconds>    when this attempt was signed
    Remit-Attempt: <1, 2, ...>
    Remit-Signature: v1=<hex HMAC-SHA256(secret, "<Remit-Timestamp>.<raw body>")>

To verify: compute HMAC-SHA256 with the shared secret over the bytes of the timestamp
header, a dot, and the raw request body exactly as received (do not re-serialize the
JSON); compare in constant time with the hex after `v1=`; reject timestamps more than
five minutes from your clock (replays). In Python:

    expected = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    ok = hmac.compare_digest(expected, signature.removeprefix("v1="))
    ok = ok and abs(time.time() - int(ts)) <= 300

Answer any 2xx quickly (within REMIT_WEBHOOK_TIMEOUT_SECONDS, default 10) once the event
is stored; anything else (3xx included: redirects are not followed), a timeout or a
network error is a failed attempt, retried after 30 s, 1, 2, 4 ... min (doubling, at
most 1 h, plus up to 10 % deterministic jitter) until REMIT_WEBHOOK_MAX_ATTEMPTS (default
8); then the event is `failed`: still listed in the feed and /metrics, and an admin can
`POST /api/v1/invoice-events/{id}/redeliver` it. Delivery is at least once: a receiver may
see an event twice (a crash between the POST and recording its answer).

Order: the events of one invoice are delivered strictly in the order they happened (other
invoices are not held up). An event is sent only once every earlier event of its invoice has
been delivered: while one is retrying, the later ones wait; one that failed for good holds
them back too, until an admin redelivers it — then it goes first and the waiting ones follow.
Across instances this holds too: an event is claimed only while no earlier event of its
invoice is still undelivered, and the earlier one's answer is recorded before the claim of
the next. Redelivering an event that was delivered is refused once a later event of its
invoice exists (that one carries the invoice's current state; see api/invoice_events.py).
`Remit-Event-Sequence` increases per invoice: a receiver may also keep the highest it has
applied per invoice and ignore anything lower (e.g. a duplicate after a crash).

Several instances (`remit serve`, `remit worker`, cron running `remit webhooks deliver`) may
run delivery at once: an event is claimed (PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite:
the database write lock) by moving its next_attempt_at forward by a lease, committed, and
only then POSTed; the answer is recorded in a new transaction, only if the claim is still
ours. No database transaction is held open across an HTTP call. A claim whose worker dies
is retried when its lease runs out.

Without REMIT_WEBHOOK_URL the events are still written (they stay `pending`) and the feed
`GET /api/v1/invoice-events?after=<id>` serves them; setting a URL later delivers that
backlog.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import metadata
from typing import Any

import httpx
from sqlalchemy import Engine, exists, or_, select, update
from sqlalchemy.orm import aliased

from core.errors import RemitError
from ledger.db import transaction
from ledger.models import InvoiceEvent
from ledger.types import utc_now
from workflows.runtime import Runtime

log = logging.getLogger("remit.webhooks")

BATCH = 20  # events claimed at once; bounded so a lease stays short
MAX_EVENTS_PER_PASS = 500  # a pass ends after this many attempts; the next pass goes on
BASE_BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(hours=1)
LEASE_MARGIN = timedelta(seconds=60)
SIGNATURE_TOLERANCE_SECONDS = 300
ERROR_SNIPPET = 500  # characters of a failed answer kept in last_error


class WebhookNotConfigured(RemitError):
    """REMIT_WEBHOOK_URL is not set."""


# -- signing --------------------------------------------------------------------------------
def sign(secret: str, timestamp: str, body: bytes) -> str:
    """The `Remit-Signature` header value for this timestamp and body."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "v1=" + digest.hexdigest()


def verify(
    secret: str,
    signature: str,
    timestamp: str,
    body: bytes,
    *,
    now: datetime | None = None,
    tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """What a Python receiver does (see the module docstring)."""
    try:
        age = abs((now or utc_now()).timestamp() - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(secret, timestamp, body), signature)


def encode(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()


def backoff(attempts: int, event_id: str) -> timedelta:
    """Wait after the `attempts`-th failed attempt: 30 s doubling, at most 1 h, + ≤10 % jitter.

    The jitter comes from the event id (deterministic) so a backlog failed in one outage does
    not come back as one burst.
    """
    base = BASE_BACKOFF * 2 ** max(attempts - 1, 0)
    try:
        jitter = int(event_id.replace("-", "")[:8], 16) % 1000 / 10_000
    except ValueError:
        jitter = 0.0
    return min(base * (1 + jitter), MAX_BACKOFF)


# -- delivery -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Claim:
    id: int
    event_id: str
    type: str
    payload: dict[str, Any]
    attempts: int  # before this attempt
    previous_next_attempt_at: datetime | None
    lease: datetime


@dataclass(frozen=True, slots=True)
class _Outcome:
    code: int | None
    error: str | None
    unreachable: bool = False

    @property
    def ok(self) -> bool:
        return self.code is not None and 200 <= self.code < 300


@dataclass
class DeliveryReport:
    attempted: int = 0
    delivered: int = 0
    retrying: int = 0  # failed this time, will be retried
    failed: int = 0  # failed for the last allowed time: given up (status failed)
    released: int = 0  # claimed but not tried: the receiver was unreachable this pass
    lost_claims: int = 0  # the claim ran out before the answer came (recorded by nobody)
    errors: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "attempted": self.attempted,
            "delivered": self.delivered,
            "retrying": self.retrying,
            "failed": self.failed,
            "released": self.released,
            "lost_claims": self.lost_claims,
            "errors": list(self.errors),
        }


def _version() -> str:
    try:
        return metadata.version("remit")
    except metadata.PackageNotFoundError:
        return "0"


def _claim(engine: Engine, now: datetime, batch: int, lease_for: timedelta) -> list[_Claim]:
    """Take up to `batch` due events, oldest first, at most one per invoice; commit the lease."""
    earlier = aliased(InvoiceEvent)
    # An earlier event of the same invoice not yet delivered — retrying, in flight, or failed
    # for good — holds this one back: per invoice, strictly in order.
    blocked = exists().where(
        earlier.invoice_id == InvoiceEvent.invoice_id,
        earlier.id < InvoiceEvent.id,
        earlier.delivery_status != "delivered",
    )
    query = (
        select(InvoiceEvent)
        .where(
            InvoiceEvent.delivery_status == "pending",
            or_(InvoiceEvent.next_attempt_at.is_(None), InvoiceEvent.next_attempt_at <= now),
            ~blocked,
        )
        .order_by(InvoiceEvent.id)
        .limit(batch)
        # PostgreSQL: other instances skip what we lock; SQLite: BEGIN IMMEDIATE serializes.
        .with_for_update(skip_locked=True, of=InvoiceEvent)
    )
    with transaction(engine) as session:
        rows = session.scalars(query).all()
        if not rows:
            return []
        # Every POST of the batch may take the full timeout: the lease covers all of them.
        lease = now + lease_for * len(rows) + LEASE_MARGIN
        claims = [
            _Claim(r.id, r.event_id, r.type, dict(r.payload), r.attempts, r.next_attempt_at, lease)
            for r in rows
        ]
        session.execute(
            update(InvoiceEvent)
            .where(InvoiceEvent.id.in_([c.id for c in claims]))
            .values(next_attempt_at=lease)
        )
    return claims


def _post(client: httpx.Client, url: str, secret: str, claim: _Claim, at: datetime) -> _Outcome:
    body = encode(claim.payload)
    timestamp = str(int(at.timestamp()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"remit-webhooks/{_version()}",
        "Remit-Event-Id": claim.event_id,
        "Remit-Event-Type": claim.type,
        "Remit-Event-Sequence": str(claim.id),
        "Remit-Timestamp": timestamp,
        "Remit-Attempt": str(claim.attempts + 1),
        "Remit-Signature": sign(secret, timestamp, body),
    }
    try:
        with client.stream("POST", url, content=body, headers=headers) as response:
            if 200 <= response.status_code < 300:
                return _Outcome(response.status_code, None)
            # Only the start of the answer: a receiver's error page can be large.
            head = b""
            for chunk in response.iter_bytes():
                head += chunk
                if len(head) >= ERROR_SNIPPET:
                    break
            snippet = head[:ERROR_SNIPPET].decode("utf-8", "replace").strip()
            return _Outcome(response.status_code, f"HTTP {response.status_code}: {snippet}".strip())
    except httpx.TransportError as error:  # connect, timeout, protocol: nothing usable came back
        message = f"{type(error).__name__}: {error}".strip().rstrip(":")
        return _Outcome(None, message[:ERROR_SNIPPET], unreachable=True)


def _record(
    engine: Engine, claim: _Claim, outcome: _Outcome, now: datetime, max_attempts: int
) -> str | None:
    """Store the answer if the claim is still ours; returns the new status, None if lost."""
    attempts = claim.attempts + 1
    values: dict[str, Any] = {
        "attempts": attempts,
        "last_attempt_at": now,
        "last_response_code": outcome.code,
        "last_error": outcome.error,
    }
    if outcome.ok:
        values.update(delivery_status="delivered", delivered_at=now, next_attempt_at=None)
    elif attempts >= max_attempts:
        values.update(delivery_status="failed", next_attempt_at=None)
    else:
        values.update(next_attempt_at=now + backoff(attempts, claim.event_id))
    with transaction(engine) as session:
        done = session.execute(
            update(InvoiceEvent)
            .where(  # still our claim: same lease, nobody recorded an attempt meanwhile
                InvoiceEvent.id == claim.id,
                InvoiceEvent.delivery_status == "pending",
                InvoiceEvent.attempts == claim.attempts,
                InvoiceEvent.next_attempt_at == claim.lease,
            )
            .values(**values)
        )
    return values.get("delivery_status", "pending") if done.rowcount == 1 else None


def _release(engine: Engine, claims: Sequence[_Claim]) -> None:
    """Give back claims not tried: they are due again as they were before the claim."""
    with transaction(engine) as session:
        for c in claims:
            session.execute(
                update(InvoiceEvent)
                .where(
                    InvoiceEvent.id == c.id,
                    InvoiceEvent.delivery_status == "pending",
                    InvoiceEvent.attempts == c.attempts,
                    InvoiceEvent.next_attempt_at == c.lease,
                )
                .values(next_attempt_at=c.previous_next_attempt_at)
            )


def deliver_pending(
    rt: Runtime,
    *,
    now: datetime | None = None,
    client: httpx.Client | None = None,
    batch: int = BATCH,
    max_events: int = MAX_EVENTS_PER_PASS,
) -> DeliveryReport:
    """One delivery pass: POST every due event (up to `max_events`), record each answer.

    `now` fixes the clock (tests); otherwise the real time is read at each step. A network
    error (the receiver is down) ends the pass: the rest of the batch is released untried.
    """
    settings = rt.settings
    if not settings.webhook_url:
        raise WebhookNotConfigured("set REMIT_WEBHOOK_URL to deliver invoice events by webhook")
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utc_now
    own = client is None
    http = client or httpx.Client(timeout=settings.webhook_timeout_seconds, follow_redirects=False)
    lease_for = timedelta(seconds=settings.webhook_timeout_seconds)
    report = DeliveryReport()
    try:
        while report.attempted < max_events:
            size = min(batch, max_events - report.attempted)
            claims = _claim(rt.engine, clock(), size, lease_for)
            if not claims:
                break
            for index, claim in enumerate(claims):
                outcome = _post(http, settings.webhook_url, settings.webhook_secret, claim, clock())
                report.attempted += 1
                state = _record(rt.engine, claim, outcome, clock(), settings.webhook_max_attempts)
                _count(report, claim, outcome, state)
                if outcome.unreachable:
                    rest = claims[index + 1 :]
                    _release(rt.engine, rest)
                    report.released += len(rest)
                    return report
    finally:
        if own:
            http.close()
    return report


def _count(report: DeliveryReport, claim: _Claim, outcome: _Outcome, state: str | None) -> None:
    if state is None:
        report.lost_claims += 1
        log.warning("webhook event #%s: claim expired before the answer was recorded", claim.id)
    elif state == "delivered":
        report.delivered += 1
    elif state == "failed":
        report.failed += 1
        log.error("webhook event #%s failed for good: %s", claim.id, outcome.error)
    else:
        report.retrying += 1
    if outcome.error:
        report.errors.append(f"event #{claim.id} ({claim.event_id}): {outcome.error}")


def webhook_job(rt: Runtime) -> None:
    """The scheduled pass (workflows/jobs.py): never raises, logs what it did."""
    try:
        report = deliver_pending(rt)
    except Exception:  # logged; the next scheduled pass tries again
        log.exception("webhook delivery pass failed")
        return
    if report.attempted:
        log.info("webhooks: %s", report.as_json())
