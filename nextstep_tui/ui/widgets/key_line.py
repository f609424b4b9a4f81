"""The keys a screen offers, on one line at its foot.

Textual's Footer builds a widget for every key, which cost the pipeline
screen more than half of its first paint (95 of 173 ms at 80x24). This is
one widget drawing one line of text, redrawn when the screen's bindings
change. Keys read in bold, so they stand out without colour too.

    yield KeyLine()
"""

from __future__ import annotations

from textual.content import Content
from textual.screen import Screen
from textual.widget import Widget


class KeyLine(Widget):
    """``key Label`` for each shown binding of the screen, in binding order."""

    DEFAULT_CSS = """
    KeyLine {
        dock: bottom;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, screen: Screen[object]) -> None:
        if self.is_attached and screen is self.screen:
            self.refresh()

    def render(self) -> Content:
        shown: list[Content] = []
        actions: set[str] = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            if not binding.show or not active.enabled or binding.action in actions:
                continue
            actions.add(binding.action)
            key = self.app.get_key_display(binding)
            shown.append(Content.assemble((key, "bold"), " ", binding.description))
        return Content(" ").join(shown)
