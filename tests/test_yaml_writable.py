"""What the YAML writer writes, both readers read back equal; what it cannot, it refuses naming the field.

The writer (yamlio.dump), the strict reader (yamlio.load) and the fast reader (fastfront.load) are
kept in step over any value: one the writer accepts reads back exactly (the fast reader may decline,
never differ); one it refuses is refused with the field's name, and only when writing it anyway would
not read back as written (.inf, .nan, datetimes, null keys...). The normal suite runs a few hundred
values; with PIPE_FUZZ_SECONDS set (the CI fuzz profile), rounds go on for a share of that time.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import time
from decimal import Decimal

import pytest
import yaml
from hypothesis import HealthCheck, given, seed, settings, strategies as st

from pipecli.core.errors import InvalidValue
from pipecli.core.fileformat import fastfront, yamlio
from pipecli.core.model.schema import FIELD_ORDER

from .conftest import failed, simple_deal
from .test_fastfront import same_exactly
from .test_fuzz import FUZZ_SECONDS

EXAMPLES = 300

texts = st.one_of(
    st.text(max_size=12),
    st.sampled_from([".inf", "-.inf", ".nan", "null", "~", "2026-11-27", "2026-11-27 10:30:00", "2026-11-27T10:30:00Z",
                     "10:30", "1e3", "true", "NO", "", "a\ud800", "\ud800", "- x", "a: b", "<<<<<<< HEAD", "\ufeff"]),
)
floats = st.one_of(st.floats(), st.sampled_from([float("inf"), float("-inf"), float("nan"), 1e20, 1e-7, -0.0, 5e-324]))
integers = st.one_of(st.integers(), st.sampled_from([10**999, 10**1000, -(10**1000)]))
moments = st.one_of(st.datetimes(), st.datetimes(timezones=st.just(dt.timezone.utc)), st.times())
others = st.one_of(st.binary(max_size=3), st.sets(st.integers(0, 3), max_size=2), st.decimals(allow_nan=False, places=2),
                   st.frozensets(st.integers(0, 3), max_size=2))
scalars = st.one_of(texts, integers, floats, st.booleans(), st.none(), st.dates(), moments, others)
keys = st.one_of(texts, integers, floats, st.booleans(), st.none(), st.dates())
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.lists(inner, max_size=3).map(tuple), st.dictionaries(keys, inner, max_size=3)),
    max_leaves=8)
fields = st.one_of(st.sampled_from(FIELD_ORDER), st.from_regex(r"[a-z][a-z_]{0,12}", fullmatch=True))


def as_read(value):
    """value as a reader gives it back: a tuple is a YAML list."""
    if isinstance(value, (list, tuple)):
        return [as_read(item) for item in value]
    if isinstance(value, dict):
        return {key: as_read(item) for key, item in value.items()}
    return value


def reads_back(data: dict) -> bool:
    """Whether data, written without the writer's check, reads back exactly through the strict reader."""
    try:
        text = yamlio._emit(data)
    except yaml.YAMLError:  # PyYAML cannot write it at all (a time, a Decimal)
        return False
    try:
        return same_exactly(yamlio.load(text), as_read(data))
    except yaml.YAMLError:
        return False


def first_refused(value, where: str) -> str | None:
    """Where the first value that does not read back is, found on each scalar and key alone: a
    mapping's keys before its values, then its values and list items in order."""
    if type(value) is dict:
        if not all(reads_back({key: None}) for key in value):
            return where
        found = (first_refused(item, f"{where}.{key}") for key, item in value.items())
    elif type(value) in (list, tuple):
        found = (first_refused(item, f"{where}[{index}]") for index, item in enumerate(value))
    else:
        return None if reads_back({"key": value}) else where
    return next((place for place in found if place is not None), None)


def check_in_step(field: str, value) -> None:
    data = {field: value}
    try:
        text = yamlio.dump(data)
    except InvalidValue as error:
        message = str(error)
        where = first_refused(value, field)
        assert where is not None, (data, message)
        assert message.startswith(f"cannot write {yamlio._shown(where)}: "), (message, where)  # the field, and where in it
        assert len(message.splitlines()) == 1, message
        assert not reads_back(data), (data, message)  # refused only what would not read back
        return
    expected = as_read(data)
    assert same_exactly(yamlio.load(text), expected), (data, text)
    fast = fastfront.load(text)
    assert fast is None or same_exactly(fast, expected), (data, text, fast)


def test_the_writer_and_both_readers_stay_in_step():
    def one_round(examples: int, round_seed: int | None = None) -> None:
        @settings(max_examples=examples, deadline=None, derandomize=False, suppress_health_check=list(HealthCheck))
        @given(fields, values)
        def target(field, value) -> None:
            check_in_step(field, value)

        (seed(round_seed)(target) if round_seed is not None else target)()

    one_round(EXAMPLES)
    end = time.monotonic() + FUZZ_SECONDS / 8
    while time.monotonic() < end:
        one_round(500, int.from_bytes(os.urandom(8), "big"))


@pytest.mark.parametrize("value, where, why", [
    (float("inf"), "value", "inf is not a finite number"),
    (float("-inf"), "value", "-inf is not a finite number"),
    (float("nan"), "value", "nan is not a finite number"),
    ({"extra": {None: 1}}, "value.extra", "a key null (a key must be text, a number or true/false)"),
    ({dt.date(2026, 1, 1): 1}, "value", "a key date 2026-01-01 (a key must be text, a number or true/false)"),
    ([1, {"at": dt.datetime(2026, 11, 27, 10, 30)}], "value[1].at",
     "datetime 2026-11-27T10:30:00 has a time of day: pipe's files hold a date (YYYY-MM-DD), and a time apart, "
     "as text (HH:MM)"),
    (Decimal("1.50"), "value", "Decimal Decimal('1.50') is not a value pipe's files hold "
                               "(text, a number, a date, true/false, a list or a mapping)"),
    ("a\ud800", "value", "text that is not valid Unicode (a lone surrogate)"),
    (10**1000, "value", "a number of over 1,000 digits"),
])
def test_each_refusal_names_the_field(value, where, why):
    with pytest.raises(InvalidValue) as caught:
        yamlio.dump({"value": value})
    assert str(caught.value) == f"cannot write {where}: {why}"


@pytest.mark.parametrize("value", [1e20, 5e-324, -0.0, 10**999 * 9, dt.date(1, 1, 1), (1, "a"), {1: "a", 1.5: None, True: []},
                                   ".inf", "2026-11-27 10:30:00", "null"])
def test_what_the_writer_keeps_reads_back_equal_in_both_readers(value):
    text = yamlio.dump({"value": value})
    assert same_exactly(yamlio.load(text), {"value": as_read(value)})
    assert fastfront.load(text) in (None, {"value": as_read(value)})


# -- the same values, hand-edited into a deal file or imported ----------------------------------

HAND_EDITS = {  # name: (the deal file, the line pipe points at, the problem)
    "value .inf": (simple_deal("bad", value=".inf"), 6, "value must be a number, got '.inf'"),
    "value -.inf": (simple_deal("bad", value="-.inf"), 6, "value must be a number, got '-.inf'"),
    "value .nan": (simple_deal("bad", value=".nan"), 6, "value must be a number, got '.nan'"),
    "value 1.0e+999": (simple_deal("bad", value="1.0e+999"), 6, "'1.0e+999' is not a valid float"),
    "value of 400 digits": (simple_deal("bad", value="1" * 400), 6, "value is too large (the limit is 10,000,000,000,000)"),
    "created with a time": (simple_deal("bad", created="2026-11-01 10:30:00"), 9,
                            "created must be a date YYYY-MM-DD, got '2026-11-01 10:30:00'"),
    "a null key": (simple_deal("bad", source="web\nnull: 1"), 11, "keys must be plain text"),
    "a nested null key": (simple_deal("bad", extra="\n  null: 1"), 11, "keys must be plain text"),
    "a date as a key": (simple_deal("bad", extra="{2026-01-01: 1}"), 10, "keys must be plain text"),
}


@pytest.mark.parametrize("name", list(HAND_EDITS))
def test_a_hand_edited_value_is_a_problem_at_its_line_never_a_traceback(make_workspace, run, name):
    content, line, problem = HAND_EDITS[name]
    workspace = make_workspace({"good": simple_deal("good")})
    path = workspace.root / "deals" / "bad.md"
    path.write_text(content, encoding="utf-8")
    checked = run(workspace, "check")
    assert checked.exit_code == 1 and "Traceback" not in checked.stdout + checked.stderr
    assert f"deals/bad.md:{line}: error: {problem}" in checked.stdout.splitlines()
    failed(run(workspace, "move", "bad", "qualified"), f"deals/bad.md:{line}: {problem}")
    assert path.read_text(encoding="utf-8") == content  # never written over


@pytest.mark.parametrize("number", ["nan", "inf", "-inf"])
def test_an_import_of_pipes_own_export_with_nan_is_refused_in_one_line(make_workspace, run, tmp_path, number):
    # a spreadsheet's NaN in the value column: float('nan') made the amount limit's check raise
    source = make_workspace({"acme": simple_deal("acme")}, name="source")
    exported = tmp_path / "deals.csv"
    assert run(source, "export", "-o", str(exported)).exit_code == 0
    rows = list(csv.DictReader(io.StringIO(exported.read_text(encoding="utf-8"))))
    rows[0]["value"] = number
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    exported.write_text(out.getvalue(), encoding="utf-8")
    target = make_workspace(name="target")
    failed(run(target, "import", str(exported), "--preset", "pipe"), "deal acme: value must be a number, got",
           "nothing imported")
    assert not list(target.deals_dir.glob("*.md"))


def test_a_change_to_a_deal_that_cannot_be_written_names_the_field_and_writes_nothing(make_workspace):
    # an entry appended to a deal is written as its own lines: the refusal still names its place
    from pipecli.core.fileformat import dealfile

    content = simple_deal("acme", activities="\n- {date: 2026-11-02, kind: call}")
    original = dealfile.parse(content, "deals/acme.md")
    data = dict(original.data, activities=original.data["activities"] + [{"date": dt.date(2026, 11, 3), "kind": "call",
                                                                           "summary": float("nan")}])
    with pytest.raises(InvalidValue) as caught:
        dealfile.render(data, original.body, original)
    assert str(caught.value) == "cannot write activities[1].summary: nan is not a finite number"
