"""Sending over SMTP (TLS, STARTTLS or plain), with every failure as one line.

`send_all` connects and logs in before sending anything, so a refused connection, a TLS failure
or a wrong password sends nothing; then it sends one message at a time and calls `sent` right
after each, so a run that stops half way has recorded exactly the messages that went.
"""

from __future__ import annotations

import contextlib
import os
import signal
import smtplib
import socket
import ssl
import threading
from collections.abc import Callable, Iterable, Iterator
from email.message import EmailMessage
from email.policy import SMTP
from typing import TypeVar

from pipecli.core.errors import Interrupted, PipeError
from pipecli.core.model.mailconfig import SmtpSettings

T = TypeVar("T")


class SendError(PipeError):
    """The mail server could not be reached or refused us; carries how many went before."""

    def __init__(self, message: str, sent: int = 0):
        super().__init__(message)
        self.sent = sent


class SendInterrupted(SendError, Interrupted):
    """Ctrl-C stopped the sending, after the message in flight was recorded."""


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
                try:
                    connection.starttls(context=context)
                except smtplib.SMTPNotSupportedError:
                    raise SendError(f"{where} does not offer STARTTLS: set mail.smtp.security to tls (port 465) "
                                    "or none") from None
            if settings.user is not None:
                try:
                    connection.login(settings.user, password or "")
                except smtplib.SMTPNotSupportedError:
                    raise SendError(f"{where} does not offer a login (AUTH): leave mail.smtp.user out, or use "
                                    "the port that does") from None
        except BaseException:
            _close(connection)
            raise
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
    except smtplib.SMTPServerDisconnected as error:
        if "timed out" in str(error):
            raise SendError(f"cannot connect to {where}: no answer in {settings.timeout:g} s") from None
        raise SendError(f"{where} closed the connection: {_reply(error)}") from None
    except smtplib.SMTPException as error:
        raise SendError(f"{where}: {_reply(error)}") from None
    except OSError as error:
        raise SendError(f"cannot connect to {where}: {error.strerror or error}") from None
    return connection


def send_all(settings: SmtpSettings, items: Iterable[T], message_of: Callable[[T], EmailMessage],
             sent: Callable[[T], None], refused: Callable[[T, str], None]) -> int:
    """Send each item's message, calling sent(item) after each one went; returns how many went.

    A recipient the server refuses is reported through refused(item, why) and the rest go on: one
    bad address must not hold back every other email. A failure of the connection stops the run
    with a SendError that says how many went before it. Ctrl-C waits until the message in flight
    is recorded (the server may have taken it), then stops the same way, with exit code 130.
    """
    items = list(items)
    if not items:
        return 0
    connection = connect(settings, password_for(settings))
    count = 0
    try:
        for item in items:
            message = message_of(item)
            with _interrupts_deferred():
                why = _send_one(connection, message, count)
                if why is None:
                    sent(item)
                    count += 1
            if why is not None:
                refused(item, why)
    except KeyboardInterrupt:
        raise SendInterrupted("interrupted", count) from None
    finally:
        _close(connection)
    return count


def _send_one(connection: smtplib.SMTP, message: EmailMessage, count: int) -> str | None:
    """Send one message: None when it went, why when the server refused its recipients."""
    sender = message["From"].addresses[0].addr_spec
    recipients = [a.addr_spec for field in ("To", "Cc") for a in (message[field].addresses if message[field] else ())]
    # as_bytes with the message's SMTP policy: send_message's own generator would turn a body line
    # starting with "From " into ">From ".
    data = message.as_bytes(policy=SMTP)
    try:
        refused = connection.sendmail(sender, recipients, data)
    except smtplib.SMTPRecipientsRefused as error:
        return "; ".join(f"{who}: {_reply(reply)}" for who, reply in error.recipients.items())
    except (smtplib.SMTPException, OSError) as error:
        raise SendError(f"sending to {message['To']} failed: {_reply(error)}", count) from None
    if refused:
        return "; ".join(f"{who}: {_reply(reply)}" for who, reply in refused.items())
    return None


@contextlib.contextmanager
def _interrupts_deferred() -> Iterator[None]:
    """Hold Ctrl-C from the moment a message is handed over until it is recorded as sent."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


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
