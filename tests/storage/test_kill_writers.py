"""Writers killed with SIGKILL at random moments, a hundred times: after each
kill the file is whole, every open lead has its step, the kept tally agrees
with a recount, nothing a writer saw committed is lost and no lock is left.

The run is seeded; a failure prints the seed, and NEXTSTEP_KILL_SEED=<seed>
repeats the writers' operations and kill delays (not the exact timing).
"""

from __future__ import annotations

import fcntl
import os
import random
import selectors
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from nextstep_tui.storage.database import open_database
from tests.storage.writer_process import LAST_EVENT

WRITER = Path(__file__).with_name("writer_process.py")

KILLS = 100
AT_ONCE = 4  # writers running side by side, each killed on its own
WORK = 0.3  # seconds a ready writer may work before it is killed
EARLY = 0.1  # the share of writers killed while still starting up
STARTUP = 0.3  # seconds after its start within which those are killed
LOCK_WAIT = 0.1  # seconds a fresh connection may wait for the write lock
GIVE_UP = 120  # seconds for the whole run, should writers hang

OPEN_WITHOUT_STEP = """
    SELECT id, state FROM lead WHERE CASE state
        WHEN 'open' THEN step_action IS NULL OR trim(step_action) = ''
                         OR step_due IS NULL
        ELSE step_action IS NOT NULL OR step_due IS NOT NULL END"""

TALLY = "SELECT owner, loose, postponed, n FROM lead_tally WHERE n <> 0"

RECOUNT = """
    SELECT owner, NOT (step_has_time AND step_agreed AND step_advances),
           postponed, COUNT(*)
    FROM lead WHERE state = 'open' GROUP BY 1, 2, 3"""

# A lead's state is the one its latest opening or closing event says.
STATE_AGAINST_HISTORY = """
    SELECT id, state FROM lead WHERE state IS NOT (
        SELECT CASE kind WHEN 'won' THEN 'won' WHEN 'dropped' THEN 'dropped'
                         ELSE 'open' END
        FROM event WHERE lead_id = lead.id
            AND kind IN ('created', 'recycled', 'won', 'dropped')
        ORDER BY id DESC LIMIT 1)"""


@dataclass
class Writer:
    number: int
    owner: str
    process: subprocess.Popen[str]
    log: Path
    errors: Path
    delay: float
    kill_at: float | None = None

    def reported(self) -> list[tuple[str, int, int, int]]:
        """The operations it reported committed; a line cut short is not one."""
        *lines, _unfinished = self.log.read_text().split("\n")
        return [
            (name, int(lead), int(version), int(event))
            for name, lead, version, event in (line.split() for line in lines)
        ]


def test_writers_killed_at_random_lose_nothing(tmp_path: Path) -> None:
    seed = int(os.environ.get("NEXTSTEP_KILL_SEED") or random.randrange(2**32))
    print(f"kill test seed: {seed} (NEXTSTEP_KILL_SEED={seed} to repeat)")
    rng = random.Random(seed)
    path = tmp_path / "pipeline.db"
    open_database(str(path)).close()
    gate = tmp_path / "gate"
    gate.touch()

    selector = selectors.DefaultSelector()
    live: list[Writer] = []
    killed: list[Writer] = []

    def start(owner: str) -> None:
        number = len(live) + len(killed)
        writer = _start_writer(tmp_path, number, owner, gate, rng)
        assert writer.process.stdout is not None
        selector.register(writer.process.stdout, selectors.EVENT_READ, writer)
        live.append(writer)

    try:
        # Each owner's leads are changed by one writer at a time, so what a
        # writer reported is exactly what the file must hold.
        for number in range(AT_ONCE):
            start(f"rep{number}")

        give_up = time.monotonic() + GIVE_UP
        while len(killed) < KILLS:
            assert time.monotonic() < give_up, f"seed {seed}: writers stopped starting"
            for key, _ in selector.select(_wait(live)):
                _note_ready(key.data, selector)

            now = time.monotonic()
            due = [w for w in live if w.kill_at is not None and w.kill_at <= now]
            for writer in due:
                _kill(writer, selector)
                live.remove(writer)
                killed.append(writer)
                context = f"seed {seed}, kill {len(killed)} ({writer.owner})"
                _check_after_kill(path, gate, writer, context)
                if len(live) + len(killed) < KILLS:
                    start(writer.owner)
    finally:
        for writer in live:
            writer.process.kill()
            writer.process.wait()
        selector.close()

    # A later writer's crash must not have undone an earlier one's commits.
    with closing(sqlite3.connect(path)) as db:
        for writer in killed:
            _check_reported(db, writer, f"seed {seed}, at the end")
    done = Counter(name for writer in killed for name, *_ in writer.reported())
    idle = sum(not writer.reported() for writer in killed)
    print(f"committed and reported: {done}; {idle} writers killed before any")
    assert set(done) == set(LAST_EVENT), f"seed {seed}: only {done} were done"


def _start_writer(
    tmp_path: Path, number: int, owner: str, gate: Path, rng: random.Random
) -> Writer:
    log = tmp_path / f"writer{number}.log"
    errors = tmp_path / f"writer{number}.err"
    early = rng.random() < EARLY
    delay = rng.uniform(0, STARTUP if early else WORK)
    command = [sys.executable, str(WRITER), str(tmp_path / "pipeline.db"), owner]
    command += [str(rng.randrange(2**32)), str(gate), str(log)]
    log.touch()
    with errors.open("w") as stderr:
        process = subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=stderr, text=True
        )
    writer = Writer(number, owner, process, log, errors, delay)
    if early:
        writer.kill_at = time.monotonic() + delay
    return writer


def _wait(live: list[Writer]) -> float:
    """Seconds until the next kill is due; a writer's start is waited for."""
    times = [writer.kill_at for writer in live if writer.kill_at is not None]
    return max(0.0, min(times) - time.monotonic()) if times else 10.0


def _note_ready(writer: Writer, selector: selectors.BaseSelector) -> None:
    assert writer.process.stdout is not None
    line = writer.process.stdout.readline()
    assert line == "ready\n", f"{writer.owner} failed to start: {_errors(writer)}"
    selector.unregister(writer.process.stdout)
    if writer.kill_at is None:
        writer.kill_at = time.monotonic() + writer.delay


def _kill(writer: Writer, selector: selectors.BaseSelector) -> None:
    assert writer.process.poll() is None, f"{writer.owner} died: {_errors(writer)}"
    writer.process.send_signal(signal.SIGKILL)
    # Only a process that is gone has let go of its locks.
    code = writer.process.wait(timeout=10)
    assert code == -signal.SIGKILL, f"{writer.owner} died: {_errors(writer)}"

    stdout = writer.process.stdout
    assert stdout is not None
    if stdout in selector.get_map():
        selector.unregister(stdout)
    stdout.close()


def _check_after_kill(path: Path, gate: Path, writer: Writer, context: str) -> None:
    with _writers_held(gate, context):
        _check_no_lock_left(path, context)

    # The survivors go on writing; one read transaction sees one moment.
    with closing(sqlite3.connect(path, isolation_level=None)) as db:
        db.execute("BEGIN")
        [(integrity,)] = db.execute("PRAGMA integrity_check").fetchall()
        assert integrity == "ok", f"{context}: {integrity}"
        assert db.execute("PRAGMA foreign_key_check").fetchall() == [], context
        _check_invariants(db, context)
        _check_reported(db, writer, context)
        db.execute("COMMIT")


def _check_invariants(db: sqlite3.Connection, context: str) -> None:
    """Every open lead has its one step, the kept tally is a true count and
    each lead is in the state its history says."""
    broken = db.execute(OPEN_WITHOUT_STEP).fetchall()
    assert broken == [], f"{context}: leads with a wrong step: {broken}"
    kept = {tuple(row[:3]): row[3] for row in db.execute(TALLY)}
    counted = {tuple(row[:3]): row[3] for row in db.execute(RECOUNT)}
    wrong = {
        group: (kept.get(group), counted.get(group))
        for group in kept.keys() | counted.keys()
        if kept.get(group) != counted.get(group)
    }
    assert not wrong, f"{context}: (owner, loose, postponed): (kept, counted) {wrong}"
    astray = db.execute(STATE_AGAINST_HISTORY).fetchall()
    assert astray == [], f"{context}: states against history: {astray}"


def _check_reported(db: sqlite3.Connection, writer: Writer, context: str) -> None:
    """Every operation the writer reported committed is there, in its order."""
    last: dict[int, int] = {}
    for name, lead_id, version, event_id in writer.reported():
        said = f"{context}: {writer.owner} reported {name} on lead {lead_id}"
        stored = db.execute(
            "SELECT event.lead_id, event.kind, lead.owner, lead.version "
            "FROM event JOIN lead ON lead.id = event.lead_id WHERE event.id = ?",
            (event_id,),
        ).fetchone()
        assert stored is not None, f"{said}, but its event {event_id} is lost"
        assert stored[:3] == (lead_id, LAST_EVENT[name], writer.owner), said
        assert stored[3] >= version, f"{said} at version {version}: {stored[3]}"
        assert event_id > last.get(lead_id, 0), f"{said}: events out of order"
        last[lead_id] = event_id


@contextmanager
def _writers_held(gate: Path, context: str) -> Iterator[None]:
    """Hold every live writer between two operations (each holds the gate
    shared while it opens the database or does an operation)."""
    turn = Path(f"{gate}.turn")
    turn.touch()
    deadline = time.monotonic() + 10
    # The turnstile first: no writer starts an operation after it, so the
    # gate comes free once the operations under way end (shared holders
    # taking turns could otherwise keep it from the test for ever).
    with turn.open("rb") as stile, gate.open("rb") as handle:
        for lock in (stile, handle):
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    assert time.monotonic() < deadline, (
                        f"{context}: writers never paused"
                    )
                    time.sleep(0.001)
        yield


def _check_no_lock_left(path: Path, context: str) -> None:
    db = sqlite3.connect(path, timeout=LOCK_WAIT, isolation_level=None)
    try:
        db.execute("BEGIN IMMEDIATE")
        db.execute("ROLLBACK")
    except sqlite3.OperationalError as error:
        raise AssertionError(f"{context}: a lock was left: {error}") from None
    finally:
        db.close()


def _errors(writer: Writer) -> str:
    return writer.errors.read_text()[-2000:]
