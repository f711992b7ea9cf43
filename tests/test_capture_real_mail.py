"""pipe import-mail on mailboxes as real servers and clients wrote them (MimeKit's test mailboxes,
tests/data/capture/mimekit/README.md): one header the standard parser cannot read costs only that
header, and each message is logged, matched to no deal, or skipped for pipe's usual reasons."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from tests.conftest import simple_deal

DATA = Path(__file__).parent / "data" / "capture" / "mimekit"
MAILDIR, NETSCAPE = str(DATA / "maildir"), str(DATA / "netscape.mbox")
THUNDERBIRD, TAKEOUT = str(DATA / "thunderbird-bom.mbox"), str(DATA / "takeout.mbox")


@pytest.fixture(autouse=True)
def utc(monkeypatch):
    monkeypatch.setenv("TZ", "UTC")


@pytest.fixture
def workspace(make_workspace):
    return make_workspace({
        # the bounce's sender: a bounce is mail from the postmaster like any other
        "sprynet": simple_deal("sprynet", created="1996-01-01",
                               contacts="\n- {name: Postmaster, email: postmaster@mm1.sprynet.com}"),
        "umich": simple_deal("umich", created="1995-01-01", contacts="\n- {name: Peter Urka, email: pcu@umich.edu}"),
        "takeout": simple_deal("takeout", created="2025-01-01",
                               contacts="\n- {name: Sender, email: sender@example.com}"),
    })


def summary(result) -> str:
    assert result.exit_code == 0, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return result.stdout.splitlines()[-1]


def test_a_bounce_with_a_group_and_a_comment_in_to_is_logged_by_its_sender(workspace, run):
    # To: unlisted-recipients:; (no To-header on input) made the header parser raise: the whole
    # bounce was skipped as unreadable although its Message-ID, Date and From read fine
    result = run(workspace, "import-mail", NETSCAPE, "--verbose")
    assert summary(result) == ("import-mail netscape.mbox: 1 email logged on 1 deal; "
                               "2 matching no deal")
    assert "unreadable" not in result.stdout
    logged = workspace.load("sprynet").activities
    assert [(a["date"], a["summary"], a["message_id"]) for a in logged] == [
        (dt_date(1996, 7, 29), "email delivery error", "<96Jul29.022158-0700pdt.148226-12799+708@mm1.sprynet.com>")]
    # Netscape's 'From - date' lines, and a Message-Id written without its angle brackets
    assert f"no deal: {NETSCAPE} #1: 1996-10-29 from jgildred@opensoft.com: " in result.stdout
    assert run(workspace, "check").exit_code == 0


def test_real_messages_in_a_maildir_each_read(workspace, run):
    # a DSN bounce with a group To:, an Outlook 365 bounce (long folded Received: and
    # Authentication-Results:), ISO-2022-JP encoded words, a Date with '(EDT)' inside it, a Usenet
    # article with a two-digit year
    result = run(workspace, "import-mail", MAILDIR, "--verbose")
    assert summary(result) == ("import-mail maildir: 2 emails logged on 2 deals; "
                               "3 matching no deal")
    lines = result.stdout.splitlines()
    assert f"no deal: {MAILDIR}/3-japanese: 2015-07-21 from x@x.com: 日本語メールテスト (testing Japanese emails)" in lines
    assert f"no deal: {MAILDIR}/4-disposition-notification: 1995-09-20 from joe_recipient@example.com: " \
           "Disposition notification" in lines
    assert any(line.startswith(f"no deal: {MAILDIR}/2-bounce: 2022-01-26 from mailer-daemon@hmail.jitbit.com:")
               for line in lines)
    assert [a["summary"] for a in workspace.load("umich").activities] == ["Re: The Once and Future OS"]
    assert [a["date"] for a in workspace.load("umich").activities] == [dt_date(1995, 5, 7)]
    # the same bounce in the Maildir and in Netscape's mbox is one message
    again = run(workspace, "import-mail", NETSCAPE)
    assert "0 emails logged on 0 deals; 1 already logged" in summary(again)


def test_a_thunderbird_mbox_starting_with_a_byte_order_mark_is_read(workspace, run):
    # Thunderbird's 'From -' lines, a BOM before the first, and 'From Russia with love' left
    # unescaped in a body: that line starts a message too (as MimeKit reads it: 4 messages), and
    # none of the four has a Message-ID
    result = run(workspace, "import-mail", THUNDERBIRD, "--verbose")
    assert summary(result) == ("import-mail thunderbird-bom.mbox: 0 emails logged on 0 deals; "
                               "4 skipped (no Message-ID: 4)")
    assert f"skipped: {THUNDERBIRD} #4: no Message-ID" in result.stdout


def test_google_takeout_from_lines(workspace, run):
    result = run(workspace, "import-mail", TAKEOUT)
    assert summary(result) == "import-mail takeout.mbox: 4 emails logged on 1 deal"
    assert [a["summary"] for a in workspace.load("takeout").activities] == [f"Message {n}" for n in (1, 2, 3, 4)]


def test_one_bad_header_costs_only_that_header(workspace, run, tmp_path):
    # shapes seen from real servers that the default policy raises on or cannot decode: a group
    # with a comment in To, Cc and Bcc; an encoded word in a charset no one knows; no Date
    path = tmp_path / "shapes.mbox"
    path.write_bytes(textwrap.dedent("""\
        From MAILER-DAEMON Mon Nov  2 10:00:00 2026
        Message-ID: <b1@mm1.sprynet.com>
        Date: Mon, 2 Nov 2026 10:00:00 +0000
        From: =?x-unknown?Q?Post_Offic=E9?= <postmaster@mm1.sprynet.com>
        To: unlisted-recipients:; (no To-header on input)
        Cc: team: alice@example.com, bob@example.com; (the team)
        Bcc: undisclosed:; (none)
        Subject: =?x-unknown?Q?Undelivered_mail?=

        body
        From MAILER-DAEMON Mon Nov  2 10:00:00 2026
        Message-ID: <b2@mm1.sprynet.com>
        From: postmaster@mm1.sprynet.com
        To: unlisted-recipients:; (no To-header on input)

        body
        """).encode())
    result = run(workspace, "import-mail", str(path), "--verbose")
    assert summary(result) == ("import-mail shapes.mbox: 1 email logged on 1 deal; "
                               "1 skipped (no Date: 1)")
    assert f"skipped: {path} #2: no Date (<b2@mm1.sprynet.com>)" in result.stdout
    entry = workspace.load("sprynet").activities[-1]
    # in, by alice: the group's members in Cc are read as well
    assert (entry["direction"], entry["by"], entry["summary"]) == ("in", "alice", "Undelivered mail")


def dt_date(*parts):
    import datetime as dt
    return dt.date(*parts)
