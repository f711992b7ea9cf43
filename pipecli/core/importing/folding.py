"""Names a file writes (stages, lost reasons) matched whatever their case and spacing.

Exports spell one name several ways: HubSpot shows "Qualified To Buy" in one account and "Qualified
to buy" in another, people type "too  expensive". A rules file names each once.
"""

from __future__ import annotations

from typing import Any


def folded(text: Any) -> str:
    """How two spellings of a name are compared: case and runs of spaces aside."""
    return " ".join(str(text).split()).casefold()


class FoldedKeys(dict):
    """A mapping whose keys are found by folded(): get("closed  WON") finds "Closed Won"."""

    def __init__(self, items: dict | None = None):
        super().__init__((folded(key), value) for key, value in (items or {}).items())

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(folded(key), default)

    def __getitem__(self, key: Any) -> Any:
        return super().__getitem__(folded(key))

    def __contains__(self, key: object) -> bool:
        return super().__contains__(folded(key))
