"""Reading pipe's own export back (json, jsonl, csv, xlsx) into the same deals: `pipe import --preset pipe`."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from pipecli.core.deal import FIELD_ORDER, Deal
from pipecli.core.errors import InvalidValue
from pipecli.core.tables import read_table
from pipecli.core.values import parse_contact

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Free text that may look like a date and must stay text.
_TEXT_KEYS = {"id", "title", "account", "source", "lost_reason", "owner", "text", "summary", "notes", "name",
              "role", "phone", "email", "stage", "pipeline", "by", "assignee", "kind", "direction", "status",
              "time", "suggested", "budget", "authority", "need", "timeline", "external_id"}
_NEUTRALISED = re.compile(r"^'(?=['=+\-@\t\r]|$)")
_SCALARS = ("id", "title", "pipeline", "stage", "currency", "owner", "account", "source", "lost_reason")
_JSON_LISTS = ("history", "close_changes", "tasks", "activities")


def read_export(path: Path) -> list[Deal]:
    """The deals of a file `pipe export` wrote, by its extension (.json, .jsonl, .csv, .xlsx)."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InvalidValue(f"no file {path}")
    if suffix in (".json", ".jsonl", ".ndjson"):
        text = path.read_text(encoding="utf-8")
        try:
            records = json.loads(text) if suffix == ".json" else [json.loads(line) for line in text.splitlines() if line.strip()]
        except json.JSONDecodeError as error:
            raise InvalidValue(f"{path}:{error.lineno}: not JSON: {error.msg}") from None
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise InvalidValue(f"{path}: not a pipe export: expected deal objects")
        return [_from_record(r, path) for r in records]
    table = read_table(path, strip=False)
    if "id" not in table.headers or "history" not in table.headers:
        raise InvalidValue(f"{path}: not a pipe export (no id and history columns); import it with --map or --rules")
    # Only the csv export puts a quote before formula-like text; xlsx marks such cells as text instead.
    quoted = suffix not in (".xlsx", ".xlsm")
    return [_from_row(row, path, quoted) for row in table.rows]


def _from_record(record: dict, path: Path) -> Deal:
    data = {k: _dates(v, k) for k, v in record.items() if k != "notes"}
    if not isinstance(data.get("id"), str):
        raise InvalidValue(f"{path}: a deal without an id")
    return Deal(data, record.get("notes") or "")


def _dates(value: Any, key: str | None = None) -> Any:
    """JSON's ISO date text back into dates, wherever pipe writes dates (not inside free text)."""
    if isinstance(value, str):
        return dt.date.fromisoformat(value) if key not in _TEXT_KEYS and _DATE.match(value) else value
    if isinstance(value, list):
        return [_dates(v, key) for v in value]
    if isinstance(value, dict):
        return {k: _dates(v, k) for k, v in value.items()}
    return value


def _from_row(row: dict, path: Path, quoted: bool) -> Deal:
    def _cell(row: dict, key: str) -> Any:
        value = row.get(key, "")
        if quoted and isinstance(value, str):
            return _NEUTRALISED.sub("", value, count=1)  # the quote the export put before a formula-like cell
        return value

    data: dict[str, Any] = {}
    for key in _SCALARS:
        text = _cell(row, key)
        if text not in ("", None):
            data[key] = str(text)
    for key in ("value", "probability"):
        text = str(_cell(row, key)).strip()
        if text:
            number = float(text)
            data[key] = int(number) if number.is_integer() and "." not in text else number
    tags = str(_cell(row, "tags"))
    if tags:
        data["tags"] = tags.split(", ")
    for key in ("created", "expected_close", "closed"):
        value = _cell(row, key)
        if isinstance(value, dt.date):
            data[key] = value
        elif value:
            data[key] = dt.date.fromisoformat(str(value)[:10])
    contacts_json = _cell(row, "contacts_json")
    if contacts_json:
        data["contacts"] = _json(contacts_json, "contacts_json", path)
    elif _cell(row, "contacts"):
        data["contacts"] = [parse_contact(c) for c in str(_cell(row, "contacts")).split(";") if c.strip()]
    bant = {k: _cell(row, f"bant.{k}") for k in ("budget", "authority", "need", "timeline")}
    bant = {k: v for k, v in bant.items() if v not in ("", None)}
    extra = _json(_cell(row, "extra"), "extra", path) if _cell(row, "extra") else {}
    bant.update(extra.pop("bant", {}) if isinstance(extra, dict) else {})
    if bant:
        data["bant"] = bant
    for key in _JSON_LISTS:
        if _cell(row, key):
            data[key] = _dates(_json(_cell(row, key), key, path), key)
    if _cell(row, "external_id"):
        data["external_id"] = str(_cell(row, "external_id"))
    for key, value in (extra or {}).items():
        data[key] = _dates(value, key)
    ordered = {k: data[k] for k in FIELD_ORDER if k in data}
    ordered.update({k: v for k, v in data.items() if k not in ordered})
    return Deal(ordered, str(_cell(row, "notes") or ""))


def _json(text: Any, column: str, path: Path) -> Any:
    try:
        return json.loads(str(text))
    except json.JSONDecodeError:
        raise InvalidValue(f"{path}: the {column} column is not JSON: was the file edited?") from None
