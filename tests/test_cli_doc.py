"""docs/cli.md is every command's --help as it is now: a changed option or help text fails here until
`python tools/make_cli_doc.py` writes the reference again."""

import importlib.util
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
