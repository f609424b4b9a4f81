"""Leads by the month they were made, and each month's unclosed leads."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import ClassVar

import pendulum
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Static

from nextstep_tui.core.model import CohortRow, Lead
from nextstep_tui.core.when import day_bounds, relative
from nextstep_tui.ui.flows import tell_failure
from nextstep_tui.ui.screens.base import LeadListView, PipelineView
from nextstep_tui.ui.widgets.key_line import KeyLine
from nextstep_tui.ui.widgets.lead_list import (
    Cell,
    CellValue,
    Column,
    LeadList,
    LeadSource,
    step_flags,
)

COUNT_TITLES = ("Created", "Won", "Dropped", "Open")
BAR_WIDTH = 10
FULL = "█"
EMPTY = "░"


def open_bar(share: float, width: int = BAR_WIDTH) -> str:
    """The open share as blocks and a percentage, e.g. ``█████░░░░░  45%``."""
    share = min(max(share, 0.0), 1.0)
    filled = int(share * width + 0.5)  # half up, not to even
    percent = int(share * 100 + 0.5)
    return f"{FULL * filled}{EMPTY * (width - filled)} {percent:>3}%"


def month_label(month: str) -> str:
    """``2026-03`` as ``Mar 2026``."""
    return pendulum.date(int(month[:4]), int(month[5:7]), 1).format("MMM YYYY")


def age_label(created: pendulum.DateTime, now: pendulum.DateTime) -> str:
    """How long ago a lead was made, in one short word: ``5d``, ``3w``, ``14mo``."""
    age = now.diff(created)
    if age.in_days() < 14:
        return f"{age.in_days()}d"
    if age.in_months() < 2:
        return f"{age.in_weeks()}w"
    return f"{age.in_months()}mo"


def cohort_summary(row: CohortRow | None, month: str) -> str:
    """The drill-down's header line: the month's counts in words."""
    label = month_label(month)
    if row is None:
        return f"{label} · no leads were made this month"
    return (
        f"{label} · {row.created} created · {row.won} won · "
        f"{row.dropped} dropped · {row.open} still open"
    )


def totals(rows: Sequence[CohortRow]) -> str:
    """Every cohort added up, for the line under the table."""
    created = sum(row.created for row in rows)
    won = sum(row.won for row in rows)
    dropped = sum(row.dropped for row in rows)
    still_open = sum(row.open for row in rows)
    return (
        f"All {len(rows)} months: {created} created · {won} won · "
        f"{dropped} dropped · {still_open} still open"
    )


class CohortScreen(PipelineView):
    """One row per creation month: created, won, dropped, still open."""

    CSS_PATH = "cohorts.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="cohorts.back"),
        # Priority, so the table's own (hidden) Enter does not hide it in the footer.
        Binding(
            "enter",
            "open_month",
            "Month's leads",
            priority=True,
            id="cohorts.open_month",
        ),
        Binding("k", "cursor('up')", "Up", show=False, id="cohorts.up"),
        Binding("j", "cursor('down')", "Down", show=False, id="cohorts.down"),
        Binding("g", "cursor('top')", "First", show=False, id="cohorts.first"),
        Binding("G", "cursor('bottom')", "Last", show=False, id="cohorts.last"),
    ]

    class Read(Message):
        """The cohorts were counted (from a worker)."""

        def __init__(self, rows: list[CohortRow]) -> None:
            super().__init__()
            self.rows = rows

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[CohortRow] = []

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#months", DataTable)

    def compose(self) -> ComposeResult:
        zone = self.pipeline.report_zone  # the team's months, if it sets a zone
        yield Static(
            Content(f"Cohorts · leads by the month they were made ({zone})"),
            id="cohorts-title",
        )
        table: DataTable[Text] = DataTable(cursor_type="row", id="months")
        table.add_column(Text("Month"), key="month")
        for title in COUNT_TITLES:
            table.add_column(Text(title), key=title.lower())
        table.add_column(Text("Open share"), key="share")
        yield table
        yield Static(id="cohorts-summary")
        yield KeyLine()

    def on_mount(self) -> None:
        self.table.focus()
        self.load()

    def reload(self) -> None:
        self.load()

    @work(thread=True, exclusive=True, group="cohorts", exit_on_error=False)
    def load(self) -> None:
        """Count every cohort again."""
        try:
            rows = self.pipeline.cohorts()
        except Exception as error:  # told to the rep; logged if unexpected
            tell_failure(self.app, error)
            return
        self.post_message(self.Read(rows))

    def on_cohort_screen_read(self, message: Read) -> None:
        self.show(message.rows)

    def show(self, rows: list[CohortRow]) -> None:
        """Fill the table, keeping the cursor on the month it was on."""
        table = self.table
        month = self.month
        self.rows = rows
        table.clear()
        for row in rows:
            counts = (row.created, row.won, row.dropped, row.open)
            table.add_row(
                Text(month_label(row.month)),
                *(
                    Text(f"{count:>{len(title)}}")
                    for count, title in zip(counts, COUNT_TITLES, strict=True)
                ),
                Text(open_bar(row.open_share)),
                key=row.month,
            )
        months = [row.month for row in rows]
        if month in months:
            table.move_cursor(row=months.index(month), animate=False)
        summary = totals(rows) if rows else "No leads yet: no cohorts to show."
        self.query_one("#cohorts-summary", Static).update(Content(summary))

    @property
    def month(self) -> str | None:
        """The month under the cursor (YYYY-MM)."""
        index = self.table.cursor_row
        if not self.rows or not 0 <= index < len(self.rows):
            return None
        return self.rows[index].month

    def action_open_month(self) -> None:
        month = self.month
        if month is not None:
            self.app.push_screen(CohortLeadsScreen(month))

    @on(DataTable.RowSelected, "#months")
    def open_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open_month()

    def action_cursor(self, where: str) -> None:
        table = self.table
        if where == "up":
            table.action_cursor_up()
        elif where == "down":
            table.action_cursor_down()
        elif where == "top":
            table.move_cursor(row=0)
        else:
            table.move_cursor(row=table.row_count - 1)

    def action_back(self) -> None:
        self.app.pop_screen()

    def palette_commands(self) -> Iterable[SystemCommand]:
        """The screen's actions for the command palette."""
        yield SystemCommand(
            "Month's leads", "The unclosed leads of this month", self.action_open_month
        )
        yield SystemCommand("Back", "Back to the pipeline", self.action_back)


def cohort_columns() -> list[Column]:
    """Lead, company, age, step and its due time, flags."""
    return [
        Column("Lead", ratio=3),
        Column("Company", ratio=2),
        Column("Age", width=5, align="right"),
        Column("Next step", ratio=3),
        Column("Due", width=11, align="right"),
        Column("Flags", width=6),
    ]


def cohort_cells(
    clock: Callable[[], pendulum.DateTime], zone: str
) -> Callable[[Lead], list[CellValue]]:
    """Cells for ``cohort_columns``; ages and due times read against ``clock()``."""

    def cells(lead: Lead) -> list[CellValue]:
        now = clock()
        age = Cell(age_label(lead.created_at, now), "muted")
        step = lead.step
        if step is None:
            return [lead.name, Cell(lead.company, "muted"), age, lead.state.value]
        today, _ = day_bounds(now, zone)
        due = Cell(
            relative(step.due, step.has_time, now, zone),
            "error" if step.due < today else "",
        )
        return [
            lead.name,
            Cell(lead.company, "muted"),
            age,
            step.action,
            due,
            Cell(step_flags(lead), "warning"),
        ]

    return cells


class CohortLeadsScreen(LeadListView):
    """The unclosed leads of one creation month; act on them right here."""

    CSS_PATH = "cohorts.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="cohort_leads.back"),
        Binding("enter", "open", "Open", priority=True, id="cohort_leads.open"),
        Binding("d", "done", "Done", id="cohort_leads.done"),
        Binding("p", "postpone", "Postpone", id="cohort_leads.postpone"),
        Binding("x", "drop", "Drop", id="cohort_leads.drop"),
        Binding("w", "win", "Win", id="cohort_leads.win"),
    ]

    class CountsRead(Message):
        """The month's counts were read (from a worker)."""

        def __init__(self, row: CohortRow | None) -> None:
            super().__init__()
            self.row = row

    def __init__(self, month: str) -> None:
        super().__init__()
        self.month = month
        self.row: CohortRow | None = None

    def compose(self) -> ComposeResult:
        pipeline = self.pipeline
        yield Static(Content(month_label(self.month)), id="cohort-title")
        yield LeadList(
            cohort_columns(),
            cohort_cells(pipeline.now, pipeline.zone),
            self._source(),
            empty_text=f"No open leads left from {month_label(self.month)}.",
            id="cohort-leads",
        )
        yield KeyLine()

    def _source(self) -> LeadSource:
        return LeadSource.of(self.pipeline.cohort_listing(self.month))

    def on_mount(self) -> None:
        self.lead_list.focus()
        self.read_counts()

    def reload(self) -> None:
        """Read the list and the month's counts again."""
        self.lead_list.reload()
        self.read_counts()

    @work(thread=True, exclusive=True, group="cohort-counts", exit_on_error=False)
    def read_counts(self) -> None:
        try:
            rows = self.pipeline.cohorts()
        except Exception as error:  # told to the rep; logged if unexpected
            tell_failure(self.app, error)
            return
        found = [row for row in rows if row.month == self.month]
        self.post_message(self.CountsRead(found[0] if found else None))

    def on_cohort_leads_screen_counts_read(self, message: CountsRead) -> None:
        self.row = message.row
        title = cohort_summary(message.row, self.month)
        self.query_one("#cohort-title", Static).update(Content(title))

    @on(LeadList.Selected)
    def open_selected(self, message: LeadList.Selected) -> None:
        self.flows.open(message.lead_id)

    def action_back(self) -> None:
        self.app.pop_screen()

    def palette_commands(self) -> Iterable[SystemCommand]:
        """The screen's actions for the command palette."""
        yield SystemCommand("Open lead", "Show the highlighted lead", self.action_open)
        yield SystemCommand(
            "Done", "The highlighted lead's step is done", self.action_done
        )
        yield SystemCommand("Postpone", "Move its step later", self.action_postpone)
        yield SystemCommand("Drop", "Drop the highlighted lead", self.action_drop)
        yield SystemCommand("Win", "Close the highlighted lead as won", self.action_win)
        yield SystemCommand("Back", "Back to the months", self.action_back)
