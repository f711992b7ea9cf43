"""The suite on a machine with only a clone: the tests that need an optional piece (the shared datasets,
Chromium, Dovecot) skip, each naming what is missing and how to get it, and PIPE_REQUIRE_ALL=1 makes those
skips failures. Runs pytest on a copy of the repository placed where there is no ../shared, with no
chromium on PATH and PIPE_DOVECOT naming no file (Debian puts dovecot outside PATH, in /usr/sbin); it
needs none of the pieces itself, so it runs everywhere, CI included."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import GET_CHROMIUM, GET_DATASETS, GET_DOVECOT, REPO

NO_DOVECOT = "/nonexistent/dovecot"  # as if it were not installed

# What a clone does not carry, or what a run of the suite leaves behind.
NOT_IN_A_CLONE = shutil.ignore_patterns(".git", ".pipe", "__pycache__", "*.egg-info", ".pytest_cache",
                                        ".hypothesis", "build", "dist", "venv", ".venv", "outbox")


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    """A copy of the repository in a folder of its own: nothing beside it, so no ../shared."""
    root = tmp_path_factory.mktemp("clone") / "pipe"
    shutil.copytree(REPO, root, ignore=NOT_IN_A_CLONE)
    assert not (root.parent / "shared").exists()
    return root


def pytest_in(root: Path, **env: str) -> tuple[int, str]:
    """`pytest -rsfE -m requires` (every test that needs an optional piece) in root, with a PATH that
    holds no chromium, no dovecot, and nothing pointing at the pieces but what env sets."""
    environ = {k: v for k, v in os.environ.items()
               if k not in ("PIPE_DATASETS", "PIPE_CHROMIUM", "PIPE_DOVECOT", "PIPE_REQUIRE_ALL", "PYTEST_ADDOPTS",
                            "PYTEST_PLUGINS")}
    environ["PATH"] = os.pathsep.join(d for d in os.environ.get("PATH", "").split(os.pathsep)
                                      if d and not any(os.path.exists(os.path.join(d, piece))
                                                       for piece in ("chromium", "dovecot")))
    environ["PIPE_DOVECOT"] = NO_DOVECOT
    environ["PYTHONPATH"] = str(root)  # the copy's tests and pipecli, not the installed ones
    environ["COLUMNS"] = "1000"  # pytest cuts the summary's lines to the terminal's width
    environ.update(env)
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-rsfE", "-m", "requires"],
                          cwd=root, env=environ, capture_output=True, text=True, timeout=600)
    return done.returncode, done.stdout + done.stderr


def counted(output: str, word: str) -> int:
    """N from the summary line's `N word`, 0 when absent."""
    summary = output.strip().splitlines()[-1]
    found = re.search(rf"(\d+) {word}\b", summary)
    return int(found.group(1)) if found else 0


@pytest.fixture(scope="module")
def without_pieces(clone) -> tuple[int, str]:
    return pytest_in(clone)


def test_a_clone_without_the_optional_pieces_passes_naming_each_skip(clone, without_pieces):
    code, output = without_pieces
    assert code == 0, output
    datasets = f"{GET_DATASETS}: no folder {clone.parent / 'shared' / 'datasets'}"
    browser = f"{GET_CHROMIUM}: no chromium on PATH"
    imap = f"{GET_DOVECOT}: PIPE_DOVECOT={NO_DOVECOT} is not an executable"
    skips = re.findall(r"^SKIPPED \[(\d+)\] [^:]+:\d+: (.*)$", output, re.M)
    assert {reason for _, reason in skips} == {datasets, browser, imap}, output
    assert counted(output, "skipped") == sum(int(n) for n, _ in skips), output
    assert counted(output, "passed") == counted(output, "failed") == counted(output, "errors?") == 0, output


def test_require_all_turns_those_skips_into_failures_naming_what_is_missing(clone, without_pieces):
    code, output = pytest_in(clone, PIPE_REQUIRE_ALL="1", PIPE_CHROMIUM="/nonexistent")
    assert code == 1, output
    assert counted(output, "skipped") == 0, output
    assert counted(output, "errors?") == counted(without_pieces[1], "skipped"), output
    failures = re.findall(r"^ERROR (tests/[^:]+)::\S+ - Failed: (.*)$", output, re.M)
    assert set(failures) == {
        ("tests/test_import.py", f"{GET_DATASETS}: no folder {clone.parent / 'shared' / 'datasets'}"),
        ("tests/test_real_figures.py", f"{GET_DATASETS}: no folder {clone.parent / 'shared' / 'datasets'}"),
        ("tests/test_report_html.py", f"{GET_CHROMIUM}: PIPE_CHROMIUM=/nonexistent is not an executable"),
        ("tests/test_capture_imap.py", f"{GET_DOVECOT}: PIPE_DOVECOT={NO_DOVECOT} is not an executable"),
        ("tests/test_capture_both.py", f"{GET_DOVECOT}: PIPE_DOVECOT={NO_DOVECOT} is not an executable"),
        ("tests/test_review19.py", f"{GET_DOVECOT}: PIPE_DOVECOT={NO_DOVECOT} is not an executable"),
    }, output


def test_ci_runs_the_readme_test_command_requiring_every_piece():
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "pip install -e '.[test]' && pytest\n" in readme
    runs = [n for n, line in enumerate(script) if line.startswith("pip install --quiet -e '.[test]' && pytest")]
    exports = [n for n, line in enumerate(script) if line == "export PIPE_REQUIRE_ALL=1"]
    assert len(runs) == 1 and exports and exports[0] < runs[0]
