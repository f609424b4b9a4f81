"""The cohort screen and its drill-down, driven with Pilot; snapshots at 80x24."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pendulum
from textual.pilot import Pilot
from textual.widgets import DataTable, Select

from nextstep_tui.core.model import DropReason, LeadFields, State
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.ui.forms import EditorMode
from nextstep_tui.ui.screens.cohorts import (
    CohortLeadsScreen,
    CohortScreen,
    age_label,
    month_label,
    open_bar,
)
from nextstep_tui.ui.screens.lead import LeadScreen
from nextstep_tui.ui.widgets.lead_list import LeadList
from tests.conftest import NOW, Clock
from tests.core.helpers import step
from tests.ui.conftest import AppMaker, RecordingApp, Snap, modals, settle
from tests.ui.test_step_editor import editor, fill


@dataclass(frozen=True)
class Months:
    """Leads made in three months; ids by name."""

    anvil: int  # Oct, open, the oldest
    bolt: int  # Oct, open
    crate: int  # Oct, won
    drum: int  # Oct, dropped
    easel: int  # Nov, open
    fjord: int  # Dec, open


def seed_months(pipeline: Pipeline, clock: Clock) -> Months:
    """Four leads from October, one from November, one from this month."""
    clock.current = NOW.subtract(months=2)  # Sun 4 Oct 2026
    october = clock.current
    anvil = pipeline.add_lead(
        LeadFields("Anvil", "Anvil Works"), step("Site visit", "mon 10:00", now=october)
    )
    bolt = pipeline.add_lead(
        LeadFields("[bold]Bolt[/]", "寿司🍣 Co"),
        step("Call back", "tue", agreed=False, now=october),
    )
    crate = pipeline.add_lead(LeadFields("Crate"), step("Sign", "mon", now=october))
    drum = pipeline.add_lead(LeadFields("Drum"), step("Quote", "mon", now=october))
    pipeline.win(crate)
    pipeline.drop(drum, DropReason.NO_BUDGET)

    clock.current = NOW.subtract(weeks=3)  # Fri 13 Nov 2026
    easel = pipeline.add_lead(
        LeadFields("Easel"), step("Proposal", "mon 11:00", now=clock.current)
    )
    clock.current = NOW
    fjord = pipeline.add_lead(LeadFields("Fjord"), step("Demo", "mon 14:00"))
    return Months(anvil, bolt, crate, drum, easel, fjord)


def table_rows(screen: CohortScreen) -> list[list[str]]:
    table = screen.query_one("#months", DataTable)
    return [
        [str(cell).strip() for cell in table.get_row_at(index)]
        for index in range(table.row_count)
    ]


def title_of(screen: CohortLeadsScreen) -> str:
    return str(screen.query_one("#cohort-title").render())


async def open_cohorts(pilot: Pilot[None]) -> CohortScreen:
    await settle(pilot)
    await pilot.press("c")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, CohortScreen)
    return screen


async def open_month(pilot: Pilot[None], row: int) -> CohortLeadsScreen:
    screen = await open_cohorts(pilot)
    screen.query_one("#months", DataTable).move_cursor(row=row)
    await pilot.press("enter")
    await settle(pilot)
    drill = pilot.app.screen
    assert isinstance(drill, CohortLeadsScreen)
    return drill


# -- plain pieces -------------------------------------------------------------


def test_the_open_share_reads_without_colour() -> None:
    assert open_bar(0.45) == "█████░░░░░  45%"
    assert open_bar(0.0) == "░░░░░░░░░░   0%"
    assert open_bar(1.0) == "██████████ 100%"
    assert open_bar(2 / 3, width=6) == "████░░  67%"
    assert len({len(open_bar(share / 100)) for share in range(101)}) == 1


def test_ages_and_months_are_short_words() -> None:
    now = pendulum.datetime(2026, 12, 4, 15, tz="Europe/Paris")
    assert age_label(now.subtract(days=3), now) == "3d"
    assert age_label(now.subtract(days=20), now) == "2w"
    assert age_label(now.subtract(months=14, days=2), now) == "14mo"
    assert month_label("2025-10") == "Oct 2025"


def test_a_months_listing_finds_a_lead_or_says_none(
    pipeline: Pipeline, clock: Clock
) -> None:
    months = seed_months(pipeline, clock)
    listing = pipeline.cohort_listing("2026-10")
    assert listing.position(months.bolt) == 1
    assert listing.position(months.easel) is None


# -- the months ---------------------------------------------------------------


async def test_one_row_per_month_with_counts_and_a_bar(
    make_app: AppMaker, pipeline: Pipeline, clock: Clock
) -> None:
    seed_months(pipeline, clock)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cohorts(pilot)
        assert table_rows(screen) == [
            ["Oct 2026", "4", "1", "1", "2", "█████░░░░░  50%"],
            ["Nov 2026", "1", "0", "0", "1", "██████████ 100%"],
            ["Dec 2026", "1", "0", "0", "1", "██████████ 100%"],
        ]
        summary = str(screen.query_one("#cohorts-summary").render())
        assert summary == "All 3 months: 6 created · 1 won · 1 dropped · 4 still open"

        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, CohortScreen)


async def test_months_follow_the_reps_zone(
    make_app: AppMaker, pipeline: Pipeline, clock: Clock
) -> None:
    # 23:30 on 31 Oct in Paris is already November in UTC; it counts in October.
    clock.current = pendulum.datetime(2026, 10, 31, 23, 30, tz="Europe/Paris")
    pipeline.add_lead(LeadFields("Late"), step("Call", "mon 10:00", now=clock.current))
    clock.current = NOW
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cohorts(pilot)
        assert [row[0] for row in table_rows(screen)] == ["Oct 2026"]


async def test_no_leads_no_cohorts(make_app: AppMaker) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_cohorts(pilot)
        assert table_rows(screen) == []
        summary = str(screen.query_one("#cohorts-summary").render())
        assert summary == "No leads yet: no cohorts to show."
        await pilot.press("enter")  # nothing to open
        await settle(pilot)
        assert app.screen is screen


# -- the drill-down -----------------------------------------------------------


async def test_dropping_from_a_month_changes_its_counts(
    make_app: AppMaker, pipeline: Pipeline, clock: Clock
) -> None:
    months = seed_months(pipeline, clock)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        drill = await open_month(pilot, 0)
        leads = drill.query_one("#cohort-leads", LeadList)
        assert leads.total == 2
        assert leads.lead_id == months.anvil
        assert title_of(drill) == (
            "Oct 2026 · 4 created · 1 won · 1 dropped · 2 still open"
        )

        await pilot.press("x")
        await settle(pilot)
        assert editor(app).mode is EditorMode.DROP
        editor(app).query_one("#reason", Select).value = DropReason.WENT_ELSEWHERE
        await pilot.press("ctrl+s")
        await settle(pilot)

        assert not modals(app)
        assert pipeline.get(months.anvil).state is State.DROPPED
        assert leads.total == 1
        assert leads.lead_id == months.bolt
        assert title_of(drill) == (
            "Oct 2026 · 4 created · 1 won · 2 dropped · 1 still open"
        )

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, CohortScreen)
        assert table_rows(app.screen)[0] == [
            "Oct 2026",
            "4",
            "1",
            "2",
            "1",
            "███░░░░░░░  25%",
        ]
        cursor = app.screen.query_one("#months", DataTable).cursor_row
        assert cursor == 0  # still on October


async def test_winning_and_completing_from_a_month(
    make_app: AppMaker, pipeline: Pipeline, clock: Clock
) -> None:
    months = seed_months(pipeline, clock)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        drill = await open_month(pilot, 0)
        leads = drill.query_one("#cohort-leads", LeadList)

        await pilot.press("j", "d")
        await settle(pilot)
        assert editor(app).mode is EditorMode.DONE
        await fill(pilot, action="Send the quote", when="tue 10:00")
        await fill(pilot, agreed=True, advances=True)
        await pilot.press("ctrl+s")
        await settle(pilot)
        bolt = pipeline.get(months.bolt)
        assert bolt.step is not None and bolt.step.action == "Send the quote"
        assert leads.lead_id == months.bolt  # done keeps it in its month

        await pilot.press("w")
        await settle(pilot)
        assert editor(app).mode is EditorMode.WIN
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert pipeline.get(months.bolt).state is State.WON
        assert leads.total == 1
        assert "2 won" in title_of(drill)


async def test_postponing_from_a_month(
    make_app: AppMaker, pipeline: Pipeline, clock: Clock
) -> None:
    months = seed_months(pipeline, clock)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_month(pilot, 1)
        await pilot.press("p")
        await settle(pilot)
        assert editor(app).mode is EditorMode.POSTPONE
        await fill(pilot, when="wed 11:00")
        await pilot.press("ctrl+s")
        await settle(pilot)
        easel = pipeline.get(months.easel)
        assert easel.step is not None and easel.step.postponed == 1


async def test_enter_opens_the_lead_and_back_returns(
    make_app: AppMaker, pipeline: Pipeline, clock: Clock
) -> None:
    months = seed_months(pipeline, clock)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        drill = await open_month(pilot, 0)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, LeadScreen)
        assert app.screen.lead_id == months.anvil

        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is drill


async def test_rows_show_names_literally_with_age_and_step(
    make_app: AppMaker, pipeline: Pipeline, clock: Clock
) -> None:
    seed_months(pipeline, clock)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        drill = await open_month(pilot, 0)
        leads = drill.query_one("#cohort-leads", LeadList)
        first, second = (leads.render_line(row).text for row in (1, 2))
        assert "Anvil" in first and "2mo" in first and "Site visit" in first
        assert "[bold]Bolt[/]" in second and "寿司🍣" in second and "~ta" in second
        assert {leads.render_line(row).cell_length for row in range(4)} == {78}


# -- snapshots ----------------------------------------------------------------


def _settled(*keys: str) -> Callable[[Pilot[None]], object]:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


def test_snapshot_cohorts(snap_compare: Snap, pipeline: Pipeline, clock: Clock) -> None:
    seed_months(pipeline, clock)
    assert snap_compare(RecordingApp(pipeline), run_before=_settled("c"))


def test_snapshot_cohort_leads(
    snap_compare: Snap, pipeline: Pipeline, clock: Clock
) -> None:
    seed_months(pipeline, clock)
    assert snap_compare(RecordingApp(pipeline), run_before=_settled("c", "enter"))
