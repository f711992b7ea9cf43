"""Selecting and ordering deals: the shared filters, and facts derived from a deal and today."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from pipecli.core.errors import Ambiguous, InvalidValue, MissingRate, NotFound, PipeError
from pipecli.core.model.config import GATE_FIELDS, Config, Pipeline, Stage
from pipecli.core.model.dates import AHEAD, BEHIND, parse_date, parse_duration
from pipecli.core.model.deal import Deal
from pipecli.core.model.inputs import ACCOUNT, FILTER_PIPELINE, MAX_VALUE, MIN_VALUE, MISSING, SEARCH, SOURCE, TAGS
from pipecli.core.model.validate import fields_missing
from pipecli.core.model.values import clean_tags, parse_amount

STATUSES = ("open", "won", "lost", "parked")


def to_base(deal: Deal, config: Config) -> Decimal:
    """The deal's value in the workspace's base currency."""
    currency = deal.currency or config.currency
    rate = config.rate(currency)
    if rate is None:
        raise MissingRate(f"deal {deal.id} is in {currency}, which has no rate in pipelines.yaml")
    return deal.value * rate


class _WorkedOut:
    """A fact worked out on first read by one of the Facts' methods, which keeps it (and the
    facts worked out with it) in the instance, where later reads find it first."""

    def __init__(self, work: str):
        self.work = work

    def __set_name__(self, owner, name: str) -> None:
        self.name = name

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        getattr(instance, self.work)()
        return instance.__dict__[self.name]


@dataclass
class Facts:
    """What a deal is today: its stage, whether it rots, its next step, its value in base currency.

    Facts are worked out when first read, a few together (_WorkedOut), then kept: a board or a
    report reads a few of them for 10,000 deals, and working out every one (last activity, next
    step...) for every deal cost more than reading the deals from the cache.
    """

    deal: Deal
    config: Config
    today: dt.date

    # Worked out on first read, a few together (by the method named), then kept in the instance:
    pipeline = _WorkedOut("_place")  # Pipeline | None
    stage = _WorkedOut("_place")  # Stage | None
    probability = _WorkedOut("_place")  # Decimal: the deal's own, else its stage's
    days_in_stage = _WorkedOut("_time_in_stage")  # int | None
    rotting = _WorkedOut("_time_in_stage")  # bool: longer in an open stage than its rot_days
    next_task = _WorkedOut("_next_step")  # dict | None: the first open task awake; a snoozed one only when all sleep
    next_step_overdue = _WorkedOut("_next_step")  # bool
    last_activity = _WorkedOut("_activity")  # dt.date | None

    def _place(self) -> None:
        deal, kept = self.deal, self.__dict__
        pipeline = self.config.pipeline(deal.pipeline)
        stage = pipeline.stage(deal.stage) if pipeline else None
        own = deal.probability
        kept["pipeline"], kept["stage"] = pipeline, stage
        kept["probability"] = Decimal(str(own if own is not None else (stage.probability if stage else 0)))

    def _time_in_stage(self) -> None:
        entered = self.deal.stage_entered()
        days = (self.today - entered).days if entered else None
        stage = self.stage
        self.__dict__["days_in_stage"] = days
        self.__dict__["rotting"] = bool(stage and stage.is_open and stage.rot_days and days is not None
                                        and days > stage.rot_days)

    def _next_step(self) -> None:
        today = self.today
        open_tasks = self.deal.open_tasks
        awake = [t for t in open_tasks if not (t.get("snoozed_until") and t["snoozed_until"] > today)]
        self.__dict__["next_task"] = (awake or open_tasks or [None])[0]
        self.__dict__["next_step_overdue"] = any(t.get("due") and t["due"] < today for t in awake)

    def _activity(self) -> None:
        self.__dict__["last_activity"] = self.deal.last_activity(self.today)

    @property
    def base_value(self) -> Decimal:
        """The value in base currency, of the deal as it is now; raises MissingRate for a currency
        without a rate.

        Kept with the value and currency it came from, and worked out again once either changes
        (a bulk change shows its total from the deals as changed): reports read it many times over.
        """
        data = self.deal.data
        raw, currency = data.get("value"), data.get("currency")
        kept = self.__dict__.get("_base")
        if kept is not None and kept[0] is raw and kept[1] is currency:
            return kept[2]
        value = to_base(self.deal, self.config)
        self._base = (raw, currency, value)
        return value

    @property
    def kind(self) -> str:
        stage = self.stage
        return stage.kind if stage else "open"

    @property
    def weighted_value(self) -> Decimal:
        return self.base_value * self.probability / 100

    @property
    def missing_next_step(self) -> bool:
        return self.kind == "open" and self.next_task is None

    def attention(self) -> list[str]:
        """Why an open deal needs attention: 'rotting', 'no-next-step', 'overdue' (its next step)."""
        if self.kind != "open":
            return []
        flags = ["rotting"] if self.rotting else []
        if self.missing_next_step:
            flags.append("no-next-step")
        elif self.next_step_overdue:
            flags.append("overdue")
        return flags


def facts(deal: Deal, config: Config, today: dt.date) -> Facts:
    """The facts of one deal as of today (each worked out when first read)."""
    return Facts(deal, config, today)


@dataclass
class DealFilter:
    """The shared deal filters; an empty filter selects every deal."""

    pipeline: str | None = None
    stages: tuple[str, ...] = ()
    owners: tuple[str, ...] = ()
    account: str | None = None
    source: str | None = None
    tags: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    min_value: Decimal | None = None
    max_value: Decimal | None = None
    created_since: dt.date | None = None
    created_before: dt.date | None = None
    closing_before: dt.date | None = None
    quiet_since: dt.date | None = None  # --inactive: no activity after this day
    rotting: bool = False
    no_next_step: bool = False
    search: str | None = None
    missing: tuple[str, ...] = ()  # lacking any of these (a gate's names: value, bant.budget...)

    def matches(self, f: Facts) -> bool:
        deal = f.deal
        if self.pipeline and deal.pipeline != self.pipeline:
            return False
        if self.stages and deal.stage not in self.stages:
            return False
        if self.owners and deal.owner not in self.owners:
            return False
        if self.account and self.account.lower() not in (deal.account or "").lower():
            return False
        if self.source and (deal.source or "").lower() != self.source.lower():
            return False
        if self.tags and not {t.lower() for t in self.tags} <= {t.lower() for t in deal.tags}:
            return False
        if self.statuses and f.kind not in self.statuses:
            return False
        if self.min_value is not None and f.base_value < self.min_value:
            return False
        if self.max_value is not None and f.base_value > self.max_value:
            return False
        if self.created_since and not (deal.created and deal.created >= self.created_since):
            return False
        if self.created_before and not (deal.created and deal.created < self.created_before):
            return False
        if self.closing_before and not (deal.expected_close and deal.expected_close < self.closing_before):
            return False
        if self.quiet_since and (f.last_activity is None or f.last_activity > self.quiet_since):
            return False
        if self.rotting and not f.rotting:
            return False
        if self.no_next_step and not f.missing_next_step:
            return False
        if self.search and self.search.lower() not in deal.searchable_text():
            return False
        if self.missing and not fields_missing(deal, self.missing):
            return False
        return True


def build_filter(
    config: Config,
    today: dt.date,
    *,
    pipeline: str | None = None,
    stages: tuple[str, ...] = (),
    owners: tuple[str, ...] = (),
    account: str | None = None,
    source: str | None = None,
    tags: tuple[str, ...] = (),
    statuses: tuple[str, ...] = (),
    min_value: str | None = None,
    max_value: str | None = None,
    created_since: str | None = None,
    created_before: str | None = None,
    closing_before: str | None = None,
    inactive: str | None = None,
    rotting: bool = False,
    no_next_step: bool = False,
    search: str | None = None,
    missing: tuple[str, ...] = (),
) -> DealFilter:
    """A DealFilter from text as typed by a user, every part checked against the config."""
    empty = [option for option, given in ((FILTER_PIPELINE, pipeline), (ACCOUNT, account), (SOURCE, source),
                                          (SEARCH, search)) if given is not None and not given.strip()]
    empty += [TAGS for tag in tags if not clean_tags([tag])]
    if empty:
        raise InvalidValue("an empty ", empty[0], ": leave it out to select every deal")
    pipeline_obj = config.find_pipeline(pipeline) if pipeline is not None else None
    chosen_stages: list[str] = []
    for text in stages:
        chosen_stages.extend(stage_ids(config, pipeline_obj, text))
    unknown = [name for name in missing if name not in GATE_FIELDS]
    if unknown:
        raise InvalidValue(f"unknown field '{unknown[0]}' for ", MISSING, f" (fields: {', '.join(GATE_FIELDS)})")
    for status in statuses:
        if status not in STATUSES:
            raise InvalidValue(f"unknown status '{status}' (use {', '.join(STATUSES)})")
    low = Decimal(str(parse_amount(min_value, MIN_VALUE))) if min_value is not None else None
    high = Decimal(str(parse_amount(max_value, MAX_VALUE))) if max_value is not None else None
    if low is not None and high is not None and low > high:
        raise InvalidValue(MIN_VALUE, f" {min_value} is above ", MAX_VALUE, f" {max_value}")
    return DealFilter(
        pipeline=pipeline_obj.id if pipeline_obj else None,
        stages=tuple(chosen_stages),
        owners=tuple(config.find_member(o).id for o in owners),
        account=account,
        source=source,
        tags=tuple(clean_tags(tags)),
        statuses=tuple(statuses),
        min_value=low,
        max_value=high,
        created_since=parse_date(created_since, relative_to=today, direction=BEHIND) if created_since is not None else None,
        created_before=parse_date(created_before, relative_to=today, direction=BEHIND) if created_before is not None else None,
        closing_before=parse_date(closing_before, relative_to=today, direction=AHEAD) if closing_before is not None else None,
        quiet_since=parse_duration(inactive).before(today) if inactive is not None else None,
        rotting=rotting,
        no_next_step=no_next_step,
        search=search,
        missing=tuple(dict.fromkeys(missing)),
    )


def stage_ids(config: Config, pipeline: Pipeline | None, text: str) -> list[str]:
    """The stage ids text names (id, name or unique prefix) in pipeline, or in any pipeline."""
    if pipeline:
        return [pipeline.find_stage(text).id]
    found: set[str] = set()
    ambiguity: PipeError | None = None
    for candidate in config.pipelines:
        try:
            found.add(candidate.find_stage(text).id)
        except Ambiguous as error:
            ambiguity = error
        except NotFound:
            pass
    if found:
        return sorted(found)
    if ambiguity:
        raise ambiguity
    known = sorted({s.id for p in config.pipelines for s in p.stages})
    raise InvalidValue(f"unknown stage '{text}' (stages: {', '.join(known)})")


def select(deals: list[Deal], config: Config, deal_filter: DealFilter, today: dt.date) -> list[Facts]:
    """The facts of every deal the filter selects, in pipeline and stage order, then by id."""
    chosen = [f for f in (facts(d, config, today) for d in deals) if deal_filter.matches(f)]
    return sort_facts(chosen, config, None)


SORT_KEYS = ("stage", "value", "weighted", "created", "close", "activity", "title", "owner", "account", "id")


def parse_sort_key(key: str) -> tuple[str, bool]:
    """A --sort value as (key name, descending); raises InvalidValue for an unknown key."""
    name = key.lstrip("-")
    if name not in SORT_KEYS:
        raise InvalidValue(f"unknown sort key '{name}' (use {', '.join(SORT_KEYS)}, '-' before it for descending)")
    return name, key.startswith("-")


def sort_facts(items: list[Facts], config: Config, key: str | None) -> list[Facts]:
    """Order facts by a sort key (prefix '-' for descending); the default is pipeline and stage order."""
    pipeline_rank = {p.id: i for i, p in enumerate(config.pipelines)}

    def stage_order(f: Facts) -> tuple:
        index = f.pipeline.index(f.deal.stage) if f.pipeline else 999
        return (pipeline_rank.get(f.deal.pipeline, 999), index)

    base = sorted(items, key=lambda f: (stage_order(f), f.deal.id))
    if key is None:
        return base
    name, descending = parse_sort_key(key)
    getters = {
        "stage": stage_order,
        "value": lambda f: f.base_value,
        "weighted": lambda f: f.weighted_value,
        "created": lambda f: f.deal.created or dt.date.min,
        "close": lambda f: f.deal.expected_close or dt.date.max,
        "activity": lambda f: f.last_activity or dt.date.min,
        "title": lambda f: f.deal.title.lower(),
        "owner": lambda f: f.deal.owner or "",
        "account": lambda f: (f.deal.account or "").lower(),
        "id": lambda f: f.deal.id,
    }
    return sorted(base, key=getters[name], reverse=descending)
