"""pipe import keeps a deal's story: stages entered on dates the row gives, a created date moved back to a
close before it, the gated stages deals land in without what the gate needs, and --skip-bad.

Files are written by each test. The real data sets' checks of these (Maven's calibration and pipeline on
a past day, the Salesforce demo's dates) are in tests/test_import.py beside the other real-data tests.
"""

from __future__ import annotations

import datetime as dt
import json
import textwrap
from pathlib import Path

import pytest

from pipecli.core.store.workspace import Workspace
from tests.conftest import CONFIG, failed, simple_deal
from tests.test_import import nobody_in_particular, workspace  # noqa: F401,F811  (fixtures)

D = dt.date.fromisoformat


def write(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def history(deal) -> list[tuple[str, dt.date]]:
    return [(entry["stage"], entry["date"]) for entry in deal.history]


def files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and ".pipe" not in p.relative_to(root).parts}


def by_external_id(root: Path) -> dict[str, object]:
    return {str(d.data["external_id"]): d for d in Workspace(root).deals()}


# -- stage history from date columns -------------------------------------------------------------

STORY_RULES = """\
id: id
fields: {title: title, stage: stage, created: created, closed: closed, value: value}
defaults: {lost_reason: price}
stages: {Open: lead, Talking: qualified, Won: won, Lost: lost}
history: {qualified: talking_since}
"""

STORY_CSV = """\
id,title,stage,created,talking_since,closed,value
1,Lost after talks,Lost,2026-01-05,2026-02-10,2026-03-01,0
2,Won same day,Won,2026-04-01,2026-04-01,2026-05-20,900
3,Still talking,Talking,2026-06-01,2026-06-15,,500
4,Never talked,Lost,2026-07-01,,2026-07-30,0
5,Talks dated after the close,Lost,2026-08-01,2026-09-30,2026-08-20,0
"""


def test_history_columns_put_the_stages_a_row_passed_before_its_final_stage(workspace, run, tmp_path):
    rules = write(tmp_path / "story.rules.yaml", STORY_RULES)
    source = write(tmp_path / "story.csv", STORY_CSV)
    result = run(workspace, "import", str(source), "--rules", str(rules))
    assert result.exit_code == 0, result.output
    deals = by_external_id(workspace.root)
    # in lead from created, in qualified from the talking_since date, lost on the close date
    assert history(deals["1"]) == [("lead", D("2026-01-05")), ("qualified", D("2026-02-10")),
                                   ("lost", D("2026-03-01"))]
    # entered qualified the day it was created: it never sat in lead
    assert history(deals["2"]) == [("qualified", D("2026-04-01")), ("won", D("2026-05-20"))]
    assert history(deals["3"]) == [("lead", D("2026-06-01")), ("qualified", D("2026-06-15"))]
    # no date in the column: the story is what it was without one
    assert history(deals["4"]) == [("lead", D("2026-07-01")), ("lost", D("2026-07-30"))]
    # a stage date after the close is kept within the deal's life
    assert history(deals["5"]) == [("lead", D("2026-08-01")), ("qualified", D("2026-08-20")),
                                   ("lost", D("2026-08-20"))]
    assert run(workspace, "check").exit_code == 0


def test_the_calibration_counts_a_lost_deal_that_passed_a_stage_from_its_history(workspace, run, tmp_path):
    rules = write(tmp_path / "story.rules.yaml", STORY_RULES)
    source = write(tmp_path / "story.csv", STORY_CSV)
    assert run(workspace, "import", str(source), "--rules", str(rules)).exit_code == 0
    result = run(workspace, "report", "calibration", "--period", "2026", "--format", "json")
    table = json.loads(result.stdout)["reports"]["calibration"]["tables"]["calibration_sales"]
    rows = {row["stage"]: row for row in table["rows"]}
    # deals 1, 2 and 5 passed qualified (2 won), deal 4 did not: without the history only the won one had
    assert (rows["qualified"]["closed"], rows["qualified"]["won"]) == (3, 1)
    assert (rows["lead"]["closed"], rows["lead"]["won"]) == (4, 1)


def test_the_open_pipeline_on_a_past_day_has_the_deal_in_the_stage_the_row_dates(workspace, run, tmp_path):
    rules = write(tmp_path / "story.rules.yaml", STORY_RULES)
    source = write(tmp_path / "story.csv", STORY_CSV)
    assert run(workspace, "import", str(source), "--rules", str(rules)).exit_code == 0
    result = run(workspace, "report", "revenue", "--period", "2026-02", "--format", "json")
    table = json.loads(result.stdout)["reports"]["revenue"]["tables"]["pipeline_by_stage"]
    rows = {row["stage"]: row["deals"] for row in table["rows"]}
    assert rows["qualified"] == 1 and rows["lead"] == 0  # deal 1, talking since 2026-02-10


def test_history_columns_name_stages_of_the_workspace(workspace, run, tmp_path):
    rules = write(tmp_path / "story.rules.yaml", STORY_RULES.replace("{qualified:", "{talking:"))
    source = write(tmp_path / "story.csv", STORY_CSV)
    result = run(workspace, "import", str(source), "--rules", str(rules))
    assert result.exit_code == 1 and "history: unknown stage 'talking' in pipeline sales" in result.stderr
    assert workspace.deal_ids() == []
    rules = write(tmp_path / "bad.rules.yaml", STORY_RULES.replace("{qualified: talking_since}", "{qualified: 3}"))
    result = run(workspace, "import", str(source), "--rules", str(rules))
    assert result.exit_code == 1 and "history.qualified must be the date column" in result.stderr


def test_importing_again_with_update_adds_no_history_entry_and_changes_no_byte(workspace, run, tmp_path):
    rules = write(tmp_path / "story.rules.yaml", STORY_RULES)
    source = write(tmp_path / "story.csv", STORY_CSV)
    assert run(workspace, "import", str(source), "--rules", str(rules)).exit_code == 0
    before = files(workspace.root)
    again = run(workspace, "import", str(source), "--rules", str(rules), "--update")
    assert again.stdout == "imported: 0 created, 0 updated, 5 skipped\n"
    assert files(workspace.root) == before
    # the deal still talking is lost now: one entry more, the stages it passed are not repeated
    write(source, STORY_CSV.replace("3,Still talking,Talking,2026-06-01,2026-06-15,,500",
                                    "3,Still talking,Lost,2026-06-01,2026-06-15,2026-07-01,500"))
    changed = run(workspace, "import", str(source), "--rules", str(rules), "--update")
    assert changed.stdout == "imported: 0 created, 1 updated, 4 skipped\n", changed.output
    assert history(by_external_id(workspace.root)["3"]) == [
        ("lead", D("2026-06-01")), ("qualified", D("2026-06-15")), ("lost", D("2026-07-01"))]
    before = files(workspace.root)
    assert run(workspace, "import", str(source), "--rules", str(rules), "--update").exit_code == 0
    assert files(workspace.root) == before


# -- a close before created: records loaded into the source later (Salesforce) -------------------

LOADED_CSV = """\
id,title,stage,created,close,value
1,Won before loaded,Won,2026-03-10,2026-02-01,100
2,Lost before loaded,Lost,2026-03-10,2026-01-15,100
3,Open and overdue,Open,2026-03-10,2026-03-01,100
4,Open and ahead,Open,2026-03-10,2026-12-01,100
5,Won after loaded,Won,2026-03-10,2026-04-01,100
"""
LOADED_RULES = """\
id: id
fields: {title: title, stage: stage, created: created, closed: close, expected_close: close, value: value}
defaults: {lost_reason: price}
stages: {Open: lead, Won: won, Lost: lost}
"""


def test_move_created_closes_a_deal_on_its_close_date_and_keeps_an_overdue_expected_close(workspace, run, tmp_path):
    rules = write(tmp_path / "loaded.rules.yaml", LOADED_RULES + "move_created: true\n")
    source = write(tmp_path / "loaded.csv", LOADED_CSV)
    result = run(workspace, "import", str(source), "--rules", str(rules), "--next", "Call")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "pipe: note: 2 closed deal(s) closed before they were created: created moved back to the close date (rows 2, 3)",
        "pipe: note: 1 open deal(s) expected to close before they were created: created moved back to the expected "
        "close date (rows 4)"]
    deals = by_external_id(workspace.root)
    dates = {key: (d.created, d.closed, d.expected_close) for key, d in deals.items()}
    assert dates == {"1": (D("2026-02-01"), D("2026-02-01"), D("2026-02-01")),
                     "2": (D("2026-01-15"), D("2026-01-15"), D("2026-01-15")),
                     "3": (D("2026-03-01"), None, D("2026-03-01")),
                     "4": (D("2026-03-10"), None, D("2026-12-01")),
                     "5": (D("2026-03-10"), D("2026-04-01"), D("2026-04-01"))}
    assert history(deals["1"]) == [("lead", D("2026-02-01")), ("won", D("2026-02-01"))]
    forecast = run(workspace, "report", "forecast", "--period", "2026", "--format", "json")
    overdue = json.loads(forecast.stdout)["reports"]["forecast"]["tables"]["overdue"]["rows"]
    assert [(row["deal"], row["expected_close"]) for row in overdue] == [(deals["3"].id, "2026-03-01")]
    assert run(workspace, "check").exit_code == 0


def test_without_move_created_a_close_before_created_is_moved_to_created(workspace, run, tmp_path):
    rules = write(tmp_path / "loaded.rules.yaml", LOADED_RULES)
    source = write(tmp_path / "loaded.csv", LOADED_CSV)
    result = run(workspace, "import", str(source), "--rules", str(rules), "--next", "Call")
    assert result.exit_code == 0, result.output
    deals = by_external_id(workspace.root)
    assert (deals["1"].created, deals["1"].closed) == (D("2026-03-10"), D("2026-03-10"))
    assert (deals["3"].created, deals["3"].expected_close) == (D("2026-03-10"), None)
    assert "moved back" not in result.stderr


def test_a_rules_file_can_switch_off_what_a_preset_switches_on(workspace, run, tmp_path):
    # the Salesforce preset says move_created: true; an org whose CreatedDate is real says false over it
    source = write(tmp_path / "Opportunity.csv", "Id,Name,StageName,IsClosed,IsWon,Amount,CloseDate,CreatedDate\n"
                                                 "1,Early,Closed Won,1,1,100,2026-02-01,2026-03-10\n")
    args = ("import", str(source), "--preset", "salesforce", "--stage-map", "Closed Won=won")
    off = write(tmp_path / "off.rules.yaml", "move_created: false\n")
    result = run(workspace, *args, "--rules", str(off), "--dry-run")
    assert result.exit_code == 0, result.output
    assert "moved back" not in result.stderr
    assert "moved back" in run(workspace, *args, "--dry-run").stderr
    bad = write(tmp_path / "bad.rules.yaml", "move_created: yes please\n")
    failed(run(workspace, *args, "--rules", str(bad)), "'move_created' must be true or false")


# -- gated stages --------------------------------------------------------------------------------

GATED = CONFIG.replace("{id: qualified, name: Qualified, probability: 40, rot_days: 21, kind: open}",
                       "{id: qualified, name: Qualified, probability: 40, rot_days: 21, kind: open, requires: [bant]}"
                       ).replace("{id: proposal, name: Proposal, probability: 60, kind: open}",
                                 "{id: proposal, name: Proposal, probability: 60, kind: open, "
                                 "requires: [value, expected_close]}")
GATED_CSV = """\
id,title,stage,value,close
1,First,qualified,100,
2,Second,qualified,100,
3,No close date,proposal,100,
4,No value,proposal,,2027-01-01
5,Complete,proposal,100,2027-01-01
6,Ungated,lead,,
"""


def test_deals_imported_into_a_gated_stage_without_its_fields_are_one_warning_per_stage(make_workspace, run, tmp_path):
    assert GATED != CONFIG
    workspace = make_workspace(config=GATED)
    source = write(tmp_path / "gated.csv", GATED_CSV)
    args = ("import", str(source), "--id", "id", "--map", "title=title", "--map", "stage=stage", "--map", "value=value",
            "--map", "close=expected_close", "--next", "Call")
    dry = run(workspace, *args, "--dry-run")
    expected = [
        "pipe: warning: 2 imported deal(s) in qualified lack what its gate requires (bant.budget, bant.authority, "
        "bant.need, bant.timeline): imported all the same; list them with 'pipe list --stage qualified --missing bant'",
        "pipe: warning: 2 imported deal(s) in proposal lack what its gate requires (value, expected_close): imported "
        "all the same; list them with 'pipe list --stage proposal --missing value --missing expected_close'"]
    assert [line for line in dry.stderr.splitlines() if "gate" in line] == expected
    result = run(workspace, *args)
    assert result.exit_code == 0 and result.stdout == "imported: 6 created, 0 updated, 0 skipped\n"
    assert [line for line in result.stderr.splitlines() if "gate" in line] == expected
    # the commands it gives list exactly those deals
    for line, ids in zip(expected, (["first", "second"], ["no-close-date", "no-value"])):
        listing = line.rsplit("'", 2)[1].split()[1:]  # without "pipe"
        listed = run(workspace, *listing, "--format", "json")
        assert sorted(deal["id"] for deal in json.loads(listed.stdout)) == ids


def test_missing_lists_the_deals_without_a_field_a_gate_can_name(make_workspace, run):
    workspace = make_workspace({"a": simple_deal("a"), "b": simple_deal("b", value=0),
                                "c": simple_deal("c", expected_close="2026-12-20")})
    listed = run(workspace, "list", "--missing", "value", "--format", "json")
    assert [deal["id"] for deal in json.loads(listed.stdout)] == ["b"]
    listed = run(workspace, "list", "--missing", "value", "--missing", "expected_close", "--format", "json")
    assert [deal["id"] for deal in json.loads(listed.stdout)] == ["a", "b"]
    failed(run(workspace, "list", "--missing", "budget"), "unknown field 'budget' for --missing", "bant.budget")


# -- --skip-bad ----------------------------------------------------------------------------------

MIXED_CSV = """\
id,title,stage,owner,created,value
1,"Good, with a comma",lead,alice,2026-01-05,100
2,Bad date,lead,alice,2026-13-01,100
3,Unknown stage,Negotiation,alice,2026-01-05,100
4,Also good,qualified,bob,2026-02-01,200
5,'-Unknown owner,lead,zed,2026-01-05,50
"""
MIXED_ARGS = ("--id", "id", "--map", "title=title", "--map", "stage=stage", "--map", "owner=owner",
              "--map", "created=created", "--map", "value=value", "--next", "Call")


def test_without_skip_bad_one_bad_row_imports_nothing(workspace, run, tmp_path):
    source = write(tmp_path / "mixed.csv", MIXED_CSV)
    result = run(workspace, "import", str(source), *MIXED_ARGS)
    line = failed(result, "nothing imported", "row 3: bad date '2026-13-01'", "'Negotiation' (rows 4)", "'zed' (rows 6)")
    assert "Traceback" not in line and workspace.deal_ids() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mixed.csv", "ws"]


def test_skip_bad_imports_the_good_rows_and_writes_the_others_with_a_reason_beside_the_file(workspace, run, tmp_path):
    source = write(tmp_path / "mixed.csv", MIXED_CSV)
    result = run(workspace, "import", str(source), *MIXED_ARGS, "--skip-bad")
    assert result.exit_code == 0, result.output
    assert result.stdout == "imported: 2 created, 0 updated, 0 skipped, 3 rejected\n"
    rejects = tmp_path / "mixed.rejected.csv"
    assert result.stderr.splitlines()[-1] == (f"pipe: warning: 3 bad row(s) not imported (rows 3, 4, 6): written with "
                                              f"their reasons to {rejects}")
    assert sorted(workspace.deal_ids()) == ["also-good", "good-with-a-comma"]
    lines = MIXED_CSV.splitlines()
    # the rows as they came in (the ' before -Unknown), a reason last, worded as the command's options
    assert rejects.read_text(encoding="utf-8").splitlines() == [
        lines[0] + ",reason",
        lines[2] + ",row 3: bad date '2026-13-01' (YYYY-MM-DD or M/D/YYYY; else give --date-format)",
        lines[3] + ",row 4: unknown stage 'Negotiation' in pipeline sales: map it with --stage-map 'SOURCE=stage' or "
                   "stages: in a rules file",
        lines[5] + ",row 6: unknown owner 'zed': add it to the team (--add-owners) or map it with owners: in a rules file"]
    # fixed and imported again: the rows come in as the original ones would have
    fixed = rejects.read_text(encoding="utf-8").replace("2026-13-01", "2026-11-01").replace("Negotiation", "proposal")
    fixed = fixed.replace(",zed,", ",bob,")
    (tmp_path / "fixed.csv").write_text(fixed, encoding="utf-8")
    again = run(workspace, "import", str(tmp_path / "fixed.csv"), *MIXED_ARGS)
    assert again.stdout == "imported: 3 created, 0 updated, 0 skipped\n", again.output
    assert workspace.load("unknown-owner").title == "-Unknown owner"  # one ' off, as from the first file


def test_skip_bad_sets_aside_a_row_whose_lost_reason_is_not_mapped(workspace, run, tmp_path):
    # every row is imported or rejected: a lost reason the workspace lacks once made its row vanish
    source = write(tmp_path / "lost.csv", "id,title,stage,reason\n1,Kept,lost,price\n2,Dyn,lost,Too expensive\n"
                                          "3,Bolt,lead,\n")
    args = ("--id", "id", "--map", "title=title", "--map", "stage=stage", "--map", "reason=lost_reason")
    result = run(workspace, "import", str(source), *args, "--skip-bad")
    assert result.exit_code == 0, result.output
    assert result.stdout == "imported: 2 created, 0 updated, 0 skipped, 1 rejected\n"
    assert sorted(workspace.deal_ids()) == ["bolt", "kept"]
    assert (tmp_path / "lost.rejected.csv").read_text(encoding="utf-8").splitlines()[1] == (
        '2,Dyn,lost,Too expensive,"row 3: lost reason ""Too expensive"" is not in this workspace\'s list: map it '
        'with lost_reasons: in a rules file"')


def test_skip_bad_never_replaces_an_earlier_file_of_rejects(workspace, run, tmp_path):
    source = write(tmp_path / "mixed.csv", MIXED_CSV)
    (tmp_path / "mixed.rejected.csv").write_text("kept\n", encoding="utf-8")
    first = run(workspace, "import", str(source), *MIXED_ARGS, "--skip-bad")
    assert first.stderr.splitlines()[-1].endswith(f"to {tmp_path / 'mixed.rejected-2.csv'}")
    second = run(workspace, "import", str(source), *MIXED_ARGS, "--skip-bad")
    assert second.stdout == "imported: 0 created, 0 updated, 2 skipped, 3 rejected\n"
    assert second.stderr.splitlines()[-1].endswith(f"to {tmp_path / 'mixed.rejected-3.csv'}")
    assert (tmp_path / "mixed.rejected.csv").read_text(encoding="utf-8") == "kept\n"
    assert (tmp_path / "mixed.rejected-2.csv").read_bytes() == (tmp_path / "mixed.rejected-3.csv").read_bytes()


def test_skip_bad_with_dry_run_says_which_rows_it_would_reject_and_writes_nothing(workspace, run, tmp_path):
    source = write(tmp_path / "mixed.csv", MIXED_CSV)
    result = run(workspace, "import", str(source), *MIXED_ARGS, "--skip-bad", "--dry-run")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "row 2: create good-with-a-comma", "row 3: reject", "row 4: reject", "row 5: create also-good", "row 6: reject"]
    assert result.stderr.splitlines()[-1] == "dry run: 2 to create, 0 to update, 0 to skip, 3 to reject; nothing changed"
    assert workspace.deal_ids() == [] and sorted(p.name for p in tmp_path.iterdir()) == ["mixed.csv", "ws"]


def test_update_keeps_the_stages_a_row_dates_on_the_way_to_its_new_stage(workspace, run, tmp_path):
    rules = write(tmp_path / "story.rules.yaml", STORY_RULES)
    source = write(tmp_path / "story.csv", "id,title,stage,created,talking_since,closed,value\n"
                                           "7,Prospect,Open,2026-06-01,,,500\n")
    assert run(workspace, "import", str(source), "--rules", str(rules), "--next", "Call").exit_code == 0
    write(source, "id,title,stage,created,talking_since,closed,value\n7,Prospect,Won,2026-06-01,2026-06-10,2026-06-20,500\n")
    result = run(workspace, "import", str(source), "--rules", str(rules), "--update")
    assert result.stdout == "imported: 0 created, 1 updated, 0 skipped\n", result.output
    assert history(by_external_id(workspace.root)["7"]) == [
        ("lead", D("2026-06-01")), ("qualified", D("2026-06-10")), ("won", D("2026-06-20"))]
    before = files(workspace.root)
    assert run(workspace, "import", str(source), "--rules", str(rules), "--update").exit_code == 0
    assert files(workspace.root) == before


@pytest.mark.parametrize("name", ["deals.json", "deals.csv"])
def test_pipes_own_export_of_an_imported_story_comes_back_without_a_byte_changed(workspace, run, tmp_path, name):
    rules = write(tmp_path / "story.rules.yaml", STORY_RULES)
    source = write(tmp_path / "story.csv", STORY_CSV)
    assert run(workspace, "import", str(source), "--rules", str(rules), "--next", "Call").exit_code == 0
    assert run(workspace, "export", "-o", str(tmp_path / name)).exit_code == 0
    before = files(workspace.root)
    again = run(workspace, "import", str(tmp_path / name), "--preset", "pipe", "--update")
    assert again.stdout == "imported: 0 created, 0 updated, 5 skipped\n", again.output
    assert files(workspace.root) == before


def test_a_row_neither_imported_nor_set_aside_stops_the_import(workspace, run, tmp_path, monkeypatch):
    # the guard behind every refusal rule: were one to forget its row, nothing is imported rather than a row lost
    from pipecli.cli import importing

    source = write(tmp_path / "mixed.csv", MIXED_CSV)
    monkeypatch.setattr(importing, "rejections", lambda importer: {})
    result = run(workspace, "import", str(source), *MIXED_ARGS, "--skip-bad")
    line = failed(result, "nothing imported: rows 3, 4 were neither imported nor set aside")
    assert "Traceback" not in line and workspace.deal_ids() == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mixed.csv", "ws"]


def test_skip_bad_with_every_row_rejected_fails(workspace, run, tmp_path):
    # a mistake about the whole file (here an unknown stage for every row) is no success for a script or CI
    source = write(tmp_path / "bad.csv", "id,title,stage\n1,A,Negotiation\n2,B,Nego\n")
    result = run(workspace, "import", str(source), "--id", "id", "--map", "title=title", "--map", "stage=stage",
                 "--skip-bad")
    line = failed(result, "nothing imported: all 2 rows were rejected; they are written with their reasons to")
    assert str(tmp_path / "bad.rejected.csv") in line and workspace.deal_ids() == []
    assert len((tmp_path / "bad.rejected.csv").read_text(encoding="utf-8").splitlines()) == 3
