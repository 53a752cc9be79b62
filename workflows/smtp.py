"""E-mail out by SMTP (smtplib), from settings REMIT_SMTP_*: the outbox's e-mail transport,
handed to reminder runs (receivables.mailer.Mailer) by the jobs and commands that send.

One connection per run, opened on the first message; after an error the connection is
dropped and the next message opens a new one. Every failure is a MailError with the server's
words, classified (receivables.mailer): temporary (4xx, unreachable, dropped before the
message was complete), bounced (5xx to the recipient or the message), other permanent
(5xx to the login or the sender), or uncertain — the connection broke after the message's
final "." and before the server's answer, so it may have been delivered. The conversation
is driven step by step (MAIL, RCPT, DATA) rather than by smtplib.sendmail, which cannot tell
the last case from the others.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email.generator import BytesGenerator
from email.message import EmailMessage
from email.utils import getaddresses
from io import BytesIO

from core.settings import Settings
from receivables.mailer import MailError


class SmtpMailer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._conn: smtplib.SMTP | None = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if not s.smtp_host:
            raise MailError("SMTP is not configured (set REMIT_SMTP_HOST)")
        try:
            conn = smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=s.smtp_timeout_seconds)
            if s.smtp_starttls:
                conn.starttls(context=ssl.create_default_context())
            if s.smtp_username:
                password = ""
                if s.smtp_password_file is not None:
                    password = s.smtp_password_file.read_text().strip()
                conn.login(s.smtp_username, password)
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(f"SMTP {s.smtp_host}:{s.smtp_port}: {_describe(error)}",
                            temporary=_temporary(error)) from error
        return conn

    def send(self, message: EmailMessage) -> None:
        if self._conn is None:
            self._conn = self._connect()
        conn = self._conn
        sender = getaddresses([str(message["From"])])[0][1]
        recipients = [a for _, a in getaddresses([str(v) for v in message.get_all("To", [])]) if a]
        data = _wire_bytes(message)
        try:
            conn.ehlo_or_helo_if_needed()
            code, text = conn.mail(sender)
            if code != 250:
                raise self._failed(MailError(f"sender refused: {code} {_text(text)}",
                                             temporary=_transient(code)))
            refused = []
            for rcpt in recipients:
                code, text = conn.rcpt(rcpt)
                if code not in (250, 251):
                    refused.append((rcpt, code, _text(text)))
            if refused:
                words = "; ".join(f"{r}: {c} {t}" for r, c, t in refused)
                temporary = all(_transient(c) for _, c, _ in refused)
                raise self._failed(MailError(f"recipient refused: {words}", temporary=temporary,
                                             bounced=not temporary))
            code, text = conn.docmd("DATA")
            if code != 354:
                raise self._failed(MailError(f"message refused: {code} {_text(text)}",
                                             temporary=_transient(code), bounced=not _transient(code)))
            conn.send(data)
        except MailError:
            raise
        except (OSError, smtplib.SMTPException) as error:
            # Before the final "." reached the server: it has nothing to deliver.
            self.close()
            raise MailError(_describe(error), temporary=True) from error
        try:
            code, text = conn.getreply()
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise MailError(f"no answer after the message was sent ({_describe(error)}): it may have "
                            "been delivered", uncertain=True) from error
        if code != 250:
            raise self._failed(MailError(f"message refused: {code} {_text(text)}",
                                         temporary=_transient(code), bounced=not _transient(code)))

    def _failed(self, error: MailError) -> MailError:
        """After a refusal: a temporary one drops the connection (the server may be closing
        it: the next attempt starts afresh), a permanent one resets the transaction."""
        if error.temporary or self._conn is None:
            self.close()
            return error
        try:
            self._conn.rset()
        except (OSError, smtplib.SMTPException):
            self.close()
        return error

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()


def _wire_bytes(message: EmailMessage) -> bytes:
    """The message as DATA carries it: CRLF lines, leading dots doubled, ending CRLF.CRLF."""
    out = BytesIO()
    BytesGenerator(out, policy=message.policy.clone(linesep="\r\n")).flatten(message)
    data = re.sub(rb"(?m)^\.", b"..", out.getvalue())
    if not data.endswith(b"\r\n"):
        data += b"\r\n"
    return data + b".\r\n"


def _text(text: bytes | str) -> str:
    return text.decode(errors="replace") if isinstance(text, bytes) else str(text)


def _transient(code: int) -> bool:
    """4xx: try again later. (-1: smtplib's "no answer", the connection broke.)"""
    return 400 <= code < 500 or code < 0


def _temporary(error: BaseException) -> bool:
    """Connecting or logging in: refused, unreachable, timed out and 4xx are temporary; a 5xx
    (authentication refused, TLS not offered) is our configuration."""
    if isinstance(error, smtplib.SMTPResponseException):
        return _transient(error.smtp_code)
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return False
    return isinstance(error, OSError)  # smtplib's errors are OSErrors too


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{rcpt}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}"
            for rcpt, (code, msg) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error
        text = text.decode(errors="replace") if isinstance(text, bytes) else str(text)
        return f"{error.smtp_code} {text}"
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
