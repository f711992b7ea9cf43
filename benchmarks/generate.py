"""Make a workspace of N deals for benchmarks, by copying the sample's deals under new ids.

The copies keep the sample's shape (history, tasks, activities, notes), so timings are those of
realistic files. Each copy's free text (title, account, contact names, task texts, summaries) gets
its copy number, so that, as in a real pipeline, no two deals share it: a reader that shares equal
strings must not look better here than it would be on real deals. Task ids get it too: commands
name a task by its id, which is unique in a real workspace. Deterministic: the same N gives
the same files.

    python benchmarks/generate.py 10000 /tmp/pipe-10k
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent
# Plain (unquoted, one-line) free text, which a copy number can follow.
FREE_TEXT = re.compile(r"^(title|account|- name|  name|  text|  summary): (?![\'\"|>])(.+)$", re.MULTILINE)
# A task's id: a copy gets its own (the sample's ids are six characters, so the copy number keeps them unique).
TASK_ID = re.compile(r"^- id: ([a-z0-9]{6})$", re.MULTILINE)


def generate(count: int, target: Path) -> Path:
    """Write pipelines.yaml and count deals into target (emptied first)."""
    sources = sorted((SAMPLE / "deals").glob("*.md"))
    texts = [(path.stem, path.read_text(encoding="utf-8")) for path in sources]
    if target.exists():
        shutil.rmtree(target)
    (target / "deals").mkdir(parents=True)
    shutil.copy(SAMPLE / "pipelines.yaml", target / "pipelines.yaml")
    for n in range(count):
        stem, text = texts[n % len(texts)]
        copy = n // len(texts)
        new_id = f"{stem}-{copy}" if copy else stem
        text = text.replace(f"id: {stem}\n", f"id: {new_id}\n", 1)
        if copy:
            text = FREE_TEXT.sub(lambda match: f"{match[1]}: {match[2]} ({copy})", text)
            text = TASK_ID.sub(lambda match: f"- id: {match[1]}{copy}", text)
        (target / "deals" / f"{new_id}.md").write_text(text, encoding="utf-8")
    return target


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: python benchmarks/generate.py N FOLDER")
    print(generate(int(sys.argv[1]), Path(sys.argv[2])))
