"""Fixtures for the screens: a seeded temp-file pipeline at a fixed time."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from textual.notifications import SeverityLevel
from textual.pilot import Pilot
from textual.screen import ModalScreen

from nextstep_tui.core.model import LeadFields, StepInput
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.ui.app import NextstepApp
from nextstep_tui.ui.screens.pipeline import PipelineScreen
from nextstep_tui.ui.widgets.lead_list import LeadList
from tests.conftest import NOW, Clock
from tests.core.helpers import step, when


@dataclass(frozen=True)
class Seeded:
    """The ids of the seeded leads, by name."""

    umbrella: int  # overdue by three days, firm
    acme: int  # due today 16:00, firm
    globex: int  # Monday 10:00, firm
    initech: int  # Tuesday, no time, not agreed: loose
    hooli: int  # postponed three times: hopium


def seed(pipeline: Pipeline, clock: Clock) -> Seeded:
    """Five open leads, one in each situation the screens show."""
    clock.current = NOW.subtract(days=3, hours=7)  # Tue 1 Dec, 08:00
    umbrella = pipeline.add_lead(
        LeadFields("Umbrella", "Umbrella Corp"),
        step("Send the contract", "today 09:00", now=clock.current),
    )
    clock.current = NOW
    acme = pipeline.add_lead(
        LeadFields("Acme", "Acme Corp"), step("Demo to the CFO", "today 16:00")
    )
    globex = pipeline.add_lead(
        LeadFields("Globex", "Globex Inc"), step("Send the proposal", "mon 10:00")
    )
    initech = pipeline.add_lead(
        LeadFields("Initech", "Initech LLC"),
        StepInput("Call back about pricing", when("tue"), agreed=False, advances=True),
    )
    hooli = pipeline.add_lead(
        LeadFields("Hooli", "Hooli XYZ"), step("Pilot review", "mon 09:00")
    )
    for day in ("tue 09:00", "wed 09:00", "thu 09:00"):
        pipeline.postpone(hooli, when(day))
    return Seeded(umbrella, acme, globex, initech, hooli)


@pytest.fixture
def seeded(pipeline: Pipeline, clock: Clock) -> Seeded:
    return seed(pipeline, clock)


class RecordingApp(NextstepApp):
    """The app, remembering every notification it showed the rep."""

    def __init__(self, pipeline: Pipeline) -> None:
        super().__init__(pipeline)
        self.told: list[str] = []

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        self.told.append(message)
        super().notify(
            message, title=title, severity=severity, timeout=timeout, markup=markup
        )


# The fixtures' types, for the test modules' signatures.
AppMaker = Callable[[], "RecordingApp"]
Snap = Callable[..., bool]  # pytest-textual-snapshot's snap_compare


@pytest.fixture
def make_app(pipeline: Pipeline) -> Callable[[], RecordingApp]:
    """Build the app over the test pipeline (call it after seeding)."""
    return lambda: RecordingApp(pipeline)


async def settle(pilot: Pilot[None]) -> None:
    """Wait until the workers (and the workers they start) are done."""
    for _ in range(4):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


async def until(
    pilot: Pilot[None], condition: Callable[[], bool], seconds: float = 5.0
) -> bool:
    """Settle until ``condition`` holds (a busy machine may take a few rounds)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    while not condition() and loop.time() < deadline:
        await settle(pilot)
    return condition()


def modals(app: NextstepApp) -> list[ModalScreen[object]]:
    return [screen for screen in app.screen_stack if isinstance(screen, ModalScreen)]


def lead_list(app: NextstepApp) -> LeadList:
    assert isinstance(app.screen_stack[0], PipelineScreen)
    return app.screen_stack[0].query_one("#leads", LeadList)


def shown_names(app: NextstepApp) -> list[str]:
    """The names of the leads in the loaded pages of the pipeline list, in order."""
    leads = lead_list(app)
    return [
        lead.name
        for index in range(leads.total)
        if (lead := leads.lead_at(index)) is not None
    ]
