"""The lead actions every screen that lists leads shares.

Usage, in a screen::

    self.flows = LeadFlows(self)
    ...
    def action_done(self) -> None:
        self.flows.done(self.query_one(LeadList).lead_id)

Each action reads the lead in a worker thread, opens the step editor, writes
the rep's decision with one Pipeline call in a worker thread, tells the rep
how it went, and posts ``PipelineChanged`` from the screen (it bubbles to the
app), so the screen can reload its lists and counts. While one action is in
progress another is ignored, so a key pressed twice opens one editor.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, Protocol, cast

from textual.message import Message
from textual.screen import Screen

from nextstep_tui.core.errors import Conflict, NextstepError, NotFound, WrongState
from nextstep_tui.core.model import Health, Lead, State
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.ui.forms import DecisionKind, EditorMode, StepDecision, StepDraft
from nextstep_tui.ui.screens.step_editor import EditorContext, StepEditor

if TYPE_CHECKING:
    from textual.app import App

log = logging.getLogger(__name__)

# What each kind of write is called in ``PipelineChanged.what``; ELSEWHERE is
# a change another session made (the lead is then unknown).
ELSEWHERE = "elsewhere"
ADDED = "added"
DONE = "done"
POSTPONED = "postponed"
EDITED = "edited"
RECYCLED = "recycled"
DROPPED = "dropped"
WON = "won"


class PipelineChanged(Message):
    """A lead was added, moved on, postponed, edited, recycled, dropped or won."""

    def __init__(self, lead_id: int | None, what: str) -> None:
        super().__init__()
        self.lead_id = lead_id
        self.what = what


class HasPipeline(Protocol):
    pipeline: Pipeline


class LeadFlows:
    """Open, add, done, postpone, edit, drop, win and recycle for ``screen``."""

    def __init__(self, screen: Screen[Any]) -> None:
        self.screen = screen
        self.busy = False

    @property
    def app(self) -> App[Any]:
        return self.screen.app

    @property
    def pipeline(self) -> Pipeline:
        return cast(HasPipeline, self.app).pipeline

    # -- the actions -------------------------------------------------------

    def open(self, lead_id: int | None) -> None:
        """Show the lead's screen."""
        if lead_id is None:
            return
        from nextstep_tui.ui.screens.lead import LeadScreen

        self.app.push_screen(LeadScreen(lead_id))

    def add(self) -> None:
        """A new lead with its first step."""
        self._start(EditorMode.ADD, None)

    def done(self, lead_id: int | None) -> None:
        """The step is done: set the next one (or drop, or win)."""
        self._start(EditorMode.DONE, lead_id)

    def postpone(self, lead_id: int | None) -> None:
        self._start(EditorMode.POSTPONE, lead_id)

    def edit(self, lead_id: int | None) -> None:
        """Change the current step (moving it later counts as a postponement)."""
        self._start(EditorMode.EDIT, lead_id)

    def drop(self, lead_id: int | None) -> None:
        self._start(EditorMode.DROP, lead_id)

    def win(self, lead_id: int | None) -> None:
        self._start(EditorMode.WIN, lead_id)

    def recycle(self, lead_id: int | None) -> None:
        """Bring a dropped lead back with a new step; leaving keeps it dropped."""
        self._start(EditorMode.RECYCLE, lead_id)

    # -- reading, then the editor ----------------------------------------------

    def _start(
        self, mode: EditorMode, lead_id: int | None, draft: StepDraft | None = None
    ) -> None:
        if self.busy:
            return
        if lead_id is None and mode is not EditorMode.ADD:
            self.app.notify("No lead is selected.", markup=False)
            return
        self.busy = True
        self.screen.run_worker(
            lambda: self._read(mode, lead_id, draft),
            thread=True,
            group="lead-flows",
            exit_on_error=False,
        )

    def _read(
        self, mode: EditorMode, lead_id: int | None, draft: StepDraft | None
    ) -> None:
        """Worker thread: read the lead and the numbers, then open the editor."""
        try:
            lead = self.pipeline.get(lead_id) if lead_id is not None else None
            _check_state(mode, lead)
            health = self.pipeline.health()
        except Exception as error:
            self._fail(error)
            return
        self.app.call_from_thread(self._open_editor, mode, lead, health, draft)

    def _open_editor(
        self,
        mode: EditorMode,
        lead: Lead | None,
        health: Health,
        draft: StepDraft | None,
    ) -> None:
        pipeline = self.pipeline
        context = EditorContext(
            mode=mode,
            lead=lead,
            health=health,
            hopium_threshold=pipeline.hopium_threshold,
            zone=pipeline.zone,
            clock=pipeline.now,
            draft=draft,
        )

        def decided(decision: StepDecision | None) -> None:
            self._decided(mode, lead, decision)

        self.app.push_screen(StepEditor(context), decided)

    # -- writing ---------------------------------------------------------------

    def _decided(
        self, mode: EditorMode, lead: Lead | None, decision: StepDecision | None
    ) -> None:
        if decision is None or decision.kind is DecisionKind.DISCARD:
            self.busy = False
            return
        self.screen.run_worker(
            lambda: self._write(mode, lead, decision),
            thread=True,
            group="lead-flows",
            exit_on_error=False,
        )

    def _write(
        self, mode: EditorMode, lead: Lead | None, decision: StepDecision
    ) -> None:
        """Worker thread: one Pipeline call, then tell the rep and the screen."""
        try:
            lead_id, what, told = apply_decision(self.pipeline, mode, lead, decision)
        except NextstepError as error:
            kept = decision.draft is not None and not isinstance(
                error, NotFound | WrongState
            )
            if kept and isinstance(error, Conflict):
                error = Conflict(
                    f"Not saved: {error} Yours is back in the editor: save it "
                    "over theirs, or change it."
                )
            self._fail(error)
            if kept and decision.draft is not None:
                self.app.call_from_thread(
                    self._retry, mode, lead.id if lead else None, decision.draft
                )
            return
        except Exception as error:
            self._fail(error)
            return
        self.app.notify(told, markup=False)
        self.app.call_from_thread(self._finish, PipelineChanged(lead_id, what))

    def _finish(self, change: PipelineChanged) -> None:
        self.busy = False
        self.screen.post_message(change)

    def _retry(self, mode: EditorMode, lead_id: int | None, draft: StepDraft) -> None:
        """Open the editor again with what was typed, after a failed save."""
        self.busy = False
        self._start(mode, lead_id, draft)

    def _fail(self, error: Exception) -> None:
        """Worker thread: tell the rep, and free the flows for another action."""
        tell_failure(self.app, error)
        self.app.call_from_thread(setattr, self, "busy", False)


def tell_failure(app: App[Any], error: Exception) -> None:
    """Show a rep's mistake as it is; log anything else and say where."""
    if isinstance(error, NextstepError):
        app.notify(str(error), severity="error", markup=False)
        return
    log.error("a lead action failed", exc_info=error)
    app.notify(
        "Something went wrong and nothing was saved; the details are in the log file.",
        severity="error",
        markup=False,
    )


def _check_state(mode: EditorMode, lead: Lead | None) -> None:
    if lead is None or mode is EditorMode.ADD:
        return
    if mode is EditorMode.RECYCLE:
        if lead.state is not State.DROPPED:
            raise WrongState(
                f"{lead.name} is {lead.state.value}; only dropped leads recycle."
            )
        return
    if lead.step is None:
        raise WrongState(
            f"{lead.name} is {lead.state.value}; it has no step to act on."
        )


def apply_decision(
    pipeline: Pipeline, mode: EditorMode, lead: Lead | None, decision: StepDecision
) -> tuple[int, str, str]:
    """Write ``decision`` with one Pipeline call; return (lead id, what, message)."""
    version = lead.version if lead is not None else None
    if decision.kind is DecisionKind.DROP:
        assert lead is not None and decision.reason is not None
        pipeline.drop(
            lead.id,
            decision.reason,
            note=decision.note,
            recycle_on=decision.recycle_on,
            expected_version=version,
        )
        back = (
            f"; back on {decision.recycle_on.isoformat()}"
            if decision.recycle_on
            else ""
        )
        return lead.id, DROPPED, f"Dropped {lead.name} ({decision.reason.label}){back}."
    if decision.kind is DecisionKind.WIN:
        assert lead is not None
        pipeline.win(lead.id, note=decision.note, expected_version=version)
        return lead.id, WON, f"Won {lead.name}."
    return _save(pipeline, mode, lead, decision, version)


def _save(
    pipeline: Pipeline,
    mode: EditorMode,
    lead: Lead | None,
    decision: StepDecision,
    version: int | None,
) -> tuple[int, str, str]:
    step = decision.step
    assert step is not None
    if mode is EditorMode.ADD:
        assert decision.fields is not None
        lead_id = pipeline.add_lead(decision.fields, step)
        return lead_id, ADDED, f"Added {decision.fields.name}."
    assert lead is not None
    if mode is EditorMode.POSTPONE:
        count = pipeline.postpone(
            lead.id,
            step.when,
            action=step.action,
            agreed=step.agreed,
            advances=step.advances,
            expected_version=version,
        )
        times = "once" if count == 1 else f"{count} times"
        return lead.id, POSTPONED, f"Postponed {lead.name} ({times} now)."
    if mode is EditorMode.RECYCLE:
        pipeline.recycle(lead.id, step, expected_version=version)
        return lead.id, RECYCLED, f"{lead.name} is back in the pipeline."
    if mode is EditorMode.EDIT:
        pipeline.edit_step(lead.id, step, expected_version=version)
        return lead.id, EDITED, f"Changed the step of {lead.name}."
    pipeline.complete_step(
        lead.id, step, outcome=decision.outcome, expected_version=version
    )
    return lead.id, DONE, f"Next step saved for {lead.name}."
