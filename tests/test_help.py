"""Every command explains itself: a one-line summary and an example."""

import click
import pytest
from click.testing import CliRunner

from pipecli import __version__
from pipecli.cli.main import COMMANDS as MAIN_COMMANDS, cli

def command_of(path):
    command = cli
    for name in path:
        command = command.get_command(click.Context(command), name)
    return command


# Every command path, subcommands of groups (`task done`, `bulk move`) included.
TOP = [(name,) for name in cli.list_commands(click.Context(cli))]
COMMANDS = sorted(TOP + [(name, sub) for (name,) in TOP if isinstance(command_of((name,)), click.Group)
                         for sub in command_of((name,)).commands])


@pytest.mark.parametrize("path", COMMANDS, ids=[" ".join(p) for p in COMMANDS])
def test_every_command_has_a_summary_and_an_example(path):
    command = command_of(path)
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


@pytest.mark.parametrize("name", list(MAIN_COMMANDS))
def test_the_lazy_command_table_says_what_each_command_says(name):
    # `pipe --help` lists commands from the table, without importing them: it must not drift.
    module, attribute, summary = MAIN_COMMANDS[name]
    command = command_of((name,))
    assert command.name == name and command.hidden == (summary is None)
    if summary is not None:
        for limit in (30, 45, 1000):
            assert click.Command(name, help=summary).get_short_help_str(limit) == command.get_short_help_str(limit)


def test_help_and_version_import_no_command_module():
    import subprocess
    import sys

    probe = ("import sys\nsys.argv = ['pipe', '--help']\nfrom pipecli.cli.entry import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "print(sorted(m for m in sys.modules if m.startswith('pipecli.')), file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.stderr.strip() == "['pipecli.cli', 'pipecli.cli.entry', 'pipecli.cli.groups', 'pipecli.cli.main', 'pipecli.core', 'pipecli.core.errors']"
    assert "  mail " in done.stdout and "merge-driver" not in done.stdout
