"""Every command explains itself: a one-line summary and an example."""

import pytest
from click.testing import CliRunner

from pipecli import __version__
from pipecli.cli.main import cli

COMMANDS = sorted(cli.commands)


@pytest.mark.parametrize("name", COMMANDS)
def test_every_command_has_a_summary_and_an_example(name):
    command = cli.commands[name]
    assert command.get_short_help_str(), f"{name} has no help"
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.stdout and "pipe " in result.stdout.split("Example:")[1]


def test_top_level_help_and_version():
    runner = CliRunner()
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in ("add", "move", "board", "list", "check"):
        assert f"  {name} " in result.stdout
    assert runner.invoke(cli, ["--version"]).stdout == f"pipe {__version__}\n"
