"""Likely duplicates: deals with the same account and a similar title, one rule for add, import and check.

The rule (docs/format.md, "Likely duplicates"): two deals are likely one when
- their accounts are equal once trimmed and case-folded (both without an account counts as equal), and
- their titles are similar: each title is cut into words (case and accents ignored, punctuation dropped) and the
  account's own words are left out (unless nothing would be left); the titles are similar when those words are
  the same set, or one set holds all of the other's, or the words joined read alike (difflib ratio >= 0.8:
  a typo, a plural). Titles whose numbers differ (2026 and 2027, phase 1 and phase 2) are never similar.
Without an account only the same words (in any order) count: a title alone says too little to guess more.
Two deals imported from one system with different ids there (external_id 'hubspot:1' and 'hubspot:2', or two plain
ids from one rules file) are never likely one: the system they came from keeps them apart (an account buying the
same product twice, as in Maven's data, is two deals).
An account with over FUZZY_LIMIT deals in play is held to the same words too: its titles differ by design,
and comparing every pair of a thousand deals took a minute.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from pipecli.core.model.config import Config
from pipecli.core.model.deal import Deal
from pipecli.core.names import first_of

RATIO = 0.8
FUZZY_LIMIT = 100  # deals in play of one account beyond which only the same words count (see above)
_WORD = re.compile(r"\w+")


def account_key(account: str | None) -> str:
    """The account as duplicates compare it: trimmed, case-folded, inner spaces collapsed."""
    return " ".join((account or "").split()).casefold()


def _words(text: str) -> list[str]:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return _WORD.findall("".join(c for c in folded if not unicodedata.combining(c)))


def title_words(title: str, account: str | None) -> tuple[str, ...]:
    """The words of a title that tell it apart from other deals with the account."""
    words = _words(title)
    own = set(_words(account or ""))
    rest = [w for w in words if w not in own]
    return tuple(rest or words)


def similar_titles(a: tuple[str, ...], b: tuple[str, ...], with_account: bool = True) -> bool:
    """Whether two titles' words (title_words) name one deal, by the rule above."""
    set_a, set_b = set(a), set(b)
    if set_a == set_b:
        return True
    if not with_account or not set_a or not set_b:
        return False
    if {w for w in set_a if w.isdigit()} != {w for w in set_b if w.isdigit()}:
        return False
    if set_a <= set_b or set_b <= set_a:
        return True
    matcher = SequenceMatcher(None, " ".join(a), " ".join(b), autojunk=False)
    return matcher.real_quick_ratio() >= RATIO and matcher.quick_ratio() >= RATIO and matcher.ratio() >= RATIO


def in_play(deal: Deal, config: Config) -> bool:
    """A deal a new one could duplicate: in a known stage that is not won or lost (open, or parked)."""
    pipeline = config.pipeline(deal.pipeline)
    stage = pipeline.stage(deal.stage) if pipeline and deal.stage else None
    return stage is not None and not stage.is_closed


SHOWN = 3  # others named in one warning: a title shared by 200 deals is one line, not 200 names


def listed(ids: list[str]) -> str:
    """The first SHOWN ids, and how many more: what a warning about likely duplicates names."""
    return first_of(ids, SHOWN)


def source_key(external_id: object) -> tuple[str, str] | None:
    """The system and the id there of a deal's external_id ('hubspot:101' -> ('hubspot', '101')), None without one."""
    if external_id is None or isinstance(external_id, bool) or not isinstance(external_id, (str, int)):
        return None
    system, colon, rest = str(external_id).rpartition(":")
    return (system, rest) if colon else ("", str(external_id))


def kept_apart(a: tuple[str, str] | None, b: tuple[str, str] | None) -> bool:
    """Whether two deals' source keys say the system they came from holds them as two records."""
    return a is not None and b is not None and a[0] == b[0] and a[1] != b[1]


@dataclass(frozen=True)
class _Entry:
    deal_id: str
    words: tuple[str, ...]
    source: tuple[str, str] | None = None


class DuplicateIndex:
    """Deals in play grouped by account, to find the likely duplicates of a title without comparing every pair."""

    def __init__(self, deals: Iterable[Deal] = (), config: Config | None = None):
        self._by_account: dict[str, list[_Entry]] = defaultdict(list)
        self._by_words: dict[tuple[str, frozenset], list[_Entry]] = defaultdict(list)
        for deal in deals:
            if config is None or in_play(deal, config):
                self.add(deal.id, deal.title, deal.account, deal.data.get("external_id"))

    def add(self, deal_id: str, title: str, account: str | None, external_id: object = None,
            words: tuple[str, ...] | None = None) -> None:
        """words: title_words(title, account) when the caller has them already (pipe check caches them)."""
        key, words = account_key(account), title_words(title, account) if words is None else words
        entry = _Entry(deal_id, words, source_key(external_id))
        self._by_account[key].append(entry)
        self._by_words[(key, frozenset(words))].append(entry)

    def matches(self, title: str, account: str | None, *, besides: str | None = None,
                external_id: object = None, words: tuple[str, ...] | None = None) -> list[str]:
        """The ids of the deals in the index that title and account likely duplicate (besides: one to skip;
        external_id: the deal's own, so that deals its system keeps apart are not matched; words: as in add)."""
        key = account_key(account)
        words = title_words(title, account) if words is None else words
        source = source_key(external_id)
        entries = self._by_account.get(key, ())
        if not key or len(entries) > FUZZY_LIMIT:  # the same words only: one lookup
            candidates = self._by_words.get((key, frozenset(words)), ())
            return [e.deal_id for e in candidates if e.deal_id != besides and not kept_apart(source, e.source)]
        return [e.deal_id for e in entries
                if e.deal_id != besides and not kept_apart(source, e.source)
                and similar_titles(words, e.words, with_account=True)]


def duplicate_groups(deals: Iterable[Deal], config: Config) -> dict[str, list[str]]:
    """For each deal in play, the other deals in play it likely duplicates (only deals with any)."""
    chosen = [d for d in deals if in_play(d, config)]
    index = DuplicateIndex(chosen)
    found = {}
    for deal in chosen:
        others = index.matches(deal.title, deal.account, besides=deal.id, external_id=deal.data.get("external_id"))
        if others:
            found[deal.id] = others
    return found
