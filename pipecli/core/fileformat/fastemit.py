"""A fast writer for the canonical frontmatter pipe writes: yamlio's own output, or None when unsure.

yamlio's canonical writer is PyYAML's pure-Python emitter (events, analysis of every scalar, one
write per token): 18% of an 8,800-deal import's CPU. This writes the same bytes for the shapes
pipe writes, straight into a list of strings. It never guesses: whatever it is not certain to
write as yamlio does makes it return None, and the caller runs yamlio's writer, which then writes
the value or refuses it with its own error. So a value yamlio refuses (a datetime, NaN, a lone
surrogate, a Decimal, a str subclass...) is always declined here.

Written, in block style only:
- a mapping or a list at the root, mappings (keys: text, int, float, true/false) and lists
  (lists and tuples) nested in them, `[]` and `{}` for empty ones;
- one-line scalars: null, true/false, int, finite float, date, and text of printable characters
  (ASCII and the Unicode PyYAML writes raw), plain when PyYAML writes it plain, else in single
  quotes, by PyYAML's own rules (its resolvers, read from yamlio.Dumper, and its analysis of
  indicators and spaces) and yamlio's (YAML 1.2 numbers and conflict markers quoted);
- multi-line text that yamlio writes as a literal block (`|` or `|-`).

Declined: text with a control character, a tab, a BOM, NEL/LS/PS or another character PyYAML
escapes (double quotes), multi-line text yamlio writes quoted, a key that is not one short line,
and any type or value outside the list above.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from pipecli.core.fileformat import yamlio

_STR_TAG = "tag:yaml.org,2002:str"
# PyYAML's implicit resolvers (YAML 1.1), taken from the writer itself: text one of them matches
# would read back as another type, so PyYAML quotes it.
_RESOLVERS = yamlio.Dumper.yaml_implicit_resolvers
_WILDCARD = list(_RESOLVERS.get(None, []))

# Characters PyYAML writes as they are (allow_unicode), outside line breaks: printable ASCII, and
# \xa0-\ud7ff, \ue000-\ufffd, \U00010000-\U0010fffe but for LS, PS (line breaks) and the BOM.
_WRITTEN_RAW = "\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\U00010000-\U0010fffe"
_ONE_LINE = re.compile(f"[{_WRITTEN_RAW}]*+")
_LINES = re.compile(f"[{_WRITTEN_RAW}\n]*+")
# What makes PyYAML's analysis refuse a plain scalar in block context: a leading indicator, a
# leading `-`, `?`, `:` alone or before a space, a document marker, `: ` or a final `:`, ` #`,
# a space at either end.
_NOT_PLAIN = re.compile(r"""\A(?:[ #,\[\]{}&*!|>'"%@`]|[-?:](?: |\Z)|---|\.\.\.)|: | #|:\Z| \Z""")
_FORCED_QUOTES = yamlio.YAML12_NUMBER
_CONFLICT_MARKERS = yamlio.CONFLICT_MARKERS
_MAX_KEY = 100  # PyYAML writes a key of 128 characters or more (tag included) as `? key`
_INT_LIMIT = 10 ** yamlio.MAX_INT_DIGITS
_MEMO: dict[str, str | None] = {}
_MEMO_MAX = 50_000  # stages, kinds, member ids and keys repeat in every deal
_MEMO_LONGEST = 40  # free text (titles, summaries) rarely repeats: not memoised


def dump(data: Any) -> str | None:
    """data as yamlio.dump writes it, or None when unsure (then yamlio.dump writes or refuses it)."""
    out: list[str] = []
    kind = type(data)
    try:
        if kind is dict and data:
            _mapping(data, "", "", out)
        elif (kind is list or kind is tuple) and data:
            _sequence(data, "", "", out)
        else:
            return None  # a scalar or an empty root: yamlio's writer, which pipe never asks for them
    except _Declined:
        return None
    except RecursionError:
        return None
    return "".join(out)


class _Declined(Exception):
    """Raised deep in a value to decline the whole of it."""


def _text(text: str) -> str | None:
    """A one-line str as PyYAML writes it (plain or 'single-quoted'), or None when not one line or unsure."""
    if len(text) <= _MEMO_LONGEST:
        written = _MEMO.get(text, _MISSING)
        if written is not _MISSING:
            return written
        written = _one_line(text)
        if len(_MEMO) < _MEMO_MAX:
            _MEMO[text] = written
        return written
    return _one_line(text)


_MISSING: Any = object()


def _one_line(text: str) -> str | None:
    if _ONE_LINE.fullmatch(text) is None:
        return None
    if (_FORCED_QUOTES.match(text) or text.startswith(_CONFLICT_MARKERS) or _NOT_PLAIN.search(text)
            or not _reads_as_text(text)):
        return "'" + text.replace("'", "''") + "'"
    return text


def _reads_as_text(text: str) -> bool:
    """Whether PyYAML's resolvers read plain text as a str (else it quotes it)."""
    for tag, pattern in _RESOLVERS.get(text[:1], []) + _WILDCARD:
        if pattern.match(text):
            return tag == _STR_TAG
    return True


def _literal(text: str, indent: str, out: list[str]) -> bool:
    """Write multi-line text as yamlio does, a literal block at indent, when it does; else False.

    yamlio asks for a literal block for tidy text (no space or break at either end, no trailing
    space on a line, no CR): PyYAML then writes one unless a character needs escaping.
    """
    core = text[:-1] if text.endswith("\n") else text
    if "\n" not in core or core != core.strip() or "\r" in text or _LINES.fullmatch(text) is None:
        return False
    lines = core.split("\n")
    if any(line != line.rstrip() for line in lines):
        return False
    out.append(" |\n" if core is not text else " |-\n")
    for line in lines:
        out.append(f"{indent}{line}\n" if line else "\n")
    return True


def _scalar(value: Any, key: bool = False) -> str | None:
    """A one-line scalar as PyYAML writes it, or None when it is not one (a literal block, a collection)."""
    kind = type(value)
    if kind is str:
        written = _text(value)
        if key and (written is None or not value or len(value) > _MAX_KEY):
            raise _Declined
        return written
    if kind is bool:
        return "true" if value else "false"
    if kind is int:
        if -_INT_LIMIT < value < _INT_LIMIT:
            written = str(value)
            if not key or len(written) <= _MAX_KEY:
                return written
        raise _Declined
    if kind is float:
        if not math.isfinite(value):
            raise _Declined  # yamlio refuses it
        written = repr(value).lower()
        if "." not in written and "e" in written:
            written = written.replace("e", ".0e", 1)  # as PyYAML's represent_float: 1e17 is 1.0e+17
        return written
    if key:
        raise _Declined  # yamlio refuses a null, a date or a collection as a key
    if kind is dt.date:
        return value.isoformat()
    if value is None:
        return "null"
    return None


def _mapping(data: dict, indent: str, lead: str, out: list[str]) -> None:
    """Write a non-empty mapping whose keys start at indent; lead comes before its first key."""
    inner = indent + "  "
    for key, value in data.items():
        out.append(lead)
        out.append(_scalar(key, key=True))  # type: ignore[arg-type]  (never None: declined)
        lead = indent
        written = _scalar(value)
        if written is not None:
            out.append(f": {written}\n")
            continue
        out.append(":")
        _value(value, indent, inner, out)


def _sequence(items: list | tuple, indent: str, lead: str, out: list[str]) -> None:
    """Write a non-empty list whose dashes are at indent; lead comes before its first dash."""
    inner = indent + "  "
    for item in items:
        out.append(lead)
        lead = indent
        written = _scalar(item)
        if written is not None:
            out.append(f"- {written}\n")
            continue
        out.append("-")
        _value(item, indent, inner, out)


def _value(value: Any, indent: str, inner: str, out: list[str]) -> None:
    """What follows `key:` or `-` for a value that is no one-line scalar: a block, a collection."""
    kind = type(value)
    if kind is str:
        if not _literal(value, inner, out):
            raise _Declined
    elif kind is dict:
        if not value:
            out.append(" {}\n")
        elif out[-1] == "-":  # a mapping in a list item starts on the dash's line
            out.append(" ")
            _mapping(value, inner, "", out)
        else:
            out.append("\n")
            _mapping(value, inner, inner, out)
    elif kind is list or kind is tuple:
        if not value:
            out.append(" []\n")
        elif out[-1] == "-":  # a list in a list item starts on the dash's line
            out.append(" ")
            _sequence(value, inner, "", out)
        else:  # a list in a mapping is indentless: its dashes line up with the key
            out.append("\n")
            _sequence(value, indent, indent, out)
    else:
        raise _Declined
