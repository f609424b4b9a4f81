"""The baselines: the same work done with nothing but the standard library.

Run as a script it is the agenda's baseline process::

    python benchmarks/bare.py agenda FILE

so it imports only what that needs (``sqlite3``, ``csv``, ``datetime``).
"""

from __future__ import annotations

import csv
import datetime as dt
import sqlite3
import sys
import time
from pathlib import Path

DAY = 86_400
EPOCH = dt.date(1970, 1, 1)
HOPIUM = 3  # the app's default threshold
TRIAGE_ACTION = "decide: firm up or drop"

# -- cohorts ------------------------------------------------------------------

# ``Pipeline.cohorts`` joins a list of month bounds (in the rep's zone) with
# the leads by creation time; in UTC a month is what strftime says it is.
COHORTS = """
SELECT strftime('%Y-%m', created_at, 'unixepoch') AS month,
       COUNT(*),
       SUM(state = 'won'),
       SUM(state = 'dropped'),
       SUM(state = 'open')
FROM lead
GROUP BY month
ORDER BY month
"""


def cohorts(path: Path) -> list[tuple[str, int, int, int, int]]:
    """Created, won, dropped and open per creation month (UTC)."""
    connection = sqlite3.connect(path)
    try:
        return connection.execute(COHORTS).fetchall()
    finally:
        connection.close()


# -- the agenda -----------------------------------------------------------------

# What ``write_agenda`` reads: the health counts (each from an index, the
# loose test written as the app's index has it), the first steps due now and
# the next few, and how many dropped leads may come back.
OPEN = "SELECT COUNT(*) FROM lead WHERE state = 'open'"
HEALTH = f"""
SELECT ({OPEN}),
       ({OPEN} AND (step_has_time AND step_agreed AND step_advances) = 0),
       ({OPEN} AND step_due < :tomorrow),
       ({OPEN} AND postponed >= {HOPIUM})
"""
DUE_NOW = """
SELECT * FROM lead WHERE state = 'open' AND step_due < :tomorrow
ORDER BY step_due, id LIMIT 20
"""
NEXT = """
SELECT * FROM lead WHERE state = 'open' AND step_due >= :tomorrow
ORDER BY step_due, id LIMIT 5
"""
RECYCLE = """
SELECT COUNT(*) FROM lead
WHERE state = 'dropped' AND recycle_on IS NOT NULL AND recycle_on < :tomorrow
"""


def agenda(path: Path) -> int:
    """The queries ``nextstep agenda`` runs, a line per lead; lines written."""
    tomorrow = (int(time.time()) // DAY + 1) * DAY  # the zone is UTC
    values = {"tomorrow": tomorrow}
    connection = sqlite3.connect(path)
    write = sys.stdout.write
    lines = 0
    try:
        connection.execute(HEALTH, values).fetchone()
        for query in (DUE_NOW, NEXT):
            for row in connection.execute(query, values):
                write(f"#{row[0]} {row[1]} ({row[2]}): {row[13]} {row[14]}\n")
                lines += 1
        connection.execute(RECYCLE, values).fetchone()
    finally:
        connection.close()
    return lines


# -- an import --------------------------------------------------------------------

STATES = {"Open": "open", "Won": "won", "Lost": "dropped"}
INSERT = """
INSERT INTO lead (name, email, owner, external_id, created_at, state,
                  step_action, step_due, closed_at, drop_reason, drop_note)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""


def import_rows(path: Path, csv_path: Path, owner: str) -> int:
    """Insert the file's deals as leads in one executemany; rows inserted.

    The rows get what the app's import gives them (an open lead a triage
    step due today, a lost one the reason 'other'), but no history events.
    """
    now = int(time.time())
    today = now - now % DAY

    def lead(cells: list[str]) -> tuple[object, ...]:
        external, name, email, stage, created = cells
        state = STATES[stage]
        created_at = (dt.date.fromisoformat(created) - EPOCH).days * DAY
        is_open = state == "open"
        return (
            name, email, owner, external, created_at, state,
            TRIAGE_ACTION if is_open else None, today if is_open else None,
            None if is_open else now, "other" if state == "dropped" else None,
            "Lost in the source CRM" if state == "dropped" else "",
        )  # fmt: skip

    connection = sqlite3.connect(path)
    try:
        with csv_path.open(newline="", encoding="utf-8") as handle:
            rows = csv.reader(handle)
            next(rows)
            with connection:
                cursor = connection.executemany(INSERT, map(lead, rows))
        return cursor.rowcount
    finally:
        connection.close()


if __name__ == "__main__":
    if sys.argv[1:2] != ["agenda"] or len(sys.argv) != 3:
        sys.exit("usage: bare.py agenda FILE")
    agenda(Path(sys.argv[2]))
