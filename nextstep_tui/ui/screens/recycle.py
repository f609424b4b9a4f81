"""Dropped leads, those whose recycle day has come first; bring them back."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import ClassVar

import pendulum
from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from nextstep_tui.core.model import Lead
from nextstep_tui.core.when import day_bounds
from nextstep_tui.ui.flows import LeadFlows, tell_failure
from nextstep_tui.ui.screens.base import PipelineView
from nextstep_tui.ui.screens.cohorts import age_label
from nextstep_tui.ui.widgets.key_line import KeyLine
from nextstep_tui.ui.widgets.lead_list import (
    Cell,
    CellValue,
    Column,
    LeadList,
    LeadSource,
)

READY = "ready"
DAY_FORMAT = "ddd D MMM YYYY"


def is_ready(lead: Lead, now: pendulum.DateTime, zone: str) -> bool:
    """True when the lead's recycle day is today or past."""
    if lead.recycle_on is None:
        return False
    return lead.recycle_on < day_bounds(now, zone)[1]


def recycle_day(lead: Lead, zone: str) -> str:
    """The local day the lead comes back, or a dash when it has none."""
    if lead.recycle_on is None:
        return "—"
    return lead.recycle_on.in_timezone(zone).format(DAY_FORMAT)


def dropped_ago(lead: Lead, now: pendulum.DateTime) -> str:
    """How long ago the lead was dropped: ``today``, ``3d ago``, ``2mo ago``."""
    if lead.closed_at is None:
        return ""
    age = age_label(lead.closed_at, now)
    return "today" if age == "0d" else f"{age} ago"


def ready_summary(total: int, ready: int) -> str:
    """The title line: how many are dropped and how many may come back now."""
    if not total:
        return "Recycle · no dropped leads"
    dropped = f"{total} dropped lead{'s' if total != 1 else ''}"
    if not ready:
        return f"Recycle · {dropped} · none ready yet"
    return f"Recycle · {dropped} · {ready} ready to recycle"


def recycle_columns() -> list[Column]:
    """Ready mark, lead, company, reason, recycle day, time since the drop."""
    return [
        Column("", width=5),
        Column("Lead", ratio=3),
        Column("Company", ratio=2),
        Column("Reason", width=14),
        Column("Back on", width=15),
        Column("Dropped", width=7, align="right"),
    ]


def recycle_cells(
    clock: Callable[[], pendulum.DateTime], zone: str
) -> Callable[[Lead], list[CellValue]]:
    """Cells for ``recycle_columns``; readiness reads against ``clock()``."""

    def cells(lead: Lead) -> list[CellValue]:
        now = clock()
        ready = is_ready(lead, now, zone)
        reason = lead.drop_reason.label if lead.drop_reason else ""
        ago = dropped_ago(lead, now)
        return [
            Cell(READY if ready else "", "accent"),
            lead.name,
            Cell(lead.company, "muted"),
            reason,
            Cell(recycle_day(lead, zone), "accent" if ready else "muted"),
            Cell(ago, "muted"),
        ]

    return cells


class RecycleScreen(PipelineView):
    """Dropped leads with their reason and recycle day; Enter brings one back."""

    CSS_PATH = "recycle.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="recycle.back"),
        # Priority, so the list's own (hidden) Enter does not hide it in the footer.
        Binding("enter", "recycle", "Recycle", priority=True, id="recycle.recycle"),
        Binding("u", "recycle", "Recycle", show=False, id="recycle.recycle_u"),
        Binding("o", "open", "Open", id="recycle.open"),
    ]

    class CountsRead(Message):
        """How many are dropped and ready (from a worker)."""

        def __init__(self, total: int, ready: int) -> None:
            super().__init__()
            self.total = total
            self.ready = ready

    def __init__(self) -> None:
        super().__init__()
        self.flows = LeadFlows(self)

    @property
    def lead_list(self) -> LeadList:
        return self.query_one("#dropped", LeadList)

    def compose(self) -> ComposeResult:
        pipeline = self.pipeline
        yield Static(Content("Recycle"), id="recycle-title")
        yield LeadList(
            recycle_columns(),
            recycle_cells(pipeline.now, pipeline.zone),
            self._source(),
            empty_text="No dropped leads.",
            id="dropped",
        )
        yield Static(id="recycle-note")
        yield KeyLine()

    def _source(self) -> LeadSource:
        return LeadSource.of(self.pipeline.dropped_listing())

    def on_mount(self) -> None:
        self.lead_list.focus()
        self.read_counts()

    def reload(self) -> None:
        self.lead_list.reload()
        self.read_counts()

    @work(thread=True, exclusive=True, group="recycle-counts", exit_on_error=False)
    def read_counts(self) -> None:
        try:
            total = self.pipeline.dropped_count()
            ready = self.pipeline.recycle_due_count()
        except Exception as error:  # told to the rep; logged if unexpected
            tell_failure(self.app, error)
            return
        self.post_message(self.CountsRead(total, ready))

    def on_recycle_screen_counts_read(self, message: CountsRead) -> None:
        title = ready_summary(message.total, message.ready)
        self.query_one("#recycle-title", Static).update(Content(title))

    @on(LeadList.Highlighted)
    def show_note(self, message: LeadList.Highlighted) -> None:
        """The highlighted lead's drop note, under the list."""
        lead = self.lead_list.lead
        text = ""
        if lead is not None:
            text = " ".join(lead.drop_note.split()) if lead.drop_note else "(no note)"
        self.query_one("#recycle-note", Static).update(Content(text))

    @on(LeadList.Selected)
    def recycle_selected(self, message: LeadList.Selected) -> None:
        self.flows.recycle(message.lead_id)

    def action_recycle(self) -> None:
        self.flows.recycle(self.lead_list.lead_id)

    def action_open(self) -> None:
        self.flows.open(self.lead_list.lead_id)

    def action_back(self) -> None:
        self.app.pop_screen()

    def palette_commands(self) -> Iterable[SystemCommand]:
        """The screen's actions for the command palette."""
        yield SystemCommand(
            "Recycle",
            "Bring the highlighted lead back with a step",
            self.action_recycle,
        )
        yield SystemCommand("Open lead", "Show the highlighted lead", self.action_open)
        yield SystemCommand("Back", "Back to the pipeline", self.action_back)
