"""model/schema.py is the one list of deal fields and of pipelines.yaml settings: the load rules,
`pipe set`, `pipe init`'s template and docs/format.md all agree with it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pipecli.core.fileformat import yamlio
from pipecli.core.model import validate
from pipecli.core.model.config import load_config
from pipecli.core.model.deal import BANT_KEYS
from pipecli.core.model.schema import (
    DEAL_FIELDS, ENTRIES, FIELD_ORDER, LEFT_OUT, REQUIRED, SETTINGS, UNCHECKED, WRITES_DEFAULT,
)
from tests.conftest import failed, simple_deal

FORMAT_DOC = Path(__file__).resolve().parent.parent / "docs" / "format.md"


def doc_table(heading: str) -> list[list[str]]:
    """The cells of each row of the first table under a docs/format.md heading, header and rule left out."""
    text = FORMAT_DOC.read_text(encoding="utf-8")
    section = text[text.index(f"\n{heading}\n"):]
    start = section.index("\n|")
    rows = []
    for line in section[start + 1:].splitlines():
        if not line.startswith("|"):
            break
        # a `\|` inside a cell is part of its text, not a column break
        rows.append([cell.strip().replace("\\|", "|") for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows[2:]


def field_rows() -> dict[str, list[str]]:
    """docs/format.md 2.3: field name -> [type, required, meaning, written by], in the doc's order."""
    return {row[0].strip("`"): row[1:] for row in doc_table("### 2.3 Fields") if row[0].startswith("`")}


def test_the_docs_list_the_deal_fields_in_the_schemas_order():
    assert list(field_rows()) == list(FIELD_ORDER)


@pytest.mark.parametrize("field", DEAL_FIELDS, ids=lambda f: f.name)
def test_the_docs_say_what_the_schema_says_of_each_field(field):
    _, required, _, written_by = field_rows()[field.name]
    assert required.startswith("**yes** (load)") == field.required, required
    for command in field.written_by:
        assert command in written_by, f"{field.name}: the docs do not say that {command} writes it ({written_by})"


def test_the_load_rules_know_no_field_the_schema_lacks():
    assert set(validate.SCALAR_RULES) | set(validate.ENTRY_RULES) <= set(FIELD_ORDER)
    assert set(validate.ENTRY_RULES) == {f.name for f in DEAL_FIELDS if f.type == ENTRIES}


def test_every_typed_field_of_the_schema_is_checked_on_load_and_no_other(make_workspace, run):
    # A mapping holding a mapping is of no field type: every checked field refuses it.
    wrong = "{x: {y: 1}}"
    deals = {f"f-{f.name.replace('_', '-')}": simple_deal(f"f-{f.name.replace('_', '-')}", **{f.name: wrong})
             for f in DEAL_FIELDS if f.name != "id"}
    deals["f-unknown"] = simple_deal("f-unknown", crm_ref=wrong)
    result = run(make_workspace(deals), "check")
    broken = {line.split(".md:")[0].removeprefix("deals/f-") for line in result.stdout.splitlines()
              if ": error: " in line}
    typed = {f.name.replace("_", "-") for f in DEAL_FIELDS if f.type != UNCHECKED and f.name != "id"}
    assert broken == typed, result.stdout


def test_pipe_set_sets_the_fields_the_schema_says_it_writes(make_workspace, run):
    line = failed(run(make_workspace({"acme": simple_deal("acme")}), "set", "acme", "nope=1"), "unknown field")
    listed = line.split("fields you can set: ")[1].rstrip(")").split(", ")
    expected = [f.name for f in DEAL_FIELDS if "set" in f.written_by and f.name != "bant"]
    assert sorted(listed) == sorted(expected + [f"bant.{k}" for k in BANT_KEYS])


def settings_rows() -> dict[str, list[str]]:
    """docs/format.md 1.2: setting -> [type, default, meaning], in the doc's order."""
    return {row[0].strip("`"): row[1:] for row in doc_table("### 1.2 Settings")}


def test_the_docs_list_the_settings_in_the_schemas_order():
    assert list(settings_rows()) == [s.name for s in SETTINGS]


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_the_docs_give_each_setting_the_schemas_default_and_values(setting):
    type_, default, _ = settings_rows()[setting.name]
    if setting.default is REQUIRED:
        assert default == "— (required)"
    else:
        shown = re.match(r"`([^`]*)`", default)
        assert shown and yamlio.load(shown.group(1)) == setting.default, default
    if setting.allowed:
        assert type_ == " | ".join(f"`{value}`" for value in setting.allowed)


def test_pipe_init_writes_each_setting_the_schema_does_not_leave_out_with_its_default(tmp_path, run):
    assert run(None, "init", str(tmp_path / "new")).exit_code == 0
    written = yamlio.load((tmp_path / "new" / "pipelines.yaml").read_text(encoding="utf-8"))
    assert list(written) == [s.name for s in SETTINGS if s.template != LEFT_OUT]
    for setting in SETTINGS:
        if setting.template == WRITES_DEFAULT:
            assert written[setting.name] == setting.default, setting.name


def test_a_workspace_without_the_default_settings_reads_as_pipe_init_writes_them(tmp_path, run):
    """The reader's defaults are the template's values: deleting a line that gives a default changes nothing."""
    assert run(None, "init", str(tmp_path / "full")).exit_code == 0
    text = (tmp_path / "full" / "pipelines.yaml").read_text(encoding="utf-8")
    defaults = [s.name for s in SETTINGS if s.template == WRITES_DEFAULT]
    bare = "".join(line for line in text.splitlines(keepends=True) if line.split(":")[0] not in defaults)
    assert bare != text and not any(f"\n{name}:" in bare for name in defaults)
    (tmp_path / "bare").mkdir()
    (tmp_path / "bare" / "pipelines.yaml").write_text(bare, encoding="utf-8")
    assert load_config(tmp_path / "bare") == load_config(tmp_path / "full")


def test_a_file_with_external_id_last_keeps_its_order_when_saved(make_workspace, run):
    """Imports once wrote external_id last: its new place in the field order moves no line of such a file."""
    text = simple_deal("acme").removesuffix("---\n") + "external_id: sf-1\n---\nNotes.\n"
    workspace = make_workspace({"acme": text})
    path = workspace.root / "deals" / "acme.md"
    assert run(workspace, "set", "acme", "value=1000").exit_code == 0
    assert path.read_text(encoding="utf-8") == text  # unchanged: not a byte differs
    assert run(workspace, "set", "acme", "value=2000", "probability=50").exit_code == 0
    expected = text.replace("value: 1000\n", "value: 2000\n").replace("currency: EUR\n", "currency: EUR\nprobability: 50\n")
    assert path.read_text(encoding="utf-8") == expected
