"""One registry of output formats, one set of output options: every command that prints records or
figures takes --format from render/registry.py (the same names everywhere, `table` still taken for
`text`) and -o FILE, written atomically."""

from __future__ import annotations

import csv
import io
import json
import os
import re

import click
import pytest

from pipecli.cli.main import cli
from pipecli.render.registry import BOARD, DEALS, DOCUMENT, FIGURES, RECORDS, formats_for, names
from tests.conftest import committed_repository, deal_text, failed, simple_deal

ACME = deal_text("""
    id: acme
    title: Acme rollout
    pipeline: sales
    stage: qualified
    value: 18000
    currency: EUR
    owner: alice
    account: Acme GmbH
    created: 2026-11-01
    history:
    - stage: lead
      date: 2026-11-01
    - stage: qualified
      date: 2026-11-10
    tasks:
    - id: ta1234
      text: Send pricing
      due: 2026-12-01
      status: open
    activities:
    - id: ac5678
      date: 2026-11-12
      kind: call
      by: alice
      summary: Budget is approved
    """, "Jonas decides.\n")

# Each command printing records or figures, how to run it on the workspace below, and what it prints.
COMMANDS = {
    "list": (["list"], RECORDS),
    "tasks": (["tasks"], RECORDS),
    "timeline": (["timeline", "acme"], RECORDS),
    "history": (["history", "acme"], RECORDS),
    "check": (["check"], RECORDS),
    "show": (["show", "acme"], DOCUMENT),
    "board": (["board", "--all"], BOARD),
    "report": (["report", "revenue", "--period", "2026-11"], FIGURES),
    "diff": (["diff", "HEAD~1..HEAD"], FIGURES),
    "export": (["export"], DEALS),
}
RUNS = [(command, fmt) for command, (_, kind) in COMMANDS.items() for fmt in names(formats_for(kind))]


@pytest.fixture
def workspace(make_workspace, monkeypatch):
    """acme (a task, a call, notes) and quiet (no next step: a warning for check), in git with two
    commits, the second revaluing acme."""
    ws = make_workspace({"acme": ACME, "quiet": simple_deal("quiet", tasks="[]")})
    git = committed_repository(ws.root, monkeypatch)
    path = ws.deal_path("acme")
    path.write_text(path.read_text(encoding="utf-8").replace("value: 18000", "value: 24000"), encoding="utf-8")
    git("commit", "-qam", "revalue acme")
    return ws


def command_object(name: str) -> click.Command:
    return cli.get_command(click.Context(cli), name)


def format_option(name: str) -> click.Option:
    return next(p for p in command_object(name).params if p.name == "fmt")


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_offers_the_registry_formats_of_what_it_prints(name):
    _, kind = COMMANDS[name]
    option = format_option(name)
    assert option.opts == ["--format"]
    assert tuple(option.type.choices) == names(formats_for(kind))
    assert {"-o", "--output"} == set(next(p for p in command_object(name).params if p.name == "output_text").opts)
    has_raw = any(p.name == "raw" for p in command_object(name).params)
    assert has_raw == ("csv" in option.type.choices and name != "export")  # export's csv is always neutralised


def test_text_is_the_one_word_for_reading_and_csv_json_md_serve_every_table():
    assert all("text" in names(formats_for(kind)) for kind in (RECORDS, FIGURES, DOCUMENT, BOARD))
    assert {"csv", "json", "md"} <= set(names(formats_for(RECORDS)))
    assert "table" not in {f.name for f in formats_for(RECORDS, FIGURES, DOCUMENT, BOARD, DEALS)}


def assert_shape(fmt: str, content: bytes) -> None:
    """content is what fmt promises: json parses, csv has a header and rows as wide, md has a heading or
    a table, text is neither json nor markup, and the binary formats start as their files do."""
    if fmt == "xlsx":
        assert content.startswith(b"PK\x03\x04")
        return
    if fmt == "sqlite":
        assert content.startswith(b"SQLite format 3\x00")
        return
    text = content.decode("utf-8")
    assert text.strip(), fmt
    if fmt == "json":
        assert isinstance(json.loads(text), (list, dict))
    elif fmt == "jsonl":
        assert all(isinstance(json.loads(line), dict) for line in text.splitlines())
    elif fmt == "csv":
        header, *rows = list(csv.reader(io.StringIO(text)))
        assert len(header) > 1 and all(re.fullmatch(r"[a-z_]+", cell) for cell in header[:2]), header
        assert rows and all(len(row) == len(header) for row in rows)
    elif fmt == "md":
        assert re.search(r"^(#{1,3} \S|\|[-:| ]+\|$)", text, re.MULTILINE), text
    elif fmt == "html":
        assert text.lstrip().lower().startswith("<!doctype html")
    else:
        assert fmt == "text"
        with pytest.raises(ValueError):
            json.loads(text)
        assert not text.lstrip().startswith(("<", "|", "#"))


@pytest.mark.parametrize("name, fmt", RUNS, ids=[f"{n}-{f}" for n, f in RUNS])
def test_each_command_writes_each_of_its_formats(workspace, run, tmp_path, name, fmt):
    args, _ = COMMANDS[name]
    target = tmp_path / f"out.{fmt}"
    result = run(workspace, *args, "--format", fmt, "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    assert_shape(fmt, target.read_bytes())


@pytest.mark.parametrize("name", [n for n in COMMANDS if "text" in format_option(n).type.choices])
def test_table_is_still_taken_for_text_but_not_offered(workspace, run, name):
    args, _ = COMMANDS[name]
    assert run(workspace, *args, "--format", "table").stdout == run(workspace, *args, "--format", "text").stdout
    shown = run(workspace, name, "--help").stdout
    assert "[text|" in shown and "table" not in shown.split("--format")[1].split("\n")[0]


def test_list_and_tasks_default_to_text_as_before(workspace, run):
    assert run(workspace, "list").stdout == run(workspace, "list", "--format", "text").stdout
    assert re.match(r"id +title +stage +value", run(workspace, "list").stdout)
    assert run(workspace, "tasks").stdout == run(workspace, "tasks", "--format", "text").stdout


# -- -o FILE ----------------------------------------------------------------------------------------

ONE_FORMAT = {name: "json" if name != "export" else "csv" for name in COMMANDS}


@pytest.mark.parametrize("name", COMMANDS)
def test_output_file_holds_what_standard_output_would(workspace, run, tmp_path, name):
    args, _ = COMMANDS[name]
    target = tmp_path / "out" / "result"
    target.parent.mkdir()
    target.write_text("old\n")
    for fmt in sorted({"text", ONE_FORMAT[name]} & set(format_option(name).type.choices)):
        result = run(workspace, *args, "--format", fmt, "-o", str(target))
        assert result.exit_code == 0 and result.stdout == ""
        assert str(target) in result.stderr
        assert target.read_text(encoding="utf-8") == run(workspace, *args, "--format", fmt).stdout
        assert run(workspace, *args, "--format", fmt, "-o", "-").stdout == target.read_text(encoding="utf-8")
    assert [p.name for p in target.parent.iterdir()] == ["result"]  # no temporary file left


@pytest.mark.parametrize("name", COMMANDS)
def test_output_file_is_replaced_whole_or_not_at_all(workspace, run, tmp_path, monkeypatch, name):
    args, _ = COMMANDS[name]
    folder = tmp_path / "out"
    folder.mkdir()
    target = folder / "result"
    target.write_text("old\n")
    real_fsync = os.fsync

    def disk_full_in_folder(fd):  # only for the file being written there, not for pipe's own cache
        if os.readlink(f"/proc/self/fd/{fd}").startswith(str(folder)):
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", disk_full_in_folder)
    failed(run(workspace, *args, "--format", ONE_FORMAT[name], "-o", str(target)), "No space left on device")
    assert target.read_text() == "old\n"
    assert [p.name for p in folder.iterdir()] == ["result"]


@pytest.mark.parametrize("name", COMMANDS)
def test_output_file_refusals_come_before_any_work(workspace, run, tmp_path, name):
    args, _ = COMMANDS[name]
    failed(run(workspace, *args, "-o", str(tmp_path / "missing" / "x")), "there is no folder")
    failed(run(workspace, *args, "-o", str(tmp_path)), "is a folder: give a file name")


@pytest.mark.parametrize("name", [n for n in COMMANDS if any(p.name == "raw" for p in command_object(n).params)])
def test_raw_is_for_csv_on_every_command_that_has_it(workspace, run, name):
    args, _ = COMMANDS[name]
    failed(run(workspace, *args, "--format", "json", "--raw"), "--raw is for --format csv")
    assert run(workspace, *args, "--format", "csv", "--raw").exit_code == 0


# -- board --format json|md --------------------------------------------------------------------------

def test_board_as_json_has_each_stage_with_its_totals_and_cards(workspace, run):
    board = json.loads(run(workspace, "board", "--format", "json").stdout)
    assert board["pipeline"] == "sales" and board["currency"] == "EUR"
    assert [s["stage"] for s in board["stages"]] == ["lead", "qualified", "proposal", "fridge"]
    lead, qualified = board["stages"][:2]
    assert lead["count"] == 1 and lead["value"] == 1000 and lead["weighted"] == 100
    assert [d["id"] for d in lead["deals"]] == ["quiet"] and lead["deals"][0]["attention"] == ["rotting", "no-next-step"]
    assert lead["deals"][0]["days_in_stage"] == 26
    card = qualified["deals"][0]
    assert (card["id"], card["title"], card["account"], card["value"], card["owner"]) == (
        "acme", "Acme rollout", "Acme GmbH", 24000, "alice")
    assert board["open"] == {"count": 2, "value": 25000, "weighted": 9700, "attention": 1}
    assert board["other_pipelines"] == ["partners"]
    with_closed = json.loads(run(workspace, "board", "--all", "--format", "json").stdout)
    assert [s["stage"] for s in with_closed["stages"]][-3:] == ["won", "lost", "fridge"]


def test_board_as_markdown_has_a_heading_per_stage_and_a_line_per_card(workspace, run):
    text = run(workspace, "board", "--format", "md").stdout
    assert text.startswith("# Sales (sales) · values in EUR\n\n## Lead (1) · 1,000 EUR · weighted 100 EUR\n\n"
                           "- **Quiet** · 1,000 EUR · alice · rotting 26d · no next step\n")
    assert "## Qualified (1) · 24,000 EUR · weighted 9,600 EUR\n\n- **Acme rollout** · Acme GmbH · 24,000 EUR · alice\n" in text
    assert "## Proposal (0) · 0 EUR · weighted 0 EUR\n\n(no deals)\n" in text
    assert text.endswith("Open: 2 deals · 25,000 EUR · weighted 9,700 EUR  \n"
                         "Need attention: 1 (rotting, no next step or overdue)  \n"
                         "Other pipelines: partners (pipe board NAME)\n")


def test_board_markdown_keeps_deal_text_from_becoming_markup(make_workspace, run):
    ws = make_workspace({"x": simple_deal("x", title='"<img src=x onerror=alert(1)> | a\\x1b[2J"')})
    text = run(ws, "board", "--format", "md").stdout
    assert "- **&lt;img src=x onerror=alert(1)&gt; \\| a [2J**" in text and "\x1b" not in text


# -- show --format json and a deal's own `notes:` field ------------------------------------------------

def test_show_json_keeps_a_deals_own_notes_field_and_gives_the_body_as_body(make_workspace, run):
    ws = make_workspace({"acme": deal_text("""
        id: acme
        title: Acme
        pipeline: sales
        stage: lead
        created: 2026-11-01
        notes: Met at the fair
        crm_ref: '01234'
        """, "The body text\n")})
    shown = json.loads(run(ws, "show", "acme", "--format", "json").stdout)
    assert shown == {"id": "acme", "title": "Acme", "pipeline": "sales", "stage": "lead", "created": "2026-11-01",
                     "notes": "Met at the fair", "crm_ref": "01234", "body": "The body text\n"}


def test_show_json_of_a_deal_without_a_notes_field_still_has_the_body_as_notes(make_workspace, run):
    ws = make_workspace({"acme": simple_deal("acme") + "Jonas decides.\n"})
    shown = json.loads(run(ws, "show", "acme", "--format", "json").stdout)
    assert shown["notes"] == shown["body"] == "Jonas decides.\n"
    assert list(shown)[-2:] == ["notes", "body"]


def test_show_json_refuses_a_deal_whose_field_is_called_body(make_workspace, run):
    ws = make_workspace({"acme": simple_deal("acme", body="a field") + "notes\n"})
    failed(run(ws, "show", "acme", "--format", "json"), "deals/acme.md has a field 'body'", "pipe edit acme")
    assert run(ws, "show", "acme").exit_code == 0  # the text shows it still


def test_o_onto_a_fifo_writes_into_it_and_leaves_it_a_fifo(make_workspace, run, tmp_path):
    """Replaced by a rename, a FIFO (or, as root, /dev/null) would become a regular file."""
    import os
    import stat

    workspace = make_workspace({"acme": simple_deal("acme")})
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # a reader, so a writer's open does not block
    try:
        result = run(workspace, "list", "-o", str(fifo))
        assert result.exit_code == 0, result.stderr
        assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a regular file"
        assert b"acme" in os.read(reader, 65536)
    finally:
        os.close(reader)


def test_o_through_a_symbolic_link_writes_its_target_and_keeps_the_link(make_workspace, run, tmp_path):
    workspace = make_workspace({"acme": simple_deal("acme")})
    target = tmp_path / "reports" / "list.txt"
    target.parent.mkdir()
    target.write_text("old\n")
    link = tmp_path / "latest.txt"
    link.symlink_to(target)
    assert run(workspace, "list", "-o", str(link)).exit_code == 0
    assert link.is_symlink() and "acme" in target.read_text()


@pytest.mark.parametrize("args", [["list"], ["list", "--format", "json"], ["report", "revenue"],
                                  ["export", "--format", "sqlite"]])
@pytest.mark.parametrize("target", ["deals/acme.md", "deals/new.md", "pipelines.yaml"])
def test_o_never_writes_over_a_deal_file_or_the_settings(workspace, run, args, target):
    # `pipe list -o deals/acme.md` once put a table where the deal was, without a word
    before = {path: path.read_bytes() for path in [*workspace.deals_dir.iterdir(), workspace.root / "pipelines.yaml"]}
    line = failed(run(workspace, *args, "-o", str(workspace.root / target)), "not writing a command's output there")
    assert "deals/ folder" in line if target.startswith("deals/") else "settings" in line
    after = {path: path.read_bytes() for path in [*workspace.deals_dir.iterdir(), workspace.root / "pipelines.yaml"]}
    assert after == before


def test_o_writes_a_file_named_like_a_deal_outside_deals(workspace, run, tmp_path):
    assert run(workspace, "list", "-o", str(tmp_path / "acme.md")).exit_code == 0
    assert (tmp_path / "acme.md").read_text(encoding="utf-8").startswith("id")
