"""Seeded pipelines and CSV files for the benchmarks, cached by size.

A database gets the real schema from ``open_database`` (so the migrations
run), then its leads in one transaction through the bare ``sqlite3`` module:
the app's own write paths would take an hour at a million leads.
"""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import random
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from nextstep_tui.storage import schema
from nextstep_tui.storage.database import open_database
from nextstep_tui.storage.schema import DROP_REASONS

# Bump when the rows below change, so cached files are built again.
SEED_VERSION = 1
# A cached database is built again once its due dates have drifted this far.
MAX_AGE_DAYS = 7

DAY = 86_400
BATCH = 50_000

OTHER_OWNERS = ("ann", "bob", "cleo", "dev")
COMPANY_WORDS = (
    "Acme", "Globex", "Initech", "Hooli", "Umbrella", "Stark", "Wayne", "Wonka",
    "Cyberdyne", "Tyrell", "Soylent", "Vandelay", "Dunder", "Pied Piper",
    "Gringotts", "Monarch", "Oscorp", "Prestige", "Sirius", "Virtucon",
)  # fmt: skip
COMPANY_SUFFIXES = ("Inc", "Ltd", "GmbH", "SA", "Group", "Labs", "Partners")
PRODUCTS = ("Licence", "Renewal", "Pilot", "Upgrade", "Support plan", "Rollout")
ACTIONS = (
    "Call back about pricing", "Send the proposal", "Demo to the CFO",
    "Site visit", "Review the contract", "Follow up by email",
    "Intro to procurement", "Pilot kickoff",
)  # fmt: skip
SOURCES = ("", "web", "referral", "event", "outbound")

LEAD_COLUMNS = (
    "name", "company", "contact", "email", "phone", "value_cents", "owner",
    "source", "external_id", "notes", "created_at", "state", "step_action",
    "step_due", "step_has_time", "step_agreed", "step_advances", "postponed",
    "closed_at", "drop_reason", "drop_note", "recycle_on", "version",
)  # fmt: skip
INSERT_LEAD = (
    f"INSERT INTO lead ({', '.join(LEAD_COLUMNS)}) "
    f"VALUES ({', '.join('?' for _ in LEAD_COLUMNS)})"
)

Progress = Callable[[str], None]


def say(text: str) -> None:
    """Progress for the person waiting, on stderr so the table stays clean."""
    print(text, file=sys.stderr, flush=True)


# -- databases ----------------------------------------------------------------


def pipeline_database(
    folder: Path, size: int, rep: str, progress: Progress = say
) -> Path:
    """A database of ``size`` seeded leads in ``folder``, built if not cached."""
    path = folder / f"leads-{size}.db"
    stamp = path.with_suffix(".json")
    # A newer schema builds anew: the app would upgrade a cached file while
    # it is being timed.
    wanted = {
        "version": SEED_VERSION,
        "schema": schema.LATEST,
        "size": size,
        "rep": rep,
    }
    if path.exists() and _is_fresh(stamp, wanted):
        return path

    for stale in (path, stamp, *_sidecars(path)):
        stale.unlink(missing_ok=True)
    started = time.perf_counter()
    build_database(path, size, rep, progress)
    took = time.perf_counter() - started
    progress(f"  built {path.name} in {took:.1f} s")
    stamp.write_text(json.dumps({**wanted, "built": time.time()}))
    return path


def _is_fresh(stamp: Path, wanted: dict[str, object]) -> bool:
    """Whether the cached file was built as ``wanted``, and recently."""
    try:
        found = json.loads(stamp.read_text())
    except (OSError, ValueError):
        return False
    age = time.time() - found.get("built", 0)
    same = {key: found.get(key) for key in wanted} == wanted
    return same and age < MAX_AGE_DAYS * DAY


def _sidecars(path: Path) -> list[Path]:
    return [path.with_name(path.name + suffix) for suffix in ("-wal", "-shm")]


def empty_database(path: Path) -> None:
    """A new database file with the real schema and no leads."""
    for stale in (path, *_sidecars(path)):
        stale.unlink(missing_ok=True)
    open_database(str(path)).close()


def build_database(path: Path, size: int, rep: str, progress: Progress = say) -> None:
    """Create the schema, then insert ``size`` leads in one transaction."""
    empty_database(path)
    now = int(time.time())

    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN")
        rows = seeded_leads(size, rep, now)
        done = 0
        while batch := list(itertools.islice(rows, BATCH)):
            connection.executemany(INSERT_LEAD, batch)
            done += len(batch)
            progress(f"  {path.name}: {done:,} of {size:,} leads")
        connection.execute("COMMIT")
    finally:
        connection.close()


def seeded_leads(size: int, rep: str, now: int) -> Iterator[tuple[object, ...]]:
    """Rows for ``INSERT_LEAD``: 40% open, the rest won or dropped.

    Leads were made over the last three years; open steps fall due from 60
    days ago to 60 days ahead, some loose, some postponed three times or more.
    """
    rng = random.Random(size)
    for number in range(1, size + 1):
        company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)}"
        slug = company.lower().replace(" ", "-")
        created = now - rng.randrange(3 * 365 * DAY)
        fate = rng.random()
        step: tuple[object, ...]
        closing: tuple[object, ...]
        if fate < 0.4:
            state, step, closing = "open", _open_step(rng, now, created), _OPEN
        elif fate < 0.6:
            state, step, closing = "won", _NO_STEP, _won(rng, now, created)
        else:
            state, step, closing = "dropped", _NO_STEP, _dropped(rng, now, created)
        yield (
            f"{rng.choice(PRODUCTS)} for {company}", company, f"Buyer {number}",
            f"buyer{number}@{slug}.example", "",
            rng.randrange(1, 500) * 10_000 if rng.random() < 0.9 else None,
            rep if rng.random() < 0.9 else rng.choice(OTHER_OWNERS),
            rng.choice(SOURCES), None, "", created, state, *step, *closing, 1,
        )  # fmt: skip


_NO_STEP = (None, None, 0, 0, 0, 0)
_OPEN = (None, None, "", None)


def _open_step(rng: random.Random, now: int, created: int) -> tuple[object, ...]:
    """An open lead's step columns: half firm, the rest missing something."""
    due = max(created, now + rng.randrange(-60 * DAY, 60 * DAY))
    if rng.random() < 0.5:
        has_time, agreed, advances = 1, 1, 1
    else:
        has_time, agreed, advances = (int(rng.random() < 0.5) for _ in range(3))
    if not has_time:
        due -= due % DAY  # a bare day is stored as its start (the zone is UTC)
    postponed = rng.randint(3, 7) if rng.random() < 0.08 else rng.choice((0, 0, 1, 2))
    return (rng.choice(ACTIONS), due, has_time, agreed, advances, postponed)


def _won(rng: random.Random, now: int, created: int) -> tuple[object, ...]:
    return (rng.randint(created, now), None, "", None)


def _dropped(rng: random.Random, now: int, created: int) -> tuple[object, ...]:
    recycle = None
    if rng.random() < 0.15:
        recycle = now + rng.randrange(-30 * DAY, 90 * DAY)
        recycle -= recycle % DAY
    return (rng.randint(created, now), rng.choice(DROP_REASONS), "", recycle)


# -- a file to import -----------------------------------------------------------

CSV_HEADER = ("Deal ID", "Name", "Email", "Stage", "Created")
STAGES = (("Open", 0.4), ("Won", 0.2), ("Lost", 0.4))


def import_file(folder: Path, rows: int) -> Path:
    """A Pipedrive-like export of ``rows`` deals, written once and kept."""
    path = folder / f"deals-{rows}-v{SEED_VERSION}.csv"
    if path.exists():
        return path

    rng = random.Random(rows)
    today = dt.date.today()
    partial = path.with_suffix(".part")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEADER)
        for number in range(1, rows + 1):
            company = f"{rng.choice(COMPANY_WORDS)} {rng.choice(COMPANY_SUFFIXES)}"
            slug = company.lower().replace(" ", "-")
            stage = rng.choices([name for name, _ in STAGES], [w for _, w in STAGES])
            created = today - dt.timedelta(days=rng.randrange(3 * 365))
            writer.writerow(
                (
                    f"D{number:07d}",
                    f"{rng.choice(PRODUCTS)} for {company}",
                    f"buyer{number}@{slug}.example",
                    stage[0],
                    created.isoformat(),
                )
            )
    partial.rename(path)
    return path
