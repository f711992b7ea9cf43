"""A source's lost reasons mapped to the workspace's list (`lost_reasons:` in a rules file or preset).

Matching ignores case and runs of spaces: "Too  expensive" and "too expensive" are one reason.
A reason the mapping does not name, and that is not already one of the workspace's, goes to the
mapping's `default:` when it has one; otherwise it is counted, and the import is refused once for
all rows, naming each such reason and the line to add to the rules file.
"""

from __future__ import annotations

import json
from typing import Any

from pipecli.core.errors import InvalidValue
from pipecli.core.importing.folding import folded

DEFAULT_KEY = "default"  # in `lost_reasons:`, where every reason the mapping does not name goes
NAMED = 10  # unmapped reasons named in the message, the most frequent first; the rest are counted


def parse_lost_reasons(value: Any, shown: str) -> tuple[dict[str, str], str | None]:
    """`lost_reasons:` of a rules file: ({source reason key: target}, the default or None)."""
    if value is None:
        return {}, None
    if not isinstance(value, dict):
        raise InvalidValue(f"{shown}: 'lost_reasons' must be a mapping: the file's reason: the workspace's "
                           f"(e.g. lost_reasons: {{\"Too expensive\": price, {DEFAULT_KEY}: no decision}})")
    mapping: dict[str, str] = {}
    default = None
    for source, target in value.items():
        if not isinstance(target, (str, int)) or isinstance(target, bool) or not str(target).strip():
            raise InvalidValue(f"{shown}: lost_reasons: '{source}' must map to one of the workspace's lost reasons")
        target = " ".join(str(target).split())
        if source is not None and folded(source) == DEFAULT_KEY:
            default = target
        elif source is not None and folded(source):
            mapping[folded(source)] = target
    return mapping, default


class LostReasons:
    """Turns each lost row's reason into one of the workspace's, remembering the ones it cannot."""

    def __init__(self, mapping: dict[str, str], default: str | None, allowed: tuple[str, ...],
                 *, rules_file: bool = False):
        self.mapping = mapping
        self.default = default
        self.allowed = {folded(r): r for r in allowed}  # empty: the workspace takes any reason
        self.rules_file = rules_file
        # folded reason -> (the reason as written, where it was mapped to if it was, its rows)
        self.unmapped: dict[str, tuple[str, str, list[int]]] = {}

    def resolve(self, reason: str, row: int) -> str | None:
        """The workspace's reason for a source's; None when there is none (remembered for problem())."""
        key = folded(reason)
        target = self.mapping.get(key)
        if target is None and (not self.allowed or key in self.allowed):
            target = reason
        by_default = target is None and self.default is not None
        if by_default:
            target = self.default
        if target is None:
            self._remember(reason, "", row)
            return None
        if not self.allowed:
            return target
        if folded(target) not in self.allowed:
            # mapped, but to a reason this workspace does not have
            how = f" (mapped to '{target}' by {DEFAULT_KEY}:)" if by_default else f" (mapped to '{target}')"
            self._remember(reason, how, row)
            return None
        return self.allowed[folded(target)]  # the workspace's own spelling

    def _remember(self, reason: str, how: str, row: int) -> None:
        _, _, rows = self.unmapped.setdefault(folded(reason), (" ".join(reason.split()), how, []))
        rows.append(row)

    def problem(self) -> str | None:
        """One sentence for every reason that stops the import, or None."""
        if not self.unmapped:
            return None
        listed = ", ".join(self.allowed.values())
        found = sorted(self.unmapped.values(), key=lambda item: (-len(item[2]), item[0].casefold()))
        named = found[:NAMED]  # the most frequent: a file of 10,000 free-text reasons made a 750 kB line
        said = []
        if len(found) > NAMED:
            said.append(f"{sum(len(rows) for _, _, rows in found)} rows have {len(found)} lost reasons")
        for shown, how, rows in named:
            count = f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
            said.append(f"{count} {'have' if len(rows) != 1 else 'has'} lost reason {_quoted(shown)}{how}")
        if len(found) > NAMED:
            said.append(f"and {len(found) - NAMED} more")
        entries = ", ".join(f"{_quoted(shown)}: <reason>" for shown, _, _ in named)
        where = "to the rules file" if self.rules_file else "to a rules file (--rules)"
        return (f"{'; '.join(said)}, which {'is' if len(found) == 1 else 'are'} not in this workspace's list "
                f"({listed}): add  lost_reasons: {{{entries}}}  {where}, or {DEFAULT_KEY}: <reason> "
                "for every reason it does not name")


def _quoted(text: str) -> str:
    """A reason as a YAML key the user can paste: double-quoted, escapes and all."""
    return json.dumps(text, ensure_ascii=False)
