"""pipe import-calendar on calendars as real clients write them: Outlook's Windows zone names and
made-up zones, Apple's stray lines, odd folds, and each meeting's length (docs/capture.md)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from pipecli.core.importing import capture
from pipecli.core.importing.calendar import read_calendar
from tests.conftest import failed, simple_deal

D = dt.date
CLIENTS = Path(__file__).parent / "data" / "capture" / "clients"  # origin and licence: README.md there
CONTACTS = "\n- {name: Li Na, email: li.na@acme.example}"


@pytest.fixture(autouse=True)
def fiji(monkeypatch):
    """Captured times are written in $TZ: Fiji, UTC+12, where a New York afternoon is the next morning."""
    monkeypatch.setenv("TZ", "Pacific/Fiji")


@pytest.fixture
def workspace(make_workspace):
    return make_workspace({"acme": simple_deal("acme", created="2026-10-01", contacts=CONTACTS)})


def ics(tmp_path: Path, *events: str, zones: str = "", name: str = "in.ics") -> str:
    """A calendar of dedented VEVENT bodies (each gets BEGIN/END and the customer as attendee), CRLF as Outlook writes."""
    body = "".join(f"BEGIN:VEVENT\n{textwrap.dedent(e).strip()}\nATTENDEE;CN=Li Na:mailto:li.na@acme.example\n"
                   "END:VEVENT\n" for e in events)
    text = "BEGIN:VCALENDAR\nPRODID:Microsoft Exchange Server 2010\nVERSION:2.0\n" + textwrap.dedent(zones) + body
    path = tmp_path / name
    path.write_bytes((text + "END:VCALENDAR\n").replace("\n", "\r\n").encode())
    return str(path)


def logged(workspace) -> list[tuple]:
    return [(a["date"], a.get("time"), a.get("minutes"), a["summary"]) for a in workspace.load("acme").activities]


def test_a_windows_zone_name_is_read_as_its_zone(workspace, run, tmp_path):
    # What Outlook and Exchange send: 17:00 in New York is 22:00 UTC, 10:00 the next day in Fiji.
    # Read as floating time before, it was logged at 17:00 on the 20th.
    path = ics(tmp_path, """\
        UID:040000008200E00074C5B7101A82E008000000001@outlook
        SUMMARY:Pricing call
        DTSTART;TZID=Eastern Standard Time:20261120T170000
        DTEND;TZID=Eastern Standard Time:20261120T174500""")
    result = run(workspace, "import-calendar", path)
    assert result.exit_code == 0, result.stderr
    assert logged(workspace) == [(D(2026, 11, 21), "10:00", 45, "Pricing call")]


OUTLOOK_CUSTOM_ZONE = """\
    BEGIN:VTIMEZONE
    TZID:Customized Time Zone
    BEGIN:STANDARD
    DTSTART:16010101T000000
    TZOFFSETFROM:{offset}
    TZOFFSETTO:{offset}
    END:STANDARD
    END:VTIMEZONE
    """


def test_a_zone_defined_in_the_file_is_honoured_per_file(workspace, run, tmp_path):
    # Outlook calls every zone it makes up 'Customized Time Zone': each file's own definition holds.
    india = ics(tmp_path, "UID:u-india\nSUMMARY:Mumbai review\nDTSTART;TZID=Customized Time Zone:20261120T100000",
                zones=OUTLOOK_CUSTOM_ZONE.format(offset="+0530"), name="india.ics")
    brazil = ics(tmp_path, "UID:u-brazil\nSUMMARY:São Paulo review\nDTSTART;TZID=Customized Time Zone:20261120T100000",
                 zones=OUTLOOK_CUSTOM_ZONE.format(offset="-0300"), name="brazil.ics")
    result = run(workspace, "import-calendar", india, brazil)
    assert result.exit_code == 0, result.stderr
    # 10:00 +05:30 is 04:30 UTC, 16:30 in Fiji; 10:00 -03:00 is 13:00 UTC, 01:00 the next day in Fiji
    assert logged(workspace) == [(D(2026, 11, 20), "16:30", None, "Mumbai review"),
                                 (D(2026, 11, 21), "01:00", None, "São Paulo review")]


def test_a_stray_line_costs_only_itself(workspace, run, tmp_path):
    # Apple's structured location cut at a fold leaves a line with no colon before its value.
    path = ics(tmp_path, """\
        UID:apple-1
        DTSTART:20261120T010000Z
        X-APPLE-STRUCTURED-LOCATION;VALUE=URI;X-TITLE=Office:geo:52.38,7.52
        X-APPLE-RADIUS=49.9
        SUMMARY:Site visit""")
    result = run(workspace, "import-calendar", path)
    assert result.exit_code == 0, result.stderr
    assert "skipped" not in result.stdout
    assert logged(workspace) == [(D(2026, 11, 20), "13:00", None, "Site visit")]


def test_a_value_folded_after_a_blank_line_keeps_its_event(workspace, run, tmp_path):
    path = tmp_path / "blank.ics"
    path.write_text("BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:fold-1\nDTSTART:20261120T010000Z\nSUMMARY:Quarterly busi\n"
                    "\n nesss review\nATTENDEE:mailto:li.na@acme.example\nEND:VEVENT\nEND:VCALENDAR\n",
                    encoding="utf-8")
    result = run(workspace, "import-calendar", str(path))
    assert result.exit_code == 0, result.stderr
    assert logged(workspace) == [(D(2026, 11, 20), "13:00", None, "Quarterly businesss review")]


def test_a_meetings_length_lands_on_the_timeline(workspace, run, tmp_path):
    path = ics(tmp_path,
               "UID:m1\nSUMMARY:Demo\nDTSTART:20261110T000000Z\nDTEND:20261110T004500Z",
               "UID:m2\nSUMMARY:Workshop\nDTSTART;TZID=Europe/Paris:20261111T090000\nDURATION:PT1H30M",
               "UID:m3\nSUMMARY:Site visit\nDTSTART;VALUE=DATE:20261112\nDTEND;VALUE=DATE:20261113",
               "UID:m4\nSUMMARY:Ends before it starts\nDTSTART:20261113T000000Z\nDTEND:20261112T000000Z")
    assert run(workspace, "import-calendar", path).exit_code == 0
    assert logged(workspace) == [(D(2026, 11, 10), "12:00", 45, "Demo"), (D(2026, 11, 11), "20:00", 90, "Workshop"),
                                 (D(2026, 11, 12), None, None, "Site visit"),
                                 (D(2026, 11, 13), "12:00", None, "Ends before it starts")]
    text = workspace.deal_path("acme").read_text(encoding="utf-8")
    assert "  time: '12:00'\n  minutes: 45\n  kind: meeting\n" in text  # its own line, after the time
    lines = run(workspace, "timeline", "acme").stdout.splitlines()
    assert any(line.startswith("2026-11-10 12:00  meeting out Demo (45 min)") for line in lines), lines
    assert any(line.startswith("2026-11-12        meeting out Site visit") and "min)" not in line
               for line in lines), lines
    records = json.loads(run(workspace, "timeline", "acme", "--format", "json").stdout)
    assert [r["minutes"] for r in records if r["kind"] == "meeting"] == [45, 90, None, None]
    assert run(workspace, "check").exit_code == 0
    before = workspace.deal_path("acme").read_bytes()
    assert run(workspace, "import-calendar", path).exit_code == 0
    assert workspace.deal_path("acme").read_bytes() == before  # once per UID, as before


def test_a_hand_edited_length_that_is_not_minutes_is_a_check_error(workspace, run, tmp_path):
    run(workspace, "import-calendar", ics(tmp_path, "UID:m1\nSUMMARY:Demo\nDTSTART:20261110T000000Z\nDURATION:PT45M"))
    path = workspace.deal_path("acme")
    path.write_text(path.read_text(encoding="utf-8").replace("minutes: 45", "minutes: an hour"), encoding="utf-8")
    result = run(workspace, "check")
    assert result.exit_code != 0
    assert "minutes must be a whole number of minutes above 0, got 'an hour'" in result.output


# -- real files, as their clients wrote them (tests/data/capture/clients/README.md) ---------------

@pytest.mark.parametrize("name, when", [
    # Exchange 2010: a Windows zone name, with its VTIMEZONE; 17:00 EDT is 21:00 UTC
    ("issue_836_do_not_quote_tzid.ics", [("line 20", D(2024, 10, 29), "09:00", 60, "Anonymous Test Event for TZID")]),
    # 14:00 in Zurich is 12:00 UTC. Google, with X-APPLE-STRUCTURED-LOCATION folded over six lines (X-APPLE-RADIUS=49.91... among them)
    ("x_location.ics", [("line 27", D(2016, 10, 29), "00:00", 30, "Daily Sync")]),
    # 18:15 UTC. Google: the VALARMs' ATTENDEE and SUMMARY are not the event's
    ("alarm_google_future.ics", [("line 26", D(2024, 10, 5), "06:15", 45, "event with alarms")]),
])
def test_real_client_files_are_read_at_the_right_instant(name, when):
    reading = read_calendar(CLIENTS / name, capture.local_zone(), name)
    assert reading.skipped == []
    assert [(i.source.removeprefix(f"{name} "), i.date, i.time, i.minutes, i.summary) for i in reading.items] == when
    assert all(i.recipients == () for i in reading.items)


def test_real_client_files_through_the_command(workspace, run):
    files = sorted(str(p) for p in CLIENTS.glob("*.ics"))
    result = run(workspace, "import-calendar", *files, "--verbose")
    assert result.exit_code == 0, result.stderr
    # Microsoft CDO's standing meeting has no UID: counted, not a failure of the file
    assert result.stdout.splitlines()[-1].endswith(
        "0 meetings logged on 0 deals; 3 matching no deal; 1 skipped (no UID: 1)")
    assert f"skipped: {CLIENTS / 'issue_165_missing_event.ics'} line 20: no UID" in result.stdout.splitlines()


# -- the library is loaded by import-calendar only -------------------------------------------------

def test_icalendar_is_loaded_by_import_calendar_only(workspace, tmp_path):
    # pipe's start-up is measured: importing icalendar costs about 50 ms, which no other command pays
    path = ics(tmp_path, "UID:m1\nSUMMARY:Demo\nDTSTART:20261110T000000Z")
    code = ("import atexit, sys\n"
            "atexit.register(lambda: print('icalendar' in sys.modules, file=sys.stderr))\n"
            "from pipecli.cli.entry import main\nmain()\n")
    loaded = {}
    for args in (["--help"], ["-C", str(workspace.root), "list"], ["-C", str(workspace.root), "import-calendar", path,
                                                                   "--dry-run"]):
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                              env={**os.environ, "PIPE_TODAY": "2026-11-20"}, timeout=60)
        loaded[args[-1]] = done.stderr.strip().splitlines()[-1]
    assert loaded == {"--help": "False", "list": "False", "--dry-run": "True"}


def test_without_the_icalendar_package_import_calendar_says_so_in_one_line(workspace, run, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "icalendar", None)  # as when it is not installed: importing it fails
    result = run(workspace, "import-calendar", ics(tmp_path, "UID:m1\nSUMMARY:Demo\nDTSTART:20261110T000000Z"))
    failed(result, "needs the icalendar package")
    assert workspace.load("acme").activities == []
