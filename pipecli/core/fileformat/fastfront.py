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

The shape pipe writes for a deal (one-line values, mappings and lists of them two levels deep, no
blank line or comment) is read by one flat loop (_flat); anything else by the general parser.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sys
from typing import Any, Callable

from pipecli.core.fileformat import yamlio
from pipecli.core.fileformat.yamlio import (BOOL_PATTERN, DATE_PATTERN, FLOAT_PATTERN, INT_PATTERN, MAX_INT_DIGITS,
                                            NULL_PATTERN, TRUE_WORDS)

_NO: Any = object()  # "not sure": the reader declines

# Well below yamlio.MAX_NODES: one line makes at most three values (a mapping starting at its key,
# the key, the value) plus one list per `- `, so 3 * lines + count('- ') bounds the values made.
MAX_LINES = 50_000

# One line: its prefix (indent, then list dashes `- - `), then either `key:` with an optional
# ` value`, or the rest. The caps keep nesting (and so recursion) shallow and keys within libyaml's
# 1024 characters: a line past them falls to the rest, which the parser declines.
_LINE = re.compile(r"( {0,64}+(?:- ){0,8}+)(?:([A-Za-z_][A-Za-z0-9_-]{0,127}+):(?: (.*+))?|(.*+))\n")
_SINGLE = re.compile(r"'((?:[^']|'')*)'")
_DOUBLE = re.compile(r'"((?:[^"\\]|\\.)*)"')
_ESCAPE = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")
_ESCAPES = {
    "0": "\0", "a": "\a", "b": "\b", "t": "\t", "n": "\n", "v": "\v", "f": "\f", "r": "\r", "e": "\x1b",
    " ": " ", '"': '"', "/": "/", "\\": "\\", "N": "\x85", "_": "\xa0", "L": "\u2028", "P": "\u2029",
}
# What cannot start a plain scalar (a space is a second space after `key:` or `-`), except that
# `-`, `?` and `:` can when a character other than a space follows (`-5`, `:x`).
_NOT_PLAIN_FIRST = frozenset("-?:,[]{}#&*!|>'\"%@` ")
_PRINTABLE_ASCII = bytes(range(0x20, 0x7F))
_PADS = tuple(" " * width for width in range(64 + 2 * 8 + 3))  # every column a block can start at
_END = ("<end>", "", "", "")  # the token after the last line: less indented than any, it closes every block


def _date(text: str) -> dt.date | str:
    value = _DATES.get(text)
    if value is None:
        try:
            value = dt.date.fromisoformat(text)
        except ValueError:  # 2026-02-30: yamlio keeps it as text for the validator
            return text
        if len(_DATES) < _MAX_DATES:
            _DATES[text] = value
    return value


# Equal keys, short words and dates come out as one shared object each, across every load: 10,000
# deals hold a million of them (see core/store/cache.py `shared`, which this spares a walk).
SHARED_TEXT = 16  # strings up to this long are interned: kinds, stages, statuses, member ids, currencies
_DATES: dict[str, dt.date] = {}
_MAX_DATES = 100_000  # (a few thousand in a real pipeline; the bound is for hostile text)
_intern = sys.intern


def _float(text: str) -> Any:
    value = float(text)
    return value if math.isfinite(value) else _NO  # yamlio raises on 1.0e+999


def _int(text: str) -> Any:
    return int(text) if len(text) <= MAX_INT_DIGITS else _NO  # longer: declined, for yamlio to refuse


_CONVERT: dict[str, Callable[[str], Any]] = {
    "tag:yaml.org,2002:null": lambda text: None,
    "tag:yaml.org,2002:bool": lambda text: text in TRUE_WORDS,
    "tag:yaml.org,2002:int": _int,
    "tag:yaml.org,2002:float": _float,
    "tag:yaml.org,2002:timestamp": _date,
}
_KNOWN_PATTERNS = {NULL_PATTERN, BOOL_PATTERN, INT_PATTERN, FLOAT_PATTERN, DATE_PATTERN}


def _unknown(text: str) -> Any:
    return _NO  # a resolver this module does not know matched


def _resolvers() -> dict[str, tuple[Callable, tuple]]:
    """yamlio.Loader's implicit resolvers by first character: the match method of one regex trying
    their patterns in order, and the conversion for each group of it (index 0 unused).

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
        converts = tuple(_CONVERT.get(tag, _unknown) if pattern in _KNOWN_PATTERNS else _unknown
                         for tag, pattern in pairs)
        resolvers[first] = (combined.match, (_unknown,) + converts)
    return resolvers


try:
    _RESOLVERS = _resolvers()
    _DECLINE_ALL = bool(yamlio.Loader.yaml_implicit_resolvers.get(None))  # a wildcard resolver: unknown ground
except (ImportError, re.error):  # pragma: no cover - only if yamlio's resolvers change shape
    _RESOLVERS, _DECLINE_ALL = {}, True

# What a scalar's first character says: None for plain text (if the scalar is plain at all), a
# resolver to try, or _INDICATOR for a quote, a flow collection, a block header and the like.
_INDICATOR: Any = ()
_FIRST = {**_RESOLVERS, **{char: _INDICATOR for char in _NOT_PLAIN_FIRST}}


def _scalar(text: str) -> Any:
    """The value of a one-line plain or quoted scalar (after `key: ` or `- `), or _NO.

    _NO also for `[]`, `{}` and block headers, which the parser handles (they are not memoised).
    """
    first = text[0]
    resolver = _FIRST.get(first)
    if resolver is _INDICATOR:
        if first == "'":
            match = _SINGLE.fullmatch(text)
            return match.group(1).replace("''", "'") if match else _NO
        if first == '"':
            return _double(text)
        if first not in "-?:" or len(text) < 2 or text[1] == " ":
            return _NO  # `-5`, `-x`, `:x`, `?x` are plain in a block; `- x`, `: x`, `? x` are not
        resolver = _RESOLVERS.get(first)
    if ": " in text or " #" in text or text[-1] == ":":
        return _NO  # a mapping in a value, a comment after it
    if resolver is not None:
        match = resolver[0](text)
        if match is not None:
            return resolver[1][match.lastindex](text)
    return text


# The keys of pipe's deals, checked once here rather than on first sight in every deal (a key that
# read as something other than text would simply not be in the set).
_TEXT_KEYS = frozenset(key for key in (
    "id", "title", "pipeline", "stage", "value", "currency", "probability", "owner", "account", "contacts",
    "name", "email", "role", "phone", "source", "tags", "created", "expected_close", "closed", "lost_reason",
    "bant", "budget", "authority", "need", "timeline", "history", "date", "by", "flushed", "forced", "tasks",
    "text", "due", "every", "assignee", "status", "snoozed_until", "done", "suggested", "activities", "kind", "time",
    "direction", "summary", "notes", "message_id",
) if _scalar(key) is key)


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


def _indent(prefix: str) -> tuple[int, bool]:
    """The indent of a line from its prefix, and whether list dashes follow it."""
    if prefix is _END[0]:
        return -1, False
    dashes = prefix.lstrip(" ")
    return len(prefix) - len(dashes), bool(dashes)


def load(text: str) -> dict | None:
    """The frontmatter text as yamlio.load reads it, or None when not certain (then use yamlio.load).

    None also when yamlio.load would fail or return something other than a mapping. Never raises.
    """
    try:
        return _load(text)
    except Exception:  # a bug here must cost only the shortcut, never a command
        return None


def _load(text: str) -> dict | None:
    if type(text) is not str or not text.endswith("\n") or _DECLINE_ALL or len(text) > yamlio.MAX_BYTES:
        return None
    if " \n" in text:
        return None  # trailing spaces, or a line of spaces
    count = text.count("\n")
    most = yamlio.MAX_NODES // 2  # read now: the limit is yamlio's, and so are the errors past it
    if count > MAX_LINES or (3 * count + len(text) // 2 > most and 3 * count + text.count("- ") > most):
        return None  # (each `- ` takes two characters: the count is needed only for a long text)
    data = text.encode("utf-8", "surrogatepass")
    if len(data) > yamlio.MAX_BYTES:
        return None
    odd = data.translate(None, _PRINTABLE_ASCII)  # the line feeds, and what is neither them nor printable ASCII
    if len(odd) != count and not odd.replace(b"\n", b"").decode("utf-8", "surrogatepass").isprintable():
        # (printable ASCII bytes never occur inside a multi-byte character: what is left decodes)
        return None  # tab, CR, controls, BOM, NEL, LS/PS, no-break space, bidi controls, lone surrogates...
    tokens = _LINE.findall(text)
    if len(tokens) != count:
        return None  # cannot happen: every line matches
    numbers: list[int] | None = None  # line number of each token, when blank and comment lines are dropped
    if "#" in text or "\n\n" in text or text[0] == "\n":
        numbers = [
            number for number, (prefix, key, _, rest) in enumerate(tokens)
            if key or (rest and rest[0] != "#") or prefix.endswith("- ")
        ]
        tokens = [tokens[number] for number in numbers]
    if not tokens or tokens[0][0] or not tokens[0][1]:
        return None  # nothing (yamlio reads None), or no key at column 0 first
    tokens.append(_END)
    if numbers is None:
        data = _flat(tokens)
        if data is not _NO:
            return data
    return _parse(text, tokens, numbers)


def _flat(tokens: list[tuple]) -> Any:
    """The mapping on the content lines (tokens, no blank or comment line among them), in the shape
    yamlio.dump gives a deal: top-level keys whose values are one-line scalars, mappings of them
    (`bant:`), or lists at column 0 of one-line scalars or of mappings of them (`history:`).
    One flat loop, no call per line: twice as fast as _parse, which handles anything else (_NO).
    """
    result: dict = {}
    memo: dict[str, Any] = {}
    text_keys = _TEXT_KEYS
    first_kind = _FIRST.get
    container: Any = None  # the list or mapping under the last top-level key, while its lines follow
    entry: Any = None  # the list's last item, when a mapping (its further keys are at column 2)
    top_key = ""  # the last top-level key, when its value is not written yet (`key:` alone)
    end = _END[0]
    for prefix, key, value, rest in tokens:
        if prefix is end:
            if top_key:
                result[top_key] = None
            return result
        if top_key:  # `key:` alone: what follows says what its value is
            if prefix == "- ":
                container = result[top_key] = []
            elif prefix == "  " and key:
                container = result[top_key] = {}
            elif prefix:
                return _NO
            else:
                result[top_key] = None
            top_key = ""
        if key:
            if key not in text_keys and _scalar(key) is not key:
                return _NO  # `true:`, `null:`... are no text keys
            if not value:
                if prefix or key in result:
                    return _NO  # a nested block below an entry's key, or a duplicate key
                top_key = _intern(key)
                container = entry = None
                continue
        elif prefix != "- " or not rest:
            return _NO
        else:
            value = rest
        # value: a one-line scalar, written after `key: ` or `- `
        if first_kind(value[0]) is None and ": " not in value and " #" not in value and value[-1] != ":":
            item = _intern(value) if len(value) <= SHARED_TEXT else value  # plain text: the most common value
        else:
            item = memo.get(value, _NO)
            if item is _NO:
                item = _scalar(value)
                if item is not _NO:
                    memo[value] = item
                elif value == "[]":
                    item = []
                elif value == "{}":
                    item = {}
                else:
                    return _NO  # a literal block, a flow collection...
        if not prefix:
            if key in result:
                return _NO
            result[_intern(key)] = item
            container = entry = None
        elif prefix == "- " and type(container) is list:
            if key:
                entry = {_intern(key): item}
                container.append(entry)
            else:
                entry = None
                container.append(item)
        elif prefix == "  ":
            target = entry if entry is not None else container if type(container) is dict else None
            if target is None or key in target:
                return _NO  # a line further in after a scalar item, or a duplicate key
            target[_intern(key)] = item
        else:
            return _NO
    return _NO


def _parse(text: str, tokens: list[tuple], numbers: list[int] | None) -> dict | None:
    """The mapping on the content lines (tokens), or None. numbers holds each token's line number
    when blank and comment lines were dropped (None: token i is line i)."""
    total = len(tokens) - 1  # the last is _END
    lines: list[str] | None = None  # the text's lines, split when a literal block needs them
    memo: dict[str, Any] = {}  # scalar text -> its value; immutable values only, never a list or dict
    text_keys = set(_TEXT_KEYS)  # keys known to read as text
    first_kind = _FIRST.get

    def special(written: str, position: int, column: int) -> tuple[Any, int]:
        """An empty list or dict, or a literal block, on tokens[position], and the position after it;
        or (_NO, -1) for anything else."""
        nonlocal lines
        if written == "[]":
            return [], position + 1  # a new one each time, never memoised
        if written == "{}":
            return {}, position + 1
        if written[0] != "|":
            return _NO, -1
        if lines is None:
            lines = text.split("\n")
            lines.pop()
        number = numbers[position] if numbers is not None else position
        item, end = _block(written, number, column, lines)
        if end < 0 or numbers is None:
            return item, end
        position += 1
        while position < total and numbers[position] < end:
            position += 1
        return item, position

    def written(value: str, position: int, column: int) -> tuple[Any, int]:
        """A value on its key's or dash's line that is not plain text (a number, a date, quoted text...),
        memoised, and the position after it; or (_NO, -1)."""
        item = memo.get(value, _NO)
        if item is not _NO:
            return item, position + 1
        item = _scalar(value)
        if item is not _NO:
            memo[value] = item
            return item, position + 1
        return special(value, position, column)

    def mapping(position: int, column: int) -> tuple[Any, int]:
        """The block mapping whose first key is on tokens[position] at column, and the position after it.

        The first key may follow list dashes; the others are alone on their line at column.
        """
        pad = _PADS[column]
        result: dict = {}
        _, key, value, _ = tokens[position]
        while True:
            if key in result:
                return _NO, -1  # yamlio refuses duplicate keys
            if key not in text_keys:
                if _scalar(key) is not key:
                    return _NO, -1  # `true`, `null`... are no text keys
                text_keys.add(key)
            if value:
                if first_kind(value[0]) is None and ": " not in value and " #" not in value and value[-1] != ":":
                    item = _intern(value) if len(value) <= SHARED_TEXT else value  # plain text: the most
                    # common value, worth its own path
                    position += 1
                else:
                    item, position = written(value, position, column)
                    if position < 0:
                        return _NO, -1
            else:
                position += 1
                item = None  # unless a block follows: a list at this indent or more, a mapping further in
                prefix, nested_key, _, _ = tokens[position]
                width, dashes = _indent(prefix)
                if width > column or (width == column and dashes):
                    if dashes:
                        item, position = sequence(position, width)
                    elif nested_key:
                        item, position = mapping(position, width)
                    else:
                        return _NO, -1  # a scalar on the next line
                    if position < 0:
                        return _NO, -1
            result[_intern(key)] = item
            prefix, key, value, _ = tokens[position]
            if prefix != pad or not key:
                width, _ = _indent(prefix)
                return (result, position) if width < column else (_NO, -1)

    def sequence(position: int, column: int) -> tuple[Any, int]:
        """The block list whose first dash is at column on tokens[position], and the position after it."""
        item_pad = _PADS[column] + "- "
        content = column + 2
        items: list = []
        prefix, key, _, rest = tokens[position]
        while True:
            if len(prefix) > content:
                item, position = sequence(position, content)  # `- - item`
            elif key:
                item, position = mapping(position, content)
            elif not rest:
                return _NO, -1
            elif first_kind(rest[0]) is None and ": " not in rest and " #" not in rest and rest[-1] != ":":
                item = _intern(rest) if len(rest) <= SHARED_TEXT else rest  # plain text, as in mapping()
                position += 1
            else:
                item, position = written(rest, position, column)
            if position < 0:
                return _NO, -1
            items.append(item)
            prefix, key, _, rest = tokens[position]
            if prefix != item_pad and not prefix.startswith(item_pad):
                # a key after an indentless list is the caller's line, so is a line further out
                width, _ = _indent(prefix)
                return (items, position) if width <= column else (_NO, -1)

    try:
        data, position = mapping(0, 0)
    finally:
        # The three functions above refer to each other through closure cells: a cycle that only the
        # cycle collector frees, which pipe pauses while it reads deals. Emptied cells break it.
        del special, mapping, sequence
    return data if position == total else None
