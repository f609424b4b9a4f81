"""Headless sessions of nextstep and of a bare Textual app, timed.

Run in a child process of ``run.py``, so that its peak memory is one app's::

    python benchmarks/screens.py nextstep FILE RUNS
    python benchmarks/screens.py bare RUNS

It prints one JSON object: the seconds of every run of each figure, and the
process's peak resident memory in MB. One session is run first and not
counted, so that imports and disk caches are warm for every counted one.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
from collections import defaultdict
from collections.abc import Awaitable, Callable
from pathlib import Path
from time import perf_counter
from typing import TYPE_CHECKING, Any

import bare
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import DataTable

if TYPE_CHECKING:
    # Only the nextstep child imports nextstep, so the bare one stays bare.
    from nextstep_tui.core.pipeline import Pipeline

SIZE = (80, 24)
ROWS = 50
TIMEOUT = 120.0

Samples = defaultdict[str, list[float]]
Settle = Callable[[Pilot[None]], Awaitable[None]]


async def until(pilot: Pilot[None], ready: Callable[[], bool]) -> None:
    """Pause until ``ready()``; a broken screen fails instead of hanging."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + TIMEOUT
    while not ready():
        if loop.time() > deadline:
            raise TimeoutError(f"the screen was not ready after {TIMEOUT:.0f} s")
        await pilot.pause()


async def timed_key(pilot: Pilot[None], key: str, settle: Settle) -> float:
    """Seconds from pressing ``key`` until ``settle`` says the screen is ready."""
    started = perf_counter()
    await pilot.press(key)
    await settle(pilot)
    return perf_counter() - started


async def keys_at_bottom(
    pilot: Pilot[None], samples: Samples, end: str, settle: Settle
) -> None:
    """A cold jump to the last row, then a step and a page down near it.

    At the very last row both keys would do nothing, so each starts a page
    above it (``end``, ``pageup``) and really moves.
    """
    samples["end"].append(await timed_key(pilot, end, settle))
    for key in ("down", "pagedown"):
        for setup in (end, "pageup"):
            await pilot.press(setup)
            await settle(pilot)
        samples[key].append(await timed_key(pilot, key, settle))


# -- the bare app -----------------------------------------------------------------

COLUMNS = ("Lead", "Company", "Next step", "Due", "Date", "Flags")


class BareApp(App[None]):
    """A DataTable of 50 rows shaped like the pipeline's list, and nothing else."""

    def compose(self) -> ComposeResult:
        yield DataTable(cursor_type="row")

    def on_mount(self) -> None:
        table: DataTable[str] = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        table.add_rows(
            (
                f"Licence for Lead {row}",
                "Acme Inc",
                "Call back about pricing",
                "2d overdue",
                "Tue 3 Dec",
                "~ta !3" if row % 4 == 0 else "",
            )
            for row in range(ROWS)
        )


async def bare_session(samples: Samples) -> dict[str, Any]:
    started = perf_counter()
    app = BareApp()
    async with app.run_test(size=SIZE) as pilot:
        table: DataTable[str] = app.query_one(DataTable)
        await until(pilot, lambda: table.row_count == ROWS)
        await pilot.pause()
        samples["first_paint"].append(perf_counter() - started)

        # DataTable's own ``end`` scrolls sideways; ``ctrl+end`` goes to the last row.
        await keys_at_bottom(pilot, samples, "ctrl+end", settle_bare)
    return {}


async def settle_bare(pilot: Pilot[None]) -> None:
    await pilot.pause()


# -- nextstep -----------------------------------------------------------------------


async def nextstep_session(
    samples: Samples, pipeline: Pipeline, database: Path
) -> dict[str, Any]:
    """First paint, the keys at the bottom and the cohorts, beside bare SQL."""
    from nextstep_tui.ui.app import NextstepApp
    from nextstep_tui.ui.screens.cohorts import CohortScreen
    from nextstep_tui.ui.widgets.lead_list import LeadList

    started = perf_counter()
    app = NextstepApp(pipeline)
    async with app.run_test(size=SIZE) as pilot:
        leads = app.screen.query_one("#leads", LeadList)
        await until(pilot, lambda: leads.loaded and leads.lead_at(0) is not None)
        await pilot.pause()
        samples["first_paint"].append(perf_counter() - started)

        async def settle(pilot: Pilot[None]) -> None:
            """Until the workers are done and the cursor's row is loaded."""

            def ready() -> bool:
                idle = all(worker.is_finished for worker in app.workers)
                return idle and leads.lead is not None

            await app.workers.wait_for_complete()
            await until(pilot, ready)

        await keys_at_bottom(pilot, samples, "end", settle)

        started = perf_counter()
        await pilot.press("c")
        await until(pilot, lambda: isinstance(app.screen, CohortScreen))
        screen = app.screen
        assert isinstance(screen, CohortScreen)
        await until(pilot, lambda: bool(screen.rows))
        await app.workers.wait_for_complete()
        await pilot.pause()
        samples["cohorts"].append(perf_counter() - started)

        started = perf_counter()
        plain = bare.cohorts(database)
        samples["cohorts_bare"].append(perf_counter() - started)

        # The screen's query without the screen, to tell the two costs apart.
        started = perf_counter()
        pipeline.cohorts()
        samples["cohorts_query"].append(perf_counter() - started)

        shown = [(r.month, r.created, r.won, r.dropped, r.open) for r in screen.rows]
        return {"total": leads.total, "cohorts_match": shown == plain}


# -- the child process ----------------------------------------------------------------


def peak_mb() -> float:
    """This process's peak resident memory (Linux counts it in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


Session = Callable[[Samples], Awaitable[dict[str, Any]]]


async def measure(session: Session, runs: int) -> dict[str, Any]:
    """``runs`` sessions after one that warms imports and disk caches up."""
    await session(defaultdict(list))
    samples: Samples = defaultdict(list)
    facts: dict[str, Any] = {}
    for _ in range(runs):
        facts = await session(samples)
    return {**facts, "samples": samples, "peak_mb": peak_mb()}


def main(argv: list[str]) -> int:
    if argv[:1] == ["bare"] and len(argv) == 2:
        result = asyncio.run(measure(bare_session, int(argv[1])))
    elif argv[:1] == ["nextstep"] and len(argv) == 3:
        from nextstep_tui.config import load_settings
        from nextstep_tui.core.pipeline import open_pipeline

        # As ``nextstep --db FILE`` opens it: the rep, the zone and the settings.
        database = Path(argv[1])
        pipeline = open_pipeline(load_settings(database=str(database)))
        try:
            result = asyncio.run(
                measure(
                    lambda samples: nextstep_session(samples, pipeline, database),
                    int(argv[2]),
                )
            )
        finally:
            pipeline.db.close()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
