"""The deal file format: YAML frontmatter between `---` lines, then free markdown notes.

Writing is diff-friendly: each top-level key of the frontmatter keeps its original text
(and the comments above it) unless its value changed, so saving an unchanged deal gives the
same bytes and changing one field changes only that field's lines.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pipecli.core.errors import InvalidValue, ParseError
from pipecli.core.fileformat import fastfront, yamlio

FENCE = "---"
BOM = "\ufeff"
# A line of seven < or >, alone (a CR or more before its LF allowed) or followed by a space.
_CONFLICT_MARKER = re.compile(r"^(?:<{7}|>{7})(?: |\r*$)", re.MULTILINE)
# A top-level key starts at column 0 with something that is not a comment, a list item
# (PyYAML writes `key:\n- item` with the items at column 0) or a document marker.
# A line starting a flow mapping or list (`{a: 1}`) is no key of a block mapping, even when it parses as one.
_KEY_START = re.compile(r"^(?![\s#{\[]|- |-$|\.\.\.|---)\S")
_DOCUMENT_END = re.compile(r"^\.\.\.(\s|$)")


@dataclass
class Block:
    """The text of one top-level key: the comments and blank lines above it, then its own lines."""

    trivia: str
    text: str


@dataclass
class Layout:
    """Where each top-level key of a frontmatter is, as text."""

    blocks: dict[str, Block]
    key_lines: dict[str, int]  # key -> 1-based file line
    trailer: str  # comment and blank lines after the last key


@dataclass
class DealDocument:
    """A parsed deal file, with what is needed to write it back without needless changes.

    Lines are split on LF only and keep any CR, so every byte outside a changed field, from
    the fences' trailing spaces to the notes' mixed line endings, is written back as it was.
    """

    data: dict
    body: str  # the notes with LF line endings, as commands see them
    text: str = ""
    newline: str = "\n"  # what the opening fence line ends with: the style for new lines
    front_lines: list[str] = field(default_factory=list)
    front: str = ""
    head: str = FENCE + "\n"  # the opening fence line as written, BOM included
    close: str = FENCE  # the closing fence line as written, without its LF
    raw_body: str = ""  # everything after the closing fence's LF, byte for byte
    closed_with_newline: bool = True
    shared: bool = False  # whether data's equal keys, short words and dates are shared objects (fastfront)

    @cached_property
    def layout(self) -> Layout | None:
        """The frontmatter cut into one block per top-level key, or None when it cannot be.

        Worked out only when a deal is written or a line is wanted: parsing every key on its
        own costs more than reading the whole file.
        """
        return split_blocks(self.data, self.front_lines)

    def line_of(self, key_path: tuple) -> int:
        """The 1-based file line of a field like ('tasks', 2, 'due'), or of its nearest parent; the
        frontmatter's first line (2) for the deal as a whole, or when no line is known."""
        if not key_path:
            return 2
        if len(key_path) == 1 and self.layout and key_path[0] in self.layout.key_lines:
            return self.layout.key_lines[key_path[0]]
        try:
            _, lines = yamlio.load_with_lines(self.front)
        except yamlio.YAMLError:
            return 2
        for cut in range(len(key_path), 0, -1):
            if key_path[:cut] in lines:
                return lines[key_path[:cut]] + 1  # the frontmatter starts on line 2
        return 2


def find_conflict_marker(text: str) -> int | None:
    """The 1-based line of the first git conflict marker in text, or None."""
    found = _CONFLICT_MARKER.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else None


def parse(text: str, path: str) -> DealDocument:
    """Parse the text of a deal file; raises ParseError with path and line when it cannot."""
    marker = find_conflict_marker(text)
    if marker:
        raise ParseError(path, marker, "unresolved git merge conflict (conflict markers in the file)")

    lines = text.split("\n")
    first = lines[0][1:] if lines[0].startswith(BOM) else lines[0]
    if first.rstrip() != FENCE:
        raise ParseError(path, 1, "a deal file must start with a '---' line opening its frontmatter")
    try:
        # (only a line starting with --- can be the fence: the cheap test first)
        close = next(i for i in range(1, len(lines)) if lines[i].startswith(FENCE) and lines[i].rstrip() == FENCE)
    except StopIteration:
        raise ParseError(path, 1, "the frontmatter is never closed by a '---' line") from None

    front_lines = lines[1:close]
    front = "\n".join(front_lines) + "\n" if front_lines else ""
    size = yamlio.utf8_size(front)
    if size > yamlio.MAX_BYTES:
        raise ParseError(path, 2, f"the frontmatter is {size:,} bytes, over the limit of {yamlio.MAX_BYTES:,} (1 MiB)")
    # What pipe wrote reads in a fifth of the time through fastfront, which gives the YAML loader's
    # own result or declines (anything hand-made it is unsure of, and every error): then the loader.
    data = fastfront.load(front)
    shared = data is not None
    if data is None:
        try:
            data = yamlio.load(front)
        except yamlio.YAMLError as error:
            line = yamlio.error_line(error)
            raise ParseError(path, line + 1 if line else 2, yamlio.error_message(error)) from None
        except ValueError as error:
            # A limit of Python's the loader does not foresee (as the 4,300 digits of an int once
            # were): still this file's error, never a traceback that stops every command.
            raise ParseError(path, 2, f"cannot be read: {str(error)[:200]}") from None
    if not isinstance(data, dict):
        raise ParseError(path, 2, "the frontmatter must be a mapping of fields (key: value)")

    raw_body = "\n".join(lines[close + 1 :])
    doc = DealDocument(
        data=data,
        body=raw_body.replace("\r\n", "\n"),
        text=text,
        newline="\r\n" if lines[0].endswith("\r") else "\n",
        front_lines=front_lines,
        front=front,
        head=lines[0] + "\n",
        close=lines[close],
        raw_body=raw_body,
        closed_with_newline=close + 1 < len(lines),
        shared=shared,
    )
    return doc


def split_blocks(data: dict, front_lines: list[str]) -> Layout | None:
    """Cut the frontmatter into one block per top-level key; None if unsure."""
    if any(BOM in line for line in front_lines):
        return None  # YAML skips a BOM before the first key, and rejects one in front of a later key
    if any(_DOCUMENT_END.match(line) for line in front_lines):
        return None  # a key added after `...` would start a second document
    chunks: list[tuple[str, list[str], int]] = []  # (trivia, own lines, first line number)
    pending_trivia: list[str] = []
    for number, line in enumerate(front_lines, start=2):
        if _KEY_START.match(line.rstrip("\r")):
            chunks.append(("".join(t + "\n" for t in pending_trivia), [line], number))
            pending_trivia = []
        elif not line.strip() or line.startswith("#"):
            pending_trivia.append(line)
        elif chunks:
            chunks[-1][1].extend(pending_trivia + [line])
            pending_trivia = []
        else:
            return None  # content before the first key: not a shape we can edit in place
    blocks: dict[str, Block] = {}
    key_lines: dict[str, int] = {}
    for trivia, own, number in chunks:
        text = "".join(line + "\n" for line in own)
        try:
            piece = yamlio.load(text)
        except yamlio.YAMLError:
            return None
        if not isinstance(piece, dict) or len(piece) != 1:
            return None
        ((key, value),) = piece.items()
        if key in blocks or key not in data or not same(value, data[key]):
            return None
        blocks[key] = Block(trivia, text)
        key_lines[key] = number
    if list(blocks) != list(data):
        return None
    return Layout(blocks, key_lines, "".join(t + "\n" for t in pending_trivia))


def check_writable(data: dict, body: str) -> None:
    """Raises InvalidValue naming the field render would refuse: a value of data (yamlio.unwritable),
    or notes (the body) that are not valid Unicode, which JSON's "\\ud800" gives and UTF-8 cannot hold."""
    yamlio.check_writable(data)
    if not body.isascii():
        try:
            body.encode("utf-8")
        except UnicodeEncodeError:
            raise InvalidValue("cannot write notes: text that is not valid Unicode (a lone surrogate)") from None


def render(data: dict, body: str, original: DealDocument | None = None) -> str:
    """The text of a deal file for data and body, reusing original's text wherever it still holds."""
    if original is None:
        check_writable({}, body)  # the data is checked as it is dumped
        front = yamlio.dump(data) if data else ""
        return f"{FENCE}\n{front}{FENCE}\n{body}"
    if same(data, original.data) and body == original.body:
        return original.text
    # checked whole first: the parts below are dumped one key or list item at a time, where a
    # refusal would name `[0].summary`, not `activities[5].summary`
    check_writable(data, body)

    def fresh(text: str, newline: str = original.newline) -> str:
        """Newly written lines, in the line-ending style of what they replace (else the file's)."""
        return text.replace("\n", newline) if newline != "\n" else text

    layout = original.layout
    if layout is not None:
        parts = []
        for key, value in data.items():
            block = layout.blocks.get(key)
            if block is not None and same(value, original.data[key]):
                parts.append(block.trivia + block.text)
            elif block is not None:
                newline = "\r\n" if block.text.endswith("\r\n") else "\n"
                text = _list_block(key, block.text, original.data[key], value, newline)
                parts.append(block.trivia + (text if text is not None else fresh(yamlio.dump({key: value}), newline)))
            else:
                parts.append(fresh(yamlio.dump({key: value})))
        front = "".join(parts) + layout.trailer
        if not _reads_as(front, data):  # a layout this cutting did not foresee: write it afresh
            front = fresh(yamlio.dump(data)) if data else ""
    else:
        front = fresh(yamlio.dump(data)) if data else ""
    raw_body = original.raw_body if body == original.body else fresh(body)
    after_close = "\n" if original.closed_with_newline or raw_body else ""
    return f"{original.head}{front}{original.close}{after_close}{raw_body}"


def _list_block(key: str, old_text: str, old: Any, new: Any, newline: str) -> str | None:
    """The text of a list key (tasks, history, activities...) whose items changed, keeping the
    lines of every item that did not: an appended entry adds lines, a changed task changes only
    the lines of its changed keys. None when the old text is not one `- ` item per line start
    (at one indentation), or when the result would not read back as the new value.
    """
    if not (isinstance(old, list) and isinstance(new, list) and old and new):
        return None
    lines = old_text.splitlines(keepends=True)
    if len(lines) < 2 or not re.match(rf"{re.escape(str(key))}:\s*(#.*)?$", lines[0].rstrip("\r\n")):
        return None
    first_item = re.match(r"^( *)-( |\r?$)", lines[1])
    if first_item is None:
        return None
    indent = first_item.group(1)
    item_start = re.compile(rf"^{indent}-( |\r?$)")
    chunks: list[str] = []
    for line in lines[1:]:
        if item_start.match(line):
            chunks.append(line)
        else:
            chunks[-1] += line
    if len(chunks) != len(old):
        return None

    def fresh(text: str) -> str:
        text = "".join(indent + line for line in text.splitlines(keepends=True))
        return text.replace("\n", newline) if newline != "\n" else text

    def item_text(item: Any) -> str:
        return fresh(yamlio.dump({key: [item]}).split("\n", 1)[1])

    parts = [lines[0]]
    if len(new) > len(old) and same(new[: len(old)], old):
        # Entries appended (a logged call, a new task): the common case, and no diff is needed.
        parts += chunks + [fresh(yamlio.dump({key: new[len(old):]}).split("\n", 1)[1])]  # one dump for all
        return _read_back("".join(parts), key, new)
    # Pair old and new items as a diff of their canonical texts: equal items keep their text,
    # a changed item in place of an old one keeps the text of its unchanged keys.
    old_keys = [yamlio.dump([item]) for item in old]
    new_keys = [yamlio.dump([item]) for item in new]
    matcher = difflib.SequenceMatcher(None, old_keys, new_keys, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        for offset in range(j2 - j1):
            new_item = new[j1 + offset]
            if tag == "equal" and same(old[i1 + offset], new_item):
                parts.append(chunks[i1 + offset])
            elif tag == "replace" and i1 + offset < i2:
                kept = _changed_item(chunks[i1 + offset], old[i1 + offset], new_item, indent, fresh)
                parts.append(kept if kept is not None else item_text(new_item))
            else:
                parts.append(item_text(new_item))
    return _read_back("".join(parts), key, new)


def _read_back(result: str, key: str, new: list) -> str | None:
    """result, when it reads back as exactly {key: new}; else None (the caller writes the key afresh)."""
    if not result.endswith("\n"):
        return None
    try:
        if not same(yamlio.load(result), {key: new}):
            return None
    except yamlio.YAMLError:
        return None
    return result


def _reads_as(front: str, data: dict) -> bool:
    """Whether a frontmatter assembled from kept and new blocks reads back as data."""
    try:
        return same(yamlio.load(front), data)
    except yamlio.YAMLError:
        return False


_TRIVIA = re.compile(r"^\s*(#.*)?\r?$")


def _changed_item(chunk: str, old: Any, new: Any, indent: str, fresh) -> str | None:
    """The text of a changed mapping item, keeping the lines (and comments) of its unchanged keys.

    chunk is the old item's text (`- key: ...` then `  key: ...` lines at indent); None when the
    item is not such a mapping, and the caller writes the whole item anew.
    """
    if not (isinstance(old, dict) and isinstance(new, dict)):
        return None
    lines = chunk.splitlines(keepends=True)
    trailer: list[str] = []
    while len(lines) > 1 and _TRIVIA.match(lines[-1]):  # comments between items stay put
        trailer.insert(0, lines.pop())
    key_start = re.compile(rf"^{indent}(- |  )(?P<key>[^\s#'\"{{\[&*!|>%@`-][^:#]*?):( |\r?$)")
    blocks: dict[str, list[str]] = {}
    current = None
    for line in lines:
        match = key_start.match(line)
        if match:
            current = match.group("key")
            if current in blocks:
                return None
            blocks[current] = [line[len(indent) + 2:]]  # without the `- ` or `  ` before the key
        elif current is None:
            return None
        else:
            blocks[current].append(line)
    if set(blocks) != {str(k) for k in old}:
        return None
    out = []
    for position, (k, value) in enumerate(new.items()):
        lead = indent + ("- " if position == 0 else "  ")
        if k in old and str(k) in blocks and same(old[k], value):
            text = "".join(blocks[str(k)])
        else:
            first, *rest = fresh(yamlio.dump({k: value})).splitlines(keepends=True)
            text = first[len(indent):] + "".join("  " + line for line in rest)  # its lines sit under the item
        out.append(lead + text)
    return "".join(out) + "".join(trailer)


def same(a: Any, b: Any) -> bool:
    """Deep equality that also tells 1 from 1.0 and True, and a date from a string."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, float) and a != a:  # NaN
        return b != b
    return a == b


def insert_key(data: dict, key: str, value: Any, order: tuple[str, ...]) -> dict:
    """A copy of data with key set: in place if present, else after the keys that precede it in order."""
    if key in data:
        updated = dict(data)
        updated[key] = value
        return updated
    rank = {name: i for i, name in enumerate(order)}
    position = rank.get(key, len(order))
    items = list(data.items())
    index = len(items)
    for i, (existing, _) in enumerate(items):
        if rank.get(existing, len(order)) > position:
            index = i
            break
    items.insert(index, (key, value))
    return dict(items)

