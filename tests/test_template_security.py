"""Templates come through git from anyone: no file outside their folder reaches a report or an
email through one, and nothing a template builds can fill the memory or outrun the time limit.

Each bomb runs in a subprocess under an address-space limit, so a regression fails the test instead
of taking the machine down."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CONFIG, failed, simple_deal

SECRET = "PIPE_SMTP_PASSWORD=hunter2"


@pytest.fixture
def workspace(make_workspace):
    acme = simple_deal("acme", account="Acme GmbH", contacts="\n- name: Jürgen Müller\n  email: jurgen@acme.example")
    return make_workspace({"acme": acme}, config=CONFIG + "mail:\n  from: Maya Lind <maya@tidewater.example>\n")


@pytest.fixture
def secret(tmp_path):
    """A file outside the workspace, as ~/.ssh/id_rsa or /proc/self/environ would be."""
    path = tmp_path / "outside" / "environ"
    path.parent.mkdir()
    path.write_text(SECRET)
    return path


def templates(workspace) -> Path:
    folder = workspace.root / "templates"
    folder.mkdir(exist_ok=True)
    return folder


def refused(result, *words) -> None:
    line = failed(result, "refused", "is a link to", *words)
    assert SECRET not in result.output, line


# -- 1. no file outside the workspace through a template ------------------------------------------

def test_an_include_of_a_link_out_of_templates_is_refused(workspace, run, secret):
    (templates(workspace) / "env.j2").symlink_to(secret)
    (templates(workspace) / "report.md.j2").write_text("{% include 'env.j2' %}")
    refused(run(workspace, "report", "--format", "md"), "templates/env.j2", str(secret))


def test_a_report_template_that_is_itself_a_link_out_is_refused(workspace, run, secret):
    (templates(workspace) / "report.html.j2").symlink_to(secret)
    refused(run(workspace, "report", "--format", "html"), "templates/report.html.j2", "outside templates/")


def test_a_templates_folder_that_is_a_link_out_is_refused(workspace, run, secret):
    (secret.parent / "report.md.j2").write_text("{% include 'environ' %}")
    (workspace.root / "templates").symlink_to(secret.parent)
    refused(run(workspace, "report", "--format", "md"), "templates/report.md.j2")


def test_a_link_that_stays_in_templates_is_followed(workspace, run):
    (templates(workspace) / "common.j2").write_text("shared part\n")
    (templates(workspace) / "part.j2").symlink_to("common.j2")
    (templates(workspace) / "report.md.j2").write_text("{% include 'part.j2' %}")
    assert run(workspace, "report", "--format", "md").stdout == "shared part\n"


def test_template_option_reads_the_file_typed_but_its_includes_stay_in_its_folder(workspace, run, secret, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "env.j2").symlink_to(secret)
    (folder / "mine.j2").write_text("{% include 'env.j2' %}")
    refused(run(workspace, "report", "--format", "md", "--template", str(folder / "mine.j2")), f"{folder}/env.j2")
    (folder / "up.j2").write_text("{% include '../outside/environ' %}")
    result = run(workspace, "report", "--format", "md", "--template", str(folder / "up.j2"))
    failed(result, "not found")
    assert SECRET not in result.output
    elsewhere = tmp_path / "typed.j2"  # a link the user typed is theirs to follow
    (folder / "ok.j2").write_text("mine: {{ reports | length }}\n")
    elsewhere.symlink_to(folder / "ok.j2")
    assert run(workspace, "report", "revenue", "--format", "md", "--template", str(elsewhere)).stdout == "mine: 1\n"


def test_template_option_naming_a_workspace_link_out_is_refused(workspace, run, secret):
    """CI runs `pipe report --template templates/weekly.j2`: a teammate makes that file a link."""
    (templates(workspace) / "weekly.j2").symlink_to(secret)
    refused(run(workspace, "report", "--format", "md", "--template", str(workspace.root / "templates" / "weekly.j2")),
            "outside the workspace")


def test_an_email_template_that_is_a_link_out_is_refused(workspace, run, secret):
    folder = templates(workspace) / "email"
    folder.mkdir()
    (folder / "follow-up.md.j2").symlink_to(secret)
    refused(run(workspace, "mail", "follow-up", "--stage", "lead"), "templates/email/follow-up.md.j2", str(secret))


def test_an_email_template_includes_nothing(workspace, run, secret):
    folder = templates(workspace) / "email"
    folder.mkdir()
    (folder / "env.j2").symlink_to(secret)
    (folder / "follow-up.md.j2").write_text("---\nsubject: hi\n---\n{% include 'env.j2' %}\n")
    result = run(workspace, "mail", "follow-up", "--stage", "lead")
    failed(result, "templates/email/follow-up.md.j2", "template error")
    assert SECRET not in result.output and not (workspace.root / "outbox").exists()


# -- 2. every template bounded in size and time ----------------------------------------------------

BOMBS = {
    "doubling in a namespace loop": '{% set ns = namespace(s="x") %}{% for i in range(64) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}',
    "doubling with +": '{% set ns = namespace(s="x") %}{% for i in range(64) %}{% set ns.s = ns.s + ns.s %}{% endfor %}',
    "list doubling": '{% set ns = namespace(l=[1]) %}{% for i in range(64) %}{% set ns.l = ns.l + ns.l %}{% endfor %}',
    "list extend": '{% set l = [1] %}{% for i in range(64) %}{% set _ = l.extend(l) %}{% endfor %}',
    "ljust": '{{ "x".ljust(6000000000)|length }}',
    "rjust": '{{ "x".rjust(6000000000)|length }}',
    "center": '{{ "x".center(6000000000)|length }}',
    "center filter": '{{ "x"|center(6000000000)|length }}',
    "zfill": '{{ "1".zfill(6000000000)|length }}',
    "format with a width": '{{ "{:>6000000000}".format(1)|length }}',
    "format with a precision": '{{ "{:.6000000000f}".format(1.0)|length }}',
    "percent with a width": '{{ ("%6000000000s" % "x")|length }}',
    "format filter": '{{ "%6000000000s"|format("x")|length }}',
    "indent": '{{ ("a\\n" * 500000)|indent(6000)|length }}',
    "replace": '{{ ("x" * 1000000).replace("x", "y" * 1000000)|length }}',
    "replace filter": '{{ ("x" * 1000000)|replace("x", "y" * 1000000)|length }}',
    "join": '{{ ("x" * 1000000).join(["a"] * 1000000)|length }}',
    "join filter": '{{ (["x" * 1000000] * 1000)|join|length }}',
    "expandtabs": '{{ ("\\t" * 1000000).expandtabs(100000)|length }}',
    "a big number": '{% set ns = namespace(n=2**64) %}{% for i in range(40) %}{% set ns.n = ns.n * ns.n %}{% endfor %}',
    "macro doubling": '{% macro d(s) %}{{ s }}{{ s }}{% endmacro %}{% set ns = namespace(s="x") %}{% for i in range(64) %}{% set ns.s = d(ns.s) %}{% endfor %}',
    "block set in a loop": '{% set ns = namespace(s="x" * 1000000) %}{% macro m() %}{% for i in range(100000) %}{{ ns.s }}{% endfor %}{% endmacro %}{{ m()|length }}',
    "tojson of an aliased list": '{{ (["x" * 1000000] * 1000)|tojson|length }}',
    "writing an aliased list": '{{ ["x" * 1000000] * 1000 }}',
    "output": '{% for i in range(100000) %}{{ "x" * 1000000 }}{% endfor %}',
    "batch": '{{ [1]|batch(6000000000, 0)|list|length }}',
    "lipsum": '{{ lipsum(100000000)|length }}',
    # the text of a list of references to one long string: measured before it is made
    "~ of an aliased list": '{% set ns = namespace(l=["x" * 1000000]) %}{% set ns.l = ns.l * 1000 %}{{ ("" ~ ns.l)|length }}',
    "lower of a list": '{% set l = ["x" * 999990] %}{% for i in range(1000) %}{% set _ = l.append(l[0]) %}{% endfor %}{{ l|lower|length }}',
    "join with a long separator": '{{ (["a"] * 1000)|join("x" * 999999)|length }}',
    "tojson with a wide indent": '{{ [[[[[[1]]]]]]|tojson(indent=99999999)|length }}',
    "percent with a nested key": '{{ ("%(a(b)c)999999999s" % {"a(b)c": "x"})|length }}',
    "format of a list's repr": '{% set l = ["x" * 999990] %}{% for i in range(1000) %}{% set _ = l.append(l[0]) %}{% endfor %}{{ "{!r}".format(l)|length }}',
    "a dict filled in a loop": '{% set d = {} %}{% for i in range(1000) %}{% set _ = d.update({i: "x" * 999990}) %}{% endfor %}',
    # a comparison of two lists doubled forty times: 2**40 steps inside one C call
    "comparing nested lists": '{% set ns = namespace(a=[1], b=[1]) %}{% for i in range(40) %}{% set ns.a = [ns.a, ns.a] %}{% set ns.b = [ns.b, ns.b] %}{% endfor %}{{ ns.a == ns.b }}',
}


def run_bounded(args: list[str], cwd: Path, seconds: float = 30) -> subprocess.CompletedProcess:
    """pipe args in a subprocess that cannot use more than 1.5 GB of address space."""
    code = ("import resource, sys; resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000)); "
            "from pipecli.cli.main import main; sys.argv = ['pipe'] + sys.argv[1:]; main()")
    env = {**os.environ, "PIPE_TODAY": "2026-11-27"}
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=seconds)


@pytest.mark.parametrize("name", BOMBS)
def test_a_template_cannot_fill_the_memory(workspace, tmp_path, name):
    template = tmp_path / "bomb.md.j2"
    template.write_text(BOMBS[name])
    output = tmp_path / "report.md"
    started = time.monotonic()
    result = run_bounded(["report", "--format", "md", "--template", str(template), "-o", str(output)], workspace.root)
    assert time.monotonic() - started < 10
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1, result.stderr
    assert lines[0].startswith("pipe: bomb.md.j2") and "template stopped" in lines[0] and "limit" in lines[0]
    assert "memory" not in lines[0], "stopped by the backstop, not by a size limit"
    assert not output.exists()


def test_an_email_template_cannot_fill_the_memory(workspace, tmp_path):
    folder = templates(workspace) / "email"
    folder.mkdir()
    (folder / "big.md.j2").write_text("---\nsubject: hi\n---\n" + BOMBS["doubling in a namespace loop"] + "\n")
    result = run_bounded(["mail", "big", "--stage", "lead"], workspace.root)
    assert result.returncode == 1 and "templates/email/big.md.j2: template stopped" in result.stderr, result.stderr
    assert "limit for one value" in result.stderr


def test_an_email_is_at_most_a_megabyte(workspace, run):
    folder = templates(workspace) / "email"
    folder.mkdir()
    (folder / "long.md.j2").write_text('---\nsubject: hi\n---\n{% for i in range(20) %}{{ "x" * 100000 }}{% endfor %}\n')
    failed(run(workspace, "mail", "long", "--stage", "lead"), "templates/email/long.md.j2", "1,000,000 characters")


def test_a_long_but_fair_template_still_renders(workspace, run, tmp_path):
    template = tmp_path / "fair.md.j2"
    template.write_text('{{ "x".ljust(900000)|length }} {{ ("ab" * 400000)|replace("a", "c")|length }}\n')
    assert run(workspace, "report", "--format", "md", "--template", str(template)).stdout == "900000 800000\n"


def test_the_time_limit_holds_within_a_second(workspace, run, tmp_path, monkeypatch):
    import pipecli.render.templates as templates_module

    monkeypatch.setattr(templates_module, "RENDER_SECONDS", 0.5)
    template = tmp_path / "slow.md.j2"
    template.write_text('{% for i in range(100000) %}{% for j in range(100000) %}'
                        '{% set s = "x".ljust(999999) ~ "y" %}{% endfor %}{% endfor %}')
    started = time.monotonic()
    failed(run(workspace, "report", "--format", "md", "--template", str(template)), "still rendering after 0.5 s")
    assert time.monotonic() - started < 2


def test_the_time_limit_stops_a_render_that_swallows_exceptions():
    """jinja2 catches Exception in places: a stop raised as one there was lost once, and the loop ran on."""
    from pipecli.core.errors import PipeError
    from pipecli.render.templates import time_limit

    started = time.monotonic()
    with pytest.raises(PipeError, match="still rendering after 0.05 s"):
        with time_limit(0.05, "t.md.j2"):
            while time.monotonic() - started < 5:
                try:
                    sum(range(1000))
                except Exception:  # noqa: BLE001 - as library code in the render path may
                    pass
    assert time.monotonic() - started < 2


# -- blocks render as plain jinja2 renders them ----------------------------------------------------

BLOCKS = {
    "macro": "{% macro m() %}hi{% endmacro %}[{{ m() }}]",
    "set block": "{% set x %}abc{% endset %}[{{ x }}]",
    "filter block": "{% filter upper %}abc{% endfilter %}",
    "call block": "{% macro w() %}<{{ caller() }}>{% endmacro %}{% call w() %}in{% endcall %}",
    "signature macro": "{% macro sig(n) %}Best, {{ n }}{% endmacro %}{{ sig('Maya Chen') }}",
}


def plain_jinja2(source: str, **options) -> str:
    import jinja2

    return jinja2.Environment(keep_trailing_newline=True, **options).from_string(source).render()


@pytest.mark.parametrize("name", BLOCKS)
def test_blocks_render_as_in_jinja2_in_a_report(workspace, run, name):
    (templates(workspace) / "report.md.j2").write_text(BLOCKS[name] + "\n")
    result = run(workspace, "report", "--format", "md")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == plain_jinja2(BLOCKS[name] + "\n", trim_blocks=True, lstrip_blocks=True)


@pytest.mark.parametrize("name", BLOCKS)
def test_blocks_render_as_in_jinja2_in_an_email(workspace, run, name):
    folder = templates(workspace) / "email"
    folder.mkdir()
    (folder / "note.md.j2").write_text("---\nsubject: hi\n---\n" + BLOCKS[name] + "\n")
    result = run(workspace, "mail", "note", "--stage", "lead")
    assert result.exit_code == 0, result.stderr
    sent = next((workspace.root / "outbox").rglob("*.eml")).read_text()
    assert plain_jinja2(BLOCKS[name]) in sent and "['" not in sent


# -- a template never reads the workspace's hidden files ------------------------------------------

@pytest.mark.parametrize("hidden", [".git/config", ".env"])
def test_template_option_at_the_workspace_root_cannot_include_its_hidden_files(workspace, run, hidden):
    (workspace.root / ".git").mkdir(exist_ok=True)
    (workspace.root / hidden).write_text(SECRET)
    (workspace.root / "notes.j2").write_text("x")
    (workspace.root / "mine.j2").write_text(f'{{% include "{hidden}" %}}')
    result = run(workspace, "report", "--format", "md", "--template", str(workspace.root / "mine.j2"))
    failed(result, "refused", "hidden")
    assert SECRET not in result.output
    (workspace.root / "mine.j2").write_text('{% include "notes.j2" %}')  # beside FILE, but not in templates/
    result = run(workspace, "report", "--format", "md", "--template", str(workspace.root / "mine.j2"))
    failed(result, "not found")


def test_template_option_in_the_workspace_includes_from_its_templates(workspace, run):
    (templates(workspace) / "part.j2").write_text("from templates\n")
    (workspace.root / "mine.j2").write_text('{% include "part.j2" %}')
    assert run(workspace, "report", "--format", "md", "--template", str(workspace.root / "mine.j2")).stdout \
        == "from templates\n"


def test_no_loader_reads_a_hidden_file(workspace, run, tmp_path):
    (templates(workspace) / ".secret").write_text(SECRET)
    (templates(workspace) / "report.md.j2").write_text('{% include ".secret" %}')
    result = run(workspace, "report", "--format", "md")
    failed(result, "templates/.secret", "refused", "hidden")
    assert SECRET not in result.output
    (templates(workspace) / "part.j2").symlink_to(".secret")  # a link inside templates/ to a hidden file
    (templates(workspace) / "report.md.j2").write_text('{% include "part.j2" %}')
    result = run(workspace, "report", "--format", "md")
    failed(result, "templates/part.j2", "refused", "hidden")
    assert SECRET not in result.output
    folder = tmp_path / "mine"  # --template FILE outside the workspace: its folder, without hidden files
    (folder / ".cache").mkdir(parents=True)
    (folder / ".cache" / "token").write_text(SECRET)
    (folder / "mine.j2").write_text('{% include ".cache/token" %}')
    result = run(workspace, "report", "--format", "md", "--template", str(folder / "mine.j2"))
    failed(result, f"{folder}/.cache/token", "refused", "hidden")
    assert SECRET not in result.output


def test_a_refusal_names_the_path_with_single_slashes(workspace, run, secret):
    (templates(workspace) / "etc").mkdir()
    (templates(workspace) / "etc" / "passwd").symlink_to(secret)
    (templates(workspace) / "report.md.j2").write_text('{% include "/etc/passwd" %}')
    refused(run(workspace, "report", "--format", "md"), "templates/etc/passwd: refused")


# -- an error quoting a template value is short, and made inside the limits -----------------------

HUGE_KEY = '{{ {}.pop(KEY) }}'


@pytest.mark.parametrize("key", ['"x" * 1000000', '("x" * 1000000,) * 300', '("x" * 1000000,) * 3000'])
def test_an_error_quoting_a_huge_value_is_one_short_line(workspace, tmp_path, key):
    template = tmp_path / "key.md.j2"
    template.write_text(HUGE_KEY.replace("KEY", key))
    result = run_bounded(["report", "--format", "md", "--template", str(template)], workspace.root)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and len(lines[0]) < 400, result.stderr[:500]
    assert lines[0].startswith("pipe: key.md.j2") and ("KeyError" in lines[0] or "limit for one value" in lines[0])


def test_an_email_error_quoting_a_huge_value_is_one_short_line(workspace, tmp_path):
    folder = templates(workspace) / "email"
    folder.mkdir()
    (folder / "key.md.j2").write_text("---\nsubject: hi\n---\n" + HUGE_KEY.replace("KEY", '"x" * 1000000') + "\n")
    result = run_bounded(["mail", "key", "--stage", "lead"], workspace.root)
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and len(lines[0]) < 400, result.stderr[:500]
    assert "templates/email/key.md.j2: template error: KeyError" in lines[0]
