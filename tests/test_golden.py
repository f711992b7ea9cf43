"""Golden files: each tests/data/<case>/golden/<name>.cmd runs against the workspace tests/data/<case>/
and its stdout must equal <name>.out. Regenerate after an intended change with
`PIPE_UPDATE_GOLDEN=1 pytest tests/test_golden.py`, then read the diff before committing it."""

import os
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipecli.cli.main import cli

DATA = Path(__file__).parent / "data"
CASES = sorted(DATA.glob("*/golden/*.cmd"))


@pytest.mark.parametrize("command_file", CASES, ids=[f"{p.parent.parent.name}/{p.stem}" for p in CASES])
def test_command_output_matches_its_golden_file(command_file):
    workspace = command_file.parent.parent
    args = shlex.split(command_file.read_text())
    result = CliRunner().invoke(cli, ["-C", str(workspace), *args], catch_exceptions=False)
    assert result.exit_code == 0, result.stderr
    expected = command_file.with_suffix(".out")
    if os.environ.get("PIPE_UPDATE_GOLDEN"):
        expected.write_text(result.stdout, encoding="utf-8")
    assert result.stdout == expected.read_text(encoding="utf-8")


def test_there_are_golden_cases_for_list_and_board():
    names = {p.stem.split("-")[0] for p in CASES}
    assert {"list", "board"} <= names
