"""Eight real processes change one database file at once: no rep sees an
error, no change is lost, and the file stays whole."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from nextstep_tui.core.model import ListView
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.storage.database import open_database
from tests.core.helpers import fields, step

SESSIONS = 8
ROUNDS = 25

# One rep's session: postpones its own leads and adds new ones, as fast as
# it can. It prints what it did; any error fails its exit status.
SESSION = """
import json, sys
import pendulum
from nextstep_tui.core.model import LeadFields, StepInput
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.core.when import When
from nextstep_tui.storage.database import open_database

path, rep, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3])
db = open_database(path, create=False)
pipeline = Pipeline(db, rep=rep, zone="UTC", owner=rep)
start = pendulum.now("UTC").add(days=1).start_of("day").add(hours=9)
added, postponed = 0, 0
mine = [lead.id for lead in pipeline.leads()]
for number in range(rounds):
    when = When(start.add(hours=number + 1), True, "UTC")
    pipeline.postpone(mine[number % len(mine)], when)
    postponed += 1
    pipeline.add_lead(
        LeadFields(f"{rep} new {number}"), StepInput("Call", when, True, True)
    )
    added += 1
print(json.dumps({"added": added, "postponed": postponed}))
"""


def test_eight_sessions_at_once_lose_nothing(db_path: Path) -> None:
    db = open_database(str(db_path))
    reps = [f"rep{number}" for number in range(SESSIONS)]
    for rep in reps:
        seed = Pipeline(db, rep=rep, zone="UTC", owner=rep)
        for number in range(3):
            seed.add_lead(fields(f"{rep} lead {number}"), step(due="+1d"))
    db.close()

    sessions = [
        subprocess.Popen(
            [sys.executable, "-c", SESSION, str(db_path), rep, str(ROUNDS)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for rep in reps
    ]
    results = [session.communicate(timeout=240) for session in sessions]

    for session, (out, err) in zip(sessions, results, strict=True):
        assert session.returncode == 0, err
        assert json.loads(out) == {"added": ROUNDS, "postponed": ROUNDS}

    db = open_database(str(db_path), create=False)
    try:
        assert db.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
        for rep in reps:
            pipeline = Pipeline(db, rep=rep, zone="UTC", owner=rep)
            assert pipeline.count(ListView.ALL) == 3 + ROUNDS
            postponements = sum(
                lead.step.postponed for lead in pipeline.leads() if lead.step
            )
            assert postponements == ROUNDS  # not one lost to another session
        [(events,)] = db.execute_sql(
            "SELECT COUNT(*) FROM event WHERE kind = 'postponed'"
        ).fetchall()
        assert events == SESSIONS * ROUNDS
    finally:
        db.close()
