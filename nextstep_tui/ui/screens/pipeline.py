"""The home screen: open leads by section, soonest step first."""

from __future__ import annotations

from collections.abc import Iterable
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Static

from nextstep_tui.core.model import Health, Lead, ListView, lacking_in_words
from nextstep_tui.ui.flows import tell_failure
from nextstep_tui.ui.screens.base import LeadListView
from nextstep_tui.ui.screens.reps import offer_reps
from nextstep_tui.ui.widgets.health import HealthLine
from nextstep_tui.ui.widgets.key_line import KeyLine
from nextstep_tui.ui.widgets.lead_list import (
    LeadList,
    LeadSource,
    step_cells,
    step_columns,
)

SECTIONS: list[tuple[str, ListView, str]] = [
    ("1", ListView.NOW, "Now"),
    ("2", ListView.LATER, "Later"),
    ("3", ListView.LOOSE, "Loose"),
    ("4", ListView.HOPIUM, "Hopium"),
    ("5", ListView.ALL, "All"),
]

EMPTY = {
    ListView.NOW: "Nothing is due today. Press 2 for later steps, a to add a lead.",
    ListView.LATER: "No step is waiting for a later day.",
    ListView.LOOSE: "No loose steps: every step is scheduled, agreed and advancing.",
    ListView.HOPIUM: "No hopium: no step has been postponed too often.",
    ListView.ALL: "No open leads yet. Press a to add one.",
}

# Seconds between reloads, so "now" and other sessions' changes show up.
REFRESH_SECONDS = 60.0


def section_counts(health: Health) -> dict[ListView, int]:
    return {
        ListView.NOW: health.due_now,
        ListView.LATER: health.open - health.due_now,
        ListView.LOOSE: health.loose,
        ListView.HOPIUM: health.hopium,
        ListView.ALL: health.open,
    }


def lead_summary(lead: Lead, threshold: int, owner: bool = False) -> str:
    """The highlighted lead's flags in words, for the line under the list
    (with its rep's name when the list holds several reps' leads)."""
    step = lead.step
    words = [lead.name if not lead.company else f"{lead.name} · {lead.company}"]
    if owner:
        words.insert(0, lead.owner)
    if step is None:
        return words[0]
    words.append(step.action)
    if step.loose:
        words.append("loose: " + lacking_in_words(step.missing))
    if step.postponed:
        times = "once" if step.postponed == 1 else f"{step.postponed} times"
        hopium = f" (hopium from {threshold})" if lead.hopium else ""
        words.append(f"postponed {times}{hopium}")
    return " — ".join(words)


class SectionBar(Static):
    """The sections as a line of tabs, the shown one marked, and whose
    pipeline it is when a manager looks at a team's."""

    whose = ""

    def show(self, current: ListView, counts: dict[ListView, int] | None) -> None:
        parts: list[str | tuple[str, str]] = []
        for key, view, label in SECTIONS:
            count = f" {counts[view]}" if counts is not None else ""
            text = f" {key} {label}{count} "
            parts.append((f"[{text}]", "reverse bold") if view is current else text)
        if self.whose:
            parts.append((f" · {self.whose}", "bold"))
        self.update(Content.assemble(*parts))


class PipelineScreen(LeadListView):
    """Open leads in five sections; every lead action starts from here."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *(
            Binding(
                key,
                f"section('{view.value}')",
                label,
                show=False,
                id=f"pipeline.{view.value}",
            )
            for key, view, label in SECTIONS
        ),
        Binding("a", "add", "Add", id="pipeline.add"),
        Binding("d", "done", "Done", id="pipeline.done"),
        Binding("p", "postpone", "Postpone", id="pipeline.postpone"),
        Binding("x", "drop", "Drop", id="pipeline.drop"),
        Binding("w", "win", "Win", id="pipeline.win"),
        Binding("slash", "filter", "Filter", id="pipeline.filter"),
        Binding("c", "cohorts", "Cohorts", id="pipeline.cohorts"),
        Binding("r", "recycle_list", "Recycle", id="pipeline.recycle_list"),
        Binding("i", "import_file", "Import", show=False, id="pipeline.import"),
        Binding("o", "choose_rep", "Rep", id="pipeline.choose_rep"),
        Binding(
            "escape",
            "clear_filter",
            "Clear filter",
            show=False,
            id="pipeline.clear_filter",
        ),
    ]

    class HealthRead(Message):
        """Fresh numbers for the header (from a worker)."""

        def __init__(self, health: Health) -> None:
            super().__init__()
            self.health = health

    def __init__(self) -> None:
        super().__init__()
        self.section = ListView.NOW
        self.filter_text = ""
        self._counts: dict[ListView, int] | None = None

    def compose(self) -> ComposeResult:
        pipeline = self.pipeline
        yield HealthLine(id="health")
        yield SectionBar(id="sections")
        yield Input(
            placeholder="filter: name, company, contact, action…",
            id="filter",
            compact=True,
        )
        yield LeadList(
            step_columns(pipeline.several_reps),
            step_cells(pipeline.now, pipeline.zone, pipeline.several_reps),
            self._source(),
            empty_text=EMPTY[self.section],
            id="leads",
        )
        yield Static(id="summary")
        yield KeyLine()

    def on_mount(self) -> None:
        self.query_one("#filter").display = False
        self.query_one("#sections", SectionBar).whose = self._whose()
        self.query_one("#sections", SectionBar).show(self.section, None)
        self.lead_list.focus()
        self.read_health()
        self.set_interval(REFRESH_SECONDS, self.reload)

    def _show_source(self, keep_lead: bool = True) -> None:
        """Show the section and filter chosen, and what to say when it is empty."""
        self.lead_list.empty_text = self._empty_text()
        self.lead_list.set_source(self._source(), keep_lead)

    def _empty_text(self) -> str:
        if self.filter_text.strip():
            return f"No lead here matches {self.filter_text.strip()!r}."
        return EMPTY[self.section]

    def _source(self) -> LeadSource:
        return LeadSource.of(self.pipeline.listing(self.section, self.filter_text))

    # -- keeping up to date ----------------------------------------------------

    def reload(self) -> None:
        """Read the list and the numbers again; the cursor stays on its lead."""
        self.lead_list.reload()
        self.read_health()

    @work(thread=True, exclusive=True, group="health", exit_on_error=False)
    def read_health(self) -> None:
        try:
            health = self.pipeline.health()
        except Exception as error:
            tell_failure(self.app, error)
            return
        self.post_message(self.HealthRead(health))

    def on_pipeline_screen_health_read(self, message: HealthRead) -> None:
        self.query_one("#health", HealthLine).show(message.health)
        self._counts = section_counts(message.health)
        self.query_one("#sections", SectionBar).show(self.section, self._counts)

    @on(LeadList.Highlighted)
    def show_summary(self, message: LeadList.Highlighted) -> None:
        lead = self.lead_list.lead
        threshold, several = self.pipeline.hopium_threshold, self.pipeline.several_reps
        text = lead_summary(lead, threshold, several) if lead else ""
        self.query_one("#summary", Static).update(Content(text))

    @on(LeadList.Selected)
    def open_selected(self, message: LeadList.Selected) -> None:
        self.flows.open(message.lead_id)

    # -- sections and the filter -------------------------------------------------

    def action_section(self, name: str) -> None:
        self.section = ListView(name)
        self.query_one("#sections", SectionBar).show(self.section, self._counts)
        self._show_source(keep_lead=False)  # another section starts at its top

    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        box.focus()

    @on(Input.Changed, "#filter")
    def narrow(self, event: Input.Changed) -> None:
        self.filter_text = event.value
        self._show_source()

    @on(Input.Submitted, "#filter")
    def keep_filter(self, event: Input.Submitted) -> None:
        event.input.display = bool(event.value)
        self.lead_list.focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.value = ""
        box.display = False
        self.lead_list.focus()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "clear_filter":
            box = self.query_one("#filter", Input)
            return bool(box.display)
        if action == "choose_rep":
            return self.pipeline.access.manager
        return True

    # -- whose pipeline (a team's manager) -------------------------------------

    def _whose(self) -> str:
        access = self.pipeline.access
        if access.team is None:
            return ""
        return self.pipeline.owner or "everyone"

    @work(thread=True, exclusive=True, group="reps", exit_on_error=False)
    def action_choose_rep(self) -> None:
        offer_reps(
            self.app,
            self.pipeline,
            "Whose pipeline",
            self.show_rep,
            everyone=True,
            current=self.pipeline.owner,
        )

    def show_rep(self, rep: str | None) -> None:
        if rep is None:
            return
        self.pipeline.view_rep(rep or None)
        several = self.pipeline.several_reps
        self.lead_list.columns = step_columns(several)
        self.lead_list.cells = step_cells(
            self.pipeline.now, self.pipeline.zone, several
        )
        bar = self.query_one("#sections", SectionBar)
        bar.whose = self._whose()
        bar.show(self.section, self._counts)
        self._show_source(keep_lead=False)
        self.read_health()

    # -- lead actions -------------------------------------------------------------

    def action_add(self) -> None:
        self.flows.add()

    def action_cohorts(self) -> None:
        from nextstep_tui.ui.screens.cohorts import CohortScreen

        self.app.push_screen(CohortScreen())

    def action_recycle_list(self) -> None:
        from nextstep_tui.ui.screens.recycle import RecycleScreen

        self.app.push_screen(RecycleScreen())

    def action_import_file(self) -> None:
        from nextstep_tui.ui.screens.importing import ImportScreen

        self.app.push_screen(ImportScreen())

    def palette_commands(self) -> Iterable[SystemCommand]:
        """The screen's actions for the command palette."""
        yield SystemCommand(
            "Add a lead", "A new lead and its first step", self.action_add
        )
        yield SystemCommand(
            "Done", "The highlighted lead's step is done", self.action_done
        )
        yield SystemCommand(
            "Postpone", "Move the highlighted lead's step later", self.action_postpone
        )
        yield SystemCommand("Drop", "Drop the highlighted lead", self.action_drop)
        yield SystemCommand("Win", "Close the highlighted lead as won", self.action_win)
        yield SystemCommand("Open lead", "Show the highlighted lead", self.action_open)
        yield SystemCommand("Filter", "Narrow the list by text", self.action_filter)
        yield SystemCommand(
            "Cohorts", "Leads by the month they were made", self.action_cohorts
        )
        yield SystemCommand(
            "Recycle list",
            "Dropped leads and their recycle days",
            self.action_recycle_list,
        )
        if self.pipeline.access.manager:
            yield SystemCommand(
                "Whose pipeline",
                "Show one rep's leads, or everyone's",
                self.action_choose_rep,
            )
        yield SystemCommand(
            "Import a CSV file",
            "Leads from a spreadsheet or another CRM's export",
            self.action_import_file,
        )
        for key, view, label in SECTIONS:
            yield SystemCommand(
                f"Show {label}",
                f"Section {key}: {label.lower()} leads",
                lambda view=view: self.action_section(view.value),
            )
