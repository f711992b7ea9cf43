"""Meetings fetched from a real CalDAV server (Radicale, run by the test on a loopback port) by
core/importing/caldavfetch.py, then logged as `pipe import-calendar` logs them."""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from pipecli.core.errors import PipeError
from pipecli.core.importing.caldavfetch import CalDavAuthError, CalDavCertificateError, CalDavError, fetch_events
from pipecli.core.importing.capture import apply, plan_capture
from pipecli.core.model.personal import CalDavAccount, Secret
from pipecli.core.workflow import bulk
from tests.conftest import failed, simple_deal

D = dt.date
PARIS = ZoneInfo("Europe/Paris")
TODAY = D(2026, 11, 27)
WINDOW = (D(2026, 11, 1), D(2026, 12, 5))
CONTACTS = "\n- {name: Li Na, email: li.na@acme.example}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_radicale(folder: Path, *options: str) -> tuple[subprocess.Popen, int]:
    """Radicale on a free loopback port, user maya (password 'secret'), storing under folder."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "users").write_text("maya:secret\n")
    (folder / "config").write_text("")  # no /etc/radicale/config or ~/.config/radicale/config
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "radicale", "--config", str(folder / "config"),
         "--server-hosts", f"127.0.0.1:{port}", "--storage-filesystem-folder", str(folder / "storage"),
         "--auth-type", "htpasswd", "--auth-htpasswd-filename", str(folder / "users"),
         "--auth-htpasswd-encryption", "plain", "--auth-delay", "0", "--logging-level", "warning", *options],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"radicale did not start: {server.stderr.read().decode()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("radicale did not listen within 30 s")


def stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
    server.stderr.close()


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    server, port = start_radicale(tmp_path_factory.mktemp("radicale"))
    yield f"http://127.0.0.1:{port}/"
    stop(server)


def vcalendar(*events: str) -> str:
    body = "".join(f"BEGIN:VEVENT\n{textwrap.dedent(e).strip()}\nDTSTAMP:20261101T000000Z\nEND:VEVENT\n"
                   for e in events)
    return f"BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//pipe tests//EN\n{body}END:VCALENDAR\n".replace("\n", "\r\n")


PLAIN = vcalendar("""\
    UID:plain-1@example.com
    SUMMARY:Sizing call
    DTSTART:20261118T150000Z
    DTEND:20261118T160000Z
    ORGANIZER:mailto:alice@example.com
    ATTENDEE:mailto:alice@example.com
    ATTENDEE:mailto:li.na@acme.example""")
# Weekly on Tuesdays at 10:00 in New York (16:00 in Paris): 3, 10, 17 (moved to the 18th, 11:00),
# 24 (cancelled) November, 1 December in the window; 8 December after it.
WEEKLY = vcalendar("""\
    UID:weekly-1@example.com
    SUMMARY:Weekly check-in
    DTSTART;TZID=America/New_York:20261103T100000
    DTEND;TZID=America/New_York:20261103T103000
    RRULE:FREQ=WEEKLY;COUNT=6
    ORGANIZER:mailto:bob@example.com
    ATTENDEE:mailto:li.na@acme.example""", """\
    UID:weekly-1@example.com
    RECURRENCE-ID;TZID=America/New_York:20261117T100000
    SUMMARY:Weekly check-in (moved)
    DTSTART;TZID=America/New_York:20261118T110000
    DTEND;TZID=America/New_York:20261118T113000
    ORGANIZER:mailto:bob@example.com
    ATTENDEE:mailto:li.na@acme.example""", """\
    UID:weekly-1@example.com
    RECURRENCE-ID;TZID=America/New_York:20261124T100000
    STATUS:CANCELLED
    SUMMARY:Weekly check-in
    DTSTART;TZID=America/New_York:20261124T100000
    DTEND;TZID=America/New_York:20261124T103000
    ORGANIZER:mailto:bob@example.com
    ATTENDEE:mailto:li.na@acme.example""")
CANCELLED = vcalendar("""\
    UID:cancelled-1@example.com
    STATUS:CANCELLED
    SUMMARY:Call that did not happen
    DTSTART:20261120T090000Z
    ATTENDEE:mailto:li.na@acme.example""")
OUTSIDE = vcalendar("""\
    UID:later-1@example.com
    SUMMARY:Kick-off next year
    DTSTART:20270115T090000Z
    ATTENDEE:mailto:li.na@acme.example""")
HOME = vcalendar("""\
    UID:dentist-1@example.com
    SUMMARY:Dentist
    DTSTART:20261119T080000Z
    ATTENDEE:mailto:li.na@acme.example""")

# Invitations anyone can send: expanded, each would be millions of occurrences in the window. (They
# start in it: from years before, Radicale itself takes minutes to tell whether they are in it.)
HOSTILE = [vcalendar(f"""\
    UID:storm-{n}@example.com
    SUMMARY:Storm
    DTSTART:20261101T000000Z
    RRULE:{rule}
    ATTENDEE:mailto:li.na@acme.example""") for n, rule in enumerate((
    "FREQ=SECONDLY", "FREQ=MINUTELY;INTERVAL=1", "FREQ=HOURLY",
    "FREQ=DAILY;BYHOUR=" + ",".join(map(str, range(24))) + ";BYMINUTE=" + ",".join(map(str, range(60)))))]


@pytest.fixture(scope="module")
def account(radicale):
    """A principal with a 'Work' calendar of the events above and a 'Home' one, made through the caldav client."""
    import caldav

    with caldav.DAVClient(url=radicale, username="maya", password="secret") as client:
        principal = client.principal()
        work = principal.make_calendar(name="Work")
        for text in (PLAIN, WEEKLY, CANCELLED, OUTSIDE):
            work.save_event(text)
        principal.make_calendar(name="Home").save_event(HOME)
        invites = principal.make_calendar(name="Invites")
        for text in HOSTILE:
            invites.save_event(text)
    return calendar_account(radicale, ("Work",))


def calendar_account(url: str, calendars: tuple[str, ...] = (), password: str = "secret") -> CalDavAccount:
    """maya's account, as pipe capture builds it from her config (the password fetched)."""
    return CalDavAccount(url, "maya", Secret(env="PIPE_TEST_CALDAV"), calendars, password=password)


def add_event(account: CalDavAccount, text: str) -> None:
    import caldav

    with caldav.DAVClient(url=account.url, username=account.user, password=account.password) as client:
        next(c for c in client.principal().calendars() if c.get_display_name() == "Work").save_event(text)


def meetings(reading) -> list[tuple]:
    return sorted((i.date, i.time, i.minutes, i.summary, i.key, i.occurrence) for i in reading.items)


FIRST_RUN = [
    (D(2026, 11, 3), "16:00", 30, "Weekly check-in", "weekly-1@example.com", "20261103T150000Z"),
    (D(2026, 11, 10), "16:00", 30, "Weekly check-in", "weekly-1@example.com", "20261110T150000Z"),
    (D(2026, 11, 18), "16:00", 60, "Sizing call", "plain-1@example.com", None),
    (D(2026, 11, 18), "17:00", 30, "Weekly check-in (moved)", "weekly-1@example.com", "20261117T150000Z"),
    (D(2026, 12, 1), "16:00", 30, "Weekly check-in", "weekly-1@example.com", "20261201T150000Z"),
]


def test_the_window_s_meetings_each_occurrence_on_its_own_and_nothing_twice(account):
    reading, state = fetch_events(account, {}, WINDOW, PARIS)
    # each occurrence of the series in the window, the moved one where it moved to; not the event
    # in January, not the Home calendar, which the account does not name
    assert meetings(reading) == FIRST_RUN
    assert sorted(s.reason for s in reading.skipped) == ["cancelled", "cancelled"]  # the occurrence, the event
    state = json.loads(json.dumps(state))  # as the caller keeps it
    again, state = fetch_events(account, state, WINDOW, PARIS)
    assert (again.items, again.skipped) == ([], [])
    add_event(account, vcalendar("""\
        UID:new-1@example.com
        SUMMARY:Proposal walkthrough
        DTSTART;TZID=Europe/Paris:20261130T143000
        DURATION:PT45M
        ATTENDEE:mailto:li.na@acme.example"""))
    third, state = fetch_events(account, state, WINDOW, PARIS)
    assert meetings(third) == [(D(2026, 11, 30), "14:30", 45, "Proposal walkthrough", "new-1@example.com", None)]
    assert fetch_events(account, state, WINDOW, PARIS)[0].items == []


def test_state_without_a_sync_token_still_reads_only_what_changed(account):
    # a server without sync-collection: the ETags alone tell what was read
    _, state = fetch_events(account, {}, WINDOW, PARIS)
    for kept in state["calendars"].values():
        kept["sync_token"] = None
    reading, _ = fetch_events(account, state, WINDOW, PARIS)
    assert (reading.items, reading.skipped) == ([], [])


def test_a_token_the_server_does_not_know_or_a_damaged_state_is_a_full_read(account):
    _, state = fetch_events(account, {}, WINDOW, PARIS)
    for kept in state["calendars"].values():
        kept["sync_token"] = "http://radicale.org/ns/sync/" + "0" * 64
        kept["window"] = ["2026-10-01", "2026-10-31"]
    assert meetings(fetch_events(account, state, WINDOW, PARIS)[0])[:2] == FIRST_RUN[:2]
    for damaged in ({"calendars": "junk"}, {"calendars": {url: {"etags": [], "series": "x", "window": 3}
                                                          for url in state["calendars"]}}, []):
        assert meetings(fetch_events(account, damaged, WINDOW, PARIS)[0])[:2] == FIRST_RUN[:2]


def test_every_calendar_when_the_account_names_none(account):
    reading, state = fetch_events(calendar_account(account.url), {}, WINDOW, PARIS)
    assert "Dentist" in [i.summary for i in reading.items]
    assert sorted(kept["name"] for kept in state["calendars"].values()) == ["Home", "Invites", "Work"]


def test_a_series_that_would_meet_more_than_once_a_day_is_never_expanded(account):
    started = time.monotonic()
    reading, _ = fetch_events(calendar_account(account.url, ("Invites",)), {}, WINDOW, PARIS)
    assert time.monotonic() - started < 20
    assert reading.items == []
    assert sorted((s.reason, s.detail) for s in reading.skipped) == [
        ("recurs too often", "storm-0@example.com: FREQ=SECONDLY"),
        ("recurs too often", "storm-1@example.com: FREQ=MINUTELY"),
        ("recurs too often", "storm-2@example.com: FREQ=HOURLY"),
        ("recurs too often", "storm-3@example.com: BYHOUR of 24 values")]


def test_a_calendar_that_is_not_there_names_those_that_are(account):
    with pytest.raises(CalDavError) as raised:
        fetch_events(calendar_account(account.url, ("Work", "Private")), {}, WINDOW, PARIS)
    assert str(raised.value) == (f"{account.url}: no calendar named 'Private' for 'maya' "
                                 "(there are: 'Home', 'Invites', 'Work')")


def test_a_wrong_password_is_one_clear_error(account):
    with pytest.raises(CalDavAuthError) as raised:
        fetch_events(calendar_account(account.url, password="wrong"), {}, WINDOW, PARIS)
    assert str(raised.value) == f"{account.url}: the server refused user 'maya' and its password"


def test_a_server_that_is_not_there_is_one_clear_error():
    url = f"http://127.0.0.1:{free_port()}/"
    with pytest.raises(CalDavError) as raised:
        fetch_events(calendar_account(url), {}, WINDOW, PARIS)
    assert str(raised.value).startswith(f"{url}: connection refused")
    assert "\n" not in str(raised.value)


def test_a_host_that_does_not_exist_is_one_clear_error():
    with pytest.raises(CalDavError) as raised:
        fetch_events(calendar_account("https://cal.invalid/dav/"), {}, WINDOW, PARIS)
    assert str(raised.value) == "https://cal.invalid/dav/: no such host (check the url)"


def test_an_untrusted_certificate_is_one_clear_error(tmp_path):
    import trustme

    authority = trustme.CA()  # not among the system's authorities, so never trusted by the client
    served = authority.issue_cert("127.0.0.1")
    served.cert_chain_pems[0].write_to_path(str(tmp_path / "cert.pem"))
    served.private_key_pem.write_to_path(str(tmp_path / "key.pem"))
    server, port = start_radicale(tmp_path / "tls", "--ssl", "--certificate", str(tmp_path / "cert.pem"),
                                  "--key", str(tmp_path / "key.pem"))
    try:
        with pytest.raises(CalDavCertificateError) as raised:
            fetch_events(calendar_account(f"https://127.0.0.1:{port}/"), {}, WINDOW, PARIS)
    finally:
        stop(server)
    assert str(raised.value).startswith(f"https://127.0.0.1:{port}/: the server's certificate is not trusted")
    assert isinstance(raised.value, PipeError)


# -- logged as `pipe import-calendar` logs them --------------------------------------------------

def log(workspace, reading) -> None:
    """What cli/capture.py does with a Reading: plan under the lock, apply in memory, write."""
    config = workspace.config
    with workspace.lock():
        found = plan_capture(reading, workspace.deals(), config, TODAY)
        planned = bulk.plan([found.deals[deal_id] for deal_id in found.entries], config, TODAY,
                            lambda deal: (apply(deal, found.entries[deal.id], config, TODAY), None))
        bulk.write(workspace.save, workspace.is_saved, planned.changes, iter, workspace.check_writable)


def test_the_deal_s_timeline_shows_each_meeting_at_its_local_time(account, make_workspace, run, monkeypatch):
    monkeypatch.setenv("TZ", "Europe/Paris")
    workspace = make_workspace({"acme": simple_deal("acme", created="2026-10-01", contacts=CONTACTS)})
    reading, state = fetch_events(account, {}, WINDOW, PARIS)
    log(workspace, reading)
    timeline = run(workspace, "timeline", "acme")
    assert timeline.exit_code == 0, timeline.stderr
    shown = [line for line in timeline.stdout.splitlines() if "meeting" in line]
    for day, at, summary in (("2026-11-03", "16:00", "Weekly check-in"), ("2026-11-18", "16:00", "Sizing call"),
                             ("2026-11-18", "17:00", "Weekly check-in (moved)"),
                             ("2026-12-01", "16:00", "Weekly check-in")):
        assert any(day in line and at in line and summary in line for line in shown), (day, timeline.stdout)
    assert "Call that did not happen" not in timeline.stdout
    activities = workspace.load("acme").activities
    weekly = [a for a in activities if a.get("uid") == "weekly-1@example.com"]
    assert [a["recurrence_id"] for a in weekly] == ["20261103T150000Z", "20261110T150000Z", "20261117T150000Z",
                                                     "20261201T150000Z"]
    assert [a["by"] for a in weekly] == ["bob"] * 4
    # the window moves on a week: the series is read again, and only its new occurrence is logged
    later, _ = fetch_events(account, state, (D(2026, 11, 8), D(2026, 12, 12)), PARIS)
    assert (D(2026, 12, 8), "16:00") in [(i.date, i.time) for i in later.items]
    log(workspace, later)
    added = workspace.load("acme").activities[len(activities):]
    assert [(a["date"], a["time"], a["recurrence_id"]) for a in added] == [
        (D(2026, 12, 8), "16:00", "20261208T150000Z")]
    assert workspace.load("acme").activities[:len(activities)] == activities
    assert run(workspace, "check").exit_code == 0


# -- one rule for files and servers: a meeting is its UID, an occurrence its UID and RECURRENCE-ID --

def test_each_occurrence_a_file_holds_on_its_own_is_logged(make_workspace, run, tmp_path, monkeypatch):
    # Outlook sends an invitation to one occurrence of a series as that occurrence alone: two of
    # them, without their series, were once one meeting (the second had its UID already)
    monkeypatch.setenv("TZ", "Europe/Paris")
    workspace = make_workspace({"acme": simple_deal("acme", created="2026-10-01", contacts=CONTACTS)})
    path = tmp_path / "two.ics"
    path.write_text(vcalendar(*(f"""\
        UID:weekly-1@example.com
        RECURRENCE-ID:202611{day}T150000Z
        SUMMARY:Weekly check-in
        DTSTART:202611{day}T150000Z
        ATTENDEE:mailto:li.na@acme.example""" for day in ("10", "17"))), newline="")
    result = run(workspace, "import-calendar", str(path))
    assert result.exit_code == 0, result.stderr
    assert [(a["date"], a["time"], a["recurrence_id"]) for a in workspace.load("acme").activities] == [
        (D(2026, 11, 10), "16:00", "20261110T150000Z"), (D(2026, 11, 17), "16:00", "20261117T150000Z")]
    again = run(workspace, "import-calendar", str(path))
    assert "0 meetings logged on 0 deals; 2 already logged" in again.stdout
    assert run(workspace, "check").exit_code == 0


def test_a_series_logged_from_a_file_is_not_logged_again_from_the_server(account, make_workspace, run, tmp_path):
    # import-calendar logs a series once, at its first start: its occurrences from the server are had
    workspace = make_workspace({"acme": simple_deal("acme", created="2026-10-01", contacts=CONTACTS)})
    path = tmp_path / "weekly.ics"
    path.write_text(WEEKLY, newline="")
    assert run(workspace, "import-calendar", str(path)).exit_code == 0
    assert len(workspace.load("acme").activities) == 1
    reading, _ = fetch_events(account, {}, WINDOW, PARIS)
    found = plan_capture(reading, workspace.deals(), workspace.config, TODAY)
    assert sorted(i.summary for i in found.already) == ["Weekly check-in"] * 3 + ["Weekly check-in (moved)"]
    assert "Weekly check-in" not in [i.summary for i in found.logged]


# -- through pipe capture: the member's config, the command, the state in .pipe/ -----------------------

def configure_caldav(account: CalDavAccount, tmp_path: Path, monkeypatch) -> None:
    """maya's own config naming the account's Work calendar, outside the workspace; times shown in Paris."""
    config = tmp_path / "home" / "config.yaml"
    config.parent.mkdir()
    config.write_text(f"caldav: {{url: '{account.url}', user: maya, password_env: PIPE_TEST_CALDAV, "
                      "calendars: [Work]}\n", encoding="utf-8")
    monkeypatch.setenv("PIPE_CONFIG", str(config))
    monkeypatch.setenv("PIPE_TEST_CALDAV", "secret")
    monkeypatch.setenv("TZ", "Europe/Paris")


def test_pipe_capture_logs_the_calendar_s_meetings_once(account, make_workspace, run, tmp_path, monkeypatch):
    configure_caldav(account, tmp_path, monkeypatch)
    workspace = make_workspace({"acme": simple_deal("acme", created="2026-10-01", contacts=CONTACTS)})
    first = run(workspace, "capture", "--since", "2026-11-01")
    assert first.exit_code == 0, first.stderr
    assert first.stdout.splitlines()[-1].startswith("capture maya@127.0.0.1: ")
    shown = run(workspace, "timeline", "acme").stdout
    assert any("2026-11-18 16:00" in line and "Sizing call (60 min)" in line for line in shown.splitlines()), shown
    assert "Call that did not happen" not in shown
    assert "maya" not in (workspace.root / "pipelines.yaml").read_text(encoding="utf-8")  # nothing personal in git
    before = (workspace.root / "deals" / "acme.md").read_bytes()
    again = run(workspace, "capture", "--since", "2026-11-01")
    assert again.exit_code == 0, again.stderr
    assert again.stdout.splitlines()[-1].startswith("capture maya@127.0.0.1: 0 meetings logged on 0 deals")
    assert (workspace.root / "deals" / "acme.md").read_bytes() == before
    monkeypatch.setenv("PIPE_TEST_CALDAV", "wrong")
    line = failed(run(workspace, "capture"), "pipe: ")
    assert "Traceback" not in line and "password" in line.lower()
