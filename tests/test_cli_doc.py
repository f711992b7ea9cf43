"""docs/cli.md is every command's --help as it is now: a changed option or help text fails here until
`python tools/make_cli_doc.py` writes the reference again."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def load_tool():
    spec = importlib.util.spec_from_file_location("make_cli_doc", ROOT / "tools" / "make_cli_doc.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_cli_reference_is_up_to_date():
    tool = load_tool()
    assert (ROOT / "docs" / "cli.md").read_text(encoding="utf-8") == tool.render(), \
        "docs/cli.md is out of date: run python tools/make_cli_doc.py"


def test_the_reference_holds_every_shown_command_and_fits_80_columns():
    tool = load_tool()
    text = tool.render()
    for name, (_, _, summary) in tool.COMMANDS.items():
        assert (f"## `pipe {name}`" in text) == (summary is not None), name
    assert "## `pipe task done`" in text and "## `pipe git setup`" in text
    assert max(len(line) for line in text.splitlines()) <= 80


def test_the_reference_is_what_pipe_prints_on_an_80_column_terminal():
    doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    sections = dict(re.findall(r"## `([^`]+)`\n\n```\n(.*?)\n```\n", doc, re.S))
    env = {**os.environ, "COLUMNS": "80"}
    for title in ("pipe", "pipe init", "pipe add", "pipe task done", "pipe report"):
        real = subprocess.run([sys.executable, "-m", "pipecli", *title.split()[1:], "--help"], capture_output=True,
                              text=True, env=env, check=True).stdout
        assert real.rstrip() == sections[title].rstrip(), title
