"""What every screen over the pipeline shares: the pipeline, and staying current."""

from __future__ import annotations

from collections.abc import Callable

from textual.events import ScreenResume
from textual.screen import Screen

from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.ui.flows import HasPipeline, LeadFlows, PipelineChanged
from nextstep_tui.ui.widgets.lead_list import LeadList


class PipelineView(Screen[None]):
    """A screen showing part of the pipeline.

    It reads what it shows again (``reload``) when a lead changes anywhere in
    the app, and when it is back on top after another screen closes.
    """

    def __init__(self) -> None:
        super().__init__()
        self._shown_once = False

    @property
    def pipeline(self) -> Pipeline:
        app: HasPipeline = self.app  # type: ignore[assignment]
        return app.pipeline

    def reload(self) -> None:
        """Read what the screen shows again."""
        raise NotImplementedError

    def on_pipeline_changed(self, message: PipelineChanged) -> None:
        self.reload()

    def on_screen_resume(self, event: ScreenResume) -> None:
        if self._shown_once:
            self.reload()
        self._shown_once = True


class LeadListView(PipelineView):
    """A pipeline screen around a list of open leads: its keys act on the
    highlighted one (the screen binds the keys it offers)."""

    def __init__(self) -> None:
        super().__init__()
        self.flows = LeadFlows(self)
        # Lead keys pressed before the list's rows arrive: a fast typist's
        # keys act once there is a lead to act on, not "no lead selected".
        self._waiting: list[Callable[[int | None], None]] = []

    @property
    def lead_list(self) -> LeadList:
        return self.query_one(LeadList)

    def on_lead_list_reloaded(self, message: LeadList.Reloaded) -> None:
        waiting, self._waiting = self._waiting, []
        for action in waiting:
            action(self.lead_list.lead_id)

    def _on_lead(self, action: Callable[[int | None], None]) -> None:
        if self.lead_list.loaded:
            action(self.lead_list.lead_id)
        else:
            self._waiting.append(action)

    def action_open(self) -> None:
        self._on_lead(self.flows.open)

    def action_done(self) -> None:
        self._on_lead(self.flows.done)

    def action_postpone(self) -> None:
        self._on_lead(self.flows.postpone)

    def action_drop(self) -> None:
        self._on_lead(self.flows.drop)

    def action_win(self) -> None:
        self._on_lead(self.flows.win)
