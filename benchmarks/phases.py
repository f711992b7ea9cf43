"""Time the phases of one pipe command inside its process, to see what a floor leaves room for.

    python benchmarks/phases.py -C WS import deals.csv --rules rules.yaml
    python benchmarks/phases.py -C WS list --format json > /dev/null

Wraps the functions each phase runs in (an import's mapping and checking of rows, rendering,
the read-back parse, the temp files and the commit of a batch; a listing's load, selection and
records) with a clock, runs the command as `pipe` would, and prints on stderr the time of
Python's imports, of the command, and of each phase (a phase that calls another includes it).
"""

from __future__ import annotations

import collections
import functools
import sys
import time

totals: dict[str, float] = collections.defaultdict(float)


def clock(owner: object, name: str, label: str) -> None:
    """Add the time of every call of owner.name to totals[label]."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def timed(*args, **kwargs):
        start = time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            totals[label] += time.perf_counter() - start
    setattr(owner, name, timed)


def main() -> None:
    started = time.perf_counter()
    from pipecli.cli import main as cli
    from pipecli.core.fileformat import dealfile
    from pipecli.core.importing import rules
    from pipecli.core.model import queries
    from pipecli.core.store import batch, workspace
    from pipecli.render import deals

    clock(rules.Importer, "plan", "import: map and check every row")
    clock(workspace.Workspace, "check_writable", "writability check")
    clock(dealfile, "render", "render deal files")
    clock(dealfile, "parse", "parse deal files (read back)")
    clock(batch.FileBatch, "add", "batch: temp files")
    clock(batch.FileBatch, "commit", "batch: sync, renames")
    clock(workspace.Workspace, "deals", "load every deal")
    clock(queries, "select", "select (facts, sort)")
    clock(deals, "deal_record", "records")
    sys.argv = ["pipe", *sys.argv[1:]]
    imported = time.perf_counter()
    try:
        cli.main()
    except SystemExit:
        pass
    ended = time.perf_counter()
    print(f"imports {imported - started:.3f} s, command {ended - imported:.3f} s", file=sys.stderr)
    for label, seconds in totals.items():
        print(f"  {label:<36} {seconds:.3f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
