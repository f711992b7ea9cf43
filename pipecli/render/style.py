"""Terminal colour, used only on a terminal and never when NO_COLOR is set."""

from __future__ import annotations

import functools
import os
import sys
import unicodedata
from typing import TextIO

_CODES = {"red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35, "cyan": 36, "dim": 2, "bold": 1}


def colour_wanted(stream: TextIO | None = None) -> bool:
    """True when output goes to a terminal and NO_COLOR (https://no-color.org) is not set to a value."""
    if os.environ.get("NO_COLOR"):
        return False
    stream = stream or sys.stdout
    return hasattr(stream, "isatty") and stream.isatty()


def printable(text: str, keep: str = "") -> str:
    """text as it may reach a terminal: control characters as spaces, invisible ones as \\u escapes; but those in keep.

    A deal file may come from anyone through git: an escape sequence in a title must not reach the
    terminal and repaint it (ESC, the C1 controls like U+009B CSI: shown as spaces). A character the
    terminal shows as nothing (zero-width spaces and joiners, bidi controls, U+2028/U+2029, a BOM: the
    format characters and line and paragraph separators) is shown as its escape, `\\u200b`, so
    "Acme\\u200bCorp" cannot pass for "AcmeCorp" and a bidi override cannot show one name and hold another.
    """
    if text.isprintable():  # most text: no control (Cc), format (Cf) or separator (Zl, Zp) character
        return text
    return _shown_by_character(text, keep)


def _shown_by_character(text: str, keep: str) -> str:
    return "".join(c if c in keep else _shown(c) for c in text)


@functools.cache  # few distinct characters, met again and again
def _shown(char: str) -> str:
    category = unicodedata.category(char)
    if category == "Cc":
        return " "
    if category in INVISIBLE_CATEGORIES:
        return escaped(char)
    return char  # a space other than U+0020 (Zs) and the unassigned or private ones are shown as they are


# Format characters (zero-width, bidi, BOM, soft hyphen, tags), line and paragraph separators, and
# lone surrogates (which a UTF-8 terminal cannot even be sent).
INVISIBLE_CATEGORIES = frozenset(("Cf", "Zl", "Zp", "Cs"))


def escaped(char: str) -> str:
    """char as a \\u escape (\\U and eight digits beyond U+FFFF), as Python and JSON-minded readers write it."""
    code = ord(char)
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def terminal_json(text: str) -> str:
    """JSON text with every character printable() would change written as a JSON escape: the same data.

    json.dumps(ensure_ascii=False) escapes only C0 controls; C1 controls (U+009B starts an escape
    sequence on some terminals), U+2028 and the invisible ones would go out raw. Outside strings JSON
    has only its own punctuation, spaces and line breaks, so every such character is inside a string.
    """
    if text.replace("\n", " ").isprintable():  # most JSON, but for its line breaks
        return text
    return "".join(c if c == "\n" or c.isprintable() else _json_escape(c) for c in text)


def _json_escape(char: str) -> str:
    code = ord(char)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000  # beyond the BMP: a surrogate pair, as JSON writes it
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def for_terminal(text: str, fmt: str = "text") -> str:
    """Command output as it may reach a terminal: JSON with escapes (the data unchanged), the rest printable."""
    if fmt in ("json", "jsonl"):
        return terminal_json(text)
    return printable(text, keep="\n\t")


class Style:
    """Wraps text in ANSI colour codes when enabled, else returns it unchanged."""

    def __init__(self, enabled: bool):
        self.enabled = enabled

    def __call__(self, text: str, *names: str) -> str:
        """text in the named styles; empty names are no style at all."""
        names = tuple(n for n in names if n)
        if not self.enabled or not names:
            return text
        codes = ";".join(str(_CODES[n]) for n in names)
        return f"\033[{codes}m{text}\033[0m"
