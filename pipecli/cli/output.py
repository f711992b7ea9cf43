"""What commands print: their output (to standard output or -o FILE), warnings, tasks, and what a move did."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import click

from pipecli.core.errors import InvalidValue, PipeError
from pipecli.core.model.values import format_contact
from pipecli.core.workflow.lifecycle import Move
from pipecli.render.formats import plain
from pipecli.render.style import Style, for_terminal, printable


# How the CLI names the inputs that core messages name (core/model/inputs.py), when the running
# command has that option; otherwise the message keeps the domain's words.
INPUT_OPTIONS = {
    "next_step": "--next", "next_text": "--next TEXT", "due": "--due", "due_date": "--due DATE", "due_by": "--due",
    "source": "--source", "account": "--account", "tags": "--tag", "search": "--search", "pipeline": "--pipeline",
    "min_value": "--min-value", "max_value": "--max-value", "overdue": "--overdue",
    "reason": "--reason", "lost_reason": "--lost REASON", "won": "--won", "lost": "--lost", "park": "--park",
    "on": "--on", "on_date": "--on DATE", "at": "--at", "force": "--force", "until": "--until", "dismiss_for": "--for",
    "direction": "--direction", "summary": "--summary", "notes": "--notes", "add_notes": "--add-notes",
    "text": "--text TEXT", "date_format": "--date-format", "stage_map": "--stage-map 'SOURCE=stage'",
    "add_owners": "--add-owners", "column_rules": "--map or --rules", "encoding": "--encoding",
    "delimiter": "--delimiter", "value": "--value", "close_date": "--close-date", "contact": "--contact",
    "owner": "--owner", "missing": "--missing",
}


def worded(message: object) -> str:
    """A core message (a PipeError, a Message, or plain text) with each input it names said as the running
    command's option (`--next TEXT`), where that command has one."""
    from pipecli.cli.groups import running_command

    said = getattr(message, "said", message)
    if not hasattr(said, "worded"):
        return str(message)
    command = running_command()
    flags = {flag for param in command.params for flag in getattr(param, "opts", ())} if command else set()

    def name(named) -> str:
        option = INPUT_OPTIONS.get(named.field)
        return option if option is not None and option.split()[0] in flags else named.words

    return said.worded(name)


def stdin_is_terminal() -> bool:
    """Whether a question can be asked: a command that would destroy or change much asks only then."""
    import sys

    return sys.stdin.isatty()


def warn(message: object) -> None:
    click.echo(printable(f"pipe: warning: {worded(message)}"), err=True)  # it may quote a deal file


def warn_duplicate(deal_id: str, others: list[str]) -> None:
    """The warning of add and import when a new deal likely duplicates others (core/model/duplicates.py)."""
    from pipecli.core.model.duplicates import listed

    warn(f"{deal_id} is likely the same deal as {listed(others)} (same account, similar title, not won or lost); "
         f"if so, keep one: 'pipe rm {deal_id}' (--force skips this warning)")


def echo_output(text: str, fmt: str) -> None:
    """A command's output in fmt: as it is into a file or a pipe; on a terminal, safe to show (for_terminal)."""
    import sys

    click.echo(for_terminal(text, fmt) if sys.stdout.isatty() else text, nl=False)


@dataclass(frozen=True)
class Output:
    """How and where a command writes what it prints: --format, -o FILE and --raw (cli/options.py's
    output_options makes it)."""

    fmt: str
    path: Path | None  # None: standard output
    raw: bool = False
    style: Style = Style(False)  # colour only for a terminal, never into a file
    width: int | None = None  # text tables fit this many columns; None: full width (cli/options.py table_width)

    def emit(self, content: str | bytes, coloured: bool = False, said: str | None = None) -> None:
        """Write content to -o FILE atomically (then say so on stderr: said, or 'wrote FILE'), else to
        standard output as echo_output does. coloured: the command's text format is styled, each
        piece of deal text put through printable() before, so it goes to a terminal as it is."""
        if self.path is not None:
            write_output(Path(self.path), content)
            click.echo(said or f"wrote {self.path}", err=True)
        elif coloured and self.fmt == "text":
            # color=True: with --color always, click must not strip the codes from a pipe
            click.echo(content, nl=False, color=self.style.enabled or None)
        else:
            echo_output(content, self.fmt)

    def stream(self, pieces: Iterable[str], said: str | None = None) -> None:
        """As emit, the content given in pieces, written as they come so that the whole is never held
        (`pipe list --format json` on 100,000 deals): to -o FILE atomically, else to standard output a
        batch of pieces at a time. Each piece must end where a record does: click strips ANSI codes, and
        for_terminal escapes, a batch at a time."""
        if self.path is not None:
            def write(handle) -> None:
                for piece in pieces:
                    handle.write(piece.encode("utf-8"))

            write_output(Path(self.path), write)
            click.echo(said or f"wrote {self.path}", err=True)
        else:
            for batch in batches(pieces):
                echo_output(batch, self.fmt)

    def write_file(self, write: Callable[[BinaryIO], None], said: str | None = None) -> None:
        """As emit for a binary format, which goes to -o FILE only (output_options sees to it):
        write(handle) puts the content into the file as it makes it, atomically."""
        if self.path is None:
            raise InvalidValue(f"--format {self.fmt} writes a binary file: give -o FILE")
        write_output(Path(self.path), write)
        click.echo(said or f"wrote {self.path}", err=True)


# About what one write to a pipe takes: fewer, larger writes than a record each, and little held.
BATCH_CHARACTERS = 1 << 16


def batches(pieces: Iterable[str]) -> Iterator[str]:
    """The pieces joined into batches of about BATCH_CHARACTERS, in order, the last as it is."""
    held: list[str] = []
    size = 0
    for piece in pieces:
        held.append(piece)
        size += len(piece)
        if size >= BATCH_CHARACTERS:
            yield "".join(held)
            held, size = [], 0
    if held:
        yield "".join(held)


def write_output(path: Path, content) -> None:
    """-o FILE: a regular file (or a new one) is replaced atomically, through a symbolic link to its target;
    a FIFO or a device (/dev/null, /dev/stdout) is written into, as the shell's > does, never replaced."""
    import os
    import stat

    from pipecli.core.store.workspace import write_atomic

    target = Path(os.path.realpath(path))
    _refuse_workspace_file(path, target)
    try:
        # path itself, followed: /dev/stdout into a pipe resolves to /proc/PID/fd/pipe:[N], which is no name
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        with open(path, "wb") as handle:
            if callable(content):
                content(handle)
            else:
                handle.write(content.encode("utf-8") if isinstance(content, str) else content)
        return
    write_atomic(target, content)


def _refuse_workspace_file(path: Path, target: Path) -> None:
    """-o must not replace what a workspace is made of: a file in a workspace's deals/ folder, or
    its pipelines.yaml (`pipe list -o deals/acme.md` would put a table where a deal was)."""
    from pipecli.core.model.config import CONFIG_FILE
    from pipecli.core.store.workspace import DEALS_DIR

    folder = target.parent
    in_deals = folder.name == DEALS_DIR and (folder.parent / CONFIG_FILE).is_file()
    if in_deals or (target.name == CONFIG_FILE and (folder / DEALS_DIR).is_dir()):
        where = f"in the {DEALS_DIR}/ folder of a workspace" if in_deals else "a workspace's settings"
        raise PipeError(f"-o {path} is {where} ({target}): not writing a command's output there; "
                        "choose another file")


def describe_task(task: dict) -> str:
    """'text (due DATE, every 2w) @assignee', as command output shows a task."""
    when = [f"due {task['due']}"] if task.get("due") else []
    when += [f"every {task['every']}"] if task.get("every") else []
    due = f" ({', '.join(when)})" if when else ""
    who = f" @{task['assignee']}" if task.get("assignee") else ""
    return printable(f"{task.get('text')}{due}{who}")


def show_value(value) -> str:
    """A field's value as `pipe set` reports it (tags and contacts the way they are typed), printable."""
    return printable(_typed(value))


def _typed(value) -> str:
    if value is None or value == []:
        return "(none)"
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return ", ".join(value)
    if isinstance(value, list) and all(isinstance(v, dict) for v in value):
        return "; ".join(format_contact(v) for v in value)
    return str(plain(value))


def echo_move(moved: Move) -> str:
    """What a move did: the stages, the tasks it created and cancelled, and any warning; returns its first line."""
    where = f"{moved.from_pipeline}/{moved.from_stage} -> {moved.pipeline.id}/{moved.to.id}" \
        if moved.from_pipeline != moved.pipeline.id else f"{moved.from_stage} -> {moved.to.id}"
    forced = f" (forced without {', '.join(moved.forced)})" if moved.forced else ""
    click.echo(f"{moved.deal.id}: {where}{forced}")
    for task in moved.created_tasks:
        click.echo(f"{moved.deal.task_ref(task)} added: {describe_task(task)}")
    if moved.cancelled_tasks:
        click.echo(f"{moved.deal.id}: cancelled {len(moved.cancelled_tasks)} open task(s): "
                   + printable("; ".join(str(t.get("text")) for t in moved.cancelled_tasks)))
    if moved.warning:
        warn(moved.warning)
    return f"{moved.deal.id}: {where}{forced}"


# Deal files below which `pipe check` is quick enough to need no bar.
LARGE_WORKSPACE = 200


def progress(label: str, at_least: int = 2):
    """A function wrapping an iterable in a progress bar on stderr when it is a terminal, else as is
    (and as is for fewer than at_least items: a bar that flashes by says nothing)."""
    import sys

    def wrap(items):
        items = list(items)
        if not sys.stderr.isatty() or len(items) < max(2, at_least):
            yield from items
            return
        with _bar(label, iterable=items) as bar:
            yield from bar

    return wrap


def _bar(label: str, **kwargs):
    """The one look of pipe's progress bars (progress, progress_count)."""
    import sys

    return click.progressbar(label=label, file=sys.stderr, show_pos=True, **kwargs)


@contextmanager
def progress_count(label: str, total: int, at_least: int = 2):
    """A progress bar of total steps, for work done elsewhere (another process): yields show(done),
    called with how many are done so far; on a terminal only, like progress."""
    import sys

    if not sys.stderr.isatty() or total < max(2, at_least):
        yield lambda done: None
        return
    with _bar(label, length=total) as bar:
        def show(done: int) -> None:
            step = min(done, total) - bar.pos
            if step > 0:
                bar.update(step)

        yield show
        show(total)


def output_path(text: str | None) -> Path | None:
    """Where -o writes, checked before any work: None for standard output."""
    if text is None or text == "-":
        return None
    if not text.strip():
        raise InvalidValue("an empty -o: give a file name, or leave -o out for standard output")
    path = Path(text)
    if path.is_dir():
        raise InvalidValue(f"-o {text} is a folder: give a file name")
    if not path.parent.is_dir():
        raise InvalidValue(f"cannot write {text}: there is no folder {path.parent}")
    # By its mode, not os.access: root may write anything, but a read-only report is meant to stay.
    if path.exists() and not path.stat().st_mode & 0o222:
        raise InvalidValue(f"cannot write {text}: the file is read-only")
    return path
