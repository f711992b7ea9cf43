"""A deal file's bytes as a Deal: the one loader behind every reader of deal files.

The workspace, a deal at a commit (gitsync.revisions), `pipe check` and `pipe edit` all load
through here: decode UTF-8, cut the frontmatter from the notes and read it through the fast reader
or the strict loader (fileformat.dealfile.parse), type-check it (validate.load_problems). Every
failure is one ParseError with the path the caller shows (deals/acme.md) and the line it is on.
"""

from __future__ import annotations

import datetime as dt

from pipecli.core.errors import ParseError
from pipecli.core.fileformat import dealfile, utf8
from pipecli.core.model.config import Config
from pipecli.core.model.deal import Deal
from pipecli.core.model.validate import FieldProblem, error_messages, load_problems, meaning_problems


def read_document(raw: bytes, path: str) -> dealfile.DealDocument:
    """A deal file's bytes parsed, its fields not checked yet; raises ParseError naming path and line."""
    return dealfile.parse(utf8.decode(raw, path), path)


def type_check(document: dealfile.DealDocument, file_id: str) -> tuple[Deal | None, list[FieldProblem]]:
    """The deal of a parsed file, or None and what keeps it from loading (a wrong type, an id that
    is not its file's: file_id)."""
    problems = load_problems(document.data, file_id)
    if problems:
        return None, problems
    return Deal(document.data, document.body, document), []


def deal_of(document: dealfile.DealDocument, path: str, file_id: str) -> Deal:
    """The deal of a parsed file; raises ParseError at the line of its first type problem."""
    deal, problems = type_check(document, file_id)
    if deal is None:
        raise ParseError(path, document.line_of(problems[0].key_path), problems[0].message)
    return deal


def load_deal(raw: bytes, path: str, file_id: str) -> Deal:
    """A deal file's bytes as a type-checked Deal; raises ParseError naming path and line.

    path is what messages show (deals/acme.md); file_id is the id the file's name gives (acme).
    """
    return deal_of(read_document(raw, path), path, file_id)


def edit_problem(before: bytes, after: bytes, shown: str, file_id: str, config: Config, today: dt.date) -> str | None:
    """Why an edited deal file cannot replace the old one, as 'path:line: message', or None.

    Like every other write, an edit may keep errors the deal already had, but not add any.
    """
    try:
        deal = load_deal(after, shown, file_id)
    except ParseError as error:
        return str(error)
    old_errors = set(_errors_of(before, shown, file_id, config, today))
    for problem in meaning_problems(deal, config, today):
        if problem.severity == "error" and problem.message not in old_errors:
            return f"{shown}:{deal.document.line_of(problem.key_path)}: {problem.message}"
    return None


def _errors_of(raw: bytes, shown: str, file_id: str, config: Config, today: dt.date) -> list[str]:
    """The errors of a deal file's old content (none counted if it did not even load)."""
    try:
        deal = load_deal(raw, shown, file_id)
    except ParseError:
        return []
    return error_messages(deal, config, today)
