"""Terminal colour, used only on a terminal and never when NO_COLOR is set."""

from __future__ import annotations

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
    """text with control characters and bidi controls shown as spaces, but those in keep.

    A deal file may come from anyone through git: an escape sequence in a title must not
    reach the terminal and repaint it.
    """
    if text.isprintable():  # most text: no control character (Cc) and no bidi control (Cf) to blank
        return text
    return _blanked_by_character(text, keep)


def _blanked_by_character(text: str, keep: str) -> str:
    return "".join(" " if (unicodedata.category(c) == "Cc" or c in BIDI_CONTROLS) and c not in keep else c
                   for c in text)


# Characters that reorder what follows them on screen: a title could show one thing and hold another.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


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
