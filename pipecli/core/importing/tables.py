"""Reading a table to import: CSV in any common shape (BOM, CRLF, `;`, cp1252), or a spreadsheet."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path

from pipecli.core.errors import InvalidValue
from pipecli.core.fileformat.csvcells import restore
from pipecli.core.fileformat.utf8 import error_line
from pipecli.core.model.inputs import DELIMITER, ENCODING

DELIMITERS = ",;\t|"


@dataclass
class Table:
    """Rows of a file as {header: text or date}, with the file's row number of each (header = row 1)."""

    path: str
    headers: list[str]
    rows: list[dict]
    numbers: list[int]
    encoding: str = "utf-8"
    delimiter: str = ","


def read_table(path: Path, *, encoding: str | None = None, delimiter: str | None = None, strip: bool = True,
               raw: bool = False) -> Table:
    """Read a .csv (or .tsv/.txt) or .xlsx file; raises InvalidValue with what is wrong.

    Cells are stripped of surrounding spaces, unless strip is false (pipe's own export, whose
    notes cells end with the newline the notes end with). A CSV cell loses the ' that pipe's CSV
    policy puts before formula-like text (core/fileformat/csvcells.py `restore`), unless raw.
    """
    if path.is_dir():
        raise InvalidValue(f"{path} is a folder: give a CSV or .xlsx file")
    if not path.is_file():
        raise InvalidValue(f"no file {path}")
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(path, strip)
    data = path.read_bytes()
    text, used = _decode(data, encoding, path)
    return _read_csv(text, str(path), used, delimiter, strip, raw)


def _decode(raw: bytes, encoding: str | None, path: Path) -> tuple[str, str]:
    if encoding:
        try:
            return raw.decode(encoding), encoding
        except LookupError:
            raise InvalidValue(f"unknown encoding '{encoding}' (try utf-8 or cp1252)") from None
        except UnicodeDecodeError as error:
            raise InvalidValue(f"{path}:{error_line(error)}: not {encoding} text; try another ", ENCODING) from None
    for bom, name in ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
                      (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16")):
        if raw.startswith(bom):  # Excel's "Unicode text"
            try:
                return raw.decode(name), name
            except UnicodeDecodeError:
                raise InvalidValue(f"{path}: starts like {name} text but is not") from None
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as error:
        if _UTF8_SEQUENCE.search(raw):
            # UTF-8 elsewhere in the file: reading it all as cp1252 would garble every valid row.
            raise InvalidValue(*_not_utf8(error, path)) from None
    try:  # what spreadsheets on Windows save (the caller notes it: Table.encoding)
        return raw.decode("cp1252"), "cp1252"
    except UnicodeDecodeError:
        raise InvalidValue(f"{path}: neither UTF-8 nor cp1252 text (a binary file? save a spreadsheet as .xlsx "
                           f"or CSV); or give ", ENCODING) from None


# A character of two to four bytes in UTF-8: text in cp1252 almost never holds one.
_UTF8_SEQUENCE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


def _not_utf8(error: UnicodeDecodeError, path: Path) -> tuple:
    """Where the first byte that is not UTF-8 is: its line, and the column (by header) it is in (a message in parts)."""
    raw, start, line = error.object, error.start, error_line(error)  # raw: after the BOM utf-8-sig dropped
    text = raw.decode("utf-8", "surrogateescape")
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=_sniff(text))
        header = next(reader)
        for row in reader:
            for number, cell in enumerate(row):
                if any("\udc80" <= c <= "\udcff" for c in cell):
                    name = header[number].strip() if number < len(header) else f"{number + 1}"
                    return (f"{path}:{line}: column '{name}': byte 0x{raw[start]:02X} is not UTF-8, though the rest "
                            f"of the file is; fix that cell, or give ", ENCODING, " cp1252 (or the file's encoding)")
    except csv.Error:
        pass
    return (f"{path}:{line}: byte 0x{raw[start]:02X} is not UTF-8, though the rest of the file is; fix it, or give ",
            ENCODING, " cp1252 (or the file's encoding)")


def _read_csv(text: str, shown: str, encoding: str, delimiter: str | None, strip: bool = True,
              raw: bool = False) -> Table:
    if text.startswith("\ufeff"):
        text = text[1:]
    if delimiter is None:
        delimiter = _sniff(text)
    elif len(delimiter) != 1:
        delimiter = {"\\t": "\t", "tab": "\t"}.get(delimiter.lower(), delimiter)
        if len(delimiter) != 1:
            raise InvalidValue(DELIMITER, f" must be one character, got '{delimiter}'")
    # strict: a quote opened and never closed is an error, not the rest of the file in one cell
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records = []
    started = 1  # a record is numbered by the line it starts on (a quoted newline spans lines)
    # The csv module's own cap (128 KB a field) would stop a long cell without naming its column:
    # lifted while this text, already in memory, is read, so that MAX_CELL_TEXT below names it.
    limit = csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    try:
        for row in reader:
            records.append((started, row))
            started = reader.line_num + 1
    except csv.Error as error:
        why = "a quoted cell is never closed" if "unexpected end of data" in str(error) else str(error)
        raise InvalidValue(f"{shown}:{started}: {why} (a stray \" in the row?)") from None
    finally:
        csv.field_size_limit(limit)
    for line, row in records:
        for number, cell in enumerate(row):
            if len(cell) > MAX_CELL_TEXT:
                name = (records[0][1][number].strip() if number < len(records[0][1]) else "") or f"{number + 1}"
                raise _refuse_long_cell(f"{shown}:{line}", name, len(cell))
    records = [(n, row) for n, row in records if any(cell.strip() for cell in row)]
    if not records:
        raise InvalidValue(f"{shown}: no rows (an empty file)")
    _, header = records[0]
    headers = [h.strip() for h in header]
    _check_headers(headers, shown)
    rows, numbers = [], []
    for line, row in records[1:]:
        if len(row) > len(headers) and any(cell.strip() for cell in row[len(headers):]):
            raise InvalidValue(f"{shown}:{line}: {len(row)} cells but {len(headers)} columns; is the delimiter right? (",
                               DELIMITER, ")")
        cells = [_tidy(cell) if strip else cell for cell in row]
        if not raw:  # the writer's half is csv_text: exactly one ' comes off, where it put one
            cells = [restore(cell) for cell in cells]
        rows.append({h: (cells[i] if i < len(cells) else "") for i, h in enumerate(headers)})
        numbers.append(line)
    return Table(shown, headers, rows, numbers, encoding, delimiter)


def _tidy(cell: str) -> str:
    """A cell without surrounding spaces, its line ends LF (a CRLF file's quoted newlines are CRLF)."""
    return cell.replace("\r\n", "\n").replace("\r", "\n").strip()


def _sniff(text: str) -> str:
    """The delimiter of the header line: the one of , ; tab | it has most of."""
    first = text.split("\n", 1)[0]
    counts = {d: first.count(d) for d in DELIMITERS}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _check_headers(headers: list[str], shown: str) -> None:
    seen = set()
    for h in headers:
        if h in seen and h:
            raise InvalidValue(f"{shown}:1: the column '{h}' appears twice")
        seen.add(h)


# What an .xlsx may unpack to before openpyxl reads it (it holds the shared strings in memory, and
# any part can be a zip bomb: deflate packs up to about 1000 to 1). The sizes are the zip's declared
# ones, which Python's zipfile never reads past.
XLSX_MAX_PART = 512 * 2**20
XLSX_MAX_SHARED_STRINGS = 64 * 2**20
XLSX_MAX_TOTAL = 1024 * 2**20
XLSX_MAX_RATIO = 200  # for parts over 1 MB; spreadsheets' XML packs at 5 to 30 to 1
XLSX_MAX_PARTS = 10_000


def _check_xlsx_sizes(path: Path) -> None:
    """Refuse, in one line, an .xlsx that would unpack to too much; before anything is decompressed."""
    import zipfile

    def refuse(why: str) -> InvalidValue:
        return InvalidValue(f"{path}: {why}; not imported (a zip bomb? save the sheet as CSV if it is real)")

    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise InvalidValue(f"{path}: not a spreadsheet openpyxl can read (not a zip file)") from None
    if len(parts) > XLSX_MAX_PARTS:
        raise refuse(f"{len(parts):,} parts in the zip (the limit is {XLSX_MAX_PARTS:,})")
    mb = 2**20
    for part in parts:
        limit = XLSX_MAX_SHARED_STRINGS if part.filename.lower().endswith("sharedstrings.xml") else XLSX_MAX_PART
        if part.file_size > limit:
            raise refuse(f"{part.filename} unpacks to {part.file_size // mb:,} MB (the limit is {limit // mb} MB)")
        if part.file_size > mb and part.file_size > XLSX_MAX_RATIO * max(part.compress_size, 1):
            raise refuse(f"{part.filename} unpacks {part.file_size // max(part.compress_size, 1):,} times its packed "
                         f"size (the limit is {XLSX_MAX_RATIO})")
    total = sum(part.file_size for part in parts)
    if total > XLSX_MAX_TOTAL:
        raise refuse(f"it unpacks to {total // mb:,} MB (the limit is {XLSX_MAX_TOTAL // mb} MB)")


# What a sheet may hold once unpacked. Its declared <dimension> is ignored (openpyxl padded every
# row to it: A1:XFD1048576 made 300 rows take 664 MB); rows are read as stored, and bounded.
XLSX_MAX_ROWS = 1_048_576  # Excel's own limit; a row numbered past it is not a real sheet
XLSX_MAX_COLUMNS = 1_000
XLSX_MAX_CELLS = 2_000_000  # e.g. 100,000 rows of 20 columns
MAX_CELL_TEXT = 100_000  # characters in one cell, CSV or xlsx: a deal field is far shorter


def _refuse_long_cell(where: str, column: str, size: int) -> InvalidValue:
    return InvalidValue(f"{where}: column '{column}' holds {size:,} characters (the limit is "
                        f"{MAX_CELL_TEXT:,} a cell); not imported")


def _open_sheet(path: Path, data_only: bool):
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=data_only)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise InvalidValue(f"{path}: not a spreadsheet openpyxl can read ({type(error).__name__})") from None
    sheet = book.worksheets[0]
    sheet.reset_dimensions()  # the <dimension> a file declares is not trusted: rows are read as stored
    return book, sheet


def _sheet_rows(path: Path, sheet):
    """(row number, its values without trailing empty cells, whether any cell was empty), bounded."""
    import openpyxl

    cells = 0
    try:
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number > XLSX_MAX_ROWS:
                raise InvalidValue(f"{path}: over {XLSX_MAX_ROWS:,} rows (the limit); not imported")
            values = list(row)
            gaps = None in values
            while values and values[-1] is None:
                values.pop()
            if len(values) > XLSX_MAX_COLUMNS:
                raise InvalidValue(f"{path}: row {number} has a cell in column "
                                   f"{openpyxl.utils.get_column_letter(len(values))} (the limit is "
                                   f"{XLSX_MAX_COLUMNS:,} columns); not imported")
            cells += len(values)
            if cells > XLSX_MAX_CELLS:
                raise InvalidValue(f"{path}: over {XLSX_MAX_CELLS:,} cells (the limit), at row {number}; "
                                   "not imported (import it in parts)")
            yield number, values, gaps
    except InvalidValue:
        raise
    except Exception as error:  # a sheet part openpyxl cannot parse
        raise InvalidValue(f"{path}: not a spreadsheet openpyxl can read ({type(error).__name__})") from None


def _read_xlsx(path: Path, strip: bool = True) -> Table:
    import openpyxl

    _check_xlsx_sizes(path)
    book, sheet = _open_sheet(path, data_only=True)
    records, gaps = [], False
    try:
        for number, values, empty in _sheet_rows(path, sheet):
            gaps = gaps or empty
            for i, value in enumerate(values):
                # measured before any copy: one 10 MB shared string in 200 rows was 2 GB of copies
                if isinstance(value, str) and len(value) > MAX_CELL_TEXT:
                    cell = f"{openpyxl.utils.get_column_letter(i + 1)}{number}"
                    header = records[0][1] if records else []
                    name = str(header[i]).strip() if i < len(header) and header[i] is not None else ""
                    raise _refuse_long_cell(f"{path}: cell {cell}", name or cell[:-len(str(number))], len(value))
            if any(c not in (None, "") for c in values):
                records.append((number, values))
    finally:
        book.close()
    if gaps:
        _refuse_unsaved_formulas(path, records)
    if not records:
        raise InvalidValue(f"{path}: the first sheet is empty")
    headers = [str(h).strip() if h is not None else "" for h in records[0][1]]
    _check_headers(headers, str(path))
    rows, numbers = [], []
    for number, row in records[1:]:
        rows.append({h: _cell(row[i], strip) if i < len(row) else "" for i, h in enumerate(headers)})
        numbers.append(number)
    return Table(str(path), headers, rows, numbers, "xlsx", "")


def _refuse_unsaved_formulas(path: Path, records: list) -> None:
    """A formula cell whose value was never saved reads as empty: say so rather than lose it."""
    import openpyxl

    read = dict(records)
    book, sheet = _open_sheet(path, data_only=False)
    try:
        for n, row, _ in _sheet_rows(path, sheet):
            values = read.get(n)
            if values is None:
                continue
            for i, value in enumerate(row):
                if (isinstance(value, str) and value.startswith("=")
                        and (i >= len(values) or values[i] is None)):
                    column = openpyxl.utils.get_column_letter(i + 1)
                    raise InvalidValue(f"{path}: cell {column}{n} is a formula whose value was never saved: "
                                       "open the file in a spreadsheet and save it, then import again")
    finally:
        book.close()


def _cell(value, strip: bool = True) -> str | dt.date:
    """A spreadsheet cell as import reads it: dates stay dates, numbers become their text."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date() if value.time() == dt.time() else value
    if isinstance(value, dt.date):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip() if strip else str(value)
