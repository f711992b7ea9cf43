"""`pipe check`: every problem in the workspace, as Problem records with path and line.

Each deal file's own problems come from the problems cache (store.problemcache) when the file, the
config and today are as they were; the problems across files are worked out from them each run.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import defaultdict
from collections.abc import Callable, Iterable

from pipecli.core.errors import NotFound, ParseError
from pipecli.core.model.config import CONFIG_FILE, Config, read_config
from pipecli.core.model.dealload import type_check
from pipecli.core.model.duplicates import DuplicateIndex, in_play, listed, title_words
from pipecli.core.model.validate import meaning_problems
from pipecli.core.problems import Problem
from pipecli.core.store.cache import file_key
from pipecli.core.store.problemcache import FileFindings, ProblemCache, context_hash
from pipecli.core.store.workspace import CACHE_DIR, Workspace


def check_workspace(workspace: Workspace, today: dt.date, unmerged: list[tuple[str, bool]],
                    progress: Callable[[Iterable[str]], Iterable[str]] = iter) -> list[Problem]:
    """All problems: pipelines.yaml first, then each deal file in id order (progress wraps the deal
    ids as they are checked: a progress bar).

    unmerged: the deal files a stopped git merge left unmerged, each with whether it still holds
    our side only (gitsync.sync.unmerged_deal_files; the store does not run git).
    """
    config_bytes = _config_bytes(workspace)
    config, problems = read_config(workspace.root)
    # A pipelines.yaml changed while it was read: nothing is cached under a hash of either version.
    cache = ProblemCache(workspace.root / CACHE_DIR / "cache", context_hash(config_bytes, today))
    usable = config_bytes == _config_bytes(workspace)
    if usable:
        cache.load()
    external_ids: dict[str, list[str]] = defaultdict(list)
    claimed_ids: dict[str, list[str]] = defaultdict(list)
    in_play_deals: list[tuple[str, str, str | None, object, tuple]] = []  # (path, title, account, external_id,
    # title words) of the deals not won or lost
    if not workspace.deals_dir.is_dir():
        problems.append(Problem("deals", None, "error", "no deals/ folder: create it (pipe init makes one)"))
    for name in workspace.stray_files():
        problems.append(Problem(f"deals/{name}", None, "error",
                                "not a deal file (a deal is a regular file named <id>.md, with a lowercase id "
                                "of letters, digits and '-'); pipe ignores it"))
    for path, untouched in unmerged:
        if untouched:
            problems.append(Problem(path, None, "error",
                                    "git has not finished merging this file (a pull, merge or rebase stopped on it) and "
                                    "it holds our side only: the other side's changes are not in it; merge it again "
                                    f"with 'git checkout -m {path}' (or 'pipe sync' says what to do), then 'git add' it"))
        else:
            problems.append(Problem(path, None, "warning",
                                    "git has not finished merging this file: once it holds what you want, 'git add' it"))
    folder = str(workspace.deals_dir)
    names = set()
    for deal_id in progress(workspace.deal_ids()):
        name = deal_id + ".md"
        path = f"deals/{name}"
        try:
            key = file_key(os.stat(os.path.join(folder, name)))  # before reading: a change after it shows next time
        except OSError:
            key = None  # gone or unreadable: checking it says why
        found = cache.get(name, key) if key is not None else None
        if found is None:
            found = _check_file(workspace, deal_id, config, today)
            if key is not None:
                cache.put(name, key, found)
        names.add(name)
        if found.external_id is not None:
            external_ids[str(found.external_id)].append(path)
        if found.in_play is not None:
            title, account, words = found.in_play
            in_play_deals.append((path, title, account, found.external_id, words))
        if found.claimed_id is not None:
            claimed_ids[found.claimed_id].append(path)
        problems += [Problem(path, line, severity, message) for line, severity, message in found.problems]
    if usable:
        cache.keep_only(names)
        cache.save(workspace.write_file)
    for external, paths in external_ids.items():
        problems += _shared(paths, "error", f"external_id '{external}' is also in {{others}}")
    for deal_id, paths in claimed_ids.items():
        problems += _shared(paths, "error", f"id '{deal_id}' is also in {{others}}")
    problems += _likely_duplicates(in_play_deals)
    return problems


def _config_bytes(workspace: Workspace) -> bytes | None:
    try:
        return (workspace.root / CONFIG_FILE).read_bytes()
    except OSError:
        return None


def _check_file(workspace: Workspace, deal_id: str, config: Config | None, today: dt.date) -> FileFindings:
    """One deal file's own problems, and what the checks across files need of it."""
    try:
        document = workspace.read_document(deal_id)
    except (ParseError, NotFound) as error:
        return FileFindings(((getattr(error, "line", None), "error", getattr(error, "message", str(error))),))
    external, play = None, None
    deal, found = type_check(document, deal_id)
    if deal is not None and config is not None:
        found = meaning_problems(deal, config, today)
        value = document.data.get("external_id")
        if isinstance(value, (str, int)):
            external = value
        if in_play(deal, config):
            play = (deal.title, deal.account, title_words(deal.title, deal.account))
    claimed = document.data.get("id")
    return FileFindings(tuple((document.line_of(p.key_path), p.severity, p.message) for p in found),
                        claimed if isinstance(claimed, str) else None, external, play)


def _likely_duplicates(deals: list[tuple[str, str, str | None, object, tuple]]) -> list[Problem]:
    """A warning on each deal in play with the same account and a similar title as others (model/duplicates.py)."""
    index = DuplicateIndex()
    for path, title, account, external_id, words in deals:
        index.add(path, title, account, external_id, words)
    problems = []
    for path, title, account, external_id, words in deals:
        others = index.matches(title, account, besides=path, external_id=external_id, words=words)
        if others:
            problems.append(Problem(path, None, "warning",
                                    f"likely the same deal as {listed(others)} (same account, similar title): "
                                    "one deal added twice (in two clones, say)? Keep one: 'pipe rm' the other"))
    return problems


def _shared(paths: list[str], severity: str, message: str) -> list[Problem]:
    """One problem per file when several files hold what must be in one; message names the others."""
    if len(paths) < 2:
        return []
    return [Problem(path, None, severity, message.format(others=", ".join(p for p in paths if p != path)))
            for path in paths]
