"""E-mail as reminders see it: the message they build, the Mailer that sends it, and the
MailError a failed send raises (recorded on the reminder, retried on the next run). The SMTP
transport itself is workflows/smtp.py (the outbox), handed in by the job or command.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import make_msgid
from typing import Protocol


class MailError(Exception):
    """A message that did not go out (refused, server down, not configured)."""


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
