"""Rebuild schema_v1.db: a small database as the first schema version made it.

Run once when migration 1 was current; kept so the fixture's origin is known.
It writes with raw SQL because today's models know columns v1 did not have.
"""

from __future__ import annotations

import sys
from pathlib import Path

import peewee

from nextstep_tui.storage import schema

ROWS = [
    # name, state, step_action, step_due, has_time, agreed, advances, postponed, reason
    ("Fixture Open", "open", "Demo", 1796544000, 1, 1, 1, 0, None),
    ("Fixture Loose", "open", "Decide", 1796515200, 0, 0, 0, 2, None),
    ("Fixture Won", "won", None, None, 0, 0, 0, 0, None),
    ("Fixture Dropped", "dropped", None, None, 0, 0, 0, 0, "timing"),
]


def build(path: Path) -> None:
    path.unlink(missing_ok=True)
    db = peewee.SqliteDatabase(str(path))
    schema.upgrade(db, until=1)
    with db.atomic():
        for number, row in enumerate(ROWS, start=1):
            name, state, action, due, timed, agreed, advances, postponed, reason = row
            db.execute_sql(
                "INSERT INTO lead (name, owner, created_at, state, step_action, "
                "step_due, step_has_time, step_agreed, step_advances, postponed, "
                "drop_reason) VALUES (?, 'ann', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (name, 1790000000 + number * 86400, state, action, due, timed,
                 agreed, advances, postponed, reason),
            )
            db.execute_sql(
                "INSERT INTO event (lead_id, at, actor, kind, data) "
                "VALUES (?, ?, 'ann', 'created', '{}')",
                (number, 1790000000 + number * 86400),
            )
    db.execute_sql("VACUUM")
    db.close()


if __name__ == "__main__":
    build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("schema_v1.db"))
