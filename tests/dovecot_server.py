"""A real IMAP server on loopback for the tests: Debian's Dovecot, run unprivileged with a generated config.

    def test_x(dovecot): ...   # dovecot.port (TLS), dovecot.starttls_port, dovecot.append(folder, bytes),
                               # dovecot.config_text(), dovecot.client()

One user, maya, password 'secret', in a passwd-file; her mail is a Maildir in a temp folder; the
certificate comes from a test authority (trustme), trusted through SSL_CERT_FILE as the SMTP
tests do. Dovecot runs as whoever runs the tests (as nobody when that is root: Dovecot gives no
mail access to root), every process as that one user, nothing chrooted.
"""

from __future__ import annotations

import contextlib
import email
import email.utils
import grp
import imaplib
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import dovecot_binary

USER, PASSWORD = "maya", "secret"
OTHER_USER = ("li", "pässwörd")  # a password that is not ASCII


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Dovecot:
    port: int  # IMAP over TLS from the first byte
    starttls_port: int  # IMAP, TLS after STARTTLS
    folder: Path  # everything Dovecot has: config, mail, logs
    ca_file: str  # the test authority's certificate, which signed the server's

    def config_text(self, **imap) -> str:
        """A member's config file pointing at this server, as maya; imap overrides settings."""
        settings = {"host": "localhost", "port": self.port, "security": "tls", "user": USER,
                    "password_env": "PIPE_TEST_IMAP_PASSWORD", **imap}
        return "imap: {" + ", ".join(f"{k}: {v}" for k, v in settings.items()) + "}\n"

    def client(self) -> imaplib.IMAP4_SSL:
        client = imaplib.IMAP4_SSL("localhost", self.port, ssl_context=ssl.create_default_context(cafile=self.ca_file))
        client.login(USER, PASSWORD)
        return client

    def append(self, folder: str, *messages: bytes) -> None:
        client = self.client()
        try:
            client.create(f'"{folder}"')  # NO when it exists: fine
            for message in messages:
                # the message's Date as its arrival (INTERNALDATE), which SEARCH SINCE reads
                date = email.message_from_bytes(message)["Date"]
                when = email.utils.parsedate_to_datetime(date) if date else None
                status, said = client.append(f'"{folder}"', None, when, message)
                assert status == "OK", said
        finally:
            client.logout()

    def recreate(self, folder: str, *messages: bytes) -> None:
        """Delete folder and make it again with messages: the server gives it a new UIDVALIDITY."""
        client = self.client()
        try:
            assert client.delete(f'"{folder}"')[0] == "OK"
        finally:
            client.logout()
        time.sleep(1.1)  # Dovecot's UIDVALIDITY is the clock's second
        self.append(folder, *messages)


def _config(folder: Path, port: int, starttls_port: int, user: str, group: str) -> str:
    return f"""\
base_dir = {folder}/run
state_dir = {folder}/state
log_path = {folder}/dovecot.log
protocols = imap
listen = 127.0.0.1
default_internal_user = {user}
default_internal_group = {group}
default_login_user = {user}
ssl = yes
ssl_cert = <{folder}/cert.pem
ssl_key = <{folder}/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {folder}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {folder}/passwd
}}
mail_location = maildir:{folder}/mail/%u
namespace inbox {{
  inbox = yes
  separator = /
  mailbox "Sent Messages" {{
    special_use = \\Sent
    auto = create
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {starttls_port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service auth {{
  unix_listener auth-userdb {{
    mode = 0600
  }}
}}
"""


@pytest.fixture
def dovecot(monkeypatch):
    import trustme

    root = os.geteuid() == 0
    account = pwd.getpwnam("nobody") if root else pwd.getpwuid(os.getuid())
    group = grp.getgrgid(account.pw_gid).gr_name
    folder = Path(tempfile.mkdtemp(prefix="pipe-dovecot-"))  # not under pytest's root-only tmp
    authority = trustme.CA()
    certificate = authority.issue_cert("localhost")  # not 127.0.0.1: a test asks for a name it lacks
    certificate.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))
    certificate.private_key_pem.write_to_path(str(folder / "key.pem"))
    ca_file = str(folder / "test-ca.pem")
    authority.cert_pem.write_to_path(ca_file)
    (folder / "passwd").write_text("".join(f"{user}:{{PLAIN}}{password}:{account.pw_uid}:{account.pw_gid}::{folder}/home::\n"
                                           for user, password in ((USER, PASSWORD), OTHER_USER)), encoding="utf-8")
    port, starttls_port = free_port(), free_port()
    (folder / "dovecot.conf").write_text(_config(folder, port, starttls_port, account.pw_name, group))
    for sub in ("run", "state", "mail", "home"):
        (folder / sub).mkdir()
    if root:
        for path in [folder, *folder.rglob("*")]:
            os.chown(path, account.pw_uid, account.pw_gid)
    process = subprocess.Popen([dovecot_binary(), "-F", "-c", str(folder / "dovecot.conf")], stdin=subprocess.DEVNULL,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
                               user=account.pw_uid if root else None, group=account.pw_gid if root else None,
                               extra_groups=[] if root else None)
    try:
        _wait_for(port, process, folder)
        monkeypatch.setenv("SSL_CERT_FILE", ca_file)
        monkeypatch.setenv("PIPE_TEST_IMAP_PASSWORD", PASSWORD)
        yield Dovecot(port, starttls_port, folder, ca_file)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def _wait_for(port: int, process: subprocess.Popen, folder: Path) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            log = (folder / "dovecot.log").read_text(errors="replace") if (folder / "dovecot.log").exists() else ""
            raise RuntimeError(f"dovecot exited {process.returncode}: {process.stdout.read().decode()}{log}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.05)
    raise RuntimeError("dovecot did not listen within 20 s")
