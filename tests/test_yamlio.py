"""The strict YAML loader and the canonical dumper."""

import datetime as dt

import pytest

from pipecli.core.fileformat import yamlio


@pytest.mark.parametrize("text", ["NO", "no", "on", "Off", "yes", "01234", "12:30", "0x1f", "1e5", "0o17", "+1", "2026-02-30"])
def test_text_that_yaml_1_1_would_convert_stays_text(text):
    assert yamlio.load(f"a: {text}\n") == {"a": text}


@pytest.mark.parametrize("text, value", [
    ("12", 12), ("-3", -3), ("1.5", 1.5), ("true", True), ("False", False), ("", None), ("null", None),
    ("2026-01-05", dt.date(2026, 1, 5)),
])
def test_plain_scalars_that_are_typed(text, value):
    loaded = yamlio.load(f"a: {text}\n")["a"]
    assert loaded == value and type(loaded) is type(value)


@pytest.mark.parametrize("text", [
    "a: !!python/object/apply:os.system ['true']\n",
    "a: !!python/name:os.system\n",
    "a: !custom x\n",
    "a: !!binary aGVsbG8=\n",
    "a: !!set {x}\n",
])
def test_tags_that_construct_objects_are_rejected(text):
    with pytest.raises(yamlio.YAMLError) as caught:
        yamlio.load(text)
    assert "not allowed" in yamlio.error_message(caught.value)
    assert yamlio.error_line(caught.value) == 1


def test_duplicate_keys_are_an_error_with_the_line_of_the_second():
    with pytest.raises(yamlio.YAMLError) as caught:
        yamlio.load("a: 1\nb: 2\na: 3\n")
    assert yamlio.error_line(caught.value) == 3
    assert "duplicate key 'a'" in yamlio.error_message(caught.value)


@pytest.mark.parametrize("value", ["NO", "01234", "12:30", "2026-01-05", "true", "null", "", " lead", "a: b", "- x", "#x", "~"])
def test_dumped_text_reads_back_as_the_same_text(value):
    assert yamlio.load(yamlio.dump({"a": value})) == {"a": value}


def test_dump_is_block_style_unwrapped_and_without_aliases():
    day = dt.date(2026, 1, 5)
    text = yamlio.dump({"created": day, "history": [{"date": day}], "long": "word " * 40})
    assert "&" not in text and "*" not in text
    assert text.startswith("created: 2026-01-05\nhistory:\n- date: 2026-01-05\n")
    assert len(text.splitlines()) == 4


def test_load_with_lines_maps_nested_keys_to_lines():
    _, lines = yamlio.load_with_lines("a: 1\nb:\n- x: 1\n  y: 2\n")
    assert lines[("a",)] == 1
    assert lines[("b",)] == 2
    assert lines[("b", 0, "y")] == 4


@pytest.mark.parametrize("text", ["a: !!int abc\n", "a: !!float x\n", "a: !!bool maybe\n"])
def test_explicit_tags_with_bad_values_are_yaml_errors_not_crashes(text):
    with pytest.raises(yamlio.YAMLError) as caught:
        yamlio.load(text)
    assert "is not a valid" in yamlio.error_message(caught.value)


@pytest.mark.parametrize("value", ["1e3", "0o17", "0x1F", ".5", "-2.5e-3", ".inf"])
def test_text_that_yaml_1_2_reads_as_a_number_is_quoted(value):
    assert yamlio.dump({"a": value}) == f"a: '{value}'\n"


@pytest.mark.parametrize("text", ["a: !!int 010\n", "a: !!int 0x1F\n", "a: !!int 1:30\n", "a: !!bool NO\n",
                                  "a: !!float .inf\n", "a: !!float .nan\n", "a: 1.0e+999\n"])
def test_explicit_tags_and_huge_floats_follow_the_strict_rules(text):
    with pytest.raises(yamlio.YAMLError, match="is not a valid"):
        yamlio.load(text)


def test_aliases_of_lists_and_mappings_are_refused_but_scalar_ones_are_read():
    bomb = "l0: &l0 [a, a]\nl1: &l1 [*l0, *l0]\nl2: [*l1, *l1]\n"
    with pytest.raises(yamlio.YAMLError, match="aliases"):
        yamlio.load(bomb)
    assert yamlio.load("a: &d 2026-01-05\nb: *d\n") == {"a": dt.date(2026, 1, 5), "b": dt.date(2026, 1, 5)}


@pytest.mark.parametrize("value", ["y", "n", "Y", "N"])
def test_yaml_1_1_one_letter_booleans_are_quoted(value):
    assert yamlio.dump({"a": value}) == f"a: '{value}'\n"


def test_output_is_the_same_with_or_without_libyaml():
    # The pure emitter writes emoji as they are; libyaml would escape them.
    assert yamlio.dump({"account": "Ä 💥"}) == "account: Ä 💥\n"


@pytest.mark.parametrize("text", ["a: !!timestamp 20260105\n", "a: !!timestamp 2026-W01-1\n", "a: !!null x\n"])
def test_explicit_dates_and_nulls_are_strict_too(text):
    with pytest.raises(yamlio.YAMLError, match="is not a valid"):
        yamlio.load(text)


@pytest.mark.parametrize("text", ["a\nb\x85c", "first line\nsecond\u2028third", "one\ntwo\u2029"])
def test_multi_line_text_with_yaml_only_line_breaks_reads_back_as_written(text):
    """NEL, LS and PS are line breaks to YAML: in a literal block they would come back as "\\n"."""
    written = yamlio.dump({"summary": text})
    assert yamlio.load(written) == {"summary": text}
