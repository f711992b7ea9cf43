"""The one CSV policy of pipe: how a value becomes a CSV cell, and how import reads the cell back.

Every CSV pipe writes (`pipe export`, `pipe list`, `pipe tasks`, `pipe report`) goes through
`csv_text`: a spreadsheet opening the file runs any cell that looks like a formula, and deal text
comes from anyone through git. So by default (docs/export.md, "Formulas are neutralised"):

- a number (int, float, Decimal: `-1200`) is written as it is: a number is data, never a formula;
- text starting with `=`, `+`, `-`, `@`, tab or CR gets a `'` in front (OWASP), and text that is
  already one or more `'` before one of those gets one more, so the rule reverses exactly; the same
  after every `;` in the text, where a spreadsheet reading `;`-separated files starts a cell.

`raw=True` (the `--raw` option) writes text as it is, for a program rather than a spreadsheet.
`restore` is the reader's half: `pipe import` removes the one `'` the writer added.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

# A text cell starting with one of these is a formula (or the start of one) to a spreadsheet.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
QUOTE = "'"
# Where a spreadsheet may start a cell: the start of the field, and after a ';', because a
# spreadsheet set up for ';'-separated files (German, French, Portuguese locales) splits our
# ','-separated lines there. Such a place followed by quotes and a formula start gets one quote more.
_CELL_START = re.compile(r"(^|;)('*)(?=[=+\-@\t\r])")
_ADDED_QUOTE = re.compile(r"(^|;)'('*)(?=[=+\-@\t\r])")  # exactly what `neutralise` adds


def neutralise(text: str) -> str:
    """Text a spreadsheet will not run: = + - @ tab or CR starting it, or following a ';', gets a ' before."""
    return _CELL_START.sub(lambda m: m[1] + m[2] + QUOTE, text)


def restore(text: str) -> str:
    """The text `neutralise` was given: one ' less wherever it added one."""
    return _ADDED_QUOTE.sub(lambda m: m[1] + m[2], text)


def csv_text(value: Any, raw: bool = False) -> str:
    """A value as the text of a CSV cell: None empty, numbers as written, text neutralised unless raw.

    value is a number or text already (each writer turns dates, lists and booleans into text its own
    way first); bool is text here (`true`), not a number.
    """
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value, "f")  # every digit, never an exponent (str() writes 1E-7)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return text if raw else neutralise(text)


def csv_field(text: str) -> str:
    """One field of a CSV line, quoted as RFC 4180 says when it holds , " CR or LF."""
    # By hand: Python 3.11's csv module leaves a lone CR unquoted when lines end in LF, and a reader
    # then splits the row there.
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_lines(header: Iterable[str], rows: Iterable[Iterable[Any]], raw: bool = False) -> str:
    """A whole CSV: the header, then the rows, each cell through csv_text; lines end in LF."""
    lines = [",".join(csv_field(csv_text(name, raw)) for name in header)]
    lines += [",".join(csv_field(csv_text(value, raw)) for value in row) for row in rows]
    return "".join(line + "\n" for line in lines)
