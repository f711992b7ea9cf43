"""pipelines.yaml: parsing, defaults and every validation, reported with its line."""

import pytest

from pipecli.core.errors import ConfigError
from pipecli.core.model.config import DEFAULT_CONFIG, load_config, read_config
from tests.conftest import CONFIG


def write(tmp_path, text):
    (tmp_path / "pipelines.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_the_default_config_is_valid_and_has_the_standard_stages(tmp_path):
    config = load_config(write(tmp_path, DEFAULT_CONFIG))
    stages = config.default_pipeline.stages
    assert [s.name for s in stages] == ["Lead", "Contacted", "Qualified", "Proposal", "Won", "Lost", "Fridge"]
    assert [s.kind for s in stages][-3:] == ["won", "lost", "parked"]
    assert config.inactivity_days == 10 and config.next_step == "warn"


def test_settings_are_read(tmp_path):
    config = load_config(write(tmp_path, CONFIG))
    assert [p.id for p in config.pipelines] == ["sales", "partners"]
    assert config.rate("USD") == config.rates["USD"] and config.rate("EUR") == 1 and config.rate("GBP") is None
    assert config.find_member("BOB@example.com").id == "bob"
    assert config.find_pipeline("Partners").id == "partners"
    assert config.pipeline("sales").find_stage("Qual").id == "qualified"


@pytest.mark.parametrize("change, line, words", [
    (("currency: EUR", "currency: euro"), 1, "three-letter"),
    (("rates: {USD: 0.9}", "rates: {USD: -1}"), 2, "positive number"),
    (("- {id: bob, name: Bob Stone, email: bob@example.com}", "- {id: alice, name: Bob}"), 5, "duplicate team member"),
    (("- {id: alice, name: Alice Martin, email: alice@example.com}", "- {id: Alice Martin}"), 4, "slug"),
    (("next_step: warn", "next_step: sometimes"), 8, "strict, warn, off"),
    (("kind: open}", "kind: maybe}"), 13, "stage kind"),
    (("probability: 40,", "probability: 140,"), 14, "0 to 100"),
    (("rot_days: 14", "rot_days: -2"), 13, "rot_days"),
    (("  - {id: signed, name: Signed, probability: 100, kind: won}\n", ""), 21, "no stage of kind 'won'"),
    (("- {id: alice, name: Alice Martin, email: alice@example.com}", "- {id: alice, email: alice}"), 4, "address"),
])
def test_each_problem_names_its_line(tmp_path, change, line, words):
    text = CONFIG.replace(*change, 1)
    config, problems = read_config(write(tmp_path, text))
    errors = [p for p in problems if p.severity == "error"]
    assert errors, problems
    assert errors[0].line == line, errors
    assert words in errors[0].message
    assert str(errors[0]).startswith(f"pipelines.yaml:{line}: error: ")
    with pytest.raises(ConfigError):
        load_config(tmp_path)


def test_more_than_ten_stages_is_a_warning(tmp_path):
    many = "".join(f"  - {{id: s{i}, name: S{i}, probability: 10, kind: open}}\n" for i in range(10))
    text = CONFIG.replace("  - {id: won, name: Won", many + "  - {id: won, name: Won", 1)
    config, problems = read_config(write(tmp_path, text))
    assert config is not None
    assert [p.severity for p in problems] == ["warning"]
    assert "16 stages" in problems[0].message


def test_unknown_settings_are_warnings_and_yaml_errors_have_lines(tmp_path):
    _, problems = read_config(write(tmp_path, CONFIG + "colour: blue\n"))
    assert [(p.severity, p.line) for p in problems] == [("warning", 25)]
    _, problems = read_config(write(tmp_path, CONFIG + "oops: [\n"))
    assert problems[0].severity == "error" and problems[0].line == 26


@pytest.mark.parametrize("change, line, words", [
    (("- {id: bob, name: Bob Stone,", "- {id: bob, nmae: Bob Stone,"), 5, "unknown team member field 'nmae'"),
    (("  name: Partners\n", "  name: Partners\n  colour: red\n"), 21, "unknown pipeline field 'colour'"),
    (("rot_days: 14, kind: open}", "rot_days: 14, kind: open, wip: 3}"), 13, "unknown stage field 'wip'"),
])
def test_unknown_keys_in_entries_are_warnings(tmp_path, change, line, words):
    config, problems = read_config(write(tmp_path, CONFIG.replace(*change, 1)))
    assert config is not None
    assert [(p.severity, p.line) for p in problems] == [("warning", line)]
    assert words in problems[0].message


def test_a_missing_or_empty_pipelines_list_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="non-empty list of pipelines"):
        load_config(write(tmp_path, "currency: EUR\n"))


def test_rates_have_a_ceiling(tmp_path):
    _, problems = read_config(write(tmp_path, CONFIG.replace("rates: {USD: 0.9}", "rates: {USD: 5000000}")))
    assert [(p.line, p.severity) for p in problems] == [(2, "error")] and "below 1,000,000" in problems[0].message
