"""Issue 18's readers tried as a hostile, careful user would (review): calendars, mailboxes and the
deal writer, each case a way they lost data, logged on the wrong day or printed a traceback."""

from __future__ import annotations

import datetime as dt
import json
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import failed, simple_deal

D = dt.date
CONTACTS = "\n- {name: Li Na, email: li.na@acme.example}"


@pytest.fixture(autouse=True)
def fiji(monkeypatch):
    monkeypatch.setenv("TZ", "Pacific/Fiji")  # UTC+12: a day west of most zones a file names


@pytest.fixture
def workspace(make_workspace):
    return make_workspace({"acme": simple_deal("acme", created="2026-10-01", contacts=CONTACTS)})


def ics(tmp_path: Path, *events: str, name: str = "in.ics") -> str:
    body = "".join(f"BEGIN:VEVENT\n{textwrap.dedent(e).strip()}\nEND:VEVENT\n" for e in events)
    path = tmp_path / name
    path.write_bytes(f"BEGIN:VCALENDAR\nVERSION:2.0\n{body}END:VCALENDAR\n".replace("\n", "\r\n").encode())
    return str(path)


def logged(workspace) -> list[tuple]:
    return [(a["date"], a.get("time"), a.get("minutes"), a["summary"]) for a in workspace.load("acme").activities]


# -- calendars --------------------------------------------------------------------------------------

def test_an_all_day_event_with_a_tzid_stays_all_day_on_its_date(workspace, run, tmp_path):
    # ical.net 4 writes DTSTART;TZID=...;VALUE=DATE (RFC 5545 gives a DATE no zone); icalendar
    # reads it as midnight in that zone, which was logged as a timed meeting, in Los Angeles the day before
    path = ics(tmp_path, """\
        UID:allday-1
        SUMMARY:Offsite
        DTSTART;TZID=Pacific Standard Time;VALUE=DATE:20261120
        DTEND;TZID=Pacific Standard Time;VALUE=DATE:20261121
        ATTENDEE:mailto:li.na@acme.example""")
    for zone in ("Pacific/Fiji", "America/Los_Angeles", "America/Honolulu"):
        result = run(workspace, "import-calendar", path, "--dry-run", env={"TZ": zone})
        assert result.exit_code == 0, result.stderr
        assert "acme: would log meeting out of 2026-11-20: Offsite" in result.stdout.splitlines(), (zone, result.stdout)
    assert run(workspace, "import-calendar", path).exit_code == 0
    assert logged(workspace) == [(D(2026, 11, 20), None, None, "Offsite")]


def test_a_meeting_across_a_change_of_clocks_lasts_what_it_lasted(workspace, run, tmp_path):
    # 00:30 EDT to 03:30 EST on the night New York's clocks go back is four hours, not three:
    # two times of one zone were subtracted as wall clocks
    path = ics(tmp_path, """\
        UID:night-1
        SUMMARY:Cutover
        DTSTART;TZID=America/New_York:20261101T003000
        DTEND;TZID=America/New_York:20261101T033000
        ATTENDEE:mailto:li.na@acme.example""", """\
        UID:night-2
        SUMMARY:Spring cutover
        DTSTART;TZID=Eastern Standard Time:20270314T013000
        DTEND;TZID=Eastern Standard Time:20270314T033000
        ATTENDEE:mailto:li.na@acme.example""")
    result = run(workspace, "import-calendar", path)
    assert result.exit_code == 0, result.stderr
    assert [(m, s) for _, _, m, s in logged(workspace)] == [(240, "Cutover"), (60, "Spring cutover")]


def test_a_recurring_meeting_the_customer_joined_once_is_logged(workspace, run, tmp_path):
    # The series is the team's own; one moved occurrence has the customer. The series matched no
    # deal and its UID was then "seen": the occurrence was thrown away as a duplicate, never logged.
    path = ics(tmp_path, """\
        UID:weekly-1
        SUMMARY:Weekly sync
        DTSTART:20261102T000000Z
        RRULE:FREQ=WEEKLY;COUNT=5
        ATTENDEE:mailto:bob@us.example""", """\
        UID:weekly-1
        RECURRENCE-ID:20261109T000000Z
        SUMMARY:Weekly sync (with Acme)
        DTSTART:20261110T000000Z
        ATTENDEE:mailto:bob@us.example
        ATTENDEE:mailto:li.na@acme.example""")
    result = run(workspace, "import-calendar", path)
    assert result.exit_code == 0, result.stderr
    assert logged(workspace) == [(D(2026, 11, 10), "12:00", None, "Weekly sync (with Acme)")]
    assert result.stdout.splitlines()[-1].endswith("1 meeting logged on 1 deal; 1 matching no deal (--verbose lists them)")
    again = run(workspace, "import-calendar", path)  # once per UID, on the next run too
    assert again.exit_code == 0 and len(workspace.load("acme").activities) == 1


def hostile_zone(tzid: str, freq: str) -> str:
    return (f"BEGIN:VTIMEZONE\nTZID:{tzid}\nBEGIN:STANDARD\nDTSTART:16010101T000000\nRRULE:FREQ={freq}\n"
            "TZOFFSETFROM:-0400\nTZOFFSETTO:-0500\nEND:STANDARD\nBEGIN:DAYLIGHT\nDTSTART:16010101T003000\n"
            f"RRULE:FREQ={freq}\nTZOFFSETFROM:-0500\nTZOFFSETTO:-0400\nEND:DAYLIGHT\nEND:VTIMEZONE\n")


def test_a_zone_whose_rules_change_every_hour_costs_no_more_than_a_real_one(workspace, run, tmp_path):
    # icalendar lists a VTIMEZONE's every change of offset up to 9999 at once: a rule of every hour
    # took 25 s and 440 MB, every minute never ended (memory growing), and every VTIMEZONE of the
    # file was built, named by an event or not. Such a zone is refused: its times stay as written.
    zones = hostile_zone("Hourly", "HOURLY") + "".join(hostile_zone(f"Unused {n}", "MINUTELY") for n in range(50))
    path = tmp_path / "zones.ics"
    path.write_text(f"BEGIN:VCALENDAR\nVERSION:2.0\n{zones}BEGIN:VEVENT\nUID:z1\nSUMMARY:Review\n"
                    "DTSTART;TZID=Hourly:20261120T170000\nDTEND;TZID=Hourly:20261120T173000\n"
                    "ATTENDEE:mailto:li.na@acme.example\nEND:VEVENT\nEND:VCALENDAR\n", encoding="utf-8")
    started = time.monotonic()
    result = run(workspace, "import-calendar", str(path))
    assert result.exit_code == 0, result.stderr
    assert time.monotonic() - started < 8
    assert logged(workspace) == [(D(2026, 11, 20), "17:00", 30, "Review")]


# -- mailboxes --------------------------------------------------------------------------------------

def test_an_address_header_too_deep_for_either_parser_costs_only_itself(workspace, run, tmp_path):
    # Comments nested 2,000 deep in To: made both the default parser and the compat32 fallback
    # raise RecursionError: the whole message was skipped as unreadable, sender and all
    path = tmp_path / "deep.mbox"
    path.write_bytes(b"From li.na@acme.example Fri Nov 20 10:00:00 2026\n"
                     b"Message-ID: <deep-1@acme.example>\nDate: Fri, 20 Nov 2026 10:00:00 +0000\n"
                     b"From: Li Na <li.na@acme.example>\nSubject: Numbers\n"
                     b"To: bob@us.example (c" + b"(" * 2000 + b"\n\nbody\n")
    result = run(workspace, "import-mail", str(path), "--verbose")
    assert result.exit_code == 0, result.stderr
    assert "unreadable" not in result.stdout
    assert [(a["date"], a["summary"], a["message_id"]) for a in workspace.load("acme").activities] == [
        (D(2026, 11, 20), "Numbers", "<deep-1@acme.example>")]


def test_a_long_address_header_is_read_in_linear_time(workspace, run, tmp_path):
    # 30 KB of quotes (or commas) in To: is under the 32 KB limit, and the default policy's parser
    # took 11 s (6 s) over each such message: a mailbox of them never ended. Read now as compat32 does.
    messages = [b"From li.na@acme.example Fri Nov 20 10:00:00 2026\n"
                b"Message-ID: <slow-%d@acme.example>\nDate: Fri, 20 Nov 2026 1%d:00:00 +0000\n"
                b"From: Li Na <li.na@acme.example>\nSubject: Slow %d\nTo: bob@us.example, %s\n\nbody\n"
                % (n, n, n, junk * 30_000) for n, junk in enumerate((b'"', b",", b"."))]
    messages.append(b"From li.na@acme.example Fri Nov 20 10:00:00 2026\n"
                    b"Message-ID: <big-1@us.example>\nDate: Fri, 20 Nov 2026 14:00:00 +0000\n"
                    b"From: Bob <bob@us.example>\nSubject: To many\nTo: "
                    + b", ".join(b'"Person %d" <p%d@other.example>' % (i, i) for i in range(200))
                    + b", =?utf-8?q?Li_Na?= <Li.Na@ACME.example>\n\nbody\n")
    path = tmp_path / "slow.mbox"
    path.write_bytes(b"\n".join(messages))
    started = time.monotonic()
    result = run(workspace, "import-mail", str(path))
    assert result.exit_code == 0, result.stderr
    assert time.monotonic() - started < 8  # was over 25 s
    assert [(a["summary"], a["direction"]) for a in workspace.load("acme").activities] == [
        ("Slow 0", "in"), ("Slow 1", "in"), ("Slow 2", "in"), ("To many", "out")]


# -- the deal writer --------------------------------------------------------------------------------

def export_file(tmp_path: Path, deals: list[dict]) -> str:
    """A `pipe export --format json` file; a value "@NAN@" is written as JSON's NaN, "@SURROGATE@" as "\\ud800"."""
    text = json.dumps(deals).replace('"@NAN@"', "NaN").replace('"@SURROGATE@"', '"a \\ud800 b"')
    path = tmp_path / "backup.json"
    path.write_text(text, encoding="utf-8")
    return str(path)


def exported(n: int, **odd) -> dict:
    deal = {"id": f"deal-{n}", "title": f"Deal {n}", "pipeline": "sales", "stage": "lead", "value": 1000,
            "currency": "EUR", "owner": "alice", "created": "2026-11-01",
            "history": [{"stage": "lead", "date": "2026-11-01"}], "notes": ""}
    return {**deal, **odd}


@pytest.mark.parametrize("odd, named", [
    ({"x_score": "@NAN@"}, "deals/deal-2.md: cannot write x_score: nan is not a finite number"),
    ({"bant": {"budget": "@NAN@"}}, "deals/deal-2.md: cannot write bant.budget: nan is not a finite number"),
    ({"notes": "@SURROGATE@"}, "deals/deal-2.md: cannot write notes: text that is not valid Unicode (a lone surrogate)"),
])
def test_an_import_with_a_value_the_writer_refuses_writes_nothing(make_workspace, run, tmp_path, odd, named):
    # Was: deal-0 and deal-1 written, then 'stopped after changing 2 of 4' (a NaN), or a
    # UnicodeEncodeError traceback (a lone surrogate in the notes, which JSON's \ud800 gives)
    workspace = make_workspace()
    path = export_file(tmp_path, [exported(0), exported(1), exported(2, **odd), exported(3)])
    failed(run(workspace, "import", path, "--preset", "pipe"), "nothing written", named)
    assert list(workspace.deals_dir.glob("*")) == []


def test_notes_that_are_not_unicode_are_refused_naming_them(make_workspace, tmp_path):
    from pipecli.core.errors import InvalidValue
    from pipecli.core.fileformat import dealfile

    original = dealfile.parse(simple_deal("acme"), "deals/acme.md")
    for document in (None, original):  # a new file, and a change to one
        with pytest.raises(InvalidValue) as caught:
            dealfile.render(original.data, "Met them \ud800\n", document)
        assert str(caught.value) == "cannot write notes: text that is not valid Unicode (a lone surrogate)"
