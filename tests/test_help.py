"""Every command explains itself: a one-line summary and an example."""

import click
import pytest
from click.testing import CliRunner

from pipecli import __version__
from pipecli.cli.main import cli

# Every command path, subcommands of groups (`task done`, `bulk move`) included.
COMMANDS = sorted(
    [(name,) for name in cli.commands]
    + [(name, sub) for name, group in cli.commands.items() if isinstance(group, click.Group) for sub in group.commands]
)


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_command_has_a_summary_and_an_example(path):
    command = cli
    for name in path:
        command = command.commands[name]
    assert command.get_short_help_str(), f"{' '.join(path)} has no help"
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout and "pipe " in result.stdout.split("Example:")[1]


def test_groups_have_subcommands():
    assert ("task", "done") in COMMANDS and ("bulk", "move") in COMMANDS


def test_top_level_help_and_version():
    runner = CliRunner()
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("add", "move", "board", "list", "check"):
        assert f"  {name} " in result.stdout
    assert runner.invoke(cli, ["--version"]).stdout == f"pipe {__version__}\n"
