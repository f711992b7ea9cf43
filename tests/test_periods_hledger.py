"""`pipe report --period` against hledger's own examples: the doctests of hledger-lib/Hledger/Data/Dates.hs
(github.com/simonmichael/hledger, commit 2b28a75d, August 2026) and the manual's "Smart dates" and
"Period expressions" sections (hledger/hledger.m4.md, same commit).

Each row: the day hledger's example takes as today (PIPE_TODAY here), the expression, the span
hledger gives, and the span pipe gives. Spans are written as hledger's doctests print them: first
and last day, both included (hledger's `DateSpan 2008-08-01..2008-09-30` holds August and September).

The conversion, where the two differ (only range ends do):
- a range's written end: hledger stops the day before the end date starts; pipe stops where the end
  date's own span ends (a day, month, quarter or year). `from aug to oct`: hledger ..09-30, pipe ..10-31;
  `..2025-01-01`: hledger ..2024-12-31, pipe ..2025-01-01.
- an open end: hledger runs to the journal's last transaction (printed `2025-01-01..`); pipe to today.
  Where the doctest's today is before the range starts, pipe refuses (see REFUSED) and the row here
  moves today past the start, as noted.
- an open start: hledger runs from the journal's first transaction (`..2024-12-31`); pipe from the
  first date a deal records, 2000-01-01 in the workspace used here.
A single date (no range) is the same span in both.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import simple_deal

FIRST_DEAL = "2000-01-01"

# today, expression, hledger's span, pipe's span
TABLE = [
    # -- Dates.hs, fixSmartDateStr doctests (today 2008-11-26, a Wednesday). The doctest shows the
    # date a smart date starts on; as a period it is the span spanFromSmartDate gives (same module).
    ("2008-11-26", "1999-12-02", "1999-12-02..1999-12-02", "1999-12-02..1999-12-02"),
    ("2008-11-26", "1999.12.02", "1999-12-02..1999-12-02", "1999-12-02..1999-12-02"),
    ("2008-11-26", "1999/3/2", "1999-03-02..1999-03-02", "1999-03-02..1999-03-02"),
    ("2008-11-26", "19990302", "1999-03-02..1999-03-02", "1999-03-02..1999-03-02"),
    ("2008-11-26", "2008/2", "2008-02-01..2008-02-29", "2008-02-01..2008-02-29"),
    ("2008-11-26", "0020/2", "0020-02-01..0020-02-29", "0020-02-01..0020-02-29"),
    ("2008-11-26", "1000", "1000-01-01..1000-12-31", "1000-01-01..1000-12-31"),
    ("2008-11-26", "4/2", "2008-04-02..2008-04-02", "2008-04-02..2008-04-02"),
    ("2008-11-26", "January", "2008-01-01..2008-01-31", "2008-01-01..2008-01-31"),
    ("2008-11-26", "feb", "2008-02-01..2008-02-29", "2008-02-01..2008-02-29"),
    ("2008-11-26", "today", "2008-11-26..2008-11-26", "2008-11-26..2008-11-26"),
    ("2008-11-26", "yesterday", "2008-11-25..2008-11-25", "2008-11-25..2008-11-25"),
    ("2008-11-26", "tomorrow", "2008-11-27..2008-11-27", "2008-11-27..2008-11-27"),
    ("2008-11-26", "this day", "2008-11-26..2008-11-26", "2008-11-26..2008-11-26"),
    ("2008-11-26", "last day", "2008-11-25..2008-11-25", "2008-11-25..2008-11-25"),
    ("2008-11-26", "next day", "2008-11-27..2008-11-27", "2008-11-27..2008-11-27"),
    ("2008-11-26", "this week", "2008-11-24..2008-11-30", "2008-11-24..2008-11-30"),
    ("2008-11-26", "last week", "2008-11-17..2008-11-23", "2008-11-17..2008-11-23"),
    ("2008-11-26", "next week", "2008-12-01..2008-12-07", "2008-12-01..2008-12-07"),
    ("2008-11-26", "this month", "2008-11-01..2008-11-30", "2008-11-01..2008-11-30"),
    ("2008-11-26", "last month", "2008-10-01..2008-10-31", "2008-10-01..2008-10-31"),
    ("2008-11-26", "next month", "2008-12-01..2008-12-31", "2008-12-01..2008-12-31"),
    ("2008-11-26", "this quarter", "2008-10-01..2008-12-31", "2008-10-01..2008-12-31"),
    ("2008-11-26", "last quarter", "2008-07-01..2008-09-30", "2008-07-01..2008-09-30"),
    ("2008-11-26", "next quarter", "2009-01-01..2009-03-31", "2009-01-01..2009-03-31"),
    ("2008-11-26", "this year", "2008-01-01..2008-12-31", "2008-01-01..2008-12-31"),
    ("2008-11-26", "last year", "2007-01-01..2007-12-31", "2007-01-01..2007-12-31"),
    ("2008-11-26", "next year", "2009-01-01..2009-12-31", "2009-01-01..2009-12-31"),
    ("2008-11-26", "last wednesday", "2008-11-19..2008-11-19", "2008-11-19..2008-11-19"),
    ("2008-11-26", "this wednesday", "2008-12-03..2008-12-03", "2008-12-03..2008-12-03"),
    ("2008-11-26", "next wednesday", "2008-12-03..2008-12-03", "2008-12-03..2008-12-03"),
    ("2008-11-26", "last january", "2008-01-01..2008-01-31", "2008-01-01..2008-01-31"),
    ("2008-11-26", "this january", "2009-01-01..2009-01-31", "2009-01-01..2009-01-31"),
    ("2008-11-26", "next january", "2009-01-01..2009-01-31", "2009-01-01..2009-01-31"),
    ("2008-11-26", "last november", "2007-11-01..2007-11-30", "2007-11-01..2007-11-30"),
    ("2008-11-26", "this november", "2009-11-01..2009-11-30", "2009-11-01..2009-11-30"),
    ("2008-11-26", "next november", "2009-11-01..2009-11-30", "2009-11-01..2009-11-30"),
    ("2008-11-26", "in 5 days", "2008-12-01..2008-12-01", "2008-12-01..2008-12-01"),
    ("2008-11-26", "in 7 months", "2009-06-01..2009-06-30", "2009-06-01..2009-06-30"),
    ("2008-11-26", "in -2 weeks", "2008-11-10..2008-11-16", "2008-11-10..2008-11-16"),
    ("2008-11-26", "1 quarter ago", "2008-07-01..2008-09-30", "2008-07-01..2008-09-30"),
    ("2008-11-26", "1 week ahead", "2008-12-01..2008-12-07", "2008-12-01..2008-12-07"),
    # -- Dates.hs, parsePeriodExpr doctests (today 2008-11-26)
    ("2008-11-26", "from Aug to Oct", "2008-08-01..2008-09-30", "2008-08-01..2008-10-31"),
    ("2008-11-26", "aug to oct", "2008-08-01..2008-09-30", "2008-08-01..2008-10-31"),
    ("2008-11-26", "2009q2", "2009-04-01..2009-06-30", "2009-04-01..2009-06-30"),
    ("2008-11-26", "Q3", "2008-07-01..2008-09-30", "2008-07-01..2008-09-30"),
    # -- Dates.hs, doubledatespanp doctests (today 2018-01-01)
    ("2018-01-01", "20180101-201804", "2018-01-01..2018-03-31", "2018-01-01..2018-04-30"),
    ("2018-01-01", "2017..2018", "2017-01-01..2017-12-31", "2017-01-01..2018-12-31"),
    ("2018-01-01", "2017-2018", "2017-01-01..2017-12-31", "2017-01-01..2018-12-31"),
    ("2018-01-01", "2017-01-2018", "2017-01-01..2017-12-31", "2017-01-01..2018-12-31"),
    ("2018-01-01", "2017-01-01-2018", "2017-01-01..2017-12-31", "2017-01-01..2018-12-31"),
    # -- Dates.hs, fromdatespanp doctests (today 2024-02-02; pipe's open end is today, so today is
    # moved past the start: 2025-06-30 and 2024-08-15; with the doctest's today pipe refuses, see REFUSED)
    ("2025-06-30", "2025-01-01..", "2025-01-01..", "2025-01-01..2025-06-30"),
    ("2025-06-30", "2025Q1..", "2025-01-01..", "2025-01-01..2025-06-30"),
    ("2024-08-15", "from q2", "2024-04-01..", "2024-04-01..2024-08-15"),
    # -- Dates.hs, todatespanp doctests (today 2024-02-02)
    ("2024-02-02", "..2025-01-01", "..2024-12-31", "2000-01-01..2025-01-01"),
    ("2024-02-02", "..2025Q1", "..2024-12-31", "2000-01-01..2025-03-31"),
    ("2024-02-02", "to q2", "..2024-03-31", "2000-01-01..2024-06-30"),
    # -- Dates.hs, indatespanp doctests (today 2024-02-02)
    ("2024-02-02", "2025-01-01", "2025-01-01..2025-01-01", "2025-01-01..2025-01-01"),
    ("2024-02-02", "2025q1", "2025-01-01..2025-03-31", "2025-01-01..2025-03-31"),
    ("2024-02-02", "in Q2", "2024-04-01..2024-06-30", "2024-04-01..2024-06-30"),
    # -- Dates.hs, quarterspanp doctests (today 2018-01-01) and quarterstartp (today 2025-02-02)
    ("2018-01-01", "q1", "2018-01-01..2018-03-31", "2018-01-01..2018-03-31"),
    ("2018-01-01", "2020q4", "2020-10-01..2020-12-31", "2020-10-01..2020-12-31"),
    ("2025-02-02", "Q2", "2025-04-01..2025-06-30", "2025-04-01..2025-06-30"),
    # -- Dates.hs, parsedate and smartdate doctests (any today)
    ("2025-02-02", "2025.01.01", "2025-01-01..2025-01-01", "2025-01-01..2025-01-01"),
    ("2025-02-02", "20250101", "2025-01-01..2025-01-01", "2025-01-01..2025-01-01"),
    ("2025-02-02", "20181201", "2018-12-01..2018-12-01", "2018-12-01..2018-12-01"),
    ("2025-02-02", "201804", "2018-04-01..2018-04-30", "2018-04-01..2018-04-30"),
    # -- manual, "Period expressions" ("if the current year is 2009": today 2009-06-15)
    ("2009-06-15", "from 2009/1/1 to 2009/4/1", "2009-01-01..2009-03-31", "2009-01-01..2009-04-01"),
    ("2009-06-15", "2009/1/1to2009/4/1", "2009-01-01..2009-03-31", "2009-01-01..2009-04-01"),
    ("2009-06-15", "2009/1/1..2009/4/1", "2009-01-01..2009-03-31", "2009-01-01..2009-04-01"),
    ("2009-06-15", "jan-apr", "2009-01-01..2009-03-31", "2009-01-01..2009-04-30"),
    ("2009-06-15", "this year to 4/1", "2009-01-01..2009-03-31", "2009-01-01..2009-04-01"),
    ("2009-06-15", "from 2009/1/1", "2009-01-01..", "2009-01-01..2009-06-15"),
    ("2009-06-15", "since 2009/1", "2009-01-01..", "2009-01-01..2009-06-15"),
    ("2009-06-15", "from 2009", "2009-01-01..", "2009-01-01..2009-06-15"),
    ("2009-06-15", "to 2009", "..2008-12-31", "2000-01-01..2009-12-31"),
    ("2009-06-15", "2009", "2009-01-01..2009-12-31", "2009-01-01..2009-12-31"),
    ("2009-06-15", "2009/1", "2009-01-01..2009-01-31", "2009-01-01..2009-01-31"),
    ("2009-06-15", "2009/1/1", "2009-01-01..2009-01-01", "2009-01-01..2009-01-01"),
    ("2009-06-15", "2009Q1", "2009-01-01..2009-03-31", "2009-01-01..2009-03-31"),
    ("2009-06-15", "q4", "2009-10-01..2009-12-31", "2009-10-01..2009-12-31"),
    # -- manual, "Smart dates" (today 2009-06-15 where relative)
    ("2009-06-15", "2004/10/1", "2004-10-01..2004-10-01", "2004-10-01..2004-10-01"),
    ("2009-06-15", "2004.9.1", "2004-09-01..2004-09-01", "2004-09-01..2004-09-01"),
    ("2009-06-15", "20240504", "2024-05-04..2024-05-04", "2024-05-04..2024-05-04"),
    ("2009-06-15", "2024Q1", "2024-01-01..2024-03-31", "2024-01-01..2024-03-31"),
    ("2009-06-15", "2004-10", "2004-10-01..2004-10-31", "2004-10-01..2004-10-31"),
    ("2009-06-15", "2004q3", "2004-07-01..2004-09-30", "2004-07-01..2004-09-30"),
    ("2009-06-15", "10/1", "2009-10-01..2009-10-01", "2009-10-01..2009-10-01"),
    ("2009-06-15", "oct", "2009-10-01..2009-10-31", "2009-10-01..2009-10-31"),
    ("2009-06-15", "october", "2009-10-01..2009-10-31", "2009-10-01..2009-10-31"),
    ("2009-06-15", "in 2 quarters", "2009-10-01..2009-12-31", "2009-10-01..2009-12-31"),
    ("2009-06-15", "3 years ago", "2006-01-01..2006-12-31", "2006-01-01..2006-12-31"),
    ("2009-06-15", "201812", "2018-12-01..2018-12-31", "2018-12-01..2018-12-31"),
    # -- manual, "Report start & end date" (today 2024-06-15)
    ("2024-06-15", "thismonth", "2024-06-01..2024-06-30", "2024-06-01..2024-06-30"),
    ("2024-06-15", "2023..", "2023-01-01..", "2023-01-01..2024-06-15"),
    ("2024-06-15", "2023-", "2023-01-01..", "2023-01-01..2024-06-15"),
    ("2024-06-15", "2000 to 2030", "2000-01-01..2029-12-31", "2000-01-01..2030-12-31"),
]

# today, expression, what the one line says: hledger's report intervals, a day of the month alone,
# YYYYMM with a bad month (a six-digit year in hledger), bad digits, an open range starting after today
REFUSED = [
    ("2008-11-26", "every 3 days in Aug", "report intervals"),  # Dates.hs parsePeriodExpr doctest
    ("2008-11-26", "daily from aug", "report intervals"),  # Dates.hs parsePeriodExpr doctest
    ("2008-11-26", "monthly in 2008", "report intervals"),  # manual, period expressions with an interval
    ("2008-11-26", "2", "a year has four digits"),  # Dates.hs fixSmartDateStr doctest: hledger's 2008-11-02
    ("2018-01-01", "201813", "a period like"),  # Dates.hs smartdate doctest: hledger's year 201813
    ("2018-01-01", "201801012", "a period like"),  # Dates.hs smartdate doctest: an error there too
    ("2018-01-01", "20181232", "a period like"),  # manual, smart dates: an error there too
    ("2024-02-02", "2025-01-01..", "ends today (2024-02-02)"),  # Dates.hs fromdatespanp doctest
    ("2024-02-02", "from q2", "ends today (2024-02-02)"),  # Dates.hs fromdatespanp doctest
]


@pytest.fixture
def workspace(make_workspace):
    """One deal, created on FIRST_DEAL: where an open start begins."""
    return make_workspace({"old": simple_deal("old", created=FIRST_DEAL)})


def reported(run, workspace, monkeypatch, today: str, expression: str) -> dict:
    monkeypatch.setenv("PIPE_TODAY", today)
    result = run(workspace, "report", "revenue", "--period", expression, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)["reports"]["revenue"]["period"]


@pytest.mark.parametrize("today, expression, hledger, pipe", TABLE, ids=[f"{r[1]}@{r[0]}" for r in TABLE])
def test_hledgers_examples_give_their_span(run, workspace, monkeypatch, today, expression, hledger, pipe):
    period = reported(run, workspace, monkeypatch, today, expression)
    assert f"{period['start']}..{period['end']}" == pipe
    if hledger != pipe:
        # Only a range's end differs: pipe's comes later (it includes the end), or is today or the
        # first deal's date where hledger's is open.
        start, _, end = hledger.partition("..")
        assert start in ("", period["start"]) and (end == "" or end < period["end"]), (hledger, pipe)


def test_the_table_holds_sixty_examples_and_the_range_forms_differ():
    assert len(TABLE) >= 60
    assert sum(hledger != pipe for _, _, hledger, pipe in TABLE) >= 20


@pytest.mark.parametrize("today, expression, words", REFUSED, ids=[r[1] for r in REFUSED])
def test_what_pipe_refuses_is_one_line_naming_it(run, workspace, monkeypatch, today, expression, words):
    monkeypatch.setenv("PIPE_TODAY", today)
    result = run(workspace, "report", "revenue", "--period", expression)
    assert result.exit_code == 1 and "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"pipe: bad period '{expression}': "), result.stderr
    assert words in lines[0]


def test_a_bad_period_shows_what_is_accepted(run, workspace):
    result = run(workspace, "report", "--period", "the autumn")
    assert result.stderr == ("pipe: bad period 'the autumn': use a period like 2026, 2026-Q3, q3, 2026-11, nov, "
                             "2026-W47, 2026-11-27, last month, ytd, 2026-01..2026-03 or 'from aug to oct'\n")


def test_the_report_header_shows_the_dates_a_range_resolved_to(run, workspace):
    # today 2026-11-27 (conftest): August to October of this year, October included
    text = run(workspace, "report", "revenue", "--period", "from aug to oct").stdout
    assert text.startswith("Revenue · 2026-08-01..2026-10-31\n")
    text = run(workspace, "report", "revenue", "--period", "2026-01-01..", "--compare").stdout
    # an open end is today; the period before is as many days (331) just before
    assert text.startswith("Revenue · 2026-01-01..2026-11-27, against 2025-02-04..2025-12-31\n")


def test_a_range_of_whole_months_is_that_quarter_or_year(run, workspace, monkeypatch):
    assert reported(run, workspace, monkeypatch, "2026-11-27", "2026-01..2026-03")["label"] == "2026-Q1"
    assert reported(run, workspace, monkeypatch, "2026-11-27", "jan..dec")["label"] == "2026"
    assert reported(run, workspace, monkeypatch, "2026-11-27", "next week")["label"] == "2026-W49"


def test_an_open_start_without_deals_is_where_its_end_begins(run, make_workspace, monkeypatch):
    period = reported(run, make_workspace({}), monkeypatch, "2026-11-27", "..2026-03")
    assert (period["start"], period["end"]) == ("2026-03-01", "2026-03-31")


def test_report_help_says_a_range_includes_its_end_unlike_hledgers(run):
    help_text = " ".join(run(None, "report", "--help").stdout.split())
    assert "Unlike hledger's, a range includes its end: 2026-01..2026-03 is January to March" in help_text


# pipe's own forms, which hledger does not read, at both ends of a range too (today 2026-11-27)
PIPE_FORMS = [
    ("2026-Q3", ("2026-Q3", "2026-07-01", "2026-09-30")),
    ("2026-Q3..2026-Q4", ("2026-07-01..2026-12-31", "2026-07-01", "2026-12-31")),
    ("2026-W47..2026-W48", ("2026-11-16..2026-11-29", "2026-11-16", "2026-11-29")),
    ("2026-11-16..2026-11-22", ("2026-W47", "2026-11-16", "2026-11-22")),  # exactly an ISO week: that week
    ("nov 2016", ("2016-11", "2016-11-01", "2016-11-30")),
    ("from oct 2016 to dec 2017", ("2016-10-01..2017-12-31", "2016-10-01", "2017-12-31")),
    ("2026-01-01..qtd", None),  # ytd, qtd and mtd are periods, not ends of a range
]


@pytest.mark.parametrize("expression, period", PIPE_FORMS, ids=[r[0] for r in PIPE_FORMS])
def test_pipes_own_forms(run, workspace, monkeypatch, expression, period):
    if period is None:
        result = run(workspace, "report", "revenue", "--period", expression)
        assert result.exit_code == 1 and result.stderr.startswith(f"pipe: bad period '{expression}'")
        return
    data = reported(run, workspace, monkeypatch, "2026-11-27", expression)
    assert (data["label"], data["start"], data["end"]) == period


@pytest.mark.parametrize("expression, compared", [
    ("nov", "2026-10"),
    ("next quarter", "2026-Q4"),
    ("next week", "2026-W48"),
    ("2026-01..2026-03", "2025-Q4"),
    ("from aug to oct", "2026-05-01..2026-07-31"),  # 92 days just before
    ("2026-11-01..", "2026-10-05..2026-10-31"),  # 27 days just before
])
def test_the_period_before_an_hledger_expression(run, workspace, expression, compared):
    result = run(workspace, "report", "revenue", "--period", expression, "--compare", "--format", "json")
    assert json.loads(result.stdout)["reports"]["revenue"]["compared_with"]["label"] == compared


@pytest.mark.parametrize("fmt, heading", [("text", "Revenue · 2026-Q1 (2026-01-01..2026-03-31)\n"),
                                          ("md", "## Revenue · 2026-Q1 (2026-01-01..2026-03-31)\n"),
                                          ("html", "<h2>Revenue · 2026-Q1 (2026-01-01..2026-03-31)")])
def test_a_range_read_as_a_whole_period_shows_its_dates_in_the_heading(make_workspace, run, fmt, heading):
    # Pasted from hledger, 2026-01..2026-03 is January and February there: here it is the quarter, and the
    # heading says so in dates, not only as '2026-Q1'.
    workspace = make_workspace()
    result = run(workspace, "report", "revenue", "--period", "2026-01..2026-03", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    assert heading in result.stdout
