"""Bring a CSV file in from the app: preview the mapping, then import with progress.

The reading and the rules are the transfer package's and core's; this screen
asks for the file and the date order, runs the work in a thread and shows
what it says, line by line, as plain text.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Label, ProgressBar, Select, Static

from nextstep_tui.core.errors import NextstepError
from nextstep_tui.core.importing import BadRow
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.transfer.csv_import import ImportOptions, import_csv, summary
from nextstep_tui.transfer.dates import DateOrder
from nextstep_tui.ui.flows import HasPipeline, tell_failure
from nextstep_tui.ui.widgets.key_line import KeyLine

AUTO = "auto"
ORDERS: list[tuple[str, str]] = [
    ("Dates: read from the file", AUTO),
    ("Dates: day first (31/12)", DateOrder.DAY_FIRST.value),
    ("Dates: month first (12/31)", DateOrder.MONTH_FIRST.value),
]
MARKS: list[tuple[str, str]] = [
    ("Amounts: read from the file", AUTO),
    ("Amounts: 1,234.56", "."),
    ("Amounts: 1.234,56", ","),
]


def import_failure(path: Path, error: NextstepError) -> str:
    """What a refused import tells the rep; nothing was written."""
    if isinstance(error, BadRow):
        return f"{path.name}, line {error.line}: {error.reason} Nothing was imported."
    return f"{error} Nothing was imported."


class ImportScreen(Screen[None]):
    """A file, a preview of what would happen, and the import itself.

    The date order and the decimal mark are read from the file; the two
    choices are for a file that does not say (the preview asks for them).
    """

    CSS_PATH = "importing.tcss"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="import.back"),
        Binding("ctrl+s", "run(False)", "Import", id="import.run"),
        Binding("ctrl+r", "run(True)", "Preview", id="import.preview"),
    ]

    class Progressed(Message):
        """Rows done of rows there are (from the import's thread)."""

        def __init__(self, done: int, total: int | None) -> None:
            super().__init__()
            self.done = done
            self.total = total

    class Finished(Message):
        """The import or preview ended: its account, or why it was refused."""

        def __init__(self, lines: list[str], dry_run: bool, ok: bool) -> None:
            super().__init__()
            self.lines = lines
            self.dry_run = dry_run
            self.ok = ok

    def __init__(self) -> None:
        super().__init__()
        self.running = False

    @property
    def pipeline(self) -> Pipeline:
        app: HasPipeline = self.app  # type: ignore[assignment]
        return app.pipeline

    def compose(self) -> ComposeResult:
        yield Static(Content("Import leads from a CSV file"), id="import-title")
        with Horizontal(id="import-file"):
            yield Label("File", classes="import-label")
            yield Input(
                placeholder="path to a .csv file, e.g. ~/deals.csv",
                id="path",
                compact=True,
            )
        with Horizontal(id="import-choices"):
            yield Select(
                ORDERS, value=AUTO, allow_blank=False, id="order", compact=True
            )
            yield Select(MARKS, value=AUTO, allow_blank=False, id="mark", compact=True)
        with Horizontal(id="import-buttons"):
            yield Button("Preview", id="preview", compact=True)
            yield Button("Import", id="import", variant="primary", compact=True)
        yield ProgressBar(id="progress", show_eta=False)
        with VerticalScroll(id="import-report"):
            yield Static(
                Content(
                    "Enter a file and preview it: the columns it maps, the dates "
                    "and what would happen. Nothing is written until you import."
                ),
                id="report",
            )
        yield KeyLine()

    def on_mount(self) -> None:
        self.query_one("#progress").display = False
        self.query_one("#path", Input).focus()

    # -- asking ----------------------------------------------------------------

    @on(Input.Submitted, "#path")
    def preview_on_enter(self) -> None:
        self.action_run(True)

    @on(Button.Pressed, "#preview")
    def preview_pressed(self) -> None:
        self.action_run(True)

    @on(Button.Pressed, "#import")
    def import_pressed(self) -> None:
        self.action_run(False)

    def action_run(self, dry_run: bool) -> None:
        if self.running:
            self.app.notify("The import is still running.", markup=False)
            return
        text = self.query_one("#path", Input).value.strip()
        if not text:
            self.app.notify("Type the path of a CSV file.", severity="error")
            return
        path = Path(text).expanduser()
        if not path.is_file():
            self.app.notify(
                f"There is no file at {path}.", severity="error", markup=False
            )
            return
        order = self.query_one("#order", Select).value
        mark = self.query_one("#mark", Select).value
        options = ImportOptions(
            date_order=None if order == AUTO else DateOrder(str(order)),
            decimal_mark=None if mark == AUTO else str(mark),
        )
        self.running = True
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = not dry_run
        self._show(["Reading the file…" if dry_run else "Importing…"])
        self.read_file(path, options, dry_run)

    def action_back(self) -> None:
        if self.running:
            self.app.notify(
                "The import is still running; it writes all its rows or none.",
                markup=False,
            )
            return
        self.dismiss()

    def palette_commands(self) -> Iterable[SystemCommand]:
        """The screen's actions for the command palette."""
        yield SystemCommand(
            "Preview import", "What the file would bring in", self.preview_pressed
        )
        yield SystemCommand("Import", "Bring the file's leads in", self.import_pressed)

    # -- working -----------------------------------------------------------------

    @work(thread=True, exclusive=True, group="import", exit_on_error=False)
    def read_file(self, path: Path, options: ImportOptions, dry_run: bool) -> None:
        pipeline = self.pipeline
        shown = -1

        def progress(done: int, total: int | None) -> None:
            nonlocal shown
            step = max(1, (total or 0) // 100)
            if done == total or done - shown >= step:
                shown = done
                self.post_message(self.Progressed(done, total))

        try:
            result = import_csv(
                pipeline, path, options, dry_run=dry_run, progress=progress
            )
        except NextstepError as error:
            lines, ok = [import_failure(path, error)], False
        except Exception as error:
            tell_failure(self.app, error)
            lines, ok = ["The import failed; nothing was imported."], False
        else:
            day = pipeline.now().in_timezone(pipeline.zone).date().isoformat()
            lines, ok = summary(result, day), True
        self.post_message(self.Finished(lines, dry_run, ok))

    def on_import_screen_progressed(self, message: Progressed) -> None:
        bar = self.query_one("#progress", ProgressBar)
        bar.update(total=message.total, progress=message.done)

    def on_import_screen_finished(self, message: Finished) -> None:
        self.running = False
        self._show(message.lines)
        if not message.ok:
            self.query_one("#progress").display = False  # nothing went in
            self.app.notify(message.lines[0], severity="error", markup=False)
        elif not message.dry_run:
            # The outcome is the account's last lines: show them first.
            self.query_one("#import-report").scroll_end(animate=False)
            self.app.notify("Import done.", markup=False)

    def _show(self, lines: list[str]) -> None:
        self.query_one("#report", Static).update(Content("\n".join(lines)))
