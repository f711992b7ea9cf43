"""One loader (core/model/dealload.py): every reader of a deal file, on disk, at a commit, in `pipe check`
or after `pipe edit`, names the same path and line for the same bad file, and no other module counts
the line of a byte that is not UTF-8 (core/fileformat/utf8.py does)."""

from __future__ import annotations

import ast
import copy
import datetime as dt
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipecli.core.fileformat import dealfile, fastfront
from pipecli.core.model import dealload, validate
from pipecli.core.model.schema import NUMBER, TEXT_LIST, fields_of_type
from tests.conftest import failed, git_identity, simple_deal

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "pipecli"
LINE_COUNTER = PACKAGE / "core" / "fileformat" / "utf8.py"

GOOD = simple_deal("x").encode()
NOT_UTF8 = GOOD.replace(b"title: X\n", b"title: Caf\xe9\n")  # on line 3
WRONG_TYPE = GOOD.replace(b"value: 1000\n", b"value: lots\n")  # value is on line 6
DUE_NOT_A_DATE = GOOD.replace(b"  due: 2026-12-01\n", b"  due: soon\n")  # the due key of the task, line 16
BAD = {
    "not-utf8": (NOT_UTF8, 3, "not UTF-8 text"),
    "wrong-type": (WRONG_TYPE, 6, "value must be a number, got 'lots'"),
    "nested-wrong-type": (DUE_NOT_A_DATE, 16, "tasks entry 1: due must be a date YYYY-MM-DD, got 'soon'"),
}


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


@pytest.fixture
def committed(make_workspace, monkeypatch):
    """committed(content) -> (workspace, short id): deals/x.md committed good, then as content."""
    git_identity(monkeypatch)

    def make(content: bytes):
        workspace = make_workspace({"x": GOOD.decode()})
        git(workspace.root, "init", "-q", "-b", "main")
        git(workspace.root, "add", ".")
        git(workspace.root, "commit", "-q", "-m", "good")
        workspace.deal_path("x").write_bytes(content)
        git(workspace.root, "commit", "-q", "--allow-empty", "-am", "spoilt")
        return workspace, git(workspace.root, "rev-parse", "--short", "HEAD")

    return make


@pytest.mark.parametrize("case", BAD)
def test_every_reader_names_the_same_path_and_line(committed, run, monkeypatch, tmp_path, case):
    content, line, message = BAD[case]
    workspace, short = committed(content)
    where = f"deals/x.md:{line}"
    assert failed(run(workspace, "show", "x")) == f"pipe: {where}: {message}"
    assert f"{where}: error: {message}" in run(workspace, "check").stdout.splitlines()
    as_of = run(workspace, "report", "revenue", "--as-of", "HEAD")
    assert as_of.exit_code == 1 and as_of.stderr.splitlines()[0] == f"pipe: {where} at {short}: {message}"
    # pipe edit: the same bytes typed into a good file are refused with the same place.
    workspace.deal_path("x").write_bytes(GOOD)
    typed = tmp_path / "typed.md"
    typed.write_bytes(content)
    editor = tmp_path / "editor.sh"
    editor.write_text(f"#!/bin/sh\ncp '{typed}' \"$1\"\n", encoding="utf-8")
    editor.chmod(0o755)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", str(editor))
    assert failed(run(workspace, "edit", "x")).startswith(f"pipe: {where}: {message}; deals/x.md is unchanged")
    assert workspace.deal_path("x").read_bytes() == GOOD


def test_history_says_where_a_version_is_not_utf8(committed, run):
    workspace, _ = committed(NOT_UTF8)
    result = run(workspace, "history", "x")
    assert result.exit_code == 0, result.stderr
    assert "  the file does not parse here (line 3: not UTF-8 text)" in result.stdout.splitlines()


def test_a_bad_byte_after_a_bom_in_pipelines_yaml_at_a_commit_is_on_its_own_line(committed, run):
    """utf-8-sig drops the BOM before decoding: the bad byte's offset counts from after it."""
    workspace, _ = committed(GOOD)
    config = workspace.root / "pipelines.yaml"
    good = config.read_bytes()
    config.write_bytes(b"\xef\xbb\xbf" + good.replace(b"\n", b"\n#\xe9\n", 1))  # line 2
    git(workspace.root, "commit", "-q", "-am", "a bad byte in a comment")
    config.write_bytes(good)
    short = git(workspace.root, "rev-parse", "--short", "HEAD")
    result = run(workspace, "report", "revenue", "--as-of", "HEAD")
    assert result.exit_code == 1 and result.stderr == f"pipe: pipelines.yaml:2 at {short}: not UTF-8 text\n"


def test_a_bad_byte_after_a_bom_in_a_table_is_on_its_own_line_and_named(make_workspace, run, tmp_path):
    workspace = make_workspace({})
    table = tmp_path / "bom.csv"
    table.write_bytes(b"\xef\xbb\xbf" + "id,title\nr1,Zürich\n".encode() + b"\xe9t,Plain\n")
    failed(run(workspace, "import", str(table), "--id", "id", "--map", "title=title"),
           "bom.csv:3: column 'id': byte 0xE9 is not UTF-8")


def test_the_fast_reader_and_the_strict_loader_give_the_same_deal(monkeypatch):
    """Every deal of the sample workspace, read with fastfront and with the YAML loader alone."""
    files = sorted((ROOT / "deals").glob("*.md"))
    assert len(files) > 40
    fast = {f.stem: dealload.load_deal(f.read_bytes(), f"deals/{f.name}", f.stem) for f in files}
    assert all(deal.document.shared for deal in fast.values())  # pipe wrote them: the fast reader took them all
    monkeypatch.setattr(fastfront, "load", lambda text: None)
    for f in files:
        strict = dealload.load_deal(f.read_bytes(), f"deals/{f.name}", f.stem)
        assert not strict.document.shared
        assert repr(strict.data) == repr(fast[f.stem].data)  # repr: 1 and 1.0 and True differ
        assert strict.body == fast[f.stem].body


# -- the line of a byte is counted in one place ---------------------------------------------------------

def byte_line_counts(source: str) -> list[int]:
    """Lines of source that count newlines in bytes (`.count(b"\\n")`), or read where a
    UnicodeDecodeError happened (`error.start`) to do so."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "count"
                and node.args and isinstance(node.args[0], ast.Constant) and node.args[0].value == b"\n"):
            found.append(node.lineno)
        if isinstance(node, ast.ExceptHandler) and node.name and "UnicodeDecodeError" in ast.unparse(node.type):
            for inner in ast.walk(ast.Module(body=node.body, type_ignores=[])):
                if (isinstance(inner, ast.Attribute) and inner.attr in ("start", "end")
                        and isinstance(inner.value, ast.Name) and inner.value.id == node.name):
                    found.append(inner.lineno)
    return sorted(found)


def test_only_the_utf8_module_counts_the_line_of_a_byte():
    offenders = [f"{path.relative_to(ROOT)}:{line}" for path in sorted(PACKAGE.rglob("*.py")) if path != LINE_COUNTER
                 for line in byte_line_counts(path.read_text(encoding="utf-8"))]
    assert offenders == [], "use pipecli.core.fileformat.utf8 (error_line, line_at) instead"
    assert byte_line_counts(LINE_COUNTER.read_text(encoding="utf-8"))  # the check still sees the one it allows


@pytest.mark.parametrize("planted", [
    'try:\n    raw.decode()\nexcept UnicodeDecodeError as error:\n    line = raw[: error.start].count(b"\\n") + 1\n',
    'try:\n    raw.decode()\nexcept (ValueError, UnicodeDecodeError) as e:\n    at = e.start\n',
    'line = raw.count(b"\\n", 0, offset) + 1\n',
])
def test_the_check_finds_a_planted_copy(planted):
    assert byte_line_counts(planted)


# -- the quick type pass (validate.well_typed) --------------------------------------------------------

SAMPLE_DATA = [dealfile.parse(path.read_text(encoding="utf-8"), path.name).data
               for path in sorted((ROOT / "deals").glob("*.md"))]
EDGES = ["", None, True, False, 0, 1.5, -2, 10**15, -10**15, 10**15 - 1, float("nan"), float("inf"), "2w", "0d", "x",
         dt.date(2026, 1, 2), dt.datetime(2026, 1, 2, 3, 4), "2026-01-02", [], {}, ["a", 1], ["a", None], [True],
         [["a"]], [{"a": 1}], {"a": "b"}, {"a": ["b"]}, {"a": {}}, Decimal("1.5")]
ANY_VALUE = st.one_of(st.sampled_from(EDGES), st.integers(), st.floats(), st.text(max_size=3), st.dates(),
                      st.lists(st.sampled_from(EDGES[:12]), max_size=2))
TOP_KEYS = sorted(set(validate.SCALAR_RULES) | set(fields_of_type(NUMBER, TEXT_LIST)) | {"bant", "id", "custom"}
                  | set(validate.ENTRY_RULES))


def test_every_sample_deal_takes_the_quick_pass():
    assert SAMPLE_DATA and all(validate.well_typed(data) for data in SAMPLE_DATA)


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLE_DATA), st.lists(st.tuples(st.integers(0, 5), st.integers(0, 1 << 16), st.integers(0, 1 << 16),
                                                        ANY_VALUE), min_size=1, max_size=3))
def test_the_quick_pass_never_passes_a_deal_with_a_type_problem(data, changes):
    """A field of the deal, or of one of its entries, set to anything or removed: well_typed is true only
    when type_problems finds nothing (else load_problems would let a wrong type through)."""
    data = copy.deepcopy(data)
    for where, which, pick, value in changes:
        lists = [name for name in validate.ENTRY_RULES if isinstance(data.get(name), list) and data[name]]
        if where >= 3 and lists:
            name = lists[which % len(lists)]
            entries = data[name]
            entry = entries[pick % len(entries)]
            keys = sorted(validate.ENTRY_RULES[name]) + ["other"]
            if where == 5:
                entries[pick % len(entries)] = value  # an entry that is no mapping
            elif isinstance(entry, dict):
                entry[keys[which % len(keys)]] = value
        elif where == 0:
            data.pop(TOP_KEYS[pick % len(TOP_KEYS)], None)
        else:
            data[TOP_KEYS[pick % len(TOP_KEYS)]] = value
    assert not validate.well_typed(data) or validate.type_problems(data) == [], data
