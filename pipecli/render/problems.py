"""`pipe check` output: one `path:line: severity: message` line per problem, or one row each (csv, json, md)."""

from __future__ import annotations

from collections.abc import Sequence

from pipecli.core.problems import Problem
from pipecli.render.formats import render_rows
from pipecli.render.style import printable

PROBLEM_COLUMNS = ("path", "line", "severity", "message")


def render_problems(problems: Sequence[Problem], fmt: str, raw: bool = False) -> str:
    if fmt == "text":
        return problems_text(problems)
    records = [{"path": p.path, "line": p.line, "severity": p.severity, "message": p.message} for p in problems]
    return render_rows(records, PROBLEM_COLUMNS, fmt, raw)


def problems_text(problems: Sequence[Problem]) -> str:
    """One line per problem, whatever the message quotes from the file, shown as printable() shows it."""
    return "".join(printable(str(p).replace("\r", "\\r").replace("\n", "\\n")) + "\n" for p in problems)


def summary(problems: Sequence[Problem], deal_count: int) -> str:
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    if not problems:
        return f"ok: {deal_count} deals, no problems"
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)} in {deal_count} deals"
