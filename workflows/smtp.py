"""E-mail out by SMTP (smtplib), from settings REMIT_SMTP_*: the outbox's e-mail transport,
handed to reminder runs (receivables.mailer.Mailer) by the jobs and commands that send.

One connection per run, opened on the first message; after an error the connection is
dropped and the next message opens a new one. Every failure is a MailError with the server's
words: the caller records it on the reminder, which is retried on the next run.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage

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
            raise MailError(f"SMTP {s.smtp_host}:{s.smtp_port}: {_describe(error)}") from error
        return conn

    def send(self, message: EmailMessage) -> None:
        if self._conn is None:
            self._conn = self._connect()
        try:
            refused = self._conn.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            # The connection is still good: only this message failed.
            raise MailError(f"recipient refused: {_describe(error)}") from error
        except (OSError, smtplib.SMTPException) as error:
            self.close()
            raise MailError(_describe(error)) from error
        if refused:
            raise MailError(f"recipient refused: {refused}")

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.quit()
            except (OSError, smtplib.SMTPException):
                conn.close()


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
