"""A fast reader for the canonical frontmatter pipe writes: yamlio.load's result, or None when unsure.

yamlio.load (libyaml plus PyYAML's constructor) costs about half a millisecond per deal. This reads
the subset of YAML that yamlio.dump writes, plus the blank lines and full-line comments people add,
line by line with one regex, several times faster. It never guesses: whatever it does not know for
certain (tabs, anchors, tags, flow collections other than [] and {}, multi-line plain or quoted
scalars, folded blocks, trailing comments, odd characters...) makes it return None, and the caller
falls back to yamlio.load, which then parses the text or reports the error.

Accepted, in block style only:
- mappings whose keys are simple words (`[A-Za-z_][A-Za-z0-9_-]*`) that read as text, at any
  consistent indent; `key:` alone is None unless a nested block follows;
- sequences (`- item`), nested ones (`- - a`) and mappings in items (`- key: v`), including
  the indentless form PyYAML writes (`key:\\n- item`);
- one-line plain scalars, resolved by yamlio's own resolvers, `'single'` and `"double"` quoted
  one-line scalars (every YAML escape), exactly `[]` and `{}`, literal blocks `|` and `|-`.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any, Callable

from pipecli.core import yamlio
from pipecli.core.yamlio import _BOOL, _DATE, _FLOAT, _INT, _NULL, _TRUE

_NO: Any = object()  # "not sure": the reader declines

# Well below yamlio.MAX_NODES: one line makes at most three values (a mapping starting at its key,
# the key, the value) plus one list per `- `, so 3 * lines + count('- ') bounds the values made.
MAX_LINES = 50_000
_MAX_VALUES = yamlio.MAX_NODES // 2
_MAX_INT_DIGITS = 1000  # Python refuses to convert more than 4300 digits (ValueError, no YAMLError)

# One line: indent, list dashes (`- - `), then either `key:` with an optional ` value`, or the rest.
# The caps keep nesting (and so recursion) shallow: a deeper line falls to the rest and is declined.
_LINE = re.compile(r"( {0,64})((?:- ){0,8})(?:([A-Za-z_][A-Za-z0-9_-]{0,127}):(?: (.*))?|(.*))\n")
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
_DOUBLE = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r", "e": "\x1b",
    " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
# What cannot start a plain scalar (a space is a second space after `key:` or `-`). A `-` can,
# followed by a letter or digit (`-5`, `-x`); anything else starting with `-` is declined.
_NOT_PLAIN_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@` ")
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))


def _date(text: str) -> dt.date | str:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:  # 2026-02-30: yamlio keeps it as text for the validator
        return text


def _float(text: str) -> Any:
    value = float(text)
    return value if math.isfinite(value) else _NO  # yamlio raises on 1.0e+999


def _int(text: str) -> Any:
    return int(text) if len(text) <= _MAX_INT_DIGITS else _NO


_CONVERT: dict[str, Callable[[str], Any]] = {
    "tag:yaml.org,2002:null": lambda text: None,
    "tag:yaml.org,2002:bool": lambda text: text in _TRUE,
    "tag:yaml.org,2002:int": _int,
    "tag:yaml.org,2002:float": _float,
    "tag:yaml.org,2002:timestamp": _date,
}
_KNOWN_PATTERNS = {_NULL, _BOOL, _INT, _FLOAT, _DATE}


def _resolvers() -> dict[str, tuple[re.Pattern, tuple]]:
    """yamlio.Loader's implicit resolvers by first character: one regex trying its patterns in order,
    and the conversion of each pattern's tag (None for one this module does not know).

    Taken from the loader itself, so that a resolver added there is followed here or, when its tag
    or pattern is unknown, makes every scalar it matches decline.
    """
    table = yamlio.Loader.yaml_implicit_resolvers
    resolvers = {}
    for first, pairs in table.items():
        if not first:
            continue  # an empty plain scalar (`key:`) is handled apart; a wildcard sets _DECLINE_ALL
        pairs = list(pairs) + list(table.get(None, []))
        if any(pattern.groups or pattern.flags != re.UNICODE for _, pattern in pairs):
            raise ImportError("fastfront cannot combine yamlio's resolvers")  # caught below: decline all
        # PyYAML takes the first pattern that matches; an alternation of the same patterns does too.
        combined = re.compile("|".join(f"({pattern.pattern})" for _, pattern in pairs))
        converts = tuple(_CONVERT.get(tag) if pattern in _KNOWN_PATTERNS else None for tag, pattern in pairs)
        resolvers[first] = (combined, converts)
    return resolvers


try:
    _RESOLVERS = _resolvers()
    _DECLINE_ALL = bool(yamlio.Loader.yaml_implicit_resolvers.get(None))  # a wildcard resolver: unknown ground
except (ImportError, re.error):  # pragma: no cover - only if yamlio's resolvers change shape
    _RESOLVERS, _DECLINE_ALL = {}, True


def _scalar(text: str) -> Any:
    """The value of a one-line scalar written after `key: ` or `- ` (not a block), or _NO."""
    first = text[0]
    if first in _NOT_PLAIN_FIRST:
        if first == "'":
            match = _SINGLE.fullmatch(text)
            return match.group(1).replace("''", "'") if match else _NO
        if first == '"':
            return _double(text)
        if text == "[]":
            return []
        if text == "{}":
            return {}
        if first != "-" or len(text) < 2 or not text[1].isalnum():
            return _NO
    if ": " in text or " #" in text or text[-1] == ":":
        return _NO  # a mapping in a value, a comment after it
    resolver = _RESOLVERS.get(first)
    if resolver is not None:
        match = resolver[0].match(text)
        if match is not None:
            convert = resolver[1][match.lastindex - 1]
            return convert(text) if convert is not None else _NO
    return text


def _double(text: str) -> Any:
    """The value of a one-line double-quoted scalar, or _NO."""
    match = _DOUBLE.fullmatch(text)
    if match is None:
        return _NO
    body = match.group(1)
    if "\\" not in body:
        return body
    parts = _ESCAPE.split(body)  # literal, escape, literal, escape, ..., literal
    for index in range(1, len(parts), 2):
        escape = parts[index]
        if len(escape) > 1:
            code = int(escape[1:], 16)
            if 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
                return _NO  # libyaml refuses a surrogate or an out-of-range code
            parts[index] = chr(code)
        elif escape in _ESCAPES:
            parts[index] = _ESCAPES[escape]
        else:
            return _NO
    return "".join(parts)


def _block(header: str, number: int, column: int, lines: list[str]) -> tuple[Any, int]:
    """A literal block (`|` or `|-`) opened on line number, owned by a key or dash at column.

    Returns the text and the number of the first line after the block, or (_NO, -1).
    """
    if header != "|" and header != "|-":
        return _NO, -1  # folded (>), kept (|+) or explicitly indented blocks, or a comment after
    start = number + 1
    if start >= len(lines):
        return _NO, -1
    first = lines[start]
    indent = len(first) - len(first.lstrip(" "))
    if not first or indent <= column:
        return _NO, -1  # an empty block, or one starting with a blank line
    pad = " " * indent
    end = start + 1
    count = len(lines)
    while end < count and (not lines[end] or lines[end].startswith(pad)):
        end += 1
    last = end
    while not lines[last - 1]:
        last -= 1  # trailing blank lines: clipped or stripped alike
    text = "\n".join([line[indent:] for line in lines[start:last]])
    return (text + "\n" if header == "|" else text), end


def load(text: str) -> dict | None:
    """The frontmatter text as yamlio.load reads it, or None when not certain (then use yamlio.load).

    None also when yamlio.load would fail or return something other than a mapping. Never raises.
    """
    try:
        return _load(text)
    except Exception:  # a bug here must cost only the shortcut, never a command
        return None


def _load(text: str) -> dict | None:
    if type(text) is not str or not text.endswith("\n") or _DECLINE_ALL:
        return None
    if len(text) > yamlio.MAX_BYTES or yamlio.utf8_size(text) > yamlio.MAX_BYTES:
        return None
    if " \n" in text:
        return None  # trailing spaces, or a line of spaces
    count = text.count("\n")
    if count > MAX_LINES or 3 * count + text.count("- ") > _MAX_VALUES:
        return None
    lines: list[str] | None = None
    if text.isascii():
        # Only LF and printable ASCII may remain: no tab, CR, DEL or other control character.
        if len(text.encode("ascii").translate(None, _PRINTABLE_ASCII)) != count:
            return None
    else:
        lines = text.split("\n")
        lines.pop()
        if not all(map(str.isprintable, lines)):
            return None  # BOM, NEL, LS/PS, no-break spaces, bidi controls, C1 controls, lone surrogates...
    tokens = _LINE.findall(text)
    if len(tokens) != count:
        return None  # cannot happen: every line matches
    numbers: list[int] | None = None  # line number of each token, when blank and comment lines are dropped
    if "#" in text or "\n\n" in text or text[0] == "\n":
        numbers = [
            number for number, (_, dashes, key, _, rest) in enumerate(tokens)
            if key or dashes or (rest and rest[0] != "#")
        ]
        tokens = [tokens[number] for number in numbers]
    if not tokens:
        return None  # yamlio reads None: not a mapping
    indent, dashes, key, _, _ = tokens[0]
    if indent or dashes or not key:
        return None
    return _Parse(text, tokens, numbers, lines).document()


class _Parse:
    """One parse of a frontmatter's lines: the recursive readers share the lines and a memo."""

    def __init__(self, text: str, tokens: list[tuple], numbers: list[int] | None, lines: list[str] | None) -> None:
        self.text = text
        self.tokens = tokens
        self.numbers = numbers
        self.lines = lines

    def document(self) -> dict | None:
        tokens = self.tokens
        total = len(tokens)
        memo: dict[str, Any] = {}  # scalar text -> its value; scalars only, never a list or dict
        text_keys: set[str] = set()  # keys known to read as text

        def value_of(text: str, position: int, column: int) -> tuple[Any, int]:
            """The value after `key: ` or `- ` on tokens[position] and the position after it, or (_NO, -1)."""
            item = memo.get(text, _NO)
            if item is not _NO:
                return item, position + 1
            first = text[0]
            if first == "|":
                number = self.numbers[position] if self.numbers is not None else position
                if self.lines is None:
                    self.lines = self.text.split("\n")
                    self.lines.pop()
                item, end = _block(text, number, column, self.lines)
                if end < 0:
                    return _NO, -1
                position += 1
                if self.numbers is None:
                    return item, end
                while position < total and self.numbers[position] < end:
                    position += 1
                return item, position
            item = _scalar(text)
            if item is _NO:
                return _NO, -1
            if first != "[" and first != "{":
                memo[text] = item  # a list or dict must be a new one each time
            return item, position + 1

        def mapping(position: int, column: int) -> tuple[Any, int]:
            """The block mapping at column whose first key is on tokens[position]: (dict, next position)."""
            result: dict = {}
            while True:
                _, _, key, value, _ = tokens[position]
                if key in result:
                    return _NO, -1  # yamlio refuses duplicate keys
                if key not in text_keys:
                    if _scalar(key) is not key:
                        return _NO, -1  # `true`, `null`... are no text keys
                    text_keys.add(key)
                if value:
                    item, position = value_of(value, position, column)
                    if position < 0:
                        return _NO, -1
                else:
                    position += 1
                    item = None
                    if position < total:
                        indent, dashes, nested_key, _, _ = tokens[position]
                        width = len(indent)
                        if width > column or (width == column and dashes):
                            if dashes:
                                item, position = sequence(position, width, 0)
                            elif nested_key:
                                item, position = mapping(position, width)
                            else:
                                return _NO, -1  # a scalar on the next line
                            if position < 0:
                                return _NO, -1
                result[key] = item
                if position == total:
                    return result, position
                indent, dashes, key, _, _ = tokens[position]
                width = len(indent)
                if width < column:
                    return result, position
                if width > column or dashes or not key:
                    return _NO, -1

        def sequence(position: int, column: int, depth: int) -> tuple[Any, int]:
            """The block list at column whose first dash is dash number depth + 1 on tokens[position]."""
            items: list = []
            while True:
                _, dashes, key, _, rest = tokens[position]
                depth += 2
                if len(dashes) > depth:
                    item, position = sequence(position, column + 2, depth)
                elif key:
                    item, position = mapping(position, column + 2)
                elif rest:
                    item, position = value_of(rest, position, column)
                else:
                    return _NO, -1
                if position < 0:
                    return _NO, -1
                items.append(item)
                if position == total:
                    return items, position
                indent, dashes, _, _, _ = tokens[position]
                width = len(indent)
                if width > column:
                    return _NO, -1
                if width < column or not dashes:
                    return items, position  # the caller's line: a key after an indentless list, or an error
                depth = 0

        data, position = mapping(0, 0)
        return data if position == total else None
