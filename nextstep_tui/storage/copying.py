"""Copying a whole pipeline from one database into a new, empty one.

copied = copy_database(sqlite_db, "postgresql://host/sales", progress)
for table in copied:
    print(table.name, table.source_rows, table.target_rows, table.matches)
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import peewee

from nextstep_tui.core.errors import InvalidInput
from nextstep_tui.storage import schema
from nextstep_tui.storage.database import open_database
from nextstep_tui.storage.models import Event, Lead
from nextstep_tui.storage.proxy import database

# Rows read and written at a time: memory stays flat however long the history.
BATCH = 2000

# Called with the table, the rows copied so far and the table's rows.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class TableCopy:
    """One table's rows and checksum on each side."""

    name: str
    source_rows: int
    target_rows: int
    source_sum: str
    target_sum: str

    @property
    def matches(self) -> bool:
        return (self.source_rows, self.source_sum) == (
            self.target_rows,
            self.target_sum,
        )


def _columns(model: type[peewee.Model]) -> list[str]:
    return [field.column_name for field in model._meta.sorted_fields]


# What is copied, in order (events need their leads), and by which key.
# The tally is not copied: the target's triggers keep it from the leads, and
# it is compared like the rest.
TABLES: dict[str, tuple[list[str], str]] = {
    "meta": (["key", "value"], "key"),
    "lead": (_columns(Lead), "id"),
    "event": (_columns(Event), "id"),
}
TALLY = (["owner", "loose", "postponed", "n"], "owner, loose, postponed")
FLAGS = {"step_has_time", "step_agreed", "step_advances", "loose"}


def copy_database(
    source: peewee.Database, target_url: str, progress: Progress | None = None
) -> list[TableCopy]:
    """Copy every lead, event and setting of ``source`` into ``target_url``.

    The target must hold no leads or history; it gets the schema first. The
    copy is one transaction: a failure leaves the target as it was. Returns
    each table's counts and checksums, read back from both sides.
    """
    target = open_database(target_url)
    try:
        _check_empty(target)
        with schema.write_transaction(target):
            for name in TABLES:
                _copy_table(source, target, name, progress)
            schema.ids_follow_rows(target)
        return [_compare(source, target, name) for name in (*TABLES, "lead_tally")]
    finally:
        target.close()
        database.initialize(source)  # opening the target bound the models to it


def _check_empty(target: peewee.Database) -> None:
    for table in ("lead", "event"):
        rows = target.execute_sql(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
        if rows:
            raise InvalidInput(
                f"The target already holds {rows:,} {table} rows; copy only into "
                "an empty database."
            )


def _copy_table(
    source: peewee.Database,
    target: peewee.Database,
    name: str,
    progress: Progress | None,
) -> None:
    columns, key = TABLES[name]
    # Each side keeps its own schema version: it is neither copied nor counted.
    where = " WHERE key <> 'schema_version'" if name == "meta" else ""
    total = int(source.execute_sql(f"SELECT COUNT(*) FROM {name}{where}").fetchone()[0])
    listed = ", ".join(columns)
    marks = ", ".join(target.param for _ in columns)
    insert = f"INSERT INTO {name} ({listed}) VALUES ({marks})"
    done = 0
    query = f"SELECT {listed} FROM {name}{where} ORDER BY {key}"
    for batch in _batches(source.execute_sql(query)):
        rows = [_for_target(columns, row) for row in batch]
        target.cursor().executemany(insert, rows)
        done += len(rows)
        if progress is not None:
            progress(name, done, total)


def _for_target(columns: list[str], row: tuple[Any, ...]) -> tuple[Any, ...]:
    # SQLite keeps the step's flags as 0 and 1; PostgreSQL as booleans.
    return tuple(
        bool(value) if column in FLAGS and value is not None else value
        for column, value in zip(columns, row, strict=True)
    )


def _compare(source: peewee.Database, target: peewee.Database, name: str) -> TableCopy:
    source_rows, source_sum = checksum(source, name)
    target_rows, target_sum = checksum(target, name)
    return TableCopy(name, source_rows, target_rows, source_sum, target_sum)


def checksum(db: peewee.Database, name: str) -> tuple[int, str]:
    """A table's rows and a SHA-256 of them, in key order, alike on each engine.

    The schema version is left out (each side has its own), and so are
    tally rows at zero, which SQLite keeps and a fresh copy never makes.
    """
    columns, key = TALLY if name == "lead_tally" else TABLES[name]
    where = {"meta": " WHERE key <> 'schema_version'", "lead_tally": " WHERE n > 0"}
    cursor = db.execute_sql(
        f"SELECT {', '.join(columns)} FROM {name}{where.get(name, '')} ORDER BY {key}"
    )
    digest = hashlib.sha256()
    rows = 0
    for batch in _batches(cursor):
        for row in batch:
            digest.update(repr(_plain(row)).encode("utf-8"))
            rows += 1
    return rows, digest.hexdigest()


def _plain(row: Iterable[Any]) -> tuple[Any, ...]:
    """Values as both engines' drivers can agree on: flags as 0 and 1."""
    return tuple(int(value) if isinstance(value, bool) else value for value in row)


def _batches(cursor: Any) -> Iterator[list[tuple[Any, ...]]]:
    while batch := cursor.fetchmany(BATCH):
        yield batch
