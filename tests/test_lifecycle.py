"""Creating, moving, winning, losing and setting fields of deals, in the core."""

import datetime as dt
import re

import pytest

from pipecli.core.errors import Ambiguous, InvalidValue, NotFound, PipeError
from pipecli.core.model.deal import slugify
from pipecli.core.workflow import lifecycle
from tests.conftest import simple_deal

TODAY = dt.date(2026, 11, 27)


@pytest.fixture
def workspace(make_workspace):
    return make_workspace({"acme": simple_deal("acme", account="Acme")})


@pytest.fixture
def config(workspace):
    return workspace.config


@pytest.fixture
def deal(workspace):
    return workspace.load("acme")


def test_create_deal_fills_history_task_and_defaults(config):
    spec = lifecycle.NewDeal(title="Acme Rollout!", value="18,000", contacts=("Jonas Weber <jonas@acme.example>",),
                             tags=("eu,enterprise", "eu"), next_step="Call Jonas", due="3d", close_date="6w")
    deal = lifecycle.create_deal(spec, config, {"acme-rollout"}, TODAY, "alice")
    assert re.fullmatch(r"acme-rollout-[a-z2-9]{4}", deal.id)
    assert (deal.pipeline, deal.stage, deal.data["value"], deal.currency, deal.owner) == ("sales", "lead", 18000, "EUR", "alice")
    assert deal.contacts == [{"name": "Jonas Weber", "email": "jonas@acme.example"}]
    assert deal.tags == ["eu", "enterprise"]
    assert deal.expected_close == dt.date(2027, 1, 8)
    assert deal.history == [{"stage": "lead", "date": TODAY, "by": "alice"}]
    (task,) = deal.tasks
    assert (task["text"], task["due"], task["assignee"], task["status"]) == ("Call Jonas", dt.date(2026, 11, 30), "alice", "open")
    assert task["id"][0].isalpha() and len(task["id"]) == 6


@pytest.mark.parametrize("spec, words", [
    (dict(title="  "), "needs a title"),
    (dict(title="A", stage="won"), "cannot start in the won stage"),
    (dict(title="A", stage="nope"), "unknown stage"),
    (dict(title="A", pipeline="nope"), "unknown pipeline"),
    (dict(title="A", owner="carol"), "unknown team member"),
    (dict(title="A", value="-5"), "cannot be negative"),
    (dict(title="A", value="lots"), "bad value"),
    (dict(title="A", currency="JPY"), "no exchange rate"),
    (dict(title="A", source="tv"), "unknown source"),
    (dict(title="A", due="3d"), "a due date needs a next step"),  # the CLI says --due, --next TEXT
    (dict(title="A", close_date="2026-13-01"), "bad date"),
    (dict(title="A", contacts=("Jo <not-an-email>",)), "contact"),
    (dict(title="A\nB"), "one line"),
    (dict(title="A", account="Acme\nGmbH"), "account must be one line"),
    (dict(title="A", next_step="Call\nthem"), "must be one line"),
    (dict(title="A", value="1e30"), "bad value"),
    (dict(title="A", source=" "), "empty source"),
    (dict(title="A", currency=""), "bad currency"),
    (dict(title="A", stage=""), "unknown stage ''"),
    (dict(title="A", next_step=""), "needs some text"),
])
def test_create_deal_rejects_bad_input(config, spec, words):
    with pytest.raises(PipeError, match=words):
        lifecycle.create_deal(lifecycle.NewDeal(**spec), config, set(), TODAY, None)


def test_ids_are_slugs_whatever_the_title():
    assert slugify("../../etc/passwd") == "etc-passwd"
    assert slugify("Grünwald Medtech — devices") == "grunwald-medtech-devices"
    assert slugify("???") == "deal"
    assert slugify("Straße Øresund Æble Łódź") == "strasse-oresund-aeble-lodz"
    assert len(slugify("word " * 40)) <= 60


def test_move_records_history_and_closing_sets_and_clears_dates(config, deal):
    lifecycle.move(deal, config, "Qualified", TODAY, "bob")
    assert deal.stage == "qualified" and deal.history[-1] == {"stage": "qualified", "date": TODAY, "by": "bob"}
    lifecycle.close(deal, config, "lost", TODAY, "bob", reason="price")
    assert (deal.stage, deal.closed, deal.lost_reason) == ("lost", TODAY, "price")
    lifecycle.move(deal, config, "lead", TODAY, None)
    assert "closed" not in deal.data and "lost_reason" not in deal.data
    lifecycle.close(deal, config, "won", TODAY, None)
    assert (deal.stage, deal.closed) == ("won", TODAY)


def test_move_to_another_pipeline_notes_it_in_the_history(config, deal):
    lifecycle.move(deal, config, "intro", TODAY, None, pipeline_text="partners")
    assert (deal.pipeline, deal.stage) == ("partners", "intro")
    assert deal.history[-1] == {"stage": "intro", "date": TODAY, "pipeline": "partners"}


@pytest.mark.parametrize("stage, reason, error, words", [
    ("lost", None, InvalidValue, "needs a reason"),
    ("lost", "weather", InvalidValue, "unknown lost reason"),
    ("qualified", "price", InvalidValue, "only for a move to a lost stage"),
    ("lead", None, PipeError, "already in lead"),
    ("intro", None, NotFound, "unknown stage"),
    ("l", None, Ambiguous, "ambiguous in pipeline sales: lead, lost"),
])
def test_move_rejects_bad_moves_without_changing_the_deal(config, deal, stage, reason, error, words):
    before = dict(deal.data)
    with pytest.raises(error, match=words):
        lifecycle.move(deal, config, stage, TODAY, None, reason=reason)
    assert deal.data == before


def test_set_field_reads_each_type(config, deal):
    for assignment in ["value=2,500.50", "currency=usd", "owner=BOB@example.com", "tags=a, b", "probability=35",
                       "contacts=Jo <jo@x.example>; Al", "expected_close=2027-01-31", "bant.budget=25k approved",
                       "title=Acme 2"]:
        lifecycle.set_field(deal, config, assignment, TODAY)
    assert deal.data["value"] == 2500.5 and deal.currency == "USD" and deal.owner == "bob"
    assert deal.tags == ["a", "b"] and deal.probability == 35
    assert deal.contacts == [{"name": "Jo", "email": "jo@x.example"}, {"name": "Al"}]
    assert deal.expected_close == dt.date(2027, 1, 31) and deal.bant == {"budget": "25k approved"}
    lifecycle.set_field(deal, config, "account=", TODAY)
    lifecycle.set_field(deal, config, "bant.budget=", TODAY)
    assert "account" not in deal.data and "bant" not in deal.data


@pytest.mark.parametrize("assignment, words", [
    ("stage=won", "pipe move"), ("id=x", "does not change"), ("history=x", "history"), ("nope=1", "unknown field"),
    ("value", "KEY=VALUE"), ("probability=120", "0 to 100"), ("created=2027-01-01", "future"),
    ("bant.mood=good", "unknown BANT key"), ("title=", "needs a title"), ("owner=carol", "unknown team member"),
])
def test_set_field_rejects_bad_assignments(config, deal, assignment, words):
    with pytest.raises(PipeError, match=words):
        lifecycle.set_field(deal, config, assignment, TODAY)


def test_new_deal_ids_carry_a_random_suffix_and_never_take_a_taken_name(monkeypatch):
    # Two clones adding the same title must not pick one file name: the suffix is random.
    ids = {lifecycle.new_deal_id("Acme rollout", set()) for _ in range(50)}
    assert len(ids) > 40 and all(re.fullmatch(r"acme-rollout-[a-z2-9]{4}", i) for i in ids)
    # The id stays within the length limit, suffix included.
    long_id = lifecycle.new_deal_id("word " * 40, set())
    assert len(long_id) <= 60 and re.fullmatch(r"(word-)+[a-z2-9]{4}", long_id)
    # A drawn suffix that is taken is drawn again.
    draws = iter("aaaa" "aaaa" "bbbb")
    monkeypatch.setattr(lifecycle.secrets, "choice", lambda chars: next(draws))
    assert lifecycle.new_deal_id("Acme", {"acme-aaaa"}) == "acme-bbbb"
