"""Suggested tasks: `pipe tasks --suggested`, `pipe task accept DEAL:KIND` and `pipe task dismiss`, on small workspaces (today is 2026-11-27)."""

import csv
import datetime as dt
import io
import json
import signal

import pytest

from tests.conftest import CONFIG, simple_deal

TODAY = dt.date(2026, 11, 27)
KINDS = ("inactive", "unanswered", "meeting-notes", "rotting")


def entries(*items: dict) -> str:
    """A YAML list of mappings, as a simple_deal field value (activities=..., tasks=..., history=...)."""
    lines = []
    for item in items:
        for i, (key, value) in enumerate(item.items()):
            lines.append(("- " if i == 0 else "  ") + f"{key}: {value}")
    return "\n" + "\n".join(lines)


def act(date: str, kind: str, **more) -> dict:
    """One activity entry, logged by alice."""
    return {"date": date, "kind": kind, "by": "alice", **more}


OPEN_TASK = {"id": "ta1234", "text": "Call them", "due": "2026-12-01", "status": "open"}


def four_kinds(won_stage: str = "won", parked_stage: str = "fridge") -> dict[str, str]:
    """One deal per kind of suggestion, a quiet control, and a won and a parked deal that would trigger if open."""
    closed = "2026-10-15" if won_stage == "won" else None
    return {
        # proposal has no rot_days; nothing since it was created 26 days ago
        "a-inactive": simple_deal("a-inactive", stage="proposal", created="2026-11-01"),
        # an earlier outbound email does not answer a later inbound one
        "b-unanswered": simple_deal("b-unanswered", stage="proposal", created="2026-11-20", owner="bob",
                                    activities=entries(act("2026-11-21", "email", direction="out", summary="Sent the deck"),
                                                       act("2026-11-25", "email", direction="in", summary="Asked about pricing"))),
        "c-meeting": simple_deal("c-meeting", stage="proposal", created="2026-11-20",
                                 activities=entries(act("2026-11-24", "meeting", summary="Demo"))),
        # 26 days in lead (rot_days 14), but a call two days ago keeps it active
        "d-rotting": simple_deal("d-rotting", stage="lead", created="2026-11-01", owner="bob",
                                 activities=entries(act("2026-11-25", "call", direction="out", summary="Checked in"))),
        "e-quiet": simple_deal("e-quiet", stage="proposal", created="2026-11-20",
                               activities=entries(act("2026-11-22", "meeting", summary="Kickoff", notes="Went well"),
                                                  act("2026-11-26", "email", direction="out", summary="Sent notes"))),
        # would be unanswered and meeting-notes if open
        "f-won": simple_deal("f-won", stage=won_stage, created="2026-10-01", closed=closed, tasks="[]",
                             history=entries({"stage": "lead", "date": "2026-10-01"}, {"stage": "won", "date": "2026-10-15"}),
                             activities=entries(act("2026-11-20", "meeting", summary="Handover"),
                                                act("2026-11-21", "email", direction="in", summary="Invoice question"))),
        # would be inactive and unanswered if open
        "g-parked": simple_deal("g-parked", stage=parked_stage, created="2026-10-01",
                                history=entries({"stage": "lead", "date": "2026-10-01"}, {"stage": "fridge", "date": "2026-10-05"}),
                                activities=entries(act("2026-10-04", "email", direction="in", summary="Not now"))),
    }


EXPECTED = {("a-inactive", "inactive"), ("b-unanswered", "unanswered"), ("c-meeting", "meeting-notes"),
            ("d-rotting", "rotting")}
KEYS = [f"{deal}:{kind}" for deal, kind in sorted(EXPECTED)]


def with_config(extra: str) -> str:
    return CONFIG + extra


@pytest.fixture
def suggested(run):
    """suggested(workspace, *filters) -> the rows of `pipe tasks --suggested --format json`."""

    def rows(workspace, *args: str) -> list[dict]:
        result = run(workspace, "tasks", "--suggested", "--format", "json", *args)
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)

    return rows


def pairs(rows: list[dict]) -> set[tuple[str, str]]:
    return {(r["deal"], r["kind"]) for r in rows}


def kinds_of(rows: list[dict], deal_id: str) -> set[str]:
    return {r["kind"] for r in rows if r["deal"] == deal_id}


@pytest.fixture
def accept(run):
    """accept(workspace, *args) -> `pipe task accept ...`, failing (not hanging) if it does not finish in 5s."""

    def hung(signum, frame):
        raise TimeoutError("'pipe task accept' did not finish within 5 seconds (blocked, e.g. on the workspace lock)")

    def invoke(workspace, *args: str):
        previous = signal.signal(signal.SIGALRM, hung)
        signal.alarm(5)
        try:
            return run(workspace, "task", "accept", *args)
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)

    return invoke


# -- which deals get which suggestion ---------------------------------------------------------

def test_each_kind_is_suggested_once_and_only_for_open_deals(make_workspace, suggested):
    rows = suggested(make_workspace(four_kinds()))
    assert pairs(rows) == EXPECTED and len(rows) == 4
    assert [r["suggestion"] for r in rows] == KEYS  # named DEAL:KIND, in deal id order
    assert all("n" not in r for r in rows)
    reasons = {r["kind"]: r["reason"] for r in rows}
    assert reasons["inactive"] == "no activity for 26 days (since 2026-11-01)"
    assert "2026-11-25" in reasons["unanswered"] and "Asked about pricing" in reasons["unanswered"]
    assert "2026-11-24" in reasons["meeting-notes"] and "Demo" in reasons["meeting-notes"]
    assert "26 days in lead" in reasons["rotting"] and "14" in reasons["rotting"]


def test_the_won_and_parked_deals_would_trigger_if_they_were_open(make_workspace, suggested):
    # The check above means something only if these two deals are not quiet by themselves.
    rows = suggested(make_workspace(four_kinds(won_stage="proposal", parked_stage="proposal")))
    assert kinds_of(rows, "f-won") == {"unanswered", "meeting-notes"}
    assert kinds_of(rows, "g-parked") == {"inactive", "unanswered"}


def test_the_table_lists_the_key_and_reason_in_80_columns(make_workspace, run):
    result = run(make_workspace(four_kinds()), "tasks", "--suggested")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["suggestion", "reason"]
    assert lines[2].split()[0] == "a-inactive:inactive" and "no activity for 26 days" in lines[2]
    assert [line.split()[0] for line in lines[2:]] == KEYS
    assert len(lines) == 6 and max(len(line) for line in lines) <= 80


def test_no_suggestions_says_so_on_stderr(make_workspace, run):
    result = run(make_workspace({"e-quiet": four_kinds()["e-quiet"]}), "tasks", "--suggested")
    assert result.exit_code == 0 and result.stdout == "" and result.stderr == "no suggested tasks\n"


@pytest.mark.parametrize("kind", KINDS)
def test_a_kind_switched_off_in_pipelines_yaml_is_not_suggested(make_workspace, suggested, kind):
    workspace = make_workspace(four_kinds(), config=with_config(f"suggestions: {{{kind}: false}}\n"))
    rows = suggested(workspace)
    assert pairs(rows) == {p for p in EXPECTED if p[1] != kind}
    assert [r["suggestion"] for r in rows] == [key for key in KEYS if not key.endswith(f":{kind}")]


def test_switching_a_kind_on_explicitly_keeps_it(make_workspace, suggested):
    config = with_config("suggestions: {inactive: true, unanswered: true, meeting-notes: true, rotting: false}\n")
    assert pairs(suggested(make_workspace(four_kinds(), config=config))) == EXPECTED - {("d-rotting", "rotting")}


# -- inactive ---------------------------------------------------------------------------------

@pytest.mark.parametrize("created, days, expected", [
    ("2026-11-17", 10, True),   # exactly inactivity_days
    ("2026-11-18", 9, False),   # one day less
])
def test_inactive_from_exactly_inactivity_days(make_workspace, suggested, created, days, expected):
    rows = suggested(make_workspace({"acme": simple_deal("acme", stage="proposal", created=created)}))
    if expected:
        assert [(r["kind"], r["reason"]) for r in rows] == [
            ("inactive", f"no activity for {days} days (since {created})")]
    else:
        assert rows == []


@pytest.mark.parametrize("created, expected", [("2026-11-22", True), ("2026-11-23", False)])
def test_inactive_follows_inactivity_days_from_pipelines_yaml(make_workspace, suggested, created, expected):
    workspace = make_workspace({"acme": simple_deal("acme", stage="proposal", created=created)},
                               config=with_config("inactivity_days: 5\n"))
    assert pairs(suggested(workspace)) == ({("acme", "inactive")} if expected else set())


def test_a_future_meeting_is_not_activity_and_not_asked_for_notes(make_workspace, suggested):
    deal = simple_deal("acme", stage="proposal", created="2026-11-01",
                       activities=entries(act("2026-12-02", "meeting", summary="Planned demo")))
    rows = suggested(make_workspace({"acme": deal}))
    assert [(r["kind"], r["reason"]) for r in rows] == [("inactive", "no activity for 26 days (since 2026-11-01)")]


@pytest.mark.parametrize("status, inactive", [("done", False), ("cancelled", True)])
def test_a_done_tasks_date_is_activity_a_cancelled_ones_is_not(make_workspace, suggested, status, inactive):
    finished = {"id": "tb5678", "text": "Send pricing", "due": "2026-11-20", "status": status,
                "created": "2026-11-01", "done": "2026-11-25"}
    deal = simple_deal("acme", stage="proposal", created="2026-11-01", tasks=entries(OPEN_TASK, finished))
    rows = suggested(make_workspace({"acme": deal}))
    if inactive:
        assert [(r["kind"], r["reason"]) for r in rows] == [("inactive", "no activity for 26 days (since 2026-11-01)")]
    else:
        assert rows == []


# -- unanswered -------------------------------------------------------------------------------

@pytest.mark.parametrize("reply, expected", [
    (None, True),
    (act("2026-11-26", "email", direction="out", summary="Sent pricing"), False),
    (act("2026-11-25", "email", direction="out", summary="Sent pricing"), False),  # same day, after it
])
def test_an_outbound_email_after_the_inbound_one_answers_it(make_workspace, suggested, reply, expected):
    inbound = act("2026-11-25", "email", direction="in", summary="Asked about pricing")
    deal = simple_deal("acme", stage="proposal", created="2026-11-20",
                       activities=entries(inbound, *([reply] if reply else [])))
    rows = suggested(make_workspace({"acme": deal}))
    assert pairs(rows) == ({("acme", "unanswered")} if expected else set())
    if expected:
        assert rows[0]["task"] == "Reply to the email of 2026-11-25: Asked about pricing"


def test_a_reply_written_above_the_inbound_email_but_dated_later_answers_it(make_workspace, suggested):
    deal = simple_deal("acme", stage="proposal", created="2026-11-20", activities=entries(
        act("2026-11-26", "email", direction="out", summary="Sent pricing"),
        act("2026-11-25", "email", direction="in", summary="Asked about pricing")))
    assert suggested(make_workspace({"acme": deal})) == []


# -- meeting-notes ----------------------------------------------------------------------------

MEETING = act("2026-11-24", "meeting", summary="Demo")


@pytest.mark.parametrize("activities, expected", [
    ([MEETING], True),
    ([{**MEETING, "notes": "They want SSO"}], False),
    ([MEETING, act("2026-11-25", "note", summary="They want SSO")], False),
    ([MEETING, act("2026-11-24", "note", summary="They want SSO")], False),  # the same day
    ([act("2026-11-23", "note", summary="Agenda"), MEETING], True),  # a note before the meeting is not its notes
], ids=["no-notes", "notes-field", "note-after", "note-same-day", "note-before"])
def test_a_past_meeting_without_notes_is_suggested(make_workspace, suggested, activities, expected):
    deal = simple_deal("acme", stage="proposal", created="2026-11-20", activities=entries(*activities))
    rows = suggested(make_workspace({"acme": deal}))
    assert pairs(rows) == ({("acme", "meeting-notes")} if expected else set())
    if expected:
        assert rows[0]["task"] == "Write up the meeting of 2026-11-24: Demo"


@pytest.mark.parametrize("date, expected", [
    ("2026-11-27", False),  # today: not in the past yet
    ("2026-11-17", True),   # inactivity_days ago: still recent
    ("2026-11-16", False),  # older: past writing up
])
def test_only_recent_past_meetings_are_asked_for_notes(make_workspace, suggested, date, expected):
    deal = simple_deal("acme", stage="proposal", created="2026-11-01",
                       activities=entries(act(date, "meeting", summary="Demo")))
    rows = suggested(make_workspace({"acme": deal}))
    assert ("meeting-notes" in kinds_of(rows, "acme")) is expected


def test_only_the_latest_recent_meeting_is_asked_for_notes(make_workspace, suggested):
    deal = simple_deal("acme", stage="proposal", created="2026-11-20", activities=entries(
        act("2026-11-22", "meeting", summary="Intro"),
        act("2026-11-25", "meeting", summary="Demo", notes="Went well")))
    assert suggested(make_workspace({"acme": deal})) == []


# -- output formats ---------------------------------------------------------------------------

def test_json_carries_key_deal_kind_reason_and_task(make_workspace, suggested):
    rows = suggested(make_workspace(four_kinds()))
    for row in rows:
        assert list(row) == ["suggestion", "deal", "kind", "reason", "task", "owner", "since"]
    row = next(r for r in rows if r["kind"] == "inactive")
    assert row == {**row, "suggestion": "a-inactive:inactive", "deal": "a-inactive",
                   "reason": "no activity for 26 days (since 2026-11-01)",
                   "task": "Follow up: no activity since 2026-11-01", "owner": "alice", "since": "2026-11-01"}


def test_csv_carries_key_deal_kind_reason_and_task(make_workspace, run):
    result = run(make_workspace(four_kinds()), "tasks", "--suggested", "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert result.stdout.startswith("suggestion,deal,kind,reason,task,owner,since\n")
    assert [(r["suggestion"], r["deal"], r["kind"]) for r in rows] == [
        ("a-inactive:inactive", "a-inactive", "inactive"), ("b-unanswered:unanswered", "b-unanswered", "unanswered"),
        ("c-meeting:meeting-notes", "c-meeting", "meeting-notes"), ("d-rotting:rotting", "d-rotting", "rotting")]
    assert rows[1]["task"] == "Reply to the email of 2026-11-25: Asked about pricing"
    assert rows[1]["reason"].startswith("inbound email of 2026-11-25")


# -- filters show the same keys -----------------------------------------------------------------

@pytest.mark.parametrize("args, shown", [
    (("--owner", "bob"), ["b-unanswered:unanswered", "d-rotting:rotting"]),
    (("--assignee", "bob"), ["b-unanswered:unanswered", "d-rotting:rotting"]),
    (("--deal", "c-meeting"), ["c-meeting:meeting-notes"]),
    (("--stage", "lead"), ["d-rotting:rotting"]),
])
def test_filters_show_the_keys_of_the_whole_workspace(make_workspace, suggested, args, shown):
    rows = suggested(make_workspace(four_kinds()), *args)
    assert [r["suggestion"] for r in rows] == shown


def test_accept_takes_the_key_shown_under_a_filter(make_workspace, suggested, accept):
    workspace = make_workspace(four_kinds())
    row = next(r for r in suggested(workspace, "--owner", "bob") if r["deal"] == "d-rotting")
    result = accept(workspace, row["suggestion"])
    assert result.exit_code == 0, result.stderr
    created = workspace.load("d-rotting").tasks[-1]
    assert created["suggested"] == "rotting" and created["text"] == row["task"]
    assert all(len(workspace.load(d).tasks) == 1 for d in ("a-inactive", "b-unanswered", "c-meeting"))


# -- accept -----------------------------------------------------------------------------------

def test_accept_creates_the_task_due_today_for_the_deal_owner(make_workspace, suggested, accept, monkeypatch):
    workspace = make_workspace(four_kinds())
    monkeypatch.setenv("PIPE_USER", "alice@example.com")  # not the owner: the task is still bob's
    row = next(r for r in suggested(workspace) if r["deal"] == "b-unanswered")
    result = accept(workspace, row["suggestion"])
    assert result.exit_code == 0, result.stderr
    tasks = workspace.load("b-unanswered").tasks
    assert len(tasks) == 2
    created = tasks[-1]
    assert result.stdout.startswith(f"{created['id']} added to b-unanswered: ") and result.stdout.count("\n") == 1
    assert created["text"] == "Reply to the email of 2026-11-25: Asked about pricing" == row["task"]
    assert created["due"] == TODAY and created["assignee"] == "bob"
    assert created["suggested"] == "unanswered" and created.get("status", "open") == "open"
    assert pairs(suggested(workspace)) == EXPECTED - {("b-unanswered", "unanswered")}


def test_accept_with_due(make_workspace, suggested, accept):
    workspace = make_workspace(four_kinds())
    result = accept(workspace, "a-inactive:inactive", "--due", "tomorrow")
    assert result.exit_code == 0, result.stderr
    created = workspace.load("a-inactive").tasks[-1]
    assert created["due"] == dt.date(2026, 11, 28) and created["suggested"] == "inactive"
    assert created["assignee"] == "alice"


@pytest.mark.parametrize("kind", KINDS)
def test_an_accepted_suggestion_is_no_longer_listed(make_workspace, suggested, accept, kind):
    workspace = make_workspace(four_kinds())
    row = next(r for r in suggested(workspace) if r["kind"] == kind)
    assert accept(workspace, row["suggestion"]).exit_code == 0
    assert pairs(suggested(workspace)) == EXPECTED - {(row["deal"], kind)}
    assert workspace.load(row["deal"]).tasks[-1]["suggested"] == kind


@pytest.mark.parametrize("key, words", [
    ("1", ["bad suggestion '1'", "suggestions are not numbered", "a-inactive:inactive"]),
    ("0", ["not numbered"]),
    ("99", ["not numbered"]),
    ("a-inactive", ["bad suggestion 'a-inactive'", "DEAL:KIND"]),
    ("a-inactive:rotting", ["no suggestion 'a-inactive:rotting' now", "a-inactive:inactive"]),
    ("zz:inactive", ["no suggestion 'zz:inactive' now"]),
    ("e-quiet:inactive", ["no suggestion 'e-quiet:inactive' now"]),
    (":inactive", ["bad suggestion ':inactive'"]),
    ("a-inactive:", ["bad suggestion 'a-inactive:'"]),
])
def test_accept_an_unknown_key_is_one_error_line(make_workspace, accept, key, words):
    workspace = make_workspace(four_kinds())
    before = {d: workspace.deal_path(d).read_text() for d in workspace.deal_ids()}
    result = accept(workspace, key)
    assert result.exit_code == 1
    assert result.stderr.startswith("pipe: ") and result.stderr.count("\n") == 1 and result.stdout == ""
    for word in words:
        assert word in result.stderr
    assert {d: workspace.deal_path(d).read_text() for d in workspace.deal_ids()} == before


def test_accept_with_no_suggestions_at_all(make_workspace, accept):
    workspace = make_workspace({"e-quiet": four_kinds()["e-quiet"]})
    for key in ("1", "e-quiet:inactive"):
        result = accept(workspace, key)
        assert result.exit_code == 1
        assert result.stderr.startswith("pipe: ") and result.stderr.count("\n") == 1


def test_an_untimed_reply_later_in_the_file_answers_a_timed_email_of_the_same_day(make_workspace, suggested):
    deal = simple_deal("acme", stage="proposal", created="2026-11-20", activities=entries(
        act("2026-11-25", "email", direction="in", time="'15:00'", summary="Asked about pricing"),
        act("2026-11-25", "email", direction="out", summary="Sent pricing")))
    assert suggested(make_workspace({"acme": deal})) == []


def test_times_order_two_timed_emails_of_one_day_whatever_the_file_order(make_workspace, suggested):
    deal = simple_deal("acme", stage="proposal", created="2026-11-20", activities=entries(
        act("2026-11-25", "email", direction="in", time="'15:00'", summary="Asked again"),
        act("2026-11-25", "email", direction="out", time="'09:00'", summary="Sent pricing")))
    assert pairs(suggested(make_workspace({"acme": deal}))) == {("acme", "unanswered")}


def test_a_note_does_not_answer_an_inbound_email(make_workspace, suggested):
    deal = simple_deal("acme", stage="proposal", created="2026-11-20", activities=entries(
        act("2026-11-25", "email", direction="in", summary="Asked about pricing"),
        act("2026-11-26", "note", summary="Must reply to them")))
    assert pairs(suggested(make_workspace({"acme": deal}))) == {("acme", "unanswered")}


# -- accept several, by key ---------------------------------------------------------------------

def files(workspace) -> dict[str, bytes]:
    return {d: workspace.read_bytes(d) for d in workspace.deal_ids()}


def test_accept_several_at_once_two_of_them_on_one_deal(make_workspace, suggested, accept):
    workspace = make_workspace(four_kinds(won_stage="proposal"))  # f-won is open: unanswered and meeting-notes
    before = files(workspace)
    # a unique prefix of the deal id and of the kind is enough
    result = accept(workspace, "b-unanswered:unanswered", "f-won:unanswered", "f:meet", "d:rot")
    assert result.exit_code == 0, result.stderr
    f_tasks, b_tasks, d_tasks = (workspace.load(d).tasks for d in ("f-won", "b-unanswered", "d-rotting"))
    assert [t.get("suggested") for t in f_tasks] == ["unanswered", "meeting-notes"]
    assert (b_tasks[-1]["suggested"], d_tasks[-1]["suggested"]) == ("unanswered", "rotting")
    assert result.stdout.splitlines() == [
        f"{b_tasks[-1]['id']} added to b-unanswered: {b_tasks[-1]['text']} (due 2026-11-27) @bob",
        f"{f_tasks[0]['id']} added to f-won: Reply to the email of 2026-11-21: Invoice question (due 2026-11-27) @alice",
        f"{f_tasks[1]['id']} added to f-won: Write up the meeting of 2026-11-20: Handover (due 2026-11-27) @alice",
        f"{d_tasks[-1]['id']} added to d-rotting: {d_tasks[-1]['text']} (due 2026-11-27) @bob",
    ]  # in the order given
    assert {d for d, text in files(workspace).items() if text != before[d]} == {"b-unanswered", "d-rotting", "f-won"}
    assert [r["suggestion"] for r in suggested(workspace)] == ["a-inactive:inactive", "c-meeting:meeting-notes"]


@pytest.mark.parametrize("keys, words", [
    (["b-unanswered:unanswered", "c-meeting:rotting"], ["no suggestion 'c-meeting:rotting' now"]),
    (["b-unanswered:unanswered", "2"], ["not numbered"]),
    (["b-unanswered:unanswered", "d-rotting:rotting", "zz:inactive"], ["no suggestion 'zz:inactive' now"]),
])
def test_one_bad_key_refuses_them_all_and_writes_nothing(make_workspace, suggested, accept, keys, words):
    workspace = make_workspace(four_kinds())
    before = files(workspace)
    result = accept(workspace, *keys)
    assert result.exit_code == 1 and result.stdout == "" and result.stderr.count("\n") == 1
    for word in words:
        assert word in result.stderr
    assert files(workspace) == before
    assert pairs(suggested(workspace)) == EXPECTED


def test_accepting_one_key_twice_never_takes_another_deals_suggestion(make_workspace, suggested, accept):
    # The bug of numbers: 'accept 2' twice took b-unanswered's, then what had become number 2 (c-meeting's).
    workspace = make_workspace(four_kinds())
    assert accept(workspace, "b-unanswered:unanswered").exit_code == 0
    after_first = files(workspace)
    result = accept(workspace, "b-unanswered:unanswered")
    assert result.exit_code == 1 and "no suggestion 'b-unanswered:unanswered' now" in result.stderr
    assert files(workspace) == after_first
    assert len(workspace.load("b-unanswered").tasks) == 2
    assert pairs(suggested(workspace)) == EXPECTED - {("b-unanswered", "unanswered")}
    # the same key twice in one command is one task
    assert accept(workspace, "c-meeting:meeting-notes", "c-meeting:meeting-notes").stdout.count("\n") == 1
    assert [t.get("suggested") for t in workspace.load("c-meeting").tasks] == [None, "meeting-notes"]


def test_a_key_whose_deal_prefix_names_two_deals_lists_them(make_workspace, accept):
    deals = {d: simple_deal(d, stage="proposal", created="2026-11-01") for d in ("acme-north", "acme-south")}
    workspace = make_workspace(deals)
    before = files(workspace)
    result = accept(workspace, "acme:inactive")
    assert result.exit_code == 1
    assert "matches 2 suggestions" in result.stderr
    assert "acme-north:inactive" in result.stderr and "acme-south:inactive" in result.stderr
    assert files(workspace) == before
    assert accept(workspace, "acme-s:inactive").exit_code == 0
    assert workspace.load("acme-south").tasks[-1]["suggested"] == "inactive"


# -- dismiss ----------------------------------------------------------------------------------

def dismiss(run, workspace, *args):
    return run(workspace, "task", "dismiss", *args)


def test_dismiss_hides_it_until_the_date_recorded_on_the_deal(make_workspace, suggested, accept, run, monkeypatch):
    import difflib

    workspace = make_workspace(four_kinds())
    before = workspace.read_bytes("b-unanswered").decode().splitlines()
    others = {d: text for d, text in files(workspace).items() if d != "b-unanswered"}
    result = dismiss(run, workspace, "b-unanswered:unanswered", "--for", "2w")
    assert result.exit_code == 0, result.stderr
    assert result.stdout == "b-unanswered:unanswered dismissed until 2026-12-11\n"
    after = workspace.read_bytes("b-unanswered").decode().splitlines()
    changed = [line for line in difflib.unified_diff(before, after, lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---"))]
    assert changed == ["+dismissed:", "+- kind: unanswered", "+  date: 2026-11-27", "+  until: 2026-12-11",
                       "+  by: alice"]
    assert workspace.load("b-unanswered").data["dismissed"] == [
        {"kind": "unanswered", "date": TODAY, "until": dt.date(2026, 12, 11), "by": "alice"}]
    assert {d: text for d, text in files(workspace).items() if d != "b-unanswered"} == others
    check = run(workspace, "check")
    assert check.exit_code == 0 and "b-unanswered" not in check.stdout

    assert pairs(suggested(workspace)) == EXPECTED - {("b-unanswered", "unanswered")}
    failed_accept = accept(workspace, "b-unanswered:unanswered")
    assert failed_accept.exit_code == 1 and "no suggestion 'b-unanswered:unanswered' now" in failed_accept.stderr
    monkeypatch.setenv("PIPE_TODAY", "2026-12-10")
    assert ("b-unanswered", "unanswered") not in pairs(suggested(workspace))
    monkeypatch.setenv("PIPE_TODAY", "2026-12-11")
    assert ("b-unanswered", "unanswered") in pairs(suggested(workspace))


def test_a_newer_trigger_brings_a_dismissed_suggestion_back(make_workspace, suggested, run, monkeypatch):
    workspace = make_workspace(four_kinds())
    assert dismiss(run, workspace, "b:un", "c:meet", "--for", "3w").exit_code == 0
    monkeypatch.setenv("PIPE_TODAY", "2026-11-30")
    assert pairs(suggested(workspace)) == {("a-inactive", "inactive"), ("d-rotting", "rotting")}
    assert run(workspace, "log", "b-unanswered", "email", "Asked again", "--direction", "in").exit_code == 0
    assert run(workspace, "log", "c-meeting", "meeting", "Second demo", "--at", "2026-11-29").exit_code == 0
    rows = {r["suggestion"]: r["reason"] for r in suggested(workspace)}
    assert rows["b-unanswered:unanswered"] == "inbound email of 2026-11-30 has no reply: Asked again"
    assert rows["c-meeting:meeting-notes"] == "meeting of 2026-11-29 has no notes: Second demo"


@pytest.mark.parametrize("for_", ["0d", "today", "2026-11-27", "2026-11-01"])
def test_dismiss_for_a_time_not_after_today_is_refused(make_workspace, run, for_):
    workspace = make_workspace(four_kinds())
    before = files(workspace)
    result = dismiss(run, workspace, "b-unanswered:unanswered", "--for", for_)
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert "not after today (2026-11-27)" in result.stderr
    assert files(workspace) == before


def test_dismiss_several_is_all_or_none_and_takes_a_date(make_workspace, suggested, run):
    workspace = make_workspace(four_kinds())
    before = files(workspace)
    result = dismiss(run, workspace, "a-inactive:inactive", "zz:inactive", "--for", "2026-12-24")
    assert result.exit_code == 1 and "no suggestion 'zz:inactive' now" in result.stderr
    assert files(workspace) == before
    result = dismiss(run, workspace, "a-inactive:inactive", "d-rotting:rotting", "--for", "2026-12-24")
    assert result.stdout == ("a-inactive:inactive dismissed until 2026-12-24\n"
                             "d-rotting:rotting dismissed until 2026-12-24\n")
    assert pairs(suggested(workspace)) == {("b-unanswered", "unanswered"), ("c-meeting", "meeting-notes")}


def test_check_warns_when_one_suggestion_was_accepted_twice(make_workspace, run):
    # As two clones accepting the same suggestion leave it after a sync.
    from tests.conftest import simple_deal

    tasks = ("\n- {id: ta1111, text: Follow up, status: open, created: 2026-11-20, suggested: inactive}"
             "\n- {id: ta2222, text: Follow up, status: open, created: 2026-11-20, suggested: inactive}")
    workspace = make_workspace({"acme": simple_deal("acme", tasks=tasks)})
    result = run(workspace, "check")
    assert "task 2 was accepted from the same suggestion (inactive) as open task 1" in result.stdout


def test_a_deal_without_its_kind_is_refused_listing_that_deals_suggestions(make_workspace, run):
    from tests.conftest import failed, simple_deal

    workspace = make_workspace({"acme": simple_deal("acme", created="2026-09-01"),
                                "beta": simple_deal("beta", created="2026-09-01")})
    line = failed(run(workspace, "task", "accept", "ac"), "write DEAL:KIND", "acme:")
    assert "beta:" not in line
