"""Nothing from a deal reaches the terminal raw: every command showing deal text, run in a real pty.

A teammate's deal file (through git) may hold escape sequences (window title, screen clear, OSC 52
clipboard), C1 controls, characters a terminal shows as nothing (zero-width, BOM, bidi overrides)
and line or paragraph separators. On a terminal, control characters show as spaces, the invisible
ones as `\\u200b`-style escapes, and json writes them as JSON escapes (the same data).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata

import pytest

from tests.conftest import CONFIG, run_on_pty

KINDS = {
    "osc-title": "\x1b]0;pwned\x07", "clear": "\x1b[2J", "osc52": "\x1b]52;c;eA==\x07", "c1-csi": "\x9b2J",
    "zwsp": "\u200b", "zwnj": "\u200c", "zwj": "\u200d", "wj": "\u2060", "bom": "\ufeff", "rlo": "\u202e",
    "line-sep": "\u2028", "para-sep": "\u2029",
}
EVERY = {**KINDS, "every": "".join(KINDS.values())}  # one deal per kind, and one with them all


def _yaml(text: str) -> str:
    """text as a YAML double-quoted scalar, every unprintable character escaped."""
    return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\u{ord(c):04x}" for c in text) + '"'


def _deal(kind: str, char: str) -> str:
    return f"""---
id: {kind}
title: {_yaml(f"Acme{char}Corp")}
pipeline: sales
stage: lead
value: 1000
currency: EUR
owner: {_yaml(f"mal{char}lory")}
account: {_yaml(f"Acct{char}Co")}
created: 2026-11-01
history:
- stage: lead
  date: 2026-11-01
  by: {_yaml(f"eve{char}x")}
tasks:
- id: ta{abs(hash(kind)) % 9000 + 1000}
  text: {_yaml(f"Call{char}them")}
  due: 2026-11-20
  status: open
activities:
- date: 2026-11-20
  kind: call
  by: alice
  summary: {_yaml(f"Said{char}yes")}
---
Notes{char}here
"""


def shown(text: str) -> str:
    """text as the terminal should show it, written here apart from the code under test."""
    return "".join(" " if unicodedata.category(c) == "Cc" else
                   f"\\u{ord(c):04x}" if unicodedata.category(c) in ("Cf", "Zl", "Zp") else c for c in text)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A git workspace with one hostile deal per kind, committed twice (the second changes each account)."""
    root = tmp_path_factory.mktemp("terminal")
    (root / "deals").mkdir()
    (root / "pipelines.yaml").write_text(CONFIG, encoding="utf-8")
    env = dict(os.environ, GIT_CONFIG_GLOBAL=str(root / "no-gitconfig"), GIT_CONFIG_NOSYSTEM="1",
               GIT_AUTHOR_NAME="Alice", GIT_AUTHOR_EMAIL="a@example.com",
               GIT_COMMITTER_NAME="Alice", GIT_COMMITTER_EMAIL="a@example.com")

    def git(*args: str, date: str = "2026-11-02T10:00:00") -> None:
        dated = dict(env, GIT_AUTHOR_DATE=date, GIT_COMMITTER_DATE=date)
        subprocess.run(["git", *args], cwd=root, env=dated, check=True, capture_output=True)

    for kind, char in EVERY.items():
        (root / "deals" / f"{kind}.md").write_text(_deal(kind, char), encoding="utf-8")
    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "start " + "".join(KINDS.values()))
    for kind, char in EVERY.items():
        path = root / "deals" / f"{kind}.md"
        path.write_text(path.read_text(encoding="utf-8").replace("value: 1000", "value: 2000")
                        .replace(_yaml(f"Acct{char}Co"), _yaml(f"Acct{char}Ltd")), encoding="utf-8")
    git("commit", "-qam", "revalue" + "".join(KINDS.values()), date="2026-11-20T10:00:00")
    return root


def on_terminal(root, *args: str, columns: str = "200", colour: bool = False) -> str:
    """What `pipe -C root ARGS` writes to a terminal `columns` wide (standard output and error both on one
    pty); colour: with NO_COLOR unset, as a user's terminal."""
    env = dict(os.environ, COLUMNS=columns)
    if colour:
        env.pop("NO_COLOR", None)
    _, seen = run_on_pty([sys.executable, "-m", "pipecli", "-C", str(root), *args], env)
    return seen.decode("utf-8")


def raw_characters(text: str) -> set[str]:
    """The characters in text that must not reach a terminal: controls but the line ends, and invisible ones."""
    return {c for c in text if (unicodedata.category(c) == "Cc" and c not in "\r\n")
            or unicodedata.category(c) in ("Cf", "Zl", "Zp")}


# Each command that shows deal text, and the texts it shows of each deal.
COMMANDS = {
    "check": (["check"], ["mal{}lory", "eve{}x"]),
    "list": (["list", "--wide"], ["Acme{}Corp", "Acct{}Ltd", "mal{}lory"]),
    "list fitted": (["list"], []),  # cut to the terminal's width: what is left is still safe
    "list md": (["list", "--format", "md"], ["Acme{}Corp", "Acct{}Ltd"]),
    "list csv": (["list", "--format", "csv"], ["Acme{}Corp", "Acct{}Ltd", "mal{}lory"]),
    "board": (["board", "--width", "200"], ["Acme{}Corp", "Acct{}Ltd"]),
    "show": (["show", "{kind}"], ["Acme{}Corp", "Acct{}Ltd", "mal{}lory", "eve{}x", "Call{}them", "Said{}yes",
                                  "Notes{}here"]),
    "tasks": (["tasks", "--all", "--wide"], ["Call{}them", "Acme{}Corp"]),
    "tasks fitted": (["tasks", "--all"], []),
    "tasks csv": (["tasks", "--all", "--format", "csv"], ["Call{}them", "Acme{}Corp"]),
    "timeline": (["timeline", "{kind}"], ["eve{}x", "Said{}yes"]),
    "report": (["report", "team", "--period", "2026"], ["mal{}lory"]),
    "history": (["history", "{kind}"], ["Acct{}Co", "Acct{}Ltd"]),
    "diff": (["diff", "2026-11-10"], ["Acme{}Corp"]),
    "export csv": (["export", "--format", "csv"], ["Acme{}Corp", "Acct{}Ltd", "Notes{}here"]),
}


@pytest.mark.parametrize("name", COMMANDS)
def test_deal_text_reaches_the_terminal_safe_and_recognisable(workspace, name):
    args, texts = COMMANDS[name]
    one_deal = any("{kind}" in a for a in args)  # show, timeline, history: the deal holding every kind
    out = on_terminal(workspace, *(a.format(kind="every") for a in args))
    assert not raw_characters(out), (name, sorted(raw_characters(out)), out)
    assert "Traceback" not in out
    for char in [EVERY["every"]] if one_deal else KINDS.values():
        for text in texts:
            if name == "history":  # a change line runs whitespace together, line separators included
                expected = shown(" ".join(text.format(char).split()))
            else:
                expected = shown(text.format(char))
            assert expected in out, (name, expected, out)


# json: on a terminal the same data, every unprintable character a JSON escape.
JSON_COMMANDS = {
    "check": ["check", "--format", "json"],
    "list": ["list", "--format", "json"],
    "tasks": ["tasks", "--all", "--format", "json"],
    "report": ["report", "team", "--period", "2026", "--format", "json"],
    "history": ["history", "every", "--format", "json"],
    "diff": ["diff", "2026-11-10", "--format", "json"],
    "export": ["export", "--format", "json"],
}


@pytest.mark.parametrize("name", JSON_COMMANDS)
def test_json_on_a_terminal_is_the_same_data_with_nothing_raw(workspace, name):
    args = JSON_COMMANDS[name]
    out = on_terminal(workspace, *args)
    assert not raw_characters(out), (name, sorted(raw_characters(out)))
    document = out[min(out.find(c) for c in "[{" if c in out):]  # after any warning on stderr
    piped = subprocess.run([sys.executable, "-m", "pipecli", "-C", str(workspace), *args],
                           capture_output=True, text=True, encoding="utf-8")
    assert json.loads(document.replace("\r\n", "\n")) == json.loads(piped.stdout)
    if name in ("check", "list", "export"):  # text from every kind of deal is in these
        flat = json.dumps(json.loads(piped.stdout), ensure_ascii=False)
        assert all(json.dumps(f"mal{char}lory", ensure_ascii=False)[1:-1] in flat for char in KINDS.values())


def test_json_through_a_pipe_stays_exact(workspace):
    # a guard: the escaping above is for a terminal only
    piped = subprocess.run([sys.executable, "-m", "pipecli", "-C", str(workspace), "list", "--format", "json"],
                           capture_output=True, text=True, encoding="utf-8")
    assert "\u200b" in piped.stdout and "\x9b" in piped.stdout and "\u2028" in piped.stdout


def test_text_on_a_terminal_is_shown_not_hidden():
    from pipecli.render.style import for_terminal, printable, terminal_json

    # Look-alikes told apart; a bidi override cannot show "exe.jpg" for "gpj.exe".
    assert printable("Acme\u200bCorp") == "Acme\\u200bCorp" != printable("AcmeCorp")
    assert printable("Acme \u202egpj.exe\x1b[2J Zoë") == "Acme \\u202egpj.exe [2J Zoë"
    assert printable("tag \U000e0041") == "tag \\U000e0041"
    assert for_terminal("a\tb\nc\u2028", "md") == "a\tb\nc\\u2028"
    text = json.dumps(["\x9b\u200b\u2028\U000e0041 é 💥"], ensure_ascii=False)
    assert re.fullmatch(r'\["[\\u0-9a-f]+ é 💥"\]', terminal_json(text))
    assert json.loads(terminal_json(text)) == json.loads(text)


def test_pipeline_and_stage_names_from_pipelines_yaml_reach_show_cleaned(tmp_path):
    # pipelines.yaml comes from a teammate too; `pipe show` prints its pipeline's and stage's names.
    root = tmp_path / "ws"
    (root / "deals").mkdir(parents=True)
    config = CONFIG.replace("name: Sales", 'name: "Sales\\e]0;PWN\\a\\u200b"').replace(
        "{id: lead, name: Lead,", '{id: lead, name: "Lead\\x9b2J",')
    (root / "pipelines.yaml").write_text(config, encoding="utf-8")
    (root / "deals" / "acme.md").write_text(
        "---\nid: acme\ntitle: Acme\npipeline: sales\nstage: lead\ncreated: 2026-11-01\n"
        "history:\n- stage: lead\n  date: 2026-11-01\n---\n", encoding="utf-8")
    seen = on_terminal(root, "show", "acme")
    assert raw_characters(seen) == set(), seen
    assert "Sales" in seen and "\\u200b" in seen and "Lead" in seen


@pytest.mark.parametrize("name", ["tasks", "report", "diff", "show", "board", "history"])
def test_colour_reaches_the_terminal_whole_and_deal_text_stays_safe(workspace, name, monkeypatch):
    """With colour on, pipe's own styles arrive as escape sequences (once, they came out as ' [1;31m'),
    and deal text inside them is still made safe."""
    monkeypatch.delenv("NO_COLOR", raising=False)
    args, texts = COMMANDS[name]
    seen = on_terminal(workspace, *[a.replace("{kind}", "every") for a in args])
    assert re.search(r"\x1b\[[0-9;]+m", seen)  # styled
    assert not re.search(r"(?<!\x1b)\[[0-9;]+m", seen)  # and no style code that lost its ESC
    assert raw_characters(re.sub(r"\x1b\[[0-9;]*m", "", seen)) == set()
