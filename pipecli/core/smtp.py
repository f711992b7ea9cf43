"""Sending over SMTP (TLS, STARTTLS or plain), with every failure as one line.

`send_all` connects and logs in before sending anything, so a refused connection, a TLS failure
or a wrong password sends nothing; then it sends one message at a time and calls `sent` right
after each, so a run that stops half way has recorded exactly the messages that went.
"""

from __future__ import annotations

import os
import smtplib
import socket
import ssl
from collections.abc import Callable, Iterable
from email.message import EmailMessage
from typing import TypeVar

from pipecli.core.errors import PipeError
from pipecli.core.mailconfig import SmtpSettings

T = TypeVar("T")


class SendError(PipeError):
    """The mail server could not be reached or refused us; carries how many went before."""

    def __init__(self, message: str, sent: int = 0):
        super().__init__(message)
        self.sent = sent


def password_for(settings: SmtpSettings) -> str | None:
    """The password, from the environment variable mail.smtp.password_env names (never from a file)."""
    if settings.user is None:
        return None
    if settings.password_env is None:
        raise PipeError("mail.smtp.user is set but not password_env: name the environment variable holding the password")
    password = os.environ.get(settings.password_env)
    if not password:
        raise PipeError(f"the SMTP password is not set: export {settings.password_env}=... (mail.smtp.password_env)")
    return password


def connect(settings: SmtpSettings, password: str | None) -> smtplib.SMTP:
    """An open, logged-in connection; a SendError naming what failed otherwise."""
    where = f"{settings.host}:{settings.port}"
    context = ssl.create_default_context()
    try:
        if settings.security == "tls":
            connection: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                                        context=context)
        else:
            connection = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        try:
            if settings.security == "starttls":
                connection.starttls(context=context)
            if settings.user is not None:
                connection.login(settings.user, password or "")
        except BaseException:
            _close(connection)
            raise
    except smtplib.SMTPNotSupportedError:
        raise SendError(f"{where} does not offer STARTTLS: set mail.smtp.security to tls (port 465) or none") from None
    except smtplib.SMTPAuthenticationError as error:
        raise SendError(f"{where} refused the login of {settings.user}: {_reply(error)}") from None
    except ssl.SSLError as error:
        raise SendError(f"TLS with {where} failed: {error.reason or error} (check mail.smtp.security and port)") from None
    except ConnectionRefusedError:
        raise SendError(f"cannot connect to {where}: connection refused") from None
    except (socket.gaierror, socket.herror):
        raise SendError(f"cannot connect to {where}: unknown host {settings.host}") from None
    except (TimeoutError, socket.timeout):
        raise SendError(f"cannot connect to {where}: no answer in {settings.timeout:g} s") from None
    except smtplib.SMTPException as error:
        raise SendError(f"{where}: {_reply(error)}") from None
    except OSError as error:
        raise SendError(f"cannot connect to {where}: {error.strerror or error}") from None
    return connection


def send_all(settings: SmtpSettings, items: Iterable[T], message_of: Callable[[T], EmailMessage],
             sent: Callable[[T], None]) -> int:
    """Send each item's message, calling sent(item) after each one went; returns how many went.

    Stops at the first failure with a SendError that says how many went before it.
    """
    items = list(items)
    if not items:
        return 0
    connection = connect(settings, password_for(settings))
    count = 0
    try:
        for item in items:
            message = message_of(item)
            try:
                refused = connection.send_message(message)
            except smtplib.SMTPRecipientsRefused as error:
                raise SendError(f"the server refused {', '.join(error.recipients)}: "
                                f"{_reply(next(iter(error.recipients.values()), ''))}", count) from None
            except (smtplib.SMTPException, OSError) as error:
                raise SendError(f"sending to {message['To']} failed: {_reply(error)}", count) from None
            if refused:
                raise SendError(f"the server refused {', '.join(refused)}", count)
            sent(item)
            count += 1
    finally:
        _close(connection)
    return count


def _close(connection: smtplib.SMTP) -> None:
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def _reply(error: object) -> str:
    """An SMTP error's words, as one line."""
    if isinstance(error, tuple) and len(error) == 2:
        code, text = error
        error = f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else str(error.smtp_error)
        return " ".join(f"{error.smtp_code} {text}".split())
    return " ".join(str(error).split()) or type(error).__name__
