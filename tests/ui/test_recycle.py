"""The recycle list, driven with Pilot; a snapshot at 80x24."""

from __future__ import annotations

from dataclasses import dataclass

import pendulum
from textual.pilot import Pilot

from nextstep_tui.core.model import DropReason, LeadFields, State
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.ui.forms import EditorMode
from nextstep_tui.ui.screens.lead import LeadScreen
from nextstep_tui.ui.screens.recycle import RecycleScreen, dropped_ago, ready_summary
from nextstep_tui.ui.widgets.lead_list import LeadList
from tests.conftest import NOW, Clock
from tests.core.helpers import step
from tests.ui.conftest import AppMaker, RecordingApp, Snap, modals, settle
from tests.ui.test_step_editor import editor, fill


@dataclass(frozen=True)
class Dropped:
    """Dropped leads, ids by name."""

    later: int  # back on 1 Mar 2027
    never: int  # no recycle date
    due: int  # its day came yesterday
    today: int  # its day is today


def seed_dropped(pipeline: Pipeline, clock: Clock) -> Dropped:
    """Four dropped leads, two of them ready, and one open lead."""
    clock.current = NOW.subtract(months=2)
    then = clock.current

    def dropped(name: str, reason: DropReason, back: str | None) -> int:
        lead_id = pipeline.add_lead(
            LeadFields(name, f"{name} Ltd"), step("Call", "mon 10:00", now=then)
        )
        day = pendulum.Date.fromisoformat(back) if back else None
        pipeline.drop(lead_id, reason, note=f"{name} said no", recycle_on=day)
        return lead_id

    later = dropped("Later", DropReason.TIMING, "2027-03-01")
    never = dropped("[bold]Never[/] 寿司🍣", DropReason.NO_FIT, None)
    due = dropped("Due", DropReason.NO_BUDGET, "2026-12-03")
    today = dropped("Today", DropReason.NO_RESPONSE, "2026-12-04")
    clock.current = NOW
    pipeline.add_lead(LeadFields("Open"), step("Demo", "mon 10:00"))
    return Dropped(later, never, due, today)


def rows(screen: RecycleScreen) -> list[str]:
    leads = screen.query_one("#dropped", LeadList)
    return [leads.render_line(row).text for row in range(1, leads.total + 1)]


async def open_recycle(pilot: Pilot[None]) -> RecycleScreen:
    await settle(pilot)
    await pilot.press("r")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, RecycleScreen)
    return screen


def title(screen: RecycleScreen) -> str:
    return str(screen.query_one("#recycle-title").render())


def test_drop_ages_read_as_words(pipeline: Pipeline, clock: Clock) -> None:
    dropped = seed_dropped(pipeline, clock)
    assert dropped_ago(pipeline.get(dropped.due), NOW) == "2mo ago"
    assert dropped_ago(pipeline.get(dropped.due), NOW.subtract(months=2)) == "today"


def test_the_title_counts_the_ready_ones() -> None:
    assert ready_summary(0, 0) == "Recycle · no dropped leads"
    assert ready_summary(1, 0) == "Recycle · 1 dropped lead · none ready yet"
    assert ready_summary(4, 2) == "Recycle · 4 dropped leads · 2 ready to recycle"


async def test_ready_leads_come_first_marked_in_words(
    make_app: AppMaker, pipeline: Pipeline, clock: Clock
) -> None:
    seed_dropped(pipeline, clock)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_recycle(pilot)
        assert title(screen) == "Recycle · 4 dropped leads · 2 ready to recycle"
        shown = rows(screen)
        assert [line.split()[0] for line in shown[:2]] == ["ready", "ready"]
        assert "Due" in shown[0] and "Thu 3 Dec 2026" in shown[0]
        assert "Today" in shown[1] and "no response" in shown[1]
        assert "Later" in shown[2] and "Mon 1 Mar 2027" in shown[2]
        assert "ready" not in shown[2]
        assert "[bold]Never[/] 寿 …" in shown[3] and "—" in shown[3]
        assert "no fit" in shown[3] and "2mo ago" in shown[3]
        leads = screen.query_one("#dropped", LeadList)
        assert {leads.render_line(row).cell_length for row in range(5)} == {78}
        assert str(screen.query_one("#recycle-note").render()) == "Due said no"

        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, RecycleScreen)


async def test_saving_a_step_brings_the_lead_back(
    make_app: AppMaker, pipeline: Pipeline, clock: Clock
) -> None:
    dropped = seed_dropped(pipeline, clock)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_recycle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert editor(app).mode is EditorMode.RECYCLE
        await fill(pilot, action="Re-pitch the new plan", when="mon 10:00")
        await fill(pilot, agreed=True, advances=True)
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert not modals(app)
        lead = pipeline.get(dropped.due)
        assert lead.state is State.OPEN
        assert lead.step is not None and lead.step.action == "Re-pitch the new plan"
        leads = screen.query_one("#dropped", LeadList)
        assert leads.total == 3
        assert leads.lead_id == dropped.today  # the next one takes the cursor
        assert title(screen) == "Recycle · 3 dropped leads · 1 ready to recycle"


async def test_leaving_the_editor_keeps_the_lead_dropped(
    make_app: AppMaker, pipeline: Pipeline, clock: Clock
) -> None:
    dropped = seed_dropped(pipeline, clock)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_recycle(pilot)
        await pilot.press("j", "j", "u")
        await settle(pilot)
        assert editor(app).mode is EditorMode.RECYCLE
        shown_lead = editor(app).context.lead
        assert shown_lead is not None and shown_lead.id == dropped.later

        await pilot.press("escape")  # the editor says how to leave it
        await settle(pilot)
        assert len(modals(app)) == 1

        await pilot.click("#discard")
        await settle(pilot)
        assert not modals(app)
        assert app.screen is screen
        assert pipeline.get(dropped.later).state is State.DROPPED
        assert screen.query_one("#dropped", LeadList).total == 4


async def test_o_opens_the_dropped_lead(
    make_app: AppMaker, pipeline: Pipeline, clock: Clock
) -> None:
    dropped = seed_dropped(pipeline, clock)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_recycle(pilot)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, LeadScreen)
        assert app.screen.lead_id == dropped.due


async def test_an_empty_list_says_so(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_recycle(pilot)
        assert title(screen) == "Recycle · no dropped leads"
        await pilot.press("u")
        await settle(pilot)
        assert not modals(app)
        assert "No lead is selected." in app.told


def test_snapshot_recycle(snap_compare: Snap, pipeline: Pipeline, clock: Clock) -> None:
    seed_dropped(pipeline, clock)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_recycle(pilot)

    assert snap_compare(RecordingApp(pipeline), run_before=run_before)


def test_snapshot_recycle_editor(
    snap_compare: Snap, pipeline: Pipeline, clock: Clock
) -> None:
    seed_dropped(pipeline, clock)

    async def run_before(pilot: Pilot[None]) -> None:
        await open_recycle(pilot)
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(RecordingApp(pipeline), run_before=run_before)
