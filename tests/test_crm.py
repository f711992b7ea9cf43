"""What a CRM user expects: likely duplicates named on add and import, accounts and contacts as views over the
deals, and one contact added or removed without rewriting the list."""

from __future__ import annotations

import json

from tests.conftest import failed, simple_deal

ACME = simple_deal("acme-rollout", title="Acme CRM rollout", account="Acme GmbH")


def test_add_names_an_open_deal_with_the_same_account_and_a_similar_title(make_workspace, run):
    workspace = make_workspace({"acme-rollout": ACME})
    result = run(workspace, "add", "acme crm roll-out", "--account", " ACME GmbH ", "--next", "Call", "--due", "2d")
    assert result.exit_code == 0, result.stderr
    new_id = result.stdout.strip()
    assert (f"pipe: warning: {new_id} is likely the same deal as acme-rollout (same account, similar title"
            in result.stderr)
    assert (workspace.root / "deals" / f"{new_id}.md").exists()  # a warning: the deal is added all the same


def test_add_force_skips_the_duplicate_warning_and_other_deals_raise_none(make_workspace, run):
    lost = simple_deal("old", title="Acme CRM rollout", account="Acme GmbH", stage="lost", closed="2026-11-02",
                       lost_reason="price", tasks="[]")
    workspace = make_workspace({"acme-rollout": ACME, "old": lost})
    forced = run(workspace, "add", "Acme CRM rollout", "--account", "Acme GmbH", "--next", "x", "--due", "2d", "--force")
    assert forced.exit_code == 0 and "likely the same deal" not in forced.stderr
    elsewhere = run(workspace, "add", "Acme CRM rollout", "--account", "Bolt", "--next", "x", "--due", "2d")
    assert elsewhere.exit_code == 0 and "likely the same deal" not in elsewhere.stderr
    other = run(workspace, "add", "Acme support contract", "--account", "Acme GmbH", "--next", "x", "--due", "2d")
    assert other.exit_code == 0 and "likely the same deal" not in other.stderr
    # a won or lost deal is not duplicated by a new one: only `old` matches here, and it is lost
    workspace.deal_path("acme-rollout").unlink()
    again = run(workspace, "add", "Acme CRM rollout", "--account", "Acme GmbH", "--next", "x", "--due", "2d")
    assert "likely the same deal as old" not in again.stderr


def test_import_warns_about_each_new_deal_likely_duplicating_another(make_workspace, run, tmp_path):
    workspace = make_workspace({"acme-rollout": ACME})
    table = tmp_path / "deals.csv"
    table.write_text("Name,Company\nAcme CRM rollouts,acme gmbh\nBolt pilot,Bolt\nThe Bolt pilot,Bolt\n", encoding="utf-8")
    args = ["import", str(table), "--map", "Name=title", "--map", "Company=account"]
    result = run(workspace, *args, "--dry-run")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "likely the same deal" in line]
    assert len(warnings) == 2
    assert "is likely the same deal as acme-rollout " in warnings[0]
    assert "bolt-pilot" in warnings[1].split("likely the same deal as")[1]
    forced = run(workspace, *args, "--force")
    assert forced.exit_code == 0 and "likely the same deal" not in forced.stderr
    assert "3 created" in forced.stdout
