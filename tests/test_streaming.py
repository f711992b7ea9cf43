"""`pipe list --format json|csv` and `pipe export --format csv|json|jsonl` write a record at a time:
the same bytes as the output made whole, written before the last deal is rendered, and a reader that
goes away (`| head -1`) ends the command quietly, as before."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

import pipecli.cli.listing as listing
import pipecli.cli.output as output
import pipecli.render.export as export
from pipecli.core.fileformat.csvcells import csv_lines
from pipecli.core.model.deal import Deal
from pipecli.render.exact import json_text
from pipecli.render.formats import csv_chunks, json_chunks

from .conftest import simple_deal

ROOT = Path(__file__).resolve().parents[1]

# Titles that quote, break lines, look like formulas, or carry what JSON and terminals treat apart.
TITLES = ["Plain", 'Say "hi", then go', "two\nlines", "=SUM(A1)", "-3 units", "Zoë\u2028Ünïcode", "tab\there",
          "@team", "a\rb", "€ 1,000"]


def many_deals(count: int) -> dict[str, str]:
    deals = {}
    for n in range(count):
        title = json.dumps(f"{TITLES[n % len(TITLES)]} {n}")  # a YAML double-quoted scalar is JSON's
        value = f"{n * 1234.5:.2f}" if n % 3 else str(n * 1000)
        deals[f"deal-{n:04d}"] = simple_deal(f"deal-{n:04d}", title=title, value=value,
                                             currency="USD" if n % 4 == 0 else "EUR", source="web" if n % 2 else None)
    return deals


@pytest.fixture
def big(make_workspace):
    return make_workspace(many_deals(240), config=(ROOT / "pipelines.yaml").read_text(encoding="utf-8"))


# -- the same bytes as the output made whole --------------------------------------------------------

def _whole_json(text: str) -> str:
    """The data of a JSON text encoded again in one piece, as json.dumps(indent=2) would (Decimals kept)."""
    # A number with all its digits comes back a Decimal; a float the deal file holds (2469.0) a float.
    data = json.loads(text, parse_float=lambda number: float(number) if number.endswith(".0") else Decimal(number))
    return "[]\n" if data == [] else json_text(data) + "\n"


def _whole_csv(text: str) -> str:
    rows = list(csv.reader(io.StringIO(text, newline="")))
    return csv_lines(rows[0], rows[1:], raw=True)  # the cells as read: already neutralised once


@pytest.mark.parametrize("workspace_kind", ["sample", "generated"])
@pytest.mark.parametrize("args", [["--format", "json"], ["--format", "csv"], ["--format", "csv", "--raw"],
                                  ["--format", "json", "--columns", "id,title,value,flags"],
                                  ["--format", "json", "--sort", "-value", "--open"]])
def test_streamed_list_is_the_whole_output_byte_for_byte(workspace_kind, args, big, run, tmp_path):
    workspace = ROOT if workspace_kind == "sample" else big
    result = run(workspace, "list", *args)
    assert result.exit_code == 0, result.stderr
    whole = _whole_json if "json" in args else _whole_csv
    assert result.stdout.count("\n") > 40
    assert result.stdout == whole(result.stdout)
    into_file = tmp_path / "out"
    assert run(workspace, "list", *args, "-o", str(into_file)).exit_code == 0
    assert into_file.read_bytes().decode("utf-8") == result.stdout


@pytest.mark.parametrize("workspace_kind", ["sample", "generated"])
def test_streamed_export_is_the_whole_export_byte_for_byte(workspace_kind, big, run, tmp_path):
    workspace = ROOT if workspace_kind == "sample" else big
    texts = {fmt: run(workspace, "export", "--format", fmt).stdout for fmt in ("json", "jsonl", "csv")}
    deals = json.loads(texts["json"])
    assert len(deals) > 40
    # json.dumps of the whole list, with the export's escapes of the characters that break lines
    whole = json.dumps(deals, ensure_ascii=False, indent=2) + "\n"
    escaped = whole.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085")
    assert texts["json"] == escaped
    assert [json.loads(line) for line in texts["jsonl"].splitlines()] == deals
    assert texts["jsonl"] == "".join(json.dumps(d, ensure_ascii=False).replace("\u2028", "\\u2028") + "\n"
                                     for d in deals)
    assert texts["csv"] == _whole_csv(texts["csv"])
    for fmt, text in texts.items():
        target = tmp_path / f"deals.{fmt}"
        assert run(workspace, "export", "--format", fmt, "-o", str(target)).exit_code == 0
        assert target.read_bytes().decode("utf-8") == text


def test_nothing_selected_is_the_same_empty_output(big, run):
    none = ["--min-value", "999999999"]
    assert run(big, "list", "--format", "json", *none).stdout == "[]\n"
    assert run(big, "export", "--format", "json", *none).stdout == "[]\n"
    assert run(big, "export", "--format", "jsonl", *none).stdout == ""
    assert run(big, "list", "--format", "csv", *none).stdout.count("\n") == 1  # the header alone


def test_a_deal_the_json_export_cannot_carry_fails_before_any_output(make_workspace, run):
    deals = many_deals(30)
    deals["deal-0029"] = simple_deal("deal-0029", notes="a field named notes")
    result = run(make_workspace(deals), "export", "--format", "json")
    assert result.exit_code == 1 and result.stdout == ""
    assert "deals/deal-0029.md has a field 'notes'" in result.stderr


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_a_deal_without_a_rate_fails_the_list_before_any_output(fmt, make_workspace, run):
    """Its base value is worked out when its record is made: last in id order, after batches went out."""
    deals = many_deals(1000)  # more than a batch (BATCH_CHARACTERS) before the last deal
    deals["deal-0999"] = simple_deal("deal-0999", currency="XYZ")
    result = run(make_workspace(deals), "list", "--format", fmt)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == "pipe: deal deal-0999 is in XYZ, which has no rate in pipelines.yaml\n"


CELLS = st.one_of(st.none(), st.text(max_size=12), st.integers(-10**20, 10**20), st.booleans(),
                  st.decimals(allow_nan=False, allow_infinity=False, places=3),
                  st.dates(dt.date(1990, 1, 1), dt.date(2040, 1, 1)), st.lists(st.text(max_size=5), max_size=3))
COLUMNS = ["id", "title", "value", "tags"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.fixed_dictionaries({c: CELLS for c in COLUMNS}), max_size=6))
def test_json_chunks_joined_are_json_dumps_of_the_whole_list(rows):
    expected = "[]\n" if not rows else json_text([{c: row[c] for c in COLUMNS} for row in rows]) + "\n"
    assert "".join(json_chunks(iter(rows), COLUMNS)) == expected


@settings(max_examples=150, deadline=None)
@given(st.lists(st.fixed_dictionaries({c: st.one_of(st.none(), st.text(max_size=12), st.integers())
                                       for c in COLUMNS}), max_size=6), st.booleans())
def test_csv_chunks_joined_are_the_whole_csv(rows, raw):
    cells = [[row[c] for c in COLUMNS] for row in rows]
    assert "".join(csv_chunks(iter(rows), COLUMNS, raw)) == csv_lines(COLUMNS, cells, raw)


@settings(max_examples=100, deadline=None)
@given(st.lists(st.dictionaries(st.text(min_size=1, max_size=6).filter(lambda k: k != "notes"),
                                st.recursive(st.one_of(st.none(), st.text(max_size=8), st.integers(), st.booleans()),
                                             lambda inner: st.lists(inner, max_size=3)
                                             | st.dictionaries(st.text(max_size=4), inner, max_size=3),
                                             max_leaves=6),
                                max_size=4), max_size=4), st.text(max_size=10))
def test_export_json_chunks_joined_are_json_dumps_of_the_whole_list(datas, body):
    deals = [Deal(data, body) for data in datas]
    whole = json.dumps([{**d, "notes": body} for d in datas], ensure_ascii=False, indent=2) + "\n"
    whole = whole.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("\x85", "\\u0085")
    assert "".join(export.export_chunks(deals, "json")) == whole


# -- written as it goes -----------------------------------------------------------------------------

def _recorded(monkeypatch, module, name: str, events: list, label: str) -> None:
    original = getattr(module, name)

    def recording(*args, **kwargs):
        events.append(label)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, recording)


def _writes_recorded(monkeypatch, events: list) -> None:
    monkeypatch.setattr(output, "BATCH_CHARACTERS", 1)  # every record a write of its own
    _recorded(monkeypatch, output, "echo_output", events, "write")


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_list_writes_the_first_record_before_it_renders_the_last(fmt, big, run, monkeypatch):
    events: list[str] = []
    _writes_recorded(monkeypatch, events)
    _recorded(monkeypatch, listing, "deal_record", events, "render")
    assert run(big, "list", "--format", fmt).exit_code == 0
    assert events.count("render") == 240
    last_render = len(events) - 1 - events[::-1].index("render")
    assert events.index("write") < last_render


@pytest.mark.parametrize("fmt, renderer", [("json", "deal_object"), ("jsonl", "deal_object"), ("csv", "csv_row")])
def test_export_writes_the_first_deal_before_it_renders_the_last(fmt, renderer, big, run, monkeypatch):
    events: list[str] = []
    _writes_recorded(monkeypatch, events)
    _recorded(monkeypatch, export, renderer, events, "render")
    assert run(big, "export", "--format", fmt).exit_code == 0
    assert events.count("render") >= 240
    last_render = len(events) - 1 - events[::-1].index("render")
    assert events.index("write") < last_render


def test_into_a_file_too_the_records_are_written_as_they_are_rendered(big, run, monkeypatch, tmp_path):
    events: list[str] = []
    _recorded(monkeypatch, listing, "deal_record", events, "render")
    real_write_output = output.write_output

    def write_output(path, content):
        assert callable(content)  # a writer, not the text made whole

        def recording(handle):
            class Handle:
                def write(self, data):
                    events.append("write")
                    return handle.write(data)

            content(Handle())

        real_write_output(path, recording)

    monkeypatch.setattr(output, "write_output", write_output)
    target = tmp_path / "deals.json"
    assert run(big, "list", "--format", "json", "-o", str(target)).exit_code == 0
    assert events.index("write") < len(events) - 1 - events[::-1].index("render")
    assert json.loads(target.read_text(encoding="utf-8"))[-1]["id"] == "deal-0239"


# -- a reader that goes away -------------------------------------------------------------------------

@pytest.mark.parametrize("args", [["list", "--format", "json"], ["list", "--format", "csv"],
                                  ["export", "--format", "json"], ["export", "--format", "jsonl"]])
def test_a_closed_pipe_ends_the_command_quietly(args, make_workspace):
    """`pipe list --format json | head -1`: exit 1 with nothing on stderr, as before streaming."""
    big = make_workspace(many_deals(1000))  # more output than a pipe holds (64 KiB), in every format
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen([sys.executable, "-m", "pipecli", "-C", str(big.root), *args], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline()
    process.stdout.close()  # as head does after its line
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 1
    assert stderr == b""


@pytest.mark.parametrize("fmt", ["json", "sqlite"])
def test_o_dev_stdout_into_a_pipe_writes_into_the_pipe(fmt, big):
    """`pipe export -o /dev/stdout | ...`: /dev/stdout is a pipe here, with no name a file could replace."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-m", "pipecli", "-C", str(big.root), "export", "--format", fmt,
                           "-o", "/dev/stdout"], env=env, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stderr == b"exported 240 deals to /dev/stdout\n"
    deals = sorted(big.deals(), key=lambda deal: deal.id)
    whole = export.render_export(deals, fmt, big.config)
    assert done.stdout == (whole.encode("utf-8") if isinstance(whole, str) else whole)


# -- sqlite: built in a file, the same bytes ------------------------------------------------------------

def recorded_connects(monkeypatch):
    """The databases sqlite3.connect opens from now on (a list), and the real connect."""
    import sqlite3

    opened: list[str] = []
    real_connect = sqlite3.connect

    def connect(database, *args, **kwargs):
        opened.append(str(database))
        return real_connect(database, *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", connect)
    return opened, real_connect


def test_the_sqlite_export_is_built_in_a_file_beside_the_target_with_the_bytes_built_in_memory(
        big, run, monkeypatch, tmp_path):
    import sqlite3

    opened, real_connect = recorded_connects(monkeypatch)
    target = tmp_path / "out" / "deals.sqlite"
    target.parent.mkdir()
    result = run(big, "export", "-o", str(target))
    assert result.exit_code == 0 and result.stderr == f"exported 240 deals to {target}\n"
    assert len(opened) == 1 and Path(opened[0]).parent.parent == target.parent  # a temporary folder there
    assert sorted(p.name for p in target.parent.iterdir()) == ["deals.sqlite"]  # nothing left beside it
    monkeypatch.setattr(sqlite3, "connect", real_connect)
    deals = sorted(big.deals(), key=lambda deal: deal.id)
    assert target.read_bytes() == export.render_export(deals, "sqlite", big.config)
    assert real_connect(target).execute("SELECT count(*) FROM deals").fetchone() == (240,)


def test_the_sqlite_export_into_a_device_is_built_in_the_temporary_folder_not_in_dev(big, run, monkeypatch):
    """`-o /dev/null`: a user who may not write in /dev got 'Permission denied' for a folder there."""
    opened, real_connect = recorded_connects(monkeypatch)
    result = run(big, "export", "--format", "sqlite", "-o", os.devnull)
    assert result.exit_code == 0 and result.stderr == f"exported 240 deals to {os.devnull}\n"
    assert len(opened) == 1 and not opened[0].startswith("/dev/")


# -- xlsx: a row at a time ------------------------------------------------------------------------------

def test_the_xlsx_export_hands_each_row_to_a_streaming_sheet_as_it_is_made(big, run, monkeypatch, tmp_path):
    import openpyxl
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

    events: list[str] = []
    _recorded(monkeypatch, export, "deal_columns", events, "columns")
    _recorded(monkeypatch, WriteOnlyWorksheet, "append", events, "write")
    real_row = export._xlsx_row

    def row(sheet, values):
        events.append("render")
        return real_row(sheet, values)

    monkeypatch.setattr(export, "_xlsx_row", row)
    target = tmp_path / "deals.xlsx"
    assert run(big, "export", "-o", str(target)).exit_code == 0
    # the deals sheet: its header and 240 rows, each written before the next is made
    deals_sheet = events[events.index("columns") + 1:][: 2 * 241]
    assert deals_sheet == ["render", "write"] * 241
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["deals", "history", "tasks", "activities"]
    sheet = book["deals"]
    assert sheet.max_row == 241 and sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, sheet.max_column).column_letter}241"
    titles = [sheet.cell(r, 2).value for r in range(2, 242)]
    assert titles[3] == "=SUM(A1) 3" and sheet.cell(5, 2).quotePrefix and sheet.cell(5, 2).data_type == "s"


# -- a disk that fills up part way: the old file kept, nothing left beside it, one line -------------------

def _file_kept_and_nothing_beside(target: Path) -> None:
    assert target.read_text(encoding="utf-8") == "the old export"
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]


def test_a_full_disk_while_the_sqlite_export_is_built_says_so_in_one_line(big, run, monkeypatch, tmp_path):
    import sqlite3

    real_connect = sqlite3.connect

    def connect(database, *args, **kwargs):  # a database that cannot grow: SQLite's SQLITE_FULL, as on a full disk
        connection = real_connect(database, *args, **kwargs)
        connection.execute("PRAGMA max_page_count = 8")
        return connection

    monkeypatch.setattr(sqlite3, "connect", connect)
    target = tmp_path / "out" / "deals.sqlite"
    target.parent.mkdir()
    target.write_text("the old export", encoding="utf-8")
    result = run(big, "export", "-o", str(target))
    assert result.exit_code == 1 and result.stderr == "pipe: No space left on device\n"
    _file_kept_and_nothing_beside(target)


def test_a_full_disk_while_the_xlsx_export_is_saved_says_so_in_one_line(big, run, monkeypatch, tmp_path):
    import errno
    import gc
    import zipfile

    def full(*args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(zipfile.ZipFile, "write", full)  # the first sheet's copy into the workbook fails
    ignored: list = []
    monkeypatch.setattr(sys, "unraisablehook", ignored.append)
    target = tmp_path / "out" / "deals.xlsx"
    target.parent.mkdir()
    target.write_text("the old export", encoding="utf-8")
    result = run(big, "export", "-o", str(target))
    assert result.exit_code == 1 and result.stderr == "pipe: No space left on device\n"
    del result  # its exception holds the workbook
    gc.collect()
    # the sheets still open and the archive, closed by the garbage collector: 'Exception ignored in ...'
    assert [str(seen.object) for seen in ignored] == []
    _file_kept_and_nothing_beside(target)


def test_the_xlsx_export_says_each_sheets_size_as_the_workbook_made_whole_did(big, run, tmp_path):
    """A reader in read-only mode takes a sheet's size from it: a write-only sheet leaves it out unless told."""
    import openpyxl

    target = tmp_path / "deals.xlsx"
    assert run(big, "export", "-o", str(target)).exit_code == 0
    whole = openpyxl.load_workbook(target)
    sizes = {sheet.title: (sheet.max_row, sheet.max_column) for sheet in whole}
    assert sizes["deals"][0] == 241 and sizes["history"][0] == 241  # the header, a row per deal (one entry each)
    read_only = openpyxl.load_workbook(target, read_only=True)
    assert {sheet.title: (sheet.max_row, sheet.max_column) for sheet in read_only} == sizes


@pytest.mark.parametrize("args, code, said", [
    (["list"], 1, "pipe: cannot write the output: standard output is closed\n"),
    (["list", "--format", "json"], 1, "pipe: cannot write the output: standard output is closed\n"),
    (["--version"], 1, "pipe: cannot write the output: standard output is closed\n"),
    (["export", "--format", "json", "-o", "{tmp}/deals.json"], 0, "exported 240 deals to {tmp}/deals.json\n"),
])
def test_a_closed_standard_output_is_one_line_not_a_traceback(args, code, said, big, tmp_path):
    """`pipe list >&-`: Python leaves sys.stdout None; a command that prints says so in one line, as
    `ls >&-` does, and one that writes a file works."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [arg.replace("{tmp}", str(tmp_path)) for arg in args]
    done = subprocess.run([sys.executable, "-m", "pipecli", "-C", str(big.root), *args], env=env,
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120,
                          preexec_fn=lambda: os.close(1))  # the shell's >&-
    assert done.stderr.decode() == said.replace("{tmp}", str(tmp_path))
    assert done.returncode == code
