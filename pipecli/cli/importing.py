"""The import command: deals from a CSV or spreadsheet, through rules, presets or --map."""

from __future__ import annotations

from pathlib import Path

import click

from pipecli.cli.options import commit_option
from pipecli.cli.output import progress, warn, warn_duplicate, worded
from pipecli.core.errors import InvalidValue, Message
from pipecli.core.importing.rejects import refuse_unaccounted, rejections, without_rows, write_rejects
from pipecli.core.importing.rules import PRESETS, TARGETS, Importer, Rules, add_joins, parse_rules, preset_rules
from pipecli.core.importing.tables import read_table
from pipecli.core.model.duplicates import DuplicateIndex, in_play
from pipecli.core.workflow import bulk
from pipecli.render.style import printable


@click.command("import")
@click.argument("file", metavar="FILE")
@click.option("--pipeline", metavar="P", help="The pipeline deals go into (default: the rules', else the first).")
@click.option("--map", "maps", multiple=True, metavar="COLUMN=FIELD", help="Read FIELD from COLUMN (repeatable).")
@click.option("--stage-map", "stage_maps", multiple=True, metavar="'SOURCE=stage'", help="A stage name of the file and the stage it is here (repeatable).")
@click.option("--rules", "rules_file", metavar="FILE", help="A rules file (YAML): columns, stages, constants, the id column.")
@click.option("--preset", type=click.Choice(PRESETS), help="Read another CRM's export (or pipe's own) as it comes.")
@click.option("--id", "id_column", metavar="COLUMN", help="The column that identifies a row (kept as external_id).")
@click.option("--date-format", metavar="FMT", help="How dates are written, as in strftime: %d/%m/%Y (default: ISO or M/D/YYYY).")
@click.option("--encoding", metavar="ENC", help="The file's encoding (default: UTF-8; a file with no UTF-8 text at all, cp1252).")
@click.option("--delimiter", metavar="D", help="The CSV delimiter (default: the one of , ; tab | in the header).")
@click.option("--raw", is_flag=True,
              help="Keep the ' before formula-like text (=, +, -, @) in CSV cells; by default one comes off, "
                   "as pipe's CSVs add it.")
@click.option("--update", is_flag=True, help="Update deals imported before whose row changed.")
@click.option("--add-owners", is_flag=True, help="Add owners not on the team to pipelines.yaml.")
@click.option("--next", "next_step", metavar="TEXT", help="Give every imported open deal this next step.")
@click.option("--skip-bad", is_flag=True,
              help="Import the good rows and write the refused ones, with a reason column, to FILE's name "
                   "with .rejected.csv (-2, -3... if taken); without it one bad row stops the import.")
@click.option("--dry-run", is_flag=True, help="Only say what would be created, updated and skipped.")
@click.option("--force", is_flag=True, help="Import without looking for likely duplicates (same account, similar title).")
@commit_option
@click.pass_obj
def import_(app, file, pipeline, maps, stage_maps, rules_file, preset, id_column, date_format, encoding, delimiter,
            raw, update, add_owners, next_step, skip_bad, dry_run, force):
    """Import deals from a CSV or .xlsx file.

    Columns become fields through --map, a rules file or a preset. A row's id
    (--id, or id: in the rules) is kept as external_id: importing the same
    file again creates nothing new, and --update brings changed rows in.
    Created, won, lost and close dates fill the stage history. Nothing is
    written unless every row can be imported (--skip-bad: the good ones, the
    others set aside in a file beside FILE). A new deal with the same account
    and a similar title as one not won or lost is named in a warning (--force
    skips this). See docs/import.md.

    \b
    Example:
      pipe import deals.csv --map "Deal Name=title" --map Amount=value \\
        --id "Record ID"
      pipe import sales_pipeline.csv --rules examples/maven-crm.rules.yaml \\
        --add-owners --dry-run
    """
    path = Path(file)
    rules = Rules()
    if preset == "pipe":
        ignored = [name for name, given in (("--rules", rules_file), ("--map", maps), ("--stage-map", stage_maps),
                                            ("--id", id_column), ("--pipeline", pipeline), ("--add-owners", add_owners),
                                            ("--next", next_step), ("--date-format", date_format), ("--raw", raw),
                                            ("--skip-bad", skip_bad)) if given]
        if ignored:
            raise InvalidValue(f"--preset pipe reads pipe's own export as it is: {ignored[0]} does not apply")
        _import_export(app, path, update, dry_run, force)
        return
    if preset is not None:
        rules = preset_rules(preset)
    if rules_file is not None:
        rules_path = Path(rules_file)
        if not rules_path.is_file():
            raise InvalidValue(f"no rules file {rules_file}")
        try:
            rules_text = rules_path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidValue(f"{rules_file}: not UTF-8 text; save the rules file as UTF-8") from None
        rules = rules.merged(parse_rules(rules_text, rules_file, rules_path.parent))
    rules = rules.merged(command_line_rules(maps, stage_maps))
    rules = rules.merged(Rules(id_column=id_column, date_format=date_format, encoding=encoding, delimiter=delimiter))
    if not rules.fields and not rules.constants:
        raise InvalidValue("nothing says which column is which: give --map COLUMN=FIELD, --rules FILE or --preset")

    def read(where: Path):
        return read_table(where, encoding=rules.encoding, delimiter=rules.delimiter, raw=raw)

    table = read(path)
    if table.encoding == "cp1252" and rules.encoding is None:
        click.echo(f"pipe: note: {printable(file)} is not UTF-8 (and holds no UTF-8 text): read as cp1252, "
                   "what Excel on Windows saves; give --encoding if it is another", err=True)
    own_columns = list(table.headers)  # the rejected rows go out as they came in, without joined columns
    histories = add_joins(table, rules, path.parent, read)
    workspace, config = app.workspace, app.config
    with workspace.lock():
        existing = app.deals()
        importer = Importer(config, rules, existing, app.today, app.user, pipeline=pipeline, update=update,
                            add_owners=add_owners, next_step=next_step, skip_bad=skip_bad)
        plan = importer.plan(table, histories)
        rejected = {row: "; ".join(worded(Message(*parts)) for parts in reasons)
                    for row, reasons in rejections(importer).items()}
        refuse_unaccounted(table, plan, set(rejected))
        plan = without_rows(plan, set(rejected))
        if not force:
            _warn_duplicates(existing, [item.deal for item in plan.items if item.action == "create"], config)
        for note in plan.notes:
            click.echo(f"pipe: note: {note}", err=True)
        _warn_gates([item.deal for item in plan.items if item.action in ("create", "update")], config)
        created, updated, skipped = (plan.count(a) for a in ("create", "update", "skip"))
        reasons: dict[str, int] = {}
        for item in plan.items:
            if item.action == "skip":
                reasons[_kind_of_skip(item.why)] = reasons.get(_kind_of_skip(item.why), 0) + 1
        if plan.new_owners:
            click.echo("new team members: " + ", ".join(f"{i} ({n})" for i, n in plan.new_owners), err=True)
        summary = f"{created} to create, {updated} to update, {skipped} to skip"
        if reasons:
            summary += " (" + "; ".join(f"{n}: {why}" for why, n in sorted(reasons.items())) + ")"
        if rejected:
            summary += f", {len(rejected)} to reject"
        if dry_run:
            lines = [(item.row, " ".join(w for w in [f"row {item.row}: {item.action}", item.deal.id if item.deal else "",
                                                     f"({item.why})" if item.why else ""] if w)) for item in plan.items]
            lines += [(row, f"row {row}: reject ({why})") for row, why in rejected.items()]
            for _, line in sorted(lines, key=lambda pair: pair[0]):
                click.echo(printable(line))
            click.echo(f"dry run: {summary}; nothing changed", err=True)
            return
        if rejected:
            written = write_rejects(path, table, own_columns, {row: f"row {row}: {why}" for row, why in rejected.items()},
                                    raw)
            if not plan.items:  # a mistake about the whole file (a rules key, a rate) rejects every row: not a success
                raise InvalidValue(f"{printable(file)}: nothing imported: all {len(rejected)} rows were rejected; "
                                   f"they are written with their reasons to {printable(str(written))}")
            warn(f"{len(rejected)} bad row(s) not imported (rows {', '.join(map(str, list(rejected)[:8]))}"
                 f"{' ...' if len(rejected) > 8 else ''}): written with their reasons to {written}")
        if plan.new_owners:
            workspace.add_team_members(plan.new_owners)
        writes = [bulk.Planned(item.deal, item.action) for item in plan.items if item.action in ("create", "update")]
        bulk.write(workspace.write, workspace.is_saved, writes, progress("import"), workspace.check_writable,
                   workspace.batch)
    click.echo(f"imported: {created} created, {updated} updated, {skipped} skipped"
               + (f", {len(rejected)} rejected" if rejected else ""))
    app.note_change(f"import {printable(Path(file).name)}: {created} created, {updated} updated")


def _kind_of_skip(why: str) -> str:
    """Skips grouped by kind for the summary: 'already imported', 'up to date', 'same id'."""
    for kind in ("already imported", "is up to date", "same id"):
        if kind in why:
            return kind.replace("is up to date", "up to date")
    return why


WARNED_DUPLICATES = 10  # beyond these, one line counts the rest: a warning per row of a big file buries the summary


def _warn_duplicates(existing: list, created: list, config) -> None:
    """A warning for each deal to create that likely duplicates a deal not won or lost, there or
    created before it by this import (core/model/duplicates.py), the first WARNED_DUPLICATES in full."""
    index = DuplicateIndex(existing, config)
    warned = 0
    for deal in created:
        if not in_play(deal, config):  # imported won or lost: history, not a second try at a live deal
            continue
        external_id = deal.data.get("external_id")
        others = index.matches(deal.title, deal.account, external_id=external_id)
        if others:
            warned += 1
            if warned <= WARNED_DUPLICATES:
                warn_duplicate(deal.id, others)
        index.add(deal.id, deal.title, deal.account, external_id)
    if warned > WARNED_DUPLICATES:
        warn(f"{warned - WARNED_DUPLICATES} more new deals are likely the same as others: 'pipe check' lists them all")


def _warn_gates(deals: list, config) -> None:
    """One warning per gated stage imported deals are in without what it requires, with how to list them."""
    from pipecli.core.importing.gates import short_of_gates

    for entry in short_of_gates(deals, config):
        listing = "pipe list" + (f" --pipeline {entry.pipeline}" if entry.shared else "") + f" --stage {entry.stage}"
        listing += "".join(f" --missing {name}" for name in entry.requires)
        warn(f"{entry.deals} imported deal(s) in {entry.stage} lack what its gate requires "
             f"({', '.join(entry.missing)}): imported all the same; list them with '{listing}'")


def _import_export(app, path: Path, update: bool, dry_run: bool, force: bool) -> None:
    """--preset pipe: the deals of a `pipe export` file, with their own ids, as they were."""
    from pipecli.core.importing.reimport import plan_reimport, read_export

    deals = read_export(path)
    workspace = app.workspace
    with workspace.lock():
        existing = app.deals()
        actions = plan_reimport(deals, {d.id: d for d in existing}, app.config, app.today, update)
        if not force:
            _warn_duplicates(existing, [deal for action, deal in actions if action == "create"], app.config)
        counts = {a: sum(1 for action, _ in actions if action == a) for a in ("create", "update", "skip")}
        _warn_gates([deal for action, deal in actions if action != "skip"], app.config)
        if dry_run:
            for action, deal in actions:
                click.echo(f"{action} {deal.id}")
            click.echo(f"dry run: {counts['create']} to create, {counts['update']} to update, {counts['skip']} to skip; "
                       "nothing changed", err=True)
            return
        writes = [bulk.Planned(deal, action) for action, deal in actions if action != "skip"]
        bulk.write(workspace.write, workspace.is_saved, writes, progress("import"), workspace.check_writable,
                   workspace.batch)
    click.echo(f"imported: {counts['create']} created, {counts['update']} updated, {counts['skip']} skipped")
    app.note_change(f"import {printable(path.name)}: {counts['create']} created, {counts['update']} updated")


def command_line_rules(maps: tuple[str, ...], stage_maps: tuple[str, ...]) -> Rules:
    """--map COLUMN=FIELD and --stage-map 'SOURCE=stage' as rules."""
    fields = {}
    for text in maps:
        column, sep, target = text.rpartition("=")
        if not sep or not column.strip() or not target.strip():
            raise InvalidValue(f"bad --map '{text}': use COLUMN=FIELD, like 'Deal Name=title'")
        if target.strip() not in TARGETS:
            raise InvalidValue(f"bad --map '{text}': unknown field '{target.strip()}' (fields: {', '.join(TARGETS)})")
        fields[target.strip()] = column.strip()
    stages = {}
    for text in stage_maps:
        source, sep, stage = text.rpartition("=")
        if not sep or not source.strip() or not stage.strip():
            raise InvalidValue(f"bad --stage-map '{text}': use 'SOURCE STAGE=stage', like 'Closed Won=won'")
        stages[source.strip()] = stage.strip()
    return Rules(fields=fields, stages=stages)
