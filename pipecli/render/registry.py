"""The registry of output formats: every --format name pipe knows, and which kinds of data each serves.

A command names the kind of data it prints; its --format choices are the formats serving that kind,
in this order, so one name means one thing everywhere (`text` for reading, never `table`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

RECORDS = "records"    # rows of the same fields: deals, tasks, problems, timeline events, changes
FIGURES = "figures"    # reports: headline figures, tables and charts
DOCUMENT = "document"  # one deal, as a page to read or as its data
BOARD = "board"        # a pipeline's stages with the deals in each
DEALS = "deals"        # every field of deals, for another program (pipe export)


@dataclass(frozen=True)
class Format:
    name: str
    kinds: frozenset[str]
    binary: bool = False  # bytes for a file (-o), never for a terminal or a pipe
    aliases: tuple[str, ...] = ()  # older names still accepted, not offered in --help
    suffixes: tuple[str, ...] = ()  # the file extensions that choose it, where a command lets -o choose


FORMATS: tuple[Format, ...] = (
    Format("text", frozenset({RECORDS, FIGURES, DOCUMENT, BOARD}), aliases=("table",)),
    Format("csv", frozenset({RECORDS, FIGURES, DEALS}), suffixes=(".csv",)),
    Format("json", frozenset({RECORDS, FIGURES, DOCUMENT, BOARD, DEALS}), suffixes=(".json",)),
    Format("jsonl", frozenset({DEALS}), suffixes=(".jsonl", ".ndjson")),
    Format("md", frozenset({RECORDS, FIGURES, BOARD})),
    Format("html", frozenset({FIGURES})),
    Format("xlsx", frozenset({DEALS}), binary=True, suffixes=(".xlsx",)),
    Format("sqlite", frozenset({DEALS}), binary=True, suffixes=(".sqlite", ".sqlite3", ".db")),
)


def formats_for(*kinds: str) -> tuple[Format, ...]:
    """The formats serving any of kinds, in registry order."""
    return tuple(f for f in FORMATS if f.kinds & set(kinds))


def names(formats: Sequence[Format]) -> tuple[str, ...]:
    return tuple(f.name for f in formats)


def is_binary(name: str) -> bool:
    return any(f.binary for f in FORMATS if f.name == name)


def format_for_path(path_name: str, formats: Sequence[Format]) -> str | None:
    """The one of formats a file name's extension chooses, or None."""
    dot = path_name.rfind(".")
    suffix = path_name[dot:].lower() if dot > 0 else None
    return next((f.name for f in formats if suffix in f.suffixes), None)
