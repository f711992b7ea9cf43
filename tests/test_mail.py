"""`pipe mail` and `pipe automate` against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pipecli.core.store.workspace import Workspace
from tests.conftest import CONFIG, committed_repository, simple_deal
from tests.smtp_server import free_port, smtp_server  # noqa: F401

TEMPLATE = """\
---
subject: "{{ deal.account }}: next steps for {{ deal.title }}"
---
Hi {{ contact.first_name }},

Following up on {{ deal.title }} ({{ deal.stage_name }}).

{{ sender.name }}
"""


def acme(deal_id: str = "acme", **fields) -> str:
    fields.setdefault("account", "Acme GmbH")
    fields.setdefault("contacts", "\n- name: Jürgen Müller\n  email: jurgen@acme.example")
    return simple_deal(deal_id, **fields)


def workspace_with(make_workspace, smtp_server, deals: dict, extra: str = "", template: str = TEMPLATE, **smtp):
    workspace = make_workspace(deals, config=CONFIG + smtp_server.config_text(**smtp) + extra)
    folder = workspace.root / "templates" / "email"
    folder.mkdir(parents=True)
    (folder / "follow-up.md.j2").write_text(template, encoding="utf-8")
    return workspace


def one_error(result) -> str:
    assert result.exit_code == 1, result.output
    lines = result.stderr.strip().splitlines()
    assert lines and lines[-1].startswith("pipe: ") and "Traceback" not in result.stderr, result.stderr
    return lines[-1]


# -- pipe mail ----------------------------------------------------------------------------------

def test_mail_writes_one_eml_per_deal_to_the_outbox_and_lists_the_skipped(make_workspace, run, smtp_server):
    workspace = workspace_with(make_workspace, smtp_server, {"acme": acme(), "bare": simple_deal("bare")})
    before = {p: p.read_bytes() for p in workspace.deals_dir.iterdir()}
    result = run(workspace, "mail", "follow-up", "--stage", "lead")
    assert result.exit_code == 0, result.stderr
    assert "bare: skipped: no contact has an email address" in result.stderr
    (eml,) = (workspace.root / "outbox").iterdir()
    assert eml.name == "2026-11-27-acme-follow-up.eml"
    from email import message_from_bytes, policy

    message = message_from_bytes(eml.read_bytes(), policy=policy.default)
    assert message["Subject"] == "Acme GmbH: next steps for Acme"
    assert message["To"] == "Jürgen Müller <jurgen@acme.example>" and message["From"] == "Maya Lind <maya@tidewater.example>"
    assert message.get_content() == "Hi Jürgen,\n\nFollowing up on Acme (Lead).\n\nMaya Lind\n"
    assert {p: p.read_bytes() for p in workspace.deals_dir.iterdir()} == before  # nothing logged: not sent
    assert smtp_server.messages == []


def test_mail_send_delivers_encoded_headers_and_logs_each_email(make_workspace, run, smtp_server):
    workspace = workspace_with(make_workspace, smtp_server, {"acme": acme(account="Café Zürich")})
    result = run(workspace, "mail", "follow-up", "--stage", "lead", "--send", "--yes")
    assert result.exit_code == 0, result.stderr
    (received,) = smtp_server.messages
    assert received.recipients == ["jurgen@acme.example"] and received.sender == "maya@tidewater.example"
    raw = received.data.decode("ascii")  # everything on the wire is ASCII: RFC 2047 words for the rest
    assert "Subject: =?utf-8?q?Caf=C3=A9_Z=C3=BCrich=3A?= next steps for Acme" in raw
    assert "To: =?utf-8?q?J=C3=BCrgen_M=C3=BCller?= <jurgen@acme.example>" in raw
    message = received.message
    assert message["Subject"] == "Café Zürich: next steps for Acme"
    deal = workspace.load("acme")
    (entry,) = [a for a in deal.activities if a.get("kind") == "email"]
    assert (entry["direction"], entry["summary"], entry["message_id"]) == (
        "out", "Café Zürich: next steps for Acme", message["Message-ID"])
    assert str(entry["date"]) == "2026-11-27"
    timeline = run(workspace, "timeline", "acme").stdout
    assert "Café Zürich: next steps for Acme" in timeline


def test_no_deal_value_can_inject_a_header(make_workspace, run, smtp_server):
    evil = acme(title='"Acme\\r\\nBcc: spy@evil.example"',
                contacts='\n- name: "Jo\\r\\nBcc: spy@evil.example"\n  email: jo@acme.example')
    workspace = workspace_with(make_workspace, smtp_server, {"acme": evil})
    result = run(workspace, "mail", "follow-up", "--stage", "lead", "--send", "--yes")
    assert result.exit_code == 0, result.stderr
    (received,) = smtp_server.messages
    assert received.recipients == ["jo@acme.example"]
    headers = received.data.split(b"\r\n\r\n", 1)[0].decode("ascii").split("\r\n")
    assert not [h for h in headers if h.lower().startswith("bcc")] and received.message["Bcc"] is None
    assert [a.addr_spec for a in received.message["To"].addresses] == ["jo@acme.example"]  # the rest is a quoted name
    assert received.message["Subject"] == 'Acme GmbH: next steps for Acme Bcc: spy@evil.example'  # one line


def test_mail_send_needs_a_filter_and_confirmation(make_workspace, run, smtp_server):
    workspace = workspace_with(make_workspace, smtp_server, {"acme": acme()})
    assert "needs at least one filter" in one_error(run(workspace, "mail", "follow-up", "--send", "--yes"))
    assert "confirm with --yes" in one_error(run(workspace, "mail", "follow-up", "--stage", "lead", "--send"))
    assert smtp_server.messages == []


def test_template_mistakes_are_one_line(make_workspace, run, smtp_server):
    workspace = workspace_with(make_workspace, smtp_server, {"acme": acme()},
                               template="---\nsubject: Hi {{ contact.nickname }}\n---\nBody\n")
    assert "templates/email/follow-up.md.j2: template error:" in one_error(run(workspace, "mail", "follow-up"))
    assert "no email template templates/email/nope.md.j2 (templates: follow-up)" in one_error(
        run(workspace, "mail", "nope"))
    (workspace.root / "templates/email/follow-up.md.j2").write_text("no frontmatter\n")
    assert "follow-up.md.j2:1:" in one_error(run(workspace, "mail", "follow-up"))
    assert "not a template name" in one_error(run(workspace, "mail", "../../etc/passwd"))


def test_the_sandbox_keeps_templates_away_from_python(make_workspace, run, smtp_server):
    workspace = workspace_with(make_workspace, smtp_server, {"acme": acme()},
                               template="---\nsubject: x\n---\n{{ ''.__class__.__mro__[1].__subclasses__() }}\n")
    assert "template" in one_error(run(workspace, "mail", "follow-up", "--dry-run"))


# -- failures: one line, nothing marked as sent ---------------------------------------------------

@pytest.mark.parametrize("smtp, says", [
    ({"port": None}, "connection refused"),
    ({"security": "tls"}, "TLS with 127.0.0.1"),
    ({"security": "starttls"}, "does not offer STARTTLS"),
])
def test_connection_failures_send_and_log_nothing(make_workspace, run, smtp_server, smtp, says):
    if smtp.get("port", 0) is None:
        smtp = {**smtp, "port": free_port()}
    workspace = workspace_with(make_workspace, smtp_server, {"acme": acme()}, **smtp)
    before = workspace.read_bytes("acme")
    assert says in one_error(run(workspace, "mail", "follow-up", "--stage", "lead", "--send", "--yes"))
    assert workspace.read_bytes("acme") == before and smtp_server.messages == []


@pytest.mark.parametrize("smtp_server", [{"password": "right"}], indirect=True)
def test_a_wrong_password_or_none_is_one_line(make_workspace, run, smtp_server, monkeypatch):
    workspace = workspace_with(make_workspace, smtp_server, {"acme": acme()}, user="maya", password_env="SMTP_PASSWORD")
    monkeypatch.delenv("SMTP_PASSWORD", raising=False)
    assert "export SMTP_PASSWORD=" in one_error(run(workspace, "mail", "follow-up", "--stage", "lead", "--send", "--yes"))
    monkeypatch.setenv("SMTP_PASSWORD", "wrong")
    assert "refused the login of maya" in one_error(run(workspace, "mail", "follow-up", "--stage", "lead", "--send", "--yes"))
    assert smtp_server.messages == [] and not [a for a in workspace.load("acme").activities if a.get("kind") == "email"]
    monkeypatch.setenv("SMTP_PASSWORD", "right")
    assert run(workspace, "mail", "follow-up", "--stage", "lead", "--send", "--yes").exit_code == 0
    assert len(smtp_server.messages) == 1


def test_a_password_in_the_file_is_refused(make_workspace, run, smtp_server):
    workspace = workspace_with(make_workspace, smtp_server, {"acme": acme()}, user="maya", password="hunter2")
    assert "never put the SMTP password in pipelines.yaml" in one_error(run(workspace, "mail", "follow-up"))


def test_a_failure_half_way_leaves_the_sent_logged_and_the_rest_unsent(make_workspace, run, smtp_server):
    second = acme("beta", contacts="\n- name: Bea\n  email: bea@beta.example")
    workspace = workspace_with(make_workspace, smtp_server, {"acme": acme(), "beta": second})
    smtp_server.fail_from = 1  # the server gives up after the first message
    line = one_error(run(workspace, "mail", "follow-up", "--stage", "lead", "--send", "--yes"))
    assert line == ("pipe: sending to Bea <bea@beta.example> failed: 421 4.3.0 service shutting down; "
                    "1 sent and logged, 1 not sent (send those with: pipe mail follow-up --send --deal beta)")
    assert [m.recipients for m in smtp_server.messages] == [["jurgen@acme.example"]]
    assert [a["kind"] for a in workspace.load("acme").activities] == ["email"]
    assert "activities" not in workspace.load("beta").data
    smtp_server.fail_from = None  # the command it printed sends the rest, and only the rest
    assert run(workspace, "mail", "follow-up", "--send", "--deal", "beta", "--yes").exit_code == 0
    assert [m.recipients for m in smtp_server.messages] == [["jurgen@acme.example"], ["bea@beta.example"]]


def test_a_refused_address_is_reported_and_the_others_still_go(make_workspace, run, smtp_server):
    deals = {"acme": acme(), "beta": acme("beta", contacts="\n- name: Bea\n  email: bea@beta.example"),
             "gamma": acme("gamma", contacts="\n- name: Gil\n  email: gil@gamma.example")}
    workspace = workspace_with(make_workspace, smtp_server, deals)
    smtp_server.refuse.add("bea@beta.example")
    result = run(workspace, "mail", "follow-up", "--stage", "lead", "--send", "--yes")
    assert "beta: not sent: the server refused bea@beta.example: 550 no such user here" in result.stderr
    assert one_error(result) == ("pipe: 1 not sent, refused by the server: fix the address, then: "
                                 "pipe mail follow-up --deal beta --send")
    assert sorted(r for m in smtp_server.messages for r in m.recipients) == ["gil@gamma.example", "jurgen@acme.example"]
    assert "activities" not in workspace.load("beta").data


# -- pipe automate ------------------------------------------------------------------------------

AUTOMATIONS = """\
automations:
- {id: proposal-follow-up, stage: proposal, after: 2d, template: follow-up}
- {id: vip-welcome, tag: vip, template: follow-up, to: owner}
"""


def in_proposal(deal_id: str, entered: str = "2026-11-25") -> str:
    return acme(deal_id, stage="proposal", history=f"\n- stage: lead\n  date: 2026-11-01\n- stage: proposal\n  date: {entered}")


def test_automate_sends_once_when_due_and_never_again(make_workspace, run, smtp_server, monkeypatch):
    workspace = workspace_with(make_workspace, smtp_server, {"acme": in_proposal("acme", "2026-11-26")}, AUTOMATIONS)
    waiting = run(workspace, "automate")
    assert waiting.exit_code == 0 and "acme: proposal-follow-up waits until 2026-11-28" in waiting.stderr
    assert smtp_server.messages == []
    monkeypatch.setenv("PIPE_TODAY", "2026-11-28")
    assert "automate: 1 sent" in run(workspace, "automate").stdout
    assert run(workspace, "automate").stdout == "automate: 0 sent, 0 waiting, 0 skipped\n"
    assert len(smtp_server.messages) == 1
    (entry,) = [a for a in workspace.load("acme").activities if a.get("automation")]
    assert entry["automation"] == "proposal-follow-up@2026-11-26" and entry["direction"] == "out"


def test_automate_dry_run_sends_and_writes_nothing(make_workspace, run, smtp_server):
    workspace = workspace_with(make_workspace, smtp_server, {"acme": in_proposal("acme"), "vip": acme("vip", tags="[vip]")},
                               AUTOMATIONS)
    before = {p.name: p.read_bytes() for p in workspace.deals_dir.iterdir()}
    result = run(workspace, "automate", "--dry-run")
    assert result.exit_code == 0
    assert "would send proposal-follow-up@2026-11-25 to Jürgen Müller <jurgen@acme.example> for acme" in result.stdout
    assert "would send vip-welcome@2026-11-27 to Alice Martin <alice@example.com> for vip" in result.stdout
    assert {p.name: p.read_bytes() for p in workspace.deals_dir.iterdir()} == before and smtp_server.messages == []


def test_a_tag_rule_counts_its_delay_from_the_first_run_that_sees_the_tag(make_workspace, run, smtp_server, monkeypatch):
    rules = "automations:\n- {id: vip-welcome, tag: vip, after: 1d, template: follow-up}\n"
    workspace = workspace_with(make_workspace, smtp_server, {"vip": acme("vip", tags="[vip]")}, rules)
    assert "waits until 2026-11-28" in run(workspace, "automate").stderr
    assert workspace.load("vip").data["automations"] == [{"rule": "vip-welcome", "since": workspace.load("vip").created.replace(day=27)}]
    monkeypatch.setenv("PIPE_TODAY", "2026-11-28")
    assert "automate: 1 sent" in run(workspace, "automate").stdout
    assert run(workspace, "automate").stdout.startswith("automate: 0 sent")
    assert len(smtp_server.messages) == 1


def test_a_failed_run_leaves_the_unsent_due_for_the_next(make_workspace, run, smtp_server):
    deals = {"acme": in_proposal("acme"), "beta": in_proposal("beta").replace("jurgen@acme.example", "bea@beta.example")}
    workspace = workspace_with(make_workspace, smtp_server, deals, AUTOMATIONS)
    smtp_server.fail_from = 1
    assert "1 sent and logged, 1 not sent (beta)" in one_error(run(workspace, "automate"))
    smtp_server.fail_from = None
    assert "automate: 1 sent" in run(workspace, "automate").stdout
    assert sorted(r for m in smtp_server.messages for r in m.recipients) == ["bea@beta.example", "jurgen@acme.example"]


def test_a_refused_address_does_not_hold_back_the_other_automations(make_workspace, run, smtp_server):
    deals = {"beta": in_proposal("beta").replace("jurgen@acme.example", "bea@beta.example"), "zeta": in_proposal("zeta")}
    workspace = workspace_with(make_workspace, smtp_server, deals, AUTOMATIONS)
    smtp_server.refuse.add("bea@beta.example")
    result = run(workspace, "automate")
    assert result.exit_code == 0 and "beta: not sent: the server refused bea@beta.example" in result.stderr
    assert result.stdout.endswith("automate: 1 sent, 0 waiting, 0 skipped, 1 refused by the server (still due)\n")
    assert [m.recipients for m in smtp_server.messages] == [["jurgen@acme.example"]]


def test_a_trigger_sent_in_one_clone_is_not_sent_again_in_another_after_a_merge(make_workspace, smtp_server, tmp_path):
    workspace = workspace_with(make_workspace, smtp_server, {"acme": in_proposal("acme")}, AUTOMATIONS)
    # pipe installed and on PATH, as for a user: git's merge finds the driver there
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin", "HOME": str(tmp_path), "PIPE_TODAY": "2026-11-27", "GIT_CONFIG_NOSYSTEM": "1",
           "GIT_AUTHOR_NAME": "A", "GIT_AUTHOR_EMAIL": "a@example.com", "GIT_COMMITTER_NAME": "A",
           "GIT_COMMITTER_EMAIL": "a@example.com"}

    def sh(cwd, *args):
        done = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def pipe(cwd, *args):
        return sh(cwd, sys.executable, "-m", "pipecli", *args)

    first = workspace.root
    sh(first, "git", "init", "-q", "-b", "main")
    pipe(first, "git", "setup")
    sh(first, "git", "add", "-A")
    sh(first, "git", "commit", "-qm", "start")
    second = tmp_path / "second"
    sh(tmp_path, "git", "clone", "-q", str(first), str(second))
    pipe(second, "git", "setup")
    # the other clone (bob's) works on the deal too
    sh(second, "env", "PIPE_USER=bob", sys.executable, "-m", "pipecli", "log", "acme", "call", "Bob called", "--commit")
    assert "automate: 1 sent" in pipe(first, "automate", "--commit")
    sh(second, "git", "pull", "-q", "--no-rebase", "--no-edit")
    assert pipe(second, "automate").startswith("automate: 0 sent")
    assert len(smtp_server.messages) == 1
    activities = [a["summary"] for a in Workspace(second).load("acme").activities]
    assert activities == ["Bob called", "Acme GmbH: next steps for Acme"] or sorted(activities) == sorted(
        ["Bob called", "Acme GmbH: next steps for Acme"])


def test_a_trigger_due_over_a_week_ago_is_stale_and_never_sent(make_workspace, run, smtp_server):
    # Switching a rule on must not email every deal that entered the stage long ago.
    deals = {"old": in_proposal("old", "2026-11-10"), "new": in_proposal("new", "2026-11-20")}
    workspace = workspace_with(make_workspace, smtp_server, deals, AUTOMATIONS)
    dry = run(workspace, "automate", "--dry-run")
    assert "old: proposal-follow-up not sent: it fell due on 2026-11-12, over 7 days ago" in dry.stderr
    assert "dry run: 1 due, 0 waiting, 1 stale; nothing sent" in dry.stderr
    assert run(workspace, "automate").stdout.endswith("automate: 1 sent, 0 waiting, 0 skipped, 1 stale (--dry-run lists them)\n")
    assert [m.recipients for m in smtp_server.messages] == [["jurgen@acme.example"]]
    assert not [a for a in workspace.load("old").activities if a.get("automation")]



@pytest.mark.parametrize("smtp_server, security", [({"tls": "starttls", "password": "right"}, "starttls"),
                                                   ({"tls": "tls"}, "tls")], indirect=["smtp_server"])
def test_sending_over_starttls_and_tls(make_workspace, run, smtp_server, security, monkeypatch):
    login = {"user": "maya", "password_env": "SMTP_PASSWORD"} if smtp_server.password else {}
    monkeypatch.setenv("SMTP_PASSWORD", "right")
    workspace = workspace_with(make_workspace, smtp_server, {"acme": acme()}, security=security, **login)
    result = run(workspace, "mail", "follow-up", "--stage", "lead", "--send", "--yes")
    assert result.exit_code == 0, result.stderr
    assert [(m.recipients, m.tls) for m in smtp_server.messages] == [(["jurgen@acme.example"], True)]


@pytest.mark.parametrize("smtp_server", [{"tls": "tls"}], indirect=True)
def test_a_certificate_nobody_vouches_for_is_refused(make_workspace, run, smtp_server, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE")  # the test authority is no longer trusted
    workspace = workspace_with(make_workspace, smtp_server, {"acme": acme()}, security="tls")
    assert "CERTIFICATE_VERIFY_FAILED" in one_error(run(workspace, "mail", "follow-up", "--stage", "lead", "--send", "--yes"))
    assert smtp_server.messages == []


def test_a_run_stopped_half_way_still_commits_what_it_sent(make_workspace, run, smtp_server, tmp_path, monkeypatch):
    deals = {"acme": in_proposal("acme"), "beta": in_proposal("beta").replace("jurgen@acme.example", "bea@beta.example")}
    workspace = workspace_with(make_workspace, smtp_server, deals, AUTOMATIONS)
    git = committed_repository(workspace.root, monkeypatch, "Maya", "maya@tidewater.example")
    smtp_server.fail_from = 1
    assert "1 sent and logged, 1 not sent (beta)" in one_error(run(workspace, "automate", "--commit"))
    assert git("log", "-1", "--format=%s").strip() == "automate: 1 sent, then stopped"
    assert git("show", "--name-only", "--format=", "HEAD").split() == ["deals/acme.md"]
    assert git("status", "--porcelain", "deals") == ""


def test_an_email_to_the_owner_stays_off_the_timeline_and_is_still_sent_once(make_workspace, run, smtp_server,
                                                                            monkeypatch):
    rules = "automations:\n- {id: nudge, stage: proposal, after: 0d, template: follow-up, to: owner}\n"
    workspace = workspace_with(make_workspace, smtp_server, {"acme": in_proposal("acme")}, rules)
    assert "automate: 1 sent" in run(workspace, "automate").stdout
    assert "automate: 0 sent" in run(workspace, "automate").stdout
    deal = workspace.load("acme")
    assert [m.recipients for m in smtp_server.messages] == [["alice@example.com"]]
    assert "activities" not in deal.data  # no interaction with the customer: the deal still looks quiet
    assert deal.data["automations"] == [{"rule": "nudge", "fired": deal.stage_entered(), "sent": deal.created.replace(day=27)}]
    monkeypatch.setenv("PIPE_TODAY", "2026-12-20")
    assert "acme" in run(workspace, "tasks", "--suggested").stdout


def test_a_body_line_starting_with_from_arrives_as_written(make_workspace, run, smtp_server):
    workspace = workspace_with(make_workspace, smtp_server, {"acme": acme()},
                               template="---\nsubject: Hello\n---\nHi,\nFrom our side, all good.\n")
    assert run(workspace, "mail", "follow-up", "--stage", "lead", "--send", "--yes").exit_code == 0
    assert b"\r\nFrom our side, all good.\r\n" in smtp_server.messages[0].data  # not ">From"


def test_ctrl_c_half_way_leaves_exactly_the_received_emails_logged(make_workspace, smtp_server):
    import os
    import signal
    import time

    deals = {f"deal-{n}": acme(f"deal-{n}", contacts=f"\n- name: C{n}\n  email: c{n}@example.com") for n in range(8)}
    workspace = workspace_with(make_workspace, smtp_server, deals)
    smtp_server.delay = 0.3  # the server takes each message, then waits before saying so
    child = subprocess.Popen([sys.executable, "-m", "pipecli", "-C", str(workspace.root), "mail", "follow-up",
                              "--stage", "lead", "--send", "--yes"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True, env={**os.environ},
                             # As at a terminal: a shell starts background jobs (so this test run, when
                             # started with &) with Ctrl-C ignored, and a child inherits that.
                             preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 20
    while len(smtp_server.messages) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    child.send_signal(signal.SIGINT)  # while the third message waits for the server's answer
    _, stderr = child.communicate(timeout=30)
    assert child.returncode == 130, stderr
    (line,) = [x for x in stderr.splitlines() if x.startswith("pipe:")]
    assert line.startswith("pipe: interrupted; 3 sent and logged, 5 not sent") and "Traceback" not in stderr
    received = sorted(r for m in smtp_server.messages for r in m.recipients)
    logged = sorted(c["email"] for d in workspace.deals() if d.activities for c in d.contacts)
    assert received == logged and len(received) == 3


def test_dry_run_shows_the_messages_as_a_reader_sees_them(make_workspace, run, smtp_server):
    workspace = workspace_with(make_workspace, smtp_server, {"acme": acme(account="Café Zürich")})
    shown = run(workspace, "mail", "follow-up", "--stage", "lead", "--dry-run").stdout
    assert shown == ("From: Maya Lind <maya@tidewater.example>\nTo: Jürgen Müller <jurgen@acme.example>\n"
                     "Subject: Café Zürich: next steps for Acme\n\nHi Jürgen,\n\nFollowing up on Acme (Lead).\n\n"
                     "Maya Lind\n\n")


def test_nul_and_bidi_controls_never_reach_a_header(make_workspace, run, smtp_server):
    evil = acme(account='"Acme\\0\\u202e\\x07 GmbH"', contacts='\n- name: "Jo\\0 \\u202eNo"\n  email: jo@acme.example')
    workspace = workspace_with(make_workspace, smtp_server, {"acme": evil})
    assert run(workspace, "mail", "follow-up", "--stage", "lead", "--send", "--yes").exit_code == 0
    head = smtp_server.messages[0].data.split(b"\r\n\r\n", 1)[0]
    assert b"\0" not in head and b"\x07" not in head
    message = smtp_server.messages[0].message
    assert message["Subject"] == "Acme GmbH: next steps for Acme" and str(message["To"]) == "Jo No <jo@acme.example>"


@pytest.mark.parametrize("security", ["none"])
def test_a_login_where_the_server_offers_none_is_one_line(make_workspace, run, smtp_server, security, monkeypatch):
    monkeypatch.setenv("SMTP_PASSWORD", "x")
    workspace = workspace_with(make_workspace, smtp_server, {"acme": acme()}, user="maya", password_env="SMTP_PASSWORD")
    assert "does not offer a login (AUTH)" in one_error(run(workspace, "mail", "follow-up", "--stage", "lead",
                                                            "--send", "--yes"))


@pytest.mark.parametrize("expression", ["'x' * 10**10", "[1] * 100000000", "2 ** 100000000"])
def test_a_template_cannot_make_a_huge_value(make_workspace, run, smtp_server, expression):
    workspace = workspace_with(make_workspace, smtp_server, {"acme": acme()},
                               template="---\nsubject: x\n---\n{{ " + expression + " }}\n")
    line = one_error(run(workspace, "mail", "follow-up", "--dry-run"))
    assert "template refused by the sandbox" in line and "(for deal acme)" in line
