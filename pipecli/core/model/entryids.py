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

from pipecli.core.errors import InvalidValue, NotFound

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


def successor_id(entry_id: str, taken: set[str] = frozenset()) -> str:
    """The id of the entry that follows entry_id (the next task of a recurring one): derived from it, so
    two clones that finish the same task make the same next task, which their merge keeps as one."""
    candidate = _derived("", "next", entry_id, 0)
    return candidate if candidate not in taken else new_entry_id(taken)


def keyed_id(deal_id: str, key: str, taken: set[str] = frozenset()) -> str:
    """The id of an interaction logged from a mail or meeting with this Message-ID or UID: derived
    from it, so two clones that log the same one make the same entry, which their merge keeps as one."""
    candidate = _derived(deal_id, "keyed", key, 0)
    return candidate if candidate not in taken else new_entry_id(taken)


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


def position(deal, field: str, entry_id: str) -> int:
    """The 0-based index of the entry with entry_id in the deal's field; raises NotFound."""
    entries = deal.data.get(field) or []
    for index, ident in enumerate(entry_ids(deal.id, field, entries)):
        if ident == entry_id:
            return index
    raise NotFound(f"no entry '{entry_id}' on {deal.id} any more")
