"""Hostile mailboxes and calendars: each is bounded in time and memory, and ends in a clean one-line
error or a counted skip (docs/capture.md, Limits)."""

from __future__ import annotations

import os
import pty
import resource
import subprocess
import sys
import time

import pytest

from pipecli.core.importing.calendar import MAX_ATTENDEES, MAX_CALENDAR_BYTES, MAX_KEY as MAX_UID, MAX_NESTING
from pipecli.core.importing.mailbox import MAX_ADDRESS_HEADER, MAX_HEADER_BYTES, MAX_KEY
from tests.conftest import failed, simple_deal

CONTACT = "\n- {name: Li Na, email: li.na@acme.example}"


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")


@pytest.fixture
def workspace(make_workspace):
    return make_workspace({"acme": simple_deal("acme", created="2026-10-01", contacts=CONTACT)})


def message(number: int, headers: str = "", body: str = "Hello\n", message_id: str | None = None) -> bytes:
    return (f"From li.na@acme.example Mon Nov  2 10:00:00 2026\n"
            f"Message-ID: {message_id or f'<m{number}@acme.example>'}\n"
            f"Date: Mon, 2 Nov 2026 10:00:00 +0000\nFrom: Li Na <li.na@acme.example>\nTo: alice@us.example\n"
            f"Subject: note {number}\n{headers}\n{body}\n").encode()


def mbox(tmp_path, *messages: bytes):
    path = tmp_path / "in.mbox"
    path.write_bytes(b"".join(messages))
    return str(path)


def timed(run, *args):
    start = time.monotonic()
    result = run(*args)
    return result, time.monotonic() - start


# -- mail ---------------------------------------------------------------------------------------

def test_an_enormous_message_is_read_by_its_headers_only(workspace, tmp_path):
    # A 1.5 GB Maildir message, sparse on disk: today it was read whole into memory. Run in a child
    # with a 1 GB address-space limit so that failing never takes the machine down.
    maildir = tmp_path / "Mail"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    big = maildir / "cur" / "1.host:2,S"
    with open(big, "wb") as handle:
        handle.write(message(1).split(b"\n", 1)[1])
        handle.truncate(1_500_000_000)

    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (1_000_000_000, 1_000_000_000))

    env = {**os.environ, "PIPE_TODAY": "2026-11-20"}
    done = subprocess.run([sys.executable, "-m", "pipecli", "-C", str(workspace.root), "import-mail", "--dry-run",
                           str(maildir)], capture_output=True, text=True, env=env, preexec_fn=limit, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "acme: would log email in of 2026-11-02 10:00" in done.stdout and "Traceback" not in done.stderr


def test_a_header_block_that_never_ends_is_a_counted_skip(workspace, tmp_path, run):
    endless = "".join(f"X-Filler-{i}: {'y' * 70}\n" for i in range(MAX_HEADER_BYTES // 80 + 100))
    result, took = timed(run, workspace, "import-mail", "--dry-run", mbox(tmp_path, message(1, endless), message(2)))
    assert result.exit_code == 0 and took < 5
    assert "1 email to log on 1 deal" in result.stderr and "1 skipped (headers too large: 1)" in result.stderr


def test_a_message_id_too_long_to_be_one_is_a_counted_skip_and_never_reaches_the_deal(workspace, tmp_path, run):
    bomb = "<" + "a" * 5000 + "@x.example>"
    result = run(workspace, "import-mail", mbox(tmp_path, message(1, message_id=bomb), message(2)))
    assert result.exit_code == 0, result.stderr
    assert "1 email logged on 1 deal; 1 skipped (Message-ID too long: 1)" in result.stdout
    assert "a" * (MAX_KEY + 1) not in workspace.deal_path("acme").read_text()


def test_thousands_of_message_ids_keep_only_the_first(workspace, tmp_path, run):
    # Today's main already holds (the email package reads the first id only): kept as a guard.
    bomb = " ".join(f"<id{i}@x.example>" for i in range(10_000))
    result, took = timed(run, workspace, "import-mail", mbox(tmp_path, message(1, message_id=bomb)))
    assert result.exit_code == 0 and took < 5, result.stderr
    text = workspace.deal_path("acme").read_text()
    assert "<id0@x.example>" in text and "id1@x.example" not in text


def test_a_references_bomb_is_a_counted_skip(workspace, tmp_path, run):
    references = "References: " + "\n ".join(f"<r{i}@x.example>" for i in range(MAX_HEADER_BYTES // 12)) + "\n"
    result, took = timed(run, workspace, "import-mail", "--dry-run", mbox(tmp_path, message(1, references)))
    assert result.exit_code == 0 and took < 5
    assert "1 skipped (headers too large: 1)" in result.stderr


def test_a_recipient_bomb_is_a_counted_skip(workspace, tmp_path, run):
    many = "Cc: " + ",\n ".join(f"u{i}@crowd.example" for i in range(MAX_ADDRESS_HEADER // 15)) + "\n"
    result, took = timed(run, workspace, "import-mail", "--dry-run", mbox(tmp_path, message(1, many), message(2)))
    assert result.exit_code == 0 and took < 5
    assert "1 email to log" in result.stderr and "1 skipped (too many addresses: 1)" in result.stderr


@pytest.mark.parametrize("header", [
    "To: \"unterminated <a@b>\n", "To: =?utf-8?q?=FF=FE?= <li.na@acme.example>\n",
    "From: (((((((((((((((((((((((((((((((((((((((((((((((((((((((\n", "To: :;:;:;:;<<<<>>>>@@@@\n",
    "Subject: =?bogus-charset?b?////?=\n", "Content-Type: multipart/mixed; boundary=\"\n",
    "To: " + "(" * 5000 + "\n", "Date: " + "9" * 400 + "\n", "\x00\x01: \x1b]52;c;x\x07\n",
], ids=["quote", "bad-encoded-word", "comments", "punctuation", "charset", "boundary", "deep-comments",
        "long-date", "control-name"])
def test_malformed_headers_never_stop_the_import(workspace, tmp_path, run, header):
    # Today's main already holds (one bad message is a counted skip or is read): kept as a guard.
    result, took = timed(run, workspace, "import-mail", "--dry-run", mbox(tmp_path, message(1, header), message(2)))
    assert result.exit_code == 0 and "Traceback" not in result.output and took < 5
    assert "dry run: " in result.stderr and "\x1b" not in result.output


def test_reading_many_messages_shows_a_progress_bar_on_a_terminal(workspace, tmp_path):
    path = mbox(tmp_path, *(message(i) for i in range(300)))
    main, child = pty.openpty()
    env = {**os.environ, "PIPE_TODAY": "2026-11-20", "TZ": "UTC"}
    child_process = subprocess.Popen([sys.executable, "-m", "pipecli", "-C", str(workspace.root), "import-mail",
                                      "--dry-run", path], stdout=subprocess.DEVNULL, stderr=child, env=env)
    os.close(child)
    shown = b""
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:
            break
        if not chunk:
            break
        shown += chunk
    os.close(main)
    assert child_process.wait(timeout=60) == 0
    assert f"reading {path}".encode() in shown and b"300/300" in shown


# -- calendars ----------------------------------------------------------------------------------

def calendar(tmp_path, *middle: str, name: str = "in.ics") -> str:
    path = tmp_path / name
    path.write_text("BEGIN:VCALENDAR\nVERSION:2.0\n" + "".join(middle) + "END:VCALENDAR\n", encoding="utf-8")
    return str(path)


def event(uid: str, *lines: str) -> str:
    return (f"BEGIN:VEVENT\nUID:{uid}\nDTSTART:20261102T100000Z\nSUMMARY:Call\n"
            "ATTENDEE:mailto:li.na@acme.example\n" + "".join(f"{line}\n" for line in lines) + "END:VEVENT\n")


@pytest.mark.parametrize("rule", [
    "RRULE:FREQ=SECONDLY", "RRULE:FREQ=SECONDLY;COUNT=1000000000", "RRULE:FREQ=MINUTELY;INTERVAL=1;UNTIL=99991231T235959Z",
    "RRULE:FREQ=YEARLY;BYSECOND=" + ",".join(map(str, range(60))) + ";BYMINUTE=" + ",".join(map(str, range(60))),
], ids=["no-end", "count-1e9", "until-9999", "by-everything"])
def test_a_recurrence_explosion_is_one_meeting(workspace, tmp_path, run, rule):
    # pipe never expands a recurrence (a series is logged once, at its first start). Today's main
    # already holds: kept as a guard, so that a later expansion has to come with a cap.
    result, took = timed(run, workspace, "import-calendar", "--dry-run", calendar(tmp_path, event("u1", rule)))
    assert result.exit_code == 0 and took < 5
    assert "1 meeting to log on 1 deal" in result.stderr


def test_deep_nesting_is_a_one_line_error(workspace, tmp_path, run):
    # 100,000 unmatched BEGIN/END lines took minutes today (each END searched the whole stack).
    path = calendar(tmp_path, "BEGIN:X\n" * 50_000, "END:Y\n" * 50_000, event("u1"))
    result, took = timed(run, workspace, "import-calendar", "--dry-run", path)
    failed(result, f"{path}:{MAX_NESTING + 2}", f"nested over {MAX_NESTING} deep")
    assert took < 5


def test_usual_nesting_is_read(workspace, tmp_path, run):
    alarm = "BEGIN:VALARM\nACTION:DISPLAY\nTRIGGER:-PT15M\nEND:VALARM"
    result = run(workspace, "import-calendar", "--dry-run", calendar(tmp_path, event("u1", alarm)))
    assert result.exit_code == 0 and "1 meeting to log on 1 deal" in result.stderr


def test_a_line_folded_a_million_times_is_read_in_linear_time(workspace, tmp_path, run):
    folded = "DESCRIPTION:a\n" + " b\n" * 1_000_000
    result, took = timed(run, workspace, "import-calendar", "--dry-run", calendar(tmp_path, event("u1", folded)))
    assert result.exit_code == 0 and took < 5
    assert "1 meeting to log on 1 deal" in result.stderr


def test_a_huge_calendar_is_a_one_line_error_before_it_is_read(workspace, tmp_path, run):
    # Sparse on disk. Today's main already refuses it by size: kept as a guard.
    path = tmp_path / "huge.ics"
    with open(path, "wb") as handle:
        handle.write(b"BEGIN:VCALENDAR\n")
        handle.truncate(250_000_000)
    result, took = timed(run, workspace, "import-calendar", str(path))
    failed(result, str(path), f"over {MAX_CALENDAR_BYTES // 1_000_000} MB")
    assert took < 5


def limited(workspace, *args: str, memory: int) -> subprocess.CompletedProcess:
    """pipe in a child with an address-space limit: a failing test must not take the machine down."""
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    env = {**os.environ, "PIPE_TODAY": "2026-11-20"}
    return subprocess.run([sys.executable, "-m", "pipecli", "-C", str(workspace.root), *args], capture_output=True,
                          text=True, env=env, preexec_fn=limit, timeout=30)


def test_a_uid_too_long_to_be_one_is_a_counted_skip_and_never_reaches_the_deal(workspace, tmp_path, run):
    # A 2 MB UID made the deal file 2 MB, over the frontmatter limit: every command then left it out.
    path = calendar(tmp_path, event("u" * (MAX_UID + 1)), event("u2"))
    result = run(workspace, "import-calendar", path)
    assert result.exit_code == 0, result.stderr
    assert "1 meeting logged on 1 deal; 1 skipped (UID too long: 1)" in result.stdout
    assert "u" * (MAX_UID + 1) not in workspace.deal_path("acme").read_text()
    assert run(workspace, "check").exit_code == 0


def test_a_meeting_with_too_many_attendees_is_a_counted_skip(workspace, tmp_path, run):
    many = [f"ATTENDEE:mailto:guest{i}@crowd.example" for i in range(MAX_ATTENDEES + 1)]
    path = calendar(tmp_path, event("u1", *many), event("u2"))
    result = run(workspace, "import-calendar", "--dry-run", path)
    assert result.exit_code == 0, result.stderr
    assert "1 meeting to log on 1 deal" in result.stderr and "1 skipped (too many attendees: 1)" in result.stderr


@pytest.mark.parametrize("filler", ["\n", "X:\n"], ids=["blank-lines", "ignored-properties"])
def test_a_calendar_of_millions_of_lines_is_read_in_memory_like_its_size(workspace, tmp_path, filler):
    # 10 MB of blank lines took 1.9 GB (a MemoryError traceback), 10 MB of X: lines 1.08 GB: an
    # object per line. 1.5 million lines (3 to 5 MB) under a 300 MB limit.
    middle = filler * 1_500_000
    path = calendar(tmp_path, "BEGIN:VEVENT\nUID:u1\nDTSTART:20261102T100000Z\n", middle,
                    "ATTENDEE:mailto:li.na@acme.example\nEND:VEVENT\n", middle)
    done = limited(workspace, "import-calendar", "--dry-run", path, memory=300_000_000)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "acme: would log meeting out of 2026-11-02 10:00" in done.stdout


def test_an_mbox_that_is_one_enormous_line_is_a_counted_skip(workspace, tmp_path):
    # 'From ' and no newline in 2 GB (sparse on disk): the standard library's mbox read the line
    # whole, a MemoryError traceback. Read here under a 1 GB limit; the message after it is logged.
    path = tmp_path / "line.mbox"
    with open(path, "wb") as handle:
        handle.write(b"From x")
        handle.truncate(2_000_000_000)
        handle.seek(0, os.SEEK_END)
        handle.write(b"\n" + message(2))
    done = limited(workspace, "import-mail", "--dry-run", str(path), memory=1_000_000_000)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "1 email to log on 1 deal; 1 skipped (From line too long: 1)" in done.stderr


def test_a_maildir_entry_that_is_not_a_regular_file_is_a_counted_skip(workspace, tmp_path, run):
    # A FIFO made `pipe import-mail` hang forever; a link was followed out of the folder.
    maildir = tmp_path / "Mail"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    (maildir / "cur" / "1.host:2,S").write_bytes(message(1).split(b"\n", 1)[1])
    os.mkfifo(maildir / "cur" / "2.host:2,S")
    (tmp_path / "outside").write_bytes(message(3).split(b"\n", 1)[1])
    os.symlink(tmp_path / "outside", maildir / "new" / "3.host")
    os.symlink("/dev/zero", maildir / "cur" / "4.host:2,S")
    done = limited(workspace, "import-mail", "--dry-run", "--verbose", str(maildir), memory=1_000_000_000)
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert "1 email to log on 1 deal" in done.stderr and "3 skipped (not a regular file: 3)" in done.stderr
    assert "m3@acme.example" not in done.stdout and "would log email in of 2026-11-02" in done.stdout


def test_meetings_that_would_grow_a_deal_past_what_pipe_reads_are_refused_before_any_write(make_workspace, tmp_path, run):
    # Each UID fits, but a thousand of them on one deal would make a file pipe could not read back.
    workspace = make_workspace({"acme": simple_deal("acme", created="2026-10-01", contacts=CONTACT),
                                "beta": simple_deal("beta", created="2026-10-01",
                                                    contacts=CONTACT.replace("li.na@acme.example", "bo@beta.example"))})
    before = {p.name: p.read_bytes() for p in workspace.deals_dir.iterdir()}
    events = [event(f"{n:04d}" + "u" * 990) for n in range(1100)]
    events.append(event("small-one").replace("li.na@acme.example", "bo@beta.example"))
    result = run(workspace, "import-calendar", calendar(tmp_path, *events))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "nothing written" in result.stderr and "deals/acme.md would not read back" in result.stderr
    assert {p.name: p.read_bytes() for p in workspace.deals_dir.iterdir()} == before  # beta untouched too
