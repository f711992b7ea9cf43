"""The one exception hierarchy of the core; the CLI turns each into a line on stderr."""

from __future__ import annotations

from collections.abc import Callable


class Named:
    """An input a message names (a next step, the day of a change): in the domain's words here; a
    front end names it as its user gives it (the CLI: `--next TEXT`), through Message.worded.
    A plain class, not a dataclass: this module loads with `pipe --help`, and dataclasses costs a millisecond."""

    __slots__ = ("field", "words")

    def __init__(self, field: str, words: str):
        self.field = field
        self.words = words

    def __repr__(self) -> str:
        return f"Named({self.field!r}, {self.words!r})"

    def __str__(self) -> str:
        return self.words


class Message:
    """Text in parts, some of them Named inputs: str() says them in the domain's words, and worded()
    lets a front end say them its own way. The core never spells a CLI flag."""

    def __init__(self, *parts: object):
        self.parts = parts

    def __str__(self) -> str:
        return "".join(str(part) for part in self.parts)

    def worded(self, name: Callable[[Named], str]) -> str:
        """The text with each Named input said as name() says it."""
        return "".join(name(part) if isinstance(part, Named) else str(part) for part in self.parts)


class PipeError(Exception):
    """Bad input or bad data: shown to the user as one line, never as a traceback.

    The message may come in parts naming inputs (see Message); `said` keeps them for the CLI.
    exit_code is the program's exit status when the error ends a command: set once, here and on
    Interrupted, and read once, where the CLI turns the error into its line (cli/main.py).
    """

    exit_code = 1

    def __init__(self, *parts: object):
        self.said = Message(*parts)
        super().__init__(str(self.said))


class Interrupted(PipeError):
    """Ctrl-C stopped a run part way; the message says what was done and what was not."""

    exit_code = 130  # as shells expect of a program stopped by SIGINT


def restated(error: PipeError, message: str) -> PipeError:
    """A PipeError saying message instead, of error's kind as far as the exit status goes: a caller that
    adds what it knows (what was sent, what to run again) keeps an interrupted run interrupted."""
    return Interrupted(message) if isinstance(error, Interrupted) else PipeError(message)


class WorkspaceNotFound(PipeError):
    """No pipelines.yaml in this folder or any folder above it."""


class ParseError(PipeError):
    """A file that does not parse; carries the path and the 1-based line."""

    def __init__(self, path: str, line: int | None, message: str):
        self.path = path
        self.line = line
        self.message = message
        where = f"{path}:{line}" if line else path
        super().__init__(f"{where}: {message}")


class ConfigError(PipeError):
    """pipelines.yaml is invalid; carries every problem found."""

    def __init__(self, problems: list):
        self.problems = problems
        first = problems[0]
        more = f" (and {len(problems) - 1} more; run 'pipe check')" if len(problems) > 1 else ""
        super().__init__(f"{first}{more}")


class NotFound(PipeError):
    """An id, prefix or name that matches nothing."""


class Ambiguous(PipeError):
    """A prefix or name that matches more than one thing."""


class InvalidValue(PipeError):
    """A value that breaks the rules of the field it is meant for."""


class MissingRate(PipeError):
    """A deal in a currency with no exchange rate: totals would be silently wrong."""


class BadFiles(PipeError):
    """Deal files that do not parse, met by a command whose result needs every deal (a report, a
    bulk change): it refuses, naming each file, rather than go on without them unasked."""

    def __init__(self, errors: list[ParseError]):
        self.errors = errors
        many = len(errors) > 1
        self.them = "them" if many else "it"
        super().__init__(f"{len(errors)} deal file{'s do' if many else ' does'} not parse (above); "
                         f"fix {self.them} ('pipe check' lists every problem)")
