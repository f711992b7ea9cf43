"""Hostile deal files: tags that build objects, alias bombs, oversized frontmatter, duplicate keys,
conflict markers; each is a ParseError with path and line, and one line (never a traceback) in the CLI."""

from __future__ import annotations

import datetime as dt

import pytest

from pipecli.core.errors import ParseError
from pipecli.core.fileformat import dealfile, yamlio

from .conftest import CONFIG, simple_deal

OK = simple_deal("ok")


def parse_error(text: str) -> ParseError:
    with pytest.raises(ParseError) as caught:
        dealfile.parse(text, "deals/x.md")
    assert caught.value.path == "deals/x.md"
    return caught.value


# -- tags ---------------------------------------------------------------------------------------

TAGS = {
    "python-object-apply": ("---\nid: x\ntitle: !!python/object/apply:os.system ['touch {marker}']\n---\n", 3),
    "python-object": ("---\nid: x\ntitle: !!python/object:builtins.object {{}}\n---\n", 3),
    "python-name": ("---\nid: x\ntitle: !!python/name:os.system ''\n---\n", 3),
    "python-module": ("---\nid: x\ntitle: !!python/module:os ''\n---\n", 3),
    "local-tag": ("---\nid: x\ntitle: !custom text\n---\n", 3),
    "local-tag-on-mapping": ("---\nid: x\nbant: !custom {{need: x}}\n---\n", 3),
    "verbatim-tag": ("---\nid: x\ntitle: !<tag:yaml.org,2002:python/name:os.system> ''\n---\n", 3),
    "tag-on-a-key": ("---\nid: x\n!!python/name:os.system : x\n---\n", 3),
    "tag-inside-a-task": ("---\nid: x\ntasks:\n- id: t1\n  text: !!python/object/apply:os.system ['touch {marker}']\n---\n", 5),
    "tag-inside-bant": ("---\nid: x\nbant:\n  need: !!python/name:os.system ''\n---\n", 4),
    "tag-directive": ("---\n%TAG !p! tag:yaml.org,2002:python/\n--- {{id: x, t: !p!object/apply:os.system ['touch {marker}']}}\n---\n", 3),
    "set": ("---\nid: x\ntags: !!set {{a: null}}\n---\n", 3),
    "binary": ("---\nid: x\ntitle: !!binary aGVsbG8=\n---\n", 3),
}


@pytest.mark.parametrize("name", TAGS)
def test_tags_that_build_objects_are_refused_before_anything_runs(name, tmp_path):
    template, line = TAGS[name]
    marker = tmp_path / "ran"
    error = parse_error(template.format(marker=marker))
    assert error.line == line
    assert "is not allowed here" in error.message
    assert not marker.exists()


# -- aliases ------------------------------------------------------------------------------------

BILLION_LAUGHS = "---\nid: x\n" + "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9)
) + "---\n"


def test_the_billion_laughs_is_refused_at_its_first_alias():
    error = parse_error(BILLION_LAUGHS)
    assert error.line == 3  # the anchored list the first alias points at
    assert "aliases (*name) of lists or mappings are not supported" in error.message


def test_a_recursive_alias_is_refused():
    assert "recursive" in parse_error("---\nid: x\nloop: &a [*a]\n---\n").message


def test_a_long_text_aliased_many_times_is_refused():
    # Each *t is a copy when the deal is written or printed: 5,000 x 100 KB would be 500 MB.
    text = "---\nid: x\nt: &t " + "y" * 100_000 + "\nl: [" + ", ".join(["*t"] * 5_000) + "]\n---\n"
    error = parse_error(text)
    assert "aliases (*name) copy more than 1,048,576 characters of text" in error.message
    assert error.line == 3


def test_the_alias_limit_counts_every_copy(monkeypatch):
    monkeypatch.setattr(yamlio, "MAX_ALIAS_CHARS", 30)
    at_limit = "---\nid: x\nd: &d 2026-01-05\nl: [*d, *d, *d]\n---\n"  # 3 copies of 10 characters
    assert dealfile.parse(at_limit, "x").data["l"] == [dt.date(2026, 1, 5)] * 3
    with pytest.raises(ParseError, match="copy more than 30 characters"):
        dealfile.parse(at_limit.replace("*d]", "*d, *d]"), "x")


def test_a_few_scalar_aliases_read_as_copies():
    doc = dealfile.parse("---\nid: x\ncreated: &c 2026-01-05\nhistory:\n- stage: lead\n  date: *c\n---\n", "x")
    assert doc.data["history"][0]["date"] == doc.data["created"] == dt.date(2026, 1, 5)


# -- size ---------------------------------------------------------------------------------------

def _frontmatter_of_size(size: int, char: str = "x") -> str:
    """A deal file whose frontmatter is exactly size UTF-8 bytes (char of 1 or 3 bytes)."""
    head = "id: x\nnotes: "
    width = len(char.encode())
    count, rest = divmod(size - len(head) - 1, width)
    return f"---\n{head}{char * count}{'z' * rest}\n---\n"


def test_a_frontmatter_of_exactly_1_mib_reads():
    doc = dealfile.parse(_frontmatter_of_size(yamlio.MAX_BYTES), "x")
    assert len(doc.data["notes"]) > 1_000_000


def test_a_frontmatter_over_1_mib_is_refused_on_line_2():
    error = parse_error(_frontmatter_of_size(yamlio.MAX_BYTES + 1))
    assert error.line == 2
    assert error.message == "the frontmatter is 1,048,577 bytes, over the limit of 1,048,576 (1 MiB)"


def test_the_size_limit_counts_utf8_bytes_not_characters():
    text = _frontmatter_of_size(yamlio.MAX_BYTES + 2, "€")  # about 350,000 characters of 3 bytes
    assert len(text) < yamlio.MAX_BYTES
    assert "1,048,578 bytes" in parse_error(text).message


def test_long_notes_are_not_limited():
    doc = dealfile.parse("---\nid: x\n---\n" + "notes line\n" * 300_000, "x")
    assert len(doc.body) == 3_300_000


def test_too_many_values_are_refused():
    text = "---\nid: x\nl: [" + ",".join(["1"] * (yamlio.MAX_NODES + 1)) + "]\n---\n"
    error = parse_error(text)
    assert error.message == "more than 200,000 values (scalars, lists and mappings)"
    assert error.line == 3


def test_the_value_limit_counts_keys_values_and_alias_copies(monkeypatch):
    monkeypatch.setattr(yamlio, "MAX_NODES", 6)
    # the mapping, id and x, tasks and its list, the task: 6 values; a second task or two alias copies make 7
    assert dealfile.parse("---\nid: x\ntasks:\n- {}\n---\n", "x").data == {"id": "x", "tasks": [{}]}
    with pytest.raises(ParseError, match="more than 6 values"):
        dealfile.parse("---\nid: x\ntasks:\n- {}\n- {}\n---\n", "x")
    with pytest.raises(ParseError, match="more than 6 values"):
        dealfile.parse("---\nid: &i x\na: *i\nb: *i\n---\n", "x")


def test_a_big_real_deal_is_within_every_limit():
    activity = "- date: 2026-01-05\n  kind: email\n  direction: in\n  by: alice\n  summary: Asked about SSO, pricing and the rollout plan\n"
    text = OK[: -len("---\n")] + "activities:\n" + activity * 5_000 + "---\n"  # about 500 KB
    doc = dealfile.parse(text, "x")
    assert len(doc.data["activities"]) == 5_000


# -- duplicate keys -----------------------------------------------------------------------------

DUPLICATES = {
    "top": ("---\nid: x\ntitle: A\nvalue: 1\ntitle: B\n---\n", 5, "title"),
    "inside-a-task": ("---\nid: x\ntasks:\n- id: t1\n  text: Call\n  due: 2026-12-01\n  text: Mail\n---\n", 7, "text"),
    "inside-a-later-task": ("---\nid: x\ntasks:\n- id: t1\n  text: Call\n- id: t2\n  status: open\n  status: done\n---\n", 8, "status"),
    "inside-bant": ("---\nid: x\nbant:\n  need: SSO\n  budget: 10k\n  need: SCIM\n---\n", 6, "need"),
    "inside-a-contact": ("---\nid: x\ncontacts:\n- name: Bo\n  email: a@b.example\n  name: Al\n---\n", 6, "name"),
    "inside-an-activity": ("---\nid: x\nactivities:\n- date: 2026-01-05\n  kind: call\n  date: 2026-01-06\n---\n", 6, "date"),
    "flow-mapping": ("---\nid: x\nhistory: [{stage: lead, date: 2026-01-05, stage: won}]\n---\n", 3, "stage"),
    "crlf": ("---\r\nid: x\r\nbant:\r\n  need: SSO\r\n  need: SCIM\r\n---\r\n", 5, "need"),
}


@pytest.mark.parametrize("name", DUPLICATES)
def test_duplicate_keys_are_an_error_at_every_level_on_the_second_line(name):
    text, line, key = DUPLICATES[name]
    error = parse_error(text)
    assert error.message == f"duplicate key '{key}'"
    assert error.line == line


def test_the_same_key_in_two_tasks_is_not_a_duplicate():
    doc = dealfile.parse("---\nid: x\ntasks:\n- id: t1\n  text: A\n- id: t2\n  text: B\n---\n", "x")
    assert [t["text"] for t in doc.data["tasks"]] == ["A", "B"]


# -- conflict markers ---------------------------------------------------------------------------

CONFLICTS = {
    "in-frontmatter": ("---\nid: x\n<<<<<<< HEAD\nvalue: 1\n=======\nvalue: 2\n>>>>>>> theirs\n---\n", 3),
    "in-notes": ("---\nid: x\n---\n# Notes\n\n<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> b\n", 6),
    "bare-marker": ("---\nid: x\n---\nnotes\n<<<<<<<\nmine\n", 5),
    "only-the-closing-marker-left": ("---\nid: x\n---\nkept mine\n>>>>>>> feature/branch\n", 5),
    "crlf-frontmatter": ("---\r\nid: x\r\nvalue: 1\r\n<<<<<<< HEAD\r\nvalue: 2\r\n=======\r\n>>>>>>> b\r\n---\r\n", 4),
    "crlf-notes": ("---\r\nid: x\r\n---\r\nnotes\r\n\r\n<<<<<<< ours\r\n", 6),
    "crlf-bare-marker": ("---\r\nid: x\r\n---\r\n>>>>>>>\r\n", 4),
    "last-line-without-newline": ("---\nid: x\n---\nnotes\n>>>>>>> b", 5),
    "after-a-bom": ("\ufeff---\nid: x\n---\n<<<<<<< HEAD\n", 4),
}


@pytest.mark.parametrize("name", CONFLICTS)
def test_conflict_markers_are_found_with_their_line(name):
    text, line = CONFLICTS[name]
    error = parse_error(text)
    assert error.line == line
    assert "unresolved git merge conflict" in error.message


@pytest.mark.parametrize("notes", [
    "Heading\n=======\n",  # a setext heading
    "=======\n",
    "=======\r\n",
    "<<<<<<<< eight is not a marker\n",
    "<<<<<<<HEAD (no space)\n",
    "  <<<<<<< HEAD (indented)\n",
    "a <<<<<<< HEAD in a line\n",
    ">>>>>>>>\n",
    "> quote\n>> nested quote\n",
])
def test_lines_that_are_not_conflict_markers(notes):
    assert dealfile.parse("---\nid: x\n---\n" + notes, "x").body == notes.replace("\r\n", "\n")


def test_a_marker_inside_a_literal_block_is_text_indented_and_not_a_conflict():
    data = {"id": "x", "notes": "before\n<<<<<<< HEAD\nafter\n"}
    text = dealfile.render(data, "")
    assert "\n  <<<<<<< HEAD\n" in text
    assert dealfile.parse(text, "x").data == data


# -- other hostile text -------------------------------------------------------------------------

def test_a_lone_surrogate_is_a_parse_error_with_its_line():
    # Decoded files never hold one, but a str built in Python can, and parse takes a str.
    error = parse_error("---\nid: x\ntitle: A\ud800B\n---\n")
    assert error.line == 3
    assert "not valid Unicode" in error.message


@pytest.mark.parametrize("text, line", [
    ("---\nid: x\ntitle: \x00\n---\n", 3),
    ("---\nid: x\naccount: Zürich € \x1b[31m\n---\n", 3),
])
def test_a_control_character_is_reported_on_its_line(text, line):
    error = parse_error(text)
    assert error.line == line
    assert "control characters are not allowed" in error.message


@pytest.mark.parametrize("text, words", [
    ("---\nid: x\ntitle: \"\\ud800\"\n---\n", "escape"),
    ("---\nid: x\nx:" + " [" * 5_000 + "\n---\n", "nest"),
    ("---\nid: x\n" + "".join(" " * i + f"k{i}:\n" for i in range(3_000)) + "---\n", ""),
])
def test_more_broken_yaml_is_a_parse_error(text, words):
    assert words in parse_error(text).message


# -- through the CLI: one line, no traceback ----------------------------------------------------

HOSTILE_FILES = {
    "python-tag": (TAGS["python-object-apply"][0].format(marker="/nonexistent/x"), 3),
    "local-tag": (TAGS["local-tag"][0], 3),
    "billion-laughs": (BILLION_LAUGHS, 3),
    "scalar-alias-bomb": ("---\nid: x\nt: &t " + "y" * 100_000 + "\nl: [" + ", ".join(["*t"] * 5_000) + "]\n---\n", 3),
    "oversized": (_frontmatter_of_size(yamlio.MAX_BYTES + 1), 2),
    "too-many-values": ("---\nid: x\nl: [" + ",".join(["1"] * (yamlio.MAX_NODES + 1)) + "]\n---\n", 3),
    "duplicate-top": (DUPLICATES["top"][0], 5),
    "duplicate-in-task": (DUPLICATES["inside-a-task"][0], 7),
    "duplicate-in-bant": (DUPLICATES["inside-bant"][0], 6),
    "conflict-in-notes": (OK + "<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> b\n", OK.count("\n") + 1),
    "conflict-crlf": (CONFLICTS["crlf-frontmatter"][0], 4),
    "nested": ("---\nid: x\nx: " + "[" * 5_000 + "]" * 5_000 + "\n---\n", 3),
    "control-character": ("---\nid: x\ntitle: a\x07b\n---\n", 3),
    "not-utf8": (b"---\nid: x\ntitle: \xff\xfe\n---\n", 3),
    "no-fence": ("id: x\n", 1),
    "never-closed": ("---\nid: x\n", 1),
    "a-list": ("---\n- id\n- x\n---\n", 2),
    "wrong-type-in-a-task": (simple_deal("x", tasks="\n- text: [a, b]"), 11),
}


def _workspace(make_workspace, name):
    text, _ = HOSTILE_FILES[name]
    workspace = make_workspace({"ok": OK})
    path = workspace.root / "deals" / "x.md"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return workspace


@pytest.mark.parametrize("command", [["show", "x"], ["set", "x", "value=5"]])
@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_commands_stop_on_a_hostile_file_with_one_line(name, command, make_workspace, run):
    workspace = _workspace(make_workspace, name)
    before = (workspace.root / "deals" / "x.md").read_bytes()
    result = run(workspace, *command)  # run() lets any exception through: a traceback fails here
    assert result.exit_code == 1
    assert result.stdout == ""
    line = HOSTILE_FILES[name][1]
    assert result.stderr.startswith(f"pipe: deals/x.md:{line}: ")
    assert result.stderr.count("\n") == 1
    assert "Traceback" not in result.stderr
    assert (workspace.root / "deals" / "x.md").read_bytes() == before


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_a_listing_goes_on_past_a_hostile_file_with_one_warning(name, make_workspace, run):
    workspace = _workspace(make_workspace, name)
    before = (workspace.root / "deals" / "x.md").read_bytes()
    result = run(workspace, "list", "--format", "csv")
    assert result.exit_code == 0
    assert [row.split(",")[0] for row in result.stdout.splitlines()[1:]] == ["ok"]
    line = HOSTILE_FILES[name][1]
    assert result.stderr.startswith(f"pipe: warning: deals/x.md:{line}: ")
    assert result.stderr.count("\n") == 1
    assert (workspace.root / "deals" / "x.md").read_bytes() == before


@pytest.mark.parametrize("name", HOSTILE_FILES)
def test_check_reports_a_hostile_file_in_one_line_and_checks_the_others(name, make_workspace, run):
    workspace = _workspace(make_workspace, name)
    result = run(workspace, "check")
    assert result.exit_code == 1
    line = HOSTILE_FILES[name][1]
    problems = [text for text in result.stdout.splitlines() if text.startswith("deals/")]
    assert problems[0].startswith(f"deals/x.md:{line}: error: ")
    assert all(p.startswith("deals/x.md:") for p in problems)
    assert len(problems) <= 2  # a file that parses may break two type rules; one that does not, one line
    assert "Traceback" not in result.output
    assert "in 2 deals" in result.output


@pytest.mark.parametrize("config, line, words", [
    (CONFIG + "extra: !!python/object/apply:os.system [ls]\n", 25, "is not allowed here"),
    (CONFIG + "currency: USD\n", 25, "duplicate key 'currency'"),
    (CONFIG + "extra: " + "x" * yamlio.MAX_BYTES + "\n", None, "over the limit of 1,048,576 (1 MiB)"),
])
def test_a_hostile_pipelines_yaml_is_one_line_too(config, line, words, make_workspace, run):
    workspace = make_workspace({"ok": OK}, config=config)
    result = run(workspace, "list")
    assert result.exit_code == 1
    where = f"pipelines.yaml:{line}" if line else "pipelines.yaml"
    assert result.stderr.startswith(f"pipe: {where}: ")
    assert words in result.stderr
    assert result.stderr.count("\n") == 1
