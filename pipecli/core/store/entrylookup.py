"""Finding a task or an interaction by the id a user typed, across the workspace's deal files: a whole id,
a unique prefix, or DEAL#ID. Reads the files, so it is the store's; what an id is belongs to model.entryids."""

from __future__ import annotations

import re
from dataclasses import dataclass

from pipecli.core.errors import Ambiguous, InvalidValue, NotFound, ParseError
from pipecli.core.model.entryids import ID_LENGTH, EntryRef, entry_ids, parse_entry_ref
from pipecli.core.names import first_of
from pipecli.core.store.workspace import Workspace


@dataclass(frozen=True)
class Located:
    deal_id: str
    entry_id: str
    label: str  # how the entry reads, for a list of candidates


def locate(workspace: Workspace, ref: EntryRef, field: str, what: str, describe) -> Located:
    """The one entry of `field` ref names; describe(entry) -> str.

    A whole id is looked for in the files that mention it (cheap on many deals); a prefix, or an
    id no file mentions (a derived one), in every deal.
    """
    if ref.deal is not None:
        deal = workspace.load(workspace.resolve(ref.deal))
        candidates = _matches(deal, field, ref.id_prefix, describe)
        if ref.positional:  # DEAL#N names an entry only if N is the whole id of one
            candidates = [c for c in candidates if c.entry_id.lower() == ref.id_prefix.lower()]
        if not candidates and ref.positional:
            listed = _matches(deal, field, "", describe)
            shown = "; ".join(f"{c.entry_id} {c.label}" for c in listed) or f"it has no {what}s"
            raise InvalidValue(f"{ref.text}: {what}s are named by id, not by position (a merge or a hand edit "
                               f"renumbers them); {deal.id}: {shown}")
        return _one(candidates, ref, what, f"on {deal.id}")
    candidates, bad = [], []
    if len(ref.id_prefix) >= ID_LENGTH:
        for deal_id in workspace.deals_mentioning(ref.id_prefix):
            try:
                candidates += _matches(workspace.load(deal_id), field, ref.id_prefix, describe)
            except ParseError as error:  # it may hold the entry: say so if no other file does
                bad.append(error)
    if not candidates:
        if bad:
            raise bad[0]
        # A file that does not parse is left out (the command warns about it), as in `pipe tasks`...
        for deal in workspace.deals(skip_bad=True):
            candidates += _matches(deal, field, ref.id_prefix, describe)
        # ...unless its text holds an id the prefix may name: then the prefix may mean its entry.
        for error in list(workspace.skipped.values()):
            if _mentions(workspace.root / error.path, ref.id_prefix):
                del workspace.skipped[error.path]  # said here: not warned about again
                raise InvalidValue(f"'{ref.text}' may name a {what} in a file that does not parse ({error}): "
                                   "fix that file, or give the whole id")
    return _one(candidates, ref, what, "in the workspace")


def _mentions(path, prefix: str) -> bool:
    """Whether a file's text holds `id: PREFIX...` (the file may not be UTF-8, nor parse)."""
    try:
        text = path.read_bytes().decode("utf-8", "replace")
    except OSError:
        return False
    return re.search(rf"\bid:\s*['\"]?{re.escape(prefix)}", text) is not None


def _matches(deal, field: str, prefix: str, describe) -> list[Located]:
    entries = deal.data.get(field) or []
    found = []
    for entry, ident in zip(entries, entry_ids(deal.id, field, entries)):
        if ident.lower().startswith(prefix.lower()) and isinstance(entry, dict):
            found.append(Located(deal.id, ident, describe(entry)))
    exact = [f for f in found if f.entry_id.lower() == prefix.lower()]
    return exact or found


def _one(candidates: list[Located], ref: EntryRef, what: str, where: str) -> Located:
    exact = [c for c in candidates if c.entry_id.lower() == ref.id_prefix.lower()]
    if len(exact) == 1:
        return exact[0]
    if len(exact) > 1:
        candidates = exact
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise NotFound(f"no {what} '{ref.text}' {where}")
    shown = first_of([f"{c.deal_id}#{c.entry_id} {c.label}" for c in candidates], 8, "; ")
    raise Ambiguous(f"'{ref.text}' matches {len(candidates)} {what}s: {shown}")


def describe_task(task: dict) -> str:
    """A task as listed among candidates: its text and status."""
    status = task.get("status", "open")
    return f"{task.get('text', '')}" + (f" ({status})" if status != "open" else "")


def find_task(workspace: Workspace, text: str) -> Located:
    """The task TEXT names: its id, a unique prefix of it, or DEAL#ID.

    DEAL#N, a task's place in its list, is refused with the deal's tasks and their ids: a merge
    or a hand edit renumbers the list, and N would then silently name another task.
    """
    ref = parse_entry_ref(text, "task", "'pipe tasks' or 'pipe show DEAL'")
    return locate(workspace, ref, "tasks", "task", describe_task)


def find_interaction(workspace: Workspace, text: str) -> Located:
    """The interaction TEXT names: its id, a unique prefix, or DEAL#ID."""
    ref = parse_entry_ref(text, "interaction", "'pipe timeline DEAL'")
    return locate(workspace, ref, "activities", "interaction",
                  lambda a: f"{a.get('date')} {a.get('kind')}: {a.get('summary', '')}")
