"""The deal file format: parsing, errors with lines, and diff-friendly writing."""

import datetime as dt
import difflib

import pytest
from hypothesis import given, settings, strategies as st

from pipecli.core.errors import ParseError
from pipecli.core.fileformat import dealfile, yamlio

HAND_EDITED = """\
---
# Acme: big one, be careful with pricing
id: acme
title: Acme rollout
stage: proposal   # moved after the demo
value: 18000
tags: [enterprise, eu]
custom_field: kept as is
history:
  - stage: lead
    date: 2026-01-05
---
# Notes

Jonas wants SSO.
"""


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_parse_splits_frontmatter_and_body():
    doc = dealfile.parse(HAND_EDITED, "deals/acme.md")
    assert doc.data["value"] == 18000
    assert doc.data["custom_field"] == "kept as is"
    assert doc.body == "# Notes\n\nJonas wants SSO.\n"


def test_unchanged_save_gives_the_same_bytes():
    doc = dealfile.parse(HAND_EDITED, "deals/acme.md")
    assert dealfile.render(dict(doc.data), doc.body, doc) == HAND_EDITED


def test_changing_one_field_changes_only_its_line_and_keeps_comments_and_style():
    doc = dealfile.parse(HAND_EDITED, "deals/acme.md")
    data = dict(doc.data)
    data["value"] = 24000
    after = dealfile.render(data, doc.body, doc)
    assert changed_lines(HAND_EDITED, after) == ["-value: 18000", "+value: 24000"]


def test_a_new_field_goes_in_its_usual_place():
    doc = dealfile.parse("---\nid: a\ntitle: A\nstage: lead\ncreated: 2026-01-05\n---\n", "x")
    data = dealfile.insert_key(doc.data, "value", 5, ("id", "title", "stage", "value", "created"))
    assert list(data) == ["id", "title", "stage", "value", "created"]
    after = dealfile.render(data, doc.body, doc)
    assert changed_lines(doc.text, after) == ["+value: 5"]


def test_crlf_and_bom_survive_a_change():
    text = "\ufeff---\r\nid: a\r\ntitle: A\r\nvalue: 1\r\n---\r\nnotes\r\n"
    doc = dealfile.parse(text, "x")
    assert doc.body == "notes\n"
    data = dict(doc.data, value=2)
    assert dealfile.render(data, "notes\n", doc) == "\ufeff---\r\nid: a\r\ntitle: A\r\nvalue: 2\r\n---\r\nnotes\r\n"


@pytest.mark.parametrize("text, line, words", [
    ("id: a\n", 1, "start with a '---'"),
    ("---\nid: a\n", 1, "never closed"),
    ("---\nid: a\ntitle: [oops\n---\n", 4, ""),
    ("---\nid: a\n<<<<<<< HEAD\nvalue: 1\n=======\nvalue: 2\n>>>>>>> theirs\n---\n", 3, "conflict"),
    ("---\nid: a\n---\nnotes\n<<<<<<< HEAD\nmine\n=======\ntheirs\n>>>>>>> b\n", 5, "conflict"),
    ("---\nid: a\nid: b\n---\n", 3, "duplicate key"),
    ("---\n- a\n- b\n---\n", 2, "mapping"),
    ("---\nx: !!python/object/apply:os.system [ls]\n---\n", 2, "not allowed"),
])
def test_unparseable_files_report_path_and_line(text, line, words):
    with pytest.raises(ParseError) as caught:
        dealfile.parse(text, "deals/a.md")
    assert caught.value.path == "deals/a.md"
    assert caught.value.line == line
    assert words in caught.value.message


def test_a_setext_heading_in_the_body_is_not_a_conflict():
    doc = dealfile.parse("---\nid: a\n---\nTitle\n=======\n", "x")
    assert doc.body == "Title\n=======\n"


def test_line_of_points_into_nested_fields():
    doc = dealfile.parse(HAND_EDITED, "x")
    assert doc.line_of(("value",)) == 6
    assert doc.line_of(("history", 0, "date")) == 11


def test_unusual_layout_falls_back_to_a_full_rewrite_that_still_reads_back():
    text = "---\n? id\n: a\ntitle: A\n---\n"
    doc = dealfile.parse(text, "x")
    assert doc.layout is None
    after = dealfile.render(dict(doc.data, title="B"), "", doc)
    assert dealfile.parse(after, "x").data == {"id": "a", "title": "B"}


text_values = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x85\u2028\u2029\ufeff"), max_size=30)
scalars = st.one_of(
    text_values, st.integers(-10**6, 10**6), st.booleans(), st.none(),
    st.dates(dt.date(1990, 1, 1), dt.date(2100, 1, 1)),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3),
    st.dictionaries(st.from_regex(r"[a-z_]{1,8}", fullmatch=True), inner, max_size=3),
), max_leaves=8)
frontmatters = st.dictionaries(st.from_regex(r"[a-z_]{1,10}", fullmatch=True), values, min_size=1, max_size=6)


@settings(max_examples=200, deadline=None)
@given(frontmatters, frontmatters, text_values)
def test_any_change_reads_back_exactly_and_unchanged_keys_keep_their_text(before, changes, body):
    original = dealfile.render(before, body)
    doc = dealfile.parse(original, "x")
    assert dealfile.same(doc.data, before)
    assert dealfile.render(dict(doc.data), doc.body, doc) == original
    after_data = dict(doc.data)
    after_data.update(changes)
    after = dealfile.render(after_data, body, doc)
    reread = dealfile.parse(after, "x")
    assert dealfile.same(reread.data, after_data)
    assert reread.body == body
    for key, value in before.items():
        if key not in changes or dealfile.same(changes[key], value):
            assert yamlio.dump({key: value}) in after


@pytest.mark.parametrize("text", [
    "---\r\nid: a\r\nvalue: 1\r\n---\r\nbody crlf\r\nbody lf only\nlast\r\n",
    "--- \nid: a\nvalue: 1\n---  \nnotes\n",
    "---\nid: a\nvalue: 1\n---",
    "---\nid: a\r\nvalue: 1\r\n---\r\nnotes\r\n",
    "\ufeff---\nid: a\nvalue: 1\n---\n\n\nnotes without final newline",
], ids=["mixed-body", "fence-spaces", "no-final-newline", "lf-then-crlf", "bom"])
def test_a_change_keeps_every_other_byte(text):
    doc = dealfile.parse(text, "x")
    after = dealfile.render(dict(doc.data, value=2), doc.body, doc)
    assert after == text.replace("value: 1", "value: 2")


def test_crlf_file_with_a_bare_dash_item_keeps_its_layout():
    text = "---\r\nid: a\r\nvalue: 1\r\n# who to call first\r\ncontacts:\r\n-\r\n  name: Bo\r\n---\r\n"
    doc = dealfile.parse(text, "x")
    assert dealfile.render(dict(doc.data, value=2), doc.body, doc) == text.replace("value: 1", "value: 2")


def test_crlf_files_get_crlf_for_added_keys_and_whole_rewrites():
    text = "---\r\nid: a\r\nvalue: 1\r\n---\r\n"
    doc = dealfile.parse(text, "x")
    added = dealfile.render(dealfile.insert_key(doc.data, "closed", dt.date(2026, 1, 5), ("id", "value", "closed")), "", doc)
    assert added == "---\r\nid: a\r\nvalue: 1\r\nclosed: 2026-01-05\r\n---\r\n"
    odd = dealfile.parse("---\r\n? id\r\n: a\r\nvalue: 1\r\n---\r\n", "x")
    assert odd.layout is None
    assert dealfile.render(dict(odd.data, value=2), "", odd) == "---\r\nid: a\r\nvalue: 2\r\n---\r\n"


def test_conflict_markers_are_found_in_crlf_files():
    with pytest.raises(ParseError) as caught:
        dealfile.parse("---\r\nid: a\r\n<<<<<<< HEAD\r\nvalue: 1\r\n=======\r\nvalue: 2\r\n>>>>>>> b\r\n---\r\n", "x")
    assert caught.value.line == 3


@pytest.mark.parametrize("char", ["\x85", "\u2028", "\u2029"])
def test_unicode_line_breaks_survive_a_write(char):
    doc = dealfile.parse("---\nid: a\ntitle: A\n---\n", "x")
    title = f"Acme{char}Corp"
    assert dealfile.parse(dealfile.render(dict(doc.data, title=title), "", doc), "x").data["title"] == title


def test_nesting_too_deep_is_a_parse_error():
    with pytest.raises(ParseError, match="nest"):  # PyYAML >= 6.0.4 stops it itself, with its own words
        dealfile.parse("---\nid: a\nx: " + "[" * 2000 + "]" * 2000 + "\n---\n", "x")


LISTS = """\
---
id: acme
tasks:
- id: ta1
  text: First   # a comment inside an item
  status: open
- id: ta2
  text: Second
  status: open
activities:
- {date: 2026-11-01, kind: call}
---
"""


def _changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def test_changing_one_list_item_rewrites_only_that_item():
    doc = dealfile.parse(LISTS, "x")
    data = dict(doc.data)
    data["tasks"] = [doc.data["tasks"][0], {**doc.data["tasks"][1], "status": "done"}]
    after = dealfile.render(data, doc.body, doc)
    assert _changed_lines(LISTS, after) == ["-  status: open", "+  status: done"]
    assert "# a comment inside an item" in after


def test_appending_to_a_list_only_adds_lines():
    doc = dealfile.parse(LISTS, "x")
    data = dict(doc.data)
    data["tasks"] = doc.data["tasks"] + [{"id": "ta3", "text": "Third", "status": "open"}]
    after = dealfile.render(data, doc.body, doc)
    assert _changed_lines(LISTS, after) == ["+- id: ta3", "+  text: Third", "+  status: open"]


def test_removing_a_list_item_keeps_the_others():
    doc = dealfile.parse(LISTS, "x")
    data = {**doc.data, "tasks": doc.data["tasks"][1:]}
    after = dealfile.render(data, doc.body, doc)
    assert _changed_lines(LISTS, after) == [
        "-- id: ta1", "-  text: First   # a comment inside an item", "-  status: open"]


def test_a_flow_item_is_kept_as_written_beside_new_block_items():
    doc = dealfile.parse(LISTS, "x")
    data = {**doc.data, "activities": doc.data["activities"] + [{"date": dt.date(2026, 11, 2), "kind": "note"}]}
    after = dealfile.render(data, doc.body, doc)
    assert dealfile.parse(after, "x").data == data
    assert "- {date: 2026-11-01, kind: call}\n- date: 2026-11-02\n  kind: note\n" in after


def test_a_flow_list_is_rewritten_whole_and_reads_back():
    text = LISTS.replace("activities:\n- {date: 2026-11-01, kind: call}\n", "activities: [{date: 2026-11-01, kind: call}]\n")
    doc = dealfile.parse(text, "x")
    data = {**doc.data, "activities": doc.data["activities"] + [{"date": dt.date(2026, 11, 2), "kind": "note"}]}
    after = dealfile.render(data, doc.body, doc)
    assert dealfile.parse(after, "x").data == data
    assert "activities:\n- date: 2026-11-01\n  kind: call\n- date: 2026-11-02\n  kind: note\n" in after


def test_an_indented_list_keeps_its_indentation():
    text = LISTS.replace("activities:\n- {date: 2026-11-01, kind: call}\n",
                         "activities:\n  - date: 2026-11-01\n    kind: call\n")
    doc = dealfile.parse(text, "x")
    data = {**doc.data, "activities": doc.data["activities"] + [{"date": dt.date(2026, 11, 2), "kind": "note"}]}
    after = dealfile.render(data, doc.body, doc)
    assert _changed_lines(text, after) == ["+  - date: 2026-11-02", "+    kind: note"]


def test_a_changed_item_keeps_its_comments_and_its_unknown_keys_in_place():
    text = LISTS.replace("  text: Second\n", "  priority: high\n  text: Second   # promised\n# between items\n")
    doc = dealfile.parse(text, "x")
    changed = {**doc.data["tasks"][1], "status": "done", "done": dt.date(2026, 11, 27)}
    after = dealfile.render({**doc.data, "tasks": [doc.data["tasks"][0], changed]}, doc.body, doc)
    assert _changed_lines(text, after) == ["-  status: open", "+  status: done", "+  done: 2026-11-27"]
    assert dealfile.parse(after, "x").data["tasks"][1] == changed


@pytest.mark.parametrize("text, line", [
    ("id: a\n<<<<<<< ours\n", 2), ("a\nb\n>>>>>>>\n", 3), ("<<<<<<<\r\r\nx", 1), ("x\n>>>>>>> theirs\r\n", 2),
    ("<<<<<<<< eight\n", None), ("x <<<<<<< not at the start\n", None), ("<<<<<<<x\n", None),
    ("=======\n", None), ("a\u2028<<<<<<< after a line separator, which is no line break here\n", None),
])
def test_conflict_markers_are_whole_lines_of_seven(text, line):
    assert dealfile.find_conflict_marker(text) == line
