"""Errors carry their exit code, set once at the class; core messages name inputs in the domain's words,
and the CLI names them as the running command's options."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import pytest

import pipecli.core
from pipecli.cli.output import INPUT_OPTIONS
from pipecli.core import errors
from pipecli.core.errors import Interrupted, InvalidValue, Message, Named, PipeError
from pipecli.core.model import inputs

PACKAGE = Path(pipecli.core.__file__).resolve().parent.parent


def all_error_kinds() -> list[type[PipeError]]:
    for module in pkgutil.walk_packages(pipecli.core.__path__, "pipecli.core."):
        importlib.import_module(module.name)
    found, todo = [], [PipeError]
    while todo:
        kind = todo.pop()
        found.append(kind)
        todo += kind.__subclasses__()
    return found


def test_every_error_kind_exits_1_and_an_interrupted_run_130():
    kinds = all_error_kinds()
    assert len(kinds) > 15
    for kind in kinds:
        assert kind.exit_code == (130 if issubclass(kind, Interrupted) else 1), kind
    interrupted = {k.__name__ for k in kinds if issubclass(k, Interrupted)}
    assert {"StoppedByInterrupt", "SendInterrupted"} <= interrupted


def test_the_exit_code_is_set_only_at_the_class_and_read_only_where_the_cli_ends_a_command():
    """An instance attribute set here and there is how a Ctrl-C once came out as exit 1."""
    setters, readers = [], []
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE.parent).as_posix()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Attribute) and node.attr == "exit_code":
                (setters if isinstance(node.ctx, ast.Store) else readers).append(relative)
            elif isinstance(node, ast.Name) and node.id == "exit_code" and isinstance(node.ctx, ast.Store):
                setters.append(relative)
            elif isinstance(node, ast.keyword) and node.arg == "exit_code":
                setters.append(relative)
    # cli/main.py hands the code to click's exception, the one place a PipeError becomes an exit
    assert sorted(set(setters)) == ["pipecli/cli/main.py", "pipecli/core/errors.py"]
    assert sorted(set(readers)) == ["pipecli/cli/main.py"]


FLAG = re.compile(r"(?<![\w-])--[a-z]")
QUOTED = re.compile(r"'[^']*'")
ERROR_CALL = re.compile(r"(Error|InvalidValue|NotFound|Ambiguous|Refused|Locked|Stopped|Message|MissingRate|"
                        r"BadFiles|Unchanged|Interrupted|enforce_next_step)$")


def flags_in_core_messages(source: str) -> list[str]:
    """Flags that error messages (and next-step hints) in source spell, outside a quoted command line."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        if not ERROR_CALL.search(name):
            continue
        for argument in node.args:
            texts = [argument.value] if isinstance(argument, ast.Constant) and isinstance(argument.value, str) else []
            if isinstance(argument, ast.JoinedStr):  # placeholders as X, so quotes pair up across them
                texts = ["".join(v.value if isinstance(v, ast.Constant) else "X" for v in argument.values)]
            found += [text for text in texts if FLAG.search(QUOTED.sub("", text))]
    return found


def test_no_core_message_spells_a_cli_flag():
    found = {path.relative_to(PACKAGE).as_posix(): flags
             for path in sorted((PACKAGE / "core").rglob("*.py"))
             if (flags := flags_in_core_messages(path.read_text(encoding="utf-8")))}
    assert found == {}


def test_the_scan_finds_a_planted_flag_and_lets_a_quoted_command_be():
    assert flags_in_core_messages('raise InvalidValue(f"--due needs {x}")\n') == ["--due needs X"]
    assert flags_in_core_messages("raise NotFound(f\"no '{x}' (see 'pipe tasks --suggested')\")\n") == []


def test_every_input_the_core_names_has_the_option_the_cli_names_it_by():
    named = {value.field for value in vars(inputs).values() if isinstance(value, Named)}
    assert named == set(INPUT_OPTIONS)


def test_a_core_error_speaks_of_the_domain_and_keeps_its_parts():
    error = InvalidValue(inputs.DUE, " needs ", inputs.NEXT_TEXT, ": the task it is the due date of")
    assert str(error) == "a due date needs a next step: the task it is the due date of"
    assert error.said.worded(lambda n: INPUT_OPTIONS[n.field]) == "--due needs --next TEXT: the task it is the due date of"
    assert str(Message("plain")) == "plain" and str(PipeError("plain")) == "plain"


def test_restated_keeps_an_interrupted_run_interrupted():
    assert type(errors.restated(Interrupted("interrupted"), "interrupted; 3 sent")) is Interrupted
    assert type(errors.restated(InvalidValue("bad"), "bad; more")) is PipeError


@pytest.mark.parametrize(("args", "line"), [
    # the command has the options: the message names them
    (["add", "A deal", "--due", "3d"], "pipe: --due needs --next TEXT: the task it is the due date of"),
    (["list", "--min-value", "-5"], "pipe: bad --min-value '-5': it cannot be negative"),
    (["task", "done", "ta1234", "--lost", ""], "pipe: a lost deal needs --lost REASON, like price"),
])
def test_the_cli_names_the_running_commands_options(make_workspace, run, args, line):
    from tests.conftest import simple_deal

    workspace = make_workspace({"acme": simple_deal("acme")})
    result = run(workspace, *args)
    assert result.exit_code == 1 and result.stderr.splitlines()[-1] == line


def test_a_command_without_the_option_keeps_the_domains_words(make_workspace, run, tmp_path):
    """The importer checks dates with the same rule; `pipe import` has --date-format, a rules file says
    date_format:, and the message names the flag only where the command has it."""
    workspace = make_workspace({})
    table = tmp_path / "deals.csv"
    table.write_text("title,created\nAcme,20/10/2026\n", encoding="utf-8")
    done = run(workspace, "import", str(table), "--map", "title=title", "--map", "created=created")
    assert "else give --date-format)" in done.stderr
    from pipecli.core.importing.rules import parse_import_date

    with pytest.raises(InvalidValue) as raised:
        parse_import_date("20/10/2026", None)
    assert str(raised.value) == "bad date '20/10/2026' (YYYY-MM-DD or M/D/YYYY; else give a date format)"
