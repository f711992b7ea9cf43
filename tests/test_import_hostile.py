"""Imported files held to typed text's rules and bounded (issue 15.6 and the xlsx part of 15.7):
control characters in cells, a file mixing UTF-8 and another encoding, an .xlsx zip bomb."""

from __future__ import annotations

import io
import struct
import zipfile

import openpyxl

from pipecli.core.storage import Workspace
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
