"""The header line: firm leads against the target, and a nudge to prospect."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from nextstep_tui.core.model import Health


def health_parts(health: Health) -> tuple[str, str]:
    """The counts, and the nudge (empty when the target is met)."""
    counts = (
        f"{health.firm} firm / {health.target} target · {health.due_now} due now · "
        f"{health.loose} loose · {health.hopium} hopium"
    )
    short = health.short_of_target
    nudge = f"Prospect: {short} more" if short else ""
    return counts, nudge


class HealthLine(Static):
    """One line of pipeline health; call ``show`` with fresh numbers."""

    DEFAULT_CSS = """
    HealthLine {
        height: auto;
        width: 1fr;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(Content("…"), id=id, classes=classes)
        self.health: Health | None = None

    def show(self, health: Health) -> None:
        self.health = health
        counts, nudge = health_parts(health)
        parts: list[str | tuple[str, str]] = [(counts, "bold")]
        if nudge:
            parts += ["  ", (f"▲ {nudge}", "$text-warning bold")]
        self.update(Content.assemble(*parts))
        self.set_class(bool(nudge), "-short")
