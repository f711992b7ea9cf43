"""pipe capture as a member uses it: one config naming her mail (Dovecot) and calendar (Radicale) servers,
the deal's timeline filling itself, and the reports and suggestions counting what was captured."""

from __future__ import annotations

import json

import pytest

from tests.conftest import requires_dovecot, simple_deal
from tests.dovecot_server import dovecot  # noqa: F401,F811  (fixture)
from tests.test_caldav import PARIS, start_radicale, stop, vcalendar
from tests.test_capture_imap import mail

pytestmark = requires_dovecot

LI = "li@acme.example"
MEETING = vcalendar("""\
    UID:review-1@example.com
    SUMMARY:Proposal review
    DTSTART;TZID=America/New_York:20261124T100000
    DTEND;TZID=America/New_York:20261124T104500
    ORGANIZER:mailto:alice@example.com
    ATTENDEE:mailto:li@acme.example""")


@pytest.fixture
def radicale(tmp_path):
    server, port = start_radicale(tmp_path / "radicale")
    yield f"http://127.0.0.1:{port}/"
    stop(server)


@pytest.fixture
def servers(dovecot, radicale, tmp_path, monkeypatch):  # noqa: F811
    """Maya's mail and calendar, one email and one meeting with Li of Acme, and her config outside the workspace."""
    import caldav

    dovecot.append("INBOX", mail(1, LI, "alice@example.com", 23, "Pricing question"))
    with caldav.DAVClient(url=radicale, username="maya", password="secret") as client:
        client.principal().make_calendar(name="Work").save_event(MEETING)
    config = tmp_path / "home" / "config.yaml"
    config.parent.mkdir()
    config.write_text(dovecot.config_text() + f"caldav: {{url: '{radicale}', user: maya, "
                      "password_env: PIPE_TEST_CALDAV, calendars: [Work]}\n", encoding="utf-8")
    monkeypatch.setenv("PIPE_CONFIG", str(config))
    monkeypatch.setenv("PIPE_TEST_IMAP_PASSWORD", "secret")
    monkeypatch.setenv("PIPE_TEST_CALDAV", "secret")
    monkeypatch.setenv("TZ", str(PARIS))
    return dovecot


def test_the_timeline_fills_itself_and_the_reports_count_it(run, make_workspace, servers):
    workspace = make_workspace({"acme": simple_deal("acme", created="2026-10-01", owner="alice",
                                                    contacts=f"\n- {{name: Li Na, email: {LI}}}")})
    forgotten = run(workspace, "tasks", "--suggested")
    assert forgotten.exit_code == 0 and "acme:inactive" in forgotten.stdout  # nothing logged since October
    first = run(workspace, "capture")
    assert first.exit_code == 0, first.stderr
    assert first.stdout.splitlines()[-1] == "capture maya@localhost, maya@127.0.0.1: 1 email, 1 meeting logged on 1 deal"
    timeline = run(workspace, "timeline", "acme").stdout
    # 10:00 in New York is 16:00 in Paris; the email's 10:00 UTC is 11:00 there
    assert "2026-11-24 16:00  meeting" in timeline and "Proposal review (45 min)" in timeline
    assert "2026-11-23 11:00  email" in timeline and "Pricing question" in timeline
    again = run(workspace, "capture")
    assert again.stdout.splitlines()[-1] == ("capture maya@localhost, maya@127.0.0.1: 0 emails, 0 meetings "
                                             "logged on 0 deals")
    team = json.loads(run(workspace, "report", "team", "--period", "2026-11", "--format", "json").stdout)
    (alice,) = [row for row in team["reports"]["team"]["tables"]["team"]["rows"] if row["owner"] == "alice"]
    assert (alice["email"], alice["meeting"]) == (1, 1)
    # last activity 2026-11-24, three days before today: not a forgotten deal, but a meeting to write up
    suggested = run(workspace, "tasks", "--suggested")
    assert suggested.exit_code == 0, suggested.stderr
    assert "acme:inactive" not in suggested.stdout and "acme:meeting-notes" in suggested.stdout, suggested.stdout
    # nothing of the member's own settings inside the workspace, in a file or in what git would see
    for path in workspace.root.rglob("*"):
        if path.is_file():
            assert b"secret" not in path.read_bytes(), path


def test_a_second_mail_arrives_and_only_it_is_logged(run, make_workspace, servers):
    workspace = make_workspace({"acme": simple_deal("acme", created="2026-10-01",
                                                    contacts=f"\n- {{name: Li Na, email: {LI}}}")})
    assert run(workspace, "capture").exit_code == 0
    servers.append("INBOX", mail(2, LI, "alice@example.com", 25, "Signed"))
    later = run(workspace, "capture")
    assert later.stdout.splitlines()[-1] == "capture maya@localhost, maya@127.0.0.1: 1 email, 0 meetings logged on 1 deal"
