"""Capture: pipe import-mail (mbox, Maildir) and pipe import-calendar (ics) log each email and meeting once."""

from __future__ import annotations

import csv
import datetime as dt
import io
import textwrap
from pathlib import Path

import pytest

from pipecli.core.errors import InvalidValue
from pipecli.core.importing.calendar import parse_calendar
from pipecli.core.importing import capture
from tests.conftest import committed_repository, failed, simple_deal

DATA = Path(__file__).parent / "data" / "capture"
MBOX, MAILDIR, ICS = str(DATA / "inbox.mbox"), str(DATA / "maildir"), str(DATA / "calendar.ics")
D = dt.date

ACME_CONTACTS = ("\n- {name: Jürgen Weiß, email: juergen@acme.example, role: CTO}"
                 "\n- {name: Li Na, email: li.na@acme.example}")


@pytest.fixture(autouse=True)
def paris(monkeypatch):
    """Captured times are written in the local zone ($TZ): Paris, one hour ahead of UTC in November."""
    monkeypatch.setenv("TZ", "Europe/Paris")


@pytest.fixture
def workspace(make_workspace):
    return make_workspace({
        "acme": simple_deal("acme", created="2026-10-01", contacts=ACME_CONTACTS),
        "globex": simple_deal("globex", owner="bob", created="2026-10-20",
                              contacts="\n- {name: Ana Souza, email: ana@globex.example}"),
    })


def snapshot(workspace) -> dict[str, bytes]:
    return {deal_id: workspace.read_bytes(deal_id) for deal_id in workspace.deal_ids()}


def write_mbox(path: Path, *messages: str) -> str:
    """An mbox of dedented messages (headers, blank line, body)."""
    parts = [f"From sender@example.com Mon Nov  2 10:00:00 2026\n{textwrap.dedent(m).strip()}\n\n" for m in messages]
    path.write_text("".join(parts), encoding="utf-8")
    return str(path)


# -- emails -------------------------------------------------------------------------------------

def test_mbox_and_maildir_imported_twice_logged_once(workspace, run):
    first = run(workspace, "import-mail", MBOX, MAILDIR)
    assert first.exit_code == 0, first.stderr
    assert first.stdout.splitlines()[-1] == (
        "import-mail inbox.mbox, maildir: 6 emails logged on 2 deals; 2 duplicates in the files; "
        "1 matching no deal (--verbose lists them); 3 skipped (bad Date: 1, dated in the future: 1, no Date: 1)")
    after_first = snapshot(workspace)
    assert len(workspace.load("acme").activities) == 5 and len(workspace.load("globex").activities) == 2

    second = run(workspace, "import-mail", MBOX, MAILDIR)
    assert second.exit_code == 0
    assert "0 emails logged on 0 deals; 6 already logged" in second.stdout
    assert "logged email" not in second.stdout
    assert snapshot(workspace) == after_first  # not one byte rewritten

    # the mbox on its own, after the Maildir: its messages are known by Message-ID, wherever read
    assert "0 emails logged" in run(workspace, "import-mail", MBOX).stdout
    assert snapshot(workspace) == after_first


def test_direction_team_member_date_and_time_of_each_email(workspace, run):
    result = run(workspace, "import-mail", MBOX, MAILDIR)
    assert result.exit_code == 0, result.stderr
    logged = workspace.load("acme").activities
    assert all(len(a["id"]) == 6 for a in logged) and len({a["id"] for a in logged}) == len(logged)  # each its id
    acme = [{k: v for k, v in a.items() if k != "id"} for a in logged]
    assert acme == [
        # From the contact (address in another case): in, by the team member it was sent to; 09:40 +0100
        {"date": D(2026, 11, 20), "time": "09:40", "kind": "email", "direction": "in", "by": "alice",
         "summary": "Über das Angebot", "message_id": "<m1.juergen@acme.example>"},
        # from a team member: out, by the sender; 13:05 UTC is 14:05 in Paris
        {"date": D(2026, 11, 21), "time": "14:05", "kind": "email", "direction": "out", "by": "alice",
         "summary": "Re: Über das Angebot", "message_id": "<m2.alice@example.com>"},
        # to the contacts of two deals: on both; 08:00 -0500 is 14:00 in Paris
        {"date": D(2026, 11, 23), "time": "14:00", "kind": "email", "direction": "out", "by": "bob",
         "summary": "Joint workshop: Acme × Globex", "message_id": "<m5.bob@example.com>"},
        # from the second contact, to alice and bob: by the first team recipient
        {"date": D(2026, 11, 25), "time": "10:15", "kind": "email", "direction": "in", "by": "alice",
         "summary": "Question about SSO", "message_id": "<m9.li@acme.example>"},
        {"date": D(2026, 11, 26), "time": "11:00", "kind": "email", "direction": "out", "by": "alice",
         "summary": "Re: Question about SSO", "message_id": "<m10.alice@example.com>"},
    ]
    globex = workspace.load("globex").activities
    assert [(a["date"], a["direction"], a["by"], a["summary"]) for a in globex] == [
        (D(2026, 11, 23), "out", "bob", "Joint workshop: Acme × Globex"),
        (D(2026, 11, 24), "in", "bob", "(no subject)"),  # the customer's reply, with an empty subject
    ]
    assert run(workspace, "check").exit_code == 0


def test_times_follow_the_local_zone(workspace, run, monkeypatch):
    monkeypatch.setenv("TZ", "America/New_York")
    assert run(workspace, "import-mail", MBOX).exit_code == 0
    first = workspace.load("acme").activities[0]
    assert (first["date"], first["time"]) == (D(2026, 11, 20), "03:40")  # 09:40 +0100 seen from New York


def test_verbose_lists_what_matched_no_deal_and_what_was_skipped(workspace, run):
    result = run(workspace, "import-mail", MBOX, "--verbose")
    lines = result.stdout.splitlines()
    assert f"no deal: {MBOX} #6: 2026-11-24 from news@random.example: Weekly digest" in lines
    assert f"skipped: {MBOX} #3: no Date (<m3.nodate@acme.example>)" in lines
    assert f"skipped: {MBOX} #4: bad Date (<m4.baddate@acme.example>: 'sometime next week')" in lines
    assert f"skipped: {MBOX} #7: dated in the future (2026-12-05)" in lines
    assert "(--verbose lists them)" not in result.stdout
    quiet = run(workspace, "import-mail", MBOX)
    assert "no deal:" not in quiet.stdout and "skipped:" not in quiet.stdout


def test_an_email_dated_in_the_future_is_not_logged(workspace, run, monkeypatch):
    run(workspace, "import-mail", MBOX)
    assert "From the future" not in workspace.read_bytes("globex").decode()
    monkeypatch.setenv("PIPE_TODAY", "2026-12-06")  # once the day has come, it is logged
    assert "1 email logged on 1 deal" in run(workspace, "import-mail", MBOX).stdout
    assert workspace.load("globex").activities[-1]["summary"] == "From the future"


def test_dry_run_says_what_per_deal_and_writes_nothing(workspace, run):
    before = snapshot(workspace)
    result = run(workspace, "import-mail", MBOX, "--dry-run")
    assert result.exit_code == 0
    assert "acme: would log email in of 2026-11-20 09:40 by alice: Über das Angebot" in result.stdout.splitlines()
    assert "globex: would log email in of 2026-11-24 17:30 by bob: (no subject)" in result.stdout.splitlines()
    assert result.stderr.startswith("dry run: 4 emails to log on 2 deals;") and "nothing changed" in result.stderr
    assert snapshot(workspace) == before


def test_a_message_id_without_brackets_counts_as_the_same(make_workspace, run):
    logged = ("\n- {date: 2026-11-20, kind: email, direction: in, summary: Über das Angebot,"
              " message_id: m1.juergen@acme.example}")
    workspace = make_workspace({"acme": simple_deal("acme", contacts=ACME_CONTACTS, activities=logged)})
    run(workspace, "import-mail", MBOX)
    assert [a.get("message_id") for a in workspace.load("acme").activities] == [
        "m1.juergen@acme.example", "<m2.alice@example.com>", "<m5.bob@example.com>"]


def test_closed_deals_take_what_happened_while_they_were_open(make_workspace, run, tmp_path):
    peter = "\n- {name: Peter Gibbons, email: peter@initech.example}"
    won = simple_deal("initech", stage="won", created="2026-09-01", closed="2026-11-10", contacts=peter,
                      history="\n- {stage: lead, date: 2026-09-01}\n- {stage: won, date: 2026-11-10}", tasks="[]")
    workspace = make_workspace({
        "initech": won,
        "initech-upsell": simple_deal("initech-upsell", created="2026-11-15", contacts=peter),
        "umbrella": simple_deal("umbrella", stage="lost", created="2026-09-01", closed="2026-10-01",
                                lost_reason="price", tasks="[]",
                                history="\n- {stage: lead, date: 2026-09-01}\n- {stage: lost, date: 2026-10-01}",
                                contacts="\n- {name: Rita, email: rita@umbrella.example}"),
    })
    mbox = write_mbox(
        tmp_path / "mail.mbox",
        """\
        Message-ID: <before-the-win@initech.example>
        From: peter@initech.example
        To: alice@example.com
        Subject: Signed contract attached
        Date: Thu, 05 Nov 2026 10:00:00 +0100

        Here it is.""",
        """\
        Message-ID: <upsell@initech.example>
        From: peter@initech.example
        To: alice@example.com
        Subject: More seats?
        Date: Fri, 20 Nov 2026 10:00:00 +0100

        We need 20 more.""",
        """\
        Message-ID: <back@umbrella.example>
        From: rita@umbrella.example
        To: alice@example.com
        Subject: Can we talk again?
        Date: Mon, 16 Nov 2026 10:00:00 +0100

        Budget is back.""")
    assert run(workspace, "import-mail", mbox).exit_code == 0
    summaries = {deal_id: [a["summary"] for a in workspace.load(deal_id).activities]
                 for deal_id in ("initech", "initech-upsell", "umbrella")}
    assert summaries == {
        "initech": ["Signed contract attached"],  # while it was open: not on the deal created later
        "initech-upsell": ["More seats?"],  # after the win: on the open deal only
        "umbrella": ["Can we talk again?"],  # a lost deal with no open one: still logged, history is history
    }
    assert run(workspace, "check").exit_code == 0


def test_the_timeline_shows_captured_emails_and_meetings(workspace, run):
    run(workspace, "import-mail", MBOX, MAILDIR)
    run(workspace, "import-calendar", ICS)
    lines = run(workspace, "timeline", "acme").stdout.splitlines()
    assert any(line.startswith("2026-11-20 09:40") and "email in" in line and "Über das Angebot" in line
               and "(alice)" in line for line in lines), lines
    assert any(line.startswith("2026-11-18 16:00") and "meeting out" in line and "Sizing call with Jürgen" in line
               for line in lines), lines
    assert any(line.startswith("2026-12-03 11:00") and "Demo for the CTO" in line for line in lines), lines


def suggested(run, workspace) -> list[str]:
    return run(workspace, "tasks", "--suggested").stdout.splitlines()


def test_a_captured_email_ends_the_inactivity_suggestion(workspace, run):
    assert any("acme" in line and "inactive" in line for line in suggested(run, workspace))
    run(workspace, "import-mail", MBOX)
    after = suggested(run, workspace)
    assert not any("acme" in line and "inactive" in line for line in after), after
    # and the customer's unanswered reply on globex becomes a suggestion of its own
    assert any("globex" in line and "unanswered" in line for line in after), after


def team_rows(run, workspace) -> dict[tuple[str, str], str]:
    result = run(workspace, "report", "team", "--period", "2026-11", "--format", "csv")
    assert result.exit_code == 0, result.stderr
    return {(r["row"], r["column"]): r["value"] for r in csv.DictReader(io.StringIO(result.stdout))
            if r["section"] == "team"}


def test_the_team_report_counts_captured_interactions(workspace, run):
    before = team_rows(run, workspace)
    assert before[("alice", "email")] == "0" and before[("bob", "meeting")] == "0"
    run(workspace, "import-mail", MBOX, MAILDIR)
    run(workspace, "import-calendar", ICS)
    rows = team_rows(run, workspace)
    assert (rows[("alice", "email")], rows[("bob", "email")]) == ("4", "3")
    # alice: 2 of her meetings are in November (the demo is planned for December); bob: the series and the visit
    assert (rows[("alice", "meeting")], rows[("bob", "meeting")]) == ("2", "2")


def test_import_commits_with_a_message_saying_what(workspace, run, monkeypatch):
    git = committed_repository(workspace.root, monkeypatch)
    result = run(workspace, "import-mail", MBOX, "--commit")
    assert result.exit_code == 0, result.stderr
    assert git("log", "-1", "--format=%s").strip() == "import-mail inbox.mbox: 4 emails logged on 2 deals"
    assert git("log", "-1", "--format=%b").split("\n")[0] == "acme: 3 emails"
    assert git("show", "--name-only", "--format=", "HEAD").split() == ["deals/acme.md", "deals/globex.md"]
    assert "committed" not in run(workspace, "import-mail", MBOX, "--commit").stderr  # nothing new: no commit


# -- meetings -----------------------------------------------------------------------------------

def test_calendar_imported_twice_logged_once(workspace, run):
    first = run(workspace, "import-calendar", ICS)
    assert first.exit_code == 0, first.stderr
    assert first.stdout.splitlines()[-1] == (
        "import-calendar calendar.ics: 5 meetings logged on 2 deals; 1 duplicate in the files; "
        "1 matching no deal (--verbose lists them); 3 skipped (bad DTSTART: 1, cancelled: 1, no UID: 1)")
    after_first = snapshot(workspace)
    second = run(workspace, "import-calendar", ICS)
    assert "0 meetings logged on 0 deals; 5 already logged" in second.stdout
    assert snapshot(workspace) == after_first


def test_each_form_of_event_start_and_who_organised_it(workspace, run):
    run(workspace, "import-calendar", ICS)
    acme = [(a["date"], a.get("time"), a["direction"], a["by"], a["summary"], a["uid"])
            for a in workspace.load("acme").activities]
    assert acme == [
        # TZID=America/New_York 10:00 is 16:00 in Paris; the VALARM's SUMMARY and ATTENDEE are not the event's
        (D(2026, 11, 18), "16:00", "out", "alice", "Sizing call with Jürgen", "evt-ny-sizing@example.com"),
        # 13:00Z; escaped \, and \; and a title folded over two lines
        (D(2026, 11, 25), "14:00", "out", "alice", "Pricing review, part 2; with Li Na", "evt-utc-pricing@example.com"),
        # a floating time, kept as written; planned ahead, which a meeting may be
        (D(2026, 12, 3), "11:00", "out", "alice", "Demo for the CTO", "evt-demo-planned@example.com"),
    ]
    globex = [(a["date"], a.get("time"), a["direction"], a["by"], a["summary"])
              for a in workspace.load("globex").activities]
    assert globex == [
        # a weekly series once, at its first start, though a moved occurrence comes first in the file
        (D(2026, 11, 2), "09:30", "out", "bob", "Weekly check-in"),
        # an all-day event has no time; organised by the customer: in, by the team member invited
        (D(2026, 11, 23), None, "in", "bob", "Globex site visit"),
    ]
    text = workspace.read_bytes("acme").decode()
    assert "Call that did not happen" not in text and "Agenda" not in text  # cancelled; descriptions are not notes
    assert run(workspace, "check").exit_code == 0


def test_calendar_verbose_and_ill_formed_events(make_workspace, run, tmp_path):
    workspace = make_workspace({"acme": simple_deal("acme", contacts=ACME_CONTACTS)})
    ics = tmp_path / "odd.ics"
    ics.write_text(textwrap.dedent("""\
        BEGIN:VCALENDAR
        BEGIN:VEVENT
        UID:good@example.com
        DTSTART:20261120
        SUMMARY:
        ATTENDEE;EMAIL=juergen@acme.example:urn:uuid:1234
        END:VEVENT
        BEGIN:VEVENT
        UID:broken@example.com
        DTSTART:20261121T100000
        this line has no colon
        ATTENDEE:mailto:juergen@acme.example
        END:VEVENT
        BEGIN:VEVENT
        UID:unfinished@example.com
        DTSTART:20261122T100000
        ATTENDEE:mailto:juergen@acme.example
        """), encoding="utf-8")
    result = run(workspace, "import-calendar", str(ics), "-v")
    assert result.exit_code == 0, result.stderr
    assert f"skipped: {ics} line 14: unfinished event (no END:VEVENT)" in result.stdout.splitlines()
    # a line that is not NAME:VALUE costs only itself, not its event
    assert [(a["date"], a["summary"]) for a in workspace.load("acme").activities] == [
        (D(2026, 11, 20), "(no title)"), (D(2026, 11, 21), "(no title)")]


def test_a_cancelling_calendar_logs_nothing(make_workspace, run, tmp_path):
    workspace = make_workspace({"acme": simple_deal("acme", contacts=ACME_CONTACTS)})
    ics = tmp_path / "cancel.ics"
    ics.write_text("BEGIN:VCALENDAR\nMETHOD:CANCEL\nBEGIN:VEVENT\nUID:x@example.com\nDTSTART:20261120T100000Z\n"
                   "ATTENDEE:mailto:juergen@acme.example\nEND:VEVENT\nEND:VCALENDAR\n", encoding="utf-8")
    assert "1 skipped (cancelled: 1)" in run(workspace, "import-calendar", str(ics)).stdout
    assert workspace.load("acme").activities == []


def test_quoted_parameters_and_escapes():
    text = ('BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u1\r\nDTSTART:20261120T100000Z\r\nSUMMARY:a\\, b\\; c\\nd\\\\e\r\n'
            'ATTENDEE;CN="Doe, Jane: CFO";ROLE=REQ-PARTICIPANT;DELEGATED-FROM="a@x","b@x":mailto:J@X.com\r\n'
            'END:VEVENT\r\nEND:VCALENDAR\r\n')
    (item,) = parse_calendar(text, "x.ics", capture.local_zone()).items
    assert (item.recipients, item.summary) == (("j@x.com",), "a, b; c d\\e")


def test_an_unknown_tzid_keeps_the_time_as_written():
    text = ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:u1\r\nDTSTART;TZID=Nowhere Standard Time:20261120T100000\r\n"
            "END:VEVENT\r\nBEGIN:VEVENT\r\nUID:u2\r\nDTSTART;TZID=/mozilla.org/20050126_1/America/New_York:"
            "20261120T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    items = parse_calendar(text, "x.ics", capture.local_zone()).items
    assert [(i.key, i.time) for i in items] == [("u1", "10:00"), ("u2", "16:00")]


# -- bad input, all or nothing -------------------------------------------------------------------

@pytest.fixture
def bad_inputs(tmp_path):
    (tmp_path / "not-a-maildir" / "sub").mkdir(parents=True)
    (tmp_path / "binary.bin").write_bytes(bytes(range(256)) * 8)
    (tmp_path / "one.eml").write_text("From: a@b.example\nSubject: hi\n\nbody\n", encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize("command, name, words", [
    ("import-mail", "missing.mbox", ["missing.mbox: no such file or folder"]),
    ("import-mail", "not-a-maildir", ["not a Maildir (no cur/ and new/ folders"]),
    ("import-mail", "binary.bin", ["binary.bin: not an mbox file"]),
    ("import-mail", "one.eml", ["not an mbox file"]),
    ("import-calendar", "missing.ics", ["missing.ics: no such file"]),
    ("import-calendar", "not-a-maildir", ["a folder, not an .ics file"]),
    ("import-calendar", "binary.bin", ["binary.bin: not an iCalendar file"]),
])
def test_bad_input_is_one_line_and_changes_nothing(workspace, run, bad_inputs, command, name, words):
    before = snapshot(workspace)
    failed(run(workspace, command, str(bad_inputs / name)), *words)
    failed(run(workspace, command, MBOX if command == "import-calendar" else ICS), "not an")  # the other format
    assert snapshot(workspace) == before


def test_one_bad_source_among_several_writes_nothing(workspace, run, tmp_path):
    before = snapshot(workspace)
    failed(run(workspace, "import-mail", MBOX, str(tmp_path / "missing.mbox")), "no such file")
    assert snapshot(workspace) == before


def test_a_deal_that_cannot_be_read_stops_the_import_before_any_write(workspace, run):
    (workspace.deals_dir / "zeta.md").write_text("---\nid: zeta\ntitle: [unclosed\n---\n", encoding="utf-8")
    before = snapshot(workspace)
    result = run(workspace, "import-mail", MBOX)
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert [line.split(":")[1] for line in result.stderr.splitlines()] == [" deals/zeta.md", " import-mail refused"]
    assert snapshot(workspace) == before


def test_a_deal_refusing_its_entries_writes_no_deal(workspace, run, monkeypatch):
    real = capture.log_interaction

    def refuse_on_globex(deal, *args, **kwargs):
        if deal.id == "globex":
            raise InvalidValue("refused for the test")
        return real(deal, *args, **kwargs)

    monkeypatch.setattr(capture, "log_interaction", refuse_on_globex)
    before = snapshot(workspace)
    failed(run(workspace, "import-mail", MBOX), "nothing changed", "globex: refused for the test")
    assert snapshot(workspace) == before  # acme, planned first, was not written either


def test_help_has_a_summary_and_an_example(run):
    for command in ("import-mail", "import-calendar"):
        result = run(None, command, "--help")
        assert result.exit_code == 0 and "Example:" in result.stdout
        assert result.stdout.split("Example:")[1].strip().startswith("pipe " + command)


def test_a_fifo_is_refused_not_read_forever(workspace, run, tmp_path):
    import os

    fifo = tmp_path / "calendar.ics"
    os.mkfifo(fifo)
    failed(run(workspace, "import-calendar", str(fifo)), "not a regular file")


def test_a_huge_subject_is_cut_to_one_readable_line(workspace, run, tmp_path):
    mbox = write_mbox(tmp_path / "big.mbox", f"""\
        From: Jürgen Weiß <juergen@acme.example>
        To: Alice Martin <alice@example.com>
        Subject: {'spam ' * 20000}
        Date: Mon, 23 Nov 2026 09:15:00 +0000
        Message-ID: <big@acme.example>

        Hi""")
    assert run(workspace, "import-mail", mbox).exit_code == 0
    (entry,) = [a for a in workspace.load("acme").activities if a.get("message_id")]
    assert len(entry["summary"]) == capture.MAX_SUMMARY and entry["summary"].endswith("…")
