"""Names a file writes (stages, lost reasons) matched whatever their case and spacing.

Exports spell one name several ways: HubSpot shows "Qualified To Buy" in one account and "Qualified
to buy" in another, people type "too  expensive". A rules file names each once.
"""

from __future__ import annotations

import unicodedata
from typing import Any


def folded(text: Any) -> str:
    """How two spellings of a name are compared: case, runs of spaces and Unicode composition aside
    (an accent typed as one character or, as macOS writes it, as a letter and a combining mark)."""
    return " ".join(unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", str(text)).casefold()).split())


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
