"""The refusals of reminder and policy operations, each with its HTTP meaning."""

from __future__ import annotations

from core.errors import RemitError


class ReminderError(RemitError):
    """A refused reminder or policy operation (the API answers 422)."""

    status_code = 422


class NotFound(ReminderError):
    """No such invoice, customer, policy or reminder (404)."""

    status_code = 404


class Conflict(ReminderError):
    """The operation clashes with the current state (409): a name taken, a policy in use."""

    status_code = 409
