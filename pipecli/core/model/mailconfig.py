"""The `mail:` and `automations:` settings of pipelines.yaml: how email is sent, and what sends itself.

    mail:
      from: Maya Lind <maya@tidewater.example>    # else the deal owner's email
      outbox: outbox                              # where `pipe mail` writes .eml files
      smtp: {host: smtp.example.com, port: 587, security: starttls,
             user: maya@tidewater.example, password_env: PIPE_SMTP_PASSWORD}
    automations:
    - {id: proposal-follow-up, stage: proposal, after: 2d, template: proposal-follow-up}
    - {id: vip-welcome, tag: vip, template: welcome, to: owner}

The password is never in the file: only the name of the environment variable that holds it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pipecli.core.errors import PipeError
from pipecli.core.names import EMAIL_PATTERN, ID_PATTERN

if TYPE_CHECKING:  # the email package is imported where an address is made: every command reads
    from email.headerregistry import Address  # pipelines.yaml, few of them send mail (10 ms)

SECURITY = ("starttls", "tls", "none")
DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
RECIPIENTS = ("contact", "owner")
DEFAULT_OUTBOX = "outbox"
Problem = Callable[..., None]  # problem(key_path, message, severity="error")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    security: str = "starttls"
    user: str | None = None
    password_env: str | None = None  # the environment variable holding the password
    timeout: float = 30.0


@dataclass(frozen=True)
class MailSettings:
    sender: Address | None = None  # mail.from; None: each deal's owner sends
    outbox: str = DEFAULT_OUTBOX
    smtp: SmtpSettings | None = None


@dataclass(frozen=True)
class Automation:
    """An email a deal sends itself: after entering a stage, or after getting a tag."""

    id: str
    template: str
    after_days: int = 0
    stage: str | None = None
    tag: str | None = None
    to: str = "contact"

    @property
    def trigger(self) -> str:
        return f"stage {self.stage}" if self.stage else f"tag {self.tag}"


def smtp_settings(config) -> SmtpSettings:  # config: a Config (which imports this module)
    """The configured mail server; a clear error when there is none."""
    if config.mail.smtp is None:
        raise PipeError("no mail server: set mail.smtp in pipelines.yaml (host, port, security, user, "
                        "password_env; see docs/email.md)")
    return config.mail.smtp


def parse_address(text: str) -> Address | None:
    """'Name <a@b.example>' or 'a@b.example' as an Address, or None when it is not one."""
    if not isinstance(text, str) or "\n" in text or "\r" in text:
        return None
    from email.headerregistry import Address
    from email.utils import parseaddr

    name, addr = parseaddr(text)
    if not EMAIL_PATTERN.match(addr or ""):
        return None
    try:
        return Address(display_name=name, addr_spec=addr)
    except (ValueError, IndexError):
        return None


def header_text(text: str) -> str:
    """text fit for a header: one line, without control or format characters (NUL, bidi controls),
    which mail servers reject or mail clients show as something else."""
    kept = "".join(c for c in str(text) if unicodedata.category(c) not in ("Cc", "Cf") or c in "\t\n\r")
    return " ".join(kept.split())


def make_address(name: str, email: str) -> Address | None:
    """An Address from a name (any text: made one line) and an email, or None when the email is not one."""
    from email.headerregistry import Address

    email = email.strip()
    if not EMAIL_PATTERN.match(email):
        return None
    try:
        return Address(display_name=header_text(name), addr_spec=email)
    except (ValueError, IndexError):
        return None


def read_mail(value: Any, problem: Problem) -> MailSettings:
    if value is None:
        return MailSettings()
    if not isinstance(value, dict):
        problem(("mail",), "mail must be a mapping like {from: 'Name <you@example.com>', smtp: {...}}")
        return MailSettings()
    for key in value:
        if key not in ("from", "outbox", "smtp"):
            problem(("mail", key), f"unknown mail setting '{key}' (known: from, outbox, smtp)", "warning")
    sender = None
    if value.get("from") is not None:
        sender = parse_address(value["from"])
        if sender is None:
            problem(("mail", "from"), f"mail.from must be an address like 'Maya Lind <maya@example.com>', got {value['from']!r}")
    outbox = value.get("outbox", DEFAULT_OUTBOX)
    if not isinstance(outbox, str) or not outbox.strip() or outbox.startswith(("/", "~")) or ".." in outbox.split("/"):
        problem(("mail", "outbox"), f"mail.outbox must be a folder inside the workspace, got {outbox!r}")
        outbox = DEFAULT_OUTBOX
    return MailSettings(sender, outbox, _smtp(value.get("smtp"), problem))


def _smtp(value: Any, problem: Problem) -> SmtpSettings | None:
    if value is None:
        return None
    at = ("mail", "smtp")
    if not isinstance(value, dict):
        problem(at, "mail.smtp must be a mapping like {host: smtp.example.com, port: 587, security: starttls}")
        return None
    if "password" in value:
        problem(at + ("password",), "never put the SMTP password in pipelines.yaml: name the environment variable "
                                    "that holds it with password_env")
    known = ("host", "port", "security", "user", "password_env", "timeout", "password")
    for key in value:
        if key not in known:
            problem(at + (key,), f"unknown smtp setting '{key}' (known: {', '.join(known[:-1])})", "warning")
    host = value.get("host")
    if not isinstance(host, str) or not host.strip() or any(c.isspace() for c in host):
        problem(at + ("host",), f"mail.smtp.host must be a host name, got {host!r}")
        return None
    security = value.get("security", "starttls")
    if security not in SECURITY:
        problem(at + ("security",), f"mail.smtp.security must be one of {', '.join(SECURITY)}, got {security!r}")
        return None
    port = value.get("port", DEFAULT_PORTS[security])
    if isinstance(port, bool) or not isinstance(port, int) or not 0 < port < 65536:
        problem(at + ("port",), f"mail.smtp.port must be a port number, got {port!r}")
        return None
    user = value.get("user")
    if user is not None and not isinstance(user, str):
        problem(at + ("user",), "mail.smtp.user must be text")
        user = None
    password_env = value.get("password_env")
    if password_env is not None and not (isinstance(password_env, str) and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", password_env)):
        problem(at + ("password_env",), f"mail.smtp.password_env must be an environment variable name, got {password_env!r}")
        password_env = None
    if user is not None and password_env is None:
        problem(at + ("password_env",), "mail.smtp.user needs password_env: the environment variable holding the password")
    timeout = value.get("timeout", 30)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or not 0 < timeout <= 600:
        problem(at + ("timeout",), f"mail.smtp.timeout must be seconds between 1 and 600, got {timeout!r}")
        timeout = 30
    return SmtpSettings(host.strip(), port, security, user, password_env, float(timeout))


def read_automations(value: Any, problem: Problem, stage_ids: set[str]) -> tuple[Automation, ...]:
    if value is None:
        return ()
    if not isinstance(value, list):
        problem(("automations",), "automations must be a list like [{id: follow-up, stage: proposal, after: 2d, "
                                  "template: follow-up}]")
        return ()
    rules: list[Automation] = []
    seen: set[str] = set()
    for index, item in enumerate(value):
        at = ("automations", index)
        if not isinstance(item, dict):
            problem(at, "an automation must be a mapping with id, stage or tag, after, template")
            continue
        for key in item:
            if key not in ("id", "stage", "tag", "after", "template", "to"):
                problem(at + (key,), f"unknown automation field '{key}' (known: id, stage, tag, after, template, to)",
                        "warning")
        rule_id = item.get("id")
        if not isinstance(rule_id, str) or not ID_PATTERN.match(rule_id):
            problem(at + ("id",), f"automation id must be lowercase words joined by '-', got {rule_id!r}")
            continue
        if rule_id in seen:
            problem(at + ("id",), f"automation id '{rule_id}' is used twice")
            continue
        seen.add(rule_id)
        stage, tag = item.get("stage"), item.get("tag")
        if (stage is None) == (tag is None):
            problem(at, f"automation {rule_id}: give one of stage or tag (when it triggers)")
            continue
        if stage is not None and stage not in stage_ids:
            problem(at + ("stage",), f"automation {rule_id}: unknown stage {stage!r}")
            continue
        if tag is not None and not (isinstance(tag, str) and tag.strip()):
            problem(at + ("tag",), f"automation {rule_id}: tag must be text")
            continue
        template = item.get("template")
        if not isinstance(template, str) or not ID_PATTERN.match(template):
            problem(at + ("template",), f"automation {rule_id}: template must be the name of templates/email/NAME.md.j2, "
                                        f"got {template!r}")
            continue
        to = item.get("to", "contact")
        if to not in RECIPIENTS:
            problem(at + ("to",), f"automation {rule_id}: to must be contact or owner, got {to!r}")
            continue
        after = item.get("after", "0d")
        match = re.fullmatch(r"(\d{1,3})([dw])", after) if isinstance(after, str) else None
        if match is None:
            problem(at + ("after",), f"automation {rule_id}: after must be a delay like 2d or 1w, got {after!r}")
            continue
        days = int(match.group(1)) * (7 if match.group(2) == "w" else 1)
        rules.append(Automation(rule_id, template, days, stage, tag.strip() if tag else None, to))
    return tuple(rules)
