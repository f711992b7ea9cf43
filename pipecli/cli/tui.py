"""`pipe board -i`: the kanban as a full-screen Textual app.

Imported only by that command (Textual costs a quarter of a second to import): no other command pays
for it. The columns are render/board.py's, so the app shows the same deals, order and totals as
`pipe board`; every change goes through the same core and lock as `pipe move` (App.update).
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal

from rich.text import Text
from textual.app import App as TextualApp
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.filter import Monochrome, NoColor
from textual.screen import Screen
from textual.widgets import Footer, Input, Static

from pipecli.cli.main import one_line
from pipecli.core.errors import PipeError
from pipecli.core.model.queries import facts, select
from pipecli.core.store.cache import file_key
from pipecli.core.workflow import lifecycle
from pipecli.core.workflow import tasks as task_ops
from pipecli.core.workflow.timeline import log_interaction
from pipecli.render import money
from pipecli.render.board import Column, board_columns
from pipecli.render.deals import render_show
from pipecli.render.style import Style, printable

# a stage name as long as "Negotiation (12)" and a card's "24k USD · maya" still fit: five stages side
# by side in 80 columns
MIN_COLUMN = 15
GAP = 1
POLL_SECONDS = 1.0


def workspace_key(workspace) -> tuple:
    """What changes when any deal file or pipelines.yaml does: names and stat keys, no file read."""
    keys = []
    with os.scandir(workspace.deals_dir) as entries:
        for entry in entries:
            if entry.name.endswith(".md"):
                try:
                    keys.append((entry.name, file_key(entry.stat())))
                except FileNotFoundError:
                    continue
    try:
        keys.append(("pipelines.yaml", file_key(os.stat(workspace.root / "pipelines.yaml"))))
    except FileNotFoundError:
        pass
    return tuple(sorted(keys))


def _card(f, width: int, selected: bool) -> list[Text]:
    deal = f.deal
    owner = printable(deal.owner or "no owner")
    if deal.data.get("value") is None:
        second = f"no value · {owner}"
    else:  # 24,000 USD · maya; in a narrow column 24k USD · maya, so the owner is not cut off
        second = f"{money.amount(deal.value, deal.currency)} · {owner}"
        if len(second) > width:
            second = f"{money.short(deal.value)} {deal.currency or ''}".rstrip() + f" · {owner}"
    lines = [Text(printable(deal.title), style="bold"), Text(second)]
    flags = f.attention()
    if flags:
        words = {"rotting": f"rotting {f.days_in_stage}d", "no-next-step": "no next step", "overdue": "overdue"}
        said = " · ".join(words[x] for x in flags)
        if len(said) > width:  # "rot 17d·overdue": both flags still seen in a 15-column card
            short = {"rotting": f"rot {f.days_in_stage}d", "no-next-step": "no step", "overdue": "overdue"}
            said = "·".join(short[x] for x in flags)
        lines.append(Text(said, style="red" if f.rotting or f.next_step_overdue else "yellow"))
    for line in lines:
        line.truncate(width, overflow="ellipsis")
        if selected:  # padded first, so the whole card is one block of reverse video
            line.pad_right(width - line.cell_len)
            line.stylize("reverse")
    return lines


def _totals(column: Column) -> list[str]:
    sums = column.totals
    return [money.short(sums.value)] + ([f"wtd {money.short(sums.weighted)}"] if column.stage.is_open else [])


def _column_lines(column: Column, width: int, selected_row: int | None, height: int,
                  totals_lines: int) -> list[Text]:
    """A column's heading (its totals on one line, or two when totals_lines says they do not fit) and as
    many cards as fit in height lines, the selected one in view."""
    stage, totals = column.stage, _totals(column)
    shown = [" · ".join(totals)] if totals_lines == 1 else totals + [""] * (totals_lines - len(totals))
    # the name cut, not the count: "Qualification (3)" in 15 columns was "Qualification…", its count gone
    count = f" ({column.totals.count})"
    name = Text(printable(stage.name), style="bold")
    name.truncate(max(1, width - len(count)), overflow="ellipsis")
    name.append(count)
    head = [name, *(Text(line) for line in shown), Text("─" * width)]
    deals = column.deals
    if not deals:
        return head + [Text("(no deals)", style="dim")]
    room = max(1, height - len(head))
    # Only the cards in view are drawn: a column of 5,000 deals drew all of them at each key, and summed their
    # heights again for each card scrolled past (half a second a key deep in the column). A card is its title,
    # value and owner, its flags if any, a blank line.
    first = 0
    if selected_row is not None:  # scroll down until the selected card ends inside the column
        heights = [4 if f.attention() else 3 for f in deals[:selected_row + 1]]
        below = sum(heights)
        while first < selected_row and below > room:
            below -= heights[first]
            first += 1
    body: list[Text] = []
    for i in range(first, len(deals)):
        if len(body) > room:  # enough to fill the column and see that more follow
            break
        body += _card(deals[i], width, i == selected_row) + [Text("")]
    if first:
        body[0] = Text(f"↑ {first} more", style="dim")
    if len(body) > room:
        body = body[:room - 1] + [Text("↓ more", style="dim")]
    return head + body


class DealScreen(Screen):
    """One deal as `pipe show` renders it; Escape goes back."""

    BINDINGS = [Binding("escape", "app.pop_screen", "back"), Binding("q", "app.quit", "quit")]

    def __init__(self, text: str):
        super().__init__()
        self.text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll():
            yield Static(Text.from_ansi(self.text), id="deal")
        yield Footer()


class BoardView(Static):
    """The columns, drawn at whatever size the view has now (so a resize redraws them)."""

    def render(self) -> Text:
        return self.app.board_text(self.size.width or 80, self.size.height or 20)


class Prompt(Screen):
    """One line of text asked for at the foot of the screen; Enter gives it, Escape gives None."""

    BINDINGS = [Binding("escape", "cancel", "cancel")]

    def __init__(self, question: str, value: str = ""):
        super().__init__()
        self.question, self.value = question, value

    def compose(self) -> ComposeResult:
        yield Static(Text(self.question, style="bold"))
        yield Input(value=self.value, id="answer")
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class BoardApp(TextualApp):
    """The board of one pipeline, filtered as the command line asked."""

    ENABLE_COMMAND_PALETTE = False  # its key would take a place in the footer an 80-column screen lacks
    # under NO_COLOR the prompt's cursor has no colour to show it by: reverse video does
    CSS = ("#board { height: 1fr; } #message { height: auto; max-height: 4; } #top { height: 1; } "
           "App:nocolor Input > .input--cursor { text-style: reverse; }")
    BINDINGS = [
        Binding("left,h", "column(-1)", "stage", show=False),
        Binding("right,l", "column(1)", "stage", show=False),
        Binding("up,k", "row(-1)", "deal", show=False),
        Binding("down,j", "row(1)", "deal", show=False),
        # one footer entry for > and <, as for the log keys: room for L in 80 columns
        Binding("greater_than_sign", "move(1)", "move", key_display=">/<"),
        Binding("less_than_sign", "move(-1)", "prev", show=False),
        Binding("L", "lose", "lost"),
        Binding("enter", "open", "open"),
        # one footer entry for the four log keys: four would not fit in 80 columns
        Binding("c", "log('call')", "log", key_display="c/e/m/n"),
        Binding("e", "log('email')", "email", show=False),
        Binding("m", "log('meeting')", "meeting", show=False),
        Binding("n", "log('note')", "note", show=False),
        Binding("x", "finish_task", "done"),
        Binding("slash", "filter", "filter", key_display="/"),
        Binding("p", "pipeline", "pipeline"),
        Binding("q", "quit", "quit"),
        Binding("ctrl+c", "quit", "quit", show=False, priority=True),
    ]
    BOARD_ACTIONS = {"column", "row", "move", "lose", "open", "log", "finish_task", "filter", "pipeline"}

    def __init__(self, pipe_app, pipeline, deal_filter, show_closed: bool, filter_text: str = ""):
        super().__init__()
        self.pipe_app = pipe_app
        self.pipeline = pipeline
        self.deal_filter = deal_filter
        self.show_closed = show_closed
        self.columns: list[Column] = []
        self.column = 0
        self.row = 0
        self.message = ""
        self.filter_text = filter_text  # the filters given on the command line: shown, and `/` edits them
        self.seen_key: tuple = ()
        self.crash: Exception | None = None
        self.no_colour = NoColor()
        if pipe_app.colour != "auto":  # --color never / always, as for every command, over NO_COLOR
            self.no_color = pipe_app.colour == "never"
        self.stopped_by: int | None = None  # the signal that ended the app, if one did

    def compose(self) -> ComposeResult:
        yield Static(id="top")
        yield BoardView(id="board")
        yield Static(id="message")
        yield Footer()

    def get_line_filters(self):
        """Under NO_COLOR (unless --color always) or --color never, no colour at all: Textual's own filter (Monochrome) still paints
        every cell in 256-colour greys; NoColor leaves the terminal's colours (bold and reverse mark the selection)."""
        filters = [f for f in super().get_line_filters() if not isinstance(f, Monochrome)]
        return filters + [self.no_colour] if self.no_color else filters

    def _handle_exception(self, error: Exception) -> None:
        """A bug (not a PipeError, which the message line shows): end the app, which restores the
        terminal, and leave run_board to say it in one line instead of Textual's traceback."""
        if self.crash is None:
            self.crash = error
        self._exception_event.set()  # as Textual's own handler: a test pilot waiting on the app stops waiting
        self.exit(return_code=1)

    def on_mount(self) -> None:
        self.reload()
        self.set_interval(POLL_SECONDS, self.poll)
        # kill (TERM) or a closed terminal (HUP) would end Python where it stands, the terminal left raw, on
        # the alternate screen, its cursor hidden: end the app instead, which puts it back
        loop = asyncio.get_running_loop()
        for name in ("SIGTERM", "SIGHUP"):
            try:
                loop.add_signal_handler(getattr(signal, name), self.stop_on, getattr(signal, name))
            except (AttributeError, NotImplementedError, RuntimeError):  # Windows; not the main thread
                pass

    def stop_on(self, signum: int) -> None:
        self.stopped_by = signum
        self.exit(return_code=128 + signum)

    # -- state ------------------------------------------------------------------------------
    def reload(self) -> None:
        """Read the deals again (unchanged files come from the cache) and keep the selected deal selected.
        A pipelines.yaml broken by an edit is said, and the board stays as it was until it is mended: raised,
        it ended the board at the next key (each reads the workspace's config again)."""
        try:
            self.read_board()
        except PipeError as error:
            self.message = f"pipe: {error}"
        self.draw()

    def read_board(self) -> None:
        chosen_id = self.selected.deal.id if self.selected is not None else None
        workspace = self.pipe_app.workspace
        key = workspace_key(workspace)
        config_changed = self.seen_key and dict(key).get("pipelines.yaml") != dict(self.seen_key).get("pipelines.yaml")
        self.seen_key = key  # a broken pipelines.yaml is said once, not again at each poll
        if config_changed:
            workspace.reload_config()  # edited or pulled: its stages and gates apply from now on
            kept = self.pipe_app.config.pipeline(self.pipeline.id)
            if kept is None:  # removed or renamed: say it, or the board changes under the user's eyes
                self.message = (f"pipe: pipeline {self.pipeline.id} is no longer in pipelines.yaml: "
                                f"showing {self.pipe_app.config.default_pipeline.id}")
                self.drop_pipeline_filter()
            self.pipeline = kept or self.pipe_app.config.default_pipeline
        was_bad = set(workspace.skipped)
        workspace.skipped.clear()  # the files bad now: one mended since is not named again on quitting
        chosen = select(workspace.deals(skip_bad=True), self.pipe_app.config, self.deal_filter, self.pipe_app.today)
        newly_bad = sorted(set(workspace.skipped) - was_bad)
        if newly_bad:  # as `pipe board` does, left out, and said: when opened, or as soon as an edit breaks one
            self.message = (f"pipe: warning: {len(newly_bad)} deal file(s) do not parse and are left out: "
                            f"{', '.join(newly_bad)[:120]}; run 'pipe check'")
        self.columns = board_columns(self.pipeline, chosen, self.show_closed)
        for c, column in enumerate(self.columns):
            for r, f in enumerate(column.deals):
                if f.deal.id == chosen_id:
                    self.column, self.row = c, r
        self.column = min(self.column, max(0, len(self.columns) - 1))
        self.row = min(self.row, max(0, len(self.current.deals) - 1)) if self.columns else 0

    def poll(self) -> None:
        """Another `pipe` wrote a deal: show it (the stat of each file, read only when changed)."""
        try:
            changed = workspace_key(self.pipe_app.workspace) != self.seen_key
        except OSError as error:  # deals/ gone (a checkout, say): said, the board stays up, and looks again
            return self.say(f"pipe: {error}")
        if changed:
            self.reload()

    @property
    def current(self) -> Column:
        return self.columns[self.column]

    @property
    def selected(self):
        if not self.columns or not self.current.deals:
            return None
        return self.current.deals[min(self.row, len(self.current.deals) - 1)]

    def say(self, message: str) -> None:
        self.message = message
        self.draw()

    # -- keys -------------------------------------------------------------------------------
    def action_column(self, step: int) -> None:
        if self.columns:
            self.column = max(0, min(len(self.columns) - 1, self.column + step))
            self.row = min(self.row, max(0, len(self.current.deals) - 1))
            self.draw()

    def action_row(self, step: int) -> None:
        if self.columns and self.current.deals:
            self.row = max(0, min(len(self.current.deals) - 1, self.row + step))
            self.draw()

    def check_action(self, action: str, parameters) -> bool | None:
        """The board's keys work on the board only, not under a deal's page or a prompt."""
        return not (action in self.BOARD_ACTIONS and self.screen is not self.screen_stack[0])

    def change(self, deal_id: str, change, describe, words: dict[str, str] | None = None) -> None:
        """Change one deal as the CLI does (under the lock, refusing what `pipe check` would), commit it
        when autocommit is on, and say what happened, or the refusal, in the message line (an input it
        names, such as force, said as words gives it: the board has no key for it)."""
        app = self.pipe_app
        try:
            _, done = app.update(deal_id, change)
            said, warning = describe(done)
            app.note_change(said)
            app.commit_step("board")
            if warning:
                said += f" (warning: {warning})"
        except PipeError as error:
            from pipecli.cli.output import worded

            parts = getattr(error, "said", None)
            if words and hasattr(parts, "worded"):
                said = f"pipe: {parts.worded(lambda named: words.get(named.field, named.words))}"
            else:
                said = f"pipe: {worded(error)}"
        self.message = said
        self.reload()

    def target_stage(self, chosen, step: int):
        """Where > and < take a deal: an open one along the pipeline's open stages, on from the last
        of them to its won stage, shown or not (the board hides won and lost without --all); any
        other (won, lost, parked) to the next or previous column."""
        stages = self.pipeline.stages
        here = self.pipeline.stage(chosen.deal.stage)
        if here is not None and here.kind == "open":
            ladder = [st for st in stages if st.kind == "open"]
            won = self.pipeline.first_of_kind("won")
            ladder += [won] if won is not None else []
            at = ladder.index(here) + step
            return ladder[at] if 0 <= at < len(ladder) else None
        target = self.column + step
        return self.columns[target].stage if 0 <= target < len(self.columns) else None

    def action_move(self, step: int) -> None:
        """Move the selected deal to the next or previous stage (target_stage), as `pipe move` would."""
        chosen = self.selected
        if chosen is None:
            return self.say("no deal selected")
        stage = self.target_stage(chosen, step)
        if stage is None:
            return self.say(f"{chosen.deal.id}: no {'next' if step > 0 else 'previous'} stage on this board")
        self.move_to(chosen, stage)

    def action_lose(self) -> None:
        """Move the selected deal to its pipeline's lost stage, asking the reason: `pipe move DEAL lost`."""
        chosen = self.selected
        if chosen is None:
            return self.say("no deal selected")
        lost = self.pipeline.first_of_kind("lost")
        if lost is None:
            return self.say(f"{chosen.deal.id}: pipeline {self.pipeline.id} has no lost stage")
        if chosen.deal.stage == lost.id:
            return self.say(f"{chosen.deal.id} is already {lost.id}")
        self.move_to(chosen, lost)

    def move_to(self, chosen, stage) -> None:
        """Move the deal to stage through the core; into a lost stage, once the reason is given."""
        app = self.pipe_app

        def described(moved):
            reason = f" ({printable(moved.deal.lost_reason)})" if moved.to.kind == "lost" else ""
            return f"move {moved.deal.id}: {moved.from_stage} -> {moved.to.id}{reason}", moved.warning

        shown_in = chosen.deal.stage

        def moved(reason: str | None) -> None:
            def move(d):
                # the target was chosen from the stage on screen: another pipe may have moved the deal since the
                # last poll, and > would then take it backwards (or L lose a deal just won)
                if d.stage != shown_in:
                    raise PipeError(f"{d.id} was moved to {d.stage} meanwhile (by another pipe), not moved: "
                                    "the board shows it now")
                return lifecycle.move(d, app.config, stage.id, app.today, app.author, reason=reason)

            self.change(chosen.deal.id, move, described, {"force": f"'pipe move {chosen.deal.id} {stage.id} --force'"})

        if stage.kind != "lost":
            return moved(None)

        def reasoned(reason: str | None) -> None:  # as `pipe move DEAL lost --reason R`; Escape: no move
            if reason is None:
                return self.say(f"{chosen.deal.id}: not moved")
            moved(reason.strip())

        try:
            reasons = ", ".join(app.config.lost_reasons) or "any text"
        except PipeError as error:  # pipelines.yaml broken since the board opened
            return self.say(f"pipe: {error}")
        self.push_screen(Prompt(f"{printable(chosen.deal.title)} to {printable(stage.name)}: the lost reason "
                                f"({printable(reasons)}; Escape cancels)"), reasoned)

    def action_log(self, kind: str) -> None:
        """Log a call, email, meeting or note on the selected deal, its summary asked for, as
        `pipe log DEAL KIND SUMMARY`."""
        chosen, app = self.selected, self.pipe_app
        if chosen is None:
            return self.say("no deal selected")

        def logged(summary: str | None) -> None:
            if not summary:
                return self.say(f"no {kind} logged")
            self.change(chosen.deal.id,
                        lambda d: log_interaction(d, app.config, kind, summary, app.today, app.author),
                        lambda entry: (f"log {entry['id']} ({chosen.deal.id}): {kind} {printable(summary)}", None))

        what = {"call": "Call with", "email": "Email with", "meeting": "Meeting with", "note": "Note on"}[kind]
        self.push_screen(Prompt(f"{what} {printable(chosen.deal.title)}: summary (Enter logs, Escape cancels)"), logged)

    def action_finish_task(self) -> None:
        """Mark the selected deal's next step done, with the next one asked for, as `pipe task done --next`."""
        chosen, app = self.selected, self.pipe_app
        if chosen is None:
            return self.say("no deal selected")
        task = chosen.next_task
        if task is None:
            return self.say(f"{chosen.deal.id} has no open task")

        def finished(next_text: str | None) -> None:
            if next_text is None:
                return self.say("no task changed")
            if not next_text.strip():
                return finish_with(None)

            def dated(due: str | None) -> None:
                if due is None:
                    return self.say("no task changed")
                finish_with(lifecycle.NextStep(next_text, due.strip() or None, None))

            self.push_screen(Prompt(f"Next: {printable(next_text)}. Due (3d, 1w, a date, as --due; empty: none; "
                                    "Escape cancels)"), dated)

        def finish_with(next_step) -> None:  # a bad due date: the core refuses it before anything is written
            def finish(d):
                return task_ops.finish(d, app.config, task_ops.task_index(d, task["id"]), "done", app.today,
                                       app.author, next_step=next_step)

            def described(done):
                said = f"task done {done.ref} ({chosen.deal.id}): {printable(str(done.task.get('text')))}"
                if done.next_task is not None:
                    said += f"; next: {printable(str(done.next_task.get('text')))}"
                    if done.next_task.get("due"):
                        said += f", due {done.next_task['due']}"
                return said, done.warning

            self.change(chosen.deal.id, finish, described)

        self.push_screen(Prompt(f"Done: {printable(str(task.get('text')))}. The next step (Enter; empty: none; "
                                "Escape cancels)"), finished)

    def action_filter(self) -> None:
        """Filter the board with the CLI's filter options, typed as on the command line."""
        def filtered(text: str | None) -> None:
            if text is None:
                return
            try:
                deal_filter = parse_filter(self.pipe_app, text)
                # as `pipe board --pipeline P` shows P's board: kept on this one, it would be empty, nothing said
                pipeline = self.pipe_app.config.pipeline(deal_filter.pipeline) if deal_filter.pipeline else self.pipeline
            except (PipeError, ValueError) as error:
                return self.say(f"pipe: {error}")
            elsewhere = [s for s in deal_filter.stages if pipeline.stage(s) is None]
            if elsewhere and len(elsewhere) == len(deal_filter.stages):  # as `pipe board --stage S` refuses it
                return self.say(f"pipe: stage '{elsewhere[0]}' is not in pipeline {pipeline.id}")
            if pipeline.id != self.pipeline.id:
                self.pipeline, self.column, self.row = pipeline, 0, 0
            self.deal_filter, self.filter_text = deal_filter, text
            self.message = f"filter: {text}" if text.strip() else "no filter"
            self.reload()

        self.push_screen(Prompt("Filter, as on the command line (--owner maya --rotting; empty: none)",
                                self.filter_text), filtered)

    def action_pipeline(self) -> None:
        """Show the next pipeline's board (they come in pipelines.yaml's order)."""
        try:
            pipelines = self.pipe_app.config.pipelines
        except PipeError as error:  # pipelines.yaml broken since the board opened
            return self.say(f"pipe: {error}")
        at = next((i for i, p in enumerate(pipelines) if p.id == self.pipeline.id), -1)
        self.pipeline = pipelines[(at + 1) % len(pipelines)]
        self.drop_pipeline_filter()
        self.column = self.row = 0
        self.message = f"pipeline {self.pipeline.id}"
        self.reload()

    def drop_pipeline_filter(self) -> None:
        """Leave the filter's --pipeline and --stage: they name the pipeline left, and would empty the new board."""
        self.deal_filter = dataclasses.replace(self.deal_filter, pipeline=None, stages=())
        self.filter_text = without_options(self.filter_text, ("--pipeline", "--stage"))

    def action_open(self) -> None:
        chosen = self.selected
        if chosen is None:
            return
        app = self.pipe_app
        try:
            loaded = facts(app.workspace.load(chosen.deal.id), app.config, app.today)
        except PipeError as error:
            return self.say(f"pipe: {error}")
        self.push_screen(DealScreen(render_show(loaded, Style(True), app.today)))

    # -- drawing ----------------------------------------------------------------------------
    def draw(self) -> None:
        top = Text(f"{printable(self.pipeline.name)} board", style="bold")
        if self.columns:
            top.append(f"  stage {self.column + 1}/{len(self.columns)}", style="dim")
        if self.filter_text.strip():  # the message line that said it is soon overwritten
            top.append(f"  filter: {printable(self.filter_text.strip())}")
        top.truncate(self.size.width or 80, overflow="ellipsis")
        self.query_one("#top", Static).update(top)
        # as the CLI's own messages: a refusal may quote a deal file, which may hold an escape sequence
        self.query_one("#message", Static).update(Text(one_line(self.message)))
        self.query_one("#board", BoardView).refresh()

    def board_text(self, width: int, height: int) -> Text:
        if not self.columns:
            return Text("(no stages to show)")
        fit = max(1, min(len(self.columns), (width + GAP) // (MIN_COLUMN + GAP)))
        first = min(max(0, self.column - fit + 1), len(self.columns) - fit)
        shown = range(first, first + fit)
        col_width = max(10, (width - GAP * (fit - 1)) // fit)
        # the same heading height in every column, so that their cards line up
        totals_lines = 1 if all(len(" · ".join(_totals(self.columns[c]))) <= col_width for c in shown) else 2
        cells = [_column_lines(self.columns[c], col_width, self.row if c == self.column else None, height,
                               totals_lines) for c in shown]
        out = Text()
        for n in range(max(len(lines) for lines in cells)):
            for i, lines in enumerate(cells):
                line = lines[n].copy() if n < len(lines) else Text("")
                line.truncate(col_width, overflow="ellipsis")
                line.pad_right(col_width - line.cell_len)
                out.append_text(line)
                if i < len(cells) - 1:
                    out.append(" " * GAP)
            out.append("\n")
        out.rstrip()
        return out


def without_options(text: str, names: tuple[str, ...]) -> str:
    """Filter options as typed, less the options named (each with its value: --stage S, --stage=S)."""
    import shlex

    try:
        words = shlex.split(text)
    except ValueError:  # it did not parse, so it is not the filter in force
        return ""
    kept, skip = [], False
    for word in words:
        if skip:
            skip = False
        elif word in names:
            skip = True
        elif not word.startswith(tuple(f"{name}=" for name in names)):
            kept.append(word)
    return shlex.join(kept)


def parse_filter(pipe_app, text: str):
    """A DealFilter from filter options typed as on the command line, through the same click options."""
    import shlex

    import click

    from pipecli.cli.options import deal_filter_options

    # no --help: it prints the help (onto the full screen) and ends the command with click's Exit, which
    # ended the board as a crash
    @click.command("filter", add_help_option=False)
    @deal_filter_options
    def command(deal_filter):
        return deal_filter

    try:
        with command.make_context("filter", shlex.split(text), obj=pipe_app) as ctx:
            return command.invoke(ctx)
    except click.UsageError as error:
        raise PipeError(error.format_message()) from None


def run_board(pipe_app, pipeline, deal_filter, show_closed: bool, filter_text: str = "") -> None:
    """Run the board until q; Textual puts the terminal back as it found it (also on Ctrl-C or a crash).
    An unexpected error inside the app comes out as a PipeError: one `pipe: ...` line and exit 1."""
    app = BoardApp(pipe_app, pipeline, deal_filter, show_closed, filter_text)
    app.run()
    if app.stopped_by is not None:  # as if the signal had ended it, now that the terminal is back
        raise SystemExit(128 + app.stopped_by)
    if app.crash is not None:
        crash = app.crash
        raise PipeError(f"the interactive board stopped on an unexpected error: {type(crash).__name__}: {crash}")
