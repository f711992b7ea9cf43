"""pipe import: the presets' stages in each CRM's own order, and lost reasons mapped to the workspace's list.

Each preset is tried on a small export made by hand in tests/data/import (`*-stages.csv`: one row per
stage of the CRM's documented default pipeline, by label and, where the CRM exports either, by
internal id); the real Salesforce demo export is tried in tests/test_import.py (with the other tests that
read the shared datasets), against the order its own StageSortOrder column gives.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.test_import import (deals_by_external_id, default_workspace,  # noqa: F401,F811  (fixtures)
                               nobody_in_particular, one_line_error, snapshot, workspace)

DATA = Path(__file__).resolve().parent / "data" / "import"
ORDER = ["lead", "contacted", "qualified", "proposal", "won", "lost"]  # pipe init's sales pipeline


def stages_by_row(workspace, path: Path, id_column: str, stage_column: str) -> list[tuple[str, str]]:
    """(the file's stage, the imported deal's stage) for each row, in the file's order."""
    deals = deals_by_external_id(workspace.root)
    with open(path, newline="", encoding="utf-8") as handle:
        return [(row[stage_column], deals[row[id_column]].stage) for row in csv.DictReader(handle)]


def assert_in_order(landed: list[str]) -> None:
    """Open stages never go back along the CRM's order; won and lost come last."""
    positions = [ORDER.index(stage) for stage in landed]
    assert positions == sorted(positions), landed


# -- stages, in each CRM's order ---------------------------------------------------------------------

HUBSPOT = [  # HubSpot's default pipeline: stageId, label, in displayOrder (its Deal Pipelines API docs)
    ("appointmentscheduled", "Appointment Scheduled", "contacted"),
    ("qualifiedtobuy", "Qualified To Buy", "qualified"),
    ("presentationscheduled", "Presentation Scheduled", "qualified"),
    ("decisionmakerboughtin", "Decision Maker Bought-In", "proposal"),
    ("contractsent", "Contract Sent", "proposal"),
    ("closedwon", "Closed Won", "won"),
    ("closedlost", "Closed Lost", "lost"),
]


def test_hubspot_stages_by_label_and_by_id_land_in_order(default_workspace, run):
    path = DATA / "hubspot-stages.csv"
    result = run(default_workspace, "import", str(path), "--preset", "hubspot")
    assert result.exit_code == 0, result.output
    assert result.stdout == "imported: 14 created, 0 updated, 0 skipped\n"
    landed = dict(stages_by_row(default_workspace, path, "Record ID", "Deal Stage"))
    for stage_id, label, expected in HUBSPOT:
        assert (landed[label], landed[stage_id]) == (expected, expected), label
    assert_in_order([landed[label] for _, label, _ in HUBSPOT])
    lost = [d for d in deals_by_external_id(default_workspace.root).values() if d.stage == "lost"]
    assert [d.lost_reason for d in lost] == ["price", "price"]  # "Too expensive", by the preset's lost_reasons
    assert run(default_workspace, "check").exit_code == 0


def test_hubspot_labels_in_sentence_case_are_read_too(default_workspace, run, tmp_path):
    """Newer HubSpot accounts show the same stages as "Qualified to buy", "Closed won": the map ignores case."""
    rows = [f"{n},Deal {n},{label},2026-11-02,2026-10-01,Too expensive"
            for n, label in enumerate(["Appointment scheduled", "Qualified to buy", "Presentation scheduled",
                                       "Decision maker bought-in", "Contract sent", "Closed won", "closed  LOST"], 1)]
    (tmp_path / "hs.csv").write_text("Record ID,Deal Name,Deal Stage,Close Date,Create Date,Closed Lost Reason\n"
                                     + "\n".join(rows) + "\n", encoding="utf-8")
    result = run(default_workspace, "import", str(tmp_path / "hs.csv"), "--preset", "hubspot")
    assert result.exit_code == 0, result.output
    deals = deals_by_external_id(default_workspace.root)
    assert [deals[str(n)].stage for n in range(1, 8)] == [stage for _, _, stage in HUBSPOT]


PIPEDRIVE_OLDER = [("Lead In", "lead"), ("Contact Made", "contacted"), ("Needs Defined", "qualified"),
                   ("Proposal Made", "proposal"), ("Negotiations Started", "proposal")]
PIPEDRIVE_NEWER = [("Qualified", "lead"), ("Contact Made", "contacted"), ("Demo Scheduled", "qualified"),
                   ("Proposal Made", "proposal"), ("Negotiations Started", "proposal")]


def test_pipedrive_stages_of_both_default_pipelines_land_in_order(default_workspace, run):
    path = DATA / "pipedrive-stages.csv"
    result = run(default_workspace, "import", str(path), "--preset", "pipedrive")
    assert result.exit_code == 0, result.output
    deals = deals_by_external_id(default_workspace.root)
    landed = {deal.title: deal.stage for deal in deals.values()}
    for pipeline in (PIPEDRIVE_OLDER, PIPEDRIVE_NEWER):
        for name, expected in pipeline:
            assert landed[name] == expected, name
        assert_in_order([landed[name] for name, _ in pipeline])
    # won and lost are Pipedrive's Status, whatever the stage the deal was last in
    assert (deals["8"].stage, deals["9"].stage, deals["9"].lost_reason) == ("won", "lost", "competitor")


SALESFORCE_STAGES = [("Prospecting", "lead"), ("Qualification", "qualified"), ("Needs Analysis", "qualified"),
                     ("Value Proposition", "qualified"), ("Id. Decision Makers", "proposal"),
                     ("Perception Analysis", "proposal"), ("Proposal/Price Quote", "proposal"),
                     ("Negotiation/Review", "proposal"), ("Closed Won", "won"), ("Closed Lost", "lost")]


def test_salesforce_standard_stages_land_in_order(default_workspace, run):
    path = DATA / "salesforce-stages.csv"
    result = run(default_workspace, "import", str(path), "--preset", "salesforce")
    assert result.exit_code == 0, result.output
    landed = dict(stages_by_row(default_workspace, path, "Id", "StageName"))
    assert landed == dict(SALESFORCE_STAGES)
    assert_in_order([landed[name] for name, _ in SALESFORCE_STAGES])


# -- lost reasons ----------------------------------------------------------------------------------

HEADER = "ID,Name,Stage,Created,Closed,Reason\n"


def lost_rows(*reasons: str) -> str:
    return HEADER + "".join(f"L-{n},Deal {n},lost,2026-09-01,2026-10-01,{reason}\n"
                            for n, reason in enumerate(reasons, 1))


def write_import(tmp_path: Path, csv_text: str, rules_extra: str = "") -> tuple[Path, Path]:
    (tmp_path / "deals.csv").write_text(csv_text, encoding="utf-8")
    rules = tmp_path / "deals.rules.yaml"
    rules.write_text("id: ID\nfields: {title: Name, stage: Stage, created: Created, closed: Closed,"
                     " lost_reason: Reason}\n" + rules_extra, encoding="utf-8")
    return tmp_path / "deals.csv", rules


def test_lost_reasons_are_mapped_whatever_the_case_and_spacing(workspace, run, tmp_path):
    data, rules = write_import(tmp_path, lost_rows("Too expensive", "too  EXPENSIVE ", "Went with competitor",
                                                   "PRICE"),
                               'lost_reasons: {"Too expensive": price, "went with  competitor": Competitor}\n')
    result = run(workspace, "import", str(data), "--rules", str(rules))
    assert result.exit_code == 0, result.output
    deals = deals_by_external_id(workspace.root)
    # a reason already in the workspace's list ("PRICE") is that reason, in the workspace's spelling
    assert [deals[f"L-{n}"].lost_reason for n in range(1, 5)] == ["price", "price", "competitor", "price"]
    assert run(workspace, "check").exit_code == 0


def test_a_default_takes_every_reason_the_mapping_does_not_name(workspace, run, tmp_path):
    data, rules = write_import(tmp_path, lost_rows("Budget cut", "Too expensive", "Reorg"),
                               'lost_reasons: {"Too expensive": price, default: stale}\n')
    result = run(workspace, "import", str(data), "--rules", str(rules))
    assert result.exit_code == 0, result.output
    deals = deals_by_external_id(workspace.root)
    assert [deals[f"L-{n}"].lost_reason for n in range(1, 4)] == ["stale", "price", "stale"]


def test_unmapped_lost_reasons_are_named_once_each_in_one_line(workspace, run, tmp_path):
    data, rules = write_import(tmp_path, lost_rows("Budget cut", "budget  cut", "Reorg", "Budget Cut", "price",
                                                   'Said "no"'))
    before = snapshot(workspace.root)
    line = one_line_error(run(workspace, "import", str(data), "--rules", str(rules)))
    assert line == (
        f"pipe: {data}: nothing imported: 3 rows have lost reason \"Budget cut\"; 1 row has lost reason \"Reorg\"; "
        "1 row has lost reason \"Said \\\"no\\\"\", which are not in this workspace's list (price, competitor, "
        "stale): add  lost_reasons: {\"Budget cut\": <reason>, \"Reorg\": <reason>, \"Said \\\"no\\\"\": <reason>}  "
        "to the rules file, or default: <reason> for every reason it does not name")
    assert snapshot(workspace.root) == before
    # the line to add, pasted as it is (each <reason> filled in), imports every row
    entries = line.split("add  lost_reasons: ")[1].split("  to the rules file")[0].replace("<reason>", "stale")
    rules.write_text(rules.read_text(encoding="utf-8") + f"lost_reasons: {entries}\n", encoding="utf-8")
    result = run(workspace, "import", str(data), "--rules", str(rules))
    assert result.exit_code == 0, result.output
    assert sorted(d.lost_reason for d in deals_by_external_id(workspace.root).values()) == ["price"] + ["stale"] * 5


def test_a_reason_mapped_to_one_the_workspace_lacks_is_named_with_its_mapping(workspace, run, tmp_path):
    data, rules = write_import(tmp_path, lost_rows("Too expensive", "Too expensive"),
                               'lost_reasons: {"Too expensive": pricey}\n')
    line = one_line_error(run(workspace, "import", str(data), "--rules", str(rules)))
    assert "2 rows have lost reason \"Too expensive\" (mapped to 'pricey'), which is not in this workspace's list" in line
    assert 'add  lost_reasons: {"Too expensive": <reason>}  to the rules file' in line


def test_a_default_the_workspace_lacks_is_named_as_the_default(workspace, run, tmp_path):
    data, rules = write_import(tmp_path, lost_rows("Budget cut"), "lost_reasons: {default: other}\n")
    line = one_line_error(run(workspace, "import", str(data), "--rules", str(rules)))
    assert "1 row has lost reason \"Budget cut\" (mapped to 'other' by default:), which is not in" in line


def test_a_preset_maps_common_reasons_and_a_rules_file_adds_the_rest(default_workspace, run, tmp_path):
    header = "Record ID,Deal Name,Deal Stage,Close Date,Create Date,Closed Lost Reason\n"
    rows = ["1,One,Closed Lost,2026-10-01,2026-09-01,Went with competitor",
            "2,Two,closedlost,2026-10-01,2026-09-01,Budget cut",
            "3,Three,Closed Lost,2026-10-01,2026-09-01,no  BUDGET"]
    (tmp_path / "hs.csv").write_text(header + "\n".join(rows) + "\n", encoding="utf-8")
    line = one_line_error(run(default_workspace, "import", str(tmp_path / "hs.csv"), "--preset", "hubspot"))
    assert line.endswith('1 row has lost reason "Budget cut", which is not in this workspace\'s list (price, '
                         "competitor, no budget, no decision, bad timing, not a fit, stale): add  lost_reasons: "
                         '{"Budget cut": <reason>}  to a rules file (--rules), or default: <reason> for every '
                         "reason it does not name"), line
    (tmp_path / "mine.rules.yaml").write_text('lost_reasons: {"Budget cut": no budget}\n', encoding="utf-8")
    result = run(default_workspace, "import", str(tmp_path / "hs.csv"), "--preset", "hubspot",
                 "--rules", str(tmp_path / "mine.rules.yaml"))
    assert result.exit_code == 0, result.output
    deals = deals_by_external_id(default_workspace.root)
    assert [deals[n].lost_reason for n in "123"] == ["competitor", "no budget", "no budget"]


@pytest.mark.parametrize("value, expected", [
    ("[price, competitor]", "'lost_reasons' must be a mapping"),
    ('{"Too expensive": [price]}', "lost_reasons: 'Too expensive' must map to one of the workspace's lost reasons"),
    ('{"Too expensive": }', "lost_reasons: 'Too expensive' must map to one of the workspace's lost reasons"),
])
def test_a_malformed_lost_reasons_mapping_is_one_line(workspace, run, tmp_path, value, expected):
    data, rules = write_import(tmp_path, lost_rows("price"), f"lost_reasons: {value}\n")
    assert expected in one_line_error(run(workspace, "import", str(data), "--rules", str(rules)))

