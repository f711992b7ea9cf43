"""Review of issue 18's imports and exact output: what a hostile user found, held by a test each."""

from __future__ import annotations

from tests.test_import import (deals_by_external_id, nobody_in_particular,  # noqa: F401,F811  (fixtures)
                               one_line_error, snapshot, workspace)
from tests.test_import_mapping import lost_rows, write_import


def test_skip_bad_sets_aside_a_row_whose_lost_reason_is_not_mapped(workspace, run, tmp_path):
    # it was neither imported nor written to the rejects: the row was lost without a word
    data, rules = write_import(tmp_path, lost_rows("Too expensive", "Reorg", "price", "Reorg"),
                               'lost_reasons: {"Too expensive": price}\n')
    result = run(workspace, "import", str(data), "--rules", str(rules), "--skip-bad")
    assert result.exit_code == 0, result.output
    assert result.stdout == "imported: 2 created, 0 updated, 0 skipped, 2 rejected\n"
    rejects = (tmp_path / "deals.rejected.csv").read_text(encoding="utf-8").splitlines()
    assert [line.split(",")[0] for line in rejects] == ["ID", "L-2", "L-4"]
    assert 'lost reason ""Reorg"" is not in' in rejects[1] and "lost_reasons:" in rejects[1]
    assert sorted(deals_by_external_id(workspace.root)) == ["L-1", "L-3"]


def test_skip_bad_dry_run_names_the_rows_with_an_unmapped_lost_reason(workspace, run, tmp_path):
    data, rules = write_import(tmp_path, lost_rows("Reorg", "price"))
    result = run(workspace, "import", str(data), "--rules", str(rules), "--skip-bad", "--dry-run")
    assert result.exit_code == 0, result.output
    assert [line.split(" (")[0] for line in result.stdout.splitlines()] == ["row 2: reject", "row 3: create deal-2"]
    assert result.stderr.splitlines()[-1] == "dry run: 1 to create, 0 to update, 0 to skip, 1 to reject; nothing changed"


def test_ten_thousand_unmapped_lost_reasons_make_a_line_a_person_can_read(workspace, run, tmp_path):
    # every distinct reason was named twice (counted, then in the line to paste): a 750 kB line
    data, rules = write_import(tmp_path, lost_rows(*(f"reason number {n}" for n in range(10_000))))
    before = snapshot(workspace.root)
    line = one_line_error(run(workspace, "import", str(data), "--rules", str(rules)))
    assert len(line) < 2_000, len(line)
    assert "10000 lost reasons" in line and "and 9990 more" in line
    assert 'lost_reasons: {"reason number 0": <reason>' in line and "default: <reason>" in line
    assert snapshot(workspace.root) == before


def test_skip_bad_adds_no_team_member_whose_only_rows_were_rejected(workspace, run, tmp_path):
    # --add-owners added 'Zed Zulu' to pipelines.yaml although the one row he owned was not imported
    data = tmp_path / "owners.csv"
    data.write_text("id,title,stage,owner,created\n1,A,lead,Zed Zulu,notadate\n2,B,lead,Yan Young,2026-01-01\n",
                    encoding="utf-8")
    config = (workspace.root / "pipelines.yaml").read_text(encoding="utf-8")
    result = run(workspace, "import", str(data), "--id", "id", "--map", "title=title", "--map", "stage=stage",
                 "--map", "owner=owner", "--map", "created=created", "--add-owners", "--skip-bad", "--next", "Call")
    assert result.exit_code == 0, result.output
    assert result.stdout == "imported: 1 created, 0 updated, 0 skipped, 1 rejected\n"
    assert "new team members: yan-young (Yan Young)\n" in result.stderr
    after = (workspace.root / "pipelines.yaml").read_text(encoding="utf-8")
    assert "Yan Young" in after and "Zed Zulu" not in after and after != config
    assert run(workspace, "check").exit_code == 0


def test_a_lost_reason_spelled_with_decomposed_accents_is_the_same_reason(workspace, run, tmp_path):
    # "Prix élevé" typed in the rules file (é as one character) and exported by a Mac app (e + a combining
    # accent) look the same on screen; the mapping did not find it and the import was refused
    typed, exported = "Prix \u00e9lev\u00e9", "Prix e\u0301leve\u0301"
    data, rules = write_import(tmp_path, lost_rows(exported), f'lost_reasons: {{"{typed}": price}}\n')
    result = run(workspace, "import", str(data), "--rules", str(rules))
    assert result.exit_code == 0, result.output
    assert deals_by_external_id(workspace.root)["L-1"].lost_reason == "price"


def test_history_columns_cannot_date_a_won_or_lost_stage(workspace, run, tmp_path):
    # history: {won: won_on} made a lost row's story lead -> won -> lost, which pipe check accepted
    data = tmp_path / "deals.csv"
    data.write_text("id,title,stage,created,closed,won_on\n1,A,lost,2026-01-01,2026-02-01,2026-01-10\n", encoding="utf-8")
    rules = tmp_path / "deals.rules.yaml"
    rules.write_text("id: id\nfields: {title: title, stage: stage, created: created, closed: closed}\n"
                     "defaults: {lost_reason: price}\nhistory: {won: won_on}\n", encoding="utf-8")
    before = snapshot(workspace.root)
    line = one_line_error(run(workspace, "import", str(data), "--rules", str(rules)))
    assert "row 2: history: won is a won stage" in line and "closed:" in line
    assert snapshot(workspace.root) == before


def test_ten_thousand_unknown_stages_and_owners_make_a_line_a_person_can_read(workspace, run, tmp_path):
    data = tmp_path / "deals.csv"
    data.write_text("id,title,stage,owner,created\n" + "".join(f"{n},T{n},stage {n},Owner {n},2026-01-01\n"
                                                               for n in range(10_000)), encoding="utf-8")
    line = one_line_error(run(workspace, "import", str(data), "--id", "id", "--map", "title=title", "--map",
                              "stage=stage", "--map", "owner=owner", "--map", "created=created"))
    assert len(line) < 2_000, len(line)
    assert "unknown stages in pipeline sales: 'stage 0' (rows 2);" in line and "; and 9990 more; map each" in line
    assert "unknown owners: 'Owner 0' (rows 2);" in line and "; and 9990 more; add them to the team" in line
