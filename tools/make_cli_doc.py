#!/usr/bin/env python3
"""Write docs/cli.md, the command-line reference, from the commands' own --help (80 columns wide).

Run from the repository root:  python tools/make_cli_doc.py          (rewrites docs/cli.md)
                               python tools/make_cli_doc.py --check  (exit 1 if docs/cli.md is stale)
tests/test_cli_doc.py fails when the file is out of date, as sqlite-utils and llm do with cog.
"""
from __future__ import annotations

import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from pipecli.cli.main import COMMANDS, cli  # noqa: E402

DOC = ROOT / "docs" / "cli.md"
WIDTH = 78  # click wraps help at min(columns, 80) - 2: what an 80-column terminal shows


def help_text(command: click.Command, path: list[str], parent: click.Context | None) -> str:
    ctx = click.Context(command, info_name=path[-1], parent=parent, terminal_width=WIDTH, max_content_width=WIDTH)
    return command.get_help(ctx)


def sections() -> list[str]:
    """The help of `pipe`, then of every shown command in `pipe --help`'s order, subcommands after their group."""
    root = click.Context(cli, info_name="pipe", terminal_width=WIDTH, max_content_width=WIDTH,
                         **cli.context_settings)  # as `pipe` makes it: -h is --help too
    found = [("pipe", cli.get_help(root))]
    for name, (_, _, summary) in COMMANDS.items():
        if summary is None:  # hidden (the merge driver git runs)
            continue
        command = cli.get_command(root, name)
        found.append((f"pipe {name}", help_text(command, ["pipe", name], root)))
        if isinstance(command, click.Group):
            group = click.Context(command, info_name=name, parent=root)
            for sub in command.list_commands(group):
                found.append((f"pipe {name} {sub}", help_text(command.get_command(group, sub), [name, sub], group)))
    return [f"## `{title}`\n\n```\n{text.rstrip()}\n```\n" for title, text in found]


def render() -> str:
    head = ("# Command-line reference\n\n"
            "Every command's `--help`, as `pipe` prints it on an 80-column terminal.\n"
            "Written by `python tools/make_cli_doc.py`; `tests/test_cli_doc.py` fails\n"
            "when it is out of date.\n\n")
    return head + "\n".join(sections())


def main(argv: list[str]) -> int:
    text = render()
    if argv[1:] == ["--check"]:
        if DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC.relative_to(ROOT)} is out of date: run python tools/make_cli_doc.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
