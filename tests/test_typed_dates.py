"""Dates typed by people: weekdays and phrases everywhere a date is taken, and each input's direction said.

Conftest freezes today at 2026-11-27, a Friday."""

import datetime as dt

import pytest

from pipecli.core.errors import InvalidValue
from pipecli.core.model.dates import AHEAD, BEHIND, EITHER, AmbiguousDate, parse_date, parse_datetime
from tests.conftest import failed, simple_deal

FRIDAY = dt.date(2026, 11, 27)
WEDNESDAY = dt.date(2026, 11, 25)


def day(text: str, direction: str, base: dt.date = WEDNESDAY) -> str:
    return parse_date(text, relative_to=base, direction=direction).isoformat()


@pytest.mark.parametrize("text, ahead, behind", [
    ("fri", "2026-11-27", "2026-11-20"),
    ("Friday", "2026-11-27", "2026-11-20"),
    ("mon", "2026-11-30", "2026-11-23"),
    ("tues", "2026-12-01", "2026-11-24"),
    ("thu", "2026-11-26", "2026-11-19"),
    ("3d", "2026-11-28", "2026-11-22"),
    ("2w", "2026-12-09", "2026-11-11"),
    ("1m", "2026-12-25", "2026-10-25"),
])
def test_a_weekday_or_a_duration_counts_the_way_the_input_does(text, ahead, behind):
    assert (day(text, AHEAD), day(text, BEHIND)) == (ahead, behind)


@pytest.mark.parametrize("text, expected", [
    ("today", "2026-11-25"), ("tomorrow", "2026-11-26"), ("yesterday", "2026-11-24"),
    ("next week", "2026-11-30"),  # next Monday
    ("last week", "2026-11-16"),  # last week's Monday
    ("end of week", "2026-11-29"), ("end of the week", "2026-11-29"),  # Sunday, as report weeks end
    ("end of month", "2026-11-30"), ("End  of the Month", "2026-11-30"),
    ("in 3d", "2026-11-28"), ("+3d", "2026-11-28"), ("3d ago", "2026-11-22"), ("-3d", "2026-11-22"),
    ("3 d ago", "2026-11-22"),
    ("next fri", "2026-11-27"), ("last fri", "2026-11-20"), ("next wed", "2026-12-02"), ("last wed", "2026-11-18"),
    ("2026-12-24", "2026-12-24"),
])
def test_fixed_and_signed_dates_mean_the_same_in_every_direction(text, expected):
    assert {day(text, d) for d in (AHEAD, BEHIND, EITHER)} == {expected}


def test_end_of_month_and_week_on_their_last_day_are_today():
    assert day("end of month", AHEAD, dt.date(2026, 2, 28)) == "2026-02-28"
    assert day("end of week", AHEAD, dt.date(2026, 11, 29)) == "2026-11-29"
    assert day("next week", AHEAD, dt.date(2026, 11, 30)) == "2026-12-07"  # on a Monday: the next one


@pytest.mark.parametrize("text, direction, message", [
    ("fri", AHEAD, "'fri' is today's weekday: say 'next fri' or 'today'"),
    ("friday", BEHIND, "'friday' is today's weekday: say 'today' or 'last friday'"),
    ("3d", EITHER, "'3d' could be ahead or behind: say 'in 3d' or '3d ago'"),
    ("mon", EITHER, "'mon' could be ahead or behind: say 'next mon' or 'last mon'"),
])
def test_an_ambiguous_date_is_refused_not_guessed(text, direction, message):
    with pytest.raises(AmbiguousDate) as raised:
        parse_date(text, relative_to=FRIDAY, direction=direction)
    assert str(raised.value) == message


@pytest.mark.parametrize("text", ["soon", "in soon", "next month", "last fortnight", "2026-02-30", "fri fri", ""])
def test_other_text_is_a_bad_date_naming_the_forms(text):
    with pytest.raises(InvalidValue) as raised:
        parse_date(text, relative_to=FRIDAY, direction=AHEAD)
    assert str(raised.value).startswith(f"bad date '{text}': use YYYY-MM-DD") and "fri" in str(raised.value)


def test_the_direction_must_be_given():
    with pytest.raises(TypeError):
        parse_date("3d", relative_to=FRIDAY)  # type: ignore[call-arg]


def test_a_date_with_a_time_takes_the_phrases_too():
    assert parse_datetime("wed 14:30", relative_to=FRIDAY) == (WEDNESDAY, "14:30")
    assert parse_datetime("end of month 9:05", relative_to=FRIDAY) == (dt.date(2026, 11, 30), "09:05")
    assert parse_datetime("in 2d 10:00", relative_to=FRIDAY, direction=EITHER) == (dt.date(2026, 11, 29), "10:00")


# -- through the commands ---------------------------------------------------------------------------

@pytest.fixture
def acme(make_workspace):
    return make_workspace({"acme": simple_deal("acme")})


def test_due_takes_a_weekday_ahead(acme, run, monkeypatch):
    monkeypatch.setenv("PIPE_TODAY", "2026-11-25")
    assert run(acme, "task", "add", "acme", "Send pricing", "--due", "fri").exit_code == 0
    assert run(acme, "task", "add", "acme", "Follow up", "--due", "next week").exit_code == 0
    assert [t["due"].isoformat() for t in acme.load("acme").tasks[1:]] == ["2026-11-27", "2026-11-30"]


def test_due_on_todays_weekday_asks_which(acme, run):
    before = acme.deal_path("acme").read_bytes()
    assert failed(run(acme, "task", "add", "acme", "Call", "--due", "fri")) == \
        "pipe: 'fri' is today's weekday: say 'next fri' or 'today'"
    assert acme.deal_path("acme").read_bytes() == before


def test_add_close_date_and_set_expected_close_take_phrases(make_workspace, run):
    workspace = make_workspace()
    deal = run(workspace, "add", "Acme", "--close-date", "end of month", "--next", "Call", "--due", "mon").stdout.strip()
    loaded = workspace.load(deal)
    assert loaded.data["expected_close"].isoformat() == "2026-11-30" and loaded.tasks[0]["due"].isoformat() == "2026-11-30"
    assert run(workspace, "set", deal, "expected_close=end of the month").stdout == f"{deal}: expected_close: unchanged\n"
    run(workspace, "set", deal, "expected_close=next week")
    assert workspace.load(deal).data["expected_close"].isoformat() == "2026-11-30"


def test_at_counts_back_and_takes_yesterday_and_weekdays(acme, run):
    assert run(acme, "log", "acme", "call", "Budget", "--at", "yesterday").exit_code == 0
    assert run(acme, "log", "acme", "email", "Pricing", "--at", "tue 9:30").exit_code == 0
    assert run(acme, "log", "acme", "note", "Met", "--at", "2d").exit_code == 0
    assert [(a["date"].isoformat(), a.get("time")) for a in acme.load("acme").activities] == [
        ("2026-11-26", None), ("2026-11-24", "09:30"), ("2026-11-25", None)]


def test_at_for_a_meeting_says_which_way_or_is_refused(acme, run):
    before = acme.deal_path("acme").read_bytes()
    assert failed(run(acme, "log", "acme", "meeting", "Demo", "--at", "2d")) == \
        "pipe: --at 2d could be past or planned for a meeting: say 'in 2d' or '2d ago'"
    assert failed(run(acme, "log", "acme", "meeting", "Demo", "--at", "tue")) == \
        "pipe: --at tue could be past or planned for a meeting: say 'next tue' or 'last tue'"
    assert acme.deal_path("acme").read_bytes() == before
    assert run(acme, "log", "acme", "meeting", "Demo", "--at", "next tue 14:00").exit_code == 0
    assert run(acme, "log", "acme", "meeting", "Kick-off", "--at", "2d ago").exit_code == 0
    assert [a["date"].isoformat() for a in acme.load("acme").activities] == ["2026-12-01", "2026-11-25"]


def test_a_call_cannot_be_logged_ahead_even_when_said_so(acme, run):
    failed(run(acme, "log", "acme", "call", "Call", "--at", "in 2d"), "--at in 2d is in the future", "only a meeting")


def test_on_takes_phrases_and_refuses_one_ahead(acme, run):
    failed(run(acme, "won", "acme", "--on", "end of month"), "after today")
    assert run(acme, "won", "acme", "--on", "wed").exit_code == 0
    assert acme.load("acme").closed.isoformat() == "2026-11-25"
    failed(run(acme, "move", "acme", "lead", "--on", "friday"), "'friday' is today's weekday", "'last friday'")


def test_snooze_and_the_agenda_take_phrases(acme, run):
    assert run(acme, "task", "snooze", "ta1234", "--until", "next week").exit_code == 0
    assert acme.load("acme").tasks[0]["snoozed_until"].isoformat() == "2026-11-30"
    assert run(acme, "tasks", "--due", "end of week").exit_code == 0


def test_list_filters_take_phrases(make_workspace, run):
    workspace = make_workspace({"old": simple_deal("old", created="2026-11-10", expected_close="2026-12-20"),
                                "new": simple_deal("new", created="2026-11-24", expected_close="2026-11-29")})
    ids = lambda *args: run(workspace, "list", "--format", "csv", *args).stdout.split("\n")[1:-1]
    assert [line.split(",")[0] for line in ids("--created-since", "mon")] == ["new"]
    assert [line.split(",")[0] for line in ids("--closing-before", "end of month")] == ["new"]
    assert [line.split(",")[0] for line in ids("--created-before", "last week")] == ["old"]


def test_a_point_in_git_takes_phrases_and_an_ambiguous_one_is_not_taken_for_a_commit(acme, run, monkeypatch):
    from tests.conftest import committed_repository

    for who in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{who}_DATE", "2026-11-01T12:00:00")
    committed_repository(acme.root, monkeypatch)
    result = run(acme, "diff", "last week")
    assert result.exit_code == 0 and "2026-11-16" in result.stdout, result.output
    assert failed(run(acme, "diff", "fri")) == "pipe: 'fri' is today's weekday: say 'today' or 'last fri'"
    failed(run(acme, "report", "revenue", "--as-of", "end of month"), "after today")
