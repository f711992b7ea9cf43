"""Review of issue 19's pipe capture: a credential in a CalDAV url, Ctrl-C mid-run, file vs server keys."""

from __future__ import annotations

import imaplib
import subprocess

import pytest

from pipecli.core.importing import imapfetch
from tests.conftest import committed_repository, failed, requires_dovecot, simple_deal
from tests.dovecot_server import dovecot  # noqa: F401
from tests.test_caldav import CONTACTS, PARIS, WEEKLY, WINDOW, account, log, radicale  # noqa: F401
from tests.test_capture_imap import LI, mail


def test_a_password_in_the_caldav_url_is_refused_and_never_shown(make_workspace, run, tmp_path, monkeypatch):
    config = tmp_path / "home" / "config.yaml"
    config.parent.mkdir()
    config.write_text("caldav: {url: 'https://maya:s3cret@localhost:1/dav/', user: maya, password_env: PW}\n",
                      encoding="utf-8")
    monkeypatch.setenv("PIPE_CONFIG", str(config))
    monkeypatch.setenv("PW", "x")
    workspace = make_workspace({"acme": simple_deal("acme")})
    result = run(workspace, "capture")
    line = failed(result, "pipe: ")
    assert "s3cret" not in result.output and "s3cret" not in line
    assert "caldav.url" in line and "password" in line
    assert not (workspace.root / ".pipe" / "capture.json").exists()


@requires_dovecot
def test_ctrl_c_between_batches_commits_what_was_written(run, make_workspace, dovecot, tmp_path,  # noqa: F811
                                                         monkeypatch):
    # The state says the first batch is done once its deal is written: a Ctrl-C that left that
    # deal uncommitted left it so for good, as no later run writes it again.
    config = tmp_path / "home" / "pipe.yaml"
    config.parent.mkdir()
    config.write_text(dovecot.config_text(), encoding="utf-8")
    monkeypatch.setenv("PIPE_CONFIG", str(config))
    monkeypatch.setenv("TZ", "Europe/Paris")
    workspace = make_workspace({"acme": simple_deal("acme", created="2026-10-01",
                                                    contacts=f"\n- {{name: Li Na, email: {LI}}}")})
    dovecot.append("INBOX", *(mail(n, LI, "alice@example.com", 10 + n, f"Mail {n}") for n in range(1, 4)))
    monkeypatch.setattr(imapfetch, "BATCH", 1)
    fetches = []
    real_uid = imaplib.IMAP4.uid

    def interrupted(self, command, *args):
        if command == "FETCH":
            fetches.append(args)
            if len(fetches) == 2:
                raise KeyboardInterrupt
        return real_uid(self, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", interrupted)
    git = committed_repository(workspace.root, monkeypatch)
    result = run(workspace, "capture", "--commit")
    assert result.exit_code == 130 and "Traceback" not in result.stderr
    assert git("status", "--porcelain", "deals").strip() == ""
    assert git("log", "-1", "--format=%s").strip() == "capture maya@localhost: 1 email logged on 1 deal before it stopped"
    monkeypatch.setattr(imaplib.IMAP4, "uid", real_uid)
    again = run(workspace, "capture", "--commit")
    assert again.stdout.splitlines()[-1] == "capture maya@localhost: 2 emails logged on 1 deal"
    assert git("status", "--porcelain", "deals").strip() == ""


def test_a_series_captured_from_the_server_is_not_logged_again_from_a_file(account, make_workspace, run,  # noqa: F811
                                                                          tmp_path, monkeypatch):
    from pipecli.core.importing.caldavfetch import fetch_events

    monkeypatch.setenv("TZ", "Europe/Paris")
    workspace = make_workspace({"acme": simple_deal("acme", created="2026-10-01", contacts=CONTACTS)})
    reading, _ = fetch_events(account, {}, WINDOW, PARIS)
    log(workspace, reading)
    before = workspace.load("acme").activities
    path = tmp_path / "weekly.ics"
    path.write_text(WEEKLY, newline="")
    result = run(workspace, "import-calendar", str(path))
    assert result.exit_code == 0, result.stderr
    # the file's series, logged at its first start (3 Nov 16:00), is the occurrence of 3 Nov already there
    assert workspace.load("acme").activities == before, result.stdout
