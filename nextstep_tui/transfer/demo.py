"""A scratch pipeline loaded with the bundled sample CRM, its dates brought to today.

The demo never touches the rep's own database: it builds its own file (in
the cache directory unless told otherwise), marks it as a demo, and rebuilds
only files that carry that mark.
"""

from __future__ import annotations

import csv
import random
import sqlite3
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import pendulum
import platformdirs

from nextstep_tui.config import APP_NAME, Settings
from nextstep_tui.core.errors import InvalidInput
from nextstep_tui.core.model import Health, State, StepInput
from nextstep_tui.core.pipeline import Clock, Pipeline
from nextstep_tui.core.when import When
from nextstep_tui.storage.database import open_database, remove_database
from nextstep_tui.storage.schema import write_setting
from nextstep_tui.transfer.csv_import import ImportOptions, ImportResult, import_csv

SAMPLE_FILE = "sales_pipeline.csv"
DATE_COLUMNS = ("engage_date", "close_date")
_MARK = "nextstep-demo"


@dataclass(frozen=True)
class Demo:
    """The demo database built, and what is in it."""

    path: Path
    result: ImportResult
    shift_days: int
    states: dict[State, int]
    health: Health


def default_path() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME)) / "demo.db"


@contextmanager
def sample_file() -> Iterator[Path]:
    """The bundled sample pipeline as a file on disk."""
    source = resources.files("nextstep_tui.transfer") / "sample" / SAMPLE_FILE
    with resources.as_file(source) as path:
        yield path


def last_day(path: Path) -> pendulum.Date:
    """The latest engage or close date in the sample."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        latest = max(
            (row[column] for row in csv.DictReader(handle) for column in DATE_COLUMNS
             if row.get(column)),
            default="",
        )  # fmt: skip
    if not latest:
        raise InvalidInput(f"{path.name} has no dates.")
    return pendulum.Date.fromisoformat(latest)


def build_demo(
    settings: Settings,
    own_database: str,
    path: Path | None = None,
    clock: Clock | None = None,
) -> Demo:
    """Build a fresh demo database at ``path`` from the bundled sample."""
    path = (path or default_path()).expanduser()
    _check_scratch(path, own_database)
    remove_database(path)

    db = open_database(str(path))
    write_setting(db, _MARK, "sample")
    pipeline = Pipeline(
        db,
        rep=settings.rep,
        zone=settings.zone,
        hopium_threshold=settings.hopium_threshold,
        target=settings.target,
        clock=clock or _utc_now,
    )
    today = pipeline.now().in_timezone(settings.zone).date()
    with sample_file() as sample:
        shift = (today - last_day(sample)).in_days()
        result = import_csv(pipeline, sample, ImportOptions(shift_days=shift))
    triage_some(pipeline, TRIAGED)

    states = Counter(lead.state for lead in pipeline.leads())
    demo = Demo(path, result, shift, dict(states), pipeline.health())
    db.close()
    return demo


# How many of the sample's open leads the demo triages, as a rep would have
# on their first days, so that every section of the pipeline has leads.
TRIAGED = 600

_NEXT_ACTIONS = (
    "Demo of {product} to the IT lead",
    "Send the {product} proposal",
    "Pricing call with procurement",
    "Reference call with a {product} customer",
    "Contract review with their legal team",
    "Pilot kickoff for {product}",
)


def triage_some(pipeline: Pipeline, count: int, seed: int = 2017) -> int:
    """Give ``count`` of the triage leads a real next step, the same every time.

    Most steps come out firm, over the next two weeks in working hours; some
    stay loose (no time, or not agreed yet); a few are postponed again and
    again, so the Hopium section has something to show. Each is done through
    the pipeline like a rep's own work, history and all.
    """
    chance = random.Random(seed)
    now = pipeline.now().in_timezone(pipeline.zone)
    leads = [lead for lead in pipeline.rows(limit=count * 4) if lead.step]
    chosen = chance.sample(leads, min(count, len(leads)))
    for number, lead in enumerate(sorted(chosen, key=lambda lead: lead.id)):
        day = now.add(days=chance.randint(1, 14))
        if day.day_of_week in (pendulum.SATURDAY, pendulum.SUNDAY):
            day = day.add(days=2)
        timed = chance.random() < 0.85
        due = day.replace(hour=chance.randint(9, 17), minute=0, second=0)
        when = When(
            instant=(due if timed else day.start_of("day")).in_timezone("UTC"),
            has_time=timed,
            zone=pipeline.zone,
        )
        product = lead.name.split(" — ")[-1].split(" (")[0]
        action = chance.choice(_NEXT_ACTIONS).format(product=product)
        agreed, advances = chance.random() < 0.8, chance.random() < 0.9
        pipeline.complete_step(
            lead.id,
            StepInput(action, when, agreed, advances),
            outcome="Triaged: worth a real next step",
        )
        if number % 12 == 0:  # the hopium: the same step pushed again and again
            for push in range(1, 5):
                moved = when.local().add(days=7 * push).in_timezone("UTC")
                later = When(moved, timed, pipeline.zone)
                pipeline.postpone(lead.id, later)
    return len(chosen)


def _utc_now() -> pendulum.DateTime:
    return pendulum.now("UTC")


def _check_scratch(path: Path, own_database: str) -> None:
    """Refuse the rep's own database, and any file that is not an earlier demo."""
    own = own_database.removeprefix("sqlite://")
    if "://" not in own and Path(own).expanduser().resolve() == path.resolve():
        raise InvalidInput(
            f"{path} is your own pipeline; the demo needs a scratch database "
            "(leave out --db, or name a new file)."
        )
    if path.exists() and not _is_demo(path):
        raise InvalidInput(
            f"{path} exists and is not a demo database; name a new file for the demo."
        )


def _is_demo(path: Path) -> bool:
    try:
        uri = path.resolve().as_uri() + "?mode=ro"
        with closing(sqlite3.connect(uri, uri=True)) as connection:
            row = connection.execute(
                "SELECT value FROM meta WHERE key = ?", (_MARK,)
            ).fetchone()
    except sqlite3.Error:
        return False
    return row is not None
