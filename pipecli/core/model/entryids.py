"""Stable ids of a deal's tasks and interactions: new ones, derived ones for entries without, and lookup by a typed id.

A position in a list (the "2" of acme#2) changes meaning when a teammate's entry merges in above
it or someone inserts one by hand, so commands name a task or an interaction by its `id`.
Entries written before ids existed, or by hand, have none: they get one derived from the deal and
the entry's content, the same in every clone, until a write stores it in the file.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from pipecli.core.errors import Ambiguous, InvalidValue, NotFound, ParseError

_LETTERS = "abcdefghijkmnpqrstuvwxyz"  # no l and o: they read as 1 and 0
_CHARS = _LETTERS + "23456789"  # no 0 and 1: they read as o and l
ID_LENGTH = 6
ENTRY_FIELDS = ("tasks", "activities")
# What a user types: a whole id or a prefix of one, optionally after DEAL#. pipe's ids start with a
# letter; ids written by hand or by older tools may start with a digit.
_TYPED_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}\Z")  # matched in any case
_NUMBERED = re.compile(r"^(?P<deal>[^#\s]+)#(?P<number>\d{1,6})\Z")
_IN_DEAL = re.compile(r"^(?P<deal>[^#\s]+)#(?P<id>[^#\s]+)\Z")


def new_entry_id(taken: set[str] = frozenset()) -> str:
    """Six random characters starting with a letter (so YAML never reads it as a number)."""
    while True:
        candidate = secrets.choice(_LETTERS) + "".join(secrets.choice(_CHARS) for _ in range(ID_LENGTH - 1))
        if candidate not in taken:
            return candidate


def _canonical(entry: Any) -> str:
    return json.dumps(entry, sort_keys=True, default=lambda v: f"{type(v).__name__}:{v}")


def _derived(deal_id: str, field: str, canonical: str, occurrence: int) -> str:
    digest = hashlib.blake2b(f"{deal_id}\0{field}\0{occurrence}\0{canonical}".encode(), digest_size=8).digest()
    number = int.from_bytes(digest, "big")
    letters = [_LETTERS[number % len(_LETTERS)]]
    number //= len(_LETTERS)
    for _ in range(ID_LENGTH - 1):
        letters.append(_CHARS[number % len(_CHARS)])
        number //= len(_CHARS)
    return "".join(letters)


def typable(entry_id: str) -> bool:
    """Whether an id can be typed as a command's argument (a stored one may be anything)."""
    return _TYPED_ID.match(entry_id) is not None


def stored_id(entry: Any) -> str | None:
    """The id written in the entry, if it has one."""
    if isinstance(entry, dict):
        value = entry.get("id")
        if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value):
            return str(value)
    return None


def entry_ids(deal_id: str, field: str, entries: list) -> list[str]:
    """The id of each entry: its own, else one derived from the deal id and its content.

    Identical entries without an id are told apart by their order among themselves, which a
    merge keeps. The derived id is what `with_ids` stores, so it does not change on the write.
    """
    ids = []
    seen: dict[str, int] = {}
    for entry in entries:
        own = stored_id(entry)
        if own is not None:
            ids.append(own)
            continue
        key = _canonical(entry)
        occurrence = seen.get(key, 0)
        seen[key] = occurrence + 1
        ids.append(_derived(deal_id, field, key, occurrence))
    return ids


def with_ids(deal_id: str, field: str, entries: list) -> list:
    """entries with every dict that has no id given its derived id, as its last key.

    Last, so that storing it adds one line to the file and leaves the entry's `- ` line alone.
    """
    if all(stored_id(e) is not None or not isinstance(e, dict) for e in entries):
        return entries
    return [entry if stored_id(entry) is not None or not isinstance(entry, dict) else {**entry, "id": ident}
            for entry, ident in zip(entries, entry_ids(deal_id, field, entries))]


@dataclass(frozen=True)
class EntryRef:
    """An entry as typed: an id or a prefix of one, maybe scoped to a deal (DEAL#ID)."""

    text: str
    id_prefix: str
    deal: str | None = None
    positional: bool = False  # DEAL#N with digits only: a position unless N is a whole id


def parse_entry_ref(text: str, what: str, example: str) -> EntryRef:
    """Read ID, ID-PREFIX or DEAL#ID; DEAL#N (digits) is marked positional: locate refuses it unless
    N is a whole id on that deal (never a prefix, which could silently be another entry than the Nth)."""
    cleaned = text.strip()
    numbered = _NUMBERED.match(cleaned)
    if numbered:
        return EntryRef(cleaned, numbered.group("number"), numbered.group("deal"), positional=True)
    scoped = _IN_DEAL.match(cleaned)
    if scoped and _TYPED_ID.match(scoped.group("id")):
        return EntryRef(cleaned, scoped.group("id"), scoped.group("deal"))
    if _TYPED_ID.match(cleaned):
        return EntryRef(cleaned, cleaned)
    raise InvalidValue(f"bad {what} '{text}': give its id as shown by {example} (a unique prefix is enough)")


@dataclass(frozen=True)
class Located:
    deal_id: str
    entry_id: str
    label: str  # how the entry reads, for a list of candidates


def locate(workspace, ref: EntryRef, field: str, what: str, describe) -> Located:
    """The one entry of `field` ref names (workspace: a storage.Workspace); describe(entry) -> str.

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
    shown = "; ".join(f"{c.deal_id}#{c.entry_id} {c.label}" for c in candidates[:8])
    more = f" and {len(candidates) - 8} more" if len(candidates) > 8 else ""
    raise Ambiguous(f"'{ref.text}' matches {len(candidates)} {what}s: {shown}{more}")


def position(deal, field: str, entry_id: str) -> int:
    """The 0-based index of the entry with entry_id in the deal's field; raises NotFound."""
    entries = deal.data.get(field) or []
    for index, ident in enumerate(entry_ids(deal.id, field, entries)):
        if ident == entry_id:
            return index
    raise NotFound(f"no entry '{entry_id}' on {deal.id} any more")
