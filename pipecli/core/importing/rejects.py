"""Rows an import sets aside (`--skip-bad`): why each was refused, and the file they go to.

Without it an import is all or nothing. With it the good rows are imported and the refused ones are
written, as they were read plus a reason column, to a file beside the input that is never an existing
one: `deals.rejected.csv`, else `deals.rejected-2.csv`, `-3`... So fixing them and importing that
file again is the way back, and no earlier list of rejects is lost.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import tempfile
from pathlib import Path

from pipecli.core.errors import InvalidValue
from pipecli.core.fileformat.csvcells import csv_lines
from pipecli.core.importing.rules import Importer, Plan
from pipecli.core.importing.tables import Table
from pipecli.core.model.inputs import ADD_OWNERS, STAGE_MAP

REASON = "reason"


def rejections(importer: Importer) -> dict[int, list[tuple]]:
    """Row number -> the reasons it was refused (each a message in parts), after importer.plan()."""
    found: dict[int, list[tuple]] = {}
    for error in importer.errors:
        found.setdefault(error.row, []).append(error.said or (error.message,))
    for shown, rows in importer.unknown_stages.items():
        for row in rows:
            found.setdefault(row, []).append((f"unknown stage '{shown}' in pipeline {importer.pipeline.id}: map it "
                                              "with ", STAGE_MAP, " or stages: in a rules file"))
    for name, rows in importer.unknown_owners.items():
        for row in rows:
            found.setdefault(row, []).append((f"unknown owner '{name}': add it to the team (", ADD_OWNERS,
                                              ") or map it with owners: in a rules file"))
    for shown, how, rows in importer.lost_reasons.unmapped.values():
        for row in rows:  # the import leaves them out (deal_of returns None), so they are rejects too
            found.setdefault(row, []).append((f"lost reason {json.dumps(shown, ensure_ascii=False)}{how} is not in "
                                              "this workspace's list: map it with lost_reasons: in a rules file",))
    return dict(sorted(found.items()))


def refuse_unaccounted(table: Table, plan: Plan, rejected: set[int]) -> None:
    """Stop the import if a row is neither in the plan nor rejected: every row must end up somewhere, and
    a row an importer rule forgot to count would otherwise vanish without a word."""
    accounted = {item.row for item in plan.items} | rejected
    missing = [number for number in table.numbers if number not in accounted]
    if missing:
        raise InvalidValue(f"{table.path}: nothing imported: rows {', '.join(map(str, missing[:8]))}"
                           f"{' ...' if len(missing) > 8 else ''} were neither imported nor set aside (a bug in "
                           "pipe: please report it with the rows)")


def without_rows(plan: Plan, rows: set[int]) -> Plan:
    """The plan without what it would do for the rejected rows (a row with an unknown owner got a deal),
    nor the team members (--add-owners) only they named."""
    items = [item for item in plan.items if item.row not in rows]
    owners = {item.deal.owner for item in items if item.deal is not None}
    return Plan(items, [(member, name) for member, name in plan.new_owners if member in owners], plan.notes)


def rejects_path(source: Path) -> Path:
    """Where the rejected rows of source go: the first of NAME.rejected.csv, NAME.rejected-2.csv... not there."""
    number = 1
    while True:
        path = source.with_name(f"{source.stem}.rejected{f'-{number}' if number > 1 else ''}.csv")
        if not path.exists() and not path.is_symlink():
            return path
        number += 1


def write_rejects(source: Path, table: Table, headers: list[str], reasons: dict[int, str], raw: bool = False) -> Path:
    """Write the rejected rows (the file's own columns, then the reason) beside source; returns the file.

    Cells go out under pipe's CSV policy, which puts back the ' that reading took off (unless raw), so
    a fixed file imports as the original would. Written whole to a temporary file, then linked to a
    name that does not exist yet: a crash leaves no half file, and no file is ever replaced.
    """
    column = REASON if REASON not in headers else next(f"{REASON}-{n}" for n in range(2, 1000)
                                                        if f"{REASON}-{n}" not in headers)
    rows = [[_cell(row.get(h, "")) for h in headers] + [reasons[number]]
            for row, number in zip(table.rows, table.numbers) if number in reasons]
    content = csv_lines(headers + [column], rows, raw).encode("utf-8")
    fd, temp = tempfile.mkstemp(prefix=f".{source.name}.pipe-", suffix=".tmp", dir=source.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temp, 0o666 & ~umask)
        while True:
            path = rejects_path(source)
            try:
                os.link(temp, path)  # fails if the name was taken meanwhile: then the next one
                return path
            except FileExistsError:
                continue
    except OSError as error:
        raise InvalidValue(f"cannot write the rejected rows beside {source}: {error.strerror or error}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temp)


def _cell(value) -> str:
    """A cell as read (an .xlsx date is a date): as text again."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)
