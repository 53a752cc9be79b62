"""/api/v1/dunning (policies, customer overrides) and /api/v1/reminders (list, preview, run,
complete a queued task); the daily reminders job is workflows.jobs.reminders_job.

Thin: the same service functions as the CLI (receivables.reminders), in the request's
session (web.session owns the transaction). Reading needs ar:read; changing policies,
running reminders and completing tasks treasury:review (admin implies both). Bad input 422,
unknown ids 404, conflicts 409.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response, status
from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from api import problems
from api.auth import ArRead, TreasuryReview
from api.schemas import answer, link, links
from api.schemas import dunning as schema
from ledger.models import Customer, DunningPolicy, Reminder
from ledger.types import utc_now
from receivables import dunning, reminders
from web import paging
from web.session import DbSession
from workflows.runtime import Runtime
from workflows.dunning import run_reminders as run_reminder_use_case

router = APIRouter(prefix="/api/v1", tags=["dunning"], responses=problems.SECURED)
POLICY = "/api/v1/dunning/policies/{policy_id}"
CHANGED = (409, "Changed at the same time by someone else: try again")

# Lower-case slugs, as long as the column that stores them (PostgreSQL refuses longer ones).
_SLUG = r"^[a-z][a-z0-9_-]*$"
Name = Annotated[
    str, Field(min_length=1, max_length=paging.column_length(DunningPolicy.name), pattern=_SLUG)
]
StepName = Annotated[
    str, Field(min_length=1, max_length=paging.column_length(Reminder.step), pattern=_SLUG)
]
Segment = Annotated[
    str, Field(min_length=1, max_length=paging.column_length(Customer.segment), pattern=_SLUG)
]
# As-of dates a person could mean; anything else is a typo (and would only fill the trail).
EARLIEST, LATEST = date(2000, 1, 1), date(2999, 12, 31)


@contextmanager
def _one_writer(session: Session) -> Iterator[None]:
    """Two requests writing the same rows at once (a policy name, a step two runs claim):
    the database refuses the later one with an IntegrityError, which comes from the driver,
    not the domain, so it is turned into a Conflict (409) here. Flushed inside, so that the
    refusal comes now and not from the commit after the route; the session rolls back."""
    try:
        yield
        session.flush()
    except IntegrityError:
        raise reminders.Conflict("changed at the same time by someone else: try again") from None


class StepIn(BaseModel):
    name: StepName
    offset_days: int = Field(
        ge=-dunning.MAX_OFFSET,
        le=dunning.MAX_OFFSET,
        description="days relative to the due date; negative = before",
    )
    channel: Literal["email", "call", "letter", "agency"]
    template: Name | None = Field(
        default=None, description="default: the channel's (reminder, call, letter, agency)"
    )

    def step(self) -> dunning.Step:
        return dunning.make_step(
            self.name,
            self.offset_days,
            self.channel,
            self.template or dunning.CHANNEL_TEMPLATES[self.channel],
        )


class PolicyIn(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "name": "large", "segment": "large",
        "steps": [{"name": "courtesy", "offset_days": -3, "channel": "email"},
                  {"name": "call", "offset_days": 10, "channel": "call"}],
    }]})

    name: Name
    segment: Segment | None = None
    steps: list[StepIn] = Field(min_length=1, max_length=dunning.MAX_STEPS)


def _save(
    request: Request, session: Session, body: PolicyIn, actor: str, policy_id: int | None
) -> dict[str, Any]:
    with _one_writer(session):
        row = reminders.save_policy(
            session,
            name=body.name,
            segment=body.segment,
            steps=[s.step() for s in body.steps],
            actor=actor,
            policy_id=policy_id,
            settings=request.app.state.runtime.settings,
        )
        return reminders.policy_json(row)


@router.get("/dunning/policies", response_model=answer(schema.DunningPolicyPage))
def list_policies(
    session: DbSession, principal: ArRead, after: paging.Cursor = None, limit: paging.Limit = 100
) -> dict[str, Any]:
    """Dunning policies by id. The one named "default" serves customers without an override
    or a segment of their own (built in until the first run stores it)."""
    items = reminders.policies_page(session, after=after, limit=limit + 1)
    return paging.page(items, limit, "id")


@router.post(
    "/dunning/policies",
    status_code=status.HTTP_201_CREATED,
    response_model=answer(schema.DunningPolicy),
    responses={
        201: links(
            GetPolicy=link(POLICY, "The policy", policy_id="$response.body#/id"),
            UpdatePolicy=link(POLICY, "Replace its steps", "put", policy_id="$response.body#/id"),
            DeletePolicy=link(POLICY, "Delete it", "delete", policy_id="$response.body#/id"),
        ),
        **problems.declare(CHANGED),
    },
)
def create_policy(
    request: Request, session: DbSession, body: PolicyIn, principal: TreasuryReview
) -> dict[str, Any]:
    """Create a policy, or replace the steps of the policy of that name."""
    return _save(request, session, body, principal.actor, None)


@router.get(
    "/dunning/policies/{policy_id}",
    response_model=answer(schema.DunningPolicy),
    responses=problems.declare(404),
)
def get_policy(session: DbSession, policy_id: paging.RowId, principal: ArRead) -> dict[str, Any]:
    row = session.get(DunningPolicy, policy_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no dunning policy #{policy_id}")
    return reminders.policy_json(row)


@router.put(
    "/dunning/policies/{policy_id}",
    response_model=answer(schema.DunningPolicy),
    responses=problems.declare(404, CHANGED),
)
def update_policy(
    request: Request,
    session: DbSession,
    policy_id: paging.RowId,
    body: PolicyIn,
    principal: TreasuryReview,
) -> dict[str, Any]:
    return _save(request, session, body, principal.actor, policy_id)


@router.delete(
    "/dunning/policies/{policy_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=problems.declare(
        404, (409, "Customers are assigned to it, or reminders were made under it")
    ),
)
def delete_policy(
    session: DbSession, policy_id: paging.RowId, principal: TreasuryReview
) -> Response:
    """Refused (409) while customers are assigned to it or reminders were made under it."""
    with _one_writer(session):
        reminders.delete_policy(session, policy_id, actor=principal.actor)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


class CustomerDunningIn(BaseModel):
    policy: Name | None = Field(default=None, description="override by policy name; null clears")
    segment: Segment | None = Field(default=None, description="the customer's segment; null clears")


@router.put(
    "/dunning/customers/{customer_id}",
    response_model=answer(schema.CustomerDunning),
    responses=problems.declare((404, "No such customer, or no policy of that name")),
)
def set_customer_dunning(
    session: DbSession,
    customer_id: Annotated[str, Path(min_length=1, max_length=64, pattern=paging.NO_NUL)],
    body: CustomerDunningIn,
    principal: TreasuryReview,
) -> dict[str, Any]:
    """Only the fields sent change: `{"policy": null}` clears the override."""
    sent = body.model_fields_set
    return reminders.set_customer_dunning(
        session,
        customer_id,
        actor=principal.actor,
        policy_name=body.policy if "policy" in sent else None,
        clear_policy="policy" in sent and body.policy is None,
        segment=body.segment if "segment" in sent else None,
        clear_segment="segment" in sent and body.segment is None,
    )


# -- reminders --------------------------------------------------------------------------------

Text = Annotated[str | None, Query(min_length=1, max_length=64, pattern=paging.NO_NUL)]


@router.get("/reminders", response_model=answer(schema.ReminderPage))
def list_reminders(
    session: DbSession,
    principal: ArRead,
    invoice_number: Text = None,
    customer_id: Text = None,
    status_: Annotated[
        Literal["sending", "sent", "queued", "failed", "undeliverable", "unknown", "done"] | None,
        Query(alias="status"),
    ] = None,
    channel: Literal["email", "call", "letter", "agency"] | None = None,
    after: paging.Cursor = None,
    limit: paging.Limit = 100,
) -> dict[str, Any]:
    """Reminders on record, newest first (`after`: the `next` of the previous page). The
    queued call, letter and agency tasks: `?status=queued`."""
    items = reminders.list_reminders(
        session,
        invoice_number=invoice_number,
        customer_id=customer_id,
        status=status_,
        channel=channel,
        after_id=after,
        limit=limit + 1,
    )
    return paging.page(items, limit, "reminder_id")


def _check_as_of(value: date | None) -> date:
    day = value or utc_now().date()
    if not EARLIEST <= day <= LATEST:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, f"as_of must lie between {EARLIEST} and {LATEST}"
        )
    return day


@router.get(
    "/reminders/preview",
    response_model=answer(schema.ReminderPreview),
    responses=problems.declare((404, "No such invoice, or no such step")),
)
def preview_reminder(
    request: Request,
    session: DbSession,
    principal: ArRead,
    invoice_number: Annotated[str, Query(min_length=1, max_length=64, pattern=paging.NO_NUL)],
    step: Annotated[str | None, Query(max_length=64, pattern=paging.NO_NUL)] = None,
    as_of: paging.IsoDate | None = None,
) -> dict[str, Any]:
    """The message a step would send for one invoice (without a step: the step due now);
    writes nothing."""
    day = _check_as_of(as_of)
    p = reminders.preview(
        session,
        invoice_number=invoice_number,
        step=step or None,
        as_of=day,
        settings=request.app.state.runtime.settings,
    )
    return {
        "invoice_number": p.invoice_number,
        "customer_id": p.customer_id,
        "policy": p.policy,
        "step": p.step,
        "channel": p.channel,
        "template": p.template,
        "days_past_due": p.days_past_due,
        "recipient": p.recipient,
        "subject": p.subject,
        "body": p.body,
        "content_type": "text/html" if p.html else "text/plain",
    }


class RunIn(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"as_of": "2027-01-20", "dry_run": True}]}
    )

    as_of: paging.IsoDate | None = Field(default=None, description="default: today (UTC)")
    dry_run: bool = False

    @field_validator("as_of")
    @classmethod
    def _range(cls, value: date | None) -> date | None:
        if value is not None and not EARLIEST <= value <= LATEST:
            raise ValueError(f"as_of must lie between {EARLIEST} and {LATEST}")
        return value


@router.post(
    "/reminders/run",
    response_model=answer(list[schema.ReminderRun]),
    responses=problems.declare((409, "Another run claimed the same step at the same moment")),
)
def run_reminders(request: Request, body: RunIn, principal: TreasuryReview) -> list[dict[str, Any]]:
    """Run the reminders due as of a date: DESIGN.md §6 rows (invoice_number, customer_id,
    step, channel, days_past_due), plus status and error unless a dry run. The run's own
    transactions (workflows.dunning.run_reminders: each email committed as `sending` before
    it is sent, so a crash never sends it twice), not the request's."""
    rt: Runtime = request.app.state.runtime
    day = _check_as_of(body.as_of)
    return run_reminder_use_case(rt, as_of=day, actor=principal.actor, dry_run=body.dry_run)


@router.get(
    "/reminders/{reminder_id}",
    response_model=answer(schema.ReminderDetail),
    responses=problems.declare(404),
)
def get_reminder(
    session: DbSession, reminder_id: paging.RowId, principal: ArRead
) -> dict[str, Any]:
    """One reminder with the message as sent (or the task as queued)."""
    return reminders.get_reminder(session, reminder_id)


@router.post(
    "/reminders/{reminder_id}/resend",
    response_model=answer(schema.Reminder),
    responses=problems.declare(404, (409, "Not an e-mail that failed, was undeliverable or is unknown")),
)
def resend_reminder(
    session: DbSession, reminder_id: paging.RowId, principal: TreasuryReview
) -> dict[str, Any]:
    """Send an `unknown` (perhaps delivered: check the mail server's log for its Message-ID
    first), `undeliverable` or `failed` email reminder again on the next run (409 otherwise)."""
    return reminders.request_resend(session, reminder_id, actor=principal.actor)


@router.post(
    "/reminders/{reminder_id}/done",
    response_model=answer(schema.Reminder),
    responses=problems.declare(404, (409, "Not a queued task")),
)
def complete_task(
    session: DbSession, reminder_id: paging.RowId, principal: TreasuryReview
) -> dict[str, Any]:
    """Staff completed a queued call, letter or agency hand-off (409 if not queued)."""
    return reminders.mark_done(session, reminder_id, actor=principal.actor)
