"""Fuzzing the deal parser: arbitrary text and mutations of the sample's deal files.

Only the parser's own error, ParseError, may come out of `dealfile.parse`, and nothing at all out of
what every command does next with a file that parses (the type rules, the line of a problem, a
change written back). The normal suite runs a few hundred inputs per target; with PIPE_FUZZ_SECONDS set,
the targets go on for that many seconds in all (`.ci/run`: `PIPE_FUZZ_SECONDS=60 python -m pytest tests/test_fuzz.py`).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings, strategies as st

from pipecli.core.errors import ParseError
from pipecli.core.fileformat import dealfile
from pipecli.core.model import validate
from pipecli.core.model.schema import FIELD_ORDER

from .hand_edits import KINDS, edit

SAMPLE_DEALS = sorted((Path(__file__).resolve().parent.parent / "deals").glob("*.md"))
SAMPLES = [path.read_text(encoding="utf-8") for path in SAMPLE_DEALS]
FUZZ_SECONDS = float(os.environ.get("PIPE_FUZZ_SECONDS") or 0)
EXAMPLES = 300  # per target: about a second each in the normal suite

# Pieces of YAML and of deal files that parsers trip on, spliced into real files.
TOKENS = [
    "\n", "\r\n", "\r", " ", "    ", "\t", ":", ": ", "- ", "-", "#", " # c", "'", '"', "|", "|-", ">", "[", "]",
    "{", "}", ",", "&a ", "*a", "&b [x, y]", "*b", "!!str ", "!!int ", "!!float ", "!!timestamp ", "!!null ",
    "!!python/object/apply:os.system ", "!x ", "!<tag:yaml.org,2002:str> ", "? ", "---", "--- ", "...", "%YAML 1.1\n",
    "%TAG !e! tag:e.org:\n", "<<<<<<< HEAD\n", "=======\n", ">>>>>>> b\n", "<<: ", "\ufeff", "\x85", "\u2028",
    "\x00", "\x1b[2J", "\\", "\\x", "\\ud800", "%", "@", "`", "é", "💥", "\u202e", "0", "01234", "1.5", "1e3",
    "-1", "12:30", "2026-02-30", "2026-01-05", "NO", "~", "null", "true", "yes", ".inf", "id: ", "title: ",
    "value: ", "stage: ", "tasks:\n- ", "history:\n- date: ", "bant:\n  need: ", "  ", "\n  - ",
]

# Where a mutation lands and what it does; positions wrap around the text's length.
MUTATIONS = st.tuples(st.sampled_from(KINDS), st.integers(0, 1 << 20), st.integers(0, 1 << 20),
                      st.one_of(st.sampled_from(TOKENS), st.text(max_size=6)))


def mutate(text: str, mutations: list[tuple[str, int, int, str]], keep_fence: bool = True) -> str:
    """text with each mutation (a hand edit) applied in turn (after its opening `---` line, when keep_fence)."""
    head = ""
    if keep_fence:
        head, text = text[:4], text[4:]
    return head + edit(text, mutations)


def exercise(text: str) -> None:
    """What pipe does with a deal file's text; fails on anything but a one-line ParseError from parse."""
    try:
        document = dealfile.parse(text, "deals/fuzz.md")
    except ParseError as error:
        assert error.path == "deals/fuzz.md"
        assert error.line is None or error.line >= 1
        assert len(str(error).splitlines()) == 1, str(error)
        return
    assert isinstance(document.data, dict)
    # storage.load: the type rules, then the line of the first problem
    for problem in validate.load_problems(document.data, "fuzz"):
        line = document.line_of(problem.key_path)
        assert line is None or line >= 1
    # a command changing one field: the file it writes reads back as what it meant to write
    changed = dealfile.insert_key(document.data, "probability", 55, FIELD_ORDER)
    written = dealfile.render(changed, document.body, document)
    reread = dealfile.parse(written, "deals/fuzz.md")
    assert dealfile.same(reread.data, changed)
    assert reread.body == document.body


def fuzz(strategy: st.SearchStrategy) -> None:
    """Run exercise over strategy: EXAMPLES inputs, or rounds of them for FUZZ_SECONDS."""

    def one_round(examples: int, round_seed: int | None = None) -> None:
        @settings(max_examples=examples, deadline=None, derandomize=False,
                  suppress_health_check=list(HealthCheck))
        @given(strategy)
        def target(text: str) -> None:
            exercise(text)

        (seed(round_seed)(target) if round_seed is not None else target)()

    one_round(EXAMPLES)
    end = time.monotonic() + FUZZ_SECONDS / len(TARGETS)
    while time.monotonic() < end:
        one_round(500, int.from_bytes(os.urandom(8), "big"))


any_text = st.text(st.characters(), max_size=300)
fenced = st.builds(lambda front, body: f"---\n{front}\n---\n{body}", any_text, st.text(max_size=40))
token_soup = st.builds(
    lambda front, body: f"---\n{''.join(front)}\n---\n{''.join(body)}",
    st.lists(st.sampled_from(TOKENS), max_size=60), st.lists(st.sampled_from(TOKENS), max_size=6),
)
mutated_samples = st.builds(mutate, st.sampled_from(SAMPLES), st.lists(MUTATIONS, min_size=1, max_size=8),
                            st.sampled_from([True, True, True, False]))


def test_the_sample_deals_are_there_to_mutate():
    assert len(SAMPLES) >= 10
    for text in SAMPLES:
        exercise(text)


TARGETS = {"any-text": any_text, "fenced-text": fenced, "token-soup": token_soup, "mutated-sample-deals": mutated_samples}


@pytest.mark.parametrize("target", TARGETS)
def test_only_parse_errors_come_out_of_the_parser(target):
    fuzz(TARGETS[target])


@pytest.mark.parametrize("text", [
    "---\nid: x\n\"a\\nb\": 1\n\"a\\nb\": 2\n---\n",
    "---\nid: x\nv: !<tag%0Ax> 1\n---\n",
    "---\nid: x\nv: !!int \"1\\n2\"\n---\n",
    "---\nid: x\nv: !!null \"a\\nb\"\n---\n",
    "---\nid: x\nv: !!timestamp \"2026\\n01\"\n---\n",
    "---\nid: x\n\"a\\u2028b\": 1\n\"a\\u2028b\": 2\n---\n",
])
def test_errors_that_quote_the_text_stay_one_line(text):
    exercise(text)


def test_a_key_that_reads_like_a_conflict_marker_survives_a_change():
    # found by the fuzzer: `\r` is a line break to YAML, not to the conflict check; the key came back
    # plain at the start of a line, and the file read as an unresolved merge
    exercise("---\n\r? <<<<<<< HEAD\n\n---\n")


def test_a_bom_in_front_of_the_first_key_survives_a_change():
    # found by the fuzzer: the key added above the first one left the BOM in mid-stream, where it is an error
    exercise("---\n\ufeffid: x\n---\n")
    exercise("---\n\n\ufeffbant:\n  need: \n---\n")


@pytest.mark.parametrize("text", [
    "---\n{!<tag:yaml.org,2002:str> }\n---\n",  # a flow mapping at column 0 is no key of a block mapping
    "---\n{id: x}\n---\n",
    "---\nid: x\n...\n---\n",  # a key added after a document end would start a second document
    "---\nid: x\n... # end\n# c\n---\n",
])
def test_unusual_top_levels_survive_a_change(text):
    exercise(text)


def test_a_change_that_would_not_read_back_rewrites_the_frontmatter():
    # found by the fuzzer: `&a` on its own line anchors the whole mapping; a key added above it
    # would make it anchor something else, and the file would not parse
    exercise("---\n&a \n---:\n---\n")
    document = dealfile.parse("---\n&a\nid: x\n# comment\ntitle: T\n---\n", "x")
    assert dealfile.render(dict(document.data, title="U"), "", document) == "---\nid: x\ntitle: U\n---\n"
