"""What a deal file and pipelines.yaml hold, each written once: the deal's fields in file order, with
their types and the commands that write them; the workspace settings, with their defaults.

The load rules (model/validate.py), the order new keys take in a deal file (Deal.set), the config
reader (model/config.py) take them from here; `pipe init`'s template and docs/format.md's lists
of fields and settings are checked against them (tests/test_schema.py). Adding a deal field or a
setting starts here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# A field's type, as the load rules check it.
TEXT = "text"
FREE_TEXT = "free text"  # may be written as a plain number (`account: 1234`): it reads as text
NUMBER = "number"
DATE = "date"
TEXT_LIST = "list of text"
MAPPING = "mapping"
ENTRIES = "list of entries"  # mappings whose known keys have their own rules
UNCHECKED = "unchecked"  # not checked on load: read tolerantly by what uses it


@dataclass(frozen=True)
class Field:
    """One top-level key of a deal's frontmatter."""

    name: str
    type: str
    written_by: tuple[str, ...]  # the commands that write it, as docs/format.md names them
    required: bool = False  # without it the deal cannot be loaded at all


# In the order keys take in a new file; existing files keep their own order.
DEAL_FIELDS: tuple[Field, ...] = (
    Field("id", TEXT, ("add",), required=True),
    Field("title", FREE_TEXT, ("add", "set"), required=True),
    Field("pipeline", TEXT, ("add", "move --pipeline"), required=True),
    Field("stage", TEXT, ("add", "the moves"), required=True),
    Field("value", NUMBER, ("add --value", "set")),
    Field("currency", TEXT, ("add", "set")),
    Field("probability", NUMBER, ("set",)),
    Field("owner", TEXT, ("add", "set")),
    Field("account", FREE_TEXT, ("add --account", "set")),
    Field("contacts", ENTRIES, ("add --contact", "set", "contact add/rm")),
    Field("source", TEXT, ("add --source", "set")),
    # next to source: where the deal came from, and its id there
    Field("external_id", UNCHECKED, ("import",)),
    Field("tags", TEXT_LIST, ("add --tag", "set", "bulk tag")),
    Field("created", DATE, ("add", "set")),
    Field("expected_close", DATE, ("add --close-date", "set")),
    Field("closed", DATE, ("the moves", "corrections")),
    Field("lost_reason", TEXT, ("the moves", "corrections")),
    Field("bant", MAPPING, ("set",)),
    Field("history", ENTRIES, ("add", "the moves")),
    Field("close_changes", ENTRIES, ("set expected_close",)),
    Field("tasks", ENTRIES, ("add", "task", "the moves")),
    Field("dismissed", ENTRIES, ("task dismiss",)),
    Field("activities", ENTRIES, ("log", "mail --send", "automate", "import-mail", "import-calendar")),
    Field("automations", UNCHECKED, ("automate",)),
)
FIELD_ORDER: tuple[str, ...] = tuple(f.name for f in DEAL_FIELDS)


def fields_of_type(*types: str) -> tuple[str, ...]:
    """The deal fields of these types, in field order."""
    return tuple(f.name for f in DEAL_FIELDS if f.type in types)


# What `pipe init` writes for a setting.
WRITES_DEFAULT = "default"
WRITES_EXAMPLE = "example"  # a starting point to edit, not the default: lost_reasons, pipelines
LEFT_OUT = "left out"
REQUIRED = None  # the default of a setting that must be given


@dataclass(frozen=True)
class Setting:
    """One top-level key of pipelines.yaml."""

    name: str
    default: Any  # what an absent key means, as it would be written in the file
    allowed: tuple[str, ...] = ()  # its only values, when they are few
    template: str = WRITES_DEFAULT


# In the order docs/format.md lists them and `pipe init` writes them.
SETTINGS: tuple[Setting, ...] = (
    Setting("currency", "EUR"),
    Setting("rates", {}),
    Setting("team", []),
    Setting("lost_reasons", [], template=WRITES_EXAMPLE),
    Setting("sources", []),
    Setting("inactivity_days", 10),
    Setting("next_step", "warn", allowed=("strict", "warn", "off")),
    Setting("flush_reason", "stale"),
    Setting("suggestions", {}, template=LEFT_OUT),  # every kind on
    Setting("git", {"autocommit": False}, template=LEFT_OUT),
    Setting("mail", {}, template=LEFT_OUT),
    Setting("automations", [], template=LEFT_OUT),
    Setting("pipelines", REQUIRED, template=WRITES_EXAMPLE),
)


def setting(name: str) -> Setting:
    return next(s for s in SETTINGS if s.name == name)
