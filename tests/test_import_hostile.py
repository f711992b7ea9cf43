"""Imported files held to typed text's rules and bounded (issue 15.6 and the xlsx part of 15.7):
control characters in cells, a file mixing UTF-8 and another encoding, an .xlsx zip bomb."""

from __future__ import annotations

import io
import random
import resource
import struct
import subprocess
import sys
import zipfile

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from pipecli.core.importing.tables import MAX_CELL_TEXT, XLSX_MAX_COLUMNS, XLSX_MAX_ROWS
from pipecli.core.store.workspace import Workspace
from tests.conftest import failed


def titles(workspace) -> dict[str, str]:
    return {d.title: d.account for d in Workspace(workspace.root).deals()}


def test_control_characters_in_cells_are_spaces_and_counted(make_workspace, run, tmp_path):
    path = tmp_path / "evil.csv"
    path.write_text("id,title,account,notes\n"
                    "r1,Acme\x1b]0;owned\x07 deal,Acme\x00Corp,\"line one\nline\x1b[2J two\"\n"
                    "r2,Plain,Beta,fine\n"
                    "r3,Bell\x07,Gamma\x7f\x9b,\n", encoding="utf-8")
    target = make_workspace({})
    result = run(target, "import", str(path), "--id", "id", "--map", "title=title", "--map", "account=account",
                 "--map", "notes=notes")
    assert result.exit_code == 0, result.output
    assert "2 row(s) had control characters" in result.stderr and "rows 2, 5" in result.stderr  # r3 starts on line 5
    assert titles(target) == {"Acme ]0;owned deal": "Acme Corp", "Plain": "Beta", "Bell": "Gamma"}
    notes = Workspace(target.root).load("acme-0-owned-deal").body
    assert notes == "line one\nline [2J two\n"
    for deal in Workspace(target.root).deals():
        text = (target.root / "deals" / f"{deal.id}.md").read_text(encoding="utf-8")
        assert not any(c in text for c in "\x00\x07\x1b\x7f\x9b"), text
    assert run(target, "check").exit_code == 0


def test_one_stray_byte_in_a_utf8_file_is_refused_with_its_row_and_column(make_workspace, run, tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_bytes("id,title,account\nr1,Zürich Café,Ünited\nr2,Plain,".encode("utf-8") + b"Soci\xe9t\xe9\n")
    target = make_workspace({})
    line = failed(run(target, "import", str(path), "--id", "id", "--map", "title=title", "--map", "account=account"),
                  "mixed.csv:3:", "'account'", "0xE9", "--encoding")
    assert "not UTF-8" in line
    assert titles(target) == {}
    # Told which encoding it is, the whole file is read in it.
    result = run(target, "import", str(path), "--id", "id", "--map", "title=title", "--map", "account=account",
                 "--encoding", "cp1252")
    assert result.exit_code == 0, result.output
    assert titles(target)["Plain"] == "Société"


def test_a_file_with_no_utf8_at_all_is_read_as_cp1252_with_a_note(make_workspace, run, tmp_path):
    path = tmp_path / "windows.csv"
    path.write_bytes("id,title\nr1,Société Générale\n".encode("cp1252"))
    target = make_workspace({})
    result = run(target, "import", str(path), "--id", "id", "--map", "title=title")
    assert result.exit_code == 0, result.output
    assert "windows.csv is not UTF-8" in result.stderr and "cp1252" in result.stderr
    assert list(titles(target)) == ["Société Générale"]


def small_xlsx(**parts: bytes) -> bytes:
    """A one-row workbook, with extra parts (name with / as __) added to its zip."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["id", "title"])
    sheet.append(["r1", "Acme"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name.replace("__", "/").replace("_xml", ".xml"), data)
    return buffer.getvalue()


def declaring(data: bytes, part: str, size: int) -> bytes:
    """The zip with part's declared unpacked size set to size, in its local and central headers:
    what a zip bomb looks like to a reader, without a byte of it on disk."""
    data = bytearray(data)
    name = part.encode()
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            name_at = start + (30 if signature == b"PK\x03\x04" else 46)
            if data[name_at:name_at + len(name)] == name:
                data[start + offset:start + offset + 4] = struct.pack("<I", size)
            start += 4
    return bytes(data)


def test_an_xlsx_whose_sheet_declares_gigabytes_is_refused_before_it_is_read(make_workspace, run, tmp_path):
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(declaring(small_xlsx(), "xl/worksheets/sheet1.xml", 4_000_000_000))
    assert zipfile.ZipFile(path).getinfo("xl/worksheets/sheet1.xml").file_size == 4_000_000_000
    target = make_workspace({})
    failed(run(target, "import", str(path), "--id", "id", "--map", "title=title"),
           "bomb.xlsx", "sheet1.xml", "limit", "not imported")
    assert titles(target) == {}


def test_an_xlsx_with_huge_shared_strings_is_refused(make_workspace, run, tmp_path):
    path = tmp_path / "strings.xlsx"
    # Packed honestly, 80 MB of strings would take seconds to build: its declared size is what counts.
    strings = b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>Acme</t></si></sst>'
    path.write_bytes(declaring(small_xlsx(xl__sharedStrings_xml=strings), "xl/sharedStrings.xml", 80 * 2**20))
    target = make_workspace({})
    failed(run(target, "import", str(path), "--id", "id", "--map", "title=title"),
           "strings.xlsx", "sharedStrings.xml", "80 MB", "64 MB")


def test_a_real_zip_bomb_part_is_refused_by_its_ratio(make_workspace, run, tmp_path):
    path = tmp_path / "ratio.xlsx"
    source = zipfile.ZipFile(io.BytesIO(small_xlsx()))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for info in source.infolist():  # the workbook's parts, then a bomb beside them
            bomb.writestr(info.filename, source.read(info.filename))
        bomb.writestr("xl/media/padding.bin", bytes(8 * 2**20))  # 8 MB of zeros pack to about 8 KB
    target = make_workspace({})
    failed(run(target, "import", str(path), "--id", "id", "--map", "title=title"),
           "ratio.xlsx", "padding.bin", "times its packed size")


def test_a_normal_xlsx_still_imports(make_workspace, run, tmp_path):
    path = tmp_path / "fine.xlsx"
    path.write_bytes(small_xlsx())
    target = make_workspace({})
    assert run(target, "import", str(path), "--id", "id", "--map", "title=title").exit_code == 0
    assert list(titles(target)) == ["Acme"]


def with_sheet(sheet_xml: str, strings: list[str] | None = None) -> bytes:
    """small_xlsx with its first sheet replaced by sheet_xml (rows only), and shared strings if given."""
    source = zipfile.ZipFile(io.BytesIO(small_xlsx()))
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = f'<worksheet xmlns="{main}">{sheet_xml}</worksheet>'.encode()
            elif info.filename == "[Content_Types].xml" and strings is not None:
                data = data.replace(b"</Types>", b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
                                    b'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
            elif info.filename == "xl/_rels/workbook.xml.rels" and strings is not None:
                data = data.replace(b"</Relationships>", b'<Relationship Id="rIdSS" Type="http://schemas.openxml'
                                    b'formats.org/officeDocument/2006/relationships/sharedStrings" '
                                    b'Target="sharedStrings.xml"/></Relationships>')
            archive.writestr(info.filename, data)
        if strings is not None:
            archive.writestr("xl/sharedStrings.xml", (f'<sst xmlns="{main}">' + "".join(
                f"<si><t>{s}</t></si>" for s in strings) + "</sst>").encode())
    return buffer.getvalue()


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def run_limited(workspace, *args: str, memory: int = 1_000_000_000, seconds: int = 60) -> subprocess.CompletedProcess:
    """pipe in a child with an address-space limit: a failing test must not take the machine down."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run([sys.executable, "-m", "pipecli", "-C", str(workspace.root), *args], capture_output=True,
                          text=True, preexec_fn=limit, timeout=seconds)


def test_an_xlsx_declaring_every_column_is_read_as_stored(make_workspace, tmp_path):
    # <dimension ref="A1:XFD1048576"> made openpyxl pad each row to 16,384 cells: 300 rows took
    # 664 MB, 3,000 a MemoryError traceback. 2,000 rows, 20 KB on disk, under a 1 GB limit.
    rows = "".join(f'<row r="{r}">{inline(f"A{r}", f"T{r}")}</row>' for r in range(2, 2002))
    path = tmp_path / "dimension.xlsx"
    path.write_bytes(with_sheet('<dimension ref="A1:XFD1048576"/><sheetData>'
                                f'<row r="1">{inline("A1", "title")}</row>{rows}</sheetData>'))
    assert path.stat().st_size < 50_000
    target = make_workspace({})
    done = run_limited(target, "import", str(path), "--map", "title=title", "--dry-run")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "2000 to create" in done.stdout + done.stderr


def test_an_xlsx_cell_past_the_column_limit_is_refused(make_workspace, run, tmp_path):
    path = tmp_path / "wide.xlsx"
    path.write_bytes(with_sheet(f'<sheetData><row r="1">{inline("A1", "title")}</row>'
                                f'<row r="2">{inline("A2", "Acme")}{inline(f"{get_column_letter(XLSX_MAX_COLUMNS + 1)}2", "x")}'
                                '</row></sheetData>'))
    target = make_workspace({})
    failed(run(target, "import", str(path), "--map", "title=title"),
           "wide.xlsx", "row 2", get_column_letter(XLSX_MAX_COLUMNS + 1), f"{XLSX_MAX_COLUMNS:,} columns")
    assert titles(target) == {}


def test_an_xlsx_row_numbered_past_excel_s_last_is_refused(make_workspace, run, tmp_path):
    # openpyxl yields an empty row for each missing number: 2 billion of them would never end.
    path = tmp_path / "far.xlsx"
    path.write_bytes(with_sheet(f'<sheetData><row r="1">{inline("A1", "title")}</row>'
                                f'<row r="2000000000">{inline("A2000000000", "Acme")}</row></sheetData>'))
    target = make_workspace({})
    done = run_limited(target, "import", str(path), "--map", "title=title", seconds=20)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.stderr.splitlines() == [f"pipe: {path}: over {XLSX_MAX_ROWS:,} rows (the limit); not imported"]


def test_a_huge_shared_string_is_refused_with_its_cell_before_any_copy(make_workspace, tmp_path):
    # One 10 MB string in the shared strings, pointed at by 200 rows: each row's copy of it took the
    # import to a MemoryError at 1.9 GB. Here 1.5 MB in 300 rows (450 MB of copies), under 400 MB.
    text = format(random.Random(1).getrandbits(1_500_000), "b").replace("0", "a").replace("1", "b")
    rows = "".join(f'<row r="{r}">{inline(f"A{r}", f"Deal {r}")}<c r="B{r}" t="s"><v>2</v></c></row>'
                   for r in range(2, 302))
    path = tmp_path / "strings.xlsx"
    path.write_bytes(with_sheet(f'<sheetData><row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c>'
                                f'</row>{rows}</sheetData>', ["title", "notes", text]))
    assert path.stat().st_size < 400_000
    target = make_workspace({})
    done = run_limited(target, "import", str(path), "--map", "title=title", "--map", "notes=notes",
                       memory=400_000_000)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert done.stderr.splitlines() == [f"pipe: {path}: cell B2: column 'notes' holds {len(text):,} characters "
                                        f"(the limit is {MAX_CELL_TEXT:,} a cell); not imported"]


def test_an_xlsx_cell_just_over_the_text_limit_is_refused(make_workspace, run, tmp_path):
    path = tmp_path / "long.xlsx"
    path.write_bytes(with_sheet(f'<sheetData><row r="1">{inline("A1", "title")}{inline("B1", "notes")}</row>'
                                f'<row r="2">{inline("A2", "Acme")}{inline("B2", "n" * (MAX_CELL_TEXT + 1))}</row>'
                                '</sheetData>'))
    target = make_workspace({})
    failed(run(target, "import", str(path), "--map", "title=title", "--map", "notes=notes"),
           "long.xlsx: cell B2: column 'notes'", f"{MAX_CELL_TEXT + 1:,} characters")
    assert titles(target) == {}


@pytest.mark.parametrize("size", [MAX_CELL_TEXT + 1, 200_000], ids=["just-over", "over-csv-module-limit"])
def test_a_csv_cell_over_the_text_limit_is_refused_with_its_line_and_column(make_workspace, run, tmp_path, size):
    path = tmp_path / "long.csv"
    path.write_text(f'title,notes\nAcme,short\nBeta,"{"n" * size}"\n', encoding="utf-8")
    target = make_workspace({})
    failed(run(target, "import", str(path), "--map", "title=title", "--map", "notes=notes"),
           "long.csv:3: column 'notes'", f"{size:,} characters", f"{MAX_CELL_TEXT:,}")
    assert titles(target) == {}


def test_an_unsaved_formula_is_still_refused_with_its_cell(make_workspace, run, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["title", "value"])
    book.active.append(["Acme", "=1+1"])  # openpyxl saves a formula without its value
    path = tmp_path / "formula.xlsx"
    book.save(path)
    target = make_workspace({})
    failed(run(target, "import", str(path), "--map", "title=title", "--map", "value=value"),
           "cell B2 is a formula whose value was never saved")
