"""Bytes as UTF-8 text, and the line a byte is on: where every file's "not UTF-8" error points.

The one place that turns a byte offset into a line, so that a deal file, pipelines.yaml at a
commit, a CSV to import and the YAML reader's own errors all count lines alike.
"""

from __future__ import annotations

from pipecli.core.errors import ParseError


def line_at(raw: bytes, offset: int) -> int:
    """The 1-based line of the byte at offset in raw."""
    return raw.count(b"\n", 0, offset) + 1


def error_line(error: UnicodeDecodeError) -> int:
    """The 1-based line of the first byte that did not decode.

    Counted in the bytes the codec decoded (error.object), not the caller's: utf-8-sig has dropped
    the BOM from them, and error.start counts from there.
    """
    return line_at(error.object, error.start)


def decode(raw: bytes, path: str, *, drop_bom: bool = False) -> str:
    """raw as UTF-8 text, a leading BOM dropped if drop_bom; ParseError(path, line, ...) if it is not."""
    try:
        return raw.decode("utf-8-sig" if drop_bom else "utf-8")
    except UnicodeDecodeError as error:
        raise ParseError(path, error_line(error), "not UTF-8 text") from None
