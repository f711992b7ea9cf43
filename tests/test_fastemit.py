"""fastemit.dump writes exactly what yamlio's PyYAML writer writes, or declines (None); it writes what pipe writes.

The reference is always the writer it stands in for (yamlio.check_writable, then PyYAML's emitter):
on the sample's deals and generated deals, cut as dealfile.render cuts them (the whole, one key, one
list item), and on generated values of every type with awkward text. A byte that differs fails, and
so does writing anything the reference refuses; declining never does, except for what pipe writes.
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from unittest import mock
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from pipecli.core.errors import InvalidValue
from pipecli.core.fileformat import dealfile, fastemit, yamlio

from .test_properties import TRICKY, deals

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DEALS = sorted((ROOT / "deals").glob("*.md"))
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def reference(data) -> str | Exception:
    """What yamlio's PyYAML writer makes of data, or the error it refuses it with."""
    try:
        yamlio.check_writable(data)
        return yamlio._emit(data)
    except InvalidValue as error:
        return error


def check_agrees(data) -> str | None:
    """fastemit writes data byte for byte as the reference does, or declines; yamlio.dump gives the
    reference's text or raises its error either way. Returns fastemit's text."""
    got = fastemit.dump(data)
    expected = reference(data)
    if isinstance(expected, Exception):
        assert got is None, (data, expected, got)
        with pytest.raises(InvalidValue) as raised:
            yamlio.dump(data)
        assert str(raised.value) == str(expected)
    else:
        assert got is None or got == expected, (data, expected, got)
        assert yamlio.dump(data) == expected
    return got


def pieces(data: dict) -> list:
    """What dealfile.render dumps of a deal: the whole, each key alone, each list item alone, the
    items of a list from the second on (an append)."""
    found = [data] + [{key: value} for key, value in data.items()]
    for key, value in data.items():
        if isinstance(value, list) and value:
            found += [[item] for item in value] + [{key: [item]} for item in value] + [{key: value[1:]}]
    return found


def sample_data() -> list[tuple[str, dict]]:
    return [(path.stem, dealfile.parse(path.read_text(encoding="utf-8"), str(path)).data) for path in SAMPLE_DEALS]


# -- what pipe writes: the sample and generated deals, never declined -------------------------------


def test_there_are_sample_deals():
    assert len(SAMPLE_DEALS) >= 40


@pytest.mark.parametrize("name, data", sample_data(), ids=[path.stem for path in SAMPLE_DEALS])
def test_every_sample_deal_is_written_exactly_and_never_declined(name, data):
    for piece in pieces(data):
        assert check_agrees(piece) is not None, piece


def test_every_generated_deal_is_written_exactly_and_never_declined(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from generate import generate
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    generate(len(SAMPLE_DEALS) * 3, tmp_path)  # every sample deal under three copy numbers
    paths = sorted((tmp_path / "deals").glob("*.md"))
    assert len(paths) == len(SAMPLE_DEALS) * 3
    for path in paths:
        doc = dealfile.parse(path.read_text(encoding="utf-8"), str(path))
        for piece in pieces(doc.data):
            assert check_agrees(piece) is not None, (path.name, piece)


def test_a_deal_pipe_writes_is_written_whole_by_the_fast_writer():
    # render writes a new deal with yamlio.dump; the fast writer gives the text, PyYAML is not asked.
    name, data = sample_data()[0]
    text = dealfile.render(data, "notes\n")
    assert text == f"---\n{reference(data)}---\nnotes\n"
    assert fastemit.dump(data) is not None


@SETTINGS
@given(deals(), st.data())
def test_generated_deals_are_written_exactly_or_declined(data, draw):
    check_agrees(data)
    piece = draw.draw(st.sampled_from(pieces(data)))
    check_agrees(piece)


# -- awkward text ------------------------------------------------------------------------------------

AWKWARD = TRICKY + [
    # YAML 1.1 words and numbers written as text
    "yes", "Yes", "YES", "no", "No", "y", "Y", "n", "N", "on", "On", "OFF", "off", "true", "False", "~", "null",
    "Null", "NULL", "<<", "=", "0800", "0o17", "0x1f", "0b101", "1_000", "-1", "+1", "1e3", "1E3", "1.", ".5",
    "-.inf", ".NaN", "1:20", "190:20:30", "2026-02-30", "2026-1-5", "2026-01-05 10:30:00", "2026-01-05T10:30:00Z",
    "12.5%", "v1.0", "-", "--", "-x", "- x", ":x", ": x", "x:", "x::y", "?x", "? x", "a:b", "a : b", "#", "x#y",
    "x #y", "x# y", "!", "&", "*", "|x", ">x", "%x", "@x", "`x", ",x", "x,y", "[", "]", "{", "}", "x[0]", "x{y}",
    "'", "''", '"', "it''s", "---x", "...x", "x---", "<<<<<<< HEAD", "=======", ">>>>>>> theirs", "<<<<<<", "<< x",
    # spaces, unicode, characters that must be escaped or refused
    " x", "x ", " ", "  ", "a  b", "\xa0x", "x\xa0", "\u3000", "é", "Zürich", "日本語", "💥", "\U0010fffe", "\U0010ffff",
    "\ufeff", "\ufffe", "\uffff", "\ue000", "\ud7ff", "\x7f", "\x80", "\x85", "\x9f", "\u2028", "\u2029", "\t",
    "a\tb", "\r", "a\rb", "a\r\nb", "\x00", "\x1b[31m", "\ud800", "x\udfffy", "\u202e",
    # multi-line
    "a\nb", "a\nb\n", "a\nb\n\n", "\na\nb", "a\n\nb", "a\n\n\nb\n", "a \nb", "a\nb ", "a\n b", "a\n  b\n c",
    " a\nb", "a\nb\n ", "a\n\tb", "a\n#b", "a\n- b", "a\n---\nb", "a\n...\nb", "x: y\nz", "a\n'b'\n\"c\"",
    "a\n\xa0b", "\xa0a\nb", "a\nb\xa0", "a\n💥", "a\u2028b\nc", "a\x85b\nc", "line\n", "\n", "\n\n", "a\r\nb\r\n",
    # empty and very long
    "", "x" * 5000, "word " * 2000, ("a: b " * 300).strip(), "y" * 99, "y" * 100, "y" * 101, "y" * 130,
]


@pytest.mark.parametrize("text", AWKWARD, ids=range(len(AWKWARD)))
def test_awkward_text_is_written_exactly_or_declined(text):
    for data in ({"k": text}, [text], {"k": [text]}, [{"k": text, "j": text}], {"a": {"b": text}},
                 {text: 1}, [{text: [text]}], {"k": [[text]]}):
        check_agrees(data)


def test_text_pipe_writes_is_written_not_declined():
    for text in ["Zürich", "💥 launch", "12:30", "0800", "yes", "it's", "a: b", "x # y", "- item", " lead", "",
                 "first\nsecond\n", "first\n\n  indented\nlast", "y" * 100]:
        assert check_agrees({"k": text}) is not None, text


# -- every type, refused values, nesting --------------------------------------------------------------

class Text(str):
    """A str subclass: yamlio refuses it."""


awkward_text = st.one_of(
    st.sampled_from(AWKWARD),
    st.text(max_size=30),
    st.text(st.characters(categories=["Cs", "Cc", "Cf", "Zs", "Zl", "Zp", "Co", "Cn", "So", "Lo"]), max_size=12),
    st.text(st.characters(codec="utf-8"), max_size=30),
    st.lists(st.sampled_from(AWKWARD + [" ", "\n", ":", "#", "'"]), min_size=2, max_size=6).map("".join),
)


# What yamlio refuses, each often enough to be met in every run (st.floats() gives a NaN once in hundreds).
REFUSED = [float("nan"), float("inf"), -float("inf"), "\ud800", "x\udfffy", "a\ud800\nb\n", 10**1000, -(10**1000),
           dt.datetime(2026, 1, 2, 3, 4), dt.time(12, 30), Decimal("1.5"), Decimal("NaN"), Text("x"), b"x", {1}]
scalars = st.one_of(
    awkward_text,
    st.sampled_from(REFUSED),
    st.sampled_from([0.0, -0.0, 0.1, 1e16, 1e17, -1e17, 1.5e-7, 5e-324, 1e300, 123456789.125]),
    st.integers(),
    st.integers(min_value=10**999 - 10, max_value=10**1000 + 10),
    st.integers(max_value=-10**999 + 10, min_value=-10**1000 - 10),
    st.booleans(),
    st.none(),
    st.floats(),  # nan, inf, -0.0, 1e17, 5e-324 ...
    st.dates(min_value=dt.date(1, 1, 1)),
    st.datetimes(),
    st.times(),
    st.decimals(),
    awkward_text.map(Text),
    st.binary(max_size=3),
    st.sets(st.integers(), max_size=2),
)
keys = st.one_of(awkward_text, st.integers(), st.booleans(), st.floats(), st.none(), st.dates(),
                 st.sampled_from(REFUSED[:8]),
                 st.sampled_from(["id", "stage", "a" * 200, "y", "null", "0800", "12:30"]))
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(keys, inner, max_size=4),
    ),
    max_leaves=12,
)


@SETTINGS
@given(st.one_of(st.dictionaries(keys, values, max_size=6), st.lists(values, max_size=6), values))
def test_any_value_is_written_exactly_or_declined(data):
    check_agrees(data)


@pytest.mark.parametrize("value", REFUSED + [object()], ids=lambda value: type(value).__name__)
def test_what_yamlio_refuses_is_declined_and_refused_with_its_error(value):
    for data in ({"k": value}, [value], {"k": [{"j": value}]}):
        assert fastemit.dump(data) is None
        assert isinstance(reference(data), InvalidValue)
        check_agrees(data)
    if isinstance(value, (str, int, float)) and not isinstance(value, bool):
        assert fastemit.dump({value: 1}) is None
        check_agrees({value: 1})


def test_every_scalar_type_pipe_stores_is_written():
    data = {"text": "x", "int": -12, "big": 10**999, "float": 0.1, "tiny": 5e-324, "huge": 1e300, "neg0": -0.0,
            "true": True, "false": False, "none": None, "date": dt.date(2026, 2, 28), "old": dt.date(9, 1, 1),
            "empty_list": [], "empty_map": {}, "tuple": ("a", 1), "nested": [[1, [2, {}]], {"a": {"b": []}}],
            1: "int key", 2.5: "float key", False: "bool key"}
    assert check_agrees(data) is not None


def test_a_root_that_is_not_a_collection_or_is_empty_is_declined():
    for data in ["x", 1, None, dt.date(2026, 1, 1), {}, [], ()]:
        assert fastemit.dump(data) is None
        check_agrees(data)


def test_nesting_too_deep_for_python_is_declined():
    deep: list = []
    for _ in range(5000):
        deep = [deep, 1]
    assert fastemit.dump(deep) is None


# -- the writability check ahead of every write -----------------------------------------------------


def walked(data):
    """yamlio.unwritable's answer from its full walk, the one that names the field."""
    with mock.patch.object(yamlio, "_writable", lambda data: False):
        return yamlio.unwritable(data)


@SETTINGS
@given(st.one_of(st.dictionaries(keys, values, max_size=6), st.lists(values, max_size=6), values))
def test_the_quick_writability_check_agrees_with_the_walk(data):
    assert yamlio._writable(data) == (walked(data) is None)
    assert yamlio.unwritable(data) == walked(data)


def test_the_quick_writability_check_passes_every_sample_deal_and_refuses_deep_nesting():
    for _, data in sample_data():
        assert yamlio._writable(data) and walked(data) is None
    deep: list = [float("nan")]
    for _ in range(5000):
        deep = [deep]
    assert not yamlio._writable(deep)
    assert yamlio.unwritable(deep) == ("[0]" * 5000 + "[0]", "nan is not a finite number")
