"""A real SMTP server on loopback for the tests (aiosmtpd), which keeps what it receives.

    def test_x(smtp_server): ...   # smtp_server.port, smtp_server.messages, smtp_server.config_text()

Use it from a test module with `from tests.smtp_server import smtp_server  # noqa: F401`.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from dataclasses import dataclass, field
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Received:
    sender: str
    recipients: list[str]
    data: bytes
    tls: bool = False  # whether it came over TLS (STARTTLS or TLS from the start)

    @property
    def message(self):
        return message_from_bytes(self.data, policy=policy.default)


@dataclass
class SmtpServer:
    port: int
    messages: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)  # recipients the server refuses (550 to RCPT)
    fail_from: int | None = None  # from this many messages received on, DATA gets 421: the server gives up
    delay: float = 0.0  # seconds between keeping a message and saying so (a slow server)
    password: str | None = None  # when set, AUTH is required with user 'maya' and this password
    implicit_tls: bool = False  # TLS from the first byte (port 465 style): nothing else can talk to it

    def config_text(self, **smtp) -> str:
        """The mail: block of pipelines.yaml pointing at this server."""
        settings = {"host": "127.0.0.1", "port": self.port, "security": "none", **smtp}
        inner = ", ".join(f"{k}: {v}" for k, v in settings.items())
        return f"mail:\n  from: Maya Lind <maya@tidewater.example>\n  smtp: {{{inner}}}\n"


class _Handler:
    def __init__(self, server: SmtpServer):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.server.refuse:
            return "550 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.server.fail_from is not None and len(self.server.messages) >= self.server.fail_from:
            return "421 4.3.0 service shutting down"
        self.server.messages.append(Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content,
                                             tls=self.server.implicit_tls or session.ssl is not None))
        if self.server.delay:
            await asyncio.sleep(self.server.delay)
        return "250 Message accepted for delivery"


def _authenticator(expected: SmtpServer):
    def text(value) -> str:
        return value.decode() if isinstance(value, bytes) else str(value)

    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and text(auth_data.login) == "maya" \
            and text(auth_data.password) == expected.password
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd sends the 535 reply itself
    return check


@pytest.fixture
def smtp_server(request, tmp_path, monkeypatch):
    """A started server; parametrize indirectly with {'password': 'secret'} to require AUTH, and with
    {'tls': 'starttls'} or {'tls': 'tls'} to speak TLS with a certificate from a test authority that
    this test's clients trust (through SSL_CERT_FILE, as OpenSSL reads it)."""
    options = getattr(request, "param", {}) or {}
    server = SmtpServer(free_port(), password=options.get("password"))
    kwargs = {}
    if options.get("tls"):
        import trustme

        authority = trustme.CA()
        certificate = authority.issue_cert("127.0.0.1", "localhost")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(context)
        authority.cert_pem.write_to_path(str(tmp_path / "test-ca.pem"))
        monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "test-ca.pem"))
        server.implicit_tls = options["tls"] == "tls"
        kwargs = {"ssl_context": context} if server.implicit_tls else {"tls_context": context}
    if server.password is not None:
        kwargs.update({"authenticator": _authenticator(server), "auth_required": True, "auth_require_tls": False})
    controller = Controller(_Handler(server), hostname="127.0.0.1", port=server.port, **kwargs)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
