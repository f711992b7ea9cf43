"""Deals exported whole: every field of every deal as json, jsonl, csv, xlsx or sqlite.

Pure functions from a list of Deal objects to text (csv, json, jsonl) or bytes (xlsx, sqlite);
the command writes them. The layouts are described in docs/export.md.

- json/jsonl carry each deal's frontmatter as it is (dates as ISO text) plus `notes`, the body:
  reading them back gives the same deals.
- csv and the xlsx sheet `deals` are one row per deal: the scalar fields as columns, the lists as
  JSON text in their own columns, and what has no column of its own in `extra`. A text cell that
  a spreadsheet would take for a formula is neutralised (pipecli/core/fileformat/csvcells.py).
- sqlite is one table per list (history, tasks, activities, contacts, close changes, tags),
  keyed by deal id, plus the pipelines' stages and the exchange rates, so that a query can ask
  for "won" and add up money in the base currency.
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from pipecli.core.errors import InvalidValue
from pipecli.core.fileformat.csvcells import (FORMULA_STARTS,  # noqa: F401 (neutralise: the policy, re-exported)
                                              neutralise)
from pipecli.core.model.config import Config
from pipecli.core.model.deal import BANT_KEYS, Deal
from pipecli.core.model.entryids import ENTRY_FIELDS
from pipecli.core.model.values import format_contact
from pipecli.render.formats import csv_row, plain
from pipecli.render.registry import DEALS, formats_for, names

EXPORT_FORMATS = names(formats_for(DEALS))
NOTES_KEY = "notes"


def render_export(deals: Sequence[Deal], fmt: str, config: Config | None = None) -> str | bytes:
    """deals in one of EXPORT_FORMATS: text for csv/json/jsonl, bytes for xlsx/sqlite."""
    if fmt in TEXT_FORMATS:
        return "".join(export_chunks(deals, fmt))
    if fmt == "xlsx":
        return to_xlsx(deals)
    if fmt == "sqlite":
        return to_sqlite(deals, config)
    raise InvalidValue(f"unknown export format '{fmt}' (formats: {', '.join(EXPORT_FORMATS)})")


def export_chunks(deals: Sequence[Deal], fmt: str) -> Iterator[str]:
    """render_export's text for csv, json or jsonl a deal at a time (the csv's header first): the export
    is never held whole. A deal the format cannot carry fails before the first piece."""
    return TEXT_FORMATS[fmt](deals)


# -- json and jsonl ------------------------------------------------------------------------------

def deal_object(deal: Deal) -> dict:
    """The deal as JSON-ready data: its frontmatter in file order, dates as ISO text, then `notes`."""
    _refuse_notes_field(deal)
    data = plain(deal.data)
    data[NOTES_KEY] = deal.body
    return data


def _refuse_notes_field(deal: Deal) -> None:
    if NOTES_KEY in deal.data:
        raise InvalidValue(
            f"deals/{deal.id}.md has a field '{NOTES_KEY}', which the export uses for the notes below the "
            f"frontmatter: rename it (pipe edit {deal.id}) or export as csv, xlsx or sqlite")


def _dumps(value: Any, indent: int | None = None) -> str:
    # U+2028, U+2029 and U+0085 are valid raw in JSON text, but str.splitlines() and some
    # JavaScript tools break lines on them: escape them so one deal stays one line.
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085")


def to_json(deals: Sequence[Deal]) -> str:
    return "".join(json_chunks(deals))


def json_chunks(deals: Sequence[Deal]) -> Iterator[str]:
    """What json.dumps(indent=2) writes for the list of deal objects, a deal at a time: each deal dumped
    alone and indented one level (no JSON string holds a raw line break, so indenting every line after
    the first is indenting the value)."""
    for deal in deals:  # an error before any output, as when the export was made whole
        _refuse_notes_field(deal)
    before = "[\n  "
    for deal in deals:
        yield before + _dumps(deal_object(deal), indent=2).replace("\n", "\n  ")
        before = ",\n  "
    yield "[]\n" if before == "[\n  " else "\n]\n"


def to_jsonl(deals: Sequence[Deal]) -> str:
    return "".join(jsonl_chunks(deals))


def jsonl_chunks(deals: Sequence[Deal]) -> Iterator[str]:
    for deal in deals:
        _refuse_notes_field(deal)
    return (_dumps(deal_object(d)) + "\n" for d in deals)


# -- the one-row-per-deal table (csv and the xlsx sheet `deals`) ------------------------------------

SCALAR_FIELDS = ("id", "title", "pipeline", "stage", "value", "currency", "probability", "owner", "account",
                 "source")
DATE_FIELDS = ("created", "expected_close", "closed")
JSON_LIST_FIELDS = ("history", "close_changes", "tasks", "activities")
# Top-level keys that have a column of their own; everything else goes to `extra`.
_COLUMN_KEYS = frozenset(SCALAR_FIELDS + DATE_FIELDS + JSON_LIST_FIELDS
                         + ("tags", "lost_reason", "contacts", "bant", "external_id"))


def _json_text(value: Any) -> str | None:
    return None if value is None else _dumps(plain(value))


def _tags_text(deal: Deal) -> str | None:
    tags = deal.data.get("tags")
    return None if tags is None else ", ".join(str(t) for t in tags)


def _contacts_text(deal: Deal) -> str | None:
    contacts = deal.data.get("contacts")
    if contacts is None:
        return None
    return "; ".join(shown for shown in (format_contact(c) for c in contacts) if shown)


def extra_fields(deal: Deal) -> dict:
    """What has no column of its own: unknown top-level keys, and bant keys beyond the four."""
    extra = {k: v for k, v in deal.data.items() if k not in _COLUMN_KEYS}
    bant = deal.data.get("bant")
    if isinstance(bant, dict):
        others = {k: v for k, v in bant.items() if k not in BANT_KEYS}
        if others:
            extra["bant"] = others
    return extra


def _bant(key: str) -> Callable[[Deal], Any]:
    return lambda deal: (deal.data.get("bant") or {}).get(key)


def _field(key: str) -> Callable[[Deal], Any]:
    return lambda deal: deal.data.get(key)


def deal_columns(deals: Sequence[Deal]) -> list[tuple[str, Callable[[Deal], Any]]]:
    """The columns of the deals table, each with how to get its value (text, number, date, bool or None).

    `external_id` is a column only when one of the deals has it.
    """
    columns: list[tuple[str, Callable[[Deal], Any]]] = [(k, _field(k)) for k in SCALAR_FIELDS]
    columns.append(("tags", _tags_text))
    columns += [(k, _field(k)) for k in DATE_FIELDS]
    columns.append(("lost_reason", _field("lost_reason")))
    columns.append(("contacts", _contacts_text))
    columns += [(f"bant.{k}", _bant(k)) for k in BANT_KEYS]
    if any("external_id" in d.data for d in deals):
        columns.append(("external_id", _field("external_id")))
    columns.append((NOTES_KEY, lambda deal: deal.body))
    columns.append(("contacts_json", lambda deal: _json_text(deal.data.get("contacts"))))
    columns += [(k, lambda deal, k=k: _json_text(deal.data.get(k))) for k in JSON_LIST_FIELDS]
    columns.append(("extra", lambda deal: _json_text(extra_fields(deal) or None)))
    return columns


def _csv_value(value: Any) -> Any:
    """A value for the csv (core/fileformat/csvcells.py writes it): numbers as they are, dates ISO, booleans
    true/false, lists and mappings as JSON text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return value  # a number pipe writes: never a formula, so never neutralised
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, dict)):
        return _dumps(plain(value))
    return str(value)


def to_csv(deals: Sequence[Deal]) -> str:
    """One row per deal, a header row first (docs/export.md lists the columns); lines end in LF.

    Always neutralised (no raw form): `pipe import --preset pipe` removes exactly the quotes added.
    """
    return "".join(csv_chunks(deals))


def csv_chunks(deals: Sequence[Deal]) -> Iterator[str]:
    """to_csv a line at a time: the header, then a deal each."""
    columns = deal_columns(deals)
    yield csv_row([name for name, _ in columns])
    for deal in deals:
        yield csv_row([_csv_value(get(deal)) for _, get in columns])


TEXT_FORMATS: dict[str, Callable[[Sequence[Deal]], Iterator[str]]] = {
    "csv": csv_chunks, "json": json_chunks, "jsonl": jsonl_chunks}


# -- the long tables: one row per list entry (sqlite tables, xlsx sheets) ----------------------------

@dataclass(frozen=True)
class EntryTable:
    """A list field of the deals as a table: one row per entry, with the deal's id and its place."""

    name: str                 # the sqlite table
    key: str                  # the deal field holding the list
    counter: str              # the column numbering entries from 1 in file order
    columns: tuple[tuple[str, str], ...]  # (entry key, sqlite type); other keys go to `extra`
    defaults: tuple[tuple[str, Any], ...] = ()

    def rows(self, deal: Deal) -> list[list[Any]]:
        rows = []
        known = {name for name, _ in self.columns}
        defaults = dict(self.defaults)
        entries = deal.data.get(self.key) or []
        # Tasks and interactions without a stored id export the one commands show for them.
        ids = deal.entry_ids(self.key) if self.key in ENTRY_FIELDS else None
        for number, entry in enumerate(entries, start=1):
            values = [ids[number - 1] if ids is not None and name == "id" else entry.get(name, defaults.get(name))
                      for name, _ in self.columns]
            extra = {k: v for k, v in entry.items() if k not in known}
            rows.append([deal.id, number, *values, _json_text(extra or None)])
        return rows

    @property
    def headers(self) -> list[str]:
        return ["deal_id", self.counter, *(name for name, _ in self.columns), "extra"]


ENTRY_TABLES = (
    EntryTable("stage_history", "history", "position",
               (("stage", "TEXT"), ("date", "TEXT"), ("pipeline", "TEXT"), ("by", "TEXT"),
                ("forced", "TEXT"), ("flushed", "INTEGER"))),
    EntryTable("tasks", "tasks", "number",
               (("id", "TEXT"), ("text", "TEXT"), ("due", "TEXT"), ("assignee", "TEXT"), ("status", "TEXT"),
                ("snoozed_until", "TEXT"), ("created", "TEXT"), ("done", "TEXT"), ("suggested", "TEXT")),
               defaults=(("status", "open"),)),
    EntryTable("interactions", "activities", "position",
               (("id", "TEXT"), ("date", "TEXT"), ("time", "TEXT"), ("kind", "TEXT"), ("direction", "TEXT"), ("by", "TEXT"),
                ("summary", "TEXT"), ("notes", "TEXT"))),
    EntryTable("contacts", "contacts", "position",
               (("name", "TEXT"), ("email", "TEXT"), ("role", "TEXT"), ("phone", "TEXT"))),
    EntryTable("close_changes", "close_changes", "position",
               (("date", "TEXT"), ("from", "TEXT"), ("to", "TEXT"), ("by", "TEXT"))),
)
_TABLES = {t.name: t for t in ENTRY_TABLES}
# The xlsx sheets besides `deals`, and the table each shows.
XLSX_SHEETS = (("history", _TABLES["stage_history"]), ("tasks", _TABLES["tasks"]),
               ("activities", _TABLES["interactions"]))


def _listed(value: Any) -> Any:
    """A list in a long table's cell (a history entry's `forced`): its items joined with ', '."""
    return ", ".join(str(v) for v in value) if isinstance(value, list) else value


# -- xlsx ------------------------------------------------------------------------------------------

XLSX_CELL_LIMIT = 32767  # the most characters a spreadsheet cell holds
_CUT_MARK = " [cut: a cell holds 32,767 characters; the json export has it all]"


def _xlsx_text(text: str) -> str:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    # XML reads every CR and CRLF as LF: say so in the file rather than leave it to the reader.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    # XML cannot hold most control characters at all: they become U+FFFD.
    text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    if len(text) > XLSX_CELL_LIMIT:
        text = text[: XLSX_CELL_LIMIT - len(_CUT_MARK)] + _CUT_MARK
    return text


def _xlsx_cell(sheet, value: Any) -> Any:
    """One cell of a write-only sheet: numbers, dates and booleans as such; text always as text, never
    a formula. A plain value where openpyxl makes the cell right by itself, else a cell made here."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES

    if value is None or isinstance(value, (bool, float)) or (isinstance(value, int) and abs(value) < 10**15):
        return value
    if isinstance(value, dt.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "yyyy-mm-dd"
        return cell
    # text, and an int Excel would round (it keeps 15 digits), or could not hold: an id of 19 digits, say
    text = _xlsx_text(value if isinstance(value, str) else _dumps(plain(value)))
    if text[:1] not in FORMULA_STARTS and text not in ERROR_CODES:
        return text
    cell = WriteOnlyCell(sheet, value=text)
    # openpyxl would store '=...' as a formula and '#N/A' as an error: a string cell is data.
    cell.data_type = "s"
    if text[:1] in FORMULA_STARTS:
        # Excel's own form of the leading apostrophe: the cell shows the text as it is and stays
        # text when edited, where a typed-in apostrophe would show.
        cell.quotePrefix = True
    return cell


def _xlsx_row(sheet, values: Sequence[Any]) -> list[Any]:
    return [_xlsx_cell(sheet, value) for value in values]


def _xlsx_sheet(workbook, title: str, headers: Sequence[str], rows: Iterable[Sequence[Any]], coming: int) -> None:
    """A sheet written a row at a time as rows come (openpyxl's write-only mode keeps it in a temporary file);
    coming: how many rows will."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import Cell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title)
    sheet.freeze_panes = "A2"
    # The sheet's size, which a write-only sheet leaves out unless it is told (openpyxl asks for it by this
    # name before the first row): without it a reader in read-only mode (openpyxl's) finds no max_row.
    size = f"A1:{get_column_letter(len(headers))}{coming + 1}"
    sheet.calculate_dimension = lambda: size
    bold = Font(bold=True)
    header = []
    for cell in _xlsx_row(sheet, headers):
        cell = cell if isinstance(cell, Cell) else WriteOnlyCell(sheet, value=cell)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append(_xlsx_row(sheet, row))
        count += 1
    if count:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{count + 1}"


def to_xlsx(deals: Sequence[Deal]) -> bytes:
    """A workbook: sheet `deals` (the csv table) and `history`, `tasks`, `activities` in long form."""
    buffer = io.BytesIO()
    write_xlsx(buffer, deals)
    return buffer.getvalue()


def write_xlsx(handle: BinaryIO, deals: Sequence[Deal]) -> None:
    """to_xlsx's workbook written into handle, a row at a time: openpyxl's ordinary workbook holds every
    cell as an object (gigabytes for 100,000 deals); its write-only one streams each sheet to a file."""
    import datetime
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl import Workbook
    from openpyxl.writer.excel import ExcelWriter

    workbook = Workbook(write_only=True)
    workbook.properties.creator = "pipe"
    archive = None
    try:
        columns = deal_columns(deals)
        _xlsx_sheet(workbook, "deals", [name for name, _ in columns],
                    ([get(deal) for _, get in columns] for deal in deals), len(deals))
        for title, table in XLSX_SHEETS:
            _xlsx_sheet(workbook, title, table.headers,
                        ([_listed(v) for v in row] for deal in deals for row in table.rows(deal)),
                        sum(len(deal.data.get(table.key) or []) for deal in deals))
        # What workbook.save does, with the archive in hand to close if it fails
        archive = ZipFile(handle, "w", ZIP_DEFLATED, allowZip64=True)
        workbook.properties.modified = datetime.datetime.now(tz=datetime.timezone.utc).replace(tzinfo=None)
        ExcelWriter(workbook, archive).save()
    except BaseException:
        _abandon(workbook, archive)
        raise


def _abandon(workbook, archive) -> None:
    """A workbook that failed part way (a full disk, Ctrl-C): its sheets' open streams and the archive
    closed now, their errors ignored. Left to the garbage collector, each printed 'Exception ignored
    in ...' and a traceback below pipe's one line."""
    import contextlib

    for sheet in workbook.worksheets:
        writer = getattr(sheet, "_writer", None)
        for stream in (getattr(sheet, "_rows", None), getattr(writer, "xf", None)):
            if stream is not None:
                with contextlib.suppress(Exception):
                    stream.close()
    if archive is not None:
        with contextlib.suppress(Exception):
            archive.close()


# -- sqlite ----------------------------------------------------------------------------------------

SCHEMA_VERSION = 1
# The deals table: (column, sqlite type, how to get the value).
_DEAL_COLUMNS: tuple[tuple[str, str, Callable[[Deal], Any]], ...] = (
    ("id", "TEXT PRIMARY KEY", _field("id")),
    ("title", "TEXT", _field("title")),
    ("pipeline", "TEXT", _field("pipeline")),
    ("stage", "TEXT", _field("stage")),
    ("value", "NUMERIC", _field("value")),
    ("currency", "TEXT", _field("currency")),
    ("probability", "NUMERIC", _field("probability")),
    ("owner", "TEXT", _field("owner")),
    ("account", "TEXT", _field("account")),
    ("source", "TEXT", _field("source")),
    ("tags", "TEXT", _tags_text),
    ("created", "TEXT", _field("created")),
    ("expected_close", "TEXT", _field("expected_close")),
    ("closed", "TEXT", _field("closed")),
    ("lost_reason", "TEXT", _field("lost_reason")),
    *((f"bant_{k}", "TEXT", _bant(k)) for k in BANT_KEYS),
    ("external_id", "TEXT", _field("external_id")),
    ("extra", "TEXT", lambda deal: _json_text(extra_fields(deal) or None)),
    ("notes", "TEXT", lambda deal: deal.body),
)


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'  # `by`, `from` and `to` are SQL words


def _sql_value(value: Any, kind: str) -> Any:
    """A value for a column of type kind: dates ISO, booleans 1/0 in INTEGER columns and true/false in text."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value) if kind == "INTEGER" else ("true" if value else "false")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return _listed(value) if all(not isinstance(v, (list, dict)) for v in value) else _dumps(plain(value))
    if isinstance(value, dict):
        return _dumps(plain(value))
    if isinstance(value, int) and not -2**63 <= value < 2**63:  # past SQLite's INTEGER: kept whole, as text
        return str(value)
    return value


def sqlite_schema() -> str:
    """The CREATE statements of the export database.

    Each entry table's primary key (deal_id, position or number) is also its index on deal_id.
    """
    statements = [
        "CREATE TABLE deals (\n  " + ",\n  ".join(f"{_quoted(n)} {t}" for n, t, _ in _DEAL_COLUMNS) + "\n);",
        "CREATE TABLE stages (\n  pipeline TEXT NOT NULL,\n  position INTEGER NOT NULL,\n  stage TEXT NOT NULL,\n"
        "  name TEXT,\n  kind TEXT NOT NULL,\n  probability NUMERIC,\n  rot_days INTEGER,\n"
        "  PRIMARY KEY (pipeline, stage)\n);",
        "CREATE TABLE rates (\n  currency TEXT PRIMARY KEY,\n  rate NUMERIC NOT NULL,\n  base INTEGER NOT NULL\n);",
    ]
    for table in ENTRY_TABLES:
        columns = ["deal_id TEXT NOT NULL REFERENCES deals(id)", f"{table.counter} INTEGER NOT NULL"]
        columns += [f"{_quoted(n)} {t}" for n, t in table.columns]
        columns += ["extra TEXT", f"PRIMARY KEY (deal_id, {table.counter})"]
        statements.append(f"CREATE TABLE {table.name} (\n  " + ",\n  ".join(columns) + "\n);")
    statements.append("CREATE TABLE tags (\n  deal_id TEXT NOT NULL REFERENCES deals(id),\n  position INTEGER NOT NULL,\n"
                      "  tag TEXT,\n  PRIMARY KEY (deal_id, position)\n);")
    return "\n".join(statements) + "\n"


def _fill(connection: "sqlite3.Connection", deals: Sequence[Deal], config: Config | None) -> None:
    connection.executescript(sqlite_schema())
    connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    names = ", ".join(_quoted(n) for n, _, _ in _DEAL_COLUMNS)
    marks = ", ".join("?" for _ in _DEAL_COLUMNS)
    # Rows made as SQLite takes them (generators), never all held: 100,000 deals make millions.
    connection.executemany(f"INSERT INTO deals ({names}) VALUES ({marks})",
                           ([_sql_value(get(d), kind) for _, kind, get in _DEAL_COLUMNS] for d in deals))
    for table in ENTRY_TABLES:
        kinds = ["TEXT", "INTEGER", *(kind for _, kind in table.columns), "TEXT"]
        names = ", ".join(_quoted(h) for h in table.headers)
        marks = ", ".join("?" for _ in table.headers)
        connection.executemany(
            f"INSERT INTO {table.name} ({names}) VALUES ({marks})",
            ([_sql_value(v, k) for v, k in zip(row, kinds)] for d in deals for row in table.rows(d)))
    connection.executemany(
        "INSERT INTO tags (deal_id, position, tag) VALUES (?, ?, ?)",
        ((d.id, n, str(tag)) for d in deals for n, tag in enumerate(d.data.get("tags") or [], start=1)))
    if config is not None:
        connection.executemany(
            "INSERT INTO stages (pipeline, position, stage, name, kind, probability, rot_days) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(p.id, n, s.id, s.name, s.kind, s.probability, s.rot_days)
             for p in config.pipelines for n, s in enumerate(p.stages, start=1)])
        rates = {config.currency: 1, **{c: r for c, r in config.rates.items() if c != config.currency}}
        connection.executemany("INSERT INTO rates (currency, rate, base) VALUES (?, ?, ?)",
                               [(c, str(r), int(c == config.currency)) for c, r in rates.items()])
    connection.commit()


def to_sqlite(deals: Sequence[Deal], config: Config | None = None) -> bytes:
    """An SQLite database file's bytes: the deals, their lists as tables, and config's stages and rates."""
    import sqlite3  # only when a database is asked for: not at every pipe start
    connection = sqlite3.connect(":memory:")
    try:
        _fill(connection, deals, config)
        if hasattr(connection, "serialize"):
            return connection.serialize()
    finally:
        connection.close()
    handle = io.BytesIO()  # an SQLite built without serialize: through a file
    write_sqlite(handle, deals, config)
    return handle.getvalue()


# The header fields (https://www.sqlite.org/fileformat.html 1.3) a database built in a file has and
# one built in memory does not: the file change counter (24), the version-valid-for number (92) and the
# SQLite version that last wrote it (96). Zero in all three, the file is the bytes to_sqlite serializes.
_FILE_ONLY_HEADER = ((24, 4), (92, 4), (96, 4))


def write_sqlite(handle: BinaryIO, deals: Sequence[Deal], config: Config | None = None,
                 folder: Path | None = None) -> None:
    """to_sqlite's bytes written into handle, the database built in a temporary file in folder (default:
    the system's) rather than in memory: 100,000 deals make a database of hundreds of MB, which
    to_sqlite holds twice (the database, then its bytes)."""
    import errno
    import os
    import shutil
    import sqlite3
    import tempfile

    with tempfile.TemporaryDirectory(prefix=".pipe-export-", dir=folder) as temporary:
        path = Path(temporary) / "export.sqlite"
        connection = sqlite3.connect(path)
        try:
            _fill(connection, deals, config)
        except sqlite3.OperationalError as error:
            # A full disk, said as a file's write says it ('database or disk is full' came as a traceback)
            if error.sqlite_errorcode == sqlite3.SQLITE_FULL:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)) from None
            raise OSError(errno.EIO, f"the sqlite export could not be built in {path.parent}: {error}") from None
        finally:
            connection.close()
        with open(path, "rb") as database:
            header = bytearray(database.read(100))
            for offset, size in _FILE_ONLY_HEADER:
                header[offset:offset + size] = bytes(size)
            handle.write(bytes(header))
            shutil.copyfileobj(database, handle, 1 << 20)
