"""The keys of the screen the rep came from, and what the flags mean."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

LEGEND = """\
Flags
  ~     loose step; the letters say what it lacks:
        t no time set, a not agreed by the buyer, v does not advance the sale
  !N    hopium: postponed N times since the last step done

The step editor
  tab, enter   next field            ctrl+s   save / confirm
  escape       back to the step (it never closes the editor)
  It is left only with a saved next step, a drop or a win.

Dates are typed as people say them: today, tomorrow 10am, fri,
next tue 14:30, +3d, +2w, in 3 days, 2027-01-15 09:00, 15 jan, eom."""


def key_lines(screen: Screen[Any]) -> list[tuple[str, str]]:
    """(keys, description) for every binding active on ``screen``, in order."""
    keys: dict[tuple[int, str], list[str]] = {}
    described: dict[tuple[int, str], str] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system or not binding.description:
            continue
        slot = (id(active.node), binding.action)
        keys.setdefault(slot, []).append(_key_name(screen, binding, key))
        described[slot] = binding.description
    return [(" ".join(keys[slot]), described[slot]) for slot in keys]


def _key_name(screen: Screen[Any], binding: Binding, key: str) -> str:
    if binding.key_display:
        return binding.key_display
    return screen.app.get_key_display(Binding(key, binding.action))


class HelpScreen(ModalScreen[None]):
    """Every key of the screen below, then the legend."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark,enter", "close", "Close", id="help.close"),
    ]

    def __init__(self, lines: list[tuple[str, str]]) -> None:
        super().__init__()
        self.lines = lines

    def compose(self) -> ComposeResult:
        width = max((len(keys) for keys, _ in self.lines), default=4)
        text = "\n".join(f"  {keys:<{width}}  {what}" for keys, what in self.lines)
        with VerticalScroll(id="help-dialog"):
            yield Static(Content("Keys\n" + text + "\n\n" + LEGEND), id="help-text")

    def on_mount(self) -> None:
        dialog = self.query_one("#help-dialog")
        dialog.border_title = Content("Help")
        dialog.border_subtitle = Content("escape closes")

    def action_close(self) -> None:
        self.dismiss(None)
