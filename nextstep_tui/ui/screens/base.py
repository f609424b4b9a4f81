"""What every screen over the pipeline shares: the pipeline, and staying current."""

from __future__ import annotations

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

    @property
    def lead_list(self) -> LeadList:
        return self.query_one(LeadList)

    def action_open(self) -> None:
        self.flows.open(self.lead_list.lead_id)

    def action_done(self) -> None:
        self.flows.done(self.lead_list.lead_id)

    def action_postpone(self) -> None:
        self.flows.postpone(self.lead_list.lead_id)

    def action_drop(self) -> None:
        self.flows.drop(self.lead_list.lead_id)

    def action_win(self) -> None:
        self.flows.win(self.lead_list.lead_id)
