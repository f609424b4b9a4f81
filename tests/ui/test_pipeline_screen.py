"""The home screen and its lead list, driven with Pilot; snapshots at 80x24."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest
from rich.cells import cell_len
from textual.app import App, ComposeResult
from textual.pilot import Pilot
from textual.widgets import Input

from nextstep_tui.core.model import DropReason, Lead, LeadFields, State
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.ui.app import configure_logging
from nextstep_tui.ui.screens.help import HelpScreen
from nextstep_tui.ui.screens.pipeline import PipelineScreen
from nextstep_tui.ui.widgets.health import health_parts
from nextstep_tui.ui.widgets.lead_list import (
    CACHED_PAGES,
    PAGE_SIZE,
    Column,
    LeadList,
    LeadSource,
    column_widths,
    fit,
    step_columns,
    step_flags,
)
from tests.conftest import NOW, Clock
from tests.core.helpers import step
from tests.ui.conftest import (
    AppMaker,
    RecordingApp,
    Seeded,
    Snap,
    lead_list,
    modals,
    seed,
    settle,
    shown_names,
    until,
)


def row_text(leads: LeadList, row: int) -> str:
    """What the list draws on screen row ``row`` (0 is the header)."""
    return leads.render_line(row).text


# -- the list on its own ----------------------------------------------------------


class CountingSource:
    """Many fake leads; counts what the list asks for."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.fetched: list[tuple[int, int]] = []

    def count(self) -> int:
        return self.total

    def fetch(self, offset: int, limit: int) -> Sequence[Lead]:
        self.fetched.append((offset, limit))
        end = min(offset + limit, self.total)
        return [_fake(number) for number in range(offset, end)]

    def locate(self, lead_id: int) -> int | None:
        return lead_id if 0 <= lead_id < self.total else None

    def source(self) -> LeadSource:
        return LeadSource(self.count, self.fetch, self.locate)


class KeyedSource(CountingSource):
    """The same fake leads, readable by key too; counts each way of reading."""

    def __init__(self, total: int) -> None:
        super().__init__(total)
        self.keyed: list[tuple[str, int | None, int]] = []

    def after(self, lead: Lead, limit: int) -> Sequence[Lead]:
        self.keyed.append(("after", lead.id, limit))
        end = min(lead.id + 1 + limit, self.total)
        return [_fake(number) for number in range(lead.id + 1, end)]

    def before(self, lead: Lead | None, limit: int) -> Sequence[Lead]:
        self.keyed.append(("before", None if lead is None else lead.id, limit))
        end = self.total if lead is None else lead.id
        return [_fake(number) for number in range(max(0, end - limit), end)]

    def source(self) -> LeadSource:
        return LeadSource(
            self.count, self.fetch, self.locate, after=self.after, before=self.before
        )


def _fake(number: int) -> Lead:
    return Lead(number, LeadFields(f"Lead {number}"), "ann", State.OPEN, NOW, 1)


class ListApp(App[None]):
    def __init__(self, source: LeadSource) -> None:
        super().__init__()
        self.source = source
        self.highlighted: list[int | None] = []

    def compose(self) -> ComposeResult:
        yield LeadList([Column("Lead")], lambda lead: [lead.name], self.source)

    def on_lead_list_highlighted(self, message: LeadList.Highlighted) -> None:
        self.highlighted.append(message.lead_id)


async def test_the_list_reads_only_the_pages_it_shows() -> None:
    data = CountingSource(100_000)
    app = ListApp(data.source())
    async with app.run_test(size=(40, 12)) as pilot:
        await settle(pilot)
        leads = app.query_one(LeadList)
        assert leads.total == 100_000
        assert row_text(leads, 1).startswith("Lead 0")
        assert {offset for offset, _ in data.fetched} == {0}

        await pilot.press("G")
        await settle(pilot)
        assert leads.cursor == 99_999
        assert row_text(leads, 11).startswith("Lead 99999")
        assert all(limit == PAGE_SIZE for _, limit in data.fetched)
        assert len(data.fetched) <= 3
        assert len(leads._pages) <= CACHED_PAGES

        await pilot.press("g", "j", "j", "k")
        await settle(pilot)
        assert leads.cursor == 1
        assert app.highlighted[-1] == 1


async def test_deep_pages_are_read_by_key_not_by_offset() -> None:
    data = KeyedSource(100_000)
    app = ListApp(data.source())
    async with app.run_test(size=(40, 12)) as pilot:
        await settle(pilot)
        leads = app.query_one(LeadList)

        await pilot.press("G")  # the last page: read backwards from the end
        await settle(pilot)
        assert row_text(leads, 11).startswith("Lead 99999")
        assert ("before", None, 100_000 - 1999 * PAGE_SIZE) in data.keyed

        for _ in range(8):  # up through two pages: each read before the next
            await pilot.press("pageup")
        await pilot.press("g")
        for _ in range(12):  # down through two pages from the top
            await pilot.press("pagedown")
        await settle(pilot)
        assert leads.cursor == 120
        assert "Lead 120" in "".join(row_text(leads, y) for y in range(1, 12))
        assert ("before", 1999 * PAGE_SIZE, PAGE_SIZE) in data.keyed
        assert ("after", PAGE_SIZE - 1, PAGE_SIZE) in data.keyed
        assert ("after", 2 * PAGE_SIZE - 1, PAGE_SIZE) in data.keyed
        assert {offset for offset, _ in data.fetched} == {0}  # only the first


async def test_the_list_pages_and_keeps_the_cursor_in_view() -> None:
    data = CountingSource(500)
    app = ListApp(data.source())
    async with app.run_test(size=(40, 12)) as pilot:
        await settle(pilot)
        leads = app.query_one(LeadList)

        await pilot.press("pagedown", "pagedown")
        await settle(pilot)
        assert leads.cursor == 20  # 11 rows shown, a page moves by 10
        assert "Lead 20" in "".join(row_text(leads, y) for y in range(1, 12))

        await pilot.press("pageup", "up", "down", "end", "home")
        await settle(pilot)
        assert leads.cursor == 0
        assert row_text(leads, 1).startswith("Lead 0")


def test_columns_share_the_width_and_cells_fit_exactly() -> None:
    columns = [Column("a", ratio=1), Column("b", width=5), Column("c", ratio=3)]
    assert column_widths(columns, 30) == [5, 5, 18]
    assert sum(column_widths(columns, 30)) + 2 == 30

    for text in ("[bold]Acme[/]", "[/", "寿司🍣 Sushi Co", "plain", ""):
        for width in (1, 4, 7, 20):
            cell = fit(text, width)
            assert cell.cell_len == width
            assert cell.plain.rstrip(" …") in text or cell.plain.strip() == ""


# -- the pipeline screen ------------------------------------------------------------


async def test_sections_switch_with_one_key(make_app: AppMaker, seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert shown_names(app) == ["Umbrella", "Acme"]

        expected = {
            "2": ["Globex", "Initech", "Hooli"],
            "3": ["Initech"],
            "4": ["Hooli"],
            "5": ["Umbrella", "Acme", "Globex", "Initech", "Hooli"],
            "1": ["Umbrella", "Acme"],
        }
        for key, names in expected.items():
            await pilot.press(key)
            await settle(pilot)
            assert shown_names(app) == names, key

        bar = str(app.screen.query_one("#sections").render())
        assert "[ 1 Now 2 ]" in bar and "2 Later 3" in bar and "5 All 5" in bar


async def test_rows_show_when_and_flags_as_text(
    make_app: AppMaker, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        leads = lead_list(app)
        header = row_text(leads, 0)
        assert "Lead" in header and "Next step" in header and "Flags" in header
        assert "3d overdue" in row_text(leads, 1)
        assert "Send the contract" in row_text(leads, 1)

        await pilot.press("5")
        await settle(pilot)
        initech, hooli = row_text(leads, 4), row_text(leads, 5)
        assert "~ta" in initech
        assert "!3" in hooli
        assert "Tue 8 Dec" in initech or "8 Dec" in initech

        await pilot.press("end")
        await settle(pilot)
        summary = str(app.screen.query_one("#summary").render())
        assert "postponed 3 times (hopium from 3)" in summary


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light", "ansi-dark"])
async def test_the_cursor_row_shows_without_colour(
    make_app: AppMaker, seeded: Seeded, theme: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        app.theme = theme
        await settle(pilot)
        leads = lead_list(app)
        cursor_row, other_row = leads.render_line(1), leads.render_line(2)
        assert app.no_color
        assert all(segment.style and segment.style.reverse for segment in cursor_row)
        assert not any(segment.style and segment.style.reverse for segment in other_row)


def test_flags_name_what_is_missing(pipeline: Pipeline, seeded: Seeded) -> None:
    assert step_flags(pipeline.get(seeded.acme)) == ""
    assert step_flags(pipeline.get(seeded.initech)) == "~ta"
    assert step_flags(pipeline.get(seeded.hooli)) == "!3"
    assert step_flags(_fake(1)) == ""  # no step: closed


async def test_the_header_counts_firm_leads_against_the_target(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = str(app.screen.query_one("#health").render())
        counts, nudge = health_parts(pipeline.health())
        assert counts == "4 firm / 30 target · 2 due now · 1 loose · 1 hopium"
        assert nudge == "Prospect: 26 more"
        assert counts in shown and nudge in shown


async def test_another_section_starts_at_its_top(
    make_app: AppMaker, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5", "G")
        await settle(pilot)
        assert lead_list(app).lead_id == seeded.hooli  # last of All, in Later too
        await pilot.press("2")
        await settle(pilot)
        assert (lead_list(app).cursor, lead_list(app).lead_id) == (0, seeded.globex)


async def test_the_cursor_stays_on_its_lead_when_the_list_changes(
    make_app: AppMaker, pipeline: Pipeline, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5", "j", "j")  # Globex, below Umbrella and Acme
        await settle(pilot)
        leads = lead_list(app)
        assert (leads.cursor, leads.lead_id) == (2, seeded.globex)

        # Acme, above it, is done in another session and moves to the end.
        pipeline.complete_step(seeded.acme, step("Follow up", "fri 10:00"))
        assert isinstance(app.screen, PipelineScreen)
        app.screen.reload()
        await settle(pilot)

        assert shown_names(app)[-1] == "Acme"
        assert (leads.cursor, leads.lead_id) == (1, seeded.globex)

        # A lead dropped from under the cursor hands it to the next one.
        pipeline.drop(seeded.globex, DropReason.NO_FIT)
        app.screen.reload()
        await settle(pilot)
        assert leads.lead_id == seeded.initech


async def test_the_filter_narrows_live_and_escape_clears_it(
    make_app: AppMaker, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5", "slash")
        box = app.screen.query_one("#filter", Input)
        assert box.display and app.focused is box

        await pilot.press(*"glo")
        await settle(pilot)
        assert shown_names(app) == ["Globex"]

        await pilot.press("enter")  # keep the filter, back to the list
        await settle(pilot)
        assert app.focused is lead_list(app)
        assert box.display and lead_list(app).lead_id == seeded.globex

        await pilot.press("escape")
        await settle(pilot)
        assert not box.display and box.value == ""
        assert len(shown_names(app)) == 5


async def test_another_sessions_change_shows_without_a_key(
    make_app: AppMaker, seeded: Seeded, db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await settle(pilot)
        assert lead_list(app).total == 5

        other = sqlite3.connect(db_path)  # another rep's process
        other.execute(
            "INSERT INTO lead (name, owner, created_at, state, step_action, step_due) "
            "VALUES ('From elsewhere', 'ann', 0, 'open', 'Call', 0)"
        )
        other.commit()
        other.close()

        assert await until(pilot, lambda: lead_list(app).total == 6, seconds=3.0)
        assert "From elsewhere" in shown_names(app)


async def test_a_filter_that_matches_nothing_says_so(
    make_app: AppMaker, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5", "slash", *"zzz")
        await settle(pilot)
        assert "No lead here matches 'zzz'." in row_text(lead_list(app), 1)
        await pilot.press("escape")
        await settle(pilot)
        assert lead_list(app).total == 5


@pytest.mark.parametrize("width", [80, 130])
async def test_markup_and_wide_names_show_literally(
    make_app: AppMaker, pipeline: Pipeline, width: int
) -> None:
    names = ["[bold]Acme[/]", "[/", "寿司🍣 Sushi 株式会社 with a long name"]
    for name in names:
        pipeline.add_lead(LeadFields(name, "[red]Co[/red]"), step("[b]call[/b]", "mon"))
    app = make_app()
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        leads = lead_list(app)
        rows = [row_text(leads, y) for y in (1, 2, 3)]
        name_width = column_widths(step_columns(), leads.size.width)[0]

        for row, name in zip(rows, names, strict=True):
            assert row.startswith(fit(name, name_width).plain)
            assert cell_len(row) == leads.size.width
        if width > 100:
            assert rows[0].startswith("[bold]Acme[/] ")
            assert "[red]Co[/red]" in rows[0] and "[b]call[/b]" in rows[0]

        await pilot.press("j", "j")
        await settle(pilot)
        summary = str(app.screen.query_one("#summary").render())
        assert summary.startswith("寿司🍣 Sushi 株式会社")


async def test_help_lists_the_keys(make_app: AppMaker, seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = "\n".join(f"{keys} {what}" for keys, what in app.screen.lines)
        for word in ("Add", "Done", "Postpone", "Drop", "Win", "Filter", "Cohorts"):
            assert word in text
        assert "j" in text and "G" in text and "Quit" in text

        await pilot.press("escape")
        assert isinstance(app.screen, PipelineScreen)


async def test_every_action_is_in_the_command_palette(
    make_app: AppMaker, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for title in ("Add a lead", "Done", "Postpone", "Drop", "Win", "Open lead"):
            assert title in titles
        assert {"Filter", "Cohorts", "Recycle list", "Show Hopium", "Quit"} <= titles

        await pilot.press("d")
        await settle(pilot)
        assert list(app.get_system_commands(app.screen)) == []


async def test_q_quits_when_no_editor_is_open(
    make_app: AppMaker, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code == 0


async def test_a_tiny_terminal_and_back(make_app: AppMaker, seeded: Seeded) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5", "slash", *"a")
        await pilot.resize_terminal(20, 5)
        await settle(pilot)
        await pilot.press("enter", "j", "G", "pagedown")
        await settle(pilot)
        await pilot.resize_terminal(80, 24)
        await settle(pilot)

        assert app.screen.query_one("#filter", Input).value == "a"
        assert lead_list(app).lead_id is not None
        assert not modals(app)


async def test_unexpected_errors_in_a_worker_are_logged_and_told(
    make_app: AppMaker,
    pipeline: Pipeline,
    seeded: Seeded,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(lead_id: int) -> Lead:
        raise RuntimeError("disk on fire")

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        monkeypatch.setattr(pipeline, "get", broken)
        await pilot.press("d")
        await settle(pilot)

        assert not modals(app)
        assert any("log file" in told for told in app.told)
        assert "disk on fire" in caplog.text
        assert isinstance(app.screen, PipelineScreen)
        assert app.screen.flows.busy is False


# -- snapshots ------------------------------------------------------------------------


def _settled(*keys: str) -> Callable[[Pilot[None]], object]:
    async def run_before(pilot: Pilot[None]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        for box in pilot.app.screen.query(Input):
            box.cursor_blink = False

    return run_before


def test_snapshot_pipeline(
    snap_compare: Snap, pipeline: Pipeline, clock: Clock
) -> None:
    seed(pipeline, clock)
    pipeline.add_lead(LeadFields("[bold]Bold[/] 寿司🍣", "Co"), step("Call", "mon"))
    assert snap_compare(RecordingApp(pipeline), run_before=_settled("5"))


def test_snapshot_editor_done(
    snap_compare: Snap, pipeline: Pipeline, clock: Clock
) -> None:
    seed(pipeline, clock)
    assert snap_compare(RecordingApp(pipeline), run_before=_settled("j", "d"))


def test_snapshot_editor_add(
    snap_compare: Snap, pipeline: Pipeline, clock: Clock
) -> None:
    seed(pipeline, clock)
    assert snap_compare(RecordingApp(pipeline), run_before=_settled("a"))


def test_snapshot_editor_drop(
    snap_compare: Snap, pipeline: Pipeline, clock: Clock
) -> None:
    seed(pipeline, clock)
    assert snap_compare(RecordingApp(pipeline), run_before=_settled("j", "x"))


def test_snapshot_hopium_postpone(
    snap_compare: Snap, pipeline: Pipeline, clock: Clock
) -> None:
    seed(pipeline, clock)
    assert snap_compare(RecordingApp(pipeline), run_before=_settled("4", "p"))


def test_snapshot_help(snap_compare: Snap, pipeline: Pipeline, clock: Clock) -> None:
    seed(pipeline, clock)
    assert snap_compare(RecordingApp(pipeline), run_before=_settled("question_mark"))


# -- the app around the screens ------------------------------------------------------


async def test_enter_c_and_r_open_their_screens(
    make_app: AppMaker, seeded: Seeded
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for key, name in (
            ("enter", "LeadScreen"),
            ("c", "CohortScreen"),
            ("r", "RecycleScreen"),
        ):
            await pilot.press(key)
            await settle(pilot)
            assert type(app.screen).__name__ == name
            app.pop_screen()
            await settle(pilot)
            assert isinstance(app.screen, PipelineScreen)


def test_logging_goes_to_a_file_and_never_the_terminal(tmp_path: Path) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        path = configure_logging(tmp_path / "state")
        logging.getLogger("nextstep_tui.test").error("written down")

        assert path == tmp_path / "state" / "nextstep.log"
        assert "written down" in path.read_text(encoding="utf-8")
        streams = [h for h in root.handlers if type(h) is logging.StreamHandler]
        assert streams == []
    finally:
        for handler in root.handlers:
            handler.close()
        root.handlers[:], root.level = saved[0], saved[1]


async def test_a_key_before_the_rows_arrive_acts_once_they_do(
    make_app: AppMaker, seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fast typist's d, pressed while the first page is still being read,
    opens the step editor on the first lead instead of being lost."""
    from nextstep_tui.ui.screens.step_editor import StepEditor

    read = LeadList._read_around
    key_pressed = threading.Event()

    def after_the_key(self: LeadList, *args: object) -> None:
        key_pressed.wait(10)
        read(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(LeadList, "_read_around", after_the_key)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("d")
        assert not lead_list(app).loaded  # the key came first
        key_pressed.set()
        assert await until(pilot, lambda: isinstance(app.screen, StepEditor))
        assert "No lead is selected." not in app.told
