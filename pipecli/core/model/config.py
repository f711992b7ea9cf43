"""pipelines.yaml: the pipelines and their stages, the team and the workspace settings."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pipecli.core.errors import Ambiguous, ConfigError, NotFound
from pipecli.core.fileformat import yamlio
from pipecli.core.model.mailconfig import Automation, MailSettings, read_automations, read_mail
from pipecli.core.model.schema import SETTINGS, setting
from pipecli.core.names import CURRENCY_PATTERN, ID_PATTERN
from pipecli.core.problems import Problem

CONFIG_FILE = "pipelines.yaml"
STAGE_KINDS = ("open", "won", "lost", "parked")
NEXT_STEP_RULES = setting("next_step").allowed
QUOTA_PERIODS = ("month", "quarter", "year")
MAX_STAGES_BEFORE_WARNING = 10
MAX_RATE = 1_000_000  # no currency is worth a million of another; a bigger rate is a typo
DEFAULT_CURRENCY = setting("currency").default
DEFAULT_INACTIVITY_DAYS = setting("inactivity_days").default
DEFAULT_NEXT_STEP = setting("next_step").default
DEFAULT_FLUSH_REASON = setting("flush_reason").default
# What a stage gate may require of a deal before it enters the stage.
GATE_FIELDS = ("value", "expected_close", "account", "contacts", "source", "owner", "bant",
               "bant.budget", "bant.authority", "bant.need", "bant.timeline")
# The kinds of suggested task, each of which `suggestions:` can switch off.
SUGGESTION_KINDS = ("inactive", "unanswered", "meeting-notes", "rotting")

# What `pipe init` writes: the settings' defaults, as model/schema.py says (tests/test_schema.py checks).
DEFAULT_CONFIG = """\
# pipe workspace: the pipelines, their stages and the team. Format: docs/format.md
currency: EUR
rates: {}            # e.g. USD: 0.92 (1 USD is worth 0.92 EUR)
team: []             # - {id: alice, name: Alice Martin, email: alice@example.com}
lost_reasons: [price, competitor, no budget, no decision, bad timing, not a fit, stale]
sources: []          # optional list of lead sources, e.g. [inbound, outbound, referral]
inactivity_days: 10  # open deals with no activity for this long are suggested back
next_step: warn      # strict | warn | off: must every open deal have an open task?
flush_reason: stale  # the lost reason `pipe flush` gives (one of lost_reasons)
# mail: {from: You <you@example.com>}   # who sends pipe mail (else each deal's owner, from team:)
# automations:       # pipe automate, daily: an email some days after a deal enters a stage (docs/email.md)
# - {id: proposal-follow-up, stage: proposal, after: 2d, template: proposal-follow-up}
pipelines:
- id: sales
  name: Sales
  stages:
  - {id: lead, name: Lead, probability: 10, rot_days: 14, kind: open}
  - {id: contacted, name: Contacted, probability: 20, rot_days: 14, kind: open}
  - {id: qualified, name: Qualified, probability: 40, rot_days: 21, kind: open,
     requires: [bant]}
  - id: proposal
    name: Proposal
    probability: 60
    rot_days: 21
    kind: open
    requires: [value, expected_close]
    on_enter:
    - {task: Follow up on the proposal, due: 5d}
  - {id: won, name: Won, probability: 100, kind: won}
  - {id: lost, name: Lost, probability: 0, kind: lost}
  - {id: fridge, name: Fridge, probability: 0, kind: parked}
"""


def _find(items: tuple, text: str, kind: str, where: str = ""):
    """The item named by exact id, display name (any case), or unique id prefix, as git takes refs."""
    for matches in (
        [i for i in items if i.id == text],
        [i for i in items if i.name.lower() == text.lower()],
        [i for i in items if text and i.id.startswith(text.lower())],
    ):
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise Ambiguous(f"{kind} '{text}' is ambiguous{where}: {', '.join(i.id for i in matches)}")
    raise NotFound(f"unknown {kind} '{text}'{where} ({kind}s: {', '.join(i.id for i in items)})")


@dataclass(frozen=True)
class StageTask:
    """A task a stage creates on each deal that enters it (stage-entry automation)."""

    text: str
    due_days: int | None = None  # due this many days after the deal enters; None: no due date
    assignee: str | None = None  # a member id; None: the deal's owner


@dataclass(frozen=True)
class Stage:
    """One column of a pipeline."""

    id: str
    name: str
    probability: int
    kind: str
    rot_days: int | None = None
    requires: tuple[str, ...] = ()  # the gate: fields a deal needs before it may enter
    on_enter: tuple[StageTask, ...] = ()

    @property
    def is_open(self) -> bool:
        return self.kind == "open"

    @property
    def is_closed(self) -> bool:
        return self.kind in ("won", "lost")


@dataclass(frozen=True)
class Pipeline:
    """An ordered list of stages that deals move through."""

    id: str
    name: str
    stages: tuple[Stage, ...]

    def stage(self, stage_id: str) -> Stage | None:
        """The stage with this exact id, or None."""
        return next((s for s in self.stages if s.id == stage_id), None)

    def find_stage(self, text: str) -> Stage:
        """The stage named by id, display name (any case) or unique id prefix."""
        return _find(self.stages, text, "stage", f" in pipeline {self.id}")

    def first_of_kind(self, kind: str) -> Stage | None:
        return next((s for s in self.stages if s.kind == kind), None)

    def index(self, stage_id: str) -> int:
        """Position of a stage in the pipeline; unknown stages sort last."""
        for i, s in enumerate(self.stages):
            if s.id == stage_id:
                return i
        return len(self.stages)


@dataclass(frozen=True)
class Member:
    """A person on the team who can own deals and tasks."""

    id: str
    name: str
    email: str | None = None
    quota_amount: Decimal | None = None
    quota_period: str | None = None


@dataclass
class Config:
    """The parsed pipelines.yaml."""

    pipelines: tuple[Pipeline, ...]
    currency: str = DEFAULT_CURRENCY
    rates: dict[str, Decimal] = field(default_factory=dict)
    team: tuple[Member, ...] = ()
    lost_reasons: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    inactivity_days: int = DEFAULT_INACTIVITY_DAYS
    next_step: str = DEFAULT_NEXT_STEP
    flush_reason: str = DEFAULT_FLUSH_REASON
    suggestions: frozenset[str] = frozenset(SUGGESTION_KINDS)  # the kinds switched on
    autocommit: bool = False  # git: {autocommit: true}: each command that changes deals commits them
    mail: MailSettings = field(default_factory=MailSettings)
    automations: tuple[Automation, ...] = ()

    def pipeline(self, pipeline_id: str) -> Pipeline | None:
        return next((p for p in self.pipelines if p.id == pipeline_id), None)

    def find_pipeline(self, text: str) -> Pipeline:
        """The pipeline named by id, display name (any case) or unique id prefix."""
        return _find(self.pipelines, text, "pipeline")

    @property
    def default_pipeline(self) -> Pipeline:
        return self.pipelines[0]

    def find_member(self, text: str) -> Member:
        """The team member named by id or email (any case)."""
        lowered = text.lower()
        for m in self.team:
            if m.id == lowered or (m.email and m.email.lower() == lowered):
                return m
        known = ", ".join(m.id for m in self.team) or "none: add them under 'team' in pipelines.yaml"
        raise NotFound(f"unknown team member '{text}' (team: {known})")

    def rate(self, currency: str) -> Decimal | None:
        """How many base-currency units one unit of currency is worth, or None without a rate."""
        if currency == self.currency:
            return Decimal(1)
        return self.rates.get(currency)


def load_config(root: Path) -> Config:
    """Read and validate root/pipelines.yaml; raises ParseError or ConfigError on any error."""
    config, problems = read_config(root)
    errors = [p for p in problems if p.severity == "error"]
    if errors or config is None:
        raise ConfigError(errors)
    return config


def read_config(root: Path) -> tuple[Config | None, list[Problem]]:
    """Parse and validate pipelines.yaml, returning the config (None if unusable) and every problem."""
    path = root / CONFIG_FILE
    shown = CONFIG_FILE
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        return None, [Problem(shown, None, "error", "not UTF-8 text")]
    except OSError as error:
        return None, [Problem(shown, None, "error", f"cannot read: {error.strerror}")]
    return read_config_text(text, shown)


def read_config_text(text: str, shown: str = CONFIG_FILE) -> tuple[Config | None, list[Problem]]:
    """read_config for a pipelines.yaml that is not on disk (one read from git, say)."""
    try:
        raw, lines = yamlio.load_with_lines(text)
    except yamlio.YAMLError as error:
        return None, [Problem(shown, yamlio.error_line(error), "error", yamlio.error_message(error))]
    return ConfigValidator(raw, lines, shown).run()


class ConfigValidator:
    """Checks every field of pipelines.yaml, collecting problems with their lines."""

    def __init__(self, raw: Any, lines: dict[tuple, int], path: str):
        self.raw = raw
        self.lines = lines
        self.path = path
        self.problems: list[Problem] = []
        self.team_ids: set[str] = set()

    def problem(self, key_path: tuple, message: str, severity: str = "error") -> None:
        line = None
        for cut in range(len(key_path), -1, -1):
            line = self.lines.get(key_path[:cut])
            if line:
                break
        self.problems.append(Problem(self.path, line, severity, message))

    def run(self) -> tuple[Config | None, list[Problem]]:
        raw = self.raw
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            self.problem((), "pipelines.yaml must be a mapping of settings")
            return None, self.problems
        known = {s.name for s in SETTINGS}
        for key in raw:
            if key not in known:
                self.problem((key,), f"unknown setting '{key}' (known: {', '.join(sorted(known))})",
                             "warning")
        self.no_passwords(raw, ())
        currency = raw.get("currency", DEFAULT_CURRENCY)
        if not isinstance(currency, str) or not CURRENCY_PATTERN.match(currency):
            self.problem(("currency",), "currency must be a three-letter code like EUR or USD")
            currency = DEFAULT_CURRENCY
        team = self.team(raw.get("team"))
        self.team_ids = {m.id for m in team}  # stage tasks' assignees are checked against it
        lost_reasons = self.string_list(raw.get("lost_reasons"), "lost_reasons")
        config = Config(
            pipelines=self.pipelines(raw.get("pipelines")),
            currency=currency,
            rates=self.rates(raw.get("rates"), currency),
            team=team,
            lost_reasons=lost_reasons,
            sources=self.string_list(raw.get("sources"), "sources"),
            inactivity_days=self.inactivity(raw.get("inactivity_days", DEFAULT_INACTIVITY_DAYS)),
            next_step=self.next_step(raw.get("next_step", DEFAULT_NEXT_STEP)),
            flush_reason=self.flush_reason(raw.get("flush_reason"), lost_reasons),
            suggestions=self.suggestions(raw.get("suggestions")),
            autocommit=self.git(raw.get("git")),
            mail=read_mail(raw.get("mail"), self.problem),
        )
        stage_ids = {s.id for p in config.pipelines for s in p.stages}
        config.automations = read_automations(raw.get("automations"), self.problem, stage_ids)
        if not config.pipelines:
            return None, self.problems
        return config, self.problems

    def no_passwords(self, value: Any, at: tuple) -> None:
        """A `password:` key anywhere is refused: git shares this file with the team and its history."""
        if isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str) and key.lower() == "password" and at + (key,) != ("mail", "smtp", "password"):
                    self.problem(at + (key,), "never write a password in pipelines.yaml, which git shares: keep "
                                              "server accounts in your own config file (docs/capture.md)")
                self.no_passwords(item, at + (key,))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.no_passwords(item, at + (index,))

    def identified(self, items: list, where: tuple, what: str, example: str, fields: tuple[str, ...]):
        """Yield (key path, mapping, id) for each entry of a list of mappings with unique slug ids.

        Entries that are not mappings, or whose id is not a slug or is taken, are reported and
        skipped; unknown keys in an entry are warnings.
        """
        seen: set[str] = set()
        for i, item in enumerate(items):
            at = where + (i,)
            if not isinstance(item, dict):
                self.problem(at, f"each {what} must be a mapping with {', '.join(fields)}")
                continue
            for key in item:
                if key not in fields:
                    self.problem(at + (key,), f"unknown {what} field '{key}' (known: {', '.join(fields)})", "warning")
            item_id = item.get("id")
            if not isinstance(item_id, str) or not ID_PATTERN.match(item_id):
                self.problem(at + ("id",), f"{what} id must be a slug like '{example}', got {item_id!r}")
            elif item_id in seen:
                self.problem(at + ("id",), f"duplicate {what} id '{item_id}'")
            else:
                seen.add(item_id)
                yield at, item, item_id

    def pipelines(self, value: Any) -> tuple[Pipeline, ...]:
        if not isinstance(value, list) or not value:
            self.problem(("pipelines",), "'pipelines' must be a non-empty list of pipelines")
            return ()
        result = []
        for where, item, pid in self.identified(value, ("pipelines",), "pipeline", "new-business",
                                                 ("id", "name", "stages")):
            name = item.get("name", pid)
            if not isinstance(name, str) or not name.strip():
                self.problem(where + ("name",), "pipeline name must be text")
                name = pid
            stages = self.stages(item.get("stages"), where + ("stages",), pid)
            if stages:
                result.append(Pipeline(pid, name, stages))
        return tuple(result)

    def stages(self, value: Any, where: tuple, pid: str) -> tuple[Stage, ...]:
        if not isinstance(value, list) or not value:
            self.problem(where, f"pipeline '{pid}' needs a non-empty list of stages")
            return ()
        stages = []
        for at, item, sid in self.identified(value, where, "stage", "qualified",
                                             ("id", "name", "probability", "rot_days", "kind", "requires",
                                              "on_enter")):
            name = item.get("name", sid.capitalize())
            if not isinstance(name, str) or not name.strip():
                self.problem(at + ("name",), "stage name must be text")
                name = sid
            kind = item.get("kind", "open")
            if kind not in STAGE_KINDS:
                self.problem(at + ("kind",), f"stage kind must be one of {', '.join(STAGE_KINDS)}, got {kind!r}")
                kind = "open"
            probability = item.get("probability", 100 if kind == "won" else 0)
            if isinstance(probability, bool) or not isinstance(probability, (int, float)) or not 0 <= probability <= 100:
                self.problem(at + ("probability",), f"probability must be a number from 0 to 100, got {probability!r}")
                probability = 0
            rot_days = item.get("rot_days")
            if rot_days is not None and (isinstance(rot_days, bool) or not isinstance(rot_days, int) or rot_days < 1):
                self.problem(at + ("rot_days",), f"rot_days must be a whole number of days >= 1, got {rot_days!r}")
                rot_days = None
            requires = self.requires(item.get("requires"), at + ("requires",))
            on_enter = self.on_enter(item.get("on_enter"), at + ("on_enter",))
            stages.append(Stage(sid, name, probability, kind, rot_days, requires, on_enter))
        if len(stages) > MAX_STAGES_BEFORE_WARNING:
            self.problem(where, f"pipeline '{pid}' has {len(stages)} stages; more than "
                         f"{MAX_STAGES_BEFORE_WARNING} is hard to work with", "warning")
        kinds = {s.kind for s in stages}
        for needed in ("open", "won", "lost"):
            if stages and needed not in kinds:
                self.problem(where, f"pipeline '{pid}' has no stage of kind '{needed}'")
        return tuple(stages)

    def requires(self, value: Any, at: tuple) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(at, f"requires must be a list of fields, from: {', '.join(GATE_FIELDS)}")
            return ()
        unknown = [v for v in value if v not in GATE_FIELDS]
        if unknown:
            self.problem(at, f"requires: unknown field '{unknown[0]}' (use {', '.join(GATE_FIELDS)})")
        return tuple(v for v in value if v in GATE_FIELDS)

    def on_enter(self, value: Any, at: tuple) -> tuple[StageTask, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(at, "on_enter must be a list like [{task: Send the proposal, due: 3d}]")
            return ()
        tasks = []
        for i, item in enumerate(value):
            where = at + (i,)
            if not isinstance(item, dict):
                self.problem(where, "each on_enter entry must be a mapping like {task: Send the proposal, due: 3d}")
                continue
            for key in item:
                if key not in ("task", "due", "assignee"):
                    self.problem(where + (key,), f"unknown on_enter field '{key}' (known: task, due, assignee)", "warning")
            text = item.get("task")
            if not isinstance(text, str) or not text.strip() or "\n" in text:
                self.problem(where + ("task",), "on_enter needs 'task': one line of text")
                continue
            due_days = self.offset_days(item.get("due"), where + ("due",))
            assignee = item.get("assignee")
            if assignee is not None and (not isinstance(assignee, str) or assignee not in self.team_ids):
                known = ", ".join(sorted(self.team_ids)) or "none"
                self.problem(where + ("assignee",), f"on_enter assignee must be a team member id (team: {known}), got {assignee!r}")
                assignee = None
            tasks.append(StageTask(text.strip(), due_days, assignee))
        return tuple(tasks)

    def offset_days(self, value: Any, at: tuple) -> int | None:
        """A due offset like 3d, +2w or 0d, as days; None when not given or wrong (reported)."""
        if value is None:
            return None
        match = re.fullmatch(r"\+?(\d{1,4})([dw])", value) if isinstance(value, str) else None
        if match is None:
            self.problem(at, f"due must be an offset in days or weeks like 3d, +2w or 0d, got {value!r}")
            return None
        return int(match.group(1)) * (7 if match.group(2) == "w" else 1)

    def rates(self, value: Any, base: str) -> dict[str, Decimal]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.problem(("rates",), "rates must be a mapping like {USD: 0.92}")
            return {}
        rates = {}
        for code, rate in value.items():
            if not isinstance(code, str) or not CURRENCY_PATTERN.match(code):
                self.problem(("rates", code), f"rate currency must be a three-letter code, got {code!r}")
            elif isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 < rate < MAX_RATE:
                self.problem(("rates", code), f"rate for {code} must be a positive number below {MAX_RATE:,}, got {rate!r}")
            else:
                rates[code] = Decimal(str(rate))
        return rates

    def team(self, value: Any) -> tuple[Member, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(("team",), "team must be a list of members with id, name and email")
            return ()
        members = []
        for at, item, mid in self.identified(value, ("team",), "team member", "alice",
                                             ("id", "name", "email", "quota")):
            name = item.get("name", mid)
            if not isinstance(name, str):
                self.problem(at + ("name",), "member name must be text")
                name = mid
            email = item.get("email")
            if email is not None and (not isinstance(email, str) or "@" not in email):
                self.problem(at + ("email",), f"member email must be an address, got {email!r}")
                email = None
            amount, period = self.quota(item.get("quota"), at + ("quota",))
            members.append(Member(mid, name, email, amount, period))
        return tuple(members)

    def quota(self, value: Any, at: tuple) -> tuple[Decimal | None, str | None]:
        if value is None:
            return None, None
        if not isinstance(value, dict):
            self.problem(at, "quota must be a mapping like {period: quarter, amount: 90000}")
            return None, None
        amount = value.get("amount")
        period = value.get("period", "quarter")
        if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount < 0:
            self.problem(at + ("amount",), f"quota amount must be a number >= 0, got {amount!r}")
            return None, None
        if period not in QUOTA_PERIODS:
            self.problem(at + ("period",), f"quota period must be one of {', '.join(QUOTA_PERIODS)}, got {period!r}")
            return None, None
        return Decimal(str(amount)), period

    def string_list(self, value: Any, key: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            self.problem((key,), f"{key} must be a list of names")
            return ()
        return tuple(value)

    def inactivity(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.problem(("inactivity_days",), f"inactivity_days must be a whole number >= 1, got {value!r}")
            return DEFAULT_INACTIVITY_DAYS
        return value

    def flush_reason(self, value: Any, lost_reasons: tuple[str, ...]) -> str:
        # Not set: the default, which `pipe flush` checks when it runs (lost_reasons may lack it).
        if value is None:
            return DEFAULT_FLUSH_REASON
        if not isinstance(value, str) or not value.strip():
            self.problem(("flush_reason",), f"flush_reason must be a lost reason, got {value!r}")
            return DEFAULT_FLUSH_REASON
        if lost_reasons and value not in lost_reasons:
            self.problem(("flush_reason",), f"flush_reason '{value}' is not one of lost_reasons ({', '.join(lost_reasons)})")
        return value

    def suggestions(self, value: Any) -> frozenset[str]:
        """Which kinds of suggested task are on: `suggestions: {rotting: false}` switches one off."""
        if value is None:
            return frozenset(SUGGESTION_KINDS)
        if not isinstance(value, dict):
            self.problem(("suggestions",), "suggestions must be a mapping like {inactive: true, rotting: false}")
            return frozenset(SUGGESTION_KINDS)
        on = set(SUGGESTION_KINDS)
        for kind, enabled in value.items():
            if kind not in SUGGESTION_KINDS:
                self.problem(("suggestions", kind), f"unknown suggestion '{kind}' (known: {', '.join(SUGGESTION_KINDS)})")
            elif not isinstance(enabled, bool):
                self.problem(("suggestions", kind), f"suggestions.{kind} must be true or false, got {enabled!r}")
            elif not enabled:
                on.discard(kind)
        return frozenset(on)

    def git(self, value: Any) -> bool:
        """`git: {autocommit: true}`; returns whether autocommit is on."""
        if value is None:
            return False
        if not isinstance(value, dict):
            self.problem(("git",), "git must be a mapping like {autocommit: true}")
            return False
        for key in value:
            if key != "autocommit":
                self.problem(("git", key), f"unknown git setting '{key}' (known: autocommit)", "warning")
        autocommit = value.get("autocommit", False)
        if not isinstance(autocommit, bool):
            self.problem(("git", "autocommit"), f"git.autocommit must be true or false, got {autocommit!r}")
            return False
        return autocommit

    def next_step(self, value: Any) -> str:
        if value not in NEXT_STEP_RULES:
            self.problem(("next_step",), f"next_step must be one of {', '.join(NEXT_STEP_RULES)}, got {value!r}")
            return DEFAULT_NEXT_STEP
        return value

