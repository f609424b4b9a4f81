"""Every lead out as CSV, in a form that spreadsheets open and import reads back.

Dates are in the rep's zone; text that a spreadsheet would run as a formula
gets a leading apostrophe, which import takes off again. Export, import into
an empty database and export again give the same bytes.
"""

from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import pendulum

from nextstep_tui.core.errors import InvalidInput
from nextstep_tui.core.model import Lead
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.transfer.mapping import guard_formula

COLUMNS = (
    "external_id",
    "name",
    "company",
    "contact",
    "email",
    "phone",
    "value",
    "source",
    "owner",
    "state",
    "created",
    "step",
    "due",
    "scheduled",
    "agreed",
    "advances",
    "loose",
    "postponed",
    "hopium",
    "closed",
    "drop_reason",
    "drop_note",
    "recycle_on",
    "notes",
)


Zone = pendulum.Timezone | pendulum.FixedTimezone


def lead_row(lead: Lead, zone: Zone) -> list[str]:
    """One lead as the cells of ``COLUMNS``; ``zone`` is the rep's, resolved."""
    fields = lead.fields
    step = lead.step
    text = [
        fields.external_id or "",
        fields.name,
        fields.company,
        fields.contact,
        fields.email,
        fields.phone,
    ]
    cells = [guard_formula(cell) for cell in text]
    cells += [
        _money(fields.value_cents),
        guard_formula(fields.source),
        guard_formula(lead.owner),
        lead.state.value,
        local_time(lead.created_at, zone),
    ]
    if step is not None:
        due = local_time(step.due, zone) if step.has_time else local_day(step.due, zone)
        flags = (step.scheduled, step.agreed, step.advances, step.loose)
        cells += [guard_formula(step.action), due, *map(_yes, flags)]
        cells += [str(step.postponed), _yes(lead.hopium)]
    else:
        cells += [""] * 8
    cells += [
        local_time(lead.closed_at, zone) if lead.closed_at else "",
        lead.drop_reason.value if lead.drop_reason else "",
        guard_formula(lead.drop_note),
        local_day(lead.recycle_on, zone) if lead.recycle_on else "",
        guard_formula(fields.notes),
    ]
    return cells


def write_csv(pipeline: Pipeline, out: TextIO) -> int:
    """Write every lead the pipeline sees, by id; return how many."""
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    # Resolved once: pendulum reads the zone's file each time it is named.
    zone = pendulum.timezone(pipeline.zone)
    count = 0
    for lead in pipeline.leads():
        writer.writerow(lead_row(lead, zone))
        count += 1
    return count


def export_csv(pipeline: Pipeline, target: str) -> int:
    """Export to ``target`` ('-' for standard output), UTF-8 with a BOM for Excel."""
    return _write(target, lambda out: write_csv(pipeline, out), encoding="utf-8-sig")


def export_json(
    pipeline: Pipeline, target: str, describe: Callable[[Lead], dict[str, Any]]
) -> int:
    """Export every lead as a JSON array of ``describe(lead)``, streamed."""

    def write(out: TextIO) -> int:
        count = 0
        out.write("[")
        for lead in pipeline.leads():
            out.write(",\n" if count else "\n")
            out.write(json.dumps(describe(lead), ensure_ascii=False))
            count += 1
        out.write("\n]\n" if count else "]\n")
        return count

    return _write(target, write, encoding="utf-8")


def _write(target: str, write: Callable[[TextIO], int], encoding: str) -> int:
    if target == "-":
        return write(sys.stdout)
    with replace_file(Path(target).expanduser(), encoding=encoding) as out:
        return write(out)


@contextmanager
def replace_file(
    path: Path, *, encoding: str = "utf-8", binary: bool = False
) -> Iterator[Any]:
    """A new file that replaces ``path`` only once it is complete.

    The file is readable by its owner only, as the database is.
    """
    if path.is_dir():
        raise InvalidInput(f"{path} is a directory; name a file to export to.")
    text: dict[str, Any] = {} if binary else {"encoding": encoding, "newline": ""}
    try:
        descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as error:
        raise InvalidInput(
            f"Cannot write to {path.parent}: {error.strerror}."
        ) from None
    try:
        with os.fdopen(descriptor, "wb" if binary else "w", **text) as handle:
            yield handle
        os.replace(name, path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def local_time(instant: pendulum.DateTime, zone: Zone) -> str:
    """'2026-12-07 10:00' in the rep's zone; seconds only when there are some."""
    local = instant.in_timezone(zone)
    text = local.format("YYYY-MM-DD HH:mm")
    return text + local.format(":ss") if local.second else text


def local_day(instant: pendulum.DateTime, zone: Zone) -> str:
    return instant.in_timezone(zone).date().isoformat()


def _money(cents: int | None) -> str:
    return "" if cents is None else f"{cents // 100}.{cents % 100:02d}"


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
