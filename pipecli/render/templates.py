"""Reports through jinja2 templates (markdown and html): built-in ones, overridden by the workspace's.

Every template runs in jinja2's sandbox, so a template from a workspace (which came through git
from someone else) cannot reach Python internals. Templates get plain data only (report_data).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from pathlib import Path

from pipecli.core.errors import InvalidValue, PipeError
from pipecli.core.reports import Report
from pipecli.render import svg
from pipecli.render.reports import change_text, left_out_line, left_out_lines, report_data, shown

TEMPLATE_NAMES = {"md": "report.md.j2", "html": "report.html.j2"}
BUILTIN_PREFIX = "builtin/"  # `{% extends "builtin/report.html.j2" %}` reaches the shipped template


MAX_MADE = 1_000_000  # the most items or characters one `*` or `**` in a template may make


def sandbox(**options):
    """jinja2's sandbox, and more: it limits range() but not `'x' * 10**10`, which would fill the
    memory long before the time limit stops the template."""
    from jinja2.sandbox import SandboxedEnvironment
    from jinja2.exceptions import SecurityError

    class LimitedSandbox(SandboxedEnvironment):
        intercepted_binops = frozenset(["*", "**"])

        def call_binop(self, context, operator, left, right):
            if operator == "**" and isinstance(right, int) and abs(right) > 64 and not isinstance(left, float):
                raise SecurityError(f"a power as large as ** {right} is not allowed in a template")
            if operator == "*":
                for sized, times in ((left, right), (right, left)):
                    if isinstance(sized, (str, list, tuple)) and isinstance(times, int) \
                            and len(sized) * times > MAX_MADE:
                        raise SecurityError(f"a repetition making over {MAX_MADE:,} items is not allowed in a template")
            return super().call_binop(context, operator, left, right)

    return LimitedSandbox(**options)


def environment(workspace_templates: Path | None, extra_folder: Path | None, html: bool):
    import jinja2

    builtin = jinja2.PackageLoader("pipecli", "templates")
    folders = [str(p) for p in (extra_folder, workspace_templates) if p is not None and p.is_dir()]
    loader = jinja2.ChoiceLoader([
        jinja2.PrefixLoader({BUILTIN_PREFIX.rstrip("/"): builtin}),
        jinja2.FileSystemLoader(folders),
        builtin,
    ])
    env = sandbox(loader=loader, autoescape=html, trim_blocks=True, lstrip_blocks=True,
                  undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    return env


def render_template(reports: list[Report], fmt: str, currency: str, today, *, workspace_root: Path | None,
                    template_file: Path | None = None, skipped: list[dict] | None = None) -> str:
    """The reports through the template for fmt: --template FILE, else templates/NAME in the
    workspace, else the built-in one. Templates see `skipped`: the deal files left out (--skip-bad),
    each with path, line, problem and text, one line saying all of it."""
    import jinja2
    from markupsafe import Markup

    html = fmt == "html"
    env = environment(workspace_root / "templates" if workspace_root else None,
                      template_file.parent if template_file else None, html)
    env.filters["shown"] = lambda value, unit="text", cur=None: shown(value, unit, cur if cur is not None else currency)
    env.filters["md"] = md_text
    context = {
        "reports": [_context(r, currency, html, Markup) for r in reports],
        "currency": currency,
        "today": today.isoformat(),
        "skipped": [{**s, "text": left_out_line(s)} for s in skipped or []],
        "skipped_heading": (left_out_lines(skipped)[0] if skipped else ""),
    }
    name = template_file.name if template_file else TEMPLATE_NAMES[fmt]
    try:
        with time_limit(RENDER_SECONDS, name):
            return env.get_template(name).render(context)
    except jinja2.TemplateNotFound as error:
        raise InvalidValue(f"template '{error.name}' not found (in templates/ or the built-in ones)") from None
    except jinja2.TemplateSyntaxError as error:
        raise PipeError(f"{error.filename or name}:{error.lineno}: template error: {error.message}") from None
    except jinja2.exceptions.SecurityError as error:
        raise PipeError(f"{name}: template refused by the sandbox: {error}") from None
    except RecursionError:
        raise PipeError(f"{name}: template error: it calls, includes or extends itself without end (to build on "
                        f"a shipped template, extend '{BUILTIN_PREFIX}{TEMPLATE_NAMES['html']}' or "
                        f"'{BUILTIN_PREFIX}{TEMPLATE_NAMES['md']}')") from None
    except PipeError:
        raise
    except Exception as error:  # a template is code from the workspace: whatever it does wrong is its error
        where = _template_line(error)
        raise PipeError(f"{name}{where}: template error: {type(error).__name__}: {error}") from None


RENDER_SECONDS = 30  # far beyond any real report; a runaway template from git must not hang CI


@contextlib.contextmanager
def time_limit(seconds: int, name: str):
    """Stop a template that runs longer than seconds (a loop of a billion steps, say)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expired(signum, frame):
        raise PipeError(f"{name}: template error: still rendering after {seconds} s; stopped")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def _template_line(error: BaseException) -> str:
    """':LINE' of the template frame where error happened, when jinja2 left one in the traceback."""
    line = None
    tb = error.__traceback__
    while tb is not None:
        if tb.tb_frame.f_globals.get("__jinja_template__") is not None or tb.tb_frame.f_code.co_filename.endswith(".j2"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return f":{line}" if line else ""


def md_text(value) -> str:
    """Text safe in a markdown table cell: no cell break, and no HTML (a summary or a PR comment
    shows what deal files say, and a deal file can come from anyone)."""
    text = str(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _context(report: Report, currency: str, html: bool, markup) -> dict:
    """What a template sees of one report: its data, with each value also as text."""
    data = report_data(report)
    for figure, source in zip(data["figures"].values(), report.figures):
        figure["text"] = shown(source.value, source.unit, currency)
        figure["previous_text"] = shown(source.previous, source.unit, currency) if source.compared else ""
        figure["change_text"] = change_text(source, currency) if source.compared else ""
    for table, source in zip(data["tables"].values(), report.tables):
        table["cells"] = [[shown(row.get(c.key), c.unit, currency if c.unit == "money" else None)
                           for c in source.columns] for row in source.rows]
    if html:
        tables = {t.key: t for t in report.tables}
        for chart, source in zip(data["charts"], report.charts):
            chart["svg"] = markup(svg.chart_svg(source, tables[source.table], currency))
    data["figure_list"] = list(data["figures"].values())
    data["table_list"] = list(data["tables"].values())
    return data
