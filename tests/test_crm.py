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
    table.write_text("Name,Company,Stage,Why\nAcme CRM rollouts,acme gmbh,lead,\nBolt pilot,Bolt,lead,\n"
                     "The Bolt pilot,Bolt,lead,\nAcme CRM rollout,Acme GmbH,lost,price\n", encoding="utf-8")
    args = ["import", str(table), "--map", "Name=title", "--map", "Company=account", "--map", "Stage=stage",
            "--map", "Why=lost_reason"]
    result = run(workspace, *args, "--dry-run")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "likely the same deal" in line]
    assert len(warnings) == 2
    assert "is likely the same deal as acme-rollout " in warnings[0]
    assert "bolt-pilot" in warnings[1].split("likely the same deal as")[1]
    forced = run(workspace, *args, "--force")
    assert forced.exit_code == 0 and "likely the same deal" not in forced.stderr
    assert "4 created" in forced.stdout  # a won or lost row is history: never warned about


def test_rows_their_system_keeps_apart_are_not_duplicates_of_each_other(make_workspace, run, tmp_path):
    # Maven's data: one account buys one product many times, each an opportunity with its own id
    workspace = make_workspace({"acme-rollout": ACME})
    table = tmp_path / "deals.csv"
    table.write_text("Id,Name,Company\nA1,Bolt pilot,Bolt\nA2,Bolt pilot,Bolt\nA3,Bolt pilot,Bolt\n"
                     "A4,Acme CRM rollout,Acme GmbH\n", encoding="utf-8")
    result = run(workspace, "import", str(table), "--id", "Id", "--map", "Name=title", "--map", "Company=account")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "likely the same deal" in line]
    # only the row like a deal already there without an id: the source's own rows are three records
    assert len(warnings) == 1 and "is likely the same deal as acme-rollout " in warnings[0]
    checked = run(workspace, "check")
    assert sorted(line.split(":")[0] for line in checked.stdout.splitlines() if "likely the same" in line) == [
        "deals/acme-crm-rollout.md", "deals/acme-rollout.md"]


def test_a_system_s_ids_are_told_apart_only_within_that_system(make_workspace, run, tmp_path):
    # the same deal in two CRMs during a move is still likely one deal
    (tmp_path / "pd.csv").write_text("Deal - ID,Deal - Title,Deal - Organization\n7,Bolt pilot,Bolt\n")
    (tmp_path / "hs.csv").write_text("Record ID,Deal Name,Associated Company\n7,Bolt pilot,Bolt\n")
    workspace = make_workspace()
    assert run(workspace, "import", str(tmp_path / "pd.csv"), "--preset", "pipedrive").exit_code == 0
    result = run(workspace, "import", str(tmp_path / "hs.csv"), "--preset", "hubspot")
    assert result.exit_code == 0, result.stderr
    assert "bolt-pilot-2 is likely the same deal as bolt-pilot " in result.stderr


def test_a_warning_names_three_others_and_counts_the_rest(make_workspace, run, tmp_path):
    deals = {f"bolt-{n}": simple_deal(f"bolt-{n}", title="Bolt pilot", account="Bolt") for n in range(1, 6)}
    workspace = make_workspace(deals)
    added = run(workspace, "add", "Bolt pilot", "--account", "Bolt")
    assert added.exit_code == 0, added.stderr
    assert "likely the same deal as bolt-1, bolt-2, bolt-3 and 2 more (" in added.stderr
    checked = run(workspace, "check")
    assert "deals/bolt-1.md: warning: likely the same deal as deals/bolt-2.md, deals/bolt-3.md, deals/bolt-4.md " \
        "and 2 more (" in checked.stdout


def test_an_import_warns_about_ten_likely_duplicates_then_counts_the_rest(make_workspace, run, tmp_path):
    workspace = make_workspace()
    table = tmp_path / "deals.csv"
    table.write_text("Name,Company\n" + "Bolt pilot,Bolt\n" * 14, encoding="utf-8")
    result = run(workspace, "import", str(table), "--map", "Name=title", "--map", "Company=account")
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if line.startswith("pipe: warning:")]
    assert len(warnings) == 11 and sum("is likely the same deal as" in line for line in warnings) == 10
    assert warnings[-1] == "pipe: warning: 3 more new deals are likely the same as others: 'pipe check' lists them all"


def crm_workspace(make_workspace):
    """Two accounts (one spelled two ways), contacts shared across deals, and one deal without an account."""
    activity = "activities:\n- date: 2026-11-20\n  kind: call\n  summary: Call\n- date: 2026-11-25\n  kind: note\n  summary: x"
    return make_workspace({
        "acme-a": simple_deal("acme-a", title="Acme rollout", account="Acme GmbH", value=10000, owner="bob",
                              contacts="\n- name: Jonas Weber\n  email: jonas@acme.example\n  role: CTO",
                              activities=activity[len("activities:"):]),
        "acme-b": simple_deal("acme-b", title="Acme support", account=" acme gmbh", value=2000, currency="USD",
                              created="2026-11-10", contacts="\n- name: Jonas W.\n  email: JONAS@acme.example\n"
                              "  role: CFO\n- name: Ana Lima"),
        "acme-won": simple_deal("acme-won", title="Acme pilot", account="Acme GmbH", stage="won", value=5000,
                                closed="2026-11-05", tasks="[]"),
        "bolt": simple_deal("bolt", title="Bolt deal", account="Bolt", value=700,
                            contacts="\n- name: Ana Lima\n  email: ana@bolt.example"),
        "loose": simple_deal("loose", title="No account", contacts="\n- name: Ana Lima"),
    })


def test_accounts_sum_open_and_won_deals_per_account_in_base_currency(make_workspace, run):
    workspace = crm_workspace(make_workspace)
    records = json.loads(run(workspace, "accounts", "--format", "json").stdout)
    assert [r["account"] for r in records] == ["acme gmbh", "Bolt"]  # the newest deal's spelling
    acme = records[0]
    assert (acme["open_deals"], acme["open_value"], acme["won_revenue"], acme["currency"]) == (2, 11800, 5000, "EUR")
    assert (acme["last_activity"], acme["owners"]) == ("2026-11-25", ["alice", "bob"])
    assert sorted(acme["deals"]) == ["acme-a", "acme-b", "acme-won"]
    text = run(workspace, "accounts").stdout.splitlines()
    assert text[0].split() == ["account", "open", "open", "EUR", "won", "EUR", "last", "owners"]
    assert text[2].split() == ["acme", "gmbh", "2", "11,800", "5,000", "2026-11-25", "alice,", "bob"]
    # the shared filters choose the deals accounts are made of
    only_bob = json.loads(run(workspace, "accounts", "--owner", "bob", "--format", "json").stdout)
    assert [(r["account"], r["open_deals"], r["won_revenue"]) for r in only_bob] == [("Acme GmbH", 1, 0)]
    csv_text = run(workspace, "accounts", "--open", "--format", "csv").stdout
    assert csv_text.splitlines()[0] == "account,open_deals,open_value,won_revenue,currency,last_activity,owners,deals"


def test_contacts_are_people_by_email_else_name_with_their_deals(make_workspace, run):
    workspace = crm_workspace(make_workspace)
    records = json.loads(run(workspace, "contacts", "--format", "json").stdout)
    assert [(r["name"], r["email"]) for r in records] == [
        ("Ana Lima", None), ("Ana Lima", "ana@bolt.example"), ("Jonas W.", "jonas@acme.example")]
    jonas = records[2]
    # name and role from the newest deal; the last call, not the note, on any of his deals
    assert (jonas["role"], jonas["deals"], jonas["accounts"]) == ("CFO", ["acme-a", "acme-b"], ["Acme GmbH", "acme gmbh"])
    assert jonas["last_interaction"] == "2026-11-20"
    assert records[0]["deals"] == ["acme-b", "loose"]
    filtered = json.loads(run(workspace, "contacts", "--account", "bolt", "--format", "json").stdout)
    assert [r["email"] for r in filtered] == ["ana@bolt.example"]
    md = run(workspace, "contacts", "--format", "md").stdout
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in md.splitlines()]
    assert ["Jonas W.", "jonas@acme.example", "CFO", "acme-a, acme-b", "2026-11-20"] in rows  # md: nothing cut


def test_accounts_and_contacts_fit_80_columns_on_the_sample_workspace(run):
    from pathlib import Path

    sample = Path(__file__).resolve().parent.parent
    for command in ("accounts", "contacts"):
        result = run(sample, command)
        assert result.exit_code == 0, result.stderr
        lines = result.stdout.splitlines()
        assert len(lines) > 20 and max(len(line) for line in lines) <= 80, command
    assert any("…" in line for line in run(sample, "contacts").stdout.splitlines())  # cut, not wrapped


def test_contact_add_appends_one_entry_and_leaves_every_other_line(make_workspace, run):
    workspace = crm_workspace(make_workspace)
    path = workspace.deal_path("acme-b")
    before = path.read_text(encoding="utf-8")
    result = run(workspace, "contact", "add", "acme-b", "Mia Roth <mia@acme.example>", "--role", "Head of IT")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "acme-b: contact added: Mia Roth <mia@acme.example> (Head of IT)\n"
    after = path.read_text(encoding="utf-8")
    added = "- name: Mia Roth\n  email: mia@acme.example\n  role: Head of IT\n"
    anchor = "- name: Ana Lima\n"
    assert after == before.replace(anchor, anchor + added)
    # the same email in another case is the same person: refused, nothing written
    failed(run(workspace, "contact", "add", "acme-b", "M. Roth <MIA@acme.example>"), "already has the contact Mia Roth")
    assert path.read_text(encoding="utf-8") == after
    failed(run(workspace, "contact", "add", "acme-b", "Bad <not-an-email>"), "contact")


def test_contact_rm_removes_the_one_named_and_refuses_an_ambiguous_name(make_workspace, run):
    workspace = crm_workspace(make_workspace)
    run(workspace, "contact", "add", "acme-b", "Ana Souza <ana@acme.example>")
    path = workspace.deal_path("acme-b")
    before = path.read_text(encoding="utf-8")
    line = failed(run(workspace, "contact", "rm", "acme-b", "ana"), "more than one contact")
    assert "Ana Lima; Ana Souza <ana@acme.example>" in line
    assert path.read_text(encoding="utf-8") == before
    failed(run(workspace, "contact", "rm", "acme-b", "zed"), "no contact 'zed' on acme-b")
    result = run(workspace, "contact", "rm", "acme-b", "JONAS@acme.example")
    assert result.stdout == "acme-b: contact removed: Jonas W. <JONAS@acme.example> (CFO)\n"
    assert path.read_text(encoding="utf-8") == before.replace(
        "- name: Jonas W.\n  email: JONAS@acme.example\n  role: CFO\n", "")
    run(workspace, "contact", "rm", "acme-b", "Ana Lima")
    run(workspace, "contact", "rm", "acme-b", "ana@acme.example")
    assert "contacts:" not in path.read_text(encoding="utf-8")  # the last one gone: the field goes


def test_contact_add_commits_with_commit(make_workspace, run, monkeypatch):
    from tests.conftest import committed_repository

    workspace = crm_workspace(make_workspace)
    git = committed_repository(workspace.root, monkeypatch)
    result = run(workspace, "contact", "add", "bolt", "Li Wei <li@bolt.example>", "--role", "CFO", "--commit")
    assert result.exit_code == 0, result.stderr
    assert git("log", "-1", "--format=%s").strip() == "contact add bolt: Li Wei <li@bolt.example> (CFO)"
    assert git("show", "--name-only", "--format=", "HEAD").split() == ["deals/bolt.md"]


def test_a_large_account_is_compared_by_the_same_words_only(monkeypatch):
    """Every pair of a thousand deals of one account took a minute in pipe check: past FUZZY_LIMIT deals in
    play, an account's titles are looked up by their words, never compared pair by pair."""
    from pipecli.core.model import duplicates

    calls = []
    real = duplicates.similar_titles
    monkeypatch.setattr(duplicates, "similar_titles", lambda *a, **k: calls.append(a) or real(*a, **k))
    index = duplicates.DuplicateIndex()
    for n in range(duplicates.FUZZY_LIMIT + 1):
        index.add(f"d{n}", f"Rollout site {n}", "Acme")
    index.add("same", "Site 7 rollout", "Acme")
    assert index.matches("Rollout site 7", "Acme", besides="d7") == ["same"] and calls == []
    small = duplicates.DuplicateIndex()
    small.add("a", "Acme rollout", "Acme")
    assert small.matches("Acme rolout", "Acme") == ["a"] and calls  # a typo, in a small account
