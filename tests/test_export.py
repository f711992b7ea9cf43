"""pipe export: every field of every selected deal as csv, json, jsonl, xlsx and sqlite."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sqlite3
from pathlib import Path

import openpyxl
import pytest

from pipecli.core.store.workspace import Workspace
from pipecli.render.export import FORMULA_STARTS, neutralise
from pipecli.render.formats import plain
from tests.conftest import deal_text, simple_deal

ROOT = Path(__file__).resolve().parent.parent

# A deal with every kind of field: contacts, bant, tags, history (a pipeline change, a forced move),
# close changes, tasks (done, snoozed, suggested, a key pipe does not know), activities with a time
# and multi-line notes, an external id, unknown top-level keys, and multi-line unicode notes.
FULL = deal_text(
    """
    id: full
    title: Zürich Café rollout ☕
    pipeline: sales
    stage: proposal
    value: 12000.50
    currency: USD
    probability: 55
    owner: alice
    account: Café Zürich AG
    contacts:
    - name: Jonas Weber
      email: jonas@cafe.example
      role: CTO
    - {email: ops@cafe.example}
    - {name: Søren, phone: 0800 123}
    source: referral
    tags: [eu, smb]
    created: 2026-09-01
    expected_close: 2027-01-31
    bant:
      budget: 18k approved
      authority: Jonas + CFO
      need: "logs from 40 hosts\\u2028and more"
      timeline: '2027-03-31'
    history:
    - {stage: intro, date: 2026-09-01, by: bob}
    - {stage: lead, date: 2026-09-10, pipeline: sales, by: alice}
    - {stage: proposal, date: 2026-10-01, by: alice, forced: [bant.budget, bant.timeline]}
    close_changes:
    - {date: 2026-10-05, from: 2026-12-31, to: 2027-01-31}
    tasks:
    - {id: ab3def, text: Send pricing, due: 2026-10-10, assignee: alice, status: done, created: 2026-10-01, done: 2026-10-09}
    - {id: cd4efg, text: Call at 12:30, due: 2026-12-02, created: 2026-11-20, crm: 7}
    - {id: gh5ijk, text: Check back, status: open, snoozed_until: 2027-01-05, created: 2026-11-20, suggested: inactive}
    activities:
    - {date: 2026-09-02, time: '09:40', kind: email, direction: in, by: alice, summary: Asked about SSO}
    - date: 2026-10-02
      time: 14:30
      kind: meeting
      by: bob
      summary: Demo for the CTO
      notes: |-
        Went well.
        Next: security review — ask Søren.
      id: act1
    external_id: 42
    crm_ref: 01234
    custom:
      score: 0.75
      seen: [1, two, true, null]
    """,
    """
    # Zürich Café

    - first point: **bold** ✓
    - second line, with "quotes", commas; and a tab\there

    Ende. 日本語 🚀
    """,
)

# One text per dangerous first character, and one that already starts with a quote and a formula.
FORMULAS = deal_text(
    """
    id: formulas
    title: =HYPERLINK("http://evil.example","click")
    pipeline: sales
    stage: lead
    value: 5
    currency: EUR
    owner: bob
    account: +1+1
    created: 2026-11-01
    bant:
      budget: -2+3
      authority: '@SUM(A1:A9)'
      need: "\\tcmd"
      timeline: "\\rcmd"
    lost_note: "'=already quoted"
    tags: [-x, '@y']
    history:
    - {stage: lead, date: 2026-11-01}
    tasks:
    - {id: ta1234, text: =1+2, due: 2026-12-01, status: open}
    activities:
    - {date: 2026-11-02, kind: note, summary: '@here look'}
    """,
    "-rm -rf starts the notes\n",
)

DANGEROUS_CELLS = {
    "title": '=HYPERLINK("http://evil.example","click")',
    "account": "+1+1",
    "bant.budget": "-2+3",
    "bant.authority": "@SUM(A1:A9)",
    "bant.need": "\tcmd",
    "bant.timeline": "\rcmd",
    "notes": "-rm -rf starts the notes\n",
}

# Fields of the deal file that are dates, which json gives as ISO text.
DATE_FIELDS = ("created", "expected_close", "closed")
ENTRY_DATES = {"history": ("date",), "close_changes": ("date", "from", "to"),
               "tasks": ("due", "snoozed_until", "created", "done"), "activities": ("date",)}


def revive(record: dict) -> tuple[dict, str]:
    """A deal object of the json export back as (frontmatter data, notes): the date fields as dates."""
    data = dict(record)
    notes = data.pop("notes")
    for key in DATE_FIELDS:
        if isinstance(data.get(key), str):
            data[key] = dt.date.fromisoformat(data[key])
    for key, names in ENTRY_DATES.items():
        if isinstance(data.get(key), list):
            data[key] = [{k: dt.date.fromisoformat(v) if k in names and isinstance(v, str) else v
                          for k, v in entry.items()} for entry in data[key]]
    return data, notes


def unneutralise(cell: str) -> str:
    """The documented reverse of the csv rule: a cell of quotes ' then a formula character lost one '."""
    rest = cell.lstrip("'")
    return cell[1:] if cell[:1] == "'" and rest and rest[0] in FORMULA_STARTS else cell


@pytest.fixture
def workspace(make_workspace):
    return make_workspace({
        "full": FULL,
        "formulas": FORMULAS,
        "plain": simple_deal("plain", owner="bob", tags="[eu]"),
        "won-one": simple_deal("won-one", stage="won", closed="2026-11-10", value=3000,
                               history="\n- {stage: lead, date: 2026-11-01}\n- {stage: won, date: 2026-11-10}",
                               tasks="[]"),
    })


def csv_rows(text: str) -> tuple[list[str], list[dict]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader)
    return header, [dict(zip(header, row)) for row in reader]


# -- json and jsonl ---------------------------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_json_and_jsonl_give_back_every_deal_exactly(workspace, run, fmt):
    result = run(workspace, "export", "--format", fmt)
    assert result.exit_code == 0, result.stderr
    if fmt == "json":
        records = json.loads(result.stdout)
    else:
        lines = result.stdout.splitlines()  # splits on U+2028 too: the one in a bant answer is escaped
        assert len(lines) == 4 and result.stdout.endswith("}\n") and "\\u2028" in result.stdout
        records = [json.loads(line) for line in lines]
    assert [r["id"] for r in records] == ["formulas", "full", "plain", "won-one"]  # id order
    for record in records:
        deal = workspace.load(record["id"])
        data, notes = revive(record)
        assert data == deal.data and notes == deal.body
        assert list(record)[:-1] == list(deal.data) and list(record)[-1] == "notes"  # the file's key order
    full = records[1]
    assert full["crm_ref"] == "01234" and full["external_id"] == 42 and full["value"] == 12000.5
    assert full["bant"]["timeline"] == "2027-03-31" and full["custom"] == {"score": 0.75, "seen": [1, "two", True, None]}
    assert full["activities"][1]["notes"] == "Went well.\nNext: security review — ask Søren."
    assert full["tasks"][1]["crm"] == 7 and full["history"][2]["forced"] == ["bant.budget", "bant.timeline"]
    assert "Ende. 日本語 🚀" in full["notes"]


def test_json_refuses_a_deal_with_a_notes_field(make_workspace, run, tmp_path):
    workspace = make_workspace({"acme": simple_deal("acme", notes="my own field")})
    for fmt in ("json", "jsonl"):
        result = run(workspace, "export", "--format", fmt, "-o", str(tmp_path / "out.json"))
        assert result.exit_code == 1 and result.stdout == ""
        assert result.stderr == ("pipe: deals/acme.md has a field 'notes', which the export uses for the notes below "
                                 "the frontmatter: rename it (pipe edit acme) or export as csv, xlsx or sqlite\n")
    assert not (tmp_path / "out.json").exists()
    # csv keeps it in `extra`, apart from the notes body
    header, rows = csv_rows(run(workspace, "export").stdout)
    assert json.loads(rows[0]["extra"]) == {"notes": "my own field"} and rows[0]["notes"] == ""


# -- csv --------------------------------------------------------------------------------------------

def test_csv_columns_and_cells(workspace, run):
    result = run(workspace, "export")  # csv is the default
    assert result.exit_code == 0, result.stderr
    header, rows = csv_rows(result.stdout)
    assert header == [
        "id", "title", "pipeline", "stage", "value", "currency", "probability", "owner", "account", "source",
        "tags", "created", "expected_close", "closed", "lost_reason", "contacts",
        "bant.budget", "bant.authority", "bant.need", "bant.timeline", "external_id", "notes",
        "contacts_json", "history", "close_changes", "tasks", "activities", "extra",
    ]
    row = {r["id"]: r for r in rows}["full"]
    deal = workspace.load("full")
    assert row["title"] == "Zürich Café rollout ☕" and row["value"] == "12000.5" and row["probability"] == "55"
    assert row["tags"] == "eu, smb" and row["created"] == "2026-09-01" and row["closed"] == ""
    assert row["contacts"] == "Jonas Weber <jonas@cafe.example>; ops@cafe.example; Søren"
    assert row["bant.timeline"] == "2027-03-31" and row["external_id"] == "42"
    assert row["notes"] == deal.body
    # The lists, whole, as JSON text: exactly the json export's.
    assert json.loads(row["contacts_json"]) == plain(deal.data["contacts"])
    for key in ("history", "close_changes", "tasks", "activities"):
        assert json.loads(row[key]) == plain(deal.data[key]), key
    assert json.loads(row["extra"]) == {"crm_ref": "01234", "custom": {"score": 0.75, "seen": [1, "two", True, None]}}
    plain_row = {r["id"]: r for r in rows}["plain"]
    assert plain_row["close_changes"] == "" and plain_row["extra"] == "" and plain_row["external_id"] == ""
    assert {r["id"]: r for r in rows}["won-one"]["tasks"] == "[]"


def test_csv_has_no_external_id_column_when_no_deal_has_one(make_workspace, run):
    header, _ = csv_rows(run(make_workspace({"a": simple_deal("a")}), "export").stdout)
    assert "external_id" not in header and header[-7:] == [
        "notes", "contacts_json", "history", "close_changes", "tasks", "activities", "extra"]


def test_csv_neutralises_every_formula_start_in_text_cells_only(workspace, run):
    header, rows = csv_rows(run(workspace, "export").stdout)
    row = {r["id"]: r for r in rows}["formulas"]
    for column, text in DANGEROUS_CELLS.items():
        assert row[column] == "'" + text, column
        assert unneutralise(row[column]) == text
    assert {text[0] for text in DANGEROUS_CELLS.values()} == set(FORMULA_STARTS)
    assert row["tags"] == "'-x, @y" and row["value"] == "5"  # a number pipe writes is left alone
    assert json.loads(row["extra"]) == {"lost_note": "'=already quoted"}  # inside JSON: starts with {
    assert json.loads(row["tasks"])[0]["text"] == "=1+2"
    # Clean text is untouched.
    assert row["id"] == "formulas" and row["owner"] == "bob" and row["created"] == "2026-11-01"


def test_neutralise_reverses_exactly():
    texts = ["=1", "+1", "-1", "@a", "\ta", "\ra", "'=1", "''=1", "'plain", "'", "''", "", "plain", "a=b", "'-",
             " =1", "\n=1"]
    for text in texts:
        assert unneutralise(neutralise(text)) == text, repr(text)
    # and no two texts give the same cell
    assert len({neutralise(t) for t in texts}) == len(texts)
    assert neutralise("'=x") == "''=x" and neutralise("'x") == "'x" and neutralise("x-1") == "x-1"


# -- xlsx -------------------------------------------------------------------------------------------

def test_xlsx_sheets_typed_cells_and_no_formulas(workspace, run, tmp_path):
    target = tmp_path / "deals.xlsx"
    result = run(workspace, "export", "--format", "xlsx", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "" and result.stderr == f"exported 4 deals to {target}\n"
    book = openpyxl.load_workbook(target)
    assert book.sheetnames == ["deals", "history", "tasks", "activities"]
    sheet = book["deals"]
    header = [c.value for c in sheet[1]]
    csv_header, _ = csv_rows(run(workspace, "export").stdout)
    assert header == csv_header
    rows = {r[0].value: {h: c for h, c in zip(header, r)} for r in sheet.iter_rows(min_row=2)}
    full = rows["full"]
    assert full["value"].value == 12000.5 and full["value"].data_type == "n"
    assert full["created"].value == dt.datetime(2026, 9, 1) and full["created"].is_date
    assert full["external_id"].value == 42 and full["bant.timeline"].value == "2027-03-31"
    assert full["notes"].value == workspace.load("full").body
    assert json.loads(full["tasks"].value)[1]["crm"] == 7

    formulas = rows["formulas"]
    for column, text in DANGEROUS_CELLS.items():
        cell = formulas[column]
        if text.startswith("\r"):  # XML reads a CR as a line feed, which no spreadsheet runs
            assert cell.data_type == "s" and cell.value == "\n" + text[1:] and not cell.quotePrefix
            continue
        # A text cell showing the text as it is, marked with Excel's quote prefix: never a formula.
        assert cell.data_type == "s" and cell.value == text and cell.quotePrefix, column
    assert formulas["tags"].value == "-x, @y" and formulas["tags"].quotePrefix
    assert formulas["owner"].value == "bob" and not formulas["owner"].quotePrefix

    tasks = [[c.value for c in r] for r in book["tasks"].iter_rows()]
    assert tasks[0] == ["deal_id", "number", "id", "text", "due", "assignee", "status", "snoozed_until",
                        "created", "done", "suggested", "extra"]
    by_ref = {(r[0], r[1]): r for r in tasks[1:]}
    assert by_ref[("full", 2)][6] == "open" and json.loads(by_ref[("full", 2)][11]) == {"crm": 7}
    assert by_ref[("full", 3)][7] == dt.datetime(2027, 1, 5) and by_ref[("full", 3)][10] == "inactive"
    task_cell = book["tasks"].cell(row=tasks.index(list(by_ref[("formulas", 1)])) + 1, column=4)
    assert task_cell.value == "=1+2" and task_cell.data_type == "s"

    history = [[c.value for c in r] for r in book["history"].iter_rows()]
    assert history[0] == ["deal_id", "position", "stage", "date", "pipeline", "by", "forced", "flushed", "extra"]
    assert ["full", 3, "proposal", dt.datetime(2026, 10, 1), None, "alice", "bant.budget, bant.timeline", None,
            None] in history
    activities = [[c.value for c in r] for r in book["activities"].iter_rows()]
    assert activities[0] == ["deal_id", "position", "id", "date", "time", "kind", "direction", "by", "summary",
                             "notes", "extra"]
    assert ["full", 2, "act1", dt.datetime(2026, 10, 2), "14:30", "meeting", None, "bob", "Demo for the CTO",
            "Went well.\nNext: security review — ask Søren.", None] in activities
    # an interaction without a stored id exports the one pipe shows for it
    assert all(row[2] for row in activities[1:])


def test_xlsx_cells_hold_what_xml_cannot(make_workspace, run, tmp_path):
    workspace = make_workspace({"odd": simple_deal("odd", title='"bell \\a and escape \\e"', account="'#N/A'")})
    workspace.deal_path("odd").write_text(
        workspace.deal_path("odd").read_text(encoding="utf-8") + "x" * 40000, encoding="utf-8")
    target = tmp_path / "odd.xlsx"
    assert run(workspace, "export", "-o", str(target)).exit_code == 0  # the extension picks xlsx
    sheet = openpyxl.load_workbook(target)["deals"]
    row = {c.value: v for c, v in zip(sheet[1], sheet[2])}
    assert row["title"].value == "bell \ufffd and escape \ufffd"
    assert row["account"].value == "#N/A" and row["account"].data_type == "s"
    assert len(row["notes"].value) == 32767 and row["notes"].value.endswith("the json export has it all]")


# -- sqlite -----------------------------------------------------------------------------------------

def test_sqlite_tables_keys_and_queries(workspace, run, tmp_path):
    target = tmp_path / "pipe.db"
    result = run(workspace, "export", "--format", "sqlite", "-o", str(target))
    assert result.exit_code == 0, result.stderr
    db = sqlite3.connect(target)
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"deals", "stages", "rates", "stage_history", "tasks", "interactions", "contacts",
                      "close_changes", "tags"}
    assert db.execute("PRAGMA user_version").fetchone() == (1,)
    assert db.execute("PRAGMA foreign_key_check").fetchall() == []
    columns = {t: [r[1] for r in db.execute(f"PRAGMA table_info({t})")] for t in tables}
    assert columns["stage_history"] == ["deal_id", "position", "stage", "date", "pipeline", "by", "forced",
                                        "flushed", "extra"]
    assert columns["tasks"] == ["deal_id", "number", "id", "text", "due", "assignee", "status", "snoozed_until",
                                "created", "done", "suggested", "extra"]
    assert columns["interactions"] == ["deal_id", "position", "id", "date", "time", "kind", "direction", "by",
                                       "summary", "notes", "extra"]
    for table in tables - {"deals", "stages", "rates"}:
        assert db.execute(f"PRAGMA foreign_key_list({table})").fetchall()[0][2:4] == ("deals", "deal_id")
        plan = " ".join(r[3] for r in db.execute(f"EXPLAIN QUERY PLAN SELECT * FROM {table} WHERE deal_id = 'x'"))
        assert "USING INDEX" in plan, table
    assert [r[1] for r in db.execute("PRAGMA table_info(deals)") if r[5]] == ["id"]  # the primary key

    full = dict(zip(columns["deals"], db.execute("SELECT * FROM deals WHERE id = 'full'").fetchone()))
    assert full["value"] == 12000.5 and full["probability"] == 55 and full["created"] == "2026-09-01"
    assert full["tags"] == "eu, smb" and full["bant_budget"] == "18k approved" and full["external_id"] == "42"
    assert full["notes"] == workspace.load("full").body
    assert json.loads(full["extra"]) == {"crm_ref": "01234", "custom": {"score": 0.75, "seen": [1, "two", True, None]}}
    assert db.execute("SELECT typeof(value) FROM deals WHERE id = 'plain'").fetchone() == ("integer",)

    assert db.execute('SELECT stage, date, pipeline, "by", forced FROM stage_history WHERE deal_id = ? '
                      "ORDER BY position", ("full",)).fetchall() == [
        ("intro", "2026-09-01", None, "bob", None), ("lead", "2026-09-10", "sales", "alice", None),
        ("proposal", "2026-10-01", None, "alice", "bant.budget, bant.timeline")]
    assert db.execute("SELECT number, status, snoozed_until, suggested, extra FROM tasks WHERE deal_id = 'full'"
                      ).fetchall() == [(1, "done", None, None, None), (2, "open", None, None, '{"crm": 7}'),
                                       (3, "open", "2027-01-05", "inactive", None)]
    assert db.execute("SELECT date, time, kind, direction, notes, id FROM interactions "
                      "WHERE deal_id = 'full' AND position = 2").fetchone() == (
        "2026-10-02", "14:30", "meeting", None, "Went well.\nNext: security review — ask Søren.", "act1")
    assert db.execute("SELECT name, email, role, phone FROM contacts WHERE deal_id = 'full' ORDER BY position"
                      ).fetchall() == [("Jonas Weber", "jonas@cafe.example", "CTO", None),
                                       (None, "ops@cafe.example", None, None), ("Søren", None, None, "0800 123")]
    assert db.execute('SELECT date, "from", "to" FROM close_changes').fetchall() == [
        ("2026-10-05", "2026-12-31", "2027-01-31")]
    assert db.execute("SELECT tag, count(*) FROM tags GROUP BY tag ORDER BY tag").fetchall() == [
        ("-x", 1), ("@y", 1), ("eu", 2), ("smb", 1)]

    # The queries of docs/export.md: deals per stage, and revenue won by month in the base currency.
    per_stage = db.execute("""
        SELECT d.pipeline, d.stage, count(*) AS deals, round(sum(d.value * r.rate), 2) AS value
        FROM deals d
        JOIN stages s ON s.pipeline = d.pipeline AND s.stage = d.stage
        JOIN rates r ON r.currency = coalesce(d.currency, (SELECT currency FROM rates WHERE base))
        GROUP BY d.pipeline, d.stage ORDER BY d.pipeline, s.position""").fetchall()
    assert per_stage == [("sales", "lead", 2, 1005.0), ("sales", "proposal", 1, 10800.45), ("sales", "won", 1, 3000.0)]
    revenue = db.execute("""
        SELECT substr(d.closed, 1, 7) AS month, count(*) AS won, round(sum(d.value * r.rate), 2) AS revenue
        FROM deals d
        JOIN stages s ON s.pipeline = d.pipeline AND s.stage = d.stage
        JOIN rates r ON r.currency = coalesce(d.currency, (SELECT currency FROM rates WHERE base))
        WHERE s.kind = 'won' GROUP BY month ORDER BY month""").fetchall()
    assert revenue == [("2026-11", 1, 3000.0)]


# -- filters, output, refusals ----------------------------------------------------------------------

def test_filters_choose_the_deals(workspace, run, tmp_path):
    records = json.loads(run(workspace, "export", "--owner", "bob", "--format", "json").stdout)
    assert [r["id"] for r in records] == ["formulas", "plain"]
    _, rows = csv_rows(run(workspace, "export", "--won").stdout)
    assert [r["id"] for r in rows] == ["won-one"]
    assert json.loads(run(workspace, "export", "--tag", "nothing", "--format", "json").stdout) == []
    assert run(workspace, "export", "--tag", "nothing", "--format", "jsonl").stdout == ""
    target = tmp_path / "none.sqlite"
    assert run(workspace, "export", "--tag", "nothing", "-o", str(target)).exit_code == 0
    assert sqlite3.connect(target).execute("SELECT count(*) FROM deals").fetchone() == (0,)


def test_output_file_replaces_atomically_and_the_extension_picks_the_format(workspace, run, tmp_path):
    target = tmp_path / "out" / "deals.jsonl"
    target.parent.mkdir()
    target.write_text("old\n")
    result = run(workspace, "export", "-o", str(target))
    assert result.exit_code == 0 and result.stdout == ""
    assert [json.loads(line)["id"] for line in target.read_text(encoding="utf-8").splitlines()] == [
        "formulas", "full", "plain", "won-one"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["deals.jsonl"]  # no temporary file left
    # --format wins over the extension; an unknown extension is csv; '-' is standard output.
    assert run(workspace, "export", "--format", "csv", "-o", str(target)).exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("id,title,")
    other = tmp_path / "out" / "deals.txt"
    assert run(workspace, "export", "-o", str(other)).exit_code == 0
    assert other.read_text(encoding="utf-8").startswith("id,title,")
    assert run(workspace, "export", "--format", "json", "-o", "-").stdout.startswith("[\n  {")


@pytest.mark.parametrize("args, message", [
    (["--format", "xlsx"], "pipe: --format xlsx writes a binary file: give -o FILE"),
    (["--format", "sqlite", "-o", "-"], "pipe: --format sqlite writes a binary file: give -o FILE"),
    (["-o", "{tmp}/missing/deals.csv"], "pipe: cannot write {tmp}/missing/deals.csv: there is no folder {tmp}/missing"),
    (["-o", "{tmp}", "--format", "xlsx"], "pipe: -o {tmp} is a folder: give a file name"),
    (["-o", ""], "pipe: an empty -o: give a file name, or leave -o out for standard output"),
    (["--owner", "nobody"], "pipe: unknown team member 'nobody' (team: alice, bob)"),
])
def test_refusals_are_one_line(workspace, run, tmp_path, args, message):
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    result = run(workspace, "export", *args)
    assert result.exit_code == 1 and result.stdout == ""
    assert result.stderr == message.replace("{tmp}", str(tmp_path)) + "\n"


def test_a_deal_that_does_not_parse_stops_the_export(workspace, run, tmp_path):
    workspace.deal_path("broken").write_text("---\ntitle: [oops\n---\n", encoding="utf-8")
    result = run(workspace, "export", "-o", str(tmp_path / "x.sqlite"))
    assert result.exit_code == 1 and result.stderr.startswith("pipe: deals/broken.md:")
    assert result.stderr.splitlines()[1].startswith("pipe: export refused: 1 deal file does not parse")
    assert len(result.stderr.splitlines()) == 2 and not (tmp_path / "x.sqlite").exists()


# -- the sample workspace ---------------------------------------------------------------------------

def test_the_sample_workspace_exports_in_every_format(run, tmp_path):
    sample = Workspace(ROOT)
    deals = {d.id: d for d in sample.deals()}
    assert len(deals) > 40
    for fmt in ("csv", "json", "jsonl", "xlsx", "sqlite"):
        result = run(ROOT, "export", "--format", fmt, "-o", str(tmp_path / f"sample.{fmt}"))
        assert result.exit_code == 0, (fmt, result.stderr)
    for record in json.loads((tmp_path / "sample.json").read_text(encoding="utf-8")):
        data, notes = revive(record)
        assert data == deals[record["id"]].data and notes == deals[record["id"]].body
    lines = (tmp_path / "sample.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == sorted(deals)
    _, rows = csv_rows((tmp_path / "sample.csv").read_text(encoding="utf-8"))
    assert [r["id"] for r in rows] == sorted(deals)
    assert all(json.loads(r["history"]) == plain(deals[r["id"]].history) for r in rows if r["history"])
    book = openpyxl.load_workbook(tmp_path / "sample.xlsx")
    assert book["deals"].max_row == len(deals) + 1
    assert book["tasks"].max_row == 1 + sum(len(d.tasks) for d in deals.values())
    db = sqlite3.connect(tmp_path / "sample.sqlite")
    assert db.execute("SELECT count(*) FROM deals").fetchone() == (len(deals),)
    assert db.execute("SELECT count(*) FROM interactions").fetchone() == (sum(len(d.activities) for d in deals.values()),)
    # Revenue won in 2026 by the documented query is what `pipe report revenue` says.
    won = db.execute("""
        SELECT round(sum(d.value * r.rate), 2) FROM deals d
        JOIN stages s ON s.pipeline = d.pipeline AND s.stage = d.stage
        JOIN rates r ON r.currency = coalesce(d.currency, (SELECT currency FROM rates WHERE base))
        WHERE s.kind = 'won' AND d.closed LIKE '2026-%'""").fetchone()[0]
    report = json.loads(run(ROOT, "report", "revenue", "--period", "2026", "--format", "json").stdout)
    assert report["reports"]["revenue"]["figures"]["revenue_won"]["value"] == won
