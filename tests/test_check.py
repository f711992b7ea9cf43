"""pipe check: every kind of problem, found with its file and line."""

import json

import pytest

from pipecli.core.model.dates import today
from pipecli.core.store.check import check_workspace
from tests.conftest import CONFIG, simple_deal


def problems_for(make_workspace, text, config=CONFIG, name="ws"):
    workspace = make_workspace({"a": text}, config=config, name=name)
    return [(p.line, p.severity, p.message) for p in check_workspace(workspace, today(), []) if p.path == "deals/a.md"]


def test_a_valid_deal_has_no_problems(make_workspace):
    assert problems_for(make_workspace, simple_deal("a")) == []


@pytest.mark.parametrize("fields, line, severity, words", [
    (dict(stage="nowhere"), 5, "error", "unknown stage 'nowhere'"),
    (dict(pipeline="other"), 4, "error", "unknown pipeline 'other'"),
    (dict(owner="zed"), 8, "error", "unknown owner 'zed'"),
    (dict(currency="JPY"), 7, "error", "no exchange rate for JPY"),
    (dict(source="tv"), 10, "warning", "unknown source"),
    (dict(created="2027-01-01"), 9, "error", "in the future"),
    (dict(stage="lost", lost_reason="weather", closed="2026-11-20"), 10, "error", "unknown lost reason 'weather'"),
    (dict(stage="lost", closed="2026-11-20"), 5, "error", "needs a lost_reason"),
    (dict(stage="won"), 5, "error", "needs a closed date"),
    (dict(stage="won", closed="2026-10-01"), 10, "error", "before created"),
    (dict(expected_close="2026-01-01"), 10, "error", "expected_close 2026-01-01 is before created"),
    (dict(value=-5), 6, "error", "must not be negative"),
    (dict(probability=140), 10, "error", "from 0 to 100"),
    (dict(id="b"), 2, "error", "does not match the file name"),
    (dict(value="'12k'"), 6, "error", "value must be a number"),
    (dict(created="2026-02-30"), 9, "error", "created must be a date"),
])
def test_each_problem_is_reported_on_its_line(make_workspace, fields, line, severity, words):
    found = problems_for(make_workspace, simple_deal("a", **fields))
    assert any(l == line and s == severity and words in m for l, s, m in found), found


def test_timeline_problems_point_into_the_list(make_workspace):
    text = simple_deal("a", history="\n- stage: lead\n  date: 2026-11-05\n- stage: qualified\n  date: 2026-11-02\n  by: zed",
                       tasks="\n- text: Call\n  status: later\n  assignee: carol",
                       activities="\n- date: 2026-12-30\n  kind: call")
    found = problems_for(make_workspace, text)
    messages = {m: (l, s) for l, s, m in found}
    assert messages["history entry 2 (2026-11-02) is earlier than the one before it"][0] == 14
    assert messages["history entry 2: unknown team member 'zed'"] == (15, "warning")
    assert messages["task 1: status must be one of open, done, cancelled, got 'later'"][0] == 18
    assert messages["task 1: unknown assignee 'carol'"][0] == 19
    assert messages["activity 1 (2026-12-30) is in the future"][0] == 21


@pytest.mark.parametrize("rule, severity", [("strict", "error"), ("warn", "warning"), ("off", None)])
def test_the_next_step_rule(make_workspace, rule, severity):
    text = simple_deal("a", tasks="\n- text: Call\n  status: done\n  done: 2026-11-02")
    found = problems_for(make_workspace, text, CONFIG.replace("next_step: warn", f"next_step: {rule}"))
    flagged = [s for _, s, m in found if "no next step" in m]
    assert flagged == ([severity] if severity else [])


def test_closed_deals_need_no_next_step(make_workspace):
    text = simple_deal("a", stage="won", closed="2026-11-20", tasks="[]")
    assert problems_for(make_workspace, text, CONFIG.replace("next_step: warn", "next_step: strict")) == []


def test_unparseable_files_and_stray_names_are_reported_not_fatal(make_workspace):
    workspace = make_workspace({
        "a": simple_deal("a"),
        "b": "---\nid: b\n<<<<<<< HEAD\ntitle: B\n=======\ntitle: C\n>>>>>>> x\n---\n",
        "c": "---\nid: c\ntitle: [\n---\n",
    })
    (workspace.deals_dir / "Notes.md").write_text("hi")
    found = [(p.path, p.line, p.message) for p in check_workspace(workspace, today(), [])]
    assert ("deals/b.md", 3, "unresolved git merge conflict (conflict markers in the file)") in found
    assert any(path == "deals/c.md" and line == 4 for path, line, _ in found)
    assert any(path == "deals/Notes.md" for path, _, _ in found)


def test_duplicate_external_ids_are_errors(make_workspace):
    workspace = make_workspace({"a": simple_deal("a", external_id="sf-1"), "b": simple_deal("b", external_id="sf-1")})
    found = [str(p) for p in check_workspace(workspace, today(), [])]
    assert "deals/a.md: error: external_id 'sf-1' is also in deals/b.md" in found


def test_two_files_claiming_one_id_are_errors(make_workspace):
    workspace = make_workspace({"a": simple_deal("a"), "b": simple_deal("a")})
    found = [str(p) for p in check_workspace(workspace, today(), [])]
    assert "deals/a.md: error: id 'a' is also in deals/b.md" in found
    assert "deals/b.md: error: id 'a' is also in deals/a.md" in found


def test_open_deals_with_one_title_and_account_are_a_possible_duplicate(make_workspace):
    # Two people adding the same deal in two clones get two ids (random suffixes): check says so.
    workspace = make_workspace({
        "acme-k7pq": simple_deal("acme-k7pq", title="Acme renewal", account="Acme"),
        "acme-x2zz": simple_deal("acme-x2zz", title="acme renewal ", account="ACME"),
        "acme-old": simple_deal("acme-old", title="Acme renewal", account="Acme", stage="lost", closed="2026-11-02",
                                lost_reason="price", tasks="[]"),
        "other": simple_deal("other", title="Acme renewal", account="Other"),
    })
    found = [p for p in check_workspace(workspace, today(), []) if "likely the same deal" in p.message]
    assert [(p.path, p.severity) for p in found] == [("deals/acme-k7pq.md", "warning"), ("deals/acme-x2zz.md", "warning")]
    assert "deals/acme-x2zz.md" in found[0].message


def test_check_warns_about_similar_titles_with_one_account_as_likely_duplicates(make_workspace):
    # Similar, by docs/format.md's rule: a typo, another word order, one title holding the other.
    workspace = make_workspace({
        "a1": simple_deal("a1", title="Acme CRM rollout", account=" acme gmbh"),
        "a2": simple_deal("a2", title="Acme CRM rolout", account="Acme GmbH", stage="fridge"),
        "b1": simple_deal("b1", title="Rollout of the data platform", account="Bolt"),
        "b2": simple_deal("b2", title="Data platform", account="Bolt"),
        "c1": simple_deal("c1", title="Renewal 2026", account="Corto"),  # numbers differ: two deals
        "c2": simple_deal("c2", title="Renewal 2027", account="Corto"),
        "d1": simple_deal("d1", title="Acme CRM rollout", account="Other"),  # another account
        "e1": simple_deal("e1", title="Website", account=None),  # no account: only the same words count
        "e2": simple_deal("e2", title="Websites", account=None),
    })
    found = {p.path: p.message for p in check_workspace(workspace, today(), []) if "likely the same deal" in p.message}
    assert sorted(found) == ["deals/a1.md", "deals/a2.md", "deals/b1.md", "deals/b2.md"]
    assert found["deals/a1.md"].startswith("likely the same deal as deals/a2.md (same account, similar title)")


def test_check_command_exit_codes_and_json(make_workspace, run):
    clean = make_workspace({"a": simple_deal("a")}, name="clean")
    result = run(clean, "check")
    assert result.exit_code == 0 and result.stdout == "" and "ok: 1 deals" in result.stderr
    broken = make_workspace({"a": simple_deal("a", owner="zed")}, name="broken")
    result = run(broken, "check")
    assert result.exit_code == 1
    assert result.stdout == "deals/a.md:8: error: unknown owner 'zed' (team: alice, bob)\n"
    records = json.loads(run(broken, "check", "--format", "json").stdout)
    assert records == [{"path": "deals/a.md", "line": 8, "severity": "error", "message": "unknown owner 'zed' (team: alice, bob)"}]


def test_a_broken_config_is_reported_by_check_with_its_line(make_workspace, run):
    workspace = make_workspace({"a": simple_deal("a")}, config=CONFIG.replace("next_step: warn", "next_step: maybe"))
    result = run(workspace, "check")
    assert result.exit_code == 1
    assert result.stdout.startswith("pipelines.yaml:8: error: next_step must be one of strict, warn, off")



def test_history_before_a_pipeline_move_is_checked_against_the_old_pipeline(make_workspace):
    text = simple_deal("a", pipeline="partners", stage="intro", tasks="[]",
                       history="\n- stage: lead\n  date: 2026-11-01\n- stage: intro\n  date: 2026-11-02\n  pipeline: partners")
    assert [m for _, _, m in problems_for(make_workspace, text) if "history" in m] == []
    wrong = text.replace("- stage: intro\n  date: 2026-11-02", "- stage: lead\n  date: 2026-11-02")
    assert "history entry 2: unknown stage 'lead'" in [m for _, _, m in problems_for(make_workspace, wrong, name="wrong")]


def test_a_misspelt_field_is_a_warning_but_a_custom_one_is_not(make_workspace):
    found = problems_for(make_workspace, simple_deal("a", valeu=5, crm_url="https://x.example"))
    assert found == [(10, "warning", "unknown field 'valeu': did you mean 'value'?")]


def test_free_text_written_as_a_number_reads_as_text(make_workspace, run):
    text = simple_deal("a", account=1234, tags="[2026, eu]",
                       tasks="\n- id: 123456\n  text: 42\n  status: open",
                       activities="\n- date: 2026-11-02\n  kind: call\n  summary: 100")
    text = text.replace("---\n", "---\ncontacts:\n- name: 7\n  phone: 5551234\n", 1)
    assert problems_for(make_workspace, text) == []
    workspace = make_workspace({"a": text}, name="cli")
    shown = run(workspace, "show", "a").stdout
    assert "account:        1234" in shown and "tags:           2026, eu" in shown and "\n  123456 42\n" in shown
    assert run(workspace, "list", "--account", "123", "--tag", "2026", "--format", "csv").stdout.count("\n") == 2


def test_things_in_deals_that_are_not_deal_files_are_reported(make_workspace, run):
    workspace = make_workspace({"a": simple_deal("a")})
    (workspace.deals_dir / "x.md").mkdir()
    (workspace.deals_dir / "Notes.md").write_text("hi")
    found = {p.path: p.message for p in check_workspace(workspace, today(), [])}
    assert "not a deal file" in found["deals/x.md"] and "not a deal file" in found["deals/Notes.md"]
    added = run(workspace, "add", "X").stdout.strip()
    assert added.startswith("x-") and added in workspace.deal_ids()


def test_a_missing_deals_folder_is_an_error(make_workspace):
    workspace = make_workspace()
    workspace.deals_dir.rmdir()
    assert [str(p) for p in check_workspace(workspace, today(), [])] == [
        "deals: error: no deals/ folder: create it (pipe init makes one)"]


def test_values_too_large_to_add_up_stop_the_load(make_workspace, run):
    workspace = make_workspace({"a": simple_deal("a", value=10**35)})
    result = run(workspace, "show", "a")
    assert result.exit_code == 1 and result.stderr == "pipe: deals/a.md:6: value is too large (the limit is 10,000,000,000,000)\n"
    for args in (["list"], ["board"]):  # which go on without it
        result = run(workspace, *args)
        assert result.exit_code == 0
        assert result.stderr.endswith(
            "pipe: warning: deals/a.md:6: value is too large (the limit is 10,000,000,000,000) (deal left out)\n")


def test_a_date_in_bant_is_fine(make_workspace, run):
    text = simple_deal("a", bant="\n  timeline: 2027-03-31\n  budget: 25000")
    assert problems_for(make_workspace, text) == []


def test_a_title_over_several_lines_is_an_error(make_workspace):
    text = simple_deal("a", title="|\n  Acme\n  rollout")
    assert (3, "error", "title must be one line") in problems_for(make_workspace, text)
