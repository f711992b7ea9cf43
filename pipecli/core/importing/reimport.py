"""Reading pipe's own export back (json, jsonl, csv, xlsx) into the same deals: `pipe import --preset pipe`."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from pipecli.core.errors import InvalidValue
from pipecli.core.importing.tables import read_table
from pipecli.core.model.deal import Deal
from pipecli.core.model.inputs import COLUMN_RULES
from pipecli.core.model.schema import FIELD_ORDER
from pipecli.core.model.values import parse_contact

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# Free text that may look like a date and must stay text.
_TEXT_KEYS = {"id", "title", "account", "source", "lost_reason", "owner", "text", "summary", "notes", "name",
              "role", "phone", "email", "stage", "pipeline", "by", "assignee", "kind", "direction", "status",
              "time", "suggested", "budget", "authority", "need", "timeline", "external_id"}
_SCALARS = ("id", "title", "pipeline", "stage", "currency", "owner", "account", "source", "lost_reason")
_JSON_LISTS = ("history", "close_changes", "tasks", "activities")


def read_export(path: Path) -> list[Deal]:
    """The deals of a file `pipe export` wrote, by its extension (.json, .jsonl, .csv, .xlsx)."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise InvalidValue(f"no file {path}")
    if suffix in (".json", ".jsonl", ".ndjson"):
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise InvalidValue(f"{path}: not UTF-8 text, so not a pipe export") from None
        records = []
        try:
            if suffix == ".json":
                records = json.loads(text)
            else:
                for number, line in enumerate(text.split("\n"), start=1):
                    if line.strip():
                        records.append(json.loads(line))
        except json.JSONDecodeError as error:
            line = error.lineno if suffix == ".json" else number
            raise InvalidValue(f"{path}:{line}: not JSON: {error.msg}") from None
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise InvalidValue(f"{path}: not a pipe export: expected deal objects")
        return [_guarded(_from_record, r, path, i + 1) for i, r in enumerate(records)]
    # read_table takes off the ' the csv export put before formula-like text (core/fileformat/csvcells.py);
    # xlsx marks such cells as text instead.
    table = read_table(path, strip=False)
    if "id" not in table.headers or "history" not in table.headers:
        raise InvalidValue(f"{path}: not a pipe export (no id and history columns); import it with ", COLUMN_RULES)
    return [_guarded(_from_row, row, path, number) for row, number in zip(table.rows, table.numbers)]


def _guarded(read, record, path: Path, number: int, *more) -> Deal:
    """read(record) as a deal, any malformed cell being one error naming the row."""
    try:
        return read(record, path, *more)
    except InvalidValue:
        raise
    except (ValueError, TypeError, AttributeError, ArithmeticError) as error:
        raise InvalidValue(f"{path}: deal {number}: cannot read it back ({error}); was the file edited?") from None


def _from_record(record: dict, path: Path) -> Deal:
    data = {k: _dates(v, k) for k, v in record.items() if k != "notes"}
    if not isinstance(data.get("id"), str):
        raise InvalidValue(f"{path}: a deal without an id")
    return Deal(data, record.get("notes") or "")


def plan_reimport(deals: list[Deal], existing: dict[str, Deal], config, today, update: bool) -> list[tuple[str, Deal]]:
    """(action, deal) for each exported deal: create, update (the existing deal, replaced) or skip.

    Every deal is checked first (its id, duplicates, what pipe check says), so a bad one stops
    the whole import before anything is written.
    """
    from pipecli.core.model.validate import error_messages, load_problems
    from pipecli.core.names import ID_PATTERN

    seen: set[str] = set()
    for deal in deals:
        if not ID_PATTERN.match(deal.id):
            raise InvalidValue(f"'{deal.id}' is not a deal id (lowercase letters, digits and '-'); nothing imported")
        if deal.id in seen:
            raise InvalidValue(f"deal {deal.id} is in the file twice; nothing imported")
        seen.add(deal.id)
        problems = [p.message for p in load_problems(deal.data, deal.id)] or error_messages(deal, config, today)
        if problems:
            raise InvalidValue(f"deal {deal.id}: {problems[0]}; nothing imported")
    actions = []
    for deal in deals:
        old = existing.get(deal.id)
        if old is None:
            actions.append(("create", deal))
        elif update and (old.data != deal.data or old.body != deal.body):
            old.data, old.body = deal.data, deal.body
            actions.append(("update", old))
        else:
            actions.append(("skip", deal))
    return actions


def _dates(value: Any, key: str | None = None) -> Any:
    """JSON's ISO date text back into dates, wherever pipe writes dates (not inside free text)."""
    if isinstance(value, str):
        return dt.date.fromisoformat(value) if key not in _TEXT_KEYS and _DATE.match(value) else value
    if isinstance(value, list):
        return [_dates(v, key) for v in value]
    if isinstance(value, dict):
        return {k: _dates(v, k) for k, v in value.items()}
    return value


def _from_row(row: dict, path: Path) -> Deal:
    def _cell(row: dict, key: str) -> Any:
        return row.get(key, "")

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
