"""Changing many deals at once: plan every change in memory first, then write them.

Planning refuses the whole command if any deal cannot take its change, so nothing is written.
Written in a batch (Workspace.batch), the deals' new files are prepared one by one and put in
place together: a failure while preparing them changes none. Each file is replaced atomically,
and if writing stops part way (an OS error during the renames, Ctrl-C) the error says which deals
changed and which did not.
"""

from __future__ import annotations

import datetime as dt
import contextlib
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from dataclasses import dataclass

from pipecli.core.errors import Interrupted, InvalidValue, PipeError
from pipecli.core.model.config import Config
from pipecli.core.model.deal import Deal
from pipecli.core.workflow.lifecycle import refuse_new_errors


class Unchanged(PipeError):
    """Raised by a change that has nothing to do for this deal (already in the stage, already tagged)."""


@dataclass
class Planned:
    """One deal's change, made in memory and not yet written."""

    deal: Deal
    summary: str  # one line: what changes
    warning: str | None = None


@dataclass
class Plan:
    changes: list[Planned]
    skipped: list[tuple[str, str]]  # (deal id, why nothing changes)


def plan(deals: list[Deal], config: Config, today: dt.date,
         change: Callable[[Deal], tuple[str, str | None]]) -> Plan:
    """Apply change (returning a summary and a warning) to each deal in memory; nothing is written.

    Raises InvalidValue naming the deals that cannot take the change, so that the command
    changes all of them or none.
    """
    changes, skipped, refused = [], [], []
    for deal in deals:
        try:
            summary, warning = refuse_new_errors(deal, config, today, change)
        except Unchanged as reason:
            skipped.append((deal.id, str(reason)))
            continue
        except PipeError as error:  # kept in parts, so the CLI can name its options in each
            said = error.said.parts
            refused.append(said if str(error).startswith(f"{deal.id}: ") else (f"{deal.id}: ", *said))
            continue
        changes.append(Planned(deal, summary, warning))
    if refused:
        more = f" (and {len(refused) - 3} more)" if len(refused) > 3 else ""
        shown = [part for n, parts in enumerate(refused[:3]) for part in (("; ",) if n else ()) + tuple(parts)]
        raise InvalidValue(f"nothing changed: {len(refused)} of {len(deals)} deals cannot be changed: ", *shown, more)
    return Plan(changes, skipped)


class Stopped(PipeError):
    """Writing stopped part way; says which deals were written and which were not."""

    def __init__(self, cause: str, changed: list[str], unchanged: list[str]):
        total = len(changed) + len(unchanged)
        super().__init__(
            f"{cause}: stopped after changing {len(changed)} of {total} deals; "
            f"changed: {', '.join(changed) or 'none'}; not changed: {', '.join(unchanged)}"
        )
        self.changed = changed
        self.unchanged = unchanged


class StoppedByInterrupt(Stopped, Interrupted):
    """Ctrl-C stopped the writing part way."""


def write(save: Callable[[Deal], object], is_saved: Callable[[Deal], bool], changes: list[Planned],
          progress: Callable[[Iterable[Planned]], Iterator[Planned]] = iter,
          writable: Callable[[Deal], None] | None = None,
          batch: Callable[[], contextlib.AbstractContextManager[Any]] | None = None) -> list[str]:
    """Save each planned deal (Workspace.save); returns the ids written, in order.

    batch (Workspace.batch): the saves only prepare each file, and the batch puts them all in place
    at the end with one flush to disk; its `placed` says which are in place if it stops part way.
    Ctrl-C while they are prepared puts in place those prepared so far, as writing one by one
    would have written them, and says which. Without a batch, is_saved (Workspace.is_saved) tells
    whether the deal being written when writing stopped made it to disk (Ctrl-C can land after the
    rename), so the report is exact.
    """
    # Each deal's file is read (those from the cache were not) and checked to be the one planned
    # on before the first write: a file changed since then stops the command with nothing written.
    for change in changes:
        _ = change.deal.document
    # A deal that would not read back (Workspace.check_writable) stops the command before any write.
    refused = []
    for change in changes if writable is not None else ():
        try:
            writable(change.deal)
        except PipeError as error:
            refused.append(str(error))
    if refused:
        raise PipeError(f"nothing written: {'; '.join(refused[:3])}" + (f" (and {len(refused) - 3} more)" if len(refused) > 3 else ""))
    done: list[str] = []
    current: Planned | None = None
    group = None

    def stopped(cause: str, kind: type[Stopped] = Stopped) -> Stopped:
        if group is not None:
            placed = {path.stem for path in group.placed}
            done[:] = [c.deal.id for c in changes if c.deal.id in placed]
        elif current is not None and current.deal.id not in done and is_saved(current.deal):
            done.append(current.deal.id)
        return kind(cause, done, [c.deal.id for c in changes if c.deal.id not in set(done)])

    try:
        with batch() if batch is not None else contextlib.nullcontext() as group:
            try:
                for current in progress(changes):
                    save(current.deal)
                    done.append(current.deal.id)
            except KeyboardInterrupt:
                if group is not None:
                    group.commit()  # a stop, not an undo: what was prepared is written, and named
                raise
    except KeyboardInterrupt:
        raise stopped("interrupted", StoppedByInterrupt) from None
    except OSError as error:
        where = f"{error.filename}: " if error.filename else ""
        raise stopped(f"{where}{error.strerror or error}") from None
    except PipeError as error:  # a file in the way, say: what was written stays, and is named
        raise stopped(str(error)) from None
    return done
