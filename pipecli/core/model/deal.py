"""The deal: its frontmatter (fields in the order of model/schema.py), typed accessors, and its notes body."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from pipecli.core.fileformat.dealfile import DealDocument, insert_key
from pipecli.core.model import entryids
from pipecli.core.model.schema import FIELD_ORDER

BANT_KEYS = ("budget", "authority", "need", "timeline")
TASK_STATUSES = ("open", "done", "cancelled")
# The order of a task's keys as pipe writes them; a key added to a task goes to its place.
TASK_ORDER = ("id", "text", "due", "every", "assignee", "status", "snoozed_until", "created", "done", "suggested")
MAX_ID_LENGTH = 60


class Deal:
    """One deal file: the frontmatter as an ordered dict, the notes, and where it came from.

    The dict keeps unknown keys and the file's own key order; accessors give typed views of the
    known fields (the validator has checked their types before a Deal reaches other code).
    """

    def __init__(self, data: dict, body: str = "", document: DealDocument | None = None,
                 reader: Callable[[], DealDocument] | None = None):
        self.data = data
        self.body = body
        self._document = document  # what was read from disk, for diff-friendly writes
        # For a deal that came from the cache: reads and parses its file when the document is first
        # needed (a write, a line number), so listing 10,000 cached deals reads none of them.
        self._reader = reader

    @property
    def document(self) -> DealDocument | None:
        if self._document is None and self._reader is not None:
            self._document = self._reader()
            self._reader = None
        return self._document

    @document.setter
    def document(self, value: DealDocument | None) -> None:
        self._document = value
        self._reader = None

    # -- identity and placement -------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.data.get("id", "")

    @property
    def title(self) -> str:
        title = self.data.get("title")
        return str(title) if title is not None and title != "" else self.id

    @property
    def pipeline(self) -> str:
        return self.data.get("pipeline", "")

    @property
    def stage(self) -> str:
        return self.data.get("stage", "")

    # -- money ------------------------------------------------------------------------------
    @property
    def value(self) -> Decimal:
        raw = self.data.get("value")
        return Decimal(str(raw)) if raw is not None else Decimal(0)

    @property
    def currency(self) -> str | None:
        return self.data.get("currency")

    @property
    def probability(self) -> float | None:
        """The deal's own win probability (0-100), overriding its stage's, or None."""
        return self.data.get("probability")

    # -- people and context -----------------------------------------------------------------
    @property
    def owner(self) -> str | None:
        return self.data.get("owner")

    @property
    def account(self) -> str | None:
        account = self.data.get("account")
        return str(account) if account is not None else None

    @property
    def source(self) -> str | None:
        return self.data.get("source")

    @property
    def tags(self) -> list[str]:
        return [str(t) for t in self.data.get("tags") or []]

    @property
    def contacts(self) -> list[dict]:
        return self.data.get("contacts") or []

    @property
    def bant(self) -> dict:
        return self.data.get("bant") or {}

    # -- dates ------------------------------------------------------------------------------
    @property
    def created(self) -> dt.date | None:
        return self.data.get("created")

    @property
    def expected_close(self) -> dt.date | None:
        return self.data.get("expected_close")

    @property
    def closed(self) -> dt.date | None:
        return self.data.get("closed")

    @property
    def lost_reason(self) -> str | None:
        return self.data.get("lost_reason")

    # -- timeline ---------------------------------------------------------------------------
    @property
    def history(self) -> list[dict]:
        return self.data.get("history") or []

    @property
    def tasks(self) -> list[dict]:
        return self.data.get("tasks") or []

    @property
    def activities(self) -> list[dict]:
        return self.data.get("activities") or []

    @property
    def open_tasks(self) -> list[dict]:
        """Open tasks, earliest due first (tasks without a due date last)."""
        open_ = [t for t in self.tasks if t.get("status", "open") == "open"]
        return sorted(open_, key=lambda t: (t.get("due") is None, t.get("due") or dt.date.max))

    @property
    def next_task(self) -> dict | None:
        """The next step: the open task due first."""
        tasks = self.open_tasks
        return tasks[0] if tasks else None

    def stage_entered(self) -> dt.date | None:
        """When the deal entered its current stage: the last history entry for it, else created."""
        for entry in reversed(self.history):
            if entry.get("stage") == self.stage:
                return entry.get("date")
        return self.created

    def last_activity(self, today: dt.date | None = None) -> dt.date | None:
        """The latest of: created, a stage move, a logged interaction, a task done.

        A meeting planned for later is not activity yet: with today given, later dates are ignored.
        """
        dates = [self.created]
        dates += [h.get("date") for h in self.history]
        dates += [a.get("date") for a in self.activities]
        dates += [t.get("done") for t in self.tasks if t.get("status") == "done"]
        known = [d for d in dates if isinstance(d, dt.date) and (today is None or d <= today)]
        return max(known) if known else None

    def task_ref(self, task: dict) -> str:
        """How commands name a task: its id (stored, or derived from its content until stored)."""
        for candidate, ident in zip(self.tasks, entryids.entry_ids(self.id, "tasks", self.tasks)):
            if candidate is task:
                return ident
        raise ValueError(f"task not on deal {self.id}")

    def entry_ids(self, field: str) -> list[str]:
        """The id of each task or interaction, in file order."""
        return entryids.entry_ids(self.id, field, self.data.get(field) or [])

    def store_task_ids(self) -> bool:
        """Write the derived id into every task that has none; returns whether any changed.

        Called before a task is changed in place: a derived id comes from the task's content, so
        it must be stored while it still names the task the user saw.
        """
        tasks = self.tasks
        filled = entryids.with_ids(self.id, "tasks", tasks)
        if filled is tasks:
            return False
        self.set("tasks", filled)
        return True

    def store_entry_id(self, field: str, index: int) -> str:
        """Store the id of one task or interaction (derived if it had none) before it changes; returns it."""
        entries = list(self.data.get(field) or [])
        ident = entryids.entry_ids(self.id, field, entries)[index]
        if entryids.stored_id(entries[index]) is None:
            entries[index] = {**entries[index], "id": ident}  # last, as with_ids puts it
            self.set(field, entries)
        return ident

    def searchable_text(self) -> str:
        """Everything a --search looks through, lowercased."""
        parts = [self.id, self.title, self.account or "", self.source or "", self.body]
        parts += self.tags
        for contact in self.contacts:
            parts += [str(v) for v in contact.values() if v is not None]
        parts += [str(t.get("text", "")) for t in self.tasks]
        parts += [str(a.get(key) or "") for a in self.activities for key in ("summary", "notes")]
        return "\n".join(parts).lower()

    # -- changes ----------------------------------------------------------------------------
    def set(self, key: str, value: Any) -> None:
        """Set a field, keeping the file's key order (new keys go to their usual place)."""
        self.data = insert_key(self.data, key, value, FIELD_ORDER)

    def unset(self, key: str) -> None:
        self.data = {k: v for k, v in self.data.items() if k != key}

    def append(self, key: str, item: dict) -> None:
        """Append an entry to a list field (history, tasks, activities, contacts)."""
        self.set(key, list(self.data.get(key) or []) + [item])

    def __repr__(self) -> str:
        return f"Deal({self.id!r}, stage={self.stage!r})"


def task_with(task: dict, **fields: Any) -> dict:
    """A copy of task with fields set, new keys where TASK_ORDER puts them (see entry_with)."""
    return entry_with(task, TASK_ORDER, **fields)


def entry_with(entry: dict, order: tuple[str, ...], **fields: Any) -> dict:
    """A copy of a list entry with fields set: existing keys in place, a new key after the last key
    that comes before it in order (so hand-added keys and their order are left alone)."""
    rank = {name: i for i, name in enumerate(order)}
    result = dict(entry)
    for key, value in fields.items():
        if key in result:
            result[key] = value
            continue
        items = list(result.items())
        position = 0
        for index, (existing, _) in enumerate(items):
            if rank.get(existing, len(order)) < rank.get(key, len(order)):
                position = index + 1
        items.insert(position, (key, value))
        result = dict(items)
    return result


# Letters that NFKD does not split into an ASCII letter and an accent.
_SPELLED_OUT = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE",
                              "đ": "d", "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "TH", "ð": "d"})


def slugify(title: str) -> str:
    """A deal id made from a title: lowercase ASCII words joined by '-'."""
    spelled = title.translate(_SPELLED_OUT)
    ascii_text = unicodedata.normalize("NFKD", spelled).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if len(slug) > MAX_ID_LENGTH:
        slug = slug[:MAX_ID_LENGTH].rsplit("-", 1)[0] or slug[:MAX_ID_LENGTH]
    return slug.strip("-") or "deal"


def unique_id(base: str, taken: set[str], start: int = 2) -> str:
    """base, or base-2, base-3... whichever is not taken (from base-`start` on: the caller knows those before are taken)."""
    if base not in taken:
        return base
    n = start
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"
