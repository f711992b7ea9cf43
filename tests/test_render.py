"""Rendering details: amounts, and colour that never changes the text."""

import re

import pytest

from pipecli.render.money import amount, short
from tests.conftest import simple_deal

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.mark.parametrize("value, text", [(0, "0"), (950, "950"), (999.6, "1k"), (12500, "12.5k"), (999949, "999.9k"),
                                         (999950, "1M"), (1234567, "1.2M"), (-2500, "-2.5k"), (5 * 10**12, "5T")])
def test_short_amounts(value, text):
    assert short(value) == text


def test_full_amounts():
    assert amount(18000, "EUR") == "18,000 EUR"
    assert amount(12000.5) == "12,000.50"


@pytest.mark.parametrize("args", [["show", "acme"], ["board"], ["board", "--all"], ["list"], ["check"]])
def test_colour_adds_codes_and_changes_nothing_else(make_workspace, run, monkeypatch, args):
    workspace = make_workspace({
        "acme": simple_deal("acme", tasks="\n- id: t1\n  text: Later\n  due: 2026-12-30\n  status: open"
                                          "\n- id: t2\n  text: Late\n  due: 2026-11-01\n  status: open"),
        "old": simple_deal("old", created="2026-01-05", tasks="[]"),
    })
    plain = run(workspace, *args)
    monkeypatch.setattr("pipecli.cli.context.colour_wanted", lambda *a: True)
    coloured = run(workspace, *args, color=True)
    assert coloured.exit_code == plain.exit_code == 0, coloured.stderr
    if args[0] in ("show", "board"):
        assert ANSI.search(coloured.stdout)
    assert ANSI.sub("", coloured.stdout) == plain.stdout


def _columns(text: str) -> int:
    """Terminal columns, measured here independently of the code under test."""
    import unicodedata

    return sum(0 if unicodedata.category(c) in ("Mn", "Me", "Cf") else
               2 if unicodedata.east_asian_width(c) in ("W", "F") else 1 for c in text)


@pytest.mark.parametrize("title", ["東京のデータセンター監視プロジェクト", "Family 👨\u200d👩\u200d👧 café", "Tab\tand \x1b[31m escape",
                                   "Zero\u200bwidth soft\u00adhyphen", "देवनागरी शीर्षक"])
def test_board_columns_stay_aligned_with_any_text(make_workspace, run, title):
    from pipecli.core.fileformat import yamlio
    from tests.conftest import CONFIG

    config = CONFIG.replace("name: Sales", "name: 東京データセンター監視パイプライン大型案件")
    workspace = make_workspace({
        "a": simple_deal("a", title=yamlio.dump(title).strip().removesuffix("...").strip()),
        "b": simple_deal("b", title="Plain second", stage="qualified"),
    }, config=config)
    for width in (40, 100):
        lines = run(workspace, "board", "--width", str(width)).stdout.splitlines()
        assert max(_columns(line) for line in lines) <= width
        assert not any("\t" in line or "\x1b" in line for line in lines)
    separator = next(line for line in lines if line.startswith("─"))
    column = len(separator.split()[0])
    title_line = next(line for line in lines if "Plain second" in line)
    assert _columns(title_line[: title_line.index("Plain second")]) == column + 2


@pytest.mark.parametrize("args", [["show", "a"], ["list"], ["list", "--format", "md"], ["board"]])
def test_escape_sequences_in_a_deal_never_reach_the_terminal(make_workspace, run, args):
    workspace = make_workspace({"a": simple_deal("a", title='"Evil \\e]0;pwned\\a \\e[2J title"', account='"\\e[31mRed"')
                                + "Notes with \x1b[5m blink\n"})
    result = run(workspace, *args)
    assert result.exit_code == 0 and "Evil" in result.stdout
    assert "\x1b" not in result.stdout and "\a" not in result.stdout


def test_printable_blanks_control_and_escapes_bidi_characters_but_keeps_letters():
    from pipecli.render.style import printable

    # U+202E would show "Acme gpj.exe" as "Acme exe.jpg"; ESC would repaint the terminal.
    assert printable("Acme \u202egpj.exe\x1b[2J Zoë") == "Acme \\u202egpj.exe [2J Zoë"
    assert printable("a\nb\tc", keep="\n") == "a\nb c"


# -- fast paths: the same text as the general code, for the text that takes them -----------------

from hypothesis import given, settings, strategies as st  # noqa: E402

from pipecli.render import board, exact, formats, style  # noqa: E402

_cells = st.one_of(
    st.none(), st.booleans(), st.integers(-10**12, 10**12), st.text(max_size=12),
    st.floats(allow_nan=True, allow_infinity=True), st.dates(),
    st.decimals(allow_nan=False, allow_infinity=False, places=2),
    st.lists(st.text(max_size=5), max_size=3), st.lists(st.integers(), max_size=2),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.dictionaries(st.sampled_from(["id", "title", "value", "tags", "é \"x\"\n"]), _cells), max_size=4),
       st.lists(st.sampled_from(["id", "title", "value", "tags", "é \"x\"\n", "missing"]), max_size=5, unique=True))
def test_json_records_are_byte_for_byte_what_the_general_writer_writes(rows, columns):
    expected = exact.json_text([{c: exact.machine(row.get(c)) for c in columns} for row in rows]) + "\n"
    assert formats.to_json(rows, columns) == expected


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.text(max_size=4) | st.integers() | st.booleans() | st.none(), inner, max_size=3),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(_json_values)
def test_the_exact_json_writer_writes_what_json_dumps_writes_when_there_is_no_decimal(value):
    import json

    assert exact.json_text(value) == json.dumps(value, indent=2, ensure_ascii=False)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.decimals(allow_nan=False, allow_infinity=False), max_size=4))
def test_the_exact_json_writer_keeps_every_digit_of_a_decimal(numbers):
    import json
    from decimal import Decimal

    # a float would round 81232232299448.32 to ...448.31, and 2/3 to 17 digits
    assert json.loads(exact.json_text(exact.machine(numbers)), parse_float=Decimal) == numbers


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(max_codepoint=0x7F), max_size=30) | st.text(max_size=10), st.integers(0, 25))
def test_ascii_fast_paths_give_what_measuring_each_character_gives(text, width):
    assert style.printable(text) == style._shown_by_character(text, "")
    assert board.text_width(text) == board._width_by_character(text)
    assert board._fit(text, width) == board._fit_by_character(text, width)
