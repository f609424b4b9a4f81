"""The import, export and demo commands, added to the command line's parser.

``cli.build_parser`` imports this module only when it builds the parser's
tail, and nothing here loads the screen library until ``demo`` opens the app.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from nextstep_tui.config import Settings, load_settings
from nextstep_tui.core.errors import InvalidInput
from nextstep_tui.core.model import State
from nextstep_tui.core.pipeline import Pipeline, open_pipeline
from nextstep_tui.storage.database import database_file, remove_database
from nextstep_tui.transfer.fields import FIELDS

if TYPE_CHECKING:
    from nextstep_tui.transfer.dates import DateOrder
    from nextstep_tui.transfer.demo import Demo

Command = Callable[..., argparse.ArgumentParser]

# Files with fewer rows import before a progress line would be read.
PROGRESS_FROM_ROWS = 20_000

IMPORT_EPILOG = (
    "fields for --map:\n  "
    + ",\n  ".join(", ".join(list(FIELDS)[i : i + 7]) for i in range(0, len(FIELDS), 7))
    + """

Rows matching a lead by external id (else by email, without case or spaces)
update it and keep its step and history; rows matching a dropped lead, or a
lead an earlier row of the file was, are reported and left alone. Open leads
without a next step get "decide: firm up or drop", due today, loose. Rows
without a creation date are dated today. Amounts take the decimal mark the
file shows (1.234,56 or 1,234.56); if it shows none and has amounts like
1,234, say which with --decimal-point or --decimal-comma.
"""
)


def register(
    commands: argparse._SubParsersAction[argparse.ArgumentParser], command: Command
) -> None:
    """Add import, export and demo to ``commands`` with cli's ``command`` helper."""
    _add_import(command)
    _add_export(command)
    _add_demo(command)


def _add_import(command: Command) -> None:
    sub = command(
        "import", "bring leads in from a CSV file (another CRM's export)", run_import
    )
    sub.epilog = IMPORT_EPILOG
    sub.formatter_class = argparse.RawDescriptionHelpFormatter
    sub.add_argument("file", type=Path, metavar="FILE.csv", help="the file to import")
    sub.add_argument(
        "--dry-run",
        action="store_true",
        help="show the mapping and what would happen; write nothing",
    )
    sub.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="COLUMN=FIELD",
        help="read COLUMN as FIELD (or 'ignore'); repeatable",
    )
    sub.add_argument(
        "--stage",
        action="append",
        default=[],
        metavar="NAME=STATE",
        help="stage NAME means open, won or dropped; repeatable",
    )
    order = sub.add_mutually_exclusive_group()
    order.add_argument("--dayfirst", action="store_true", help="dates are 31/12/2017")
    order.add_argument("--monthfirst", action="store_true", help="dates are 12/31/2017")
    mark = sub.add_mutually_exclusive_group()
    mark.add_argument(
        "--decimal-point",
        dest="decimal_mark",
        action="store_const",
        const=".",
        help="amounts are 1,234.56",
    )
    mark.add_argument(
        "--decimal-comma",
        dest="decimal_mark",
        action="store_const",
        const=",",
        help="amounts are 1.234,56",
    )
    sub.add_argument(
        "--owner-from",
        metavar="COLUMN",
        help="each lead's owner is this column (a team database)",
    )
    sub.add_argument("--encoding", help="the file's encoding, if not UTF-8 or cp1252")


def _add_export(command: Command) -> None:
    sub = command(
        "export",
        "write every lead to CSV, the open steps to a calendar, or all to JSON",
        run_export,
    )
    sub.add_argument(
        "file",
        nargs="?",
        metavar="FILE|-",
        help="where to write; - for standard output",
    )
    kind = sub.add_mutually_exclusive_group()
    kind.add_argument(
        "--ics",
        action="store_true",
        help="open next steps as calendar events (RFC 5545)",
    )
    kind.add_argument(
        "--json",
        action="store_true",
        help="every lead as a JSON array (standard output by default)",
    )


def _add_demo(command: Command) -> None:
    sub = command(
        "demo", "open the app on a scratch pipeline loaded with a sample CRM", run_demo
    )
    sub.add_argument(
        "--no-open",
        action="store_true",
        help="build the demo database, print where it is, and stop",
    )


# -- handlers -------------------------------------------------------------------


def run_import(args: argparse.Namespace, settings: Settings) -> int:
    from nextstep_tui.core.importing import BadRow
    from nextstep_tui.transfer.csv_import import ImportOptions, import_csv, summary
    from nextstep_tui.transfer.mapping import parse_mapping, parse_stages

    options = ImportOptions(
        mapping=parse_mapping(args.map),
        stages=parse_stages(args.stage),
        date_order=_date_order(args),
        owner_from=args.owner_from,
        encoding=args.encoding,
        decimal_mark=args.decimal_mark,
    )
    # A dry run, or an import that fails, leaves no new database behind.
    new_file = database_file(settings.database)
    if new_file is not None and new_file.exists():
        new_file = None
    pipeline = open_pipeline(settings)
    progress = _ProgressLine(sys.stderr) if sys.stderr.isatty() else None
    kept = False
    try:
        result = import_csv(
            pipeline, args.file, options, dry_run=args.dry_run, progress=progress
        )
        kept = not args.dry_run
    except BadRow as error:
        raise InvalidInput(
            f"{args.file.name}, line {error.line}: {error.reason} Nothing was imported."
        ) from None
    finally:
        if progress is not None:
            progress.clear()
        if new_file is not None and not kept:
            pipeline.db.close()
            remove_database(new_file)

    import_day = pipeline.now().in_timezone(pipeline.zone).date().isoformat()
    for line in summary(result, import_day):
        print(line)
    return 0


def run_export(args: argparse.Namespace, settings: Settings) -> int:
    from nextstep_tui.cli import lead_json
    from nextstep_tui.transfer.export import export_csv, export_json

    pipeline = open_pipeline(settings, create=False)
    target = args.file or ("-" if args.json else None)
    if target is None:
        kind = "FILE.ics" if args.ics else "FILE.csv"
        print(
            f"nextstep: name the file to export to ({kind}, or - for standard output).",
            file=sys.stderr,
        )
        return 2

    if args.ics:
        count = _export_ics(pipeline, target)
        what = "open step"
    elif args.json:
        count = export_json(pipeline, target, lambda lead: lead_json(lead, pipeline))
        what = "lead"
    else:
        count = export_csv(pipeline, target)
        what = "lead"
    if target != "-":
        plural = "" if count == 1 else "s"
        print(f"Exported {count:,} {what}{plural} to {target}.", file=sys.stderr)
    return 0


def _export_ics(pipeline: Pipeline, target: str) -> int:
    from nextstep_tui.transfer.export import replace_file
    from nextstep_tui.transfer.ics import build_calendar

    calendar = build_calendar(pipeline)
    data = calendar.to_ical()
    if target == "-":
        sys.stdout.buffer.write(data)
    else:
        with replace_file(Path(target).expanduser(), binary=True) as out:
            out.write(data)
    return len(calendar.events)


def run_demo(args: argparse.Namespace, settings: Settings) -> int:
    from nextstep_tui.transfer.demo import build_demo

    own = load_settings().database
    path = Path(args.db) if "db" in args and args.db else None
    demo = build_demo(settings, own, path)
    if args.no_open:
        _print_demo(demo, sys.stdout)
        return 0

    from nextstep_tui.ui.app import run

    return run(dataclasses.replace(settings, database=str(demo.path)))


def _print_demo(demo: Demo, out: TextIO) -> None:
    states = demo.states
    health = demo.health
    out.write(f"Demo database: {demo.path}\n")
    out.write(
        f"Leads: {sum(states.values()):,} ({states.get(State.OPEN, 0):,} open, "
        f"{states.get(State.WON, 0):,} won, {states.get(State.DROPPED, 0):,} dropped); "
        f"dates moved {demo.shift_days:,} days so the sample ends today.\n"
    )
    out.write(
        f"Open: {health.open:,}, firm {health.firm:,}, loose {health.loose:,}, "
        f"due now {health.due_now:,}.\n"
    )
    out.write(f"Open it with: nextstep --db {demo.path}\n")


def _date_order(args: argparse.Namespace) -> DateOrder | None:
    from nextstep_tui.transfer.dates import DateOrder

    if args.dayfirst:
        return DateOrder.DAY_FIRST
    if args.monthfirst:
        return DateOrder.MONTH_FIRST
    return None


class _ProgressLine:
    """'Importing: 12,000 of about 100,000 rows' on a terminal, for big files."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.shown = False
        self.last = 0.0

    def __call__(self, done: int, total: int | None) -> None:
        if total is None or total < PROGRESS_FROM_ROWS:
            return
        now = time.monotonic()
        if now - self.last < 0.1 and done < total:
            return
        self.last = now
        share = min(100, done * 100 // total) if total else 100
        self.stream.write(f"\rImporting: {done:,} of about {total:,} rows ({share}%)")
        self.stream.flush()
        self.shown = True

    def clear(self) -> None:
        if self.shown:
            self.stream.write("\r\033[K")
            self.stream.flush()
