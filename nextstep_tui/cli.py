"""The command line: scripts and shell logins keep a pipeline from here.

Only ``nextstep`` with no command (the app) loads the screen library, so the
other commands, ``agenda`` above all, start fast.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

import pendulum

from nextstep_tui import __version__
from nextstep_tui.config import Settings, fallback_settings, load_settings
from nextstep_tui.core.errors import InvalidInput, NextstepError
from nextstep_tui.core.model import (
    DropReason,
    Lead,
    LeadFields,
    ListView,
    State,
    StepInput,
    lacking_in_words,
)
from nextstep_tui.core.pipeline import Pipeline, open_pipeline
from nextstep_tui.core.text import parse_money, strip_controls
from nextstep_tui.core.when import (
    When,
    day_bounds,
    local_label,
    parse_day,
    parse_when,
    relative,
)
from nextstep_tui.storage.database import without_password as _without_password

# How events store their instants: ISO 8601 in UTC, as the pipeline writes them.
_INSTANT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+00:00")

DESCRIPTION = """\
nextstep keeps a sales pipeline in which every open lead has one real next
step: scheduled (a day and a time), agreed by the buyer, and advancing the
sale. With no command it opens the app."""

EPILOG = """\
when (--due, postpone, --recycle) is typed as people say it: today,
tomorrow 10am, fri, next tue 14:30, +3d, +2w, in 3 days, 2027-01-15 09:00,
15 jan, eom. Times are in your zone (config, then TZ, then the system).

the database is --db, else NEXTSTEP_DB, else the config file's, else a file
in your data directory; the config file is NEXTSTEP_CONFIG, else
config.toml in your config directory.
"""

REASONS = ", ".join(reason.value for reason in DropReason)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        handler: Callable[[argparse.Namespace, Settings], int] = args.handler
        return handler(args, _settings(args, handler))
    except NextstepError as error:
        print(f"nextstep: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _settings(
    args: argparse.Namespace, handler: Callable[[argparse.Namespace, Settings], int]
) -> Settings:
    """The settings; for doctor and team init, what can be had of them when
    the config (or the team it names) cannot be read: doctor says why."""
    try:
        return load_settings(database=args.db)
    except NextstepError as error:
        if handler not in (run_doctor, run_team_init):
            raise
        args.settings_error = str(error)
        return fallback_settings(args.db)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nextstep",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--version", action="version", version=f"nextstep {__version__}"
    )
    parser.add_argument("--db", metavar="PATH|URL", help="the database to use")
    parser.set_defaults(handler=run_app)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    def command(
        name: str, help: str, handler: Callable[..., int]
    ) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help, description=help)
        sub.add_argument(
            "--db",
            metavar="PATH|URL",
            help="the database to use",
            default=argparse.SUPPRESS,
        )
        sub.set_defaults(handler=handler)
        return sub

    sub = command("add", "add a lead with its first next step; prints its id", run_add)
    sub.add_argument("name")
    sub.add_argument("--company", default="")
    sub.add_argument("--contact", default="", help="the person you deal with")
    sub.add_argument("--email", default="")
    sub.add_argument("--phone", default="")
    sub.add_argument("--value", help="the deal's value, e.g. 12000 or 9.99")
    sub.add_argument("--source", default="")
    _step_options(sub)

    sub = command("done", "complete the lead's step and set the next one", run_done)
    sub.add_argument("id", type=int)
    _step_options(sub)
    sub.add_argument("--outcome", default="", help="what came of the step done")

    sub = command("postpone", "move the lead's step later (counted)", run_postpone)
    sub.add_argument("id", type=int)
    sub.add_argument("when", nargs="+", help="the new due time, e.g. 'fri 10am'")

    sub = command("drop", "drop the lead, optionally to recycle it on a day", run_drop)
    sub.add_argument("id", type=int)
    sub.add_argument("--reason", required=True, help=f"one of: {REASONS}")
    sub.add_argument("--note", default="")
    sub.add_argument("--recycle", metavar="WHEN", help="the day it comes back")

    sub = command("recycle", "reopen a dropped lead with a new next step", run_recycle)
    sub.add_argument("id", type=int)
    _step_options(sub)

    sub = command("win", "close the lead as won", run_win)
    sub.add_argument("id", type=int)
    sub.add_argument("--note", default="")

    sub = command("list", "list leads", run_list)
    sub.add_argument("--state", choices=[state.value for state in State])
    _rep_option(sub)
    sub.add_argument("--json", action="store_true", help="a JSON array of the leads")

    sub = command("agenda", "what is due now and next, for a login message", run_agenda)
    sub.add_argument(
        "--json", action="store_true", help="one JSON object per open lead"
    )
    sub.add_argument(
        "--now",
        type=int,
        default=20,
        metavar="N",
        help="how many steps due now to list (default 20; the rest are counted)",
    )
    sub.add_argument(
        "--next",
        type=int,
        default=5,
        metavar="N",
        help="how many later steps to show (default 5)",
    )
    _rep_option(sub)

    sub = command("show", "a lead, its step and its whole history", run_show)
    sub.add_argument("id", type=int)
    sub.add_argument("--json", action="store_true")

    sub = command(
        "cohorts", "leads by creation month: created, won, dropped, open", run_cohorts
    )
    sub.add_argument("--json", action="store_true")
    _rep_option(sub)

    sub = command("note", "add a talking point to a lead", run_note)
    sub.add_argument("id", type=int)
    sub.add_argument("text")

    sub = command("backup", "copy the database to a new file, while in use", run_backup)
    sub.add_argument("file", type=Path, metavar="FILE", help="the new file")

    command(
        "doctor", "what support needs: database, rights, zone, terminal", run_doctor
    )

    sub = command(
        "reassign", "give a lead to another rep (a team's manager)", run_reassign
    )
    sub.add_argument("id", type=int)
    sub.add_argument("rep", help="the login of the rep who takes it")

    _add_team(commands)

    sub = command(
        "migrate-to",
        "copy this pipeline into an empty PostgreSQL database, and check the copy",
        run_migrate_to,
    )
    sub.add_argument(
        "url",
        metavar="URL",
        help="the target, e.g. postgresql://ann@db.example/sales; it must be empty",
    )

    from nextstep_tui.transfer.commands import register

    register(commands, command)
    return parser


def _rep_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rep",
        metavar="LOGIN",
        help="one rep's leads (a team's manager; default: yours, or everyone's "
        "for a manager)",
    )


TEAM_HELP = """\
A team shares one database on one server. `team init` makes a folder with
the database and team.toml, owned by the team's unix group: its members
can use them and nobody else can. Each rep then names the team in their
config file (team = "/srv/sales") or with NEXTSTEP_TEAM. A rep sees and
changes their own leads; the managers that team.toml names (managers = [...]
or manager_group = "...") see everyone's, filter with --rep, and reassign.
"""


def _add_team(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    team = commands.add_parser(
        "team",
        help="make or look at a team's shared database",
        description=TEAM_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    team.set_defaults(handler=lambda args, settings: _usage(team))
    actions = team.add_subparsers(title="commands", metavar="COMMAND")

    sub = actions.add_parser(
        "init",
        help="make a team's folder, database and team.toml for a unix group",
        description="Make FOLDER (new or empty) with pipeline.db and team.toml, "
        "for the members of GROUP only, whatever their umask.",
    )
    sub.add_argument("folder", type=Path, metavar="FOLDER")
    sub.add_argument("--group", required=True, help="the unix group of the team")
    sub.add_argument(
        "--manager",
        action="append",
        default=[],
        metavar="LOGIN",
        help="a login who sees everyone's pipeline (repeat for more)",
    )
    sub.add_argument("--zone", help="the zone of team reports (default: none)")
    sub.set_defaults(handler=run_team_init)

    sub = actions.add_parser(
        "show",
        help="the team in use: you, the managers, each rep's open leads",
        description="The team of the database in use, your part in it, and "
        "each rep's open leads.",
    )
    sub.add_argument("--db", metavar="PATH|URL", default=argparse.SUPPRESS)
    sub.set_defaults(handler=run_team_show)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_team_init(args: argparse.Namespace, settings: Settings) -> int:
    from nextstep_tui.team import create_team, team_warnings

    team = create_team(
        args.folder, args.group, managers=tuple(args.manager), zone=args.zone
    )
    print(f"Made the team {team.group} in {team.file.parent}:")
    print(f"  {team.database}  (the database; the group reads and writes it)")
    print(f"  {team.file}  (managers, zone, targets; you edit it)")
    print(f'Each rep adds  team = "{team.file.parent}"  to their config file.')
    for warning in team_warnings(team):
        print(f"nextstep: note: {warning}", file=sys.stderr)
    return 0


def run_team_show(args: argparse.Namespace, settings: Settings) -> int:
    pipeline = open_pipeline(settings, create=False)
    access = pipeline.access
    if access.team is None:
        shown = _safe(_without_password(settings.database))
        print(f"{shown} is a personal database: all yours.")
        return 0
    part = "a manager" if access.manager else "a rep"
    print(f"team:     {_safe(access.team)}")
    print(f"you:      {_safe(access.rep)}, {part}")
    print(f"managers: {_safe(', '.join(access.managers) or '(none named)')}")
    print("open leads:")
    for rep, count in pipeline.reps():
        print(f"  {_safe(rep):<20} {count:>7}")
    return 0


def run_reassign(args: argparse.Namespace, settings: Settings) -> int:
    pipeline = open_pipeline(settings, create=False)
    before = pipeline.reassign(args.id, args.rep)
    if before == args.rep:
        print(f"Lead {args.id} is already {_safe(args.rep)}'s.")
    else:
        print(f"Lead {args.id} is now {_safe(args.rep)}'s (was {_safe(before)}'s).")
    return 0


def _step_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--step",
        required=True,
        metavar="ACTION",
        help="the next step's action, e.g. 'demo to the CFO'",
    )
    parser.add_argument("--due", required=True, metavar="WHEN", help="when it is due")
    parser.add_argument("--agreed", action="store_true", help="the buyer agreed to it")
    parser.add_argument(
        "--advances", action="store_true", help="it moves the sale forward"
    )


# -- handlers -----------------------------------------------------------------


def run_app(args: argparse.Namespace, settings: Settings) -> int:
    from nextstep_tui.ui.app import run

    return run(settings)


def run_add(args: argparse.Namespace, settings: Settings) -> int:
    fields = LeadFields(
        name=args.name,
        company=args.company,
        contact=args.contact,
        email=args.email,
        phone=args.phone,
        value_cents=parse_money(args.value),
        source=args.source,
    )
    pipeline = open_pipeline(settings)
    lead_id = pipeline.add_lead(fields, _step(args, pipeline))
    print(lead_id)  # the id alone, for scripts
    _warn_if_loose(pipeline, lead_id)
    return 0


def run_done(args: argparse.Namespace, settings: Settings) -> int:
    pipeline = open_pipeline(settings, create=False)
    pipeline.complete_step(args.id, _step(args, pipeline), outcome=args.outcome)
    print("Next step: " + _line(pipeline.get(args.id), pipeline))
    _warn_if_loose(pipeline, args.id)
    return 0


def run_postpone(args: argparse.Namespace, settings: Settings) -> int:
    pipeline = open_pipeline(settings, create=False)
    when = _when(" ".join(args.when), pipeline)
    count = pipeline.postpone(args.id, when)
    print(f"Postponed to {when.describe()} ({_times(count)} since the last step done).")
    if count >= pipeline.hopium_threshold:
        print(
            f"Lead {args.id} has been postponed {_times(count)}: firm it up with the "
            f"buyer, or drop it (nextstep drop {args.id} --reason ...).",
            file=sys.stderr,
        )
    return 0


def run_drop(args: argparse.Namespace, settings: Settings) -> int:
    reason = DropReason.parse(args.reason)
    pipeline = open_pipeline(settings, create=False)
    day = (
        parse_day(args.recycle, pipeline.now(), pipeline.zone) if args.recycle else None
    )
    pipeline.drop(args.id, reason, note=args.note, recycle_on=day)
    back = f"; it comes back on {day.isoformat()}" if day else ""
    print(f"Dropped #{args.id} ({reason.label}){back}.")
    return 0


def run_recycle(args: argparse.Namespace, settings: Settings) -> int:
    pipeline = open_pipeline(settings, create=False)
    pipeline.recycle(args.id, _step(args, pipeline))
    print("Back in the pipeline: " + _line(pipeline.get(args.id), pipeline))
    _warn_if_loose(pipeline, args.id)
    return 0


def run_win(args: argparse.Namespace, settings: Settings) -> int:
    open_pipeline(settings, create=False).win(args.id, note=args.note)
    print(f"Won #{args.id}.")
    return 0


def run_note(args: argparse.Namespace, settings: Settings) -> int:
    open_pipeline(settings, create=False).add_note(args.id, args.text)
    print(f"Talking point added to #{args.id}.")
    return 0


def _warn_if_loose(pipeline: Pipeline, lead_id: int) -> None:
    """Say on stderr what a loose step lacks: firm it up, or drop the lead."""
    step = pipeline.get(lead_id).step
    if step is not None and step.loose:
        print(
            f"nextstep: the step is loose ({lacking_in_words(step.missing)}); "
            "firm it up with the buyer, or drop the lead.",
            file=sys.stderr,
        )


def run_backup(args: argparse.Namespace, settings: Settings) -> int:
    from nextstep_tui.storage.upkeep import backup

    pipeline = open_pipeline(settings, create=False)
    pipeline.access.check_copies_all("A backup")
    copy = backup(pipeline.db, args.file)
    print(f"Backed up to {copy}.")
    return 0


def run_migrate_to(args: argparse.Namespace, settings: Settings) -> int:
    """Copy, then print each table's rows and checksum on both sides."""
    from nextstep_tui.storage.copying import copy_database

    if not args.url.startswith(("postgresql://", "postgres://")):
        raise InvalidInput(f"Name the target as postgresql://..., not {args.url!r}.")
    pipeline = open_pipeline(settings, create=False)
    pipeline.access.check_copies_all("A migration")
    shown: dict[str, int] = {}

    def progress(table: str, done: int, total: int) -> None:
        # A line per tenth of a table, so a long copy shows it is moving.
        tenth = done * 10 // max(total, 1)
        if tenth > shown.get(table, -1):
            shown[table] = tenth
            print(f"copying {table}: {done:,} of {total:,} rows", file=sys.stderr)

    tables = copy_database(pipeline.db, args.url, progress)
    print(f"{'table':<11} {'rows here':>10} {'rows there':>11}  {'sha-256':<16} check")
    for table in tables:
        check = "ok" if table.matches else "DIFFERS"
        print(
            f"{table.name:<11} {table.source_rows:>10,} {table.target_rows:>11,}  "
            f"{table.target_sum[:16]:<16} {check}"
        )
    if all(table.matches for table in tables):
        print(f"Copied to {_without_password(args.url)}; every table matches.")
        return 0
    print("nextstep: the copy differs from the original; see above.", file=sys.stderr)
    return 1


def run_doctor(args: argparse.Namespace, settings: Settings) -> int:
    """Each fact on a line, and a warning under the ones that need one.

    A database that will not open is a fact too: the rest is still told.
    """
    from nextstep_tui.storage.database import database_file
    from nextstep_tui.storage.upkeep import diagnose, file_facts

    facts = []
    pipeline: Pipeline | None = None
    path = database_file(settings.database)
    broken = getattr(args, "settings_error", None)
    if broken:
        facts.append(("settings", "cannot be read", broken))
    else:
        facts.append(("database", _without_password(settings.database), ""))
        try:
            pipeline = open_pipeline(settings, create=False)
        except NextstepError as error:
            facts.append(("opens", "no", str(error)))
            if path is not None and _can_see(path):
                facts += file_facts(path)
    if pipeline is not None:
        facts += diagnose(pipeline.db, path)
    if not broken:
        facts += _team_facts(settings, pipeline)
    facts += [
        ("rep", settings.rep, ""),
        ("zone", settings.zone, ""),
        ("terminal", os.environ.get("TERM", "(none)"), ""),
        ("colour", _colour_system(), ""),
    ]
    if pipeline is not None:
        pipeline.db.close()
    warned = 0
    for name, value, warning in facts:
        print(f"{name + ':':<13}{_safe(value)}")
        if warning:
            warned += 1
            print(f"{'':<13}warning: {_safe(warning)}")
    return 1 if warned else 0


def _team_facts(
    settings: Settings, pipeline: Pipeline | None
) -> list[tuple[str, str, str]]:
    """The team's file, the rep's part in it and every file's rights; what
    can be found of them when the database does not open."""
    from nextstep_tui.storage.database import database_file
    from nextstep_tui.team import CONFIG_NAME, check_rights, load_team

    if pipeline is not None and pipeline.access.team is None:
        return [("team", "none: a personal database", "")]
    path = database_file(settings.database)
    config = path.resolve().parent / CONFIG_NAME if path is not None else None
    if pipeline is None and (config is None or not _can_see(config)):
        return []
    try:
        team = load_team(config) if config is not None else None
    except NextstepError as error:
        return [("team", str(config), str(error))]
    if team is None:  # a server's database: its file is remembered inside
        assert pipeline is not None
        return [
            ("team", str(pipeline.access.team), ""),
            _role(pipeline),
            _meta_rights(pipeline),
        ]
    facts = [("team", f"{team.group} ({team.file})", "")]
    if pipeline is not None:
        facts.append(_role(pipeline))
    facts += check_rights(team)
    facts += _team_names(team)
    return facts


def _can_see(path: Path) -> bool:
    try:
        return path.exists()
    except OSError:  # a folder this login may not enter
        return False


def _meta_rights(pipeline: Pipeline) -> tuple[str, str, str]:
    """On a server, a rep who may write ``meta`` may rename the team's rules."""
    from nextstep_tui.storage.postgres import may_write_settings

    if not may_write_settings(pipeline.db):
        return ("settings", "read only for this login", "")
    if pipeline.access.manager:
        return ("settings", "this login may change them", "")
    return (
        "settings",
        "this login may change them",
        "a rep who may write the meta table may name another team.toml: "
        "grant reps SELECT only on meta",
    )


def _role(pipeline: Pipeline) -> tuple[str, str, str]:
    return ("role", "manager" if pipeline.access.manager else "rep", "")


def _team_names(team: Any) -> list[tuple[str, str, str]]:
    """Managers, a managers' group and targets that name nobody here."""
    import grp

    from nextstep_tui.team import login_exists, members_of_group

    facts = []
    in_group = members_of_group(team.group)
    for name in team.managers:
        if not login_exists(name):
            facts.append(("manager", name, "no such login on this server"))
        elif name not in in_group:
            facts.append(("manager", name, f"not in {team.group}: cannot open it"))
    if team.manager_group:
        try:
            grp.getgrnam(team.manager_group)
        except KeyError:
            facts.append(
                ("managers", team.manager_group, "no such group on this server")
            )
    members = team.members()
    for name in team.targets:
        if name not in members:
            facts.append(("target", name, "not a member of the team"))
    return facts


def _colour_system() -> str:
    if os.environ.get("NO_COLOR"):
        return "none (NO_COLOR is set)"
    if os.environ.get("COLORTERM") in ("truecolor", "24bit"):
        return "truecolor"
    term = os.environ.get("TERM", "")
    if "256color" in term:
        return "256 colours"
    return "16 colours" if term and term != "dumb" else "none"


def run_list(args: argparse.Namespace, settings: Settings) -> int:
    pipeline = open_pipeline(settings, owner=args.rep, create=False)
    state = State(args.state) if args.state else None
    leads = pipeline.leads(state)
    if args.json:
        _print_json([lead_json(lead, pipeline) for lead in leads])
        return 0
    for lead in leads:
        print(_line(lead, pipeline))
    return 0


def run_agenda(args: argparse.Namespace, settings: Settings) -> int:
    pipeline = open_pipeline(settings, owner=args.rep, create=False)
    if args.json:
        _stream_json(agenda_json(lead, pipeline) for lead in pipeline.agenda())
        return 0
    write_agenda(pipeline, sys.stdout, now=args.now, later=args.next)
    return 0


def run_show(args: argparse.Namespace, settings: Settings) -> int:
    pipeline = open_pipeline(settings, create=False)
    lead = pipeline.get(args.id)
    history = pipeline.history(args.id)
    if args.json:
        data = lead_json(lead, pipeline)
        data["history"] = [
            {
                "at": event.at.isoformat(),
                "actor": event.actor,
                "kind": event.kind,
                **event.data,
            }
            for event in history
        ]
        _print_json(data)
        return 0
    print(_line(lead, pipeline))
    for name, value in _field_lines(lead):
        print(f"  {name:<9} {_safe(value)}")
    print("History:")
    zone = pipeline.zone
    for event in history:
        when = event.at.in_timezone(zone).format("YYYY-MM-DD HH:mm")
        detail = _safe(_describe(event.data, zone))
        print(f"  {when}  {event.actor:<10} {event.kind:<11} {detail}")
    return 0


def run_cohorts(args: argparse.Namespace, settings: Settings) -> int:
    pipeline = open_pipeline(settings, owner=args.rep, create=False)
    rows = pipeline.cohorts()
    if args.json:
        _print_json(
            [
                {
                    "month": r.month,
                    "created": r.created,
                    "won": r.won,
                    "dropped": r.dropped,
                    "open": r.open,
                }
                for r in rows
            ]
        )
        return 0
    print(f"{'month':<8} {'created':>8} {'won':>6} {'dropped':>8} {'open':>6}")
    for row in rows:
        counts = f"{row.created:>8} {row.won:>6} {row.dropped:>8} {row.open:>6}"
        print(f"{row.month:<8} {counts}")
    print(f"(months in {pipeline.report_zone})")
    return 0


# -- shared pieces ----------------------------------------------------------


def _when(text: str, pipeline: Pipeline) -> When:
    when = parse_when(text, pipeline.now(), pipeline.zone)
    if when.note:
        print(f"nextstep: note: {when.note}", file=sys.stderr)
    return when


def _step(args: argparse.Namespace, pipeline: Pipeline) -> StepInput:
    return StepInput(
        action=args.step,
        when=_when(args.due, pipeline),
        agreed=args.agreed,
        advances=args.advances,
    )


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def write_agenda(
    pipeline: Pipeline, out: TextIO, now: int = 20, later: int = 5
) -> None:
    """The plain-text agenda: the steps due now, then the next few."""
    health = pipeline.health()
    due = pipeline.rows(ListView.NOW, limit=now)
    upcoming = pipeline.rows(ListView.LATER, limit=later)

    out.write(
        f"Pipeline: {health.firm} firm of {health.open} open, target {health.target}."
    )
    if health.short_of_target:
        out.write(f" Prospect: {health.short_of_target} more firm leads needed.")
    out.write("\n")
    out.write(
        f"Due now ({health.due_now}):\n" if health.due_now else "Nothing due now.\n"
    )
    for lead in due:
        out.write(_line(lead, pipeline) + "\n")
    if health.due_now > len(due):
        more = health.due_now - len(due)
        out.write(f"... and {more} more due now: open the app, or --now {more}.\n")
    if upcoming:
        out.write("Next:\n")
        for lead in upcoming:
            out.write(_line(lead, pipeline) + "\n")
    recyclable = pipeline.recycle_due_count()
    if recyclable:
        out.write(
            f"{recyclable} dropped lead(s) ready to recycle (nextstep list "
            "--state dropped).\n"
        )


def _line(lead: Lead, pipeline: Pipeline) -> str:
    head = f"#{lead.id:<5} {_safe(lead.name)}"
    if lead.company:
        head += f" ({_safe(lead.company)})"
    if pipeline.several_reps:
        head += f" [{_safe(lead.owner)}]"
    step = lead.step
    if step is None:
        return f"{head}  [{lead.state.value}]"
    when = relative(step.due, step.has_time, pipeline.now(), pipeline.zone)
    day = local_label(step.due, step.has_time, pipeline.zone)
    flags = _flags(lead)
    return f"{head}: {_safe(step.action)}  {when} ({day}){flags}"


def _flags(lead: Lead) -> str:
    marks = []
    if lead.step and lead.step.loose:
        marks.append("loose: " + lacking_in_words(lead.step.missing))
    if lead.hopium:
        marks.append(f"hopium: postponed {lead.step.postponed if lead.step else 0}x")
    return "  [" + "; ".join(marks) + "]" if marks else ""


def _field_lines(lead: Lead) -> list[tuple[str, str]]:
    fields = lead.fields
    lines = [("state", lead.state.value), ("owner", lead.owner)]
    for name in ("company", "contact", "email", "phone", "source", "external_id"):
        value = getattr(fields, name)
        if value:
            lines.append((name, str(value)))
    if fields.value_cents is not None:
        lines.append(("value", f"{fields.value_cents / 100:,.2f}"))
    if lead.drop_reason:
        lines.append(("dropped", lead.drop_reason.label))
    if fields.notes:
        lines.append(("notes", fields.notes))
    return lines


def _describe(data: dict, zone: str) -> str:
    """An event's details, its instants shown in the rep's zone."""
    parts = []
    for key, value in data.items():
        if value in ("", None):
            continue
        if isinstance(value, str) and _INSTANT.fullmatch(value):
            instant = pendulum.instance(datetime.fromisoformat(value))
            value = instant.in_timezone(zone).format("YYYY-MM-DD HH:mm")
        if isinstance(value, list) and len(value) == 2:
            value = f"{value[0]} -> {value[1]}"  # an edit: before and after
        parts.append(f"{key}={value}")
    return ", ".join(parts)


def _safe(text: str) -> str:
    """Text from the database, safe to print to a terminal."""
    return strip_controls(text)


def lead_json(lead: Lead, pipeline: Pipeline) -> dict[str, Any]:
    fields = lead.fields
    data: dict[str, Any] = {
        "id": lead.id,
        "name": fields.name,
        "company": fields.company,
        "contact": fields.contact,
        "email": fields.email,
        "phone": fields.phone,
        "value": fields.value_cents / 100 if fields.value_cents is not None else None,
        "owner": lead.owner,
        "source": fields.source,
        "external_id": fields.external_id,
        "state": lead.state.value,
        "created": _local_iso(lead.created_at, pipeline),
        "version": lead.version,
    }
    if lead.step is not None:
        data.update(_step_json(lead, pipeline))
    if lead.closed_at is not None:
        data["closed"] = _local_iso(lead.closed_at, pipeline)
    if lead.drop_reason is not None:
        data["drop_reason"] = lead.drop_reason.value
        data["drop_note"] = lead.drop_note
        data["recycle_on"] = (
            lead.recycle_on.in_timezone(pipeline.zone).date().isoformat()
            if lead.recycle_on
            else None
        )
    return data


def agenda_json(lead: Lead, pipeline: Pipeline) -> dict[str, Any]:
    return {
        "id": lead.id,
        "name": lead.name,
        "company": lead.company,
        **_step_json(lead, pipeline),
    }


def _step_json(lead: Lead, pipeline: Pipeline) -> dict[str, Any]:
    step = lead.step
    assert step is not None
    _, tomorrow = _bounds(pipeline)
    return {
        "action": step.action,
        "due": _local_iso(step.due, pipeline),
        "has_time": step.has_time,
        "now": step.due < tomorrow,
        "agreed": step.agreed,
        "advances": step.advances,
        "loose": step.loose,
        "missing": list(step.missing),
        "postponed": step.postponed,
        "hopium": lead.hopium,
    }


def _bounds(pipeline: Pipeline) -> tuple[pendulum.DateTime, pendulum.DateTime]:
    return day_bounds(pipeline.now(), pipeline.zone)


def _local_iso(instant: pendulum.DateTime, pipeline: Pipeline) -> str:
    return instant.in_timezone(pipeline.zone).isoformat()


def _stream_json(items: Iterable[Any]) -> None:
    """A JSON list written an item at a time, so a long one needs no memory."""
    sys.stdout.write("[")
    for number, item in enumerate(items):
        sys.stdout.write(",\n  " if number else "\n  ")
        json.dump(item, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n]\n")


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")
