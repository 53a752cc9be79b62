"""E-mail as reminders see it: the message they build, the Mailer that sends it, the MailError
a failed send raises, and the retry loop around one message. The SMTP transport itself is
workflows/smtp.py (the outbox), handed in by the job or command.

A failure is one of three kinds, and each ends differently (at most once is the rule for
e-mail to customers):
- temporary (a 4xx answer; the server unreachable, refusing or dropping the connection before
  it had the whole message): tried again after a pause, up to N attempts, then `failed` (the
  next run tries again);
- permanent (a 5xx answer): `bounced` when the server refused this recipient or message —
  the reminder is `undeliverable` with the server's words, tried again only once the
  customer's address changes — else (authentication, sender refused: our side) `failed`;
- uncertain: the connection broke after the whole message was sent and before the server's
  answer. It may have been delivered: `unknown`, never sent again by itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol

MAX_PAUSE_SECONDS = 60.0


class MailError(Exception):
    """A message that did not go out (refused, server down, not configured)."""

    def __init__(
        self, reason: str, *, temporary: bool = False, bounced: bool = False, uncertain: bool = False
    ) -> None:
        super().__init__(reason)
        self.temporary = temporary  # worth another attempt in a moment
        self.bounced = bounced  # refused for good for this recipient / message
        self.uncertain = uncertain  # may have been delivered: never resend by itself


class Mailer(Protocol):
    def send(self, message: EmailMessage) -> None: ...

    def close(self) -> None: ...


def build_message(
    *, sender: str, to: str, subject: str, text: str, html: str | None = None
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    # Header injection: a subject from a template never carries a line break.
    msg["Subject"] = " ".join(subject.split())
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    msg.set_content(text)
    if html is not None:
        msg.add_alternative(html, subtype="html")
    return msg


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one message ended: sent | failed | undeliverable | unknown, after `attempts`."""

    status: str
    error: str | None
    attempts: int


def send_with_retry(
    mailer: Mailer,
    message: EmailMessage,
    *,
    attempts: int,
    pause_seconds: float,
    sleep: Callable[[float], None],
) -> Outcome:
    """Send, trying a temporary failure again after `pause_seconds`, doubling (at most a
    minute), up to `attempts` tries. Every try sends the same message (the same Message-ID)."""
    pause = pause_seconds
    for attempt in range(1, max(attempts, 1) + 1):
        try:
            mailer.send(message)
        except MailError as error:
            if error.uncertain:
                return Outcome("unknown", f"outcome unknown: {error}", attempt)
            if error.bounced:
                return Outcome("undeliverable", str(error), attempt)
            if not error.temporary:
                return Outcome("failed", str(error), attempt)
            if attempt >= attempts:
                return Outcome("failed", f"{error} (temporary; {attempt} attempt(s), tried again "
                               "on the next run)", attempt)
            sleep(pause)
            pause = min(pause * 2, MAX_PAUSE_SECONDS)
            continue
        return Outcome("sent", None, attempt)
    raise AssertionError("unreachable")
