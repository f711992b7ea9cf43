"""Text tables fit the terminal (render/fit.py): at COLUMNS=80 every table of list, tasks, history and
report is at most 80 columns on the sample workspace (the repository root), colour codes taking none;
--wide, a pipe or -o FILE give the full width, byte for byte what they gave before."""

from __future__ import annotations

import csv
import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipecli.cli.main import cli
from pipecli.render.fit import Col, plan, shown_width
from tests.conftest import failed
from tests.test_terminal_safety import on_terminal

SAMPLE = Path(__file__).parent.parent  # the repository root is the sample workspace
SMALL = Path(__file__).parent / "data" / "small"
SAMPLE_TODAY = "2026-12-07"
HISTORY_DEAL = "helio-robotics-fleet-telemetry"

COMMANDS = {
    "list": ["list"],
    "list --open": ["list", "--open"],
    "tasks": ["tasks"],
    "tasks --all": ["tasks", "--all"],
    "history": ["history", HISTORY_DEAL],
    "report team": ["report", "team"],
    "report": ["report"],
}


def widest(text: str) -> int:
    return max((shown_width(line) for line in text.replace("\r\n", "\n").splitlines()), default=0)


@pytest.fixture
def sample_today(monkeypatch):
    monkeypatch.setenv("PIPE_TODAY", SAMPLE_TODAY)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_table_fits_an_80_column_terminal_and_is_wider_with_wide(sample_today, name):
    args = COMMANDS[name]
    fitted = on_terminal(SAMPLE, *args, columns="80", colour=True)
    assert "Traceback" not in fitted and "pipe:" not in fitted, fitted
    assert widest(fitted) <= 80, fitted
    assert widest(on_terminal(SAMPLE, *args, "--wide", columns="80", colour=True)) > 80  # it had to fit


def test_colour_codes_take_no_width_when_a_line_is_cut(sample_today):
    out = on_terminal(SAMPLE, "history", HISTORY_DEAL, columns="80", colour=True).replace("\r\n", "\n")
    headings = [line for line in out.splitlines() if line.startswith("\x1b[33m")]  # the yellow commit id
    assert headings, out
    cut = [line for line in headings if line.endswith("…")]
    assert cut and all(shown_width(line) == 80 for line in cut), cut


def piped(root: Path, *args: str, columns: str = "80") -> str:
    done = subprocess.run([sys.executable, "-m", "pipecli", "-C", str(root), *args], capture_output=True,
                          text=True, env=dict(os.environ, COLUMNS=columns), check=True)
    return done.stdout


@pytest.mark.parametrize("name", ["list", "tasks --all", "report team"])
def test_piped_output_is_full_width_whatever_the_terminal_says(sample_today, name):
    args = COMMANDS[name]
    out = piped(SAMPLE, *args)
    assert widest(out) > 80
    assert out == piped(SAMPLE, *args, columns="300") == CliRunner().invoke(cli, ["-C", str(SAMPLE), *args]).stdout


def test_wide_on_a_terminal_is_what_a_pipe_gets(sample_today):
    on_tty = on_terminal(SAMPLE, "list", "--open", "--wide", columns="80").replace("\r\n", "\n")
    assert on_tty == piped(SAMPLE, "list", "--open")


def test_output_to_a_file_from_a_terminal_is_full_width(sample_today, tmp_path):
    target = tmp_path / "deals.txt"
    on_terminal(SAMPLE, "tasks", "--all", "-o", str(target), columns="80")
    assert target.read_text(encoding="utf-8") == piped(SAMPLE, "tasks", "--all")


def test_ids_money_and_dates_are_never_cut(run):
    records = list(csv.DictReader(io.StringIO(
        run(SMALL, "list", "--columns", "id,value,close", "--format", "csv").stdout)))
    table = run(SMALL, "list", "--columns", "id,title,value,close", "--width", "64").stdout.splitlines()
    headers = table[0].split()
    assert headers[:3] == ["id", "title", "value"]  # the title cut, not dropped, as long as the rest fits
    assert len(table) - 2 == len(records)
    for line, record in zip(table[2:], records):
        assert shown_width(line) <= 64
        cells = dict(zip(headers, re.split(r"\s{2,}", line.strip())))
        assert cells["id"] == record["id"]
        assert "…" not in cells["value"] and cells["value"].replace(",", "").split()[0] == record["value"]
        if "close" in cells:
            assert cells["close"] == record["close"]
    assert any("…" in line for line in table)


def test_columns_chooses_the_columns_in_every_format(run):
    text = run(SMALL, "list", "--columns", "id,value,due").stdout.splitlines()
    assert text[0].split() == ["id", "value", "due"]
    assert run(SMALL, "list", "--columns", "id,value,due", "--format", "csv").stdout.splitlines()[0] == "id,value,due"


def test_an_unknown_column_is_one_line_naming_the_known_ones(run):
    line = failed(run(SMALL, "list", "--columns", "id,titel"), "titel")
    assert "id, title, stage, value" in line and "\n" not in line.strip()
    failed(run(SMALL, "list", "--columns", ","), "name at least one column")


def test_plan_drops_the_least_important_first_then_cuts_text():
    headers = ["id", "text", "value", "note"]
    rows = [["a-long-deal-id", "some free text that goes on", "12,000 EUR", "x"]]
    cols = [Col(100), Col(90, cut=8), Col(80), Col(10)]
    chosen, widths = plan(headers, rows, cols, 40)
    assert chosen == [0, 1, 2] and widths[0] == 14 and widths[2] == 10  # the id and the money whole
    assert sum(widths) + 2 * (len(widths) - 1) <= 40
    assert plan(headers, rows, cols, 200) == ([0, 1, 2, 3], [14, 27, 10, 6])


def test_diff_on_an_80_column_terminal_keeps_its_figures(monkeypatch):
    """In the sample (no commit a week back) the figures column's heading is a long period label: fitting
    dropped the column and left 'Value won' with no number. The heading is cut instead."""
    from tests.test_terminal_safety import on_terminal

    monkeypatch.setenv("PIPE_TODAY", "2026-11-27")
    fitted = on_terminal(Path(__file__).resolve().parent.parent, "diff", columns="80")
    assert "253,280 EUR" in fitted, fitted  # Value won, as `pipe diff | cat` shows it
    table_lines = [line for line in fitted.splitlines() if not line.startswith("pipe: ")]  # stderr is prose
    assert max(shown_width(line) for line in table_lines) <= 80


def test_chosen_columns_left_out_to_fit_are_named(monkeypatch):
    from tests.test_terminal_safety import on_terminal

    monkeypatch.setenv("PIPE_TODAY", "2026-11-27")
    root = Path(__file__).resolve().parent.parent
    shown = on_terminal(root, "list", "--open", "--columns", "id,title,value,due,owner,account,next_step", columns="80")
    (line,) = [x for x in shown.splitlines() if x.startswith("pipe: warning: left out")]
    assert line.startswith("pipe: warning: left out to fit 80 columns: ") and line.endswith("(--wide shows every column)")
    assert "account" in line and "id," not in line


def test_a_column_named_twice_is_refused():
    from pipecli.render.deals import column_names

    with pytest.raises(Exception, match="'id' is named twice"):
        column_names("id,title,id")
