"""One CSV policy (issue 15.4): every CSV pipe writes neutralises formula-like text the same way,
`--raw` writes it as it is, numbers (a negative change) are never touched, and `pipe import`
takes off exactly the ' that was added."""

from __future__ import annotations

import csv
import io

import pytest

from pipecli.core.fileformat import yamlio
from pipecli.core.store.workspace import Workspace
from tests.conftest import failed, simple_deal

HYPERLINK = '=HYPERLINK("http://evil.example","click")'
DDE = "=cmd|'/C calc'!A0"


def q(text: str) -> str:
    """text as a YAML scalar, quoted where it must be."""
    return yamlio.dump({"k": text}).split(": ", 1)[1].strip()


def won_deal(deal_id: str, value: int, closed: str, **fields) -> str:
    return simple_deal(deal_id, stage="won", value=value, closed=closed, created="2026-09-01",
                       history=f"\n- stage: lead\n  date: 2026-09-01\n- stage: won\n  date: {closed}", **fields)


@pytest.fixture
def hostile(make_workspace):
    """An open deal whose text cells start with each formula character, and two won deals (the
    November one for less than the October one, so a compared figure is negative)."""
    return make_workspace({
        "evil": simple_deal("evil", title=q(HYPERLINK), account=q("@SUM(A1)"), source="inbound",
                            tasks=f"\n- id: ta1234\n  text: {q(DDE)}\n  due: 2026-12-01\n  status: open"),
        "minus": simple_deal("minus", title=q("-5% discount"), account=q("+44 20 7946 0000")),
        "won-now": won_deal("won-now", 1000, "2026-11-10", account=q(DDE)),
        "won-before": won_deal("won-before", 5000, "2026-10-10", account="Plain GmbH"),
    })


def rows_of(text: str) -> list[dict]:
    return list(csv.DictReader(io.StringIO(text)))


def cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def assert_neutralised(text: str) -> None:
    """No cell starts with a formula character; those that did carry one ' in front."""
    for cell in cells(text):
        assert cell[:1] not in ("=", "+", "@", "\t", "\r"), cell
        assert not cell.startswith("-") or cell.lstrip("-").replace(".", "").isdigit(), cell


def test_list_csv_is_neutralised_and_raw_writes_text_as_it_is(hostile, run):
    result = run(hostile, "list", "--format", "csv")
    assert result.exit_code == 0, result.output
    assert_neutralised(result.stdout)
    by_id = {row["id"]: row for row in rows_of(result.stdout)}
    assert by_id["evil"]["title"] == "'" + HYPERLINK
    assert by_id["evil"]["account"] == "'@SUM(A1)"
    assert by_id["minus"]["title"] == "'-5% discount"
    assert by_id["minus"]["account"] == "'+44 20 7946 0000"
    raw = {row["id"]: row for row in rows_of(run(hostile, "list", "--format", "csv", "--raw").stdout)}
    assert raw["evil"]["title"] == HYPERLINK and raw["minus"]["title"] == "-5% discount"


def test_tasks_csv_is_neutralised(hostile, run):
    text = run(hostile, "tasks", "--format", "csv").stdout
    assert_neutralised(text)
    assert "'" + DDE in cells(text)
    assert DDE in cells(run(hostile, "tasks", "--format", "csv", "--raw").stdout)


def test_report_csv_neutralises_labels_but_keeps_negative_numbers(hostile, run):
    result = run(hostile, "report", "revenue", "--compare", "--format", "csv")
    assert result.exit_code == 0, result.output
    rows = rows_of(result.stdout)
    assert_neutralised(result.stdout)
    assert "'" + DDE in {row["row"] for row in rows}
    won = {row["column"]: row["value"] for row in rows if row["row"] == "revenue_won"}
    assert won["value"] == "1000" and won["previous"] == "5000" and won["change"] == "-4000"
    raw = rows_of(run(hostile, "report", "revenue", "--compare", "--format", "csv", "--raw").stdout)
    assert DDE in {row["row"] for row in raw}


def test_raw_is_only_for_csv(hostile, run):
    for args in (("list", "--raw"), ("tasks", "--raw", "--format", "json"), ("report", "--raw")):
        failed(run(hostile, *args), "--raw", "csv")


def test_import_takes_off_exactly_the_quote_a_csv_of_pipe_added(hostile, make_workspace, run, tmp_path):
    exported = tmp_path / "list.csv"
    exported.write_text(run(hostile, "list", "--format", "csv", "--open").stdout, encoding="utf-8")
    target = make_workspace({}, name="target")
    result = run(target, "import", str(exported), "--id", "id", "--map", "title=title", "--map", "account=account")
    assert result.exit_code == 0, result.output
    titles = {d.title: d.account for d in Workspace(target.root).deals()}
    assert titles == {HYPERLINK: "@SUM(A1)", "-5% discount": "+44 20 7946 0000"}


def test_import_raw_keeps_the_quote(make_workspace, run, tmp_path):
    path = tmp_path / "quoted.csv"
    path.write_text("id,title\nr1,'=1+1\nr2,''-x\n", encoding="utf-8")
    target = make_workspace({}, name="target")
    run(target, "import", str(path), "--id", "id", "--map", "title=title")
    assert sorted(d.title for d in Workspace(target.root).deals()) == ["'-x", "=1+1"]
    again = make_workspace({}, name="again")
    run(again, "import", str(path), "--id", "id", "--map", "title=title", "--raw")
    assert sorted(d.title for d in Workspace(again.root).deals()) == ["''-x", "'=1+1"]


def test_a_formula_after_a_semicolon_is_neutralised_for_semicolon_spreadsheets(make_workspace, run):
    # Excel in a ';' locale splits "Acme;=cmd|..." into a cell of its own that runs.
    title = "Acme;=cmd|' /C calc'!A0"
    workspace = make_workspace({"acme": simple_deal("acme", title=yamlio.dump(title).strip())})
    rows = list(csv.DictReader(io.StringIO(run(workspace, "list", "--format", "csv").stdout)))
    assert rows[0]["title"] == "Acme;'=cmd|' /C calc'!A0"
    rows = list(csv.DictReader(io.StringIO(run(workspace, "list", "--format", "csv", "--raw").stdout)))
    assert rows[0]["title"] == title


def test_neutralise_then_restore_gives_the_text_back():
    from hypothesis import given, settings, strategies as st

    from pipecli.core.fileformat.csvcells import neutralise, restore

    @settings(max_examples=500, deadline=None)
    @given(st.text(alphabet=st.sampled_from(list("';=+-@\t\rab ")), max_size=12))
    def round_trip(text):
        assert restore(neutralise(text)) == text

    round_trip()
