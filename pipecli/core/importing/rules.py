"""Importing deals from a table: rules that map columns to fields, and a plan of what to create or update.

The plan is made in memory (every row read, checked and turned into a deal) before anything is
written, so an import that fails changes nothing; `pipe import` then writes the plan.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from pipecli.core.errors import InvalidValue, NotFound, PipeError
from pipecli.core.fileformat import yamlio
from pipecli.core.importing.folding import FoldedKeys
from pipecli.core.importing.lostreasons import LostReasons, parse_lost_reasons
from pipecli.core.importing.story import created_moved_back, moves_since, parse_stage_dates, stage_steps, story
from pipecli.core.importing.tables import Table
from pipecli.core.model.config import Config, Member, Pipeline
from pipecli.core.model.deal import Deal, slugify, unique_id
from pipecli.core.model.inputs import ADD_OWNERS, DATE_FORMAT, STAGE_MAP
from pipecli.core.model.schema import FIELD_ORDER
from pipecli.core.model.validate import error_messages, load_problems
from pipecli.core.model.values import MAX_AMOUNT, parse_contact, without_controls
from pipecli.core.names import first_of
from pipecli.core.workflow.lifecycle import history_entry, new_task

PRESETS = ("pipedrive", "hubspot", "salesforce", "pipe")
# What a rule can fill: the deal fields, and a few that only guide the import.
TARGETS = ("title", "pipeline", "stage", "status", "won", "is_closed", "value", "currency", "probability",
           "owner", "account", "contact", "contact_name", "contact_email", "source", "tags", "created",
           "expected_close", "closed", "lost_reason", "notes")
RULE_KEYS = ("id", "system", "pipeline", "fields", "set", "defaults", "stages", "owners", "date_format",
             "encoding", "delimiter", "join", "history", "optional", "move_created",
             "lost_reasons")
TRUE = {"1", "true", "yes", "y", "x", "won", "t"}


@dataclass
class Join:
    """Columns of another file added to each row: file's row whose `key` equals the row's `on`."""

    file: str
    on: str
    key: str
    prefix: str = ""


@dataclass
class HistorySource:
    """A file of stage changes: rows whose `key` equals the deal row's `on`, with a stage and a date."""

    file: str
    on: str
    key: str
    stage: str
    date: str


@dataclass
class Rules:
    """How the columns of a file become deals."""

    id_column: str | None = None
    system: str | None = None  # where the ids come from: external_id is 'system:id', so two CRMs' ids never meet
    pipeline: str | None = None
    fields: dict[str, Any] = field(default_factory=dict)  # target -> column, "{template}", or a list of them
    constants: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    stages: dict[str, str] = field(default_factory=FoldedKeys)  # found whatever their case and spacing
    owners: dict[str, str] = field(default_factory=dict)
    date_format: str | None = None
    encoding: str | None = None
    delimiter: str | None = None
    joins: list[Join] = field(default_factory=list)
    history: HistorySource | None = None
    stage_dates: dict[str, str] = field(default_factory=dict)  # stage -> the date column it was entered on
    move_created: bool | None = None  # a close date before created moves created back (story.py); None: unsaid
    folder: Path | None = None  # where the rules file is: join and history files are found from there
    optional: bool | None = None  # missing columns and join files count as empty (presets: exports vary); None: unsaid
    lost_reasons: dict[str, str] = field(default_factory=dict)  # the file's reason (folded) -> ours
    lost_reason_default: str | None = None  # where a reason lost_reasons does not name goes; None: refused

    def merged(self, other: "Rules") -> "Rules":
        """These rules with other's on top (the command line over a rules file over a preset)."""
        return Rules(
            id_column=other.id_column or self.id_column,
            system=other.system or self.system,
            pipeline=other.pipeline or self.pipeline,
            fields={**self.fields, **other.fields},
            constants={**self.constants, **other.constants},
            defaults={**self.defaults, **other.defaults},
            stages=FoldedKeys({**self.stages, **other.stages}),
            owners={**self.owners, **other.owners},
            date_format=other.date_format or self.date_format,
            encoding=other.encoding or self.encoding,
            delimiter=other.delimiter or self.delimiter,
            joins=self.joins + other.joins,
            history=other.history or self.history,
            stage_dates={**self.stage_dates, **other.stage_dates},
            move_created=self.move_created if other.move_created is None else other.move_created,
            folder=other.folder or self.folder,
            optional=self.optional if other.optional is None else other.optional,
            lost_reasons={**self.lost_reasons, **other.lost_reasons},
            lost_reason_default=other.lost_reason_default or self.lost_reason_default,
        )


def parse_rules(text: str, shown: str, folder: Path | None = None) -> Rules:
    """Read a rules file (YAML); raises InvalidValue naming the key that is wrong."""
    try:
        raw = yamlio.load(text)
    except yamlio.YAMLError as error:
        line = yamlio.error_line(error)
        raise InvalidValue(f"{shown}:{line or 1}: {yamlio.error_message(error)}") from None
    raw = raw or {}
    if not isinstance(raw, dict):
        raise InvalidValue(f"{shown}: a rules file is a mapping (id:, fields:, stages:, ...)")
    unknown = [k for k in raw if k not in RULE_KEYS]
    if unknown:
        raise InvalidValue(f"{shown}: unknown rules key '{unknown[0]}' (keys: {', '.join(RULE_KEYS)})")

    def mapping(key: str) -> dict:
        value = raw.get(key) or {}
        if not isinstance(value, dict):
            raise InvalidValue(f"{shown}: '{key}' must be a mapping")
        return {str(k): v for k, v in value.items()}

    fields = mapping("fields")
    for target, source in fields.items():
        if target not in TARGETS:
            raise InvalidValue(f"{shown}: fields: unknown field '{target}' (fields: {', '.join(TARGETS)})")
        if not (isinstance(source, str) or (isinstance(source, list) and all(isinstance(s, str) for s in source))):
            raise InvalidValue(f"{shown}: fields.{target} must be a column name, a '{{column}}' template or a list of them")
    for key in ("set", "defaults"):
        for target in mapping(key):
            if target not in TARGETS:
                raise InvalidValue(f"{shown}: {key}: unknown field '{target}' (fields: {', '.join(TARGETS)})")
    joins = []
    for i, item in enumerate(raw.get("join") or []):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("file", "on", "key")):
            raise InvalidValue(f"{shown}: join entry {i + 1} needs file, on and key")
        joins.append(Join(item["file"], item["on"], item["key"], str(item.get("prefix") or "")))
    history, stage_dates = None, {}
    if isinstance(raw.get("history"), dict) and "file" not in raw["history"]:
        stage_dates = parse_stage_dates(raw["history"], shown)
    elif raw.get("history") is not None:
        item = raw["history"]
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("file", "on", "key", "stage", "date")):
            raise InvalidValue(f"{shown}: history needs file, on, key, stage and date")
        history = HistorySource(item["file"], item["on"], item["key"], item["stage"], item["date"])
    lost_reasons, lost_reason_default = parse_lost_reasons(raw.get("lost_reasons"), shown)
    return Rules(
        id_column=_text_or_none(raw.get("id"), "id", shown),
        system=_text_or_none(raw.get("system"), "system", shown),
        pipeline=_text_or_none(raw.get("pipeline"), "pipeline", shown),
        fields=fields,
        constants={k: _text(v) for k, v in mapping("set").items()},
        defaults={k: _text(v) for k, v in mapping("defaults").items()},
        stages=FoldedKeys({k: _text(v) for k, v in mapping("stages").items()}),
        owners={k: _text(v) for k, v in mapping("owners").items()},
        date_format=_text_or_none(raw.get("date_format"), "date_format", shown),
        encoding=_text_or_none(raw.get("encoding"), "encoding", shown),
        delimiter=_text_or_none(raw.get("delimiter"), "delimiter", shown),
        joins=joins,
        history=history,
        stage_dates=stage_dates,
        move_created=_flag(raw.get("move_created"), "move_created", shown),
        folder=folder,
        optional=_flag(raw.get("optional"), "optional", shown),
        lost_reasons=lost_reasons,
        lost_reason_default=lost_reason_default,
    )


def _text(value: Any) -> str:
    """A rules value as text: an empty entry (`source:`) is empty, not 'None'."""
    return "" if value is None else str(value)


def _text_or_none(value: Any, key: str, shown: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, (str, int)):
        raise InvalidValue(f"{shown}: '{key}' must be text")
    return str(value)


def _flag(value: Any, key: str, shown: str) -> bool | None:
    """A yes/no key of a rules file: true or false (a rules file can say false to a preset's true), None unsaid."""
    if value is None or isinstance(value, bool):
        return value
    raise InvalidValue(f"{shown}: '{key}' must be true or false")


def preset_rules(name: str) -> Rules:
    """The rules shipped for another CRM's export (pipecli/presets/NAME.yaml)."""
    from importlib.resources import files

    if name not in PRESETS or name == "pipe":
        raise InvalidValue(f"unknown preset '{name}' (presets: {', '.join(PRESETS)})")
    text = files("pipecli").joinpath("presets", f"{name}.yaml").read_text(encoding="utf-8")
    return parse_rules(text, f"preset {name}")


# -- dates -------------------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][0-9:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$")
_SLASHED = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})(?: [0-9:]+(?: ?[AaPp][Mm])?)?$")


def parse_import_date(value: Any, date_format: str | None) -> dt.date | None:
    """A date cell: ISO (with a time or not), M/D/YYYY, or --date-format; None when empty."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    if not text:
        return None
    try:
        if date_format:
            return dt.datetime.strptime(text, date_format).date()
        if match := _ISO.match(text):
            return dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
        if match := _SLASHED.match(text):
            year = int(match.group(3))
            year += 2000 if year < 100 else 0
            return dt.date(year, int(match.group(1)), int(match.group(2)))
    except ValueError:
        pass
    hint = (DATE_FORMAT, f" {date_format}") if date_format else ("YYYY-MM-DD or M/D/YYYY; else give ", DATE_FORMAT)
    raise InvalidValue(f"bad date '{text}' (", *hint, ")")


_AMOUNT_CELL = re.compile(r"^(?:[A-Z]{3}|[$€£¥])?\s*-?\d[\d,.\s\u00a0\u202f']*(?:[A-Z]{3}|[$€£¥])?$")


def parse_import_amount(value: Any) -> int | float | None:
    """A money cell: 12000, 12,000.50, 12.000,50, '$ 1,200', '1 200 €' -> a number; None when empty.

    Anything else is refused rather than guessed: 1e6, 12k, (1,200), TBD, more than two decimals.
    """
    raw = str(value).strip()
    if not raw:
        return None
    if not _AMOUNT_CELL.match(raw):
        raise InvalidValue(f"bad amount '{raw}': write a number like 12000 or 12,000.50")
    text = re.sub(r"[^\d,.\-]", "", raw)
    if not text or text in "-.,":
        return None
    if "," in text and "." in text:
        # the later one is the decimal mark
        text = text.replace(".", "").replace(",", ".") if text.rfind(",") > text.rfind(".") else text.replace(",", "")
    elif "," in text:
        whole, _, cents = text.rpartition(",")
        text = f"{whole.replace(',', '')}.{cents}" if len(cents) in (1, 2) and text.count(",") == 1 else text.replace(",", "")
    if "." in text and len(text.rpartition(".")[2]) > 2:
        raise InvalidValue(f"bad amount '{raw}': more than two decimals (is '.' a thousands mark here? write 12000)")
    try:
        amount = Decimal(text).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise InvalidValue(f"bad amount '{value}'") from None
    if amount >= MAX_AMOUNT:
        raise InvalidValue(f"bad amount '{raw}': too large (the limit is {MAX_AMOUNT:,})")
    if amount < 0:
        raise InvalidValue(f"bad amount '{value}': it cannot be negative")
    return int(amount) if amount == amount.to_integral_value() else float(amount)


# -- rows to deals -----------------------------------------------------------------------------

@dataclass
class RowError:
    row: int
    message: str
    said: tuple = ()  # the message in parts (errors.Message), for a front end to word


@dataclass
class Planned:
    """What importing one row does."""

    row: int
    action: str  # create, update, skip
    deal: Deal | None
    why: str = ""
    external_id: str | None = None


@dataclass
class Plan:
    items: list[Planned]
    new_owners: list[tuple[str, str]]  # (id, name) to add to the team
    notes: list[str]  # things worth saying (defaults used)

    def count(self, action: str) -> int:
        return sum(1 for item in self.items if item.action == action)


class Importer:
    """Turns the rows of a table into a plan, against the workspace's config and existing deals."""

    def __init__(self, config: Config, rules: Rules, existing: list[Deal], today: dt.date, user: str | None,
                 *, pipeline: str | None = None, update: bool = False, add_owners: bool = False,
                 next_step: str | None = None, skip_bad: bool = False):
        self.config = config
        self.rules = rules
        self.today = today
        self.user = user
        self.update = update
        self.add_owners = add_owners
        self.next_step = next_step
        self.skip_bad = skip_bad  # refused rows are left to the caller (rejects.py), not an error
        chosen = pipeline or rules.pipeline
        self.pipeline = config.find_pipeline(chosen) if chosen else config.default_pipeline
        self.by_external = {str(d.data["external_id"]): d for d in existing if d.data.get("external_id") is not None}
        self.taken = {d.id for d in existing}
        # slug -> the suffix its last deal got: every one before it is taken (taken only grows), so the
        # 40th "Acme: GTX Basic" does not try acme-gtx-basic-2 ... -40 again, as for each of the 39 before
        self.last_suffix: dict[str, int] = {}
        self.new_owners: dict[str, str] = {}
        self.unknown_stages: dict[str, list[int]] = {}
        self.unknown_owners: dict[str, list[int]] = {}
        self.errors: list[RowError] = []
        self.no_created: list[int] = []
        self.checked_against = config  # the config with the team members this import adds
        self.dropped_close_dates: list[int] = []
        self.moved_created: dict[str, list[int]] = {"closed": [], "open": []}  # rows, by why (story.py)
        self.row_number = 0  # the row being read
        self.cleaned: list[int] = []  # rows whose text had control characters, made spaces
        self.lost_reasons = LostReasons(rules.lost_reasons, rules.lost_reason_default, config.lost_reasons,
                                        rules_file=rules.folder is not None)

    # -- cells ---------------------------------------------------------------------------------
    def value_of(self, row: dict, target: str) -> Any:
        """The text (or date) the rules give a field for a row, '' when none."""
        if target in self.rules.constants:
            return self.rules.constants[target]
        source = self.rules.fields.get(target)
        found: Any = ""
        for candidate in ([source] if isinstance(source, str) else source or []):
            found = _fill(candidate, row, self.rules.optional)
            if found not in ("", None):
                break
        if found in ("", None) and target in self.rules.defaults:
            return self.rules.defaults[target]
        if isinstance(found, str):
            # Held to typed text's rules: a cell's ESC or NUL would reach every terminal showing the deal.
            # Line breaks and tabs stay: each field's own rule makes them spaces, or keeps them in notes.
            cleaned = without_controls(found, keep="\n\r\t")
            if cleaned != found:
                if not self.cleaned or self.cleaned[-1] != self.row_number:
                    self.cleaned.append(self.row_number)
                found = cleaned
        return found if found is not None else ""

    # -- the plan ------------------------------------------------------------------------------
    def plan(self, table: Table, extra: dict[str, list[tuple[str, str]]] | None = None) -> Plan:
        """Every row as create, update or skip; raises InvalidValue listing what stops the import."""
        if self.rules.id_column and self.rules.id_column not in table.headers:
            raise InvalidValue(f"{table.path}: no column '{self.rules.id_column}' (the id column); "
                               f"columns: {', '.join(table.headers)}")
        seen_ids: dict[str, int] = {}
        items = []
        for row, number in zip(table.rows, table.numbers):
            row_id = str(row.get(self.rules.id_column, "")).strip() if self.rules.id_column else ""
            external = f"{self.rules.system}:{row_id}" if row_id and self.rules.system else row_id
            if external and external in seen_ids:
                items.append(Planned(number, "skip", None, f"same id {external} as row {seen_ids[external]}", external))
                continue
            if external:
                seen_ids[external] = number
            self.row_number = number
            try:
                deal = self.deal_of(row, number, external, (extra or {}).get(row_id, []))
            except PipeError as error:
                self.errors.append(RowError(number, str(error), error.said.parts))
                continue
            if deal is None:
                continue
            old = self.by_external.get(external) if external else None
            if old is None:
                self.taken.add(deal.id)
                items.append(Planned(number, "create", deal, external_id=external or None))
            elif not self.update:
                items.append(Planned(number, "skip", None, f"already imported as {old.id}", external))
            else:
                changed = self.updated(old, deal)
                items.append(Planned(number, "update", old, external_id=external) if changed
                             else Planned(number, "skip", None, f"{old.id} is up to date", external))
        if not self.skip_bad:
            self.raise_problems(table)
        notes = []
        if self.no_created:
            notes.append(f"{len(self.no_created)} row(s) have no created date: they get today's ({self.today})")
        if self.dropped_close_dates:
            notes.append(f"{len(self.dropped_close_dates)} deal(s) had an expected close date before their "
                         f"created date: left without one (rows {_rows(self.dropped_close_dates)})")
        if self.moved_created["closed"]:
            notes.append(f"{len(self.moved_created['closed'])} closed deal(s) closed before they were created: created "
                         f"moved back to the close date (rows {_rows(self.moved_created['closed'])})")
        if self.moved_created["open"]:
            notes.append(f"{len(self.moved_created['open'])} open deal(s) expected to close before they were created: "
                         f"created moved back to the expected close date (rows {_rows(self.moved_created['open'])})")
        if self.cleaned:
            notes.append(f"{len(self.cleaned)} row(s) had control characters (ESC, NUL...) in their text: "
                         f"imported with a space for each (rows {_rows(self.cleaned)})")
        return Plan(items, sorted(self.new_owners.items()), notes)

    def raise_problems(self, table: Table) -> None:
        problems = []
        if self.unknown_stages:
            listed = _names(self.unknown_stages)
            problems.append((f"unknown stages in pipeline {self.pipeline.id}: {listed}; map each with ", STAGE_MAP,
                             f" or stages: in a rules file (stages: {', '.join(s.id for s in self.pipeline.stages)})"))
        if self.unknown_owners:
            listed = _names(self.unknown_owners)
            problems.append((f"unknown owners: {listed}; add them to the team (", ADD_OWNERS,
                             "), or map them with owners: in a rules file"))
        if unmapped := self.lost_reasons.problem():
            problems.append((unmapped,))
        for error in self.errors[:5]:
            problems.append((f"row {error.row}: ", *(error.said or (error.message,))))
        if len(self.errors) > 5:
            problems.append((f"and {len(self.errors) - 5} more rows with errors",))
        if problems:
            parts = [part for n, problem in enumerate(problems) for part in ((" | ",) if n else ()) + problem]
            raise InvalidValue(f"{table.path}: nothing imported: ", *parts)

    def deal_of(self, row: dict, number: int, external: str, history_rows: list[tuple[str, str]]) -> Deal | None:
        """The deal a row describes, or None when the row is refused (noted in the errors)."""
        title = str(self.value_of(row, "title")).strip() or external
        if not title:
            raise InvalidValue("no title (map a column to title, or give an id column)")
        title = " ".join(title.split())
        pipeline = self.pipeline
        named_pipeline = str(self.value_of(row, "pipeline")).strip()
        if named_pipeline:
            pipeline = self.config.find_pipeline(named_pipeline)
        stage = self.stage_of(row, number, pipeline)
        owner = self.owner_of(row, number)  # even when the stage is unknown, so every problem is listed
        if stage is None:
            return None
        date_format = self.rules.date_format
        created = parse_import_date(self.value_of(row, "created"), date_format)
        closed = parse_import_date(self.value_of(row, "closed"), date_format)
        expected = parse_import_date(self.value_of(row, "expected_close"), date_format)
        if created is None:
            self.no_created.append(number)
            created = min([d for d in (closed, self.today) if d is not None])
        elif self.rules.move_created:
            created, why = created_moved_back(created, closed, expected, stage.is_closed)
            if why:
                self.moved_created[why].append(number)
        data: dict[str, Any] = {"id": "", "title": title, "pipeline": pipeline.id, "stage": stage.id}
        value = parse_import_amount(self.value_of(row, "value"))
        if value is not None:
            data["value"] = value
        currency = str(self.value_of(row, "currency")).strip().upper() or self.config.currency
        if self.config.rate(currency) is None:
            raise InvalidValue(f"no exchange rate for {currency}: add it under 'rates' in pipelines.yaml")
        data["currency"] = currency
        probability = str(self.value_of(row, "probability")).strip().rstrip("%")
        if probability:
            try:
                data["probability"] = float(probability) if "." in probability else int(probability)
            except ValueError:
                raise InvalidValue(f"bad probability '{probability}'") from None
        if owner:
            data["owner"] = owner
        for key in ("account", "source"):
            text = " ".join(str(self.value_of(row, key)).split())
            if text:
                data[key] = text
        contacts = self.contacts_of(row)
        if contacts:
            data["contacts"] = contacts
        tags = [t.strip() for t in re.split(r"[,;]", str(self.value_of(row, "tags"))) if t.strip()]
        if tags:
            data["tags"] = tags
        data["created"] = created
        if expected and expected >= created:
            data["expected_close"] = expected
        elif expected:
            self.dropped_close_dates.append(number)
        if stage.is_closed:
            data["closed"] = max(closed, created) if closed else None
            if stage.kind == "lost":
                reason = " ".join(str(self.value_of(row, "lost_reason")).split())
                if not reason:
                    raise InvalidValue("a lost deal without a lost reason: map lost_reason, or give one under "
                                       "defaults: in a rules file")
                data["lost_reason"] = self.lost_reasons.resolve(reason, number)
                if data["lost_reason"] is None:
                    return None  # counted with the other rows that have this reason, for one message
        steps = stage_steps(self.rules.stage_dates, pipeline,
                            lambda column: parse_import_date(_fill(column, row, self.rules.optional), date_format))
        data["history"] = (story(steps, stage.id, pipeline, created, data.get("closed")) if steps else
                           self.history_of(stage, pipeline, created, data.get("closed"), owner, history_rows))
        if stage.is_closed and data["closed"] is None:
            data["closed"] = data["history"][-1]["date"]  # when the history says it closed, else created
        if self.next_step and stage.is_open:
            data["tasks"] = [new_task(self.next_step, None, owner, self.today)]
        if external:
            data["external_id"] = external
        notes = str(self.value_of(row, "notes")).strip()
        slug = slugify(title)
        data["id"] = unique_id(slug, self.taken, self.last_suffix.get(slug, 2))
        if data["id"] != slug:
            self.last_suffix[slug] = int(data["id"].rsplit("-", 1)[1])
        deal = Deal({k: data[k] for k in FIELD_ORDER if k in data}, notes + "\n" if notes else "")
        problems = [p.message for p in load_problems(deal.data, deal.id)]
        errors = problems or error_messages(deal, self.checked_against, self.today)
        if errors:
            raise InvalidValue(errors[0])
        return deal

    def stage_of(self, row: dict, number: int, pipeline: Pipeline):
        status = str(self.value_of(row, "status")).strip().lower()
        if status == "deleted":
            raise InvalidValue("deleted in the source (status 'deleted'): leave the row out of the file")
        won = str(self.value_of(row, "won")).strip().lower()
        closed_flag = str(self.value_of(row, "is_closed")).strip().lower()
        if status in ("won", "lost"):
            return _kind(pipeline, status)
        if "won" in self.rules.fields or "won" in self.rules.constants:
            if won and won not in ("0", "false", "no", "n", "f"):
                return _kind(pipeline, "won")
            if closed_flag in TRUE:
                return _kind(pipeline, "lost")
        source = str(self.value_of(row, "stage")).strip()
        if not source:
            return pipeline.first_of_kind("open")
        target = self.rules.stages.get(source, source)
        try:
            return pipeline.find_stage(target)
        except PipeError:
            shown = source if target == source else f"{source}' (mapped to '{target}"
            self.unknown_stages.setdefault(shown, []).append(number)
            return None

    def owner_of(self, row: dict, number: int) -> str | None:
        name = " ".join(str(self.value_of(row, "owner")).split())
        if not name:
            return self.user
        name = self.rules.owners.get(name, name)
        for member in self.config.team:
            if name.lower() in (member.id, (member.email or "").lower(), member.name.lower()):
                return member.id
        if self.add_owners:
            member_id = next((i for i, n in self.new_owners.items() if n == name), None)
            if member_id is None:
                member_id = unique_id(slugify(name), {m.id for m in self.checked_against.team})
            if member_id not in self.new_owners:
                self.new_owners[member_id] = name
                self.checked_against = dataclasses.replace(
                    self.checked_against, team=self.checked_against.team + (Member(member_id, name),))
            return member_id
        self.unknown_owners.setdefault(name, []).append(number)
        return None

    def contacts_of(self, row: dict) -> list[dict]:
        contact = str(self.value_of(row, "contact")).strip()
        if contact:
            return [parse_contact(c) for c in re.split(r"[;\n]", contact) if c.strip()]
        name = " ".join(str(self.value_of(row, "contact_name")).split())
        email = str(self.value_of(row, "contact_email")).strip()
        if not name and not email:
            return []
        entry = {}
        if name:
            entry["name"] = name
        if email:
            entry["email"] = email
        return [entry]

    def history_of(self, stage, pipeline: Pipeline, created: dt.date, closed: dt.date | None, owner: str | None,
                   history_rows: list[tuple[str, str]]) -> list[dict]:
        """The stage history: from a history file when the rules give one, else from the dates."""
        steps = []
        for source, when in history_rows:
            target = self.rules.stages.get(source, source)
            try:
                step = pipeline.find_stage(target)
            except PipeError:
                continue  # a stage this import does not map: the deal's own stage still ends the history
            day = parse_import_date(when, self.rules.date_format)
            if day is not None:
                steps.append((min(max(day, created), closed or day), step.id))  # within the deal's life
        entries = []
        for day, stage_id in sorted(steps, key=lambda s: s[0]):
            if not entries or entries[-1]["stage"] != stage_id:
                entries.append(history_entry(stage_id, day, None))
        if entries:
            if entries[-1]["stage"] != stage.id:
                entries.append(history_entry(stage.id, closed or entries[-1]["date"], None))
            entries[0]["date"] = created
            return entries
        if stage.is_closed:
            first = pipeline.first_of_kind("open")
            return [history_entry(first.id, created, None), history_entry(stage.id, closed or created, None)]
        return [history_entry(stage.id, created, None)]

    def updated(self, old: Deal, new: Deal) -> bool:
        """Bring old up to date with the imported fields of new; whether anything changed."""
        changed = False
        for key in ("title", "pipeline", "stage", "value", "currency", "probability", "owner", "account", "source",
                    "tags", "expected_close", "closed", "lost_reason"):
            if new.data.get(key) != old.data.get(key):
                if key in new.data:
                    old.set(key, new.data[key])
                else:
                    old.unset(key)
                changed = True
        if changed and self.rules.stage_dates and old.history and old.stage != old.history[-1].get("stage"):
            # the stages the row dates since the last entry, when they lead to the new stage (story.py)
            for entry in moves_since(old.history, new.history, old.stage):
                old.append("history", history_entry(entry["stage"], entry["date"], self.user))
        if changed and old.stage != (old.history[-1].get("stage") if old.history else None):
            # a move to won or lost happened on the row's close date (not before the last move); any other, now
            when = new.data.get("closed") if new.data.get("closed") else self.today
            if old.history and old.history[-1]["date"] > when:
                when = old.history[-1]["date"]
            old.append("history", history_entry(old.stage, when, self.user))
        if changed:
            errors = error_messages(old, self.checked_against, self.today)
            if errors:
                raise InvalidValue(f"updating {old.id}: {errors[0]}")
        return changed


def add_joins(table: Table, rules: Rules, folder: Path, read) -> dict[str, list[tuple[str, str]]]:
    """Add the columns of the rules' join files to table's rows; return each id's stage history rows.

    read(path) reads another table the way the main one was read; files are found next to the
    imported file, else next to the rules file.
    """
    for join in rules.joins:
        found = _beside(join.file, folder, rules.folder, rules.optional)
        if found is None:
            continue
        other = read(found)
        if join.key not in other.headers:
            raise InvalidValue(f"{other.path}: no column '{join.key}' to join on")
        if join.on not in table.headers:
            raise InvalidValue(f"{table.path}: no column '{join.on}' to join {join.file} on")
        index = {}
        for row in other.rows:
            if str(row[join.key]).strip():  # an empty key joins nothing
                index.setdefault(str(row[join.key]), row)
        added = [join.prefix + h for h in other.headers]
        table.headers += [h for h in added if h not in table.headers]
        for row in table.rows:
            match = index.get(str(row[join.on]), {}) if str(row[join.on]).strip() else {}
            for header in other.headers:
                row.setdefault(join.prefix + header, match.get(header, ""))
    histories: dict[str, list[tuple[str, str]]] = {}
    if rules.history is not None:
        source = rules.history
        found = _beside(source.file, folder, rules.folder, rules.optional)
        other = read(found) if found is not None else None
    if rules.history is not None and other is not None:
        for column in (source.key, source.stage, source.date):
            if column not in other.headers:
                raise InvalidValue(f"{other.path}: no column '{column}' for the stage history")
        if source.on not in table.headers:
            raise InvalidValue(f"{table.path}: no column '{source.on}' to find the stage history by")
        by_id: dict[str, list[tuple[str, str]]] = {}
        for row in other.rows:
            by_id.setdefault(str(row[source.key]), []).append((str(row[source.stage]), row[source.date]))
        for row in table.rows:
            if rules.id_column:
                histories[str(row.get(rules.id_column, ""))] = by_id.get(str(row[source.on]), [])
    return histories


def _beside(name: str, folder: Path, rules_folder: Path | None, optional: bool = False) -> Path | None:
    for base in (folder, rules_folder):
        if base is not None and (base / name).is_file():
            return base / name
    if optional:
        return None
    raise InvalidValue(f"no file {name} next to the imported file" + (" or the rules file" if rules_folder else ""))


def _kind(pipeline: Pipeline, kind: str):
    stage = pipeline.first_of_kind(kind)
    if stage is None:
        raise NotFound(f"pipeline {pipeline.id} has no {kind} stage")
    return stage


_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _fill(source: str, row: dict, optional: bool = False) -> Any:
    """A column's cell, or a '{column} text' template filled in ('' when a placeholder is empty).

    A column the row does not have is an error, or empty when optional.
    """
    if "{" not in source:
        if source not in row:
            if optional:
                return ""
            raise InvalidValue(f"no column '{source}' (columns: {', '.join(row)})")
        return row[source]
    parts = []
    for name in _PLACEHOLDER.findall(source):
        if name not in row:
            if optional:
                return ""
            raise InvalidValue(f"no column '{name}' (columns: {', '.join(row)})")
        parts.append(str(row[name]).strip())
    if any(not p for p in parts):
        return ""
    return _PLACEHOLDER.sub(lambda m: str(row[m.group(1)]).strip(), source)


NAMED = 10  # unknown stages or owners named in the message; the rest are counted


def _names(found: dict[str, list[int]]) -> str:
    """'name' (rows ...) for the first NAMED names, then how many more: 10,000 made a 500 kB line."""
    listed = "; ".join(f"'{name}' (rows {_rows(rows)})" for name, rows in sorted(found.items())[:NAMED])
    return listed + (f"; and {len(found) - NAMED} more" if len(found) > NAMED else "")


def _rows(numbers: list[int]) -> str:
    return first_of([str(n) for n in numbers], 8)
