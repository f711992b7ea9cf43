"""Review of issue 19's pipe capture: a credential in a CalDAV url, Ctrl-C mid-run, file vs server keys."""

from __future__ import annotations

import imaplib
import re
import subprocess

import pytest

from pipecli.core.importing import imapfetch
from tests.conftest import committed_repository, failed, requires_dovecot, simple_deal
from tests.dovecot_server import dovecot  # noqa: F401
from tests.test_caldav import (CONTACTS, PARIS, WEEKLY, WINDOW, account, configure_caldav, log,  # noqa: F401
                               radicale)
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
    assert git("log", "-1", "--format=%s").strip() == ("capture maya@localhost: 1 email logged on 1 deal "
                                                       "before it stopped")
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


@pytest.fixture
def capturing(dovecot, make_workspace, tmp_path, monkeypatch):  # noqa: F811
    config = tmp_path / "home" / "pipe.yaml"
    config.parent.mkdir()
    config.write_text(dovecot.config_text(), encoding="utf-8")
    monkeypatch.setenv("PIPE_CONFIG", str(config))
    monkeypatch.setenv("TZ", "Europe/Paris")
    return make_workspace({"acme": simple_deal("acme", created="2026-10-01",
                                               contacts=f"\n- {{name: Li Na, email: {LI}}}")})


@requires_dovecot
def test_a_server_that_sends_the_uid_after_the_headers_loses_no_mail(run, capturing, dovecot,  # noqa: F811
                                                                    monkeypatch):
    # RFC 3501 leaves the order of a FETCH answer's items to the server: '* 1 FETCH (BODY[HEADER]<0>
    # {100}\r\n...\r\n UID 7)' is as good as Dovecot's 'UID 7 BODY...'; read as 'unreadable', each
    # message was skipped and the folder's state moved past it, so it was never read again.
    dovecot.append("INBOX", mail(1, LI, "alice@example.com", 20, "Pricing"))
    real_uid = imaplib.IMAP4.uid

    def uid_last(self, command, *args):
        status, data = real_uid(self, command, *args)
        if command != "FETCH":
            return status, data
        moved = []
        for part in data:
            if isinstance(part, tuple):
                head = re.search(rb"UID \d+", part[0]).group(0)
                moved.append((part[0].replace(head + b" ", b""), part[1]))
                moved.append(b" " + head + b")")
            elif part == b")":
                continue
            else:
                moved.append(part)
        return status, moved

    monkeypatch.setattr(imaplib.IMAP4, "uid", uid_last)
    result = run(capturing, "capture")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "capture maya@localhost: 1 email logged on 1 deal", result.stdout


@requires_dovecot
def test_a_last_uid_past_what_imap_can_say_is_a_damaged_state(run, capturing, dovecot):  # noqa: F811
    # UIDs are 32-bit (RFC 3501 2.3.1.1): 'UID 4294967297:*' is a BAD from the server on every run
    dovecot.append("INBOX", mail(1, LI, "alice@example.com", 20, "Pricing"))
    assert run(capturing, "capture").exit_code == 0
    path = capturing.root / ".pipe" / "capture.json"
    path.write_text(path.read_text(encoding="utf-8").replace('"last_uid": 1', '"last_uid": 4294967296'),
                    encoding="utf-8")
    dovecot.append("INBOX", mail(2, LI, "alice@example.com", 21, "Signed"))
    result = run(capturing, "capture")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "capture maya@localhost: 1 email logged on 1 deal; 1 already logged"


def _nowhere_in(root, secret: bytes) -> list[str]:
    return [str(p) for p in root.rglob("*") if p.is_file() and secret in p.read_bytes()]


def test_no_password_anywhere_in_the_workspace_or_its_git_after_capture(account, make_workspace, run,  # noqa: F811
                                                                       tmp_path, monkeypatch):
    config = tmp_path / "home" / "config.yaml"
    config.parent.mkdir()
    config.write_text(f"caldav: {{url: '{account.url}', user: maya, password_cmd: 'printf secret', "
                      "calendars: [Work]}\n", encoding="utf-8")
    monkeypatch.setenv("PIPE_CONFIG", str(config))
    workspace = make_workspace({"acme": simple_deal("acme", created="2026-10-01", contacts=CONTACTS)})
    committed_repository(workspace.root, monkeypatch)
    result = run(workspace, "capture", "--since", "2026-11-01", "--commit", "--verbose")
    assert result.exit_code == 0, result.stderr
    assert "secret" not in result.output
    assert (workspace.root / ".pipe" / "capture.json").exists()
    assert _nowhere_in(workspace.root, b"secret") == []
    log_text = subprocess.run(["git", "log", "-p", "--all"], cwd=workspace.root, capture_output=True).stdout
    assert b"meeting" in log_text and b"secret" not in log_text


@pytest.mark.parametrize("damage", [{"sync_token": 5}, {"sync_token": ["x"]},
                                    {"window": None, "series": [{"a": 1}, ["b"]]}])
def test_a_damaged_caldav_state_is_a_full_read_not_a_traceback(account, make_workspace, run, tmp_path,  # noqa: F811
                                                               monkeypatch, damage):
    import json

    configure_caldav(account, tmp_path, monkeypatch)
    workspace = make_workspace({"acme": simple_deal("acme", created="2026-10-01", contacts=CONTACTS)})
    assert run(workspace, "capture", "--since", "2026-11-01").exit_code == 0
    path = workspace.root / ".pipe" / "capture.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    for calendar in state["caldav"][account.url]["calendars"].values():
        calendar.update(damage)
    path.write_text(json.dumps(state), encoding="utf-8")
    again = run(workspace, "capture", "--since", "2026-11-01")
    assert again.exit_code == 0, again.stderr
    assert again.stdout.splitlines()[-1].startswith("capture maya@127.0.0.1: 0 meetings logged on 0 deals")


def test_ctrl_c_before_the_calendar_s_state_is_saved_commits_its_meetings(account, make_workspace, run,  # noqa: F811
                                                                         tmp_path, monkeypatch):
    # The next run finds those meetings logged already and writes nothing: uncommitted, they stayed so.
    from pipecli.core.store import capturestate

    configure_caldav(account, tmp_path, monkeypatch)
    workspace = make_workspace({"acme": simple_deal("acme", created="2026-10-01", contacts=CONTACTS)})
    git = committed_repository(workspace.root, monkeypatch)

    def interrupted(root, state):
        raise KeyboardInterrupt

    monkeypatch.setattr(capturestate, "write_state", interrupted)
    result = run(workspace, "capture", "--since", "2026-11-01", "--commit")
    assert result.exit_code == 130 and "Traceback" not in result.stderr
    assert git("status", "--porcelain", "deals").strip() == ""
    assert git("log", "-1", "--format=%s").strip().startswith("capture maya@127.0.0.1: ")
    assert git("log", "-1", "--format=%s").strip().endswith(" before it stopped")


@requires_dovecot
def test_a_sent_folder_listed_in_raw_utf8_is_not_a_traceback(run, capturing, dovecot, monkeypatch):  # noqa: F811
    # A server should list names in modified UTF-7; one that sends UTF-8 names a folder imaplib
    # cannot SELECT (it sends ASCII only): the member's own 'Sent' is read instead.
    real_list = imaplib.IMAP4.list

    def listing(self, *args):
        status, lines = real_list(self, *args)
        return status, ([b'(\\HasNoChildren \\Sent) "/" "\xc3\x89l\xc3\xa9ments envoy\xc3\xa9s"']
                        + [line for line in lines if b"Sent" not in line])

    monkeypatch.setattr(imaplib.IMAP4, "list", listing)
    dovecot.append("INBOX", mail(1, LI, "alice@example.com", 20, "Pricing"))
    result = run(capturing, "capture")
    assert result.exit_code == 0, result.stderr
    assert result.stdout.splitlines()[-1] == ("capture maya@localhost: 1 email logged on 1 deal; "
                                              "1 skipped (folder not on the server: 1)")
