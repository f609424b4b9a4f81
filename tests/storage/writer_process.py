"""A rep's session for the kill test: it changes its own leads at random until
it is killed, and reports each change only once it is committed.

    python writer_process.py DATABASE OWNER SEED GATE LOG

It prints ``ready`` once the database is open. Each committed operation then
appends one line to LOG: ``operation lead_id version event_id``, the event
being the last one the operation wrote. Opening and every operation hold a
shared lock on GATE, so the test can hold all writers between operations by
taking it exclusively.
"""

from __future__ import annotations

import fcntl
import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pendulum

from nextstep_tui.core.model import DropReason, Lead, LeadFields, State, StepInput
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.core.when import When
from nextstep_tui.storage.database import open_database

# The kind of the last event each operation writes: the test looks it up.
LAST_EVENT = {
    "add": "step_set",
    "done": "step_set",
    "postpone": "postponed",
    "edit": "step_edited",
    "drop": "dropped",
    "win": "won",
    "recycle": "step_set",
    "note": "note",
}

# What may be done to a lead in each state; repeats make an operation likelier.
CHOICES = {
    State.OPEN: ("add", "done", "postpone", "postpone", "edit", "drop", "win", "note"),
    State.DROPPED: ("add", "recycle", "recycle", "note"),
    State.WON: ("add", "note"),
}


def main(argv: list[str]) -> None:
    path, owner, seed, gate_path, log_path = argv
    rng = random.Random(int(seed))
    parent = os.getppid()
    gate = os.open(gate_path, os.O_RDONLY)
    turn = os.open(gate_path + ".turn", os.O_RDONLY | os.O_CREAT, 0o600)
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)

    with _shared(gate, turn):
        db = open_database(path, create=False)
    pipeline = Pipeline(db, rep=owner, zone="UTC", owner=owner)
    mine = [lead.id for lead in pipeline.leads()]
    print("ready", flush=True)

    # Never outlive the test, even if it dies without killing us.
    while os.getppid() == parent:
        with _shared(gate, turn):
            name, lead_id = _operate(pipeline, rng, mine)
            version, event = db.execute_sql(
                "SELECT version, (SELECT MAX(id) FROM event WHERE lead_id = lead.id) "
                "FROM lead WHERE id = ?",
                (lead_id,),
            ).fetchone()
            # One write, after the commit: a line the test reads was committed.
            os.write(log, f"{name} {lead_id} {version} {event}\n".encode())
        time.sleep(rng.uniform(0, 0.002))


def _operate(
    pipeline: Pipeline, rng: random.Random, mine: list[int]
) -> tuple[str, int]:
    """Do one operation that applies to a random lead; return it and the lead.

    Only this process changes this owner's leads, so what was read still
    holds: a refusal is a failure, and it ends the process with its error.
    """
    lead = pipeline.get(rng.choice(mine)) if mine else None
    name = rng.choice(CHOICES[lead.state]) if lead else "add"
    if lead is None or name == "add":
        lead_id = pipeline.add_lead(
            LeadFields(f"Lead {rng.randrange(10**6)}"), _step(pipeline, rng)
        )
        mine.append(lead_id)
        return name, lead_id

    if name == "done":
        pipeline.complete_step(lead.id, _step(pipeline, rng), outcome="talked")
    elif name == "postpone":
        pipeline.postpone(lead.id, _later(pipeline, rng, lead))
    elif name == "edit":
        pipeline.edit_step(lead.id, _step(pipeline, rng))
    elif name == "drop":
        recycle = pipeline.now().date().add(days=rng.randrange(60))
        reason = rng.choice(list(DropReason))
        pipeline.drop(lead.id, reason, recycle_on=rng.choice([None, recycle]))
    elif name == "win":
        pipeline.win(lead.id, note="signed")
    elif name == "recycle":
        pipeline.recycle(lead.id, _step(pipeline, rng))
    else:
        pipeline.add_note(lead.id, "ask about the budget")
    return name, lead.id


def _step(pipeline: Pipeline, rng: random.Random) -> StepInput:
    start = pipeline.now().add(hours=rng.randrange(1, 500))
    return StepInput("Call back", _when(start, rng), rng.random() < 0.7, True)


def _later(pipeline: Pipeline, rng: random.Random, lead: Lead) -> When:
    assert lead.step is not None
    start = max(lead.step.due, pipeline.now()).add(days=1, hours=rng.randrange(72))
    return _when(start, rng)


def _when(instant: pendulum.DateTime, rng: random.Random) -> When:
    if rng.random() < 0.5:
        return When(instant, True, "UTC")
    return When(instant.start_of("day"), False, "UTC")


@contextmanager
def _shared(gate: int, turn: int) -> Iterator[None]:
    """Hold the gate shared; first pass the turnstile, which the test holds
    while it waits for the gate, so writers cannot starve it."""
    fcntl.flock(turn, fcntl.LOCK_SH)
    fcntl.flock(turn, fcntl.LOCK_UN)
    fcntl.flock(gate, fcntl.LOCK_SH)
    try:
        yield
    finally:
        fcntl.flock(gate, fcntl.LOCK_UN)


if __name__ == "__main__":
    main(sys.argv[1:])
