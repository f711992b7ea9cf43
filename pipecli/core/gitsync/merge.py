"""Three-way merge of one deal file, field by field: what git's merge driver for deals/*.md runs.

A line merge of YAML frontmatter conflicts on every pair of appended list entries, and can
silently produce a duplicate key. Here the three versions are parsed and merged as data:
- a field changed on one side only takes that side's value;
- lists of entries (history, tasks, activities, contacts, tags...) merge as the union of both
  sides by each entry's identity (a task's or interaction's id, stored or derived from its
  content; a contact's email), each entry's own fields merged the same way, new entries placed
  in date order;
- the notes body merges line by line, as git would;
- a stage change (stage, pipeline, the closed date, the lost reason and the history entries it
  appends) is one unit: when both sides changed it to different ends (one won, one lost; both won
  on different dates), the whole unit is one conflict, each side's unit whole, so that keeping
  either side leaves the deal consistent;
- comments (`# ...` lines, and after a value) stay where each side wrote them: one added or
  changed on one side is carried onto the merge, next to the line it was written against; both
  sides changing the same comment keep both, ours first (a comment is no field to conflict on);
- one value changed to two different values is a conflict. The file is then written twice in
  memory, once with our value and once with theirs, and the lines that differ are wrapped in
  git's conflict markers, so the conflict is as small as it can be, readable, and found by the
  parser (and so by `pipe check`) with its line.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pipecli.core.errors import ParseError
from pipecli.core.fileformat import dealfile
from pipecli.core.model.deal import TASK_ORDER
from pipecli.core.model.entryids import ENTRY_FIELDS, entry_ids
from pipecli.core.model.schema import FIELD_ORDER

MISSING = object()  # a key or entry absent on one side
MARKER_SIZE = 7

# merge_lines(base, ours, theirs) -> (merged text, number of conflicts), as `git merge-file` does.
LineMerge = Callable[[str, str, str], tuple[str, int]]


@dataclass
class MergeResult:
    text: str
    conflicts: list[str] = field(default_factory=list)  # where, as 'value' or 'tasks[k3j9aa].due'
    fallback: str | None = None  # why the file was merged as plain lines instead, if it was

    @property
    def clean(self) -> bool:
        return not self.conflicts


def merge_deal(base: str, ours: str, theirs: str, path: str, merge_lines: LineMerge,
               labels: tuple[str, str] = ("ours", "theirs")) -> MergeResult:
    """Merge three versions of a deal file's text; base is '' when both sides added the file."""
    if ours == theirs:
        return MergeResult(ours)
    if base == ours:
        return MergeResult(theirs)
    if base == theirs:
        return MergeResult(ours)
    if not base:
        # Added on both sides with different content: two deals that took one id, or one deal
        # imported twice. Merging them as one would silently join two deals, so it is a conflict.
        text, _ = merge_lines("", ours, theirs)
        return MergeResult(text, ["the whole file (added on both sides)"], "added on both sides")
    try:
        documents = [dealfile.parse(text, path) for text in (base, ours, theirs)]
    except ParseError as error:
        text, count = merge_lines(base, ours, theirs)
        return MergeResult(text, [f"{count} line conflict(s)"] if count else [], f"not mergeable as data ({error})")
    base_doc, our_doc, their_doc = documents

    merger = _Merger(str(base_doc.data.get("id") or our_doc.data.get("id") or ""))
    unit = _stage_change_conflict(base_doc.data, our_doc.data, their_doc.data)
    if unit:
        merger.whole = {key: (our_doc.data.get(key, MISSING), their_doc.data.get(key, MISSING)) for key in STAGE_CHANGE}
        merger.conflicts.append(f"the stage change ({', '.join(unit)})")
        merger.field_conflicts += 1
    our_data, their_data = merger.mapping(base_doc.data, our_doc.data, their_doc.data, (), FIELD_ORDER)
    body, body_conflicts = _merge_notes(base_doc.body, our_doc.body, their_doc.body, merge_lines)
    if body_conflicts:
        merger.conflicts.append(f"notes ({body_conflicts} place{'s' if body_conflicts > 1 else ''})")
    sides = (base_doc, our_doc, their_doc)
    our_text = _with_comments(dealfile.render(our_data, body, our_doc), *sides)
    if not merger.field_conflicts:
        return MergeResult(our_text, merger.conflicts)
    their_text = _with_comments(dealfile.render(their_data, body, our_doc), *sides)
    spans = (_span(our_text, STAGE_CHANGE), _span(their_text, STAGE_CHANGE)) if unit else None
    return MergeResult(_mark_differences(our_text, their_text, labels, spans), merger.conflicts)


@dataclass
class _Line:
    """A frontmatter line that holds data, with the comment and blank lines just above it and its own comment."""

    data: str  # the line without its comment, CR or trailing blanks: what matches it across versions
    above: list[str]
    comment: str | None
    raw: str


_FRONT_END = _Line("\0", [], None, "")  # stands for the end of the frontmatter, so that trailing comments have a line


def _split_comment(line: str) -> tuple[str, str | None]:
    """(the line without its comment, the comment from its '#'), for a line of YAML; quotes respected."""
    text = line.rstrip("\r")
    if "#" not in text:  # most lines: no comment to look for, quotes or not
        return text.rstrip(), None
    quote = None
    i = 0
    while i < len(text):
        ch = text[i]
        if quote == "'":
            if ch == "'" and text[i + 1:i + 2] == "'":
                i += 1
            elif ch == "'":
                quote = None
        elif quote == '"':
            if ch == "\\":
                i += 1
            elif ch == '"':
                quote = None
        elif ch in "'\"" and (i == 0 or text[i - 1] in " \t[{,"):
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip(), text[i:]
        i += 1
    return text.rstrip(), None


def _lines(front_lines: list[str]) -> list[_Line]:
    """The data lines of a frontmatter, each with its comments; the last one stands for the end (_FRONT_END)."""
    result: list[_Line] = []
    above: list[str] = []
    for raw in front_lines:
        data, comment = _split_comment(raw)
        if not data.strip():
            above.append(raw)
        else:
            result.append(_Line(data, above, comment, raw))
            above = []
    result.append(_Line(_FRONT_END.data, above, None, ""))
    return result


def _pairs(a: list[_Line], b: list[_Line]) -> dict[int, int]:
    """Index in a -> index in b of the data lines that match."""
    matcher = difflib.SequenceMatcher(None, [x.data for x in a], [x.data for x in b], autojunk=False)
    return {block.a + k: block.b + k for block in matcher.get_matching_blocks() for k in range(block.size)}


def _both(base: list[str], mine: list[str], other: list[str]) -> list[str]:
    """A three-way merge of comment lines: one side's change wins; both changed keeps both, mine first."""
    if other == base or other == mine:
        return mine
    if mine == base:
        return other
    return mine + [line for line in other if line not in mine]


def _carry_comments(text: list[_Line], base: list[_Line], side: list[_Line]) -> None:
    """Carry the comments side added, changed or removed against base onto text (in place)."""
    to_base, to_text = _pairs(side, base), _pairs(side, text)
    last = -1  # the text line of the last side line found there
    for k, line in enumerate(side):
        old = base[to_base[k]] if k in to_base else None
        old_above, old_comment = (old.above, old.comment) if old else ([], None)
        if k not in to_text:
            # The line is no longer in text (the other side changed it): its new comments go above
            # the line now in its place, so a comment on a value stays next to that value.
            added = [a for a in line.above if a not in old_above]
            if line.comment and line.comment != old_comment:
                ending = "\r" if line.raw.endswith("\r") else ""
                added.append(line.data[:len(line.data) - len(line.data.lstrip())] + line.comment + ending)
            place = text[min(last + 1, len(text) - 1)]
            place.above = place.above + added
            continue
        last = to_text[k]
        target = text[last]
        if line.above != old_above:
            target.above = _both(old_above, target.above, line.above)
        if line.comment != old_comment:
            ending = "\r" if target.raw.endswith("\r") else ""
            if target.comment in (old_comment, line.comment):
                target.comment = line.comment
                target.raw = (line.raw.rstrip("\r") if line.comment else target.data) + ending
            elif line.comment:  # both changed it: theirs goes above the line, ours stays on it
                indent = target.data[:len(target.data) - len(target.data.lstrip())]
                target.above = target.above + [indent + line.comment + ending]


def _comments(lines: list[_Line]) -> list:
    return [(line.above, line.comment) for line in lines]


def _with_comments(text: str, base: dealfile.DealDocument, ours: dealfile.DealDocument,
                   theirs: dealfile.DealDocument) -> str:
    """text, a merge rendered from data, with the comments of both sides: each side's changes to them
    carried over, as long as the result still reads as the same data (else without that side's)."""
    try:
        merged = dealfile.parse(text, "")
    except ParseError:
        return text
    base_lines = _lines(base.front_lines)
    for side in (ours, theirs):
        side_lines = _lines(side.front_lines)
        if _comments(side_lines) == _comments(base_lines):
            continue
        lines = _lines(merged.front_lines)
        _carry_comments(lines, base_lines, side_lines)
        front = [row for line in lines for row in line.above + ([line.raw] if line.data != _FRONT_END.data else [])]
        parts = text.split("\n")
        candidate = "\n".join(parts[:1] + front + parts[1 + len(merged.front_lines):])
        try:
            kept = dealfile.parse(candidate, "")
        except ParseError:
            continue
        if dealfile.same(kept.data, merged.data):
            text, merged = candidate, kept
    return text


def _merge_notes(base: str, ours: str, theirs: str, merge_lines: LineMerge) -> tuple[str, int]:
    """The notes merged line by line; without a line merge (a process) when one side left them alone."""
    if ours == theirs or base == theirs:
        return ours, 0
    if base == ours:
        return theirs, 0
    return merge_lines(base, ours, theirs)


class _Merger:
    """Merges parsed values three ways, giving (our resolution, their resolution): equal unless in conflict."""

    def __init__(self, deal_id: str = ""):
        self.conflicts: list[str] = []
        self.field_conflicts = 0
        self.whole: dict[str, tuple[Any, Any]] = {}  # top-level keys taken whole from each side (a unit in conflict)
        self.deal_id = deal_id  # for the ids of tasks and interactions that have none stored

    def conflict(self, where: tuple) -> None:
        self.conflicts.append(_where(where))
        self.field_conflicts += 1

    def value(self, base: Any, ours: Any, theirs: Any, where: tuple) -> tuple[Any, Any]:
        if _same(ours, theirs):
            return ours, ours
        if _same(base, ours):
            return theirs, theirs
        if _same(base, theirs):
            return ours, ours
        if isinstance(ours, dict) and isinstance(theirs, dict) and isinstance(base, (dict, type(MISSING))):
            order = TASK_ORDER if len(where) == 2 and where[0] == "tasks" else ()
            return self.mapping(base if isinstance(base, dict) else {}, ours, theirs, where, order)
        if isinstance(ours, list) and isinstance(theirs, list) and (base is MISSING or isinstance(base, list)):
            return self.entries(base if isinstance(base, list) else [], ours, theirs, where)
        if where and where[-1] == "notes" and (appended := _both_appended(base, ours, theirs)) is not None:
            return appended, appended
        self.conflict(where)
        return ours, theirs

    def mapping(self, base: dict, ours: dict, theirs: dict, where: tuple, order: tuple) -> tuple[dict, dict]:
        """Key by key, in our key order; a key only theirs has goes to its usual place (order)."""
        keys = list(ours) + [k for k in theirs if k not in ours] + [k for k in base if k not in ours and k not in theirs]
        mine: dict = {}
        yours: dict = {}
        for key in keys:
            if not where and key in self.whole:
                a, b = self.whole[key]
            else:
                a, b = self.value(base.get(key, MISSING), ours.get(key, MISSING), theirs.get(key, MISSING), where + (key,))
            if a is not MISSING:
                mine = dealfile.insert_key(mine, key, a, order) if key not in ours else {**mine, key: a}
            if b is not MISSING:
                yours = dealfile.insert_key(yours, key, b, order) if key not in ours else {**yours, key: b}
        return mine, yours

    def entries(self, base: list, ours: list, theirs: list, where: tuple) -> tuple[list, list]:
        """The union of both sides' entries by identity; each entry merged; theirs' new ones placed by date."""
        field_name = where[-1] if where and isinstance(where[-1], str) else ""
        # A task or interaction without an id is known by the id derived from its content, which
        # is what a clone stores when it first writes or changes it: stored and derived then match.
        deal_id = self.deal_id if where == (field_name,) and field_name in ENTRY_FIELDS else None
        base_by, our_by, their_by = (_by_identity(items, field_name, deal_id) for items in (base, ours, theirs))
        mine: list = []
        yours: list = []
        for key, our_item in our_by.items():
            a, b = self.value(base_by.get(key, MISSING), our_item, their_by.get(key, MISSING), where + (_Entry(_label(our_item)),))
            if a is not MISSING:
                mine.append(a)
            if b is not MISSING:
                yours.append(b)
        for key, their_item in their_by.items():
            if key in our_by:
                continue
            a, b = self.value(base_by.get(key, MISSING), MISSING, their_item, where + (_Entry(_label(their_item)),))
            if a is not MISSING:
                _place(mine, a)
            if b is not MISSING:
                _place(yours, b)
        return mine, yours


STAGE_CHANGE = ("pipeline", "stage", "closed", "lost_reason", "history")
_END = ("pipeline", "stage", "closed", "lost_reason")  # where a stage change leaves the deal


def _stage_change_conflict(base: dict, ours: dict, theirs: dict) -> list[str]:
    """The unit's keys that differ, when both sides changed stage (or closed it, or corrected its close:
    a new history entry, another closed date or lost reason) to different ends; else [].

    Both ending alike merges as usual (the history entries of both, in date order); one side alone
    changing it takes that side's unit; editing an old history entry is no stage change.
    """
    def end(data: dict) -> list:
        return [data.get(key, MISSING) for key in _END]

    def moved(data: dict) -> bool:
        appended = len(_list(data.get("history"))) > len(_list(base.get("history")))
        return appended or not all(_same(a, b) for a, b in zip(end(data), end(base)))

    if not (moved(ours) and moved(theirs)) or all(_same(a, b) for a, b in zip(end(ours), end(theirs))):
        return []
    return [key for key in STAGE_CHANGE if not _same(ours.get(key, MISSING), theirs.get(key, MISSING))]


def _list(value: Any) -> list:
    return value if isinstance(value, list) else []


def _both_appended(base: Any, ours: Any, theirs: Any) -> str | None:
    """An interaction's notes that both sides only added paragraphs to (`pipe amend --add-notes`):
    the base, then ours, then theirs. None when either side changed what was there."""
    if not (isinstance(ours, str) and isinstance(theirs, str) and (base is MISSING or isinstance(base, str))):
        return None
    start = "" if base is MISSING else base.rstrip("\n")
    if not start:
        return f"{ours.rstrip(chr(10))}\n\n{theirs.lstrip(chr(10))}"
    our_part, their_part = ours[len(start):], theirs[len(start):]
    if not (ours.startswith(start) and theirs.startswith(start) and our_part.startswith("\n")
            and their_part.startswith("\n")):
        return None
    return start + our_part.rstrip("\n") + "\n\n" + their_part.lstrip("\n")


def _by_identity(items: list, field_name: str, deal_id: str | None = None) -> dict:
    """Entries keyed by what makes them the same entry on both sides; the nth repeat of a key is its own.

    With deal_id, tasks and interactions are keyed by their id, stored or derived (entryids).
    """
    keyed: dict = {}
    seen: dict = {}
    ids = entry_ids(deal_id, field_name, items) if deal_id is not None else None
    for position, item in enumerate(items):
        base_key = f"id={ids[position]}" if ids is not None and isinstance(item, dict) else _identity(item, field_name)
        count = seen.get(base_key, 0)
        seen[base_key] = count + 1
        keyed[(base_key, count)] = item
    return keyed


def _identity(item: Any, field_name: str) -> str:
    if isinstance(item, dict):
        for key in ("id", "message_id", "uid"):
            if isinstance(item.get(key), (str, int)) and not isinstance(item.get(key), bool):
                return f"{key}={item[key]}"
        if field_name == "contacts" and isinstance(item.get("email"), str):
            return "email=" + item["email"].strip().lower()
        if field_name == "activities":
            return _canonical({k: item.get(k) for k in ("date", "time", "kind", "by", "summary")})
        if field_name == "history":
            return _canonical({k: item.get(k) for k in ("date", "time", "stage", "pipeline", "by")})
    return _canonical(item)


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=lambda v: f"{type(v).__name__}:{v}")


class _Entry(str):
    """A list entry's label in a conflict's place, shown in brackets: tasks[k3j9aa].due."""


def _label(item: Any) -> str:
    """An entry's name in a conflict report: its id, or its date and what it is."""
    if isinstance(item, dict):
        if "id" in item:
            return str(item["id"])
        parts = [str(item[k]) for k in ("date", "kind", "stage", "email", "name") if k in item]
        if parts:
            return " ".join(parts)
    return str(item)


def _date_of(item: Any) -> tuple | None:
    if not isinstance(item, dict):
        return None
    date = item.get("date", item.get("created"))
    if date is None:
        return None
    return (str(date), str(item.get("time") or ""))


def _place(items: list, item: Any) -> None:
    """Insert item after the last entry dated on or before it (at the end when undated)."""
    when = _date_of(item)
    if when is None:
        items.append(item)
        return
    position = len(items)
    for index in range(len(items) - 1, -1, -1):
        other = _date_of(items[index])
        if other is not None and other > when:
            position = index
        elif other is not None:
            break
    items.insert(position, item)


def _same(a: Any, b: Any) -> bool:
    if a is MISSING or b is MISSING:
        return a is b
    return dealfile.same(a, b)


def _where(where: tuple) -> str:
    text = ""
    for part in where:
        text += f"[{part}]" if isinstance(part, _Entry) else f"{'.' if text else ''}{part}"
    return text


def _span(text: str, keys: tuple[str, ...]) -> tuple[int, int] | None:
    """The 0-based line range [start, end) of text covering the given top-level keys (None: no layout)."""
    layout = dealfile.parse(text, "").layout
    if layout is None:
        return None
    found = [(layout.key_lines[key] - 1 - block.trivia.count("\n"),
              layout.key_lines[key] - 1 + block.text.count("\n"))
             for key, block in layout.blocks.items() if key in keys]
    if not found:
        return None
    return min(start for start, _ in found), max(end for _, end in found)


def _touches(start: int, end: int, span: tuple[int, int] | None) -> bool:
    if span is None:
        return True
    if start == end:  # lines inserted here: inside the span only strictly
        return span[0] < start < span[1]
    return start < span[1] and end > span[0]


def _mark_differences(ours: str, theirs: str, labels: tuple[str, str],
                      joined: tuple[tuple[int, int] | None, tuple[int, int] | None] | None = None) -> str:
    """ours, with each run of lines that differs from theirs shown as a git conflict.

    joined: a line span in each text whose differences are one conflict, from its first differing
    line to its last (a unit that must be kept whole from one side).
    """
    our_lines = ours.splitlines(keepends=True)
    their_lines = theirs.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, our_lines, their_lines, autojunk=False)
    ops = [tuple(op) for op in matcher.get_opcodes()]
    if joined is not None:
        inside = [n for n, (op, i1, i2, j1, j2) in enumerate(ops)
                  if op != "equal" and (_touches(i1, i2, joined[0]) or _touches(j1, j2, joined[1]))]
        if inside:
            first, last = inside[0], inside[-1]
            one = ("replace", ops[first][1], ops[last][2], ops[first][3], ops[last][4])
            ops = ops[:first] + [one] + ops[last + 1:]
    out: list[str] = []
    for op, i1, i2, j1, j2 in ops:
        if op == "equal":
            out.extend(our_lines[i1:i2])
            continue
        out.append(f"{'<' * MARKER_SIZE} {labels[0]}\n")
        out.extend(_ended(our_lines[i1:i2]))
        out.append(f"{'=' * MARKER_SIZE}\n")
        out.extend(_ended(their_lines[j1:j2]))
        out.append(f"{'>' * MARKER_SIZE} {labels[1]}\n")
    return "".join(out)


def _ended(lines: list[str]) -> list[str]:
    """Lines that each end with a newline, so a marker never joins the last one."""
    return [line if line.endswith("\n") else line + "\n" for line in lines]


@dataclass
class FileMerge:
    """One deal file merged as git's driver does it: the bytes for git, the exit status, the lines for stderr."""

    data: bytes
    status: int  # 0 clean, 1 conflicts marked in data
    messages: list[str]


def merge_file(base: bytes, ours: bytes, theirs: bytes, path: str, merge_lines: LineMerge) -> FileMerge:
    """What the merge driver does with one file's three versions (the driver and `pipe sync`'s merging
    ahead both run this, so both give the same bytes, status and messages); raises PipeError when it cannot."""
    texts = [data.decode("utf-8", "surrogateescape") for data in (base, ours, theirs)]
    result = merge_deal(*texts, path, merge_lines)
    messages = []
    if result.fallback:
        messages.append(f"pipe: warning: {path}: merged line by line: {result.fallback}")
    if result.conflicts:
        messages.append(f"pipe: conflict in {path}: {', '.join(result.conflicts)} (marked in the file: keep one "
                        "side, delete the markers, then 'pipe check')")
    return FileMerge(result.text.encode("utf-8", "surrogateescape"), 1 if result.conflicts else 0, messages)
