"""`pipe remind`: each team member's digest of overdue, due-today and suggested tasks (today is 2026-11-27).

The team: alice and zoe have something to do, bob has nothing, carol has a task but no email.
"""

import datetime as dt

import pytest

from pipecli.core.mail import digest
from tests.conftest import CONFIG, simple_deal
from tests.smtp_server import free_port, smtp_server  # noqa: F401
from tests.test_suggest import entries

TODAY = dt.date(2026, 11, 27)
TEAM = """\
team:
- {id: alice, name: Alice Martin, email: alice@example.com}
- {id: bob, name: Bob Stone, email: bob@example.com}
- {id: zoe, name: Zoë Ångström, email: zoe@example.com}
- {id: carol, name: Carol Reed}
"""
BASE = CONFIG.replace(
    "team:\n- {id: alice, name: Alice Martin, email: alice@example.com}\n"
    "- {id: bob, name: Bob Stone, email: bob@example.com}\n", TEAM)


def task(number: int, text: str, due: str, **more) -> dict:
    return {"id": f"ta{number:04d}", "text": text, "due": due, "status": "open", **more}


DEALS = {
    # 7 days old: not inactive yet (inactivity_days 10)
    "acme": simple_deal("acme", title="Acme rollout", account="Acme GmbH", stage="proposal", created="2026-11-20",
                        tasks=entries(task(1, "Call Jonas", "2026-11-20"),
                                      task(2, "Send the pricing", "2026-11-27", assignee="zoe"),
                                      task(3, "Plan the kickoff", "2026-12-10"),
                                      task(4, "Old and done", "2026-11-10", status="done", done="2026-11-12"))),
    # inactive for 26 days: a suggestion for its owner zoe
    "beta": simple_deal("beta", title="Beta pilot", stage="proposal", created="2026-11-01", owner="zoe",
                        tasks=entries(task(5, "Chase the PO", "2026-11-26"),
                                      task(6, "Book the demo", "2026-11-27", assignee="alice"),
                                      task(7, "Snoozed", "2026-11-20", snoozed_until="2026-12-01"))),
    "gamma": simple_deal("gamma", title="Gamma renewal", stage="proposal", created="2026-11-01"),
    "delta": simple_deal("delta", title="Delta", stage="lead", created="2026-11-25", owner="carol",
                         tasks=entries(task(8, "Intro call", "2026-11-27"))),
}

ALICE = """\
Alice Martin, what to do on 2026-11-27: 1 overdue, 1 due today, 1 suggested.

Overdue (1)
- ta0001 Call Jonas (due 2026-11-20, 7 days ago)
  acme: Acme rollout, Acme GmbH

Due today (1)
- ta0006 Book the demo
  beta: Beta pilot

Suggested (1)
- gamma:inactive Follow up: no activity since 2026-11-01
  gamma: Gamma renewal: no activity for 26 days (since 2026-11-01)

-- 
pipe remind: 'pipe task done ID' marks a task done, 'pipe task accept DEAL:KIND' makes a suggestion a task.
"""
ZOE = """\
Zoë Ångström, what to do on 2026-11-27: 1 overdue, 1 due today, 1 suggested.

Overdue (1)
- ta0005 Chase the PO (due 2026-11-26, 1 day ago)
  beta: Beta pilot

Due today (1)
- ta0002 Send the pricing
  acme: Acme rollout, Acme GmbH

Suggested (1)
- beta:inactive Follow up: no activity since 2026-11-01
  beta: Beta pilot: no activity for 26 days (since 2026-11-01)

-- 
pipe remind: 'pipe task done ID' marks a task done, 'pipe task accept DEAL:KIND' makes a suggestion a task.
"""
SUBJECT = "pipe: 1 overdue, 1 due today, 1 suggested (2026-11-27)"


@pytest.fixture
def team_workspace(make_workspace, smtp_server):  # noqa: F811
    def make(mail: str | None = None, deals: dict | None = None):
        return make_workspace(DEALS if deals is None else deals,
                              config=BASE + (smtp_server.config_text() if mail is None else mail))
    return make


def test_the_digest_of_two_team_members(make_workspace):
    workspace = make_workspace(DEALS, config=BASE)
    planned = digest.plan(workspace.deals(), workspace.config, TODAY)
    assert [d.member.id for d in planned.ready] == ["alice", "zoe"]
    alice, zoe = planned.ready
    assert digest.body(alice, TODAY) == ALICE
    assert digest.body(zoe, TODAY) == ZOE
    assert digest.subject(alice, TODAY) == digest.subject(zoe, TODAY) == SUBJECT
    assert [m.id for m in planned.idle] == ["bob"]
    assert [(d.member.id, d.counts()) for d in planned.no_email] == [("carol", "1 due today")]
    assert planned.unclaimed == []


def test_the_subject_leaves_out_what_is_zero(make_workspace):
    workspace = make_workspace({"acme": DEALS["acme"]}, config=BASE)
    alice = digest.plan(workspace.deals(), workspace.config, TODAY).ready[0]
    assert digest.subject(alice, TODAY) == "pipe: 1 overdue (2026-11-27)"
    assert "Suggested" not in digest.body(alice, TODAY) and "task accept" not in digest.body(alice, TODAY)


def test_without_send_it_shows_the_digests_and_sends_nothing(team_workspace, run, smtp_server):  # noqa: F811
    workspace = team_workspace()
    for args in ((), ("--dry-run",)):
        result = run(workspace, "remind", *args)
        assert result.exit_code == 0, result.output
        assert result.stdout == (f"To: Alice Martin <alice@example.com>\nSubject: {SUBJECT}\n\n{ALICE}\n"
                                 f"To: Zoë Ångström <zoe@example.com>\nSubject: {SUBJECT}\n\n{ZOE}")
        assert result.stderr.splitlines() == [
            "carol: skipped: no email under team: in pipelines.yaml (1 due today)",
            "bob: nothing overdue, due today or suggested: no digest",
            "dry run: 2 digests; nothing sent (send them with --send)",
        ]
    assert smtp_server.messages == []


def test_send_delivers_one_digest_to_each_member_with_something_to_do(team_workspace, run, smtp_server):  # noqa: F811
    workspace = team_workspace()
    before = {p.name: p.read_bytes() for p in (workspace.root / "deals").iterdir()}
    result = run(workspace, "remind", "--send")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        f"sent to alice (Alice Martin <alice@example.com>): {SUBJECT}",
        f"sent to zoe (Zoë Ångström <zoe@example.com>): {SUBJECT}",
        "remind: 2 sent, 1 skipped, 1 with nothing to do",
    ]
    assert "carol: skipped: no email" in result.stderr
    assert [m.recipients for m in smtp_server.messages] == [["alice@example.com"], ["zoe@example.com"]]
    alice, zoe = (m.message for m in smtp_server.messages)
    for message, body in ((alice, ALICE), (zoe, ZOE)):
        assert message["From"] == "Maya Lind <maya@tidewater.example>"
        assert message["Subject"] == SUBJECT
        assert message["Auto-Submitted"] == "auto-generated"
        assert message.get_content().replace("\r\n", "\n") == body
    assert alice["To"] == "Alice Martin <alice@example.com>"
    # The non-ASCII name travels as an RFC 2047 word and comes back whole.
    raw = smtp_server.messages[1].data
    assert b"=?utf-8?" in raw.split(b"\r\n\r\n")[0].lower() and "Zoë".encode() not in raw.split(b"\r\n\r\n")[0]
    assert zoe["To"].addresses[0].display_name == "Zoë Ångström"
    assert zoe["To"].addresses[0].addr_spec == "zoe@example.com"
    # Sending changes no deal file.
    assert {p.name: p.read_bytes() for p in (workspace.root / "deals").iterdir()} == before


def test_without_mail_from_a_digest_comes_from_the_member_themselves(team_workspace, run, smtp_server):  # noqa: F811
    mail = smtp_server.config_text().replace("  from: Maya Lind <maya@tidewater.example>\n", "")
    result = run(team_workspace(mail), "remind", "--send", "--member", "alice")
    assert result.exit_code == 0, result.output
    [received] = smtp_server.messages
    assert received.message["From"] == "Alice Martin <alice@example.com>"


def test_member_limits_the_digests(team_workspace, run, smtp_server):  # noqa: F811
    workspace = team_workspace()
    result = run(workspace, "remind", "--send", "--member", "zoe@example.com", "--member", "bob")
    assert result.exit_code == 0, result.output
    assert [m.recipients for m in smtp_server.messages] == [["zoe@example.com"]]
    assert result.stderr.splitlines() == ["bob: nothing overdue, due today or suggested: no digest"]
    result = run(workspace, "remind", "--member", "nobody")
    assert result.exit_code == 1
    assert result.stderr.startswith("pipe: unknown team member 'nobody'")


def test_members_with_nothing_to_do_get_nothing(team_workspace, run, smtp_server):  # noqa: F811
    workspace = team_workspace(deals={"gamma": simple_deal("gamma", created="2026-11-20")})
    result = run(workspace, "remind", "--send")
    assert result.exit_code == 0, result.output
    assert smtp_server.messages == []
    assert result.stdout == "remind: 0 sent, 0 skipped, 4 with nothing to do\n"


def test_a_name_holding_a_line_break_adds_no_header(team_workspace, run, smtp_server):  # noqa: F811
    mail = smtp_server.config_text()
    config = BASE.replace("name: Alice Martin", 'name: "Alice\\r\\nBcc: eve@evil.example"') + mail
    workspace = team_workspace(mail)
    (workspace.root / "pipelines.yaml").write_text(config, encoding="utf-8")
    result = run(workspace, "remind", "--send", "--member", "alice")
    assert result.exit_code == 0, result.output
    [received] = smtp_server.messages
    assert received.recipients == ["alice@example.com"]
    assert received.message["Bcc"] is None and b"\nBcc:" not in received.data
    assert received.message["To"].addresses[0].display_name == "Alice Bcc: eve@evil.example"
    assert received.message.get_content().startswith("Alice Bcc: eve@evil.example, what to do on 2026-11-27:")


def test_dry_run_and_send_do_not_go_together(team_workspace, run, smtp_server):  # noqa: F811
    result = run(team_workspace(), "remind", "--dry-run", "--send")
    assert result.exit_code == 1
    assert result.stderr == "pipe: --dry-run shows the digests, --send sends them: give one\n"
    assert smtp_server.messages == []


def test_send_without_a_mail_server_says_so(team_workspace, run):
    result = run(team_workspace(mail=""), "remind", "--send")
    assert result.exit_code == 1
    assert result.stderr.startswith("pipe: no mail server: set mail.smtp in pipelines.yaml")


def _failure_config(server, case: str) -> str:
    if case == "refused":
        return server.config_text(port=free_port())  # nothing listens there
    if case == "tls":
        return server.config_text(security="tls")  # TLS handshake with a plain SMTP server
    return server.config_text(user="maya", password_env="PIPE_TEST_SMTP_PASSWORD")


@pytest.mark.parametrize("smtp_server, case, password, words", [
    ({}, "refused", None, "connection refused"),
    ({}, "tls", None, "TLS with 127.0.0.1:"),
    ({"password": "secret"}, "auth", "wrong", "refused the login of maya"),
    ({"password": "secret"}, "unset", None, "the SMTP password is not set: export PIPE_TEST_SMTP_PASSWORD"),
], indirect=["smtp_server"], ids=["refused", "tls", "auth", "unset"])
def test_a_failure_is_one_line_and_sends_nothing(team_workspace, run, smtp_server, monkeypatch,  # noqa: F811
                                                 case, password, words):
    if password is None:
        monkeypatch.delenv("PIPE_TEST_SMTP_PASSWORD", raising=False)
    else:
        monkeypatch.setenv("PIPE_TEST_SMTP_PASSWORD", password)
    result = run(team_workspace(_failure_config(smtp_server, case)), "remind", "--send")
    assert result.exit_code == 1
    [line] = [x for x in result.stderr.splitlines() if x.startswith("pipe: ")]
    assert words in line
    assert result.stderr.splitlines()[-1] == line and "Traceback" not in result.output
    assert "sent to" not in result.stdout
    assert smtp_server.messages == []


@pytest.mark.parametrize("smtp_server", [{"password": "secret"}], indirect=True)
def test_the_right_password_from_the_environment_logs_in(team_workspace, run, smtp_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("PIPE_TEST_SMTP_PASSWORD", "secret")
    result = run(team_workspace(_failure_config(smtp_server, "auth")), "remind", "--send")
    assert result.exit_code == 0, result.output
    assert len(smtp_server.messages) == 2


def test_a_failure_half_way_says_whom_to_send_again(team_workspace, run, smtp_server):  # noqa: F811
    smtp_server.fail_from = 1
    result = run(team_workspace(), "remind", "--send")
    assert result.exit_code == 1
    assert result.stdout == f"sent to alice (Alice Martin <alice@example.com>): {SUBJECT}\n"
    assert result.stderr.splitlines()[-1] == (
        "pipe: sending to Zoë Ångström <zoe@example.com> failed: 421 4.3.0 service shutting down; sent to alice, "
        "not to zoe (send those with: pipe remind --send --member zoe)")
    assert [m.recipients for m in smtp_server.messages] == [["alice@example.com"]]


def test_ctrl_c_half_way_exits_130_and_says_whom_to_send_again(team_workspace, run, smtp_server,  # noqa: F811
                                                               monkeypatch):
    from pipecli.core.mail import smtp

    real, calls = smtp._send_one, []

    def interrupted_second(*args):
        calls.append(args)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(*args)

    monkeypatch.setattr(smtp, "_send_one", interrupted_second)
    result = run(team_workspace(), "remind", "--send")
    assert result.exit_code == 130  # as shells expect of an interrupted program, not 1
    assert result.stderr.splitlines()[-1] == ("pipe: interrupted; sent to alice, not to zoe "
                                              "(send those with: pipe remind --send --member zoe)")


def test_a_refused_address_does_not_hold_back_the_other_digests(team_workspace, run, smtp_server):  # noqa: F811
    smtp_server.refuse.add("alice@example.com")
    result = run(team_workspace(), "remind", "--send")
    assert result.exit_code == 1
    assert "alice: not sent: the server refused alice@example.com: 550 no such user here" in result.stderr
    assert result.stderr.splitlines()[-1] == ("pipe: the server refused the digest of alice: "
                                              "check their email under team:")
    assert [m.recipients for m in smtp_server.messages] == [["zoe@example.com"]]


def test_tasks_of_no_one_on_the_team_are_named(make_workspace, run):
    deals = {"omega": simple_deal("omega", title="Omega", owner="zed", stage="proposal", created="2026-11-01",
                                  tasks=entries(task(9, "Nobody's call", "2026-11-27")))}
    workspace = make_workspace(deals, config=BASE)
    planned = digest.plan(workspace.deals(), workspace.config, TODAY)
    assert planned.ready == [] and planned.unclaimed == ["ta0009", "omega"]
    result = run(workspace, "remind")
    assert result.exit_code == 0, result.output
    assert "in no digest: ta0009, omega: their assignee or deal owner is not on the team" in result.stderr
