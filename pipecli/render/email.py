"""Email templates: templates/email/NAME.md.j2 in the workspace, a subject in frontmatter and a jinja2 body.

    ---
    subject: "{{ deal.account }}: the proposal, as promised"
    ---
    Hi {{ contact.first_name }},

    ...
    {{ sender.name }}

Both the subject and the body are jinja2, rendered in the sandbox (a template may come through git
from anyone) with undefined names as errors, so a typo never sends "Hi ,". They see plain data:
the deal, its contact, its owner, the sender and today.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pipecli.core.errors import InvalidValue, PipeError
from pipecli.core.fileformat import yamlio
from pipecli.core.model.mailconfig import header_text
from pipecli.core.names import ID_PATTERN
from pipecli.render.templates import TemplateOutside, inside

MAX_EMAIL = 1_000_000  # characters the subject or the body of one email may have

EMAIL_TEMPLATES = Path("templates") / "email"
SUFFIX = ".md.j2"


@dataclass(frozen=True)
class EmailTemplate:
    name: str
    path: Path  # as shown to the user
    subject: str  # jinja2 source
    body: str  # jinja2 source
    body_line: int  # the file line the body starts on, for error messages


def template_names(root: Path) -> list[str]:
    folder = root / EMAIL_TEMPLATES
    if not folder.is_dir():
        return []
    return sorted(p.name[: -len(SUFFIX)] for p in folder.glob(f"*{SUFFIX}") if p.is_file())


def load_template(root: Path, name: str) -> EmailTemplate:
    """templates/email/NAME.md.j2 of the workspace; a clear error for a missing or malformed one."""
    shown = EMAIL_TEMPLATES / f"{name}{SUFFIX}"
    if not ID_PATTERN.match(name):
        raise InvalidValue(f"'{name}' is not a template name (lowercase words joined by '-': {shown})")
    path = root / shown
    if path.is_file() and (real := inside(path, os.path.join(os.path.realpath(root), "templates"))) is not None:
        raise TemplateOutside(f"{shown}: refused: it is a link to {real}, outside templates/")
    if not path.is_file():
        known = ", ".join(template_names(root)) or f"none yet: write {EMAIL_TEMPLATES}/{name}{SUFFIX}"
        raise InvalidValue(f"no email template {shown} (templates: {known})")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise PipeError(f"{shown}: cannot read: {getattr(error, 'strerror', None) or error}") from None
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        raise PipeError(f"{shown}:1: an email template starts with a '---' line, then 'subject: ...', then '---'")
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].rstrip() == "---")
    except StopIteration:
        raise PipeError(f"{shown}:1: the frontmatter is never closed by a '---' line") from None
    try:
        front = yamlio.load("\n".join(lines[1:close]) + "\n") or {}
    except yamlio.YAMLError as error:
        line = yamlio.error_line(error)
        raise PipeError(f"{shown}:{(line or 0) + 2}: {yamlio.error_message(error)}") from None
    subject = front.get("subject") if isinstance(front, dict) else None
    if not isinstance(subject, str) or not subject.strip():
        raise PipeError(f"{shown}:2: the frontmatter needs a subject: 'subject: Your proposal'")
    return EmailTemplate(name, shown, subject, "\n".join(lines[close + 1:]), close + 2)


def render_email(template: EmailTemplate, context: dict) -> tuple[str, str]:
    """(subject, body) of template for one deal's context."""
    import jinja2

    from pipecli.render.templates import bounded_render, error_text, rendering, sandbox

    # No loader: an email template includes nothing, so no file can reach an email through one.
    env = sandbox(MAX_EMAIL, undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    parts = []
    for source, first_line in ((template.subject, 2), (template.body, template.body_line)):
        with rendering(str(template.path), suffix=f" (for deal {context['deal']['id']})",
                       syntax_at=lambda error: f"{template.path}:{first_line + (error.lineno or 1) - 1}"):
            try:
                parts.append(bounded_render(env.from_string(source), context, MAX_EMAIL, "email"))
            except jinja2.UndefinedError as error:  # a name the deal does not have: said without its type
                raise PipeError(f"{template.path}: template error: {error_text(error)}") from None
    subject = header_text(parts[0])  # one line: a value holding a newline cannot make a header
    if not subject:
        raise PipeError(f"{template.path}: the subject is empty for deal {context['deal']['id']}")
    return subject, parts[1].lstrip("\n")
