"""pipe capture against a real IMAP server (Dovecot): incremental, resumable, each email logged once."""

from __future__ import annotations

import imaplib
import json
import os
import re
import sys

import pytest

from pipecli.core.importing import imapfetch
from pipecli.core.store import capturestate
from tests.conftest import committed_repository, failed, requires_dovecot, run_on_pty, simple_deal
from tests.dovecot_server import dovecot  # noqa: F401
from tests.test_team_git import team, template  # noqa: F401  (fixtures)

pytestmark = requires_dovecot

LI = "li@acme.example"


def mail(number: int, sender: str, to: str, day: int, subject: str) -> bytes:
    return (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <m{number}@mail.example>\r\n"
            f"Date: {day} Nov 2026 10:00:00 +0000\r\n\r\nHello.\r\n").encode()


@pytest.fixture(autouse=True)
def paris(monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Paris")


@pytest.fixture
def workspace(make_workspace):
    return make_workspace({"acme": simple_deal("acme", created="2026-10-01",
                                               contacts=f"\n- {{name: Li Na, email: {LI}}}")})


@pytest.fixture
def configured(dovecot, tmp_path, monkeypatch):  # noqa: F811
    def configure(**imap):
        path = tmp_path / "home" / "pipe.yaml"
        path.parent.mkdir(exist_ok=True)
        path.write_text(dovecot.config_text(**imap), encoding="utf-8")
        monkeypatch.setenv("PIPE_CONFIG", str(path))
    configure()
    return configure


def deal_text(workspace) -> str:
    return (workspace.root / "deals" / "acme.md").read_text(encoding="utf-8")


def state(workspace) -> dict:
    return json.loads((workspace.root / ".pipe" / "capture.json").read_text(encoding="utf-8"))


def summary(result) -> str:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result.stdout.splitlines()[-1]


def test_first_run_logs_inbox_and_sent_found_by_special_use(run, workspace, dovecot, configured):  # noqa: F811
    dovecot.append("INBOX", mail(1, LI, "alice@example.com", 20, "Pricing"),
                   mail(2, "news@other.example", "alice@example.com", 21, "Newsletter"))
    dovecot.append("Sent Messages", mail(3, "alice@example.com", LI, 22, "Re: Pricing"))
    result = run(workspace, "capture")
    assert result.stdout.splitlines()[:2] == [
        "acme: logged email in of 2026-11-20 11:00 by alice: Pricing",
        "acme: logged email out of 2026-11-22 11:00 by alice: Re: Pricing"]
    assert summary(result) == ("capture maya@localhost: 2 emails logged on 1 deal; "
                               "1 matching no deal (--verbose lists them)")
    text = deal_text(workspace)
    assert "message_id: <m1@mail.example>" in text and "message_id: <m3@mail.example>" in text
    folders = state(workspace)["imap"]["maya@localhost"]
    assert folders["INBOX"]["last_uid"] == 2 and folders["Sent"]["last_uid"] == 1


def test_second_run_fetches_nothing_and_new_mail_is_logged(run, workspace, dovecot, configured):  # noqa: F811
    dovecot.append("INBOX", mail(1, LI, "alice@example.com", 20, "Pricing"))
    assert summary(run(workspace, "capture")) == "capture maya@localhost: 1 email logged on 1 deal"
    before = deal_text(workspace)
    # nothing read again: not even counted as already logged
    assert summary(run(workspace, "capture")) == "capture maya@localhost: 0 emails logged on 0 deals"
    assert deal_text(workspace) == before
    dovecot.append("INBOX", mail(4, LI, "alice@example.com", 25, "Signed"))
    result = run(workspace, "capture")
    assert result.stdout.splitlines()[0] == "acme: logged email in of 2026-11-25 11:00 by alice: Signed"
    assert summary(result) == "capture maya@localhost: 1 email logged on 1 deal"


def test_a_changed_uidvalidity_reads_the_folder_again_logging_nothing_twice(run, workspace, dovecot,  # noqa: F811
                                                                           configured):
    configured(folders="[Projects]")
    dovecot.append("Projects", mail(1, LI, "alice@example.com", 20, "Pricing"))
    run(workspace, "capture")
    validity = state(workspace)["imap"]["maya@localhost"]["Projects"]["uidvalidity"]
    # deleted and made again (as a server restored from a backup): its UIDs start over
    dovecot.recreate("Projects", mail(1, LI, "alice@example.com", 20, "Pricing"),
                     mail(5, LI, "alice@example.com", 26, "Kick-off"))
    result = run(workspace, "capture")
    assert summary(result) == "capture maya@localhost: 1 email logged on 1 deal; 1 already logged"
    assert state(workspace)["imap"]["maya@localhost"]["Projects"]["uidvalidity"] != validity
    assert deal_text(workspace).count("message_id: <m1@mail.example>") == 1


def test_a_dropped_connection_resumes_where_it_stopped(run, workspace, dovecot, configured, monkeypatch):  # noqa: F811
    dovecot.append("INBOX", *(mail(n, LI, "alice@example.com", 10 + n, f"Mail {n}") for n in range(1, 4)))
    monkeypatch.setattr(imapfetch, "BATCH", 1)
    fetches = []
    real_uid = imaplib.IMAP4.uid

    def dropping(self, command, *args):
        if command == "FETCH":
            fetches.append(args)
            if len(fetches) == 2:
                self.sock.shutdown(2)  # the network goes away before the second batch
        return real_uid(self, command, *args)

    monkeypatch.setattr(imaplib.IMAP4, "uid", dropping)
    git = committed_repository(workspace.root, monkeypatch)
    result = run(workspace, "capture", "--commit")
    assert result.stdout.splitlines() == ["acme: logged email in of 2026-11-11 11:00 by alice: Mail 1"]
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "pipe: imap: localhost: the connection was lost" in result.stderr and "run pipe capture again" in result.stderr
    # what was written before the drop is committed, to reach the team with the next sync
    assert git("log", "-1", "--format=%s").strip() == "capture maya@localhost: 1 email logged on 1 deal before it stopped"
    assert git("status", "--porcelain", "deals") == ""
    monkeypatch.setattr(imaplib.IMAP4, "uid", real_uid)
    result = run(workspace, "capture")
    assert summary(result) == "capture maya@localhost: 2 emails logged on 1 deal"  # none read twice
    text = deal_text(workspace)
    assert all(text.count(f"message_id: <m{n}@mail.example>") == 1 for n in range(1, 4))


def test_a_run_killed_after_writing_but_before_saving_its_state_logs_nothing_twice(run, workspace, dovecot,  # noqa: F811
                                                                                   configured, monkeypatch):
    dovecot.append("INBOX", *(mail(n, LI, "alice@example.com", 10 + n, f"Mail {n}") for n in range(1, 4)))
    monkeypatch.setattr(imapfetch, "BATCH", 2)
    real_write = capturestate.write_state

    def killed(root, data):
        raise KeyboardInterrupt

    monkeypatch.setattr(capturestate, "write_state", killed)
    result = run(workspace, "capture")
    assert result.exit_code == 130
    assert not (workspace.root / ".pipe" / "capture.json").exists()
    monkeypatch.setattr(capturestate, "write_state", real_write)
    assert summary(run(workspace, "capture")) == "capture maya@localhost: 1 email logged on 1 deal; 2 already logged"
    text = deal_text(workspace)
    assert all(text.count(f"message_id: <m{n}@mail.example>") == 1 for n in range(1, 4))


def test_a_corrupt_state_file_means_a_full_rescan(run, workspace, dovecot, configured):  # noqa: F811
    dovecot.append("INBOX", mail(1, LI, "alice@example.com", 20, "Pricing"))
    run(workspace, "capture")
    (workspace.root / ".pipe" / "capture.json").write_text('{"imap": {"maya@localhost": {"INBOX": [', "utf-8")
    assert summary(run(workspace, "capture")) == "capture maya@localhost: 0 emails logged on 0 deals; 1 already logged"
    assert state(workspace)["imap"]["maya@localhost"]["INBOX"]["last_uid"] == 1


def test_since_limits_the_first_run_only(run, workspace, dovecot, configured):  # noqa: F811
    dovecot.append("INBOX", mail(1, LI, "alice@example.com", 2, "Old"), mail(2, LI, "alice@example.com", 25, "New"))
    assert summary(run(workspace, "capture", "--since", "7d")) == "capture maya@localhost: 1 email logged on 1 deal"
    assert "Old" not in deal_text(workspace) and "New" in deal_text(workspace)


def test_dry_run_writes_nothing(run, workspace, dovecot, configured):  # noqa: F811
    dovecot.append("INBOX", mail(1, LI, "alice@example.com", 20, "Pricing"))
    before = deal_text(workspace)
    result = run(workspace, "capture", "--dry-run")
    assert result.exit_code == 0
    assert result.stdout == "acme: would log email in of 2026-11-20 11:00 by alice: Pricing\n"
    assert "dry run: 1 email to log on 1 deal; nothing changed" in result.stderr
    assert deal_text(workspace) == before and not (workspace.root / ".pipe" / "capture.json").exists()


def test_starttls(run, workspace, dovecot, configured):  # noqa: F811
    configured(security="starttls", port=dovecot.starttls_port)
    dovecot.append("INBOX", mail(1, LI, "alice@example.com", 20, "Pricing"))
    assert summary(run(workspace, "capture")) == "capture maya@localhost: 1 email logged on 1 deal"


def test_a_wrong_password_is_one_line(run, workspace, dovecot, configured, monkeypatch):  # noqa: F811
    monkeypatch.setenv("PIPE_TEST_IMAP_PASSWORD", "wrong")
    failed(run(workspace, "capture"), "imap: maya at localhost: login refused", "check the user and the password")


def test_an_untrusted_certificate_is_one_line(run, workspace, dovecot, configured, monkeypatch, tmp_path):  # noqa: F811
    import trustme

    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("SSL_CERT_FILE", str(other))
    failed(run(workspace, "capture"), f"imap: localhost:{dovecot.port}: the server's certificate is not trusted")


def test_a_certificate_for_another_name_is_refused(run, workspace, dovecot, configured):  # noqa: F811
    configured(host="127.0.0.1")  # this server, but not a name its certificate holds
    failed(run(workspace, "capture"), "the server's certificate is not trusted")


def test_commit_says_what_was_captured_and_the_state_stays_out_of_git(run, dovecot, configured, tmp_path,  # noqa: F811
                                                                     monkeypatch):
    root = tmp_path / "team"
    assert run(None, "init", str(root)).exit_code == 0  # its .gitignore holds .pipe/, where the state goes
    (root / "deals" / "acme.md").write_text(simple_deal("acme", created="2026-10-01",
                                                        contacts=f"\n- {{name: Li Na, email: {LI}}}"))
    git = committed_repository(root, monkeypatch)
    dovecot.append("INBOX", mail(1, LI, "alice@example.com", 20, "Pricing"))
    result = run(root, "capture", "--commit")
    assert result.exit_code == 0, result.stderr
    assert git("log", "-1", "--format=%s").strip() == "capture maya@localhost: 1 email logged on 1 deal"
    assert git("log", "-1", "--format=%b").split("\n")[0] == "acme: 1 email"
    assert (root / ".pipe" / "capture.json").exists()
    assert git("status", "--porcelain") == ""
    assert "committed" not in run(root, "capture", "--commit").stderr  # nothing new: no commit


def test_a_progress_bar_on_a_terminal(workspace, dovecot, configured, monkeypatch):  # noqa: F811
    dovecot.append("INBOX", *(mail(n, "x@other.example", "alice@example.com", 10 + n, "N") for n in range(1, 6)))
    env = dict(os.environ, PIPE_TODAY="2026-11-27", PIPE_USER="alice", NO_COLOR="1", COLUMNS="100")
    code, seen = run_on_pty([sys.executable, "-m", "pipecli", "-C", str(workspace.root), "capture"], env)
    shown = seen.decode("utf-8", "replace")
    assert code == 0, shown
    assert re.search(r"capture INBOX .*5/5", shown), shown
    assert "capture maya@localhost: 0 emails logged on 0 deals; 5 matching no deal" in shown


def test_folders_with_non_ascii_names_and_a_missing_folder(run, workspace, dovecot, configured):  # noqa: F811
    configured(folders="[Geschäft, Nowhere]")
    dovecot.append("Gesch&AOQ-ft", mail(1, LI, "alice@example.com", 20, "Angebot"))  # modified UTF-7
    result = run(workspace, "capture")
    assert result.stdout.splitlines()[0] == "acme: logged email in of 2026-11-20 11:00 by alice: Angebot"
    assert summary(result) == ("capture maya@localhost: 1 email logged on 1 deal; "
                               "1 skipped (folder not on the server: 1)")
    assert set(state(workspace)["imap"]["maya@localhost"]) == {"Geschäft", "Nowhere"}


def test_a_non_ascii_password_is_sent_as_utf8(run, workspace, dovecot, configured, monkeypatch):  # noqa: F811
    configured(user="li")
    monkeypatch.setenv("PIPE_TEST_IMAP_PASSWORD", "pässwörd")
    assert summary(run(workspace, "capture")) == "capture li@localhost: 0 emails logged on 0 deals"
    monkeypatch.setenv("PIPE_TEST_IMAP_PASSWORD", "passwörd")
    failed(run(workspace, "capture"), "imap: li at localhost: login refused")


def test_a_large_mailbox_costs_its_headers_only(run, workspace, dovecot, configured):  # noqa: F811
    import tracemalloc

    body = b"x" * 998 + b"\r\n"
    big = [mail(n, LI, "alice@example.com", 10 + n, f"Big {n}").replace(b"Hello.\r\n", body * 5000)
           for n in range(1, 11)]  # 10 messages of 5 MB
    filler = (b"X-Filler: " + b"y" * 990 + b"\r\n") * 6000  # 6 MB of headers
    dovecot.append("INBOX", *big, mail(11, LI, "alice@example.com", 21, "Headers").replace(b"\r\n\r\n",
                                                                                      b"\r\n" + filler + b"\r\n"))
    tracemalloc.start()
    try:
        result = run(workspace, "capture")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert summary(result) == ("capture maya@localhost: 10 emails logged on 1 deal; "
                               "1 skipped (headers too large: 1)")
    assert peak < 4 * 2**20, peak  # the mailbox holds 56 MB


def test_two_members_capturing_the_same_thread_log_it_once(team, dovecot, tmp_path):  # noqa: F811
    """Alice reads maya's mailbox and Bob li's; the customer wrote to both: one email on the deal."""
    acme = team.acme
    team.alice.pipe("contact", "add", acme, f"Jonas Weber <{LI.replace('li@', 'jonas@')}>")
    team.alice.pipe("sync")
    team.bob.pipe("sync")
    jonas = LI.replace("li@", "jonas@")
    both = mail(7, jonas, "alice@example.com, bob@example.com", 27, "Budget approved")  # the deal is from today
    dovecot.append("INBOX", both)
    for clone, user in ((team.alice, "maya"), (team.bob, "li")):
        config = tmp_path / f"{clone.user}.yaml"
        config.write_text(dovecot.config_text(user=user, password_env="PIPE_TEST_PW"), encoding="utf-8")
        clone.env.update(PIPE_CONFIG=str(config), SSL_CERT_FILE=dovecot.ca_file,
                         PIPE_TEST_PW="secret" if user == "maya" else "pässwörd")
    import ssl

    other = imaplib.IMAP4_SSL("localhost", dovecot.port, ssl_context=ssl.create_default_context(cafile=dovecot.ca_file))
    other.authenticate("PLAIN", lambda _: "\0li\0pässwörd".encode())
    assert other.append("INBOX", None, None, both)[0] == "OK"
    other.logout()
    for clone in (team.alice, team.bob):
        done = clone.pipe("capture", "--commit")
        assert "1 email logged on 1 deal" in done.stdout, done.stdout + done.stderr
    before = team.snapshot()
    team.sync_all()
    team.assert_settled(before)
    emails = [a for a in team.alice.deal(acme)["activities"] if a.get("message_id")]
    assert [a["message_id"] for a in emails] == ["<m7@mail.example>"]


def test_a_server_that_gives_no_uidvalidity_has_its_folders_read_in_full_each_time(run, workspace, dovecot,  # noqa: F811
                                                                                   configured, monkeypatch):
    real = imaplib.IMAP4.response
    monkeypatch.setattr(imaplib.IMAP4, "response",
                        lambda self, code: (code, [None]) if code == "UIDVALIDITY" else real(self, code))
    dovecot.append("INBOX", mail(1, LI, "alice@example.com", 20, "Pricing"))
    assert summary(run(workspace, "capture")) == "capture maya@localhost: 1 email logged on 1 deal"
    assert summary(run(workspace, "capture")) == "capture maya@localhost: 0 emails logged on 0 deals; 1 already logged"
