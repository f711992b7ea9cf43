"""The shared deal filters, the facts they read, sorting, and build_filter's errors (no CLI)."""

from __future__ import annotations

import datetime as dt

import pytest

from pipecli.core.errors import PipeError
from pipecli.core.model.queries import SORT_KEYS, build_filter, facts, select, sort_facts
from tests.conftest import TODAY, simple_deal

DAY = dt.date.fromisoformat(TODAY)  # 2026-11-27

LEAD_TO_QUALIFIED = "\n- stage: lead\n  date: 2026-09-01\n- stage: qualified\n  date: {}"
DONE_TASK = "\n- id: td1234\n  text: Sent the deck\n  status: done\n  done: {}"
CALL = "\n- date: {}\n  kind: call\n  summary: Talked pricing"

# Small sets of deals, each made for a few filters: id -> frontmatter overrides (and "body").
DEALS = {
    "pipelines": {
        "in-sales": {},
        "in-partners": {"pipeline": "partners", "stage": "intro"},
    },
    "stages": {
        "at-lead": {},
        "at-qualified": {"stage": "qualified"},
        "at-proposal": {"stage": "proposal"},
    },
    "owners": {
        "of-alice": {},
        "of-bob": {"owner": "bob"},
        "of-nobody": {"owner": None},
    },
    "accounts": {
        "acme": {"account": "Acme GmbH"},
        "globex": {"account": "Globex Corp"},
        "no-account": {},
    },
    "sources": {
        "from-inbound": {"source": "inbound"},
        "from-referral": {"source": "referral"},
        "from-nowhere": {},
    },
    "tags": {
        "tagged-both": {"tags": "[enterprise, eu]"},
        "tagged-one": {"tags": "[enterprise]"},
        "untagged": {},
    },
    "statuses": {
        "is-open": {},
        "is-won": {"stage": "won", "closed": "2026-11-20"},
        "is-lost": {"stage": "lost", "closed": "2026-11-20", "lost_reason": "price"},
        "is-parked": {"stage": "fridge"},
    },
    "values": {  # base currency EUR; 1 USD = 0.9 EUR
        "eur-1000": {"value": 1000},
        "usd-1000": {"value": 1000, "currency": "USD"},  # 900 EUR
        "eur-500": {"value": 500},
    },
    "created": {
        "made-sep": {"created": "2026-09-15"},
        "made-oct": {"created": "2026-10-29"},
        "made-nov": {"created": "2026-11-01"},
    },
    "closing": {
        "closes-dec": {"expected_close": "2026-12-20"},
        "closes-jan": {"expected_close": "2027-01-05"},
        "closes-never": {},
    },
    "inactive": {
        "quiet-since-oct": {"created": "2026-10-01"},
        "busy-in-nov": {"created": "2026-11-01"},
    },
    "rotting": {  # lead rots after 14 days, qualified after 21, proposal never
        "lead-15-days": {"created": "2026-11-12"},
        "lead-14-days": {"created": "2026-11-13"},
        "back-in-lead": {"created": "2026-09-01", "history":
                         "\n- stage: lead\n  date: 2026-09-01\n- stage: qualified\n  date: 2026-09-10"
                         "\n- stage: lead\n  date: 2026-11-20"},
        "qualified-old": {"stage": "qualified", "created": "2026-09-01",
                          "history": LEAD_TO_QUALIFIED.format("2026-11-01")},
        "qualified-new": {"stage": "qualified", "created": "2026-09-01",
                          "history": LEAD_TO_QUALIFIED.format("2026-11-20")},
        "proposal-ancient": {"stage": "proposal", "created": "2026-01-05"},
        "won-ancient": {"stage": "won", "created": "2026-01-05", "closed": "2026-01-05"},
    },
    "next-steps": {
        "has-task": {},
        "no-tasks": {"tasks": "[]"},
        "only-done": {"tasks": DONE_TASK.format("2026-11-20")},
        "won-no-task": {"stage": "won", "closed": "2026-11-20", "tasks": "[]"},
        "lost-no-task": {"stage": "lost", "closed": "2026-11-20", "lost_reason": "price", "tasks": "[]"},
    },
    "search": {
        "s-title": {"title": "Rollout Program"},
        "s-account": {"account": "Initech Systems"},
        "s-contact": {"contacts": "[{name: Jo Park, email: jo@umbrella.example}]"},
        "s-notes": {"body": "\nThey mentioned a Budget Freeze until spring.\n"},
        "s-nothing": {"account": "Hooli"},
    },
}


def deal_file(deal_id: str, fields: dict) -> str:
    fields = dict(fields)
    body = fields.pop("body", "")
    return simple_deal(deal_id, **fields) + body


@pytest.fixture
def chosen(make_workspace):
    """chosen(set_name, **filter_text) -> the set of ids the filter selects from that set of deals."""

    def choose(set_name: str, **filters) -> set[str]:
        ws = make_workspace({i: deal_file(i, f) for i, f in DEALS[set_name].items()}, name=set_name)
        deals = ws.deals()
        assert len(deals) == len(DEALS[set_name])
        deal_filter = build_filter(ws.config, DAY, **filters)
        return {f.deal.id for f in select(deals, ws.config, deal_filter, DAY)}

    return choose


@pytest.mark.parametrize("set_name, filters, expected", [
    ("pipelines", {}, {"in-sales", "in-partners"}),
    ("pipelines", {"pipeline": "partners"}, {"in-partners"}),
    ("pipelines", {"pipeline": "Sales"}, {"in-sales"}),
    ("stages", {"stages": ("lead",)}, {"at-lead"}),
    ("stages", {"stages": ("lead", "proposal")}, {"at-lead", "at-proposal"}),
    ("stages", {"stages": ("Qualified",)}, {"at-qualified"}),
    ("stages", {"pipeline": "sales", "stages": ("qual", "prop")}, {"at-qualified", "at-proposal"}),
    ("owners", {"owners": ("bob",)}, {"of-bob"}),
    ("owners", {"owners": ("BOB@example.com",)}, {"of-bob"}),
    ("owners", {"owners": ("alice", "bob")}, {"of-alice", "of-bob"}),
    ("accounts", {"account": "acme"}, {"acme"}),
    ("accounts", {"account": "ME GMB"}, {"acme"}),
    ("accounts", {"account": "o"}, {"globex"}),
    ("sources", {"source": "inbound"}, {"from-inbound"}),
    ("tags", {"tags": ("enterprise",)}, {"tagged-both", "tagged-one"}),
    ("tags", {"tags": ("enterprise", "eu")}, {"tagged-both"}),
    ("tags", {"tags": ("eu", "missing")}, set()),
    ("statuses", {"statuses": ("open",)}, {"is-open"}),
    ("statuses", {"statuses": ("won",)}, {"is-won"}),
    ("statuses", {"statuses": ("lost",)}, {"is-lost"}),
    ("statuses", {"statuses": ("parked",)}, {"is-parked"}),
    ("statuses", {"statuses": ("won", "lost")}, {"is-won", "is-lost"}),
    ("values", {"min_value": "950"}, {"eur-1000"}),
    ("values", {"min_value": "900"}, {"eur-1000", "usd-1000"}),
    ("values", {"max_value": "950"}, {"usd-1000", "eur-500"}),
    ("values", {"max_value": "899.99"}, {"eur-500"}),
    ("values", {"min_value": "600", "max_value": "950"}, {"usd-1000"}),
    ("values", {"min_value": "1,000"}, {"eur-1000"}),
    ("created", {"created_since": "2026-11-01"}, {"made-nov"}),
    ("created", {"created_since": "30d"}, {"made-oct", "made-nov"}),  # since 2026-10-28
    ("created", {"created_before": "2026-11-01"}, {"made-sep", "made-oct"}),
    ("created", {"created_before": "30d"}, {"made-sep"}),
    ("created", {"created_since": "2026-10-01", "created_before": "2026-11-01"}, {"made-oct"}),
    ("closing", {"closing_before": "2027-01-01"}, {"closes-dec"}),
    ("closing", {"closing_before": "30d"}, {"closes-dec"}),  # before 2026-12-27
    ("closing", {"closing_before": "6w"}, {"closes-dec", "closes-jan"}),  # before 2027-01-08
    ("inactive", {"inactive": "30d"}, {"quiet-since-oct"}),
    ("inactive", {"inactive": "3m"}, set()),  # nothing quiet since before 2026-08-27
    ("inactive", {"inactive": "2w"}, {"quiet-since-oct", "busy-in-nov"}),
    ("rotting", {"rotting": True}, {"lead-15-days", "qualified-old"}),
    ("next-steps", {"no_next_step": True}, {"no-tasks", "only-done"}),
    ("search", {"search": "ROLLOUT"}, {"s-title"}),
    ("search", {"search": "initech"}, {"s-account"}),
    ("search", {"search": "Jo@Umbrella.Example"}, {"s-contact"}),
    ("search", {"search": "budget freeze"}, {"s-notes"}),
    ("search", {"search": "nowhere to be found"}, set()),
])
def test_each_filter_keeps_the_deals_that_match_and_only_those(chosen, set_name, filters, expected):
    assert chosen(set_name, **filters) == expected


def test_filters_combine_with_and(chosen):
    assert chosen("statuses", statuses=("open", "won"), search="is-won") == {"is-won"}
    assert chosen("values", min_value="600", search="eur") == {"eur-1000"}


# -- inactivity: the last activity is the latest of four kinds of date --------------------------

QUIET = {"created": "2026-09-01"}  # everything happened in September


@pytest.mark.parametrize("change, last", [
    ({}, "2026-09-01"),
    ({"created": "2026-11-20", "history": "[]"}, "2026-11-20"),
    ({"stage": "qualified", "history": LEAD_TO_QUALIFIED.format("2026-11-20")}, "2026-11-20"),
    ({"activities": CALL.format("2026-11-20")}, "2026-11-20"),
    ({"tasks": DONE_TASK.format("2026-11-20")}, "2026-11-20"),
    ({"activities": CALL.format("2026-09-10"), "tasks": DONE_TASK.format("2026-09-12")}, "2026-09-12"),
], ids=["nothing-recent", "created", "stage-move", "activity", "task-done", "old-activity-and-task"])
def test_each_kind_of_activity_resets_inactivity(make_workspace, change, last):
    ws = make_workspace({"quiet": simple_deal("quiet", **{**QUIET, **change})})
    (deal,) = ws.deals()
    assert facts(deal, ws.config, DAY).last_activity == dt.date.fromisoformat(last)
    deal_filter = build_filter(ws.config, DAY, inactive="30d")  # no activity since 2026-10-28
    inactive = last < "2026-10-28"
    assert [f.deal.id for f in select([deal], ws.config, deal_filter, DAY)] == (["quiet"] if inactive else [])


def test_rotting_counts_days_since_entering_the_current_stage(make_workspace):
    ws = make_workspace({i: deal_file(i, f) for i, f in DEALS["rotting"].items()})
    by_id = {d.id: facts(d, ws.config, DAY) for d in ws.deals()}
    assert by_id["lead-15-days"].days_in_stage == 15 and by_id["lead-15-days"].rotting
    assert by_id["lead-14-days"].days_in_stage == 14 and not by_id["lead-14-days"].rotting
    assert by_id["back-in-lead"].days_in_stage == 7 and not by_id["back-in-lead"].rotting
    assert by_id["qualified-old"].days_in_stage == 26 and by_id["qualified-old"].rotting
    assert not by_id["proposal-ancient"].rotting  # proposal has no rot_days
    assert not by_id["won-ancient"].rotting


# -- sorting --------------------------------------------------------------------------------------

SORT_DEALS = {
    "ada": {"title": "alpha", "stage": "proposal", "value": 950, "owner": "alice", "account": "beta GmbH",
            "created": "2026-10-01", "expected_close": "2027-01-10", "activities": CALL.format("2026-11-25")},
    "bea": {"title": "Zeta", "stage": "lead", "value": 1050, "currency": "USD", "probability": 80,
            "owner": "bob", "account": "Acme", "created": "2026-11-01", "expected_close": "2026-12-01"},
    "cyd": {"title": "Mike", "stage": "qualified", "value": 1000, "owner": None, "account": "Corp",
            "created": "2026-09-01", "activities": CALL.format("2026-11-26")},
}
# Values in EUR: ada 950, bea 945 (1050 USD), cyd 1000; weighted: ada 570, bea 756, cyd 400.
ASCENDING = {
    None: ["bea", "cyd", "ada"],
    "stage": ["bea", "cyd", "ada"],
    "value": ["bea", "ada", "cyd"],
    "weighted": ["cyd", "ada", "bea"],
    "created": ["cyd", "ada", "bea"],
    "close": ["bea", "ada", "cyd"],  # no expected close sorts last
    "activity": ["bea", "ada", "cyd"],
    "title": ["ada", "cyd", "bea"],  # any case
    "owner": ["cyd", "ada", "bea"],  # no owner first
    "account": ["bea", "ada", "cyd"],  # any case
    "id": ["ada", "bea", "cyd"],
}


@pytest.fixture
def sort_items(make_workspace):
    ws = make_workspace({i: deal_file(i, f) for i, f in SORT_DEALS.items()})
    return ws.config, [facts(d, ws.config, DAY) for d in ws.deals()]


def test_every_sort_key_is_covered():
    assert set(ASCENDING) - {None} == set(SORT_KEYS)


@pytest.mark.parametrize("key", list(ASCENDING))
def test_sort_facts_by_each_key_and_descending(sort_items, key):
    config, items = sort_items
    assert [f.deal.id for f in sort_facts(items, config, key)] == ASCENDING[key]
    if key:
        assert [f.deal.id for f in sort_facts(items, config, "-" + key)] == ASCENDING[key][::-1]


def test_select_orders_by_pipeline_then_stage_then_id(make_workspace):
    ws = make_workspace({
        "p-intro": simple_deal("p-intro", pipeline="partners", stage="intro"),
        "s-won": simple_deal("s-won", stage="won", closed="2026-11-20"),
        "s-lead-b": simple_deal("s-lead-b"),
        "s-lead-a": simple_deal("s-lead-a"),
        "s-proposal": simple_deal("s-proposal", stage="proposal"),
    })
    chosen = select(ws.deals(), ws.config, build_filter(ws.config, DAY), DAY)
    assert [f.deal.id for f in chosen] == ["s-lead-a", "s-lead-b", "s-proposal", "s-won", "p-intro"]


def test_an_unknown_sort_key_is_refused(sort_items):
    config, items = sort_items
    with pytest.raises(PipeError, match=r"unknown sort key 'size'.*value"):
        sort_facts(items, config, "-size")


# -- build_filter errors --------------------------------------------------------------------------

@pytest.mark.parametrize("filters, words", [
    ({"stages": ("negotiation",)}, ["unknown stage 'negotiation'", "lead", "qualified"]),
    ({"pipeline": "sales", "stages": ("intro",)}, ["unknown stage 'intro'", "sales"]),
    ({"pipeline": "nope"}, ["unknown pipeline 'nope'", "sales", "partners"]),
    ({"owners": ("carol",)}, ["unknown team member 'carol'", "alice", "bob"]),
    ({"statuses": ("closed",)}, ["unknown status 'closed'", "open", "parked"]),
    ({"inactive": "10x"}, ["bad duration '10x'", "10d"]),
    ({"inactive": "-3d"}, ["bad duration '-3d'"]),
    ({"created_since": "2026-13-01"}, ["bad date '2026-13-01'", "YYYY-MM-DD"]),
    ({"created_before": "last fortnight"}, ["bad date 'last fortnight'"]),
    ({"closing_before": "soon"}, ["bad date 'soon'"]),
    ({"min_value": "-5"}, ["bad minimum value '-5'", "negative"]),  # the CLI says --min-value
    ({"max_value": "lots"}, ["bad maximum value 'lots'", "number"]),
    ({"min_value": "2000", "max_value": "1000"}, ["2000", "above", "1000"]),
])
def test_build_filter_refuses_bad_input_with_a_clear_message(make_workspace, filters, words):
    config = make_workspace().config
    with pytest.raises(PipeError) as caught:
        build_filter(config, DAY, **filters)
    assert type(caught.value) is not PipeError  # a specific subclass: NotFound, InvalidValue...
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message
