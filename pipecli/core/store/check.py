"""`pipe check`: every problem in the workspace, as Problem records with path and line."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable

from pipecli.core.errors import NotFound, ParseError
from pipecli.core.model.config import read_config
from pipecli.core.model.dealload import type_check
from pipecli.core.model.duplicates import DuplicateIndex, in_play, listed
from pipecli.core.model.validate import meaning_problems
from pipecli.core.problems import Problem
from pipecli.core.store.workspace import Workspace


def check_workspace(workspace: Workspace, today: dt.date, unmerged: list[tuple[str, bool]],
                    progress: Callable[[Iterable[str]], Iterable[str]] = iter) -> list[Problem]:
    """All problems: pipelines.yaml first, then each deal file in id order (progress wraps the deal
    ids as they are checked: a progress bar).

    unmerged: the deal files a stopped git merge left unmerged, each with whether it still holds
    our side only (gitsync.sync.unmerged_deal_files; the store does not run git).
    """
    config, problems = read_config(workspace.root)
    external_ids: dict[str, list[str]] = defaultdict(list)
    claimed_ids: dict[str, list[str]] = defaultdict(list)
    in_play_deals: list[tuple[str, str, str | None, object]] = []  # (path, title, account, external_id) not won or lost
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
    for deal_id in progress(workspace.deal_ids()):
        path = workspace.relative(workspace.deal_path(deal_id))
        try:
            document = workspace.read_document(deal_id)
        except (ParseError, NotFound) as error:
            line = getattr(error, "line", None)
            message = getattr(error, "message", str(error))
            problems.append(Problem(path, line, "error", message))
            continue
        deal, found = type_check(document, deal_id)
        if deal is not None and config is not None:
            found = meaning_problems(deal, config, today)
            external = document.data.get("external_id")
            if isinstance(external, (str, int)):
                external_ids[str(external)].append(path)
            if in_play(deal, config):
                in_play_deals.append((path, deal.title, deal.account, external))
        if isinstance(document.data.get("id"), str):
            claimed_ids[document.data["id"]].append(path)
        for p in found:
            problems.append(Problem(path, document.line_of(p.key_path), p.severity, p.message))
    for external, paths in external_ids.items():
        problems += _shared(paths, "error", f"external_id '{external}' is also in {{others}}")
    for deal_id, paths in claimed_ids.items():
        problems += _shared(paths, "error", f"id '{deal_id}' is also in {{others}}")
    problems += _likely_duplicates(in_play_deals)
    return problems


def _likely_duplicates(deals: list[tuple[str, str, str | None, object]]) -> list[Problem]:
    """A warning on each deal in play with the same account and a similar title as others (model/duplicates.py)."""
    index = DuplicateIndex()
    for path, title, account, external_id in deals:
        index.add(path, title, account, external_id)
    problems = []
    for path, title, account, external_id in deals:
        others = index.matches(title, account, besides=path, external_id=external_id)
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
