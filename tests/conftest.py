"""Shared fixtures: a frozen today, no stray user or colour settings, and small workspaces; and the
one gate for tests that need a piece a fresh clone lacks (the shared datasets, Chromium)."""

from __future__ import annotations

import os
import shutil
import subprocess
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipecli.cli.main import cli
from pipecli.core.store.workspace import Workspace

TODAY = "2026-11-27"
REPO = Path(__file__).resolve().parent.parent
DATASETS = Path(os.environ.get("PIPE_DATASETS") or REPO.parent / "shared" / "datasets")
GET_DATASETS = ("needs ../shared/datasets (the shared CRM exports beside the repository; CI has them; "
                "or PIPE_DATASETS=/path/to/datasets)")
GET_CHROMIUM = "needs Chromium (apt-get install chromium, or PIPE_CHROMIUM=/path/to/chrome)"
GET_DOVECOT = "needs Dovecot (apt-get install dovecot-imapd, or PIPE_DOVECOT=/path/to/dovecot)"
SBIN_DOVECOT = "/usr/sbin/dovecot"  # where Debian puts it: not on a user's PATH

# -- optional pieces ---------------------------------------------------------------------------
# A test that reads the shared datasets or opens a browser is marked with one of these. Without the
# piece it is skipped, the reason saying what is missing and how to get it, so a fresh clone passes;
# PIPE_REQUIRE_ALL=1 (.ci/run sets it) makes each such skip a failure, so CI cannot pass without them.
requires_shared_datasets = pytest.mark.requires("shared_datasets")
requires_chromium = pytest.mark.requires("chromium")
requires_dovecot = pytest.mark.requires("dovecot")


def chromium_binary() -> str | None:
    """PIPE_CHROMIUM if set (then nothing else), else `chromium` on PATH; None when neither runs."""
    configured = os.environ.get("PIPE_CHROMIUM")
    if configured:
        return configured if os.path.isfile(configured) and os.access(configured, os.X_OK) else None
    return shutil.which("chromium")


def dovecot_binary() -> str | None:
    """PIPE_DOVECOT if set (then nothing else), else `dovecot` on PATH, else Debian's; None when none runs."""
    configured = os.environ.get("PIPE_DOVECOT")
    candidates = [configured] if configured else [shutil.which("dovecot"), SBIN_DOVECOT]
    return next((c for c in candidates if c and os.path.isfile(c) and os.access(c, os.X_OK)), None)


def missing_piece(name: str) -> str | None:
    """Why a test marked requires(name) cannot run here, or None when it can."""
    if name == "shared_datasets":
        return None if DATASETS.is_dir() else f"{GET_DATASETS}: no folder {DATASETS}"
    if name == "chromium":
        if chromium_binary():
            return None
        configured = os.environ.get("PIPE_CHROMIUM")
        where = f"PIPE_CHROMIUM={configured} is not an executable" if configured else "no chromium on PATH"
        return f"{GET_CHROMIUM}: {where}"
    if name == "dovecot":
        if dovecot_binary():
            return None
        configured = os.environ.get("PIPE_DOVECOT")
        where = f"PIPE_DOVECOT={configured} is not an executable" if configured else \
            f"no dovecot on PATH nor {SBIN_DOVECOT}"
        return f"{GET_DOVECOT}: {where}"
    raise ValueError(f"unknown optional piece {name!r}: tests/conftest.py knows shared_datasets, chromium and dovecot")


def pytest_configure(config):
    config.addinivalue_line("markers", "requires(piece): the test needs shared_datasets, chromium or dovecot (tests/conftest.py)")


def pytest_runtest_setup(item):
    # Before the test's fixtures, so a module fixture reading the datasets never runs without them.
    for mark in item.iter_markers("requires"):
        reason = missing_piece(*mark.args)
        if reason is None:
            continue
        if os.environ.get("PIPE_REQUIRE_ALL", "") not in ("", "0"):
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


CONFIG = """\
currency: EUR
rates: {USD: 0.9}
team:
- {id: alice, name: Alice Martin, email: alice@example.com}
- {id: bob, name: Bob Stone, email: bob@example.com}
lost_reasons: [price, competitor, stale]
sources: [inbound, referral]
next_step: warn
pipelines:
- id: sales
  name: Sales
  stages:
  - {id: lead, name: Lead, probability: 10, rot_days: 14, kind: open}
  - {id: qualified, name: Qualified, probability: 40, rot_days: 21, kind: open}
  - {id: proposal, name: Proposal, probability: 60, kind: open}
  - {id: won, name: Won, probability: 100, kind: won}
  - {id: lost, name: Lost, probability: 0, kind: lost}
  - {id: fridge, name: Fridge, probability: 0, kind: parked}
- id: partners
  name: Partners
  stages:
  - {id: intro, name: Intro, probability: 10, kind: open}
  - {id: signed, name: Signed, probability: 100, kind: won}
  - {id: declined, name: Declined, probability: 0, kind: lost}
"""


@pytest.fixture(autouse=True)
def environment(monkeypatch, tmp_path):
    """Every test runs on 2026-11-27, as alice of the team, without colour or git identity."""
    monkeypatch.setenv("PIPE_TODAY", TODAY)
    monkeypatch.setenv("PIPE_USER", "alice")
    monkeypatch.delenv("PIPE_DIR", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(tmp_path / "no-gitconfig"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    # the member's own config (pipe capture) is never the one of whoever runs the tests
    monkeypatch.delenv("PIPE_CONFIG", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "no-xdg-config"))


def failed(result, *words: str) -> str:
    """A refusal: exit 1, one `pipe: ` line on stderr holding words, no traceback; returns the line."""
    assert result.exit_code == 1, (result.stdout, result.stderr)
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("pipe: "), result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def deal_text(front: str, body: str = "") -> str:
    """A deal file from dedented frontmatter and body."""
    return f"---\n{textwrap.dedent(front).strip()}\n---\n{textwrap.dedent(body)}"


def simple_deal(deal_id: str, **fields) -> str:
    """A valid open deal with an open task; fields override or add frontmatter lines."""
    data = {
        "id": deal_id, "title": deal_id.replace("-", " ").title(), "pipeline": "sales", "stage": "lead",
        "value": 1000, "currency": "EUR", "owner": "alice", "created": "2026-11-01",
    }
    data.update(fields)
    lines = [f"{k}: {v}" for k, v in data.items() if v is not None]
    if "history" not in fields:
        lines.append(f"history:\n- stage: {data['stage']}\n  date: {data['created']}")
    if "tasks" not in fields:
        lines.append("tasks:\n- id: ta1234\n  text: Call them\n  due: 2026-12-01\n  status: open")
    return "---\n" + "\n".join(lines) + "\n---\n"


@pytest.fixture
def make_workspace(tmp_path):
    """make_workspace(deals={id: text}, config=CONFIG) -> Workspace in a fresh folder."""

    def make(deals: dict[str, str] | None = None, config: str = CONFIG, name: str = "ws") -> Workspace:
        root = tmp_path / name
        (root / "deals").mkdir(parents=True)
        (root / "pipelines.yaml").write_text(textwrap.dedent(config), encoding="utf-8")
        for deal_id, text in (deals or {}).items():
            (root / "deals" / f"{deal_id}.md").write_text(text, encoding="utf-8")
        return Workspace(root)

    return make


@pytest.fixture
def run():
    """run(workspace, *args, input=None) -> click Result, with -C pointing at the workspace."""
    runner = CliRunner()

    def invoke(workspace: Workspace | Path | None, *args: str, **kwargs):
        prefix = ["-C", str(workspace.root if isinstance(workspace, Workspace) else workspace)] if workspace else []
        return runner.invoke(cli, [*prefix, *args], catch_exceptions=False, **kwargs)

    return invoke


def git_identity(monkeypatch, name: str = "Alice Martin", email: str = "alice@example.com") -> None:
    """Commits made in a test have this author and committer, whatever the machine's git config."""
    for key, value in (("NAME", name), ("EMAIL", email)):
        monkeypatch.setenv(f"GIT_AUTHOR_{key}", value)
        monkeypatch.setenv(f"GIT_COMMITTER_{key}", value)


def committed_repository(root, monkeypatch, name: str = "Alice Martin", email: str = "alice@example.com"):
    """Make root a git repository with everything committed; returns a git runner (args -> stdout)."""
    git_identity(monkeypatch, name, email)

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "start")
    return git


def run_on_pty(args: list[str], env: dict[str, str], cwd=None, seconds: float = 60) -> tuple[int, bytes]:
    """Run args with standard output and error both on one pty, as at a terminal: (exit code, what it wrote)."""
    import os
    import pty
    import select
    import subprocess

    controller, terminal = pty.openpty()
    process = subprocess.Popen(args, cwd=cwd, stdin=subprocess.DEVNULL, stdout=terminal, stderr=terminal,
                               close_fds=True, env=env)
    os.close(terminal)
    seen = b""
    try:
        while select.select([controller], [], [], seconds)[0]:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # Linux: the other side closed
                break
            if not chunk:
                break
            seen += chunk
    finally:
        os.close(controller)
        process.wait(timeout=seconds)
    return process.returncode, seen
