"""The one exception hierarchy of the core; the CLI turns each into a line on stderr."""

from __future__ import annotations


class PipeError(Exception):
    """Bad input or bad data: shown to the user as one line, never as a traceback."""


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
