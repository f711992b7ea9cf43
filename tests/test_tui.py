"""`pipe board -i`, driven headless with Textual's pilot at 80x24: keys, moves through the core, the deal page."""

import asyncio
import dataclasses
import json
import os
import subprocess
import sys

import re
from pathlib import Path

import pytest

from pipecli.cli.context import App
from pipecli.core.model.queries import DealFilter
from tests.conftest import CONFIG, failed, simple_deal

ROOT = Path(__file__).resolve().parent.parent  # the repository, also the sample workspace

pytest.importorskip("textual", reason="needs textual (pip install textual, or pip install -e '.[test]')")

GATED = CONFIG.replace(
    "  - {id: qualified, name: Qualified, probability: 40, rot_days: 21, kind: open}\n",
    "  - {id: qualified, name: Qualified, probability: 40, rot_days: 21, kind: open, requires: [bant]}\n",
)
assert GATED != CONFIG
FULL_BANT = "\n  budget: 20k\n  authority: Jonas\n  need: logs\n  timeline: Q1"


def board_app(workspace, pipeline="sales", show_closed=False):
    from pipecli.cli.tui import BoardApp

    app = App(str(workspace.root))
    return BoardApp(app, app.config.pipeline(pipeline), DealFilter(), show_closed=show_closed)


def drive(workspace, keys, check, pipeline="sales", show_closed=False):
    """Open the board at 80x24 (with --all: show_closed), press keys, then check(app, pilot) (a coroutine function)."""
    async def main():
        app = board_app(workspace, pipeline, show_closed)
        async with app.run_test(size=(80, 24)) as pilot:
            for key in keys:
                await pilot.press(key)
            await pilot.pause()
            await check(app, pilot)
    asyncio.run(main())


def board_lines(app) -> str:
    return str(app.query_one("#board").render())


@pytest.fixture
def three(make_workspace):
    return make_workspace({
        "acme": simple_deal("acme", value=5000, bant=FULL_BANT),
        "beta": simple_deal("beta", value=2000),
        "gamma": simple_deal("gamma", stage="qualified", value=7000),
    }, config=GATED)


def test_the_board_shows_the_same_columns_and_totals_as_pipe_board(three, run):
    printed = json.loads(run(three, "board", "--format", "json").stdout)["stages"]

    async def check(app, pilot):
        assert [c.stage.id for c in app.columns] == [s["stage"] for s in printed]
        assert [[f.deal.id for f in c.deals] for c in app.columns] == [[d["id"] for d in s["deals"]] for s in printed]
        assert [(c.totals.count, c.totals.value) for c in app.columns] == [(s["count"], s["value"]) for s in printed]
        assert [[f.deal.id for f in c.deals] for c in app.columns] == [["acme", "beta"], ["gamma"], [], []]
        text = board_lines(app)
        assert "Lead (2)" in text and "Qualified (1)" in text and "Proposal (0)" in text
        assert all(len(line) <= 80 for line in text.splitlines())
    drive(three, [], check)


def test_arrows_and_hjkl_move_the_selection(three):
    async def check(app, pilot):
        assert app.selected.deal.id == "beta"  # j: second card of Lead
        await pilot.press("l")
        assert app.selected.deal.id == "gamma"
        await pilot.press("right")  # Proposal: empty
        assert app.column == 2 and app.selected is None
        await pilot.press("h", "left", "k")
        assert app.selected.deal.id == "acme"
        await pilot.press("left")  # stays at the first stage
        assert app.column == 0
    drive(three, ["j"], check)


def test_greater_than_moves_the_deal_through_the_core(three):
    async def check(app, pilot):
        assert [f.deal.id for f in app.columns[1].deals] == ["gamma", "acme"]
        assert app.selected.deal.id == "acme"  # the selection follows the deal
        assert app.message == "move acme: lead -> qualified"
        deal = three.load("acme")
        assert deal.stage == "qualified" and deal.history[-1]["stage"] == "qualified"
        assert deal.history[-1]["date"] is not None
        await pilot.press("less_than_sign")
        assert three.load("acme").stage == "lead"
    drive(three, ["greater_than_sign"], check)


def test_a_move_the_gate_refuses_shows_the_message_and_changes_nothing(three, run):
    before = three.read_bytes("beta")
    said = failed(run(three, "move", "beta", "qualified"))  # what `pipe move` says

    async def check(app, pilot):
        # the board has no key to force a move: it names the command that does
        assert app.message == said.replace("with --force", "with 'pipe move beta qualified --force'")
        assert "requires bant" in str(app.query_one("#message").render())
        assert app.selected.deal.id == "beta" and app.column == 0
    drive(three, ["j", "greater_than_sign"], check)
    assert three.read_bytes("beta") == before


@pytest.fixture
def parked(three):
    three.root.joinpath("deals", "delta.md").write_text(simple_deal("delta", stage="fridge", value=9000))
    return three


TO_FRIDGE = ["l"] * 5  # with --all: lead, qualified, proposal, won, lost, fridge


def test_greater_than_from_the_last_open_stage_wins_the_deal_though_won_is_not_a_column(three):
    async def check(app, pilot):
        assert three.load("gamma").stage == "won"
        assert app.message == "move gamma: proposal -> won"
        assert "gamma" not in [f.deal.id for c in app.columns for f in c.deals]  # won: off the open board
    # gamma is in qualified: > to proposal, > to won (not to the next column, fridge)
    drive(three, ["l", "greater_than_sign", "greater_than_sign"], check)


def test_less_than_from_the_first_stage_says_there_is_none(three):
    before = three.read_bytes("acme")

    async def check(app, pilot):
        assert app.message == "acme: no previous stage on this board"
    drive(three, ["less_than_sign"], check)
    assert three.read_bytes("acme") == before


def test_a_deal_another_pipe_moved_since_the_last_poll_is_not_moved_from_the_stage_it_had(three, run):
    """acme on screen in Lead, moved to Proposal by another pipe before the board saw it: > would have taken
    it back to Qualified (the next stage after Lead), L would lose a deal just won. Refused, the board redrawn."""
    from pipecli.cli.tui import workspace_key

    async def check(app, pilot):
        assert run(three, "move", "acme", "proposal", "--force").exit_code == 0
        app.seen_key = workspace_key(three)  # as if it came just after a poll: the board still shows Lead
        before = three.read_bytes("acme")
        await pilot.press("greater_than_sign")
        assert three.read_bytes("acme") == before
        assert app.message == "pipe: acme was moved to proposal meanwhile (by another pipe), not moved: " \
                              "the board shows it now"
        assert app.selected.deal.id == "acme" and app.current.stage.id == "proposal"
        assert run(three, "move", "acme", "won").exit_code == 0
        app.seen_key = workspace_key(three)
        await pilot.press("L", *"price", "enter")
        assert three.load("acme").stage == "won" and app.message.startswith("pipe: acme was moved to won meanwhile")
    drive(three, [], check)


def test_a_message_quoting_a_deal_file_reaches_the_screen_printable(three):
    """acme's file edited by hand to a stage holding escape sequences: the refusal quotes it, as `pipe move`'s
    one line does, its ESC and BEL as spaces (they would have gone to the terminal as they are)."""
    from pipecli.cli.tui import workspace_key

    async def check(app, pilot):
        path = three.root / "deals" / "acme.md"
        path.write_text(path.read_text().replace("stage: lead", 'stage: "x\\e]0;pwned\\a\\e[2J"', 1))
        app.seen_key = workspace_key(three)  # as if edited just after a poll
        await pilot.press("greater_than_sign")
        shown = str(app.query_one("#message").render())
        assert shown == "pipe: acme was moved to x ]0;pwned  [2J meanwhile (by another pipe), not moved: " \
                        "the board shows it now", repr(shown)
    drive(three, [], check)


def test_capital_l_under_a_deals_page_does_nothing(three):
    async def check(app, pilot):
        assert type(app.screen).__name__ == "DealScreen" and len(app.screen_stack) == 2
    drive(three, ["enter", "L"], check)


def test_capital_l_loses_the_deal_with_a_reason_and_escape_keeps_it(three):
    before = three.read_bytes("beta")

    async def kept(app, pilot):
        assert app.message == "beta: not moved"
    drive(three, ["j", "L", *"pri", "escape"], kept)
    assert three.read_bytes("beta") == before

    async def lost(app, pilot):
        deal = three.load("beta")
        assert (deal.stage, deal.lost_reason) == ("lost", "price")
        assert app.message == "move beta: lead -> lost (price)"
    drive(three, ["j", "L", *"price", "enter"], lost)


def test_a_move_into_a_lost_stage_asks_the_reason(parked):
    async def check(app, pilot):
        deal = parked.load("delta")
        assert (deal.stage, deal.lost_reason) == ("lost", "price")
        assert app.message == "move delta: fridge -> lost (price)"
        assert app.selected.deal.id == "delta" and app.current.stage.id == "lost"
    drive(parked, [*TO_FRIDGE, "less_than_sign", *"price", "enter"], check, show_closed=True)


def test_escape_at_the_lost_reason_moves_nothing(parked):
    before = parked.read_bytes("delta")

    async def check(app, pilot):
        assert app.message == "delta: not moved" and app.current.stage.id == "fridge"
    drive(parked, [*TO_FRIDGE, "less_than_sign", *"pri", "escape"], check, show_closed=True)
    assert parked.read_bytes("delta") == before


def test_an_unknown_lost_reason_is_refused_as_pipe_move_refuses_it(parked, run):
    before = parked.read_bytes("delta")
    said = failed(run(parked, "move", "delta", "lost", "--reason", "cheap"))

    async def check(app, pilot):
        assert app.message == said and "price, competitor, stale" in said
    drive(parked, [*TO_FRIDGE, "less_than_sign", *"cheap", "enter"], check, show_closed=True)
    assert parked.read_bytes("delta") == before


def test_enter_opens_the_deal_and_escape_goes_back(three, run):
    shown = run(three, "show", "gamma").stdout

    async def check(app, pilot):
        page = str(app.screen.query_one("#deal").render())
        assert page.splitlines()[0] == shown.splitlines()[0]
        assert "Call them" in page  # its task
        await pilot.press("escape")
        assert app.screen.query("#board") and app.selected.deal.id == "gamma"
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0
    drive(three, ["l", "enter"], check)


def pipe(workspace, *args):
    """`pipe ARGS` run in another process, as in another terminal."""
    return subprocess.run([sys.executable, "-m", "pipecli", "-C", str(workspace.root), *args], capture_output=True,
                          text=True, check=True)


async def seen_within(pilot, seconds, predicate) -> float:
    """How long until predicate() held, waiting at most seconds (then it fails)."""
    import time

    start = time.monotonic()
    while not predicate():
        assert time.monotonic() - start < seconds, f"not seen within {seconds} s"
        await pilot.pause(0.1)
    return time.monotonic() - start


def test_a_move_and_a_log_by_another_pipe_are_seen_on_the_board_within_two_seconds(three):
    def activities(app, deal_id):
        return [f.deal.data.get("activities") or [] for c in app.columns for f in c.deals if f.deal.id == deal_id][0]

    async def check(app, pilot):
        pipe(three, "move", "beta", "proposal", "--force")
        await seen_within(pilot, 2.0, lambda: [f.deal.id for f in app.columns[2].deals] == ["beta"])
        assert "Proposal (1)" in board_lines(app)
        pipe(three, "log", "gamma", "call", "Asked for the contract")
        await seen_within(pilot, 2.0, lambda: [a["summary"] for a in activities(app, "gamma")] ==
                          ["Asked for the contract"])
        await pilot.press("l", "enter")  # gamma's page shows it
        assert "Asked for the contract" in str(app.screen.query_one("#deal").render())
    drive(three, [], check)


def test_a_move_on_the_board_while_pipe_log_waits_on_the_same_lock_loses_neither(three):
    """Another pipe holds the workspace lock; `pipe log acme` waits on it, and so does > on the board: when it
    is let go, both changes land in acme's file, whichever came first."""
    import time

    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pipecli.core.store.workspace import Workspace; from pathlib import Path\n"
        "with Workspace(Path(sys.argv[1])).lock():\n    print('held', flush=True); time.sleep(4)\n"),
        str(three.root)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    logging = subprocess.Popen([sys.executable, "-m", "pipecli", "-C", str(three.root), "log", "acme", "call",
                                "Jonas wants a demo"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    async def check(app, pilot):
        start = time.monotonic()
        await pilot.press("greater_than_sign")  # waits for the lock, as pipe move would
        assert time.monotonic() - start > 0.5  # it did wait: the holder had it
        assert app.message == "move acme: lead -> qualified"
        assert logging.wait(timeout=30) == 0, logging.stderr
        await seen_within(pilot, 2.0, lambda: app.selected.deal.data.get("activities"))
    try:
        drive(three, [], check)
    finally:
        holder.wait(timeout=30)
        if logging.poll() is None:
            logging.kill()
    deal = three.load("acme")
    assert deal.stage == "qualified" and [a["summary"] for a in deal.data["activities"]] == ["Jonas wants a demo"]
    assert holder.returncode == 0


def test_moves_are_committed_when_autocommit_is_on(make_workspace, monkeypatch):
    from tests.conftest import committed_repository

    workspace = make_workspace({"acme": simple_deal("acme")}, config=CONFIG + "git: {autocommit: true}\n")
    git = committed_repository(workspace.root, monkeypatch)

    async def check(app, pilot):
        assert git("log", "-1", "--format=%s").strip() == "move acme: lead -> qualified"
        assert git("status", "--porcelain", "deals") == ""
    drive(workspace, ["greater_than_sign"], check)


def test_a_commit_that_fails_is_said_and_made_with_the_next_change(make_workspace, monkeypatch):
    """git busy (its index.lock held): the move is made, the failed commit said; the next change commits both
    (the next one was said as made and silently left uncommitted, the first never committed)."""
    from tests.conftest import committed_repository

    workspace = make_workspace({"acme": simple_deal("acme")}, config=CONFIG + "git: {autocommit: true}\n")
    git = committed_repository(workspace.root, monkeypatch)
    index_lock = workspace.root / ".git" / "index.lock"

    async def check(app, pilot):
        index_lock.write_text("")
        await pilot.press("greater_than_sign")
        assert app.message.startswith("pipe: changed deals/acme.md but did not commit: ")
        assert workspace.load("acme").stage == "qualified"
        index_lock.unlink()
        await pilot.press("greater_than_sign")
        assert app.message == "move acme: qualified -> proposal"
        assert git("log", "-1", "--format=%B").startswith(
            "move acme: lead -> qualified\n\nmove acme: qualified -> proposal\n")
        assert git("status", "--porcelain", "deals") == ""
    drive(workspace, [], check)


def test_c_logs_a_call_with_the_summary_typed(three):
    async def check(app, pilot):
        entry = three.load("acme").data["activities"][-1]
        assert (entry["kind"], entry["summary"]) == ("call", "Jonas wants a demo")
        assert app.message == f"log {entry['id']} (acme): call Jonas wants a demo"
    drive(three, ["c", *"Jonas wants a demo", "enter"], check)


@pytest.mark.parametrize("key,kind", [("e", "email"), ("m", "meeting"), ("n", "note")])
def test_e_m_n_log_an_email_a_meeting_a_note_as_pipe_log(three, run, key, kind):
    async def check(app, pilot):
        entry = three.load("acme").data["activities"][-1]
        assert (entry["kind"], entry["summary"]) == (kind, "Asked about SSO")
        assert app.message == f"log {entry['id']} (acme): {kind} Asked about SSO"
    drive(three, [key, *"Asked about SSO", "enter"], check)
    by_cli = run(three, "log", "beta", kind, "Asked about SSO")  # the same entry as the CLI writes
    assert by_cli.exit_code == 0
    ours, theirs = (dict(three.load(d).data["activities"][-1]) for d in ("acme", "beta"))
    assert {k: v for k, v in ours.items() if k != "id"} == {k: v for k, v in theirs.items() if k != "id"}


def test_the_footer_shows_every_key_in_80_columns(three):
    async def check(app, pilot):
        from textual.widgets._footer import FooterKey

        keys = list(app.screen.query(FooterKey))
        assert {k.key_display for k in keys} >= {">/<", "L", "c/e/m/n", "x", "/", "p", "q"}
        assert max(k.region.right for k in keys) <= 80 and all(k.region.width for k in keys)
    drive(three, [], check)


def test_escape_at_the_prompt_logs_nothing(three):
    before = three.read_bytes("acme")

    async def check(app, pilot):
        assert app.message == "no call logged"
    drive(three, ["c", *"oops", "escape"], check)
    assert three.read_bytes("acme") == before


def test_x_finishes_the_next_step_with_the_next_one(three):
    async def check(app, pilot):
        tasks = three.load("acme").tasks
        assert [(t["text"], t["status"]) for t in tasks] == [("Call them", "done"), ("Send pricing", "open")]
        assert app.message.endswith("(acme): Call them; next: Send pricing")
    drive(three, ["x", *"Send pricing", "enter", "enter"], check)  # no due date


def test_x_asks_the_next_steps_due_date_as_due_takes_it(three, run):
    assert run(three, "task", "done", "beta#ta1234", "--next", "Send pricing", "--due", "3d").exit_code == 0
    due = three.load("beta").tasks[-1]["due"]

    async def check(app, pilot):
        task = three.load("acme").tasks[-1]
        assert (task["text"], task["status"], task["due"]) == ("Send pricing", "open", due)
        assert app.message.endswith(f"(acme): Call them; next: Send pricing, due {due}")
    drive(three, ["x", *"Send pricing", "enter", *"3d", "enter"], check)


def test_a_bad_due_date_is_said_and_changes_nothing(three, run):
    said = failed(run(three, "task", "done", "beta#ta1234", "--next", "Send pricing", "--due", "soonish"))
    before = three.read_bytes("acme")

    async def check(app, pilot):
        assert app.message == said and "\n" not in app.message
        assert app.is_running and app.screen is app.screen_stack[0]
    drive(three, ["x", *"Send pricing", "enter", *"soonish", "enter"], check)
    assert three.read_bytes("acme") == before


def test_escape_at_the_due_date_changes_nothing(three):
    before = three.read_bytes("acme")

    async def check(app, pilot):
        assert app.message == "no task changed"
    drive(three, ["x", *"Send pricing", "enter", "escape"], check)
    assert three.read_bytes("acme") == before


def test_slash_filters_with_the_cli_options_and_p_switches_pipeline(three, run):
    async def check(app, pilot):
        assert [[f.deal.id for f in c.deals] for c in app.columns][:2] == [["acme"], ["gamma"]]  # beta: 2000
        top = str(app.query_one("#top").render())  # said while it is on, not only in the message line
        assert top == "Sales board  stage 1/4  filter: --min-value 3000 --pipeline sales", top
        await pilot.press("slash", *"--bad", "enter")
        assert app.message.startswith("pipe: No such option '--bad'")
        await pilot.press("p")
        assert [c.stage.id for c in app.columns] == ["intro"]
        assert [f.deal.id for f in app.columns[0].deals] == ["delta"]  # --pipeline sales went with the switch
        assert str(app.query_one("#top").render()).startswith("Partners board  stage 1/1  filter: --min-value 3000")
        assert "--pipeline" not in str(app.query_one("#top").render())
    three.root.joinpath("deals", "delta.md").write_text(simple_deal("delta", pipeline="partners", stage="intro",
                                                                    value=9000))
    drive(three, ["slash", *"--min-value 3000 --pipeline sales", "enter"], check)


def test_a_filter_naming_another_pipeline_shows_its_board_and_a_stage_of_none_is_refused(three):
    """As `pipe board --pipeline partners` shows that board: kept on Sales, the board went empty, nothing said."""
    async def check(app, pilot):
        assert app.pipeline.id == "partners" and [c.stage.id for c in app.columns] == ["intro"]
        assert [f.deal.id for f in app.columns[0].deals] == ["delta"] and app.message == "filter: --pipeline partners"
        await pilot.press("slash", *(["backspace"] * 40), *"--stage proposal", "enter")
        assert app.message == "pipe: stage 'proposal' is not in pipeline partners"
        assert app.filter_text == "--pipeline partners" and [f.deal.id for f in app.columns[0].deals] == ["delta"]
    three.root.joinpath("deals", "delta.md").write_text(simple_deal("delta", pipeline="partners", stage="intro"))
    drive(three, ["slash", *"--pipeline partners", "enter"], check)


def test_help_typed_as_a_filter_is_refused_and_the_board_stays(three):
    async def check(app, pilot):
        assert app.is_running and app.crash is None and app.message == "pipe: No such option '--help'."
        assert [f.deal.id for f in app.columns[0].deals] == ["acme", "beta"]
    drive(three, ["slash", *"--help", "enter"], check)


def test_the_selected_card_is_one_block_of_reverse_video_the_width_of_its_column(three):
    async def check(app, pilot):
        lines = app.query_one("#board").render().split("\n")
        at = next(i for i, line in enumerate(lines) if line.plain.startswith("Acme "))
        card = lines[at:at + 2]  # its title, then "5,000 EUR · alice", shorter than the column
        assert card[1].plain.startswith("5,000 EUR · alice ")
        width = 19  # four stages in 80 columns
        for line in card:
            shown = {n for span in line.spans if "reverse" in str(span.style) for n in range(span.start, span.end)}
            assert shown == set(range(width)), (line.plain, line.spans)
    drive(three, [], check)


def test_a_board_wider_than_the_screen_scrolls_to_the_selected_stage_and_follows_a_resize(three):
    async def check(app, pilot):
        text = board_lines(app)  # 80 columns, with --all: five stages of six
        assert "Lead (2)" in text and "Lost (0)" in text and "Fridge" not in text
        await pilot.press(*"lllll")
        text = board_lines(app)
        assert "Fridge (0)" in text and "Lead (2)" not in text
        await pilot.resize_terminal(120, 30)
        await pilot.pause()
        text = board_lines(app)
        assert all(f"{name} (" in text for name in ("Lead", "Qualified", "Proposal", "Won", "Lost", "Fridge")), text
        assert max(len(line) for line in text.splitlines()) > 80
    drive(three, [], check, show_closed=True)


def test_at_80_columns_five_stages_fit_side_by_side_the_cards_cut_with_an_ellipsis(three):
    three.root.joinpath("deals", "long.md").write_text(
        simple_deal("long", value=12345, owner="bob", title="A very long deal title that cannot fit"))

    async def check(app, pilot):
        lines = board_lines(app).splitlines()  # with --all: six stages, five shown
        assert all(f"{name} (" in lines[0] for name in ("Lead", "Qualified", "Proposal", "Won", "Lost"))
        assert all(len(line) <= 80 for line in lines)
        assert any(line.startswith("A very long de… ") for line in lines), lines
        assert any(line.startswith("12.3k EUR · bob ") for line in lines), lines  # short, the owner kept
        assert any(line.startswith("wtd ") for line in lines)  # the totals on two lines: 7k · wtd 700 does not fit
    drive(three, [], check, show_closed=True)


def test_deep_in_a_column_of_2000_deals_a_key_draws_the_cards_in_view_only(make_workspace, monkeypatch):
    """Each key drew every card of the column and summed their heights again per card scrolled past: half a
    second a key at the 4,000th of 5,000 deals. Now the cards in view; the same ones, in the same order."""
    import pipecli.cli.tui as tui

    workspace = make_workspace({f"d{i:04d}": simple_deal(f"d{i:04d}") for i in range(2000)})
    drawn = []
    real_card = tui._card
    monkeypatch.setattr(tui, "_card", lambda f, *args: drawn.append(f.deal.id) or real_card(f, *args))

    async def check(app, pilot):
        app.row = 1500
        drawn.clear()
        await pilot.press("j")
        await pilot.pause()
        assert app.selected.deal.id == "d1501" and 0 < len(drawn) < 40, len(drawn)
        lines = [line.rstrip() for line in board_lines(app).splitlines()]
        hidden = next(line for line in lines if line.startswith("↑ "))
        first = int(hidden.split()[1])
        titles = [line for line in lines if line.startswith("D")]
        assert titles == [f"D{i:04d}" for i in range(first + 1, first + 1 + len(titles))] and "D1501" in titles
        assert lines[-1] == "↓ more" and len(lines) <= 24
    drive(workspace, [], check)


def test_a_stage_name_too_long_for_its_column_is_cut_and_its_count_kept(three):
    config = three.root / "pipelines.yaml"
    config.write_text(config.read_text().replace("name: Qualified,", "name: Qualification call,"))

    async def check(app, pilot):
        heading = board_lines(app).splitlines()[0]  # with --all: five stages of 15 columns
        assert heading.startswith("Lead (2)        Qualificat… (1) Proposal (0)"), heading
    drive(three, [], check, show_closed=True)


def test_an_edited_pipelines_yaml_is_read_again_and_a_broken_one_is_said(three):
    async def check(app, pilot):
        config = three.root / "pipelines.yaml"
        config.write_text(config.read_text().replace("name: Lead,", "name: Leads,"))
        await pilot.pause(2.5)
        assert "Leads (2)" in board_lines(app)
        config.write_text("pipelines: [\n")
        await pilot.pause(2.5)
        assert app.message.startswith("pipe: pipelines.yaml") and app.is_running
    drive(three, [], check)


def test_the_pipeline_shown_removed_from_pipelines_yaml_is_said_and_its_filter_dropped(three):
    async def check(app, pilot):
        assert app.pipeline.id == "partners"
        config = three.root / "pipelines.yaml"
        config.write_text(config.read_text().split("- id: partners")[0])
        await seen_within(pilot, 2.5, lambda: app.pipeline.id == "sales")
        assert app.message == "pipe: pipeline partners is no longer in pipelines.yaml: showing sales"
        assert app.deal_filter.pipeline is None and app.filter_text == ""
        assert [f.deal.id for f in app.columns[0].deals] == ["acme", "beta"]
    drive(three, ["slash", *"--pipeline partners", "enter"], check)


def test_every_key_with_pipelines_yaml_broken_says_it_and_the_board_stays(three):
    """Each key read the broken pipelines.yaml again and its ConfigError ended the board as a crash."""
    config = three.root / "pipelines.yaml"
    good = config.read_text()
    before = {d: three.read_bytes(d) for d in ("acme", "beta", "gamma")}
    said = "pipe: pipelines.yaml:2: error: while parsing a flow node"

    async def check(app, pilot):
        config.write_text("pipelines: [\n")
        await seen_within(pilot, 2.5, lambda: app.message.startswith(said))
        for keys in (["greater_than_sign"], ["L"], ["p"], ["enter"], ["c", "x", "enter"], ["x", "a", "enter", "enter"],
                     ["slash", *"--pipeline sales", "enter"], ["j", "l"]):
            app.message = ""
            await pilot.press(*keys)
            await pilot.pause()
            assert app.is_running and app.crash is None, (keys, app.crash)
            assert app.screen is app.screen_stack[0], keys
            assert keys == ["j", "l"] or app.message.startswith(said), (keys, app.message)
        assert {d: three.read_bytes(d) for d in before} == before
        config.write_text(good)
        await pilot.pause(1.5)
        await pilot.press("greater_than_sign")
        assert app.message == "move gamma: qualified -> proposal"
    drive(three, [], check)


def test_a_deal_file_that_does_not_parse_is_left_out_and_said(three):
    three.root.joinpath("deals", "broken.md").write_text("---\ntitle: [\n---\n")

    async def check(app, pilot):
        assert app.message.startswith("pipe: warning: 1 deal file(s) do not parse and are left out: deals/broken.md")
        assert [f.deal.id for f in app.columns[0].deals] == ["acme", "beta"]
    drive(three, [], check)


def test_a_deal_file_broken_while_the_board_is_open_is_said_not_dropped_silently(three):
    async def check(app, pilot):
        path = three.root / "deals" / "beta.md"
        good = path.read_text()
        path.write_text(good.replace("title: Beta", "title: [Beta"))
        await seen_within(pilot, 2.5, lambda: [f.deal.id for f in app.columns[0].deals] == ["acme"])
        assert app.message.startswith("pipe: warning: 1 deal file(s) do not parse and are left out: deals/beta.md")
        await pilot.press("greater_than_sign")  # acme, still selected, moves
        assert three.load("acme").stage == "qualified" and path.read_text() != good
        path.write_text(good)
        await seen_within(pilot, 2.5, lambda: [f.deal.id for f in app.columns[0].deals] == ["beta"])
        assert list(app.pipe_app.workspace.skipped) == []  # mended: not named again on quitting
    drive(three, [], check)


def test_interactive_needs_a_terminal_and_the_text_format(three, run):
    failed(run(three, "board", "-i"), "needs a terminal")
    failed(run(three, "board", "-i", "--format", "json"), "leave out --format")


def test_no_other_command_imports_textual(three):
    code = ("import sys; from pipecli.cli.main import cli\n"
            "try:\n    cli(['-C', sys.argv[1], 'board'])\nexcept SystemExit:\n    pass\n"
            "print('textual' in sys.modules, file=sys.stderr)")
    done = subprocess.run([sys.executable, "-c", code, str(three.root)], capture_output=True, text=True,
                          env={**os.environ})
    assert done.stderr.strip().splitlines()[-1] == "False", done.stderr


def test_an_unexpected_error_ends_the_app_without_a_traceback(three, monkeypatch):
    import pipecli.cli.tui

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(pipecli.cli.tui, "render_show", broken)  # what Enter calls

    async def check(app, pilot):
        assert isinstance(app.crash, RuntimeError) and app.return_code == 1 and not app.is_running
    drive(three, ["enter"], check)  # run_test re-raises an exception Textual handled: none here


def test_in_a_real_terminal_a_crash_restores_the_terminal_and_says_one_line(three):
    """A bug inside the app (Enter made to raise RuntimeError): exit 1, the alternate screen left, then one
    `pipe: ...` line and no traceback."""
    code = ("import sys, pipecli.cli.tui as tui\n"
            "def broken(*args, **kwargs):\n    raise RuntimeError('boom')\n"
            "tui.render_show = broken\n"
            "from pipecli.cli.main import main\n"
            "sys.argv = ['pipe', '-C', sys.argv[1], 'board', '-i']\nmain()\n")
    session = in_a_terminal([sys.executable, "-c", code, str(three.root)], [(b"\r", None)], b"Qualified (1)")
    seen = session.seen
    assert session.code == 1, seen[-2000:]
    session.assert_terminal_restored()
    import re
    after = re.sub(r"\x1b\[\?\d+[hl]", "", seen.rsplit(b"\x1b[?1049l", 1)[1].decode(errors="replace"))  # modes reset
    lines = [line for line in after.replace("\r", "").splitlines() if line.strip()]
    assert lines == ["pipe: the interactive board stopped on an unexpected error: RuntimeError: boom"], after
    assert b"Traceback" not in seen


@dataclasses.dataclass
class Session:
    """What a program did on a pty: its exit code, all it wrote, the pty's modes (as `stty -g`) before and after."""
    code: int
    seen: bytes
    modes_before: list
    modes_after: list

    def assert_terminal_restored(self) -> None:
        """The terminal as it was: the same modes (echo, icanon...), the alternate screen left, the cursor shown."""
        assert self.modes_after == self.modes_before
        assert self.seen.rfind(b"\x1b[?1049l") > self.seen.rfind(b"\x1b[?1049h") >= 0, self.seen[-400:]
        assert self.seen.rfind(b"\x1b[?25h") > self.seen.rfind(b"\x1b[?25l") >= 0, self.seen[-400:]


def resize(rows, columns):
    """A step: the terminal resized to columns x rows, as a terminal window does it (SIGWINCH)."""
    def step(process, terminal):
        import fcntl
        import signal
        import struct
        import termios

        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
        os.killpg(process.pid, signal.SIGWINCH)
    return step


def in_a_terminal(argv, steps, drawn, env=None, rows=24, columns=80) -> Session:
    """Run argv on a pty of columns x rows; once drawn is on screen, take each step (a key typed, or a function
    of the process and the pty) and wait until its output (or None) comes; return the Session."""
    import fcntl
    import pty
    import select
    import struct
    import termios
    import time

    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", rows, columns, 0, 0))
    modes_before = termios.tcgetattr(terminal)
    env = {**os.environ, "TERM": "xterm-256color", **(env or {})}
    env.pop("COLUMNS", None)
    env = {k: v for k, v in env.items() if v is not None}
    process = subprocess.Popen(argv, stdin=terminal, stdout=terminal, stderr=terminal, env=env,
                               start_new_session=True)
    seen = b""

    def read_until(predicate, seconds=30.0):
        nonlocal seen
        end = time.monotonic() + seconds
        while not predicate() and time.monotonic() < end:
            if select.select([controller], [], [], 0.2)[0]:
                try:
                    chunk = os.read(controller, 65536)
                except OSError:
                    return
                if not chunk:
                    return
                seen += chunk

    try:
        read_until(lambda: drawn in seen)
        time.sleep(0.5)  # the first frame is drawn before the keys are read
        for step, shown in steps:
            mark = len(seen)
            if callable(step):
                step(process, terminal)
            else:
                os.write(controller, step)
            if shown is not None:
                read_until(lambda: shown in seen[mark:])
        read_until(lambda: process.poll() is not None, 15)
        read_until(lambda: False, 0.5)  # what is left to read
        return Session(process.wait(timeout=15), seen, modes_before, termios.tcgetattr(terminal))
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
        os.close(terminal)


def test_in_a_real_terminal_the_board_moves_a_deal_and_quits_cleanly(three):
    """On a pty at 80x24: the board draws, > moves the first deal, q quits with 0 and the terminal as it was."""
    session = in_a_terminal([sys.executable, "-m", "pipecli", "-C", str(three.root), "board", "-i"],
                            [(b">", b"move acme: lead -> qualified"), (b"q", None)], b"Qualified (1)")
    assert session.code == 0, session.seen[-2000:]
    assert three.load("acme").stage == "qualified"
    session.assert_terminal_restored()


COLOUR = re.compile(rb"\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9;]*)?m")  # an SGR setting a colour
SGR = re.compile(rb"\x1b\[([0-9;]*)m")


@pytest.mark.parametrize("no_color,options,coloured", [
    ("1", [], False), ("yes", [], False), (None, ["--color", "never"], False),
    (None, [], True), ("1", ["--color", "always"], True)])
def test_under_no_color_the_board_sends_no_colour_at_all_and_reverse_shows_the_selection(three, no_color, options,
                                                                                        coloured):
    """NO_COLOR set to anything (no-color.org), or --color never: not one colour escape, not even Textual's
    256-colour greys; the selected card in reverse video, the footer's keys in bold. Neither, or --color
    always (as for every command): colours."""
    session = in_a_terminal([sys.executable, "-m", "pipecli", *options, "-C", str(three.root), "board", "-i"],
                            [(b"c", b"summary"), (b"\x1b", b"no call logged"), (b"q", None)], b"Qualified (1)",
                            env={"NO_COLOR": no_color})
    assert session.code == 0, session.seen[-2000:]
    if coloured:  # a true colour, not only a grey of the 256-colour cube or ramp
        cube = [int(n) - 16 for n in re.findall(rb"[34]8;5;(\d+)", session.seen) if 16 <= int(n) < 232]
        assert any(len({n // 36, n // 6 % 6, n % 6}) > 1 for n in cube), sorted(set(cube))
        return
    assert not COLOUR.search(session.seen), sorted(set(COLOUR.findall(session.seen)))[:10]
    attributes = [set(p.split(b";")) for p in SGR.findall(session.seen)]
    assert any(b"7" in a for a in attributes) and any(b"1" in a for a in attributes)


def sample_workspace(tmp_path):
    """A copy of the repository's sample workspace (pipelines.yaml and deals/), to be changed freely."""
    import shutil

    root = tmp_path / "sample"
    shutil.copytree(ROOT / "deals", root / "deals")
    shutil.copy(ROOT / "pipelines.yaml", root / "pipelines.yaml")
    return root


def test_at_80x24_every_stage_of_the_samples_default_pipeline_is_on_screen_with_its_total(tmp_path):
    from pipecli.render.board import board_columns

    root = sample_workspace(tmp_path)
    app = App(str(root))
    from pipecli.core.model.queries import select

    chosen = select(app.workspace.deals(skip_bad=True), app.config, DealFilter(), app.today)
    columns = board_columns(app.config.default_pipeline, chosen, False)
    headings = [f"{c.stage.name} ({c.totals.count})".encode() for c in columns]
    assert len(headings) >= 5
    session = in_a_terminal([sys.executable, "-m", "pipecli", "-C", str(root), "board", "-i"], [(b"q", None)],
                            headings[-1])
    assert session.code == 0, session.seen[-2000:]
    first_frame = session.seen[:session.seen.index(headings[-1]) + 200]
    assert all(h in first_frame for h in headings), (headings, first_frame[-2000:])
    text = SGR.sub(b"", session.seen)
    assert b" c/e/m/n log " in text and b" q quit " in text  # the footer, to its last key


def test_ctrl_c_quits_and_leaves_the_terminal_as_it_was(three):
    session = in_a_terminal([sys.executable, "-m", "pipecli", "-C", str(three.root), "board", "-i"],
                            [(b"\x03", None)], b"Qualified (1)")
    assert session.code == 0, session.seen[-2000:]
    session.assert_terminal_restored()


@pytest.mark.parametrize("name,code", [("SIGTERM", 143), ("SIGHUP", 129)])
def test_kill_term_or_hup_ends_the_board_with_the_terminal_as_it_was(three, name, code):
    """Without a handler Python dies at once on either, the pty left raw, on the alternate screen, no cursor."""
    import signal

    def kill(process, terminal):
        process.send_signal(getattr(signal, name))
    session = in_a_terminal([sys.executable, "-m", "pipecli", "-C", str(three.root), "board", "-i"],
                            [(kill, None)], b"Qualified (1)")
    assert session.code == code, session.seen[-2000:]
    session.assert_terminal_restored()


def test_a_resize_to_40x12_and_back_redraws_and_quits_cleanly(three):
    session = in_a_terminal([sys.executable, "-m", "pipecli", "-C", str(three.root), "board", "-i"],
                            [(resize(12, 40), b"Lead (2)"), (resize(24, 80), b"Proposal (0)"), (b"q", None)],
                            b"Qualified (1)")
    assert session.code == 0, session.seen[-2000:]
    session.assert_terminal_restored()


def test_filters_given_on_the_command_line_show_on_the_top_line(three):
    """`pipe board -i --search beta --min-value 1000`: the board says the filter in force from the start."""
    session = in_a_terminal([sys.executable, "-m", "pipecli", "-C", str(three.root), "board", "-i",
                             "--search", "beta", "--min-value", "1000"], [(b"q", None)], b"Lead (1)")
    assert session.code == 0, session.seen[-2000:]
    assert b"filter: --min-value 1000 --search beta" in session.seen  # in the options' order


def test_slash_starts_from_the_filter_given_on_the_command_line(three):
    from textual.widgets import Input

    from pipecli.cli.tui import BoardApp, parse_filter

    async def main():
        pipe_app = App(str(three.root))
        text = "--search beta --min-value 1000"
        app = BoardApp(pipe_app, pipe_app.config.pipeline("sales"), parse_filter(pipe_app, text), False, text)
        async with app.run_test(size=(80, 24)) as pilot:
            assert [[f.deal.id for f in c.deals] for c in app.columns][0] == ["beta"]
            await pilot.press("slash")
            await pilot.pause()
            assert app.screen.query_one(Input).value == text  # edited, not typed again
    asyncio.run(main())


def test_filter_text_given_rebuilds_what_was_typed(make_workspace):
    import click

    from pipecli.cli.options import deal_filter_options, filter_text_given

    seen = {}

    @click.command()
    @deal_filter_options
    @click.pass_context
    def command(ctx, deal_filter):
        seen["text"] = filter_text_given(ctx)

    app = App(str(make_workspace({}).root))
    command.main(["--owner", "alice", "--tag", "a b", "--rotting", "--min-value", "1000"], obj=app,
                 standalone_mode=False)
    assert seen["text"] == "--owner alice --tag 'a b' --min-value 1000 --rotting"
