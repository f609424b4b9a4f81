#!/usr/bin/env python3
"""Draw ``screenshots/*.svg``: every screen at 80x24 over a seeded demo pipeline.

    .venv/bin/python scripts/screenshots.py [OUTPUT_DIR]

The demo database is built here, in a temporary directory, at a fixed time, so
the pictures change only when the screens do.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

import pendulum
from textual.notifications import SeverityLevel
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from nextstep_tui.core.access import Access
from nextstep_tui.core.model import DropReason, LeadFields, State, StepInput
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.core.when import When, parse_when
from nextstep_tui.storage.database import open_database
from nextstep_tui.ui.app import NextstepApp
from nextstep_tui.ui.screens.cohorts import CohortScreen

ROOT = Path(__file__).resolve().parent.parent
ZONE = "Europe/Paris"
NOW = pendulum.datetime(2026, 12, 4, 15, 0, tz=ZONE)  # a Friday afternoon
SIZE = (80, 24)
SAMPLE = "nextstep_tui/transfer/sample/sales_pipeline.csv"

COMPANIES = [
    ("Hank Scorpio", "Globex"),
    ("Bill Lumbergh", "Initech"),
    ("Gavin Belson", "Hooli"),
    ("Wile E. Coyote", "Acme"),
    ("Walter White", "Gray Matter"),
    ("Lucille Bluth", "Bluth Company"),
    ("Dwight Schrute", "Dunder Mifflin"),
    ("Miles Dyson", "Cyberdyne"),
    ("Monty Burns", "Springfield Nuclear"),
    ("Sterling Archer", "ISIS Agency"),
    ("Arthur Dent", "Megadodo Publications"),
    ("Ellen Ripley", "Weyland-Yutani"),
    ("Willy Wonka", "Wonka Industries"),
    ("Lisa Cuddy", "Princeton Plainsboro"),
    ("Ron Swanson", "Very Good Building"),
    ("Kenji Tanaka", "寿司 Sushi Bar 🍣"),
    ("Leslie Knope", "Pawnee Parks"),
    ("Roy Trenneman", "Reynholm Industries"),
    ("Peggy Olson", "Sterling Cooper"),
    ("Jack Donaghy", "Kabletown"),
    ("Saul Goodman", "Los Pollos Hermanos"),
    ("Tony Stark", "Stark Industries"),
    ("Selina Kyle", "Wayne Enterprises"),
    ("Ann Perkins", "Sweetums"),
    ("Nelson Bighetti", "Pied Piper"),
    ("Richard Hendricks", "Raviga Capital"),
    ("Jian Yang", "Aviato"),
    ("Ted Lasso", "AFC Richmond"),
    ("Kendall Roy", "Waystar Royco"),
    ("Eleanor Shellstrop", "Good Place Realty"),
    ("Fred Flintstone", "Slate Rock and Gravel"),
    ("Homer Simpson", "Kwik-E-Mart"),
    ("Amy Santiago", "Nine-Nine Security"),
    ("Jerry Gergich", "Entertainment 720"),
    ("Moira Rose", "Rosebud Motel"),
    ("Beth Harmon", "Methuen Chess Club"),
    ("Buster Bluth", "Army Surplus Co"),
    ("Marge Gunderson", "Brainerd Supplies"),
    ("Lane Kim", "Kim's Antiques"),
    ("Mona-Lisa Saperstein", "Rent-A-Swag"),
]

ACTIONS = [
    "Discovery call with the buyer",
    "Demo to the CFO",
    "Send the proposal",
    "Pricing review with procurement",
    "Security questionnaire walkthrough",
    "Pilot kickoff",
    "Contract redlines call",
    "Reference call with a customer",
]

POINTS = [
    "Their budget resets in April",
    "SSO is a must for IT",
    "Champion: the COO, not the CTO",
]

# What becomes of each lead, in creation order (oldest first).
FATES = [
    "won",
    "dropped-ready",
    "open",
    "dropped",
    "won",
    "open",
    "hopium",
    "dropped-later",
    "won",
    "dropped",
    "open",
    "loose",
    "won",
    "dropped-ready",
    "open",
    "hopium",
    "won",
    "dropped-later",
    "open",
    "loose",
    "won",
    "open",
    "dropped",
    "open",
    "hopium",
    "loose",
    "open",
    "won",
    "open",
    "dropped-later",
    "open",
    "loose",
    "open",
    "hopium",
    "open",
    "open",
    "loose",
    "open",
    "open",
    "open",
]


class Clock:
    """The demo's time, moved by hand while seeding."""

    def __init__(self) -> None:
        self.current = NOW

    def __call__(self) -> pendulum.DateTime:
        return self.current


def seed(pipeline: Pipeline, clock: Clock) -> None:
    """About 40 leads over 14 months, each with a believable life."""
    rng = random.Random(7)
    start = NOW.subtract(months=14).replace(day=2, hour=9)
    span = (NOW.subtract(days=2) - start).in_hours()
    for index, ((contact, company), fate) in enumerate(
        zip(COMPANIES, FATES, strict=True)
    ):
        created = start.add(hours=span * index // len(COMPANIES))
        clock.current = created.add(minutes=rng.randrange(0, 480))
        fields = LeadFields(
            name=company if index % 3 else f"{company} expansion",
            company=company,
            contact=contact,
            email=f"{contact.split()[0].lower()}@example.com",
            value_cents=rng.randrange(20, 400) * 50_000,
            source=rng.choice(["referral", "inbound", "event", "outbound"]),
        )
        lead_id = pipeline.add_lead(fields, _step(clock, rng, days=rng.randrange(1, 6)))
        _live(pipeline, clock, rng, lead_id, fate, created)
    clock.current = NOW


def _live(
    pipeline: Pipeline,
    clock: Clock,
    rng: random.Random,
    lead_id: int,
    fate: str,
    created: pendulum.DateTime,
) -> None:
    """Move one lead through its steps to its fate, never past NOW."""
    age = (NOW - created).in_days()
    steps = min(3, max(0, age // 20))
    for number in range(steps):
        clock.current = created.add(days=(number + 1) * max(1, age // (steps + 2)))
        pipeline.complete_step(
            lead_id, _step(clock, rng, days=rng.randrange(2, 9)), outcome="Went well"
        )
    for point in POINTS[: rng.randrange(0, len(POINTS) + 1)]:
        pipeline.add_note(lead_id, point)

    clock.current = created.add(days=age * (steps + 1) // (steps + 2))
    if fate == "won":
        pipeline.win(lead_id, note="Signed for a year")
    elif fate.startswith("dropped"):
        back = {
            "dropped-ready": NOW.subtract(days=rng.randrange(0, 5)),
            "dropped-later": NOW.add(months=rng.randrange(1, 5)),
        }.get(fate)
        if back is not None:
            clock.current = min(clock.current, back.subtract(days=1))
        reason = rng.choice(list(DropReason))
        pipeline.drop(
            lead_id,
            reason,
            note="Went quiet after the pricing call",
            recycle_on=back.date() if back is not None else None,
        )
    else:
        _keep_open(pipeline, clock, rng, lead_id, fate)


def _keep_open(
    pipeline: Pipeline, clock: Clock, rng: random.Random, lead_id: int, fate: str
) -> None:
    clock.current = NOW.subtract(days=rng.randrange(3, 8))
    loose = fate == "loose"
    pipeline.complete_step(
        lead_id,
        _step(clock, rng, days=rng.randrange(1, 12), loose=loose),
        outcome="Good call",
    )
    if fate == "hopium":
        due = pipeline.get(lead_id).step
        assert due is not None
        for times in range(1, rng.randrange(3, 5) + 1):
            later = due.due.in_timezone(ZONE).add(days=2 * times)
            pipeline.postpone(lead_id, _when(later.format("YYYY-MM-DD HH:mm")))
    clock.current = NOW


def _step(
    clock: Clock, rng: random.Random, *, days: int, loose: bool = False
) -> StepInput:
    day = clock.current.in_timezone(ZONE).add(days=days)
    while day.isoweekday() > 5:  # reps meet buyers on weekdays
        day = day.add(days=1)
    if loose:
        text = day.format("YYYY-MM-DD")
        return StepInput(rng.choice(ACTIONS), _when(text, clock), rng.random() < 0.5)
    text = day.format("YYYY-MM-DD") + f" {rng.choice([9, 10, 11, 14, 16]):02d}:00"
    return StepInput(rng.choice(ACTIONS), _when(text, clock), True, True)


def _when(text: str, clock: Clock | None = None) -> When:
    now = clock.current if clock is not None else NOW
    return parse_when(text, now, ZONE)


# -- the pictures -----------------------------------------------------------------


async def settle(pilot: Pilot[None]) -> None:
    """Wait for the workers, and the workers they start."""
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
    for box in pilot.app.screen.query(Input):
        box.cursor_blink = False


async def pick_old_month(pilot: Pilot[None]) -> None:
    """Put the cohort cursor on the oldest month with several leads still open."""
    screen = pilot.app.screen
    assert isinstance(screen, CohortScreen)
    rows = [row.open for row in screen.rows]
    index = next((number for number, count in enumerate(rows) if count > 1), 0)
    screen.query_one("#months", DataTable).move_cursor(row=index)
    await pilot.pause()


async def preview_sample(pilot: Pilot[None]) -> None:
    """Type the bundled sample's path (from the checkout's root) and preview it."""
    box = pilot.app.screen.query_one("#path", Input)
    box.value = SAMPLE
    await pilot.press("enter")


Step = str | Callable[[Pilot[None]], Awaitable[None]]

# The picture's name, the keys that reach its screen, and that screen's class.
SHOTS: list[tuple[str, list[Step], str]] = [
    ("pipeline", [], "PipelineScreen"),
    ("step-editor", ["d"], "StepEditor"),
    ("lead", ["5", "enter"], "LeadScreen"),
    ("cohorts", ["c"], "CohortScreen"),
    ("cohort-leads", ["c", pick_old_month, "enter"], "CohortLeadsScreen"),
    ("recycle", ["r"], "RecycleScreen"),
    ("import", ["i", preview_sample], "ImportScreen"),
    ("help", ["question_mark"], "HelpScreen"),
]


# A team's manager over the same leads, dealt out to three reps (taken last:
# it reassigns them).
TEAM_SHOTS: list[tuple[str, list[Step], str]] = [
    ("team", ["5"], "PipelineScreen"),
    ("team-reps", ["5", "o"], "RepPicker"),
]
TEAM = ("ann", "bob", "chen")


def share_with_team(pipeline: Pipeline, clock: Clock) -> Pipeline:
    """The manager's pipeline, with every open lead given to one of TEAM."""
    access = Access(
        rep="maria",
        team="sales",
        manager=True,
        members=frozenset({*TEAM, "maria"}),
        managers=("maria",),
    )
    manager = Pipeline(pipeline.db, rep="maria", zone=ZONE, access=access, clock=clock)
    for index, lead in enumerate(manager.leads(State.OPEN)):
        manager.reassign(lead.id, TEAM[index % len(TEAM)])
    return manager


class ShotApp(NextstepApp):
    """The app, remembering the errors it showed, so no broken picture is kept."""

    def __init__(self, pipeline: Pipeline) -> None:
        super().__init__(pipeline)
        self.errors: list[str] = []

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        if severity == "error":
            self.errors.append(message)
        super().notify(
            message, title=title, severity=severity, timeout=timeout, markup=markup
        )


async def shoot(
    pipeline: Pipeline, name: str, steps: list[Step], screen: str, out: Path
) -> Path:
    app = ShotApp(pipeline)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for step in steps:
            if isinstance(step, str):
                await pilot.press(step)
            else:
                await step(pilot)
            await settle(pilot)
        shown = type(app.screen).__name__
        if shown != screen or app.errors:
            raise SystemExit(
                f"{name}: expected {screen}, got {shown}; errors: {app.errors}"
            )
        app.save_screenshot(f"{name}.svg", str(out))
    return out / f"{name}.svg"


async def main(out: Path) -> None:
    out = out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    os.chdir(ROOT)  # the sample's path in the import picture is relative
    with tempfile.TemporaryDirectory() as folder:
        clock = Clock()
        db = open_database(str(Path(folder) / "demo.db"))
        pipeline = Pipeline(db, rep="ann", zone=ZONE, clock=clock)
        try:
            seed(pipeline, clock)
            for name, steps, screen in SHOTS:
                print(await shoot(pipeline, name, steps, screen, out))
            manager = share_with_team(pipeline, clock)
            for name, steps, screen in TEAM_SHOTS:
                print(await shoot(manager, name, steps, screen, out))
        finally:
            db.close()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "screenshots"))
