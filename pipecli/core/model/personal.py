"""A member's own settings (`~/.config/pipe/config.yaml`): the mail and calendar servers `pipe capture` reads.

    imap:   {host: imap.example.com, port: 993, security: tls, user: maya@example.com,
             password_cmd: "pass show mail", folders: [INBOX, Sent]}
    caldav: {url: https://cal.example.com/dav/, user: maya, password_env: PIPE_CALDAV_PASSWORD,
             calendars: [Work]}

This module only parses the text; store/personal.py finds the file and fetches the passwords. A
password is never written in any file: only the environment variable or the command that gives it.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from pipecli.core.errors import PipeError
from pipecli.core.fileformat import yamlio

SECURITY = ("tls", "starttls", "none")
IMAP_PORTS = {"tls": 993, "starttls": 143, "none": 143}
DEFAULT_FOLDERS = ("INBOX", "Sent")
ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
NO_PASSWORD = ("never write a password in a file: give password_env (an environment variable) "
               "or password_cmd (a command that prints it)")


@dataclass(frozen=True)
class Secret:
    """Where a password comes from: an environment variable or a command's first line of output."""

    env: str | None = None
    cmd: str | None = None


@dataclass(frozen=True)
class ImapAccount:
    host: str
    port: int
    security: str
    user: str
    secret: Secret
    folders: tuple[str, ...] = DEFAULT_FOLDERS
    timeout: float = 60.0
    password: str = field(default="", repr=False)  # filled by store/personal.py when needed

    @property
    def name(self) -> str:
        """The account in state files and messages: the user when it is an address, else user@host."""
        return self.user if "@" in self.user else f"{self.user}@{self.host}"


@dataclass(frozen=True)
class CalDavAccount:
    url: str
    user: str
    secret: Secret
    calendars: tuple[str, ...] = ()
    password: str = field(default="", repr=False)


@dataclass(frozen=True)
class Personal:
    imap: ImapAccount | None = None
    caldav: CalDavAccount | None = None


def is_loopback(host: str) -> bool:
    """Whether host is this machine: localhost or a loopback address."""
    if host.lower() in ("localhost", "localhost."):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def parse_personal(text: str, shown: str) -> Personal:
    """The imap: and caldav: sections of a member's config file; PipeError `shown:line: problem` on the first fault."""
    try:
        raw, lines = yamlio.load_with_lines(text)
    except yamlio.YAMLError as error:
        line = yamlio.error_line(error)
        raise PipeError(f"{shown}{f':{line}' if line else ''}: {yamlio.error_message(error)}") from None
    reader = _Reader(shown, lines)
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        reader.fail((), "must be a mapping with imap: and caldav: sections")
    reader.no_password(raw, ())
    unknown = sorted(str(k) for k in raw if k not in ("imap", "caldav"))
    if unknown:
        reader.fail((unknown[0],), f"unknown section '{unknown[0]}' (known: caldav, imap)")
    return Personal(imap=reader.imap(raw["imap"]) if raw.get("imap") is not None else None,
                    caldav=reader.caldav(raw["caldav"]) if raw.get("caldav") is not None else None)


class _Reader:
    def __init__(self, shown: str, lines: dict[tuple, int]):
        self.shown, self.lines = shown, lines

    def fail(self, at: tuple, message: str):
        line = None
        for cut in range(len(at), -1, -1):
            line = self.lines.get(at[:cut])
            if line:
                break
        raise PipeError(f"{self.shown}{f':{line}' if line else ''}: {message}")

    def no_password(self, value: Any, at: tuple) -> None:
        """A `password:` key at any depth is refused: the file may be read by others, or copied."""
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and key.lower() == "password":
                    self.fail(at + (key,), NO_PASSWORD)
                self.no_password(item, at + (key,))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.no_password(item, at + (index,))

    def section(self, value: Any, name: str, known: tuple[str, ...]) -> dict:
        if not isinstance(value, dict):
            self.fail((name,), f"{name} must be a mapping ({', '.join(known)})")
        for key in value:
            if key not in known:
                self.fail((name, key), f"unknown {name} setting '{key}' (known: {', '.join(known)})")
        return value

    def text(self, section: dict, name: str, key: str) -> str:
        value = section.get(key)
        if not isinstance(value, str) or not value.strip():
            self.fail((name, key), f"{name}.{key} is required: a non-empty text")
        return value.strip()

    def secret(self, section: dict, name: str) -> Secret:
        env, cmd = section.get("password_env"), section.get("password_cmd")
        if (env is None) == (cmd is None):
            self.fail((name,), f"{name} needs one of password_env or password_cmd")
        if env is not None and not (isinstance(env, str) and ENV_NAME.match(env)):
            # the value is not repeated: a password pasted here by mistake would land in a terminal or CI log
            self.fail((name, "password_env"), f"{name}.password_env must be the name of an environment variable "
                      "(letters, digits and _, like PIPE_IMAP_PASSWORD), not the password itself")
        if cmd is not None and not (isinstance(cmd, str) and cmd.strip()):
            self.fail((name, "password_cmd"), f"{name}.password_cmd must be a command that prints the password")
        return Secret(env, cmd)

    def names(self, section: dict, name: str, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        value = section.get(key)
        if value is None:
            return default
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            self.fail((name, key), f"{name}.{key} must be a list of names, like [{', '.join(default) or 'Work'}]")
        return tuple(dict.fromkeys(v.strip() for v in value))

    def imap(self, value: Any) -> ImapAccount:
        section = self.section(value, "imap", ("host", "port", "security", "user", "password_env", "password_cmd",
                                               "folders", "timeout"))
        host = self.text(section, "imap", "host")
        security = section.get("security", "tls")
        if security not in SECURITY:
            self.fail(("imap", "security"), f"imap.security must be one of {', '.join(SECURITY)}, got {security!r}")
        if security == "none" and not is_loopback(host):
            self.fail(("imap", "security"), f"imap.security none sends the password in clear: refused for {host} "
                                            "(only for a loopback address); use tls or starttls")
        port = section.get("port", IMAP_PORTS[security])
        if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
            self.fail(("imap", "port"), f"imap.port must be a number from 1 to 65535, got {port!r}")
        timeout = section.get("timeout", 60)
        if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not timeout > 0:
            self.fail(("imap", "timeout"), f"imap.timeout must be seconds, more than 0, got {timeout!r}")
        return ImapAccount(host, port, security, self.text(section, "imap", "user"), self.secret(section, "imap"),
                           self.names(section, "imap", "folders", DEFAULT_FOLDERS), float(timeout))

    def caldav(self, value: Any) -> CalDavAccount:
        section = self.section(value, "caldav", ("url", "user", "password_env", "password_cmd", "calendars"))
        url = self.text(section, "caldav", "url")
        parts = urlsplit(url)
        if parts.username is not None or parts.password is not None:
            # said without the url: it would carry the password into the message, the state
            # in .pipe/ (keyed by url) and every later error
            self.fail(("caldav", "url"), "caldav.url must not hold a user or password (https://user:...@host): "
                                         "give user: and password_env or password_cmd")
        if parts.scheme not in ("https", "http") or not parts.hostname:
            self.fail(("caldav", "url"), f"caldav.url must be an https:// address, got {url!r}")
        if parts.scheme == "http" and not is_loopback(parts.hostname):
            self.fail(("caldav", "url"), f"caldav.url is plain http, which sends the password in clear: refused for "
                                         f"{parts.hostname} (only for a loopback address); use https")
        return CalDavAccount(url, self.text(section, "caldav", "user"), self.secret(section, "caldav"),
                             self.names(section, "caldav", "calendars", ()))
