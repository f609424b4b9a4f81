#!/usr/bin/env python3
"""Time nextstep against bare baselines on seeded pipelines; print one table.

    .venv/bin/python benchmarks/run.py [--sizes 1000,100000,1000000] [--keep DIR]

Every figure is measured in this run beside its baseline, as the median of
``--runs`` runs. Databases and files are cached in ``--keep`` (default
/tmp/bench), so a second run skips the seeding.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import pwd
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path

import bare
import seed
from seed import say

HERE = Path(__file__).resolve().parent
PYTHON = sys.executable
NEXTSTEP = str(Path(PYTHON).with_name("nextstep"))
IMPORT_ROWS = 100_000
ROUNDS = 3  # turns each app takes at every size
MEMORY_GOAL_MB = 50.0  # "within a few tens of MB" of the smallest size


@dataclass(frozen=True)
class Figure:
    """One line of the table: nextstep's figure beside its baseline."""

    name: str
    leads: int | None
    ours: float
    base: float
    goal: float | None = None
    unit: str = "s"  # "s": compared as a ratio; "MB": as a difference

    @property
    def ratio(self) -> float:
        return self.ours / self.base if self.base else float("inf")

    @property
    def holds(self) -> bool | None:
        if self.goal is None:
            return None
        if self.unit == "MB":
            return self.ours - self.base <= self.goal
        return self.ratio <= self.goal


# -- measuring ----------------------------------------------------------------------


def median_of(runs: int, measure: Callable[[], float]) -> float:
    return statistics.median(measure() for _ in range(runs))


def timed(command: Sequence[str], env: dict[str, str]) -> float:
    """Seconds a whole process takes, its output thrown away."""
    started = time.perf_counter()
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def child(arguments: Sequence[str], env: dict[str, str]) -> dict:
    """Run ``screens.py`` in its own process and read what it measured."""
    done = subprocess.run(
        [PYTHON, str(HERE / "screens.py"), *arguments],
        env=env,
        stdout=subprocess.PIPE,
        check=True,
        text=True,
    )
    return json.loads(done.stdout)


def screen_figures(
    size: int, database: Path, runs: int, env: dict[str, str]
) -> tuple[list[Figure], float]:
    """First paint, the keys at the bottom and the cohorts; and peak memory."""
    say(f"  screens at {size:,} leads")
    # The two apps take turns, a few rounds each, so that a slow moment of
    # the machine falls on both sides rather than on one.
    plain: dict[str, list[float]] = {}
    got: dict[str, list[float]] = {}
    peak = 0.0
    for _ in range(ROUNDS):
        for name, samples in child(["bare", str(runs)], env)["samples"].items():
            plain.setdefault(name, []).extend(samples)
        ours = child(["nextstep", str(database), str(runs)], env)
        if not ours["cohorts_match"]:
            say(f"  ! the cohort screen and plain SQL disagree at {size:,} leads")
        for name, samples in ours["samples"].items():
            got.setdefault(name, []).extend(samples)
        peak = max(peak, ours["peak_mb"])

    def figure(
        name: str, mine: list[float], base: list[float], goal: float | None
    ) -> Figure:
        median = statistics.median
        return Figure(name, size, median(mine), median(base), goal)

    # The cohorts' baseline ran in nextstep's process, between its screens.
    figures = [
        figure("first paint", got["first_paint"], plain["first_paint"], 1.3),
        figure("end (cold)", got["end"], plain["end"], None),
        figure("down at the bottom", got["down"], plain["down"], 1.5),
        figure("pagedown at the bottom", got["pagedown"], plain["pagedown"], 1.5),
        figure("cohort screen", got["cohorts"], got["cohorts_bare"], 1.5),
        figure("  its query alone", got["cohorts_query"], got["cohorts_bare"], 1.5),
    ]
    return figures, peak


def agenda_figure(size: int, database: Path, runs: int, env: dict[str, str]) -> Figure:
    """``nextstep agenda`` as a process against Python running the same SQL."""
    say(f"  agenda at {size:,} leads")
    ours = [NEXTSTEP, "--db", str(database), "agenda"]
    plain = [PYTHON, str(HERE / "bare.py"), "agenda", str(database)]
    return Figure(
        "agenda process",
        size,
        median_of(runs, lambda: timed(ours, env)),
        median_of(runs, lambda: timed(plain, env)),
    )


def import_figure(folder: Path, runs: int, rep: str) -> Figure:
    """A CSV file of deals into an empty database, against one executemany."""
    from nextstep_tui.config import load_settings
    from nextstep_tui.core.pipeline import open_pipeline
    from nextstep_tui.transfer.csv_import import ImportOptions, import_csv

    say(f"  importing {IMPORT_ROWS:,} rows")
    csv_path = seed.import_file(folder, IMPORT_ROWS)
    target = folder / "import.db"

    def ours() -> float:
        seed.empty_database(target)
        pipeline = open_pipeline(load_settings(database=str(target)))
        try:
            started = time.perf_counter()
            import_csv(pipeline, csv_path, ImportOptions())
            return time.perf_counter() - started
        finally:
            pipeline.db.close()

    def plain() -> float:
        seed.empty_database(target)
        started = time.perf_counter()
        bare.import_rows(target, csv_path, rep)
        return time.perf_counter() - started

    return Figure(
        f"import {IMPORT_ROWS:,} CSV rows",
        None,
        median_of(runs, ours),
        median_of(runs, plain),
        3.0,
    )


def memory_figures(peaks: dict[int, float]) -> list[Figure]:
    """Each size's peak against the smallest size's."""
    smallest = peaks[min(peaks)]
    return [
        Figure("peak memory", size, peak, smallest, MEMORY_GOAL_MB, unit="MB")
        for size, peak in peaks.items()
    ]


# -- the table ------------------------------------------------------------------------


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} cores · Python {platform.python_version()} · "
        f"SQLite {sqlite3.sqlite_version} · Textual {version('textual')} · "
        f"Peewee {version('peewee')}"
    )


def amount(value: float, unit: str) -> str:
    if unit == "MB":
        return f"{value:,.0f} MB"
    return f"{value * 1000:,.0f} ms"


def print_table(figures: Sequence[Figure], runs: int) -> None:
    header = ("figure", "leads", "nextstep", "baseline", "ratio", "goal", "holds")
    lines = [header]
    for figure in figures:
        if figure.unit == "MB":
            compared = f"{figure.ours - figure.base:+,.0f} MB"
            goal = f"≤ +{figure.goal:.0f} MB"
        else:
            compared = f"{figure.ratio:,.2f}"
            goal = f"≤ {figure.goal}" if figure.goal is not None else ""
        holds = {True: "yes", False: "NO", None: ""}[figure.holds]
        lines.append(
            (
                figure.name,
                f"{figure.leads:,}" if figure.leads else "",
                amount(figure.ours, figure.unit),
                amount(figure.base, figure.unit),
                compared,
                goal,
                holds,
            )
        )

    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    print(machine())
    print(
        f"medians of {runs} runs ({runs * ROUNDS} for the screens, the two apps "
        f"taking turns); headless at 80x24; TZ=UTC"
    )
    print()
    for line in lines:
        cells = [
            cell.ljust(width) if i == 0 else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(line, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
    print()
    print(BASELINES)


BASELINES = """\
baselines: first paint and keys - a bare Textual app with a 50-row DataTable
(its last row is ctrl+end); cohorts - bare sqlite3, GROUP BY strftime month;
agenda - python running the agenda's queries through bare sqlite3;
import - bare sqlite3 executemany into the same lead table (no history);
memory - the app's peak at the smallest size."""


# -- the run --------------------------------------------------------------------------


def isolated_env(folder: Path) -> dict[str, str]:
    """UTC, and config, data and state directories of the benchmark's own."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEXTSTEP_")}
    env["TZ"] = "UTC"
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):
        env[f"XDG_{name}_HOME"] = str(folder / "xdg" / name.lower())
    return env


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes",
        default="1000,100000,1000000",
        type=lambda text: [int(size) for size in text.split(",")],
        help="lead counts, comma-separated (default 1000,100000,1000000)",
    )
    parser.add_argument(
        "--keep",
        default=Path("/tmp/bench"),
        type=Path,
        metavar="DIR",
        help="where databases and files are built and cached (default /tmp/bench)",
    )
    parser.add_argument(
        "--runs", default=5, type=int, help="runs per figure (default 5)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str]) -> int:
    args = parse_args(argv)
    started = time.perf_counter()
    folder: Path = args.keep
    folder.mkdir(parents=True, exist_ok=True)
    env = isolated_env(folder)
    os.environ.update(env)  # the import runs in this process
    # Most seeded leads belong to the rep, whom nextstep takes to be the login.
    rep = pwd.getpwuid(os.getuid()).pw_name

    figures: list[Figure] = []
    peaks: dict[int, float] = {}
    for size in args.sizes:
        say(f"{size:,} leads")
        database = seed.pipeline_database(folder, size, rep)
        shown, peaks[size] = screen_figures(size, database, args.runs, env)
        figures += shown
        figures.append(agenda_figure(size, database, args.runs, env))
    figures += memory_figures(peaks)
    # Each import takes seconds: three runs give a median.
    figures.append(import_figure(folder, min(args.runs, 3), rep))

    # One block per figure, in the order first measured, sizes ascending.
    order = list(dict.fromkeys(figure.name for figure in figures))
    figures.sort(key=lambda f: (order.index(f.name), f.leads or 0))
    print_table(figures, args.runs)
    print(f"\nwhole run: {time.perf_counter() - started:,.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
