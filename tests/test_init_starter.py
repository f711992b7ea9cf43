"""`pipe init` ships what the README uses: the email template, a commented automations: example and a
report template to copy."""

from pathlib import Path

from pipecli.core.model.config import load_config
from tests.conftest import failed

ROOT = Path(__file__).resolve().parent.parent


def fresh(tmp_path, run) -> Path:
    assert run(None, "init", str(tmp_path / "sales")).exit_code == 0
    return tmp_path / "sales"


def test_a_fresh_workspace_sends_the_readmes_email(tmp_path, run):
    root = fresh(tmp_path, run)
    config = root / "pipelines.yaml"
    # README: "$EDITOR pipelines.yaml   # add your team"
    config.write_text(config.read_text(encoding="utf-8").replace(
        "team: []", "team:\n- {id: alice, name: Alice Martin, email: alice@example.com}"), encoding="utf-8")
    assert run(root, "add", "Acme rollout", "--value", "18000", "--account", "Acme GmbH", "--contact",
               "Jonas Weber <jonas@acme.example>", "--next", "Send pricing", "--due", "2d").exit_code == 0
    assert run(root, "set", "acme", "expected_close=2027-01-31").exit_code == 0
    assert run(root, "move", "acme", "proposal").exit_code == 0
    shown = run(root, "mail", "proposal-follow-up", "--stage", "proposal", "--dry-run")
    assert shown.exit_code == 0, shown.stderr
    assert "Subject: Acme GmbH: the proposal, and a question" in shown.stdout and "Hi Jonas," in shown.stdout
    written = run(root, "mail", "proposal-follow-up", "--stage", "proposal")
    assert written.exit_code == 0 and len(list((root / "outbox").glob("*.eml"))) == 1


def test_the_shipped_email_template_is_the_one_the_sample_uses(tmp_path, run):
    root = fresh(tmp_path, run)
    name = "templates/email/proposal-follow-up.md.j2"
    assert (root / name).read_bytes() == (ROOT / name).read_bytes()


def test_the_commented_automations_change_nothing_and_parse_when_uncommented(tmp_path, run):
    root = fresh(tmp_path, run)
    text = (root / "pipelines.yaml").read_text(encoding="utf-8")
    assert "\n# automations:" in text and "\nautomations:" not in text
    assert load_config(root).automations == ()
    uncommented = text.replace("\n# mail:", "\nmail:").replace("\n# automations:", "\nautomations:") \
        .replace("\n# - {id: proposal-follow-up", "\n- {id: proposal-follow-up")
    (root / "pipelines.yaml").write_text(uncommented, encoding="utf-8")
    [rule] = load_config(root).automations
    assert (rule.id, rule.stage, rule.after_days, rule.template) == ("proposal-follow-up", "proposal", 2, "proposal-follow-up")
    assert run(root, "check").exit_code == 0
    assert run(root, "automate", "--dry-run").exit_code == 0


def test_the_report_template_to_copy_overrides_the_builtin_one(tmp_path, run):
    root = fresh(tmp_path, run)
    example = root / "templates" / "examples" / "report.html.j2"
    before = run(root, "report", "--format", "html").stdout
    assert "<title>pipe report" in before  # where it is, it changes nothing
    (root / "templates" / "report.html.j2").write_bytes(example.read_bytes())
    after = run(root, "report", "--format", "html")
    assert after.exit_code == 0 and "<title>Our pipeline" in after.stdout and "Sales report" in after.stdout


def test_init_never_overwrites_a_template_already_there(tmp_path, run):
    mine = tmp_path / "sales" / "templates" / "email" / "proposal-follow-up.md.j2"
    mine.parent.mkdir(parents=True)
    mine.write_text("---\nsubject: mine\n---\nmine\n", encoding="utf-8")
    assert run(None, "init", str(tmp_path / "sales")).exit_code == 0
    assert mine.read_text(encoding="utf-8") == "---\nsubject: mine\n---\nmine\n"
    assert (tmp_path / "sales" / "templates" / "examples" / "report.html.j2").is_file()


def test_init_refuses_when_a_file_stands_where_the_templates_go(tmp_path, run):
    (tmp_path / "sales").mkdir()
    (tmp_path / "sales" / "templates").write_text("not a folder", encoding="utf-8")
    failed(run(None, "init", str(tmp_path / "sales")), "templates is in the way")
    assert sorted(p.name for p in (tmp_path / "sales").iterdir()) == ["templates"]
