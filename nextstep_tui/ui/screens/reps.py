"""Choosing a rep of the team: whose pipeline to show, or who takes a lead."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.ui.flows import tell_failure
from nextstep_tui.ui.widgets.key_line import KeyLine

EVERYONE = ""
"""What the picker returns for "every rep"; None means it was left."""


def offer_reps(
    app: App[Any],
    pipeline: Pipeline,
    title: str,
    chosen: Callable[[str | None], None],
    *,
    everyone: bool = False,
    current: str | None = None,
) -> None:
    """From a worker thread: read the reps and their open leads, then let
    the rep pick one in a ``RepPicker``; ``chosen`` gets the answer."""
    try:
        reps = pipeline.reps()
    except Exception as error:  # told to the rep; logged if unexpected
        tell_failure(app, error)
        return
    picker = RepPicker(title, reps, everyone=everyone, current=current)
    app.call_from_thread(app.push_screen, picker, chosen)


class RepPicker(ModalScreen[str | None]):
    """A list of the team's reps with their open leads; enter picks one."""

    DEFAULT_CSS = """
    RepPicker { align: center middle; }
    RepPicker #rep-box {
        width: 50;
        max-width: 100%;
        height: auto;
        max-height: 20;
        border: round $primary;
        border-title-style: bold;
        background: $surface;
    }
    RepPicker OptionList, RepPicker OptionList:focus {
        height: auto;
        max-height: 18;
        border: none;
        padding: 0 1;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="rep_picker.cancel"),
        Binding("j", "move('down')", "Down", show=False, id="rep_picker.down"),
        Binding("k", "move('up')", "Up", show=False, id="rep_picker.up"),
    ]

    def __init__(
        self,
        title: str,
        reps: list[tuple[str, int]],
        *,
        everyone: bool = False,
        current: str | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.reps = reps
        self.everyone = everyone
        self.current = current

    def compose(self) -> ComposeResult:
        options = []
        if self.everyone:
            total = sum(count for _, count in self.reps)
            options.append(Option(Content(f"Everyone  ({total:,} open)"), id="\0"))
        for rep, count in self.reps:
            label = Content.assemble(f"{rep:<24}", (f"{count:>7,} open", "dim"))
            options.append(Option(label, id=rep))
        with Vertical(id="rep-box"):
            yield OptionList(*options, id="reps")
        yield KeyLine()

    def on_mount(self) -> None:
        box = self.query_one("#rep-box")
        box.border_title = Content(self.title_text)
        box.border_subtitle = Content("enter picks · escape leaves")
        options = self.query_one("#reps", OptionList)
        wanted = "\0" if self.current is None else self.current
        try:
            options.highlighted = options.get_option_index(wanted)
        except OptionDoesNotExist:  # a rep with no open leads, not in the group
            options.highlighted = 0
        options.focus()

    @on(OptionList.OptionSelected)
    def pick(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        chosen = event.option.id or ""
        self.dismiss(EVERYONE if chosen == "\0" else chosen)

    def action_move(self, way: str) -> None:
        """j and k, as on every list of the app."""
        options = self.query_one("#reps", OptionList)
        if way == "down":
            options.action_cursor_down()
        else:
            options.action_cursor_up()

    def action_cancel(self) -> None:
        self.dismiss(None)
