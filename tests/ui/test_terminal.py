"""The real app in a real pseudo-terminal: it leaves cleanly when the line goes.

These start ``python -m nextstep_tui`` on a pty, open the step editor with
``d``, then hang up, terminate or close the terminal, and check that the
process ends, the lead kept its old step and the database is free to write.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import signal
import struct
import subprocess
import sys
import termios
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from nextstep_tui.core.model import LeadFields
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.storage.database import open_database
from tests.core.helpers import step

# Leaving the alternate screen is the last thing a sane exit writes.
LEFT_ALT_SCREEN = b"\x1b[?1049l"


@dataclass
class Terminal:
    """A child process on a pty, and everything it has written so far."""

    process: subprocess.Popen[bytes]
    master: int
    output: bytearray = field(default_factory=bytearray)

    def read(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([self.master], [], [], min(left, 0.1))
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:  # the child closed its side
                return
            if not chunk:
                return
            self.output.extend(chunk)

    def wait_for(self, text: bytes, seconds: float = 20) -> None:
        deadline = time.monotonic() + seconds
        start = len(self.output)
        while time.monotonic() < deadline:
            self.read(0.2)
            if text in self.output[start:]:
                return
            if self.process.poll() is not None:
                break
        raise AssertionError(f"{text!r} never appeared; got {bytes(self.output)!r}")

    def type(self, keys: bytes) -> None:
        os.write(self.master, keys)

    def ended(self, seconds: float = 15) -> int:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self.read(0.2)
            code = self.process.poll()
            if code is not None:
                self.read(0.3)
                return code
        self.process.kill()
        raise AssertionError("the app did not exit")


@pytest.fixture
def database(tmp_path: Path) -> Iterator[tuple[Path, int]]:
    path = tmp_path / "pty.db"
    db = open_database(str(path))
    pipeline = Pipeline(db, rep="ann", zone="Europe/Paris")
    lead_id = pipeline.add_lead(LeadFields("Acme"), step("Demo", "today"))
    db.close()
    yield path, lead_id


def launch(path: Path) -> Terminal:
    """The app on a fresh 80x24 pty, its first screen drawn."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "NEXTSTEP_DB": str(path)}
    env.pop("TEXTUAL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "nextstep_tui"],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
    )
    os.close(slave)
    terminal = Terminal(process, master)
    terminal.wait_for(b"Now")
    return terminal


def start(path: Path) -> Terminal:
    terminal = launch(path)
    terminal.type(b"d")
    terminal.wait_for(b"Step done")
    return terminal


def assert_untouched(path: Path, lead_id: int) -> None:
    db = open_database(str(path))
    try:
        pipeline = Pipeline(db, rep="ann", zone="Europe/Paris")
        lead = pipeline.get(lead_id)
        assert lead.step is not None and lead.step.action == "Demo"
        assert [event.kind for event in pipeline.history(lead_id)] == [
            "created",
            "step_set",
        ]
        # Nobody holds the write lock: a write starts at once.
        db.execute_sql("BEGIN IMMEDIATE")
        db.execute_sql("ROLLBACK")
    finally:
        db.close()


@pytest.mark.parametrize("number", [signal.SIGHUP, signal.SIGTERM])
def test_a_signal_while_editing_ends_the_app_and_keeps_the_step(
    database: tuple[Path, int], number: signal.Signals
) -> None:
    path, lead_id = database
    terminal = start(path)
    try:
        terminal.process.send_signal(number)
        assert terminal.ended() == 0
        assert LEFT_ALT_SCREEN in terminal.output
    finally:
        os.close(terminal.master)
    assert_untouched(path, lead_id)


def test_closed_input_ends_the_app_and_keeps_the_step(
    database: tuple[Path, int],
) -> None:
    path, lead_id = database
    terminal = start(path)
    os.close(terminal.master)
    deadline = time.monotonic() + 15
    while terminal.process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    if terminal.process.poll() is None:
        terminal.process.kill()
        pytest.fail("the app kept running after its terminal went away")
    assert_untouched(path, lead_id)


@pytest.mark.parametrize("keys", [b"qr", b"qc", b"qi", b"q?"])
def test_a_key_right_after_q_still_quits_cleanly(
    database: tuple[Path, int], keys: bytes
) -> None:
    path, lead_id = database
    terminal = launch(path)
    try:
        terminal.type(keys)  # both at once, as a fast typist sends them
        assert terminal.ended() == 0, bytes(terminal.output[-400:])
    finally:
        os.close(terminal.master)
    assert_untouched(path, lead_id)
