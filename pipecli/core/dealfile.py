"""The deal file format: YAML frontmatter between `---` lines, then free markdown notes.

Writing is diff-friendly: each top-level key of the frontmatter keeps its original text
(and the comments above it) unless its value changed, so saving an unchanged deal gives the
same bytes and changing one field changes only that field's lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from pipecli.core import yamlio
from pipecli.core.errors import ParseError

FENCE = "---"
BOM = "\ufeff"
_CONFLICT_MARKER = re.compile(r"^(<{7}|>{7})( |$)")
# A top-level key starts at column 0 with something that is not a comment, a list item
# (PyYAML writes `key:\n- item` with the items at column 0) or a document marker.
_KEY_START = re.compile(r"^(?![\s#]|- |-$|\.\.\.|---)\S")


@dataclass
class Block:
    """The text of one top-level key: the comments and blank lines above it, then its own lines."""

    trivia: str
    text: str


@dataclass
class DealDocument:
    """A parsed deal file, with what is needed to write it back without needless changes."""

    data: dict
    body: str
    text: str = ""
    newline: str = "\n"
    bom: bool = False
    blocks: dict[str, Block] | None = None
    trailer: str = ""
    key_lines: dict[str, int] = field(default_factory=dict)
    front: str = ""

    def line_of(self, key_path: tuple) -> int | None:
        """The 1-based file line of a field like ('tasks', 2, 'due'), or of its nearest parent."""
        if len(key_path) == 1 and key_path[0] in self.key_lines:
            return self.key_lines[key_path[0]]
        try:
            _, lines = yamlio.load_with_lines(self.front)
        except yamlio.YAMLError:
            return None
        for cut in range(len(key_path), 0, -1):
            if key_path[:cut] in lines:
                return lines[key_path[:cut]] + 1  # the frontmatter starts on line 2
        return 2


def find_conflict_marker(text: str) -> int | None:
    """The 1-based line of the first git conflict marker in text, or None."""
    for number, line in enumerate(text.split("\n"), start=1):
        if _CONFLICT_MARKER.match(line):
            return number
    return None


def parse(text: str, path: str) -> DealDocument:
    """Parse the text of a deal file; raises ParseError with path and line when it cannot."""
    original = text
    bom = text.startswith(BOM)
    if bom:
        text = text[1:]
    first_line_end = text.find("\n")
    newline = "\r\n" if first_line_end > 0 and text[first_line_end - 1] == "\r" else "\n"
    if newline == "\r\n":
        text = text.replace("\r\n", "\n")

    marker = find_conflict_marker(text)
    if marker:
        raise ParseError(path, marker, "unresolved git merge conflict (conflict markers in the file)")

    lines = text.split("\n")
    if lines[0].rstrip() != FENCE:
        raise ParseError(path, 1, "a deal file must start with a '---' line opening its frontmatter")
    try:
        close = next(i for i in range(1, len(lines)) if lines[i].rstrip() == FENCE)
    except StopIteration:
        raise ParseError(path, 1, "the frontmatter is never closed by a '---' line") from None

    front = "\n".join(lines[1:close]) + "\n"
    body = "\n".join(lines[close + 1 :])
    try:
        data = yamlio.load(front)
    except yamlio.YAMLError as error:
        line = yamlio.error_line(error)
        raise ParseError(path, line + 1 if line else 2, yamlio.error_message(error)) from None
    if not isinstance(data, dict):
        raise ParseError(path, 2, "the frontmatter must be a mapping of fields (key: value)")

    doc = DealDocument(data=data, body=body, text=original, newline=newline, bom=bom, front=front)
    _split_blocks(doc, lines[1:close])
    return doc


def _split_blocks(doc: DealDocument, front_lines: list[str]) -> None:
    """Cut the frontmatter into one block per top-level key; leave blocks None if unsure."""
    chunks: list[tuple[str, list[str], int]] = []  # (trivia, own lines, first line number)
    pending_trivia: list[str] = []
    for number, line in enumerate(front_lines, start=2):
        if _KEY_START.match(line):
            chunks.append(("".join(t + "\n" for t in pending_trivia), [line], number))
            pending_trivia = []
        elif not line.strip() or line.startswith("#"):
            pending_trivia.append(line)
        elif chunks:
            chunks[-1][1].extend(pending_trivia + [line])
            pending_trivia = []
        else:
            return  # content before the first key: not a shape we can edit in place
    blocks: dict[str, Block] = {}
    key_lines: dict[str, int] = {}
    for trivia, own, number in chunks:
        text = "".join(line + "\n" for line in own)
        try:
            piece = yamlio.load(text)
        except yamlio.YAMLError:
            return
        if not isinstance(piece, dict) or len(piece) != 1:
            return
        ((key, value),) = piece.items()
        if key in blocks or key not in doc.data or not same(value, doc.data[key]):
            return
        blocks[key] = Block(trivia, text)
        key_lines[key] = number
    if list(blocks) != list(doc.data):
        return
    doc.blocks = blocks
    doc.key_lines = key_lines
    doc.trailer = "".join(t + "\n" for t in pending_trivia)


def render(data: dict, body: str, original: DealDocument | None = None) -> str:
    """The text of a deal file for data and body, reusing original's text wherever it still holds."""
    if original is not None and same(data, original.data) and body == original.body:
        return original.text
    if original is not None and original.blocks is not None:
        parts = []
        for key, value in data.items():
            block = original.blocks.get(key)
            if block is not None and same(value, original.data[key]):
                parts.append(block.trivia + block.text)
            else:
                trivia = block.trivia if block is not None else ""
                parts.append(trivia + yamlio.dump({key: value}))
        front = "".join(parts) + original.trailer
    else:
        front = yamlio.dump(data) if data else ""
    text = f"{FENCE}\n{front}{FENCE}\n{body}"
    if original is not None:
        if original.newline != "\n":
            text = text.replace("\n", original.newline)
        if original.bom:
            text = BOM + text
    return text


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

