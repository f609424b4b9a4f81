"""The app: its screens over one Pipeline, and a clean start and stop.

``run(settings)`` is what ``nextstep`` with no command calls: it sends logging
to a file in the state directory (never to the terminal the app draws), opens
the pipeline and runs the app until the rep quits, a SIGHUP or SIGTERM
arrives, or the terminal's input closes.
"""

from __future__ import annotations

import asyncio
import logging
import select
import signal
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, ClassVar, Protocol, runtime_checkable

from rich.console import RenderableType
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from nextstep_tui.config import Settings, state_dir
from nextstep_tui.core.pipeline import Pipeline, open_pipeline
from nextstep_tui.ui.flows import ELSEWHERE, PipelineChanged
from nextstep_tui.ui.screens.help import HelpScreen, key_lines
from nextstep_tui.ui.screens.pipeline import PipelineScreen
from nextstep_tui.ui.screens.step_editor import StepEditor

log = logging.getLogger(__name__)

LOG_NAME = "nextstep.log"
STOP_SIGNALS = (signal.SIGHUP, signal.SIGTERM)
INPUT_CHECK_SECONDS = 0.5
# How often to look for another session's changes (one PRAGMA, no lock).
CHANGES_CHECK_SECONDS = 1.0


@runtime_checkable
class HasCommands(Protocol):
    """A screen whose actions belong in the command palette."""

    def palette_commands(self) -> Iterable[SystemCommand]: ...


class NextstepApp(App[None]):
    """The pipeline app; ``pipeline`` is the one every screen asks."""

    CSS_PATH = Path(__file__).with_name("app.tcss")
    TITLE = "nextstep"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        Binding("question_mark", "help", "Help", key_display="?", id="app.help"),
    ]

    def __init__(self, pipeline: Pipeline, *, log_path: Path | None = None) -> None:
        super().__init__()
        self.pipeline = pipeline
        self.log_path = log_path
        self._watch_terminal = False
        self.leaving = False
        self._stamp: int | None = None

    def get_default_screen(self) -> Screen[Any]:
        return PipelineScreen()

    @property
    def editing(self) -> bool:
        """True while a step editor is open anywhere in the stack."""
        return any(isinstance(screen, StepEditor) for screen in self.screen_stack)

    # -- quitting ------------------------------------------------------------

    async def action_quit(self) -> None:
        """Quit, unless a step editor is open (the lead would lose its step)."""
        if self.editing:
            self.notify(
                "Finish the step editor first: save a next step, drop or win the lead.",
                severity="warning",
                markup=False,
            )
            return
        self.exit()

    def exit(
        self,
        result: None = None,
        return_code: int = 0,
        message: RenderableType | None = None,
    ) -> None:
        self.leaving = True
        super().exit(result, return_code, message)

    def action_help(self) -> None:
        self.push_screen(HelpScreen(key_lines(self.screen)))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "help":
            return not isinstance(self.screen, StepEditor | HelpScreen)
        return True

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        if isinstance(screen, StepEditor):
            return  # nothing may act behind the editor's back
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "Every key of this screen", self.action_help)
        if isinstance(screen, HasCommands):
            yield from screen.palette_commands()

    # -- stopping cleanly ----------------------------------------------------

    def watch_terminal(self) -> None:
        """Exit on SIGHUP, SIGTERM or closed input (call once, when running)."""
        self._watch_terminal = True

    def on_mount(self) -> None:
        self._stamp = self.pipeline.change_stamp()
        self.set_interval(CHANGES_CHECK_SECONDS, self._check_changes)
        if not self._watch_terminal:
            return
        loop = asyncio.get_running_loop()
        for number in STOP_SIGNALS:
            loop.add_signal_handler(number, self.stop, signal.Signals(number).name)
        self.set_interval(INPUT_CHECK_SECONDS, self._check_input)

    def on_unmount(self) -> None:
        if not self._watch_terminal:
            return
        loop = asyncio.get_running_loop()
        for number in STOP_SIGNALS:
            loop.remove_signal_handler(number)

    def stop(self, why: str) -> None:
        """Leave at once; an open editor has written nothing, so nothing is lost."""
        log.info("stopping: %s", why)
        self.exit(return_code=0)

    def _check_changes(self) -> None:
        """Show what another session changed, within a couple of seconds."""
        stamp = self.pipeline.change_stamp()
        if stamp is not None and stamp != self._stamp:
            self._stamp = stamp
            self.screen.post_message(PipelineChanged(None, ELSEWHERE))

    def _check_input(self) -> None:
        # TODO: Textual's input thread spins on end of file instead of stopping
        # the app; until it does, poll for a hung-up input and stop here.
        stdin = sys.__stdin__
        if stdin is None:
            return
        poller = select.poll()
        poller.register(stdin.fileno(), select.POLLIN)
        for _, mask in poller.poll(0):
            if mask & (select.POLLHUP | select.POLLERR | select.POLLNVAL):
                self.stop("input closed")

    def _handle_exception(self, error: Exception) -> None:
        # Textual's hook for an unhandled error: the developer's log gets the
        # traceback; the rep's terminal gets one line instead of a page.
        if self.leaving:
            # A key pressed just after quitting may open a screen that the
            # closing app never finishes mounting; nothing is lost by it.
            log.info("ignored while leaving: %r", error)
            return
        log.error("unexpected error", exc_info=error)
        if not self._watch_terminal:
            super()._handle_exception(error)  # tests and tools must see it
            return
        where = f" ({self.log_path})" if self.log_path else ""
        message = f"nextstep stopped on an unexpected error; details in the log{where}."
        self.exit(return_code=1, message=message)


def configure_logging(log_dir: Path | None) -> Path | None:
    """Send every log record to a file in ``log_dir``; None if it cannot be made."""
    directory = log_dir or state_dir()
    path: Path | None = directory / LOG_NAME
    handler: logging.Handler
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        handler = logging.FileHandler(directory / LOG_NAME, encoding="utf-8")
    except OSError:
        handler, path = logging.NullHandler(), None
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    logging.basicConfig(level=logging.INFO, handlers=[handler], force=True)
    logging.captureWarnings(True)
    return path


def run(settings: Settings) -> int:
    """Run the app on ``settings``; return the exit status."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        # Without a terminal there is nobody to type: the app would wait on
        # an input at its end for ever. Scripts have the commands.
        print(
            "nextstep: the app needs a terminal; for scripts, use the commands "
            "(nextstep --help).",
            file=sys.stderr,
        )
        return 2
    log_path = configure_logging(settings.log_dir)
    pipeline = open_pipeline(settings)
    from nextstep_tui.storage.database import without_password  # for the log

    log.info("started on %s", without_password(settings.database))
    app = NextstepApp(pipeline, log_path=log_path)
    app.watch_terminal()
    try:
        app.run()
    finally:
        pipeline.db.close()
        log.info("stopped")
    return app.return_code or 0
