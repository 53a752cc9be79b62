"""A real SMTP server on loopback for the reminder tests (aiosmtpd), recording what arrives.

Recipients starting with "refuse" are refused (550), as a mailbox that does not exist.
`Recorder.data_replies`: answers to give the next messages instead of accepting them (e.g.
"421 4.3.2 try again later"); `Recorder.drop_after_data`: how many next messages to take
in full and then hang up on without an answer (the sender cannot know whether they arrived:
they are recorded as received).
"""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def text(self) -> str:
        # As a mail client shows it: line ends as "\n" (the wire's CRLF survive the decoding
        # of a quoted-printable body, which long one-line paragraphs get).
        part = self.message.get_body(preferencelist=("plain",))
        return part.get_content().replace("\r\n", "\n") if part is not None else ""


@dataclass
class Recorder:
    messages: list[Received] = field(default_factory=list)
    data_replies: list[str] = field(default_factory=list)
    drop_after_data: int = 0
    refused: list[str] = field(default_factory=list)  # the answers given instead
    delay_seconds: float = 0.0  # before answering a message: a slow server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.lower().startswith("refuse"):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay_seconds:
            import asyncio

            await asyncio.sleep(self.delay_seconds)
        if self.data_replies:
            reply = self.data_replies.pop(0)
            self.refused.append(reply)
            return reply
        msg = message_from_bytes(envelope.content, policy=policy.default)
        rcpts = list(envelope.rcpt_tos)
        self.messages.append(Received(envelope.mail_from, rcpts, msg))  # type: ignore[arg-type]
        if self.drop_after_data:
            self.drop_after_data -= 1
            server.transport.close()  # delivered, but the sender never hears so
        return "250 Message accepted"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _authenticator(user: str, password: str) -> Any:
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def check(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            user.encode(),
            password.encode(),
        )
        return AuthResult(success=ok, handled=False)

    return check


class SmtpServer:
    """`auth=(user, password)`: the server requires that login (plain text on loopback)."""

    def __init__(self, auth: tuple[str, str] | None = None) -> None:
        self.recorder = Recorder()
        self.port = free_port()
        extra: dict[str, Any] = {}
        if auth is not None:
            extra = {
                "authenticator": _authenticator(*auth),
                "auth_required": True,
                "auth_require_tls": False,
            }
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port, **extra)

    @property
    def messages(self) -> list[Received]:
        return self.recorder.messages

    def start(self) -> None:
        self.controller.start()

    def stop(self) -> None:
        self.controller.stop()
