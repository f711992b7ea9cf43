"""Report templates: the built-in ones, overriding by name, extending, --template, and the sandbox."""

import json

import pytest

from tests.conftest import failed, simple_deal


@pytest.fixture
def workspace(make_workspace):
    won = simple_deal("acme", stage="won", closed="2026-11-20", value=12000,
                      history="\n- {stage: lead, date: 2026-11-01}\n- {stage: won, date: 2026-11-20}", tasks="[]")
    return make_workspace({"acme": won, "beta": simple_deal("beta")})


def test_a_workspace_template_overrides_the_built_in_one_by_name(workspace, run):
    (workspace.root / "templates").mkdir()
    (workspace.root / "templates" / "report.md.j2").write_text(
        "{% for r in reports %}{{ r.name }}: {{ r.figures.revenue_won.text if r.figures.revenue_won else '' }}\n{% endfor %}")
    assert run(workspace, "report", "revenue", "--format", "md").stdout == "revenue: 12,000 EUR\n"


def test_a_workspace_template_can_extend_the_built_in_one(workspace, run):
    (workspace.root / "templates").mkdir()
    (workspace.root / "templates" / "report.html.j2").write_text(
        '{% extends "builtin/report.html.j2" %}{% block footer %}<footer>Acme Corp confidential</footer>{% endblock %}')
    html = run(workspace, "report", "revenue", "--format", "html").stdout
    assert "<footer>Acme Corp confidential</footer>" in html and "12,000 EUR" in html and "<svg" in html


def test_template_option_takes_a_file_anywhere(workspace, run, tmp_path):
    template = tmp_path / "mine.md.j2"
    template.write_text("Won: {{ reports[0].figures.deals_won.value }}\n")
    assert run(workspace, "report", "revenue", "--format", "md", "--template", str(template)).stdout == "Won: 1\n"


@pytest.mark.parametrize("body", [
    "{{ reports.__class__.__mro__ }}",
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os }}",
])
def test_templates_cannot_reach_python_internals(workspace, run, tmp_path, body):
    template = tmp_path / "evil.md.j2"
    template.write_text(body)
    result = run(workspace, "report", "--format", "md", "--template", str(template))
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert "class" not in result.stdout and "subclasses" not in result.stdout


def test_templates_cannot_make_a_value_that_fills_the_memory(workspace, run, tmp_path):
    template = tmp_path / "huge.md.j2"
    template.write_text("{{ 'x' * 10**10 }}")
    result = run(workspace, "report", "--format", "md", "--template", str(template))
    assert result.exit_code == 1 and "template refused by the sandbox: a repetition making over" in result.stderr


@pytest.mark.parametrize("args, words", [
    (["--template", "x.j2"], ["--template is for --format md or html"]),
    (["--format", "md", "--template", "nowhere.j2"], ["no template file nowhere.j2"]),
])
def test_template_option_refusals(workspace, run, args, words):
    failed(run(workspace, "report", *args), *words)


def test_a_broken_template_is_one_line_with_its_line(workspace, run, tmp_path):
    template = tmp_path / "broken.md.j2"
    template.write_text("line one\n{% for x in %}\n")
    failed(run(workspace, "report", "--format", "md", "--template", str(template)), "broken.md.j2:2", "template error")


def test_output_file_is_written_whole(workspace, run, tmp_path):
    target = tmp_path / "out.json"
    result = run(workspace, "report", "revenue", "--format", "json", "-o", str(target))
    assert result.stdout == "" and result.stderr == f"wrote {target}\n"
    assert json.loads(target.read_text())["reports"]["revenue"]["figures"]["revenue_won"]["value"] == 12000


def test_deal_text_is_escaped_in_html(make_workspace, run):
    evil = simple_deal("evil", stage="won", closed="2026-11-20", account="<script>alert(1)</script>", tasks="[]",
                       history="\n- {stage: lead, date: 2026-11-01}\n- {stage: won, date: 2026-11-20}")
    workspace = make_workspace({"evil": evil})
    html = run(workspace, "report", "revenue", "--format", "html").stdout
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
