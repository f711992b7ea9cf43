"""The commands as a user runs them (CliRunner), on small workspaces."""

import datetime as dt
import difflib
import io
import json
import re
import sys
import textwrap

import pytest
from click.shell_completion import ShellComplete

from pipecli.cli.main import cli
from pipecli.render.style import colour_wanted
from tests.conftest import TODAY, simple_deal


def test_add_prints_the_id_and_writes_a_complete_deal(make_workspace, run, monkeypatch):
    workspace = make_workspace()
    monkeypatch.setenv("PIPE_USER", "bob@example.com")
    result = run(workspace, "add", "Acme rollout", "--value", "18000", "--account", "Acme GmbH",
                 "--contact", "Jonas Weber <jonas@acme.example>", "--source", "referral", "--tag", "eu",
                 "--close-date", "2027-01-31", "--next", "Send pricing", "--due", "tomorrow")
    assert result.exit_code == 0 and re.fullmatch(r"acme-rollout-[a-z2-9]{4}\n", result.stdout)
    deal = workspace.load(result.stdout.strip())
    assert deal.owner == "bob" and deal.created.isoformat() == "2026-11-27"
    assert deal.history == [{"stage": "lead", "date": deal.created, "by": "bob"}]
    assert deal.next_task["due"].isoformat() == "2026-11-28"
    again = run(workspace, "add", "Acme rollout").stdout.strip()
    assert again.startswith("acme-rollout-") and again != deal.id and len(workspace.deal_ids()) == 2


def test_show_text_and_json(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", account="Acme GmbH")})
    text = run(workspace, "show", "ac").stdout
    assert text.startswith("Acme  (acme)\nSales › Lead · 1,000 EUR · 10% · owner alice\n")
    assert "\n  ta1234 Call them (due 2026-12-01)\n" in text
    record = json.loads(run(workspace, "show", "acme", "--format", "json").stdout)
    assert record["account"] == "Acme GmbH" and record["created"] == "2026-11-01" and record["notes"] == ""



def test_show_works_out_a_deals_facts_from_the_deal_not_from_its_text_cleaned_for_the_terminal(make_workspace, run):
    """Cleaned, two different control characters are both a space: the stage "lead\\a" then matched the history
    entry "lead\\e", and show said the deal was in its stage since 2026-11-20 (pipe list: since it was created)."""
    odd = simple_deal("odd", stage='"lead\\a"', history="\n- stage: lead\n  date: 2026-11-01\n"
                      '- stage: "lead\\e"\n  date: 2026-11-20')
    workspace = make_workspace({"odd": odd})
    text = run(workspace, "show", "odd").stdout
    days = (dt.date.fromisoformat(TODAY) - dt.date(2026, 11, 1)).days
    assert f"\n  in stage:       {days} days\n" in text and "lead " in text


def test_set_changes_only_the_lines_of_the_fields_it_sets(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    before = workspace.deal_path("acme").read_text()
    result = run(workspace, "set", "acme", "value=24000", "account=Acme GmbH")
    assert result.exit_code == 0
    assert result.stdout == "acme: value: 1000 -> 24000\nacme: account: (none) -> Acme GmbH\n"
    after = workspace.deal_path("acme").read_text()
    diff = [l for l in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if l[:1] in "+-" and not l.startswith(("+++", "---"))]
    assert diff == ["-value: 1000", "+value: 24000", "+account: Acme GmbH"]
    result = run(workspace, "set", "acme", "contacts=Al <al@x.example>; Bo", "tags=eu, smb")
    assert result.stdout == "acme: contacts: (none) -> Al <al@x.example>; Bo\nacme: tags: (none) -> eu, smb\n"


def test_move_won_lost_and_their_output(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme"), "beta": simple_deal("beta")})
    assert run(workspace, "move", "acme", "Qualified").stdout == "acme: lead -> qualified\n"
    assert run(workspace, "won", "acme").stdout == "acme: qualified -> won\nacme: cancelled 1 open task(s): Call them\n"
    assert workspace.load("acme").closed.isoformat() == "2026-11-27"
    assert workspace.load("acme").tasks[0]["status"] == "cancelled"
    assert run(workspace, "lost", "beta", "--reason", "price").stdout.startswith("beta: lead -> lost\n")
    assert workspace.load("beta").lost_reason == "price"
    assert run(workspace, "move", "beta", "intro", "--pipeline", "partners").stdout == "beta: sales/lost -> partners/intro\n"


def test_rm_deletes_the_file(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    assert run(workspace, "rm", "acme", "--yes").stdout == "removed deals/acme.md\n"
    assert workspace.deal_ids() == []


def test_edit_saves_a_valid_edit(make_workspace, run, monkeypatch, tmp_path):
    workspace = make_workspace({"acme": simple_deal("acme")})
    editor = tmp_path / "editor.py"
    editor.write_text(textwrap.dedent("""
        import sys
        path = sys.argv[1]
        text = open(path).read().replace("value: 1000", "value: 5000") + "Met at FOSDEM.\\n"
        open(path, "w").write(text)
    """))
    monkeypatch.setenv("EDITOR", f"{sys.executable} {editor}")
    result = run(workspace, "edit", "acme")
    assert result.exit_code == 0, result.stderr
    deal = workspace.load("acme")
    assert deal.data["value"] == 5000 and deal.body == "Met at FOSDEM.\n"


def test_init_creates_a_workspace_that_works(tmp_path, run):
    result = run(None, "init", str(tmp_path / "sales"))
    assert result.exit_code == 0
    assert run(tmp_path / "sales", "add", "First deal").stdout.startswith("first-deal-")
    assert run(tmp_path / "sales", "check").exit_code == 0


def test_list_filters_sorts_and_formats(make_workspace, run):
    workspace = make_workspace({
        "acme": simple_deal("acme", value=5000, owner="bob"),
        "beta": simple_deal("beta", value=9000, stage="qualified"),
        "gamma": simple_deal("gamma", stage="won", closed="2026-11-20", tasks="[]"),
    })
    ids = lambda *args: [r["id"] for r in json.loads(run(workspace, "list", "--format", "json", *args).stdout)]
    assert ids() == ["acme", "beta", "gamma"]
    assert ids("--open", "--sort", "-value") == ["beta", "acme"]
    assert ids("--owner", "alice", "--won") == ["gamma"]
    assert ids("--min-value", "6000") == ["beta"]
    csv_lines = run(workspace, "list", "--format", "csv", "--stage", "lead").stdout.splitlines()
    assert csv_lines[0].startswith("id,title,pipeline,stage,value") and csv_lines[1].startswith("acme,Acme,sales,lead,5000")
    assert run(workspace, "list", "--format", "md").stdout.startswith("| id ")
    empty = run(workspace, "list", "--lost")
    assert empty.exit_code == 0 and empty.stdout == "" and "no deals match" in empty.stderr


def test_board_columns_follow_the_filters_and_width(make_workspace, run):
    workspace = make_workspace({
        "acme": simple_deal("acme", value=5000),
        "beta": simple_deal("beta", stage="won", closed="2026-11-20", tasks="[]"),
    })
    default = run(workspace, "board", "--width", "200").stdout
    assert "Lead (1)" in default and "Won (" not in default and "Fridge (0)" in default
    assert "Won (1)" in run(workspace, "board", "--all").stdout
    narrow = run(workspace, "board", "--width", "30").stdout
    assert max(len(line) for line in narrow.splitlines()) <= 30
    assert "Intro (0)" in run(workspace, "board", "partners").stdout


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert colour_wanted(Terminal()) is True
    assert colour_wanted(io.StringIO()) is False
    monkeypatch.setenv("NO_COLOR", "")  # no-color.org: only a non-empty value turns colour off
    assert colour_wanted(Terminal()) is True
    monkeypatch.setenv("NO_COLOR", "1")
    assert colour_wanted(Terminal()) is False


def test_shell_completion_of_deals_and_stages(make_workspace, monkeypatch):
    other = "\n- {id: tq5678, text: Send pricing, status: open}\n- {id: tr9999, text: Old, status: done}"
    workspace = make_workspace({"acme": simple_deal("acme"), "acorn": simple_deal("acorn", tasks=other),
                                "beta": simple_deal("beta", tasks="[]")})
    monkeypatch.chdir(workspace.root)
    complete = ShellComplete(cli, {}, "pipe", "_PIPE_COMPLETE")
    assert [c.value for c in complete.get_completions(["move"], "ac")] == ["acme", "acorn"]
    assert [c.value for c in complete.get_completions(["move", "acme"], "q")] == ["qualified"]
    assert [c.value for c in complete.get_completions(["board"], "p")] == ["partners"]
    assert [(c.value, c.help) for c in complete.get_completions(["task", "done"], "t")] == [
        ("ta1234", "acme: Call them"), ("tq5678", "acorn: Send pricing")]  # open tasks only
    assert [c.value for c in complete.get_completions(["task", "snooze"], "tq")] == ["tq5678"]


def test_completion_command_prints_a_script(run):
    result = run(None, "completion", "bash")
    assert result.exit_code == 0 and "_PIPE_COMPLETE" in result.stdout


def test_no_command_writes_a_deal_that_check_would_reject(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    before = workspace.deal_path("acme").read_bytes()
    result = run(workspace, "set", "acme", "created=2026-11-20", "value=5")
    assert result.exit_code == 1
    assert result.stderr == "pipe: acme: history entry 1 (2026-11-01) is before created 2026-11-20\n"
    assert workspace.deal_path("acme").read_bytes() == before


def test_strict_next_step_rule_on_add(make_workspace, run):
    from tests.conftest import CONFIG

    workspace = make_workspace(config=CONFIG.replace("next_step: warn", "next_step: strict"))
    result = run(workspace, "add", "Acme")
    assert result.exit_code == 1 and "no next step" in result.stderr and "--next" in result.stderr
    assert workspace.deal_ids() == []
    assert run(workspace, "add", "Acme", "--next", "Call").exit_code == 0


def _editor(tmp_path, monkeypatch, code: str) -> None:
    """Make $EDITOR a Python script running code with `path` bound to the file to edit."""
    script = tmp_path / "editor.py"
    script.write_text(f"import sys\npath = sys.argv[1]\n{textwrap.dedent(code)}")
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")


def test_edit_rejects_bytes_that_are_not_utf8_and_keeps_them(make_workspace, run, monkeypatch, tmp_path):
    workspace = make_workspace({"acme": simple_deal("acme")})
    before = workspace.deal_path("acme").read_bytes()
    _editor(tmp_path, monkeypatch, "open(path, 'ab').write(b'Caf\\xe9\\n')")
    result = run(workspace, "edit", "acme")
    assert result.exit_code == 1 and "not UTF-8 text" in result.stderr
    assert workspace.deal_path("acme").read_bytes() == before
    assert (workspace.root / ".pipe" / "rejected" / "acme.md").read_bytes() == before + b"Caf\xe9\n"


def test_edit_can_repair_a_file_that_is_not_utf8(make_workspace, run, monkeypatch, tmp_path):
    workspace = make_workspace({"acme": simple_deal("acme")})
    workspace.deal_path("acme").write_bytes(simple_deal("acme").encode() + b"Caf\xe9\n")
    _editor(tmp_path, monkeypatch, "data = open(path, 'rb').read()\nopen(path, 'wb').write(data.replace(b'\\xe9', b'\\xc3\\xa9'))")
    assert run(workspace, "edit", "acme").exit_code == 0
    assert workspace.load("acme").body == "Café\n"


def test_edit_keeps_old_errors_but_refuses_new_ones(make_workspace, run, monkeypatch, tmp_path):
    workspace = make_workspace({"acme": simple_deal("acme", owner="zed")})
    _editor(tmp_path, monkeypatch, "text = open(path).read()\nopen(path, 'w').write(text.replace('value: 1000', 'value: 7000'))")
    assert run(workspace, "edit", "acme").exit_code == 0
    assert workspace.load("acme").data["value"] == 7000
    _editor(tmp_path, monkeypatch, "text = open(path).read()\nopen(path, 'w').write(text.replace('stage: lead', 'stage: nowhere'))")
    result = run(workspace, "edit", "acme")
    assert result.exit_code == 1 and "deals/acme.md:5: unknown stage 'nowhere'" in result.stderr


def test_an_editor_that_fails_is_one_clear_line(make_workspace, run, monkeypatch):
    workspace = make_workspace({"acme": simple_deal("acme")})
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", "false")
    result = run(workspace, "edit", "acme")
    assert result.exit_code == 1 and result.stderr.startswith("pipe: ") and result.stderr.count("\n") == 1


def test_init_honours_dash_c_like_git(tmp_path, run, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert run(None, "-C", "sales", "init").exit_code == 0
    assert (tmp_path / "sales" / "pipelines.yaml").is_file() and not (tmp_path / "pipelines.yaml").exists()
    assert run(None, "-C", "sales", "init", "sub").exit_code == 0
    assert (tmp_path / "sales" / "sub" / "pipelines.yaml").is_file()
    monkeypatch.setenv("PIPE_DIR", str(tmp_path / "other"))
    assert run(None, "init").exit_code == 0 and (tmp_path / "other" / "pipelines.yaml").is_file()


def test_durations_past_the_calendar_are_bad_input(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme")})
    for args in (["list", "--inactive", "99999y"], ["list", "--created-since", "9999999d"],
                 ["add", "X", "--close-date", "99999y"], ["set", "acme", "expected_close=99999y"]):
        result = run(workspace, *args)
        assert result.exit_code == 1 and "past the calendar" in result.stderr, args


def test_an_edit_that_empties_the_file_saves_nothing(make_workspace, run, monkeypatch, tmp_path):
    workspace = make_workspace({"acme": simple_deal("acme")})
    before = workspace.deal_path("acme").read_bytes()
    _editor(tmp_path, monkeypatch, "open(path, 'w').close()")
    result = run(workspace, "edit", "acme")
    assert result.exit_code == 1 and "empty" in result.stderr and "pipe rm" in result.stderr
    assert workspace.deal_path("acme").read_bytes() == before


def test_board_says_what_it_cannot_show(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme"), "odd": simple_deal("odd", stage="negotiation")})
    result = run(workspace, "board")
    assert result.exit_code == 0 and "Lead (1)" in result.stdout
    assert "1 deal(s) in unknown stages or pipelines are not on any board: odd (sales/negotiation)" in result.stderr
    conflict = run(workspace, "board", "partners", "--pipeline", "sales")
    assert conflict.exit_code == 1 and "give one" in conflict.stderr
    elsewhere = run(workspace, "board", "--stage", "intro")
    assert elsewhere.exit_code == 1 and "not in pipeline sales" in elsewhere.stderr
    assert "Intro (0)" in run(workspace, "board", "partners", "--stage", "intro").stdout


def test_stage_filters_take_names_and_prefixes_and_tags_ignore_case(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", stage="qualified", tags="[EU]"), "beta": simple_deal("beta")})
    ids = lambda *args: [r["id"] for r in json.loads(run(workspace, "list", "--format", "json", *args).stdout)]
    assert ids("--stage", "qual") == ["acme"] == ids("--stage", "Qualified") == ids("--tag", "eu")


@pytest.mark.parametrize("args, words", [
    (["list", "--account", ""], "empty --account"), (["list", "--search", " "], "empty --search"),
    (["list", "--tag", ""], "empty --tag"), (["list", "--pipeline", ""], "empty --pipeline"),
    (["add", "X", "--account", " "], "empty account"), (["add", "X", "--tag", ","], "empty tags"),
    (["set", "acme", "bant.need=a\n---\nb"], "must be one line"),
    (["show", "x\ny"], "no deal matches 'x\\ny'"),
])
def test_empty_and_multi_line_input_is_refused_on_one_line(make_workspace, run, args, words):
    workspace = make_workspace({"acme": simple_deal("acme")})
    result = run(workspace, *args)
    assert result.exit_code == 1 and words in result.stderr and result.stderr.count("\n") == 1


def test_set_to_nothing_removes_list_fields(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", tags="[a]")})
    assert run(workspace, "set", "acme", "tags=,").stdout == "acme: tags: a -> (none)\n"
    assert "tags" not in workspace.load("acme").data


@pytest.mark.parametrize("today, args", [
    ("20261127", ["list"]), ("2026-W48-5", ["list"]),
    ("9999-12-31", ["add", "X", "--next", "a", "--due", "tomorrow"]),
    ("0001-01-01", ["list", "--created-since", "yesterday"]),
])
def test_odd_todays_are_clear_errors(make_workspace, run, monkeypatch, today, args):
    workspace = make_workspace({"acme": simple_deal("acme")})
    monkeypatch.setenv("PIPE_TODAY", today)
    result = run(workspace, *args)
    assert result.exit_code == 1 and result.stderr.startswith("pipe: ") and result.stderr.count("\n") == 1


def test_a_deal_in_an_unknown_pipeline_is_reported_by_the_board(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme"), "odd": simple_deal("odd", pipeline="newbiz")})
    result = run(workspace, "board", "partners")
    assert "odd (newbiz/lead)" in result.stderr


def test_a_file_name_with_a_newline_is_not_a_deal(make_workspace):
    workspace = make_workspace({"acme": simple_deal("acme")})
    (workspace.deals_dir / "abc\n.md").write_text(simple_deal("abc"))
    assert workspace.deal_ids() == ["acme"]


def test_rm_takes_only_a_whole_id(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme"), "acme-2": simple_deal("acme-2")})
    result = run(workspace, "rm", "acme-")
    assert result.exit_code == 1 and "did you mean acme-2?" in result.stderr
    assert workspace.deal_ids() == ["acme", "acme-2"]


def test_edit_never_loses_what_was_typed(make_workspace, run, monkeypatch, tmp_path):
    workspace = make_workspace({"acme": simple_deal("acme")})
    deal_file = workspace.deal_path("acme")
    _editor(tmp_path, monkeypatch, f"open(path, 'a').write('typed')\nimport os\nos.remove({str(deal_file)!r})")
    result = run(workspace, "edit", "acme")
    assert result.exit_code == 1 and ".pipe/rejected/acme.md" in result.stderr
    assert (workspace.root / ".pipe" / "rejected" / "acme.md").read_text().endswith("typed")


def test_edit_with_a_broken_config_fails_before_the_editor_opens(make_workspace, run, monkeypatch, tmp_path):
    from tests.conftest import CONFIG

    workspace = make_workspace({"acme": simple_deal("acme")}, config=CONFIG.replace("currency: EUR", "currency: eur"))
    marker = tmp_path / "editor-ran"
    _editor(tmp_path, monkeypatch, f"open({str(marker)!r}, 'w').close()")
    result = run(workspace, "edit", "acme")
    assert result.exit_code == 1 and "pipelines.yaml:1" in result.stderr and not marker.exists()


def test_init_refuses_before_making_anything_when_something_is_in_the_way(tmp_path, run):
    (tmp_path / "sales" / ".gitignore").mkdir(parents=True)
    result = run(None, "init", str(tmp_path / "sales"))
    assert result.exit_code == 1 and "in the way" in result.stderr
    assert sorted(p.name for p in (tmp_path / "sales").iterdir()) == [".gitignore"]


@pytest.mark.parametrize("args", [
    ["list", "--created-since", ""], ["list", "--inactive", ""], ["list", "--sort", ""], ["list", "--tag", ","],
    ["board", ""], ["move", "acme", "lead", "--pipeline", ""], ["move", "acme", "qualified", "--reason", ""],
    ["set", "acme", "source=a\nb"],
])
def test_more_empty_or_broken_values_are_refused(make_workspace, run, args):
    workspace = make_workspace({"acme": simple_deal("acme")})
    before = workspace.deal_path("acme").read_bytes()
    result = run(workspace, *args)
    assert result.exit_code == 1 and result.stderr.startswith("pipe: ") and result.stderr.count("\n") == 1
    assert workspace.deal_path("acme").read_bytes() == before


def test_check_output_stays_one_line_per_problem(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", owner='"a\\nb"')})
    result = run(workspace, "check")
    assert result.stdout == "deals/acme.md:8: error: unknown owner 'a\\nb' (team: alice, bob)\n"


def test_an_editor_that_fails_after_typing_keeps_the_text(make_workspace, run, monkeypatch, tmp_path):
    workspace = make_workspace({"acme": simple_deal("acme")})
    _editor(tmp_path, monkeypatch, "open(path, 'a').write('typed')\nsys.exit(3)")
    result = run(workspace, "edit", "acme")
    assert result.exit_code == 1 and ".pipe/rejected/acme.md" in result.stderr
    assert (workspace.root / ".pipe" / "rejected" / "acme.md").read_text().endswith("typed")


def test_edit_keeps_the_text_when_the_write_itself_fails(make_workspace, run, monkeypatch, tmp_path):
    workspace = make_workspace({"acme": simple_deal("acme")})
    (workspace.root / ".pipe" / "lock").mkdir(parents=True)  # taking the lock will fail with an OSError
    _editor(tmp_path, monkeypatch, "text = open(path).read()\nopen(path, 'w').write(text.replace('value: 1000', 'value: 7'))")
    before = workspace.deal_path("acme").read_bytes()
    result = run(workspace, "edit", "acme")
    assert result.exit_code == 1 and ".pipe/rejected/acme.md" in result.stderr and "Traceback" not in result.output
    assert b"value: 7" in (workspace.root / ".pipe" / "rejected" / "acme.md").read_bytes()
    assert workspace.deal_path("acme").read_bytes() == before


def test_move_with_an_empty_pipeline_and_set_with_a_multi_line_source(make_workspace, run):
    from tests.conftest import CONFIG

    workspace = make_workspace({"acme": simple_deal("acme", source=None)}, config=CONFIG.replace("sources: [inbound, referral]\n", ""))
    result = run(workspace, "move", "acme", "qualified", "--pipeline", "")
    assert result.exit_code == 1 and "unknown pipeline ''" in result.stderr
    result = run(workspace, "set", "acme", "source=a\nb")
    assert result.exit_code == 1 and "source must be one line" in result.stderr


def test_moving_the_expected_close_date_is_recorded(make_workspace, run):
    workspace = make_workspace({"acme": simple_deal("acme", expected_close="2026-12-15")})
    run(workspace, "set", "acme", "expected_close=2027-01-31")
    run(workspace, "set", "acme", "expected_close=2027-01-31")  # unchanged: nothing recorded
    run(workspace, "set", "acme", "expected_close=2027-01-15")
    changes = workspace.load("acme").data["close_changes"]
    assert [(str(c["from"]), str(c["to"])) for c in changes] == [("2026-12-15", "2027-01-31"), ("2027-01-31", "2027-01-15")]
    assert "cannot set close_changes" in run(workspace, "set", "acme", "close_changes=x").stderr
