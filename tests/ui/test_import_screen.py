"""Importing from the app: preview, then the import with its progress bar."""

from __future__ import annotations

from pathlib import Path

import pendulum
from textual.pilot import Pilot
from textual.widgets import Input, ProgressBar, Select, Static

from nextstep_tui.core.model import ListView, State
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.ui.screens.importing import ImportScreen
from nextstep_tui.ui.screens.pipeline import PipelineScreen
from tests.conftest import ZONE
from tests.ui.conftest import AppMaker, RecordingApp, Seeded, Snap, settle, shown_names

QUIRKS = Path(__file__).parent.parent / "data" / "quirks"


def report(app: RecordingApp) -> str:
    return str(app.screen.query_one("#report", Static).render())


async def open_import(
    app: RecordingApp, pilot: Pilot[None], path: Path
) -> ImportScreen:
    await settle(pilot)
    await pilot.press("i")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, ImportScreen)
    assert app.focused is screen.query_one("#path", Input)
    screen.query_one("#path", Input).value = str(path)
    return screen


async def test_preview_writes_nothing_then_import_brings_rows_in(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded, tmp_path: Path
) -> None:
    rows = "\n".join(f"Lead {n},Prospecting,2026-11-{n:02d}" for n in range(1, 21))
    path = tmp_path / "deals.csv"
    path.write_text("Name,Stage,Created\n" + rows + "\n", encoding="utf-8")
    before = pipeline.count(ListView.ALL)

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(app, pilot, path)
        await pilot.press("enter")
        await settle(pilot)
        assert "Leads would be created: 20" in report(app)
        assert "nothing was written" in report(app)
        assert pipeline.count(ListView.ALL) == before

        await pilot.press("ctrl+s")
        await settle(pilot)
        bar = screen.query_one("#progress", ProgressBar)
        assert bar.display and bar.total == 20 and bar.progress == 20
        assert "Leads created: 20" in report(app)
        assert "Import done." in app.told
        assert pipeline.count(ListView.ALL) == before + 20

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PipelineScreen)
        assert "Lead 1" in shown_names(app)  # triage steps are due today: Now


async def test_ambiguous_dates_are_asked_then_read_as_chosen(
    make_app: AppMaker, pipeline: Pipeline, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(app, pilot, QUIRKS / "ambiguous_dates.csv")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Nothing was imported" in report(app)
        assert any("day-first" in told or "dayfirst" in told for told in app.told)
        assert pipeline.count(ListView.ALL) == 0

        screen.query_one("#order", Select).value = "day-first"
        await pilot.press("ctrl+s")
        await settle(pilot)
        [acme] = [lead for lead in pipeline.leads() if lead.name == "Acme"]
        assert acme.state is State.OPEN
        assert acme.created_at.in_timezone(ZONE).date() == pendulum.date(2017, 4, 3)


async def test_an_amount_that_reads_both_ways_is_asked_then_read_as_chosen(
    make_app: AppMaker, pipeline: Pipeline, tmp_path: Path
) -> None:
    path = tmp_path / "amounts.csv"
    path.write_text('Name,Value\nGlobex,"1,234"\n', encoding="utf-8")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_import(app, pilot, path)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Nothing was imported" in report(app)
        assert pipeline.count(ListView.ALL) == 0

        screen.query_one("#mark", Select).value = "."
        await pilot.press("ctrl+s")
        await settle(pilot)
        [globex] = list(pipeline.leads())
        assert globex.fields.value_cents == 123_400


async def test_a_bad_row_names_its_line_and_changes_nothing(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    before = pipeline.count(ListView.ALL)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_import(app, pilot, QUIRKS / "bad_row.csv")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "bad_row.csv, line" in report(app)
        assert "Nothing was imported" in report(app)
        assert not app.screen.query_one("#progress", ProgressBar).display
        assert pipeline.count(ListView.ALL) == before


async def test_a_missing_file_is_a_message_and_escape_goes_back(
    make_app: AppMaker, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_import(app, pilot, tmp_path / "nope.csv")
        await pilot.press("enter")
        await settle(pilot)
        assert any("There is no file at" in told for told in app.told)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, PipelineScreen)


def test_snapshot_import_preview(snap_compare: Snap, pipeline: Pipeline) -> None:
    async def run_before(pilot: Pilot[None]) -> None:
        app = pilot.app
        assert isinstance(app, RecordingApp)
        await open_import(app, pilot, Path("tests/data/quirks/us_dates.csv"))
        await pilot.press("enter")
        await settle(pilot)

    assert snap_compare(RecordingApp(pipeline), run_before=run_before)
