"""fastfront.load reads what yamlio.load reads, exactly, or declines (None); it reads what pipe writes.

The reference is always yamlio.load itself: on the sample's deals, on generated deals written by
yamlio.dump, and on those texts after random hand edits. A wrong answer (a value, a type, an order
that differs from yamlio's) fails; declining never does, except where the reader must accept.
"""

from __future__ import annotations

import datetime as dt
import textwrap
from unittest import mock
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipecli.core.fileformat import dealfile, fastfront, yamlio

from .hand_edits import KINDS, edit
from .test_properties import TRICKY, deals

SAMPLE_DEALS = sorted((Path(__file__).resolve().parent.parent / "deals").glob("*.md"))
SAMPLE_FRONTS = [dealfile.parse(path.read_text(encoding="utf-8"), str(path)).front for path in SAMPLE_DEALS]
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def same_exactly(a, b) -> bool:
    """a and b are equal with the same types all the way down, and their keys in the same order.

    Plain == is not enough: 1 == 1.0 == True, 0.0 == -0.0, and {'a': 1, 'b': 2} == {'b': 2, 'a': 1}.
    """
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return (len(a) == len(b) and all(same_exactly(x, y) for x, y in zip(a, b))
                and all(same_exactly(a[key], b[key]) for key in a))
    if isinstance(a, list):
        return len(a) == len(b) and all(same_exactly(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return repr(a) == repr(b)
    return a == b


def reference(text: str):
    """What yamlio.load makes of text, or an exception instance when it refuses it."""
    try:
        return yamlio.load(text)
    except Exception as error:  # a YAMLError, or the ValueError of an int of 5,000 digits
        return error


def check_agrees(text: str):
    """fastfront declines or reads exactly what yamlio reads; it declines whatever yamlio refuses or
    reads as something other than a mapping. Returns its result."""
    # The inner reader, not load(): an exception is never how it declines (load would hide one).
    got = fastfront._load(text)
    expected = reference(text)
    if isinstance(expected, Exception) or not isinstance(expected, dict):
        assert got is None, (text, expected, got)
    else:
        assert got is None or same_exactly(got, expected), (text, expected, got)
    return got


def test_same_exactly_sees_types_and_order():
    assert same_exactly({"a": [1, 1.5, None, dt.date(2026, 1, 2)]}, {"a": [1, 1.5, None, dt.date(2026, 1, 2)]})
    for a, b in [(1, True), (1, 1.0), (0.0, -0.0), ("2026-01-02", dt.date(2026, 1, 2)), (None, ""), ([], {}),
                 ({"a": 1, "b": 2}, {"b": 2, "a": 1}), ({1: "x"}, {True: "x"}), ([1, [2]], [1, [2.0]])]:
        assert not same_exactly(a, b) and not same_exactly(b, a)


# -- what pipe writes: the sample and generated deals ---------------------------------------------------


def test_there_are_sample_deals():
    assert len(SAMPLE_FRONTS) >= 40


@pytest.mark.parametrize("front", SAMPLE_FRONTS, ids=[path.stem for path in SAMPLE_DEALS])
def test_every_sample_deal_is_read_exactly(front):
    got = fastfront.load(front)
    assert got is not None
    assert same_exactly(got, yamlio.load(front))


@SETTINGS
@given(deals())
def test_any_generated_deal_is_read_exactly_or_declined(data):
    """Generated deals hold every tricky text (control characters, quotes, line breaks...)."""
    check_agrees(yamlio.dump(data))


words = st.text("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéüøßçñ0123456789", min_size=1, max_size=9)
punctuation = st.sampled_from([",", ".", ";", ":", "!", "?", "'", "(", ")", "/", "+", "&", "#", "-", "%", "@"])
phrases = st.lists(st.one_of(words, st.tuples(words, punctuation).map("".join), punctuation.map(lambda p: p + "x")),
                   min_size=1, max_size=6).map(" ".join)
notes = st.builds(  # tidy multi-line text, which yamlio.dump writes as a literal block
    lambda paragraphs, end: "\n\n".join("\n".join(lines) for lines in paragraphs) + end,
    st.lists(st.lists(phrases, min_size=1, max_size=3), min_size=1, max_size=3), st.sampled_from(["", "\n"]),
).filter(lambda text: "\n" in text.rstrip("\n"))
ordinary_dates = st.dates(dt.date(2000, 1, 1), dt.date(2099, 12, 31))
numbers = st.one_of(st.integers(-10**12, 10**12),
                    st.decimals(-10**9, 10**9, places=2, allow_nan=False, allow_infinity=False).map(float))
ordinary_scalars = st.one_of(phrases, words, ordinary_dates, numbers, st.booleans(), st.none())
# keys yamlio.dump writes plain (not `'yes'`, `'null'`...): the reader declines a quoted key
plain_keys = st.from_regex(r"[a-z][a-z_]{0,8}", fullmatch=True).filter(
    lambda key: yamlio.dump({key: 1}) == f"{key}: 1\n")
ordinary_values = st.recursive(
    st.one_of(ordinary_scalars, notes),
    lambda inner: st.one_of(st.lists(inner, max_size=3),
                            st.dictionaries(plain_keys, inner, max_size=3)),
    max_leaves=8,
)
slugs = st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True)


@st.composite
def ordinary_deals(draw) -> dict:
    """A deal as people write them: words, dates, numbers, lists of small mappings, notes in a block."""
    data = {"id": draw(slugs), "title": draw(phrases), "pipeline": "sales", "stage": draw(words),
            "value": draw(numbers), "owner": draw(slugs), "created": draw(ordinary_dates)}
    data["contacts"] = draw(st.lists(st.fixed_dictionaries(
        {"name": phrases}, optional={"email": st.emails(), "role": phrases, "phone": words}), max_size=3))
    data["tags"] = draw(st.lists(words, max_size=4))
    data["bant"] = draw(st.dictionaries(st.sampled_from(["budget", "authority", "need", "timeline"]), phrases))
    data["history"] = draw(st.lists(st.fixed_dictionaries(
        {"stage": words, "date": ordinary_dates}, optional={"by": slugs, "flushed": st.booleans()}), max_size=4))
    data["tasks"] = draw(st.lists(st.fixed_dictionaries(
        {"id": slugs, "text": phrases}, optional={"due": ordinary_dates, "status": words, "done": ordinary_dates}),
        max_size=4))
    data["activities"] = draw(st.lists(st.fixed_dictionaries(
        {"date": ordinary_dates, "kind": words}, optional={"summary": phrases, "notes": notes}), max_size=4))
    if draw(st.booleans()):
        data["custom"] = draw(ordinary_values)
    return data


@SETTINGS
@given(ordinary_deals(), st.text("abc \n", max_size=30))
def test_an_ordinary_deal_is_always_accepted_and_read_exactly(data, body):
    front = dealfile.parse(dealfile.render(data, body), "x").front
    got = fastfront.load(front)
    assert got is not None, front
    assert same_exactly(got, yamlio.load(front))


# -- hand edits -------------------------------------------------------------------------------------

SNIPPETS = [
    "  ", "\t", "#", " # c", "# c\n", ": ", "- ", "-", "'", '"', "\\", "&a ", "*a", "!!int ", "!!str ", "---", "...",
    "|", "|-", "|+", ">", "[a]", "{a: 1}", "[]", "{}", "\r", "\u2028", "\ufeff", "\x85", "\u202e", "\xa0", "\x00", "\n",
    "\n\n", "x", "1", "0", "~", "null", "true", "NO", "0800", "1.5", "-5", "1e3", "2026-02-30", "2026-01-05", "12:30",
    "? ", "%", "@", "`", ",", "''", '"\\t"', '"\\u00e9"', '"\\x4"', "\\n", "a: 1\n", "  a: 1\n", "- a\n", "  - a\n",
    "id: x\n", "é", "💥", "- # c\n", "- x # c\n", "\n- y", "\n  - y",
]
edits = st.lists(st.tuples(st.sampled_from(KINDS), st.integers(0, 1 << 16), st.integers(0, 1 << 16),
                           st.one_of(st.sampled_from(SNIPPETS), st.text(max_size=3))), min_size=1, max_size=3)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLE_FRONTS), edits)
def test_a_hand_edited_sample_deal_is_read_exactly_or_declined(front, changes):
    check_agrees(edit(front, changes))


@SETTINGS
@given(st.one_of(deals(), ordinary_deals()), edits)
def test_a_hand_edited_generated_deal_is_read_exactly_or_declined(data, changes):
    check_agrees(edit(yamlio.dump(data), changes))


@SETTINGS
@given(st.lists(st.sampled_from(SNIPPETS + ["a:", "b:", "c: ", "  b:", "\n  ", "\n- ", "  - ", "| ", "\n "]),
                min_size=1, max_size=14).map("".join))
def test_a_soup_of_snippets_is_read_exactly_or_declined(text):
    check_agrees(text)


# -- the flat path (_flat): the shape pipe writes, in one loop; alone it must be exact or decline too ------


def check_flat_agrees(text: str):
    """check_agrees with only the flat path: what it does not take is declined, not read by _parse."""
    with mock.patch.object(fastfront, "_parse", lambda *args: None):
        return check_agrees(text)


@pytest.mark.parametrize("front", SAMPLE_FRONTS, ids=[path.stem for path in SAMPLE_DEALS])
def test_the_flat_path_reads_what_pipe_writes(front):
    if "\n\n" in front or "#" in front or "|" in front:
        return  # blank lines, comments and literal blocks are _parse's
    assert check_flat_agrees(front) is not None


@SETTINGS
@given(st.one_of(deals(), ordinary_deals()), edits)
def test_the_flat_path_alone_reads_a_hand_edited_deal_exactly_or_declines(data, changes):
    check_flat_agrees(yamlio.dump(data))
    check_flat_agrees(edit(yamlio.dump(data), changes))


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SAMPLE_FRONTS), edits)
def test_the_flat_path_alone_reads_a_hand_edited_sample_deal_exactly_or_declines(front, changes):
    check_flat_agrees(edit(front, changes))


@SETTINGS
@given(st.lists(st.sampled_from(["a:", "b:", "c: 1", "\n", "\n  ", "\n- ", "- ", "  ", "  b:", "x", "[]", "{}", "'q'",
                                 "true:", "1:", "2026-01-05", "- - ", ": ", "-5"]),
                min_size=1, max_size=16).map(lambda parts: "".join(parts) + "\n"))
def test_the_flat_path_alone_reads_a_soup_of_lines_exactly_or_declines(text):
    check_flat_agrees(text)


# -- each construct the reader accepts, and what it declines -------------------------------------------


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


ACCEPTED = {
    "plain scalars, as yamlio resolves them": (
        "a: word\nb: 0800\nc: -5\nd: 1.50\ne: true\nf: False\ng: 2026-02-30\nh: 2026-02-28\ni: ~\nj: null\n"
        "k: NO\nl: 12:30\nm: 1e3\nn: inf\no: .5\np: '0800'\nq: -x\nr: 1.e+3\ns: 0\nt: http://x.example/a#b\n",
        {"a": "word", "b": "0800", "c": -5, "d": 1.5, "e": True, "f": False, "g": "2026-02-30",
         "h": dt.date(2026, 2, 28), "i": None, "j": None, "k": "NO", "l": "12:30", "m": "1e3", "n": "inf", "o": ".5",
         "p": "0800", "q": "-x", "r": 1000.0, "s": 0, "t": "http://x.example/a#b"},
    ),
    "an empty value is None": ("a:\nb: 1\nc:\n", {"a": None, "b": 1, "c": None}),
    "empty collections": ("a: []\nb: {}\nc:\n- []\n- {}\n", {"a": [], "b": {}, "c": [[], {}]}),
    "quoted strings": (
        """a: 'it''s: here # not a comment'\nb: ''\nc: "tab\\there \\"q\\" \\\\ \\u00e9\\x41\\N\\0"\nd: "'"\n""",
        {"a": "it's: here # not a comment", "b": "", "c": 'tab\there "q" \\ éA\x85\x00', "d": "'"},
    ),
    "a nested mapping": ("bant:\n  budget: Approved\n  need: logs\nnext: 1\n",
                         {"bant": {"budget": "Approved", "need": "logs"}, "next": 1}),
    "a list of scalars, indentless or indented": ("tags:\n- eu\n- 12\nmore:\n  - x\n  - y\n",
                                                  {"tags": ["eu", 12], "more": ["x", "y"]}),
    "lists of mappings with lists and mappings inside items": (
        dedent("""
            tasks:
            - id: a
              tags:
              - x
              - - 1
                - 2
              sub:
                k: v
            - b
            - - c
              - d: 1
                e: 2
            """),
        {"tasks": [{"id": "a", "tags": ["x", [1, 2]], "sub": {"k": "v"}}, "b", ["c", {"d": 1, "e": 2}]]},
    ),
    "literal blocks, clipped and stripped, with blank lines and a # inside": (
        "a: |\n  one\n\n  # two\n    three\n\n\nb: |-\n  x\n\n  y\n\nc:\n- |\n  z\n- |-\n  w\nd: 1\n",
        {"a": "one\n\n# two\n  three\n", "b": "x\n\ny", "c": ["z\n", "w"], "d": 1},
    ),
    "a literal block at the end of the text": ("a: |\n  x\n\n", {"a": "x\n"}),
    "full-line comments and blank lines anywhere": (
        "# head\n\na: 1\n  # indented\nb:\n# before a list\n- x\n\n    # deeper\n- y\nc:\n  # c\n  d: 1\n#\n",
        {"a": 1, "b": ["x", "y"], "c": {"d": 1}},
    ),
    "keys in the order written": ("b: 1\na: 2\n_c-d: 3\n", {"b": 1, "a": 2, "_c-d": 3}),
    "other printable characters": ("a: Zürich 💥 …\nb: x,y [z] {w} a&b *c !d |e >f %g @h `i`\n",
                                   {"a": "Zürich 💥 …", "b": "x,y [z] {w} a&b *c !d |e >f %g @h `i`"}),
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_each_construct_is_read_as_written(name):
    text, expected = ACCEPTED[name]
    assert same_exactly(yamlio.load(text), expected)  # the reference agrees with the expectation...
    got = fastfront.load(text)
    assert got is not None and same_exactly(got, expected)  # ...and the fast reader with both


DECLINED = {
    "a tab": "a: x\tb\n",
    "a CR": "a: x\r\n",
    "NEL": "a: x\x85y\n",
    "a line separator": "a: x\u2028y\n",
    "a BOM": "\ufeffa: 1\n",
    "a bidi control": "a: \u202ex\n",
    "a no-break space": "a: \xa0x\n",
    "a control character": "a: x\x1by\n",
    "a lone surrogate": "a: x\ud800y\n",
    "trailing spaces": "a: x \n",
    "a line of spaces": "a: x\n  \nb: 1\n",
    "no final line feed": "a: 1",
    "a comment after a value": "a: x # c\n",
    "a comment after a key": "a: # c\n  b: 1\n",
    "a comment after a list item": "a:\n- x # c\n",
    "a comment as a list item": "a:\n- # c\n- x\n",
    "an anchor": "a: &x 1\n",
    "an alias": "a: &x 1\nb: *x\n",
    "a tag": "a: !!str 1\n",
    "a local tag": "a: !x 1\n",
    "a directive": "%YAML 1.1\n---\na: 1\n",
    "a document start": "---\na: 1\n",
    "a document end": "a: 1\n...\n",
    "a complex key": "? a\n: 1\n",
    "a flow list": "a: [x, y]\n",
    "a flow mapping": "a: {x: 1}\n",
    "a plain scalar on two lines": "a: one\n  two\n",
    "a plain scalar continued after a blank line": "a: one\n\n  two\n",
    "a list item continued": "a:\n- one\n  - two\n",
    "a single-quoted scalar on two lines": "a: 'one\n  two'\n",
    "a double-quoted scalar on two lines": 'a: "one\n  two"\n',
    "a folded block": "a: >\n  x\n  y\n",
    "a kept block": "a: |+\n  x\n\n",
    "an indented block": "a: |2\n   x\n",
    "a block starting with a blank line": "a: |\n\n  x\n",
    "an empty block": "a: |\nb: 1\n",
    "an unknown escape": 'a: "\\q"\n',
    "a short hex escape": 'a: "\\x4"\n',
    "a surrogate escape": 'a: "\\ud800"\n',
    "text after a closing quote": "a: 'x' y\n",
    "a duplicate key": "a: 1\nb: 2\na: 3\n",
    "a duplicate nested key": "a:\n  b: 1\n  b: 2\n",
    "a key that reads as a bool": "true: 1\n",
    "a key that reads as null": "null: 1\n",
    "a number as key": "1: x\n",
    "a quoted key": "'a': 1\n",
    "a key with a space": "a b: 1\n",
    "a mapping in a value": "a: b: c\n",
    "a value ending with a colon": "a: b:\n",
    "a value starting with an indicator": "a: @x\n",
    "a dash with no item": "a:\n-\n",
    "a dash with no space": "a: -\n",
    "a list item as a value": "a: - x\n",
    "a list item in a list item's value": "a:\n- - - x\n- b: - y\n",
    "two spaces after the colon": "a:  x\n",
    "a scalar on the line after its key": "a:\n  x\n",
    "a float too large": "a: 1.0e+999\n",
    "an int of 5,000 digits": "a: " + "1" * 5000 + "\n",
    "a deeper line after a scalar": "a: 1\n  b: 2\n",
    "a line between two indents": "a:\n    b: 1\n  c: 2\n",
    "a list after a mapping at one indent": "a:\n  b: 1\n  - x\n",
    "a list at the top": "- a\n- b\n",
    "a scalar at the top": "just text\n",
    "nothing": "",
    "only comments": "# a\n\n# b\n",
    "an indented top": "  a: 1\n",
    "a key over 128 characters": "k" * 129 + ": 1\n",
    "deep nesting": "a:\n" + "".join(" " * n + f"k{n}:\n" for n in range(1, 80)),
    "many dashes on a line": "a:\n" + "- " * 12 + "x\n",
}


@pytest.mark.parametrize("name", DECLINED)
def test_each_construct_it_does_not_know_is_declined(name):
    text = DECLINED[name]
    assert fastfront.load(text) is None
    check_agrees(text)


def test_collections_are_never_shared_between_values():
    data = fastfront.load("a: []\nb: []\nc: {}\nd: {}\ne:\n- []\n- []\n")
    assert data["a"] is not data["b"] and data["c"] is not data["d"] and data["e"][0] is not data["e"][1]


def test_the_limits_are_kept():
    # over MAX_BYTES, over MAX_LINES, and more values than yamlio.MAX_NODES (which yamlio refuses)
    assert fastfront.load("a: " + "x" * yamlio.MAX_BYTES + "\n") is None
    assert fastfront.load("a:\n" + "- 1\n" * (fastfront.MAX_LINES + 1)) is None
    assert fastfront.load("a:\n" + "- - - - - - - - 1\n" * 30_000) is None
    assert fastfront.load("a:\n" + "- 1\n" * 20_000) == {"a": [1] * 20_000}  # long, within the limits


@pytest.mark.parametrize("value", [None, b"a: 1\n", 1, ["a: 1\n"], "a: 1\n\x00"])
def test_it_never_raises(value):
    assert fastfront.load(value) is None


@pytest.mark.parametrize("word", sorted({t for t in TRICKY if t and t.isprintable()} | {
    "0800", "-5", "-0", "00", "0", "1.", "1.50", "1.e+3", "1.0e-3", "1E+3", "-1.5", "+1", "0x1F", "0o17", "1_000",
    "true", "True", "TRUE", "tRUE", "yes", "No", "~", "null", "Null", "NULL", "nULL", "2026-02-30", "2026-02-28",
    "0000-01-01", "2026-1-1", "12:30", "1:20:30", "inf", ".inf", "-.inf", ".nan", "<<", "=", "x:y", "a,b"}))
def test_a_plain_or_quoted_word_resolves_as_in_yamlio(word):
    for text in (f"k: {word}\n", yamlio.dump({"k": word}), yamlio.dump({"k": [word]})):
        check_agrees(text)
    assert fastfront.load(yamlio.dump({"k": word})) is not None  # what pipe writes of it is accepted


@pytest.mark.parametrize("escape", [chr(code) for code in range(0x20, 0x7F)] + [
    "x41", "x4", "xZZ", "x00", "u00e9", "u2028", "ufeff", "uD800", "uDFFF", "U0001F4A5", "U00110000", "UFFFFFFFF"])
def test_every_double_quoted_escape_reads_as_in_yamlio(escape):
    text = f'a: "x\\{escape}y"\n'
    got = check_agrees(text)
    assert (got is None) == isinstance(reference(text), Exception)  # every escape libyaml knows is read


def test_reading_leaves_no_garbage_for_the_cycle_collector():
    """pipe pauses the cycle collector while it reads 10,000 deals: a reader that left a reference
    cycle per call would keep every call's lines alive until the command ends."""
    import gc

    fronts = SAMPLE_FRONTS[:10]
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        assert all(fastfront.load(front) is not None for front in fronts)
        assert gc.collect() == 0
    finally:
        if was_enabled:
            gc.enable()
