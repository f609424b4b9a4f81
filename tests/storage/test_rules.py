"""The lead's rules, held by each engine itself against another session's raw SQL,
and the change signal another session sees."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from typing import Any

import pytest

from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.storage import schema
from nextstep_tui.storage.database import data_version, open_database
from tests.conftest import ZONE
from tests.core.helpers import fields, step


class Raw:
    """Another session's connection, outside the app: SQL as typed, autocommit."""

    def __init__(self, url: str) -> None:
        self.postgres = url.startswith("postgresql://")
        if self.postgres:
            import psycopg

            self.connection: Any = psycopg.connect(url, autocommit=True)
            self.refused: type[Exception] = psycopg.IntegrityError
        else:
            self.connection = sqlite3.connect(url, isolation_level=None)
            self.refused = sqlite3.IntegrityError

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        if self.postgres:
            sql = sql.replace("?", "%s")
        self.connection.execute(sql, params)


@pytest.fixture
def raw(database_url: str, pipeline: Pipeline) -> Iterator[Raw]:
    connection = Raw(database_url)
    yield connection
    connection.connection.close()


def test_migrations_are_the_same_steps_on_both_engines() -> None:
    assert len(schema.MIGRATIONS["postgresql"]) == len(schema.MIGRATIONS["sqlite"])


def test_an_open_lead_never_loses_its_step(pipeline: Pipeline, raw: Raw) -> None:
    lead_id = pipeline.add_lead(fields(), step())

    for sql, params in [
        ("UPDATE lead SET step_action = NULL WHERE id = ?", (lead_id,)),
        ("UPDATE lead SET step_due = NULL WHERE id = ?", (lead_id,)),
        ("UPDATE lead SET step_action = '  ' WHERE id = ?", (lead_id,)),
        (
            "INSERT INTO lead (name, owner, created_at, state) "
            "VALUES ('Ghost', 'ann', 0, 'open')",
            (),
        ),
    ]:
        with pytest.raises(raw.refused, match="open_lead_has_a_step"):
            raw.execute(sql, params)
    with pytest.raises(raw.refused, match="dropped_lead_has_a_reason"):
        raw.execute(
            "UPDATE lead SET state = 'dropped', step_action = NULL, step_due = NULL "
            "WHERE id = ?",
            (lead_id,),
        )

    assert pipeline.get(lead_id).step is not None
    assert pipeline.health().open == 1


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("step_action", "\t", "open_lead_has_a_step"),
        ("step_action", "\n\r", "open_lead_has_a_step"),
        ("step_action", "\u00a0", "open_lead_has_a_step"),
        ("step_action", "\u200b\ufeff", "open_lead_has_a_step"),
        ("name", "\u3000", "lead_has_a_name"),
        ("postponed", -1, "step_flags_are_yes_or_no"),
        ("step_due", 9223372036854775807, "instants_are_in_range"),
        ("created_at", -99999999999999, "instants_are_in_range"),
        ("id", 99, "lead_ids_never_change"),
    ],
)
def test_blank_steps_wild_instants_and_new_ids_are_refused(
    pipeline: Pipeline, raw: Raw, column: str, value: object, rule: str
) -> None:
    lead_id = pipeline.add_lead(fields(), step())

    with pytest.raises(raw.refused, match=rule):
        raw.execute(f"UPDATE lead SET {column} = ? WHERE id = ?", (value, lead_id))

    lead = pipeline.get(lead_id)
    assert lead.step is not None and lead.step.action == "Demo to the CFO"


def test_leads_are_never_deleted_nor_replaced(pipeline: Pipeline, raw: Raw) -> None:
    first = pipeline.add_lead(fields("First", external_id="A-1"), step())
    second = pipeline.add_lead(fields("Second"), step())

    with pytest.raises(raw.refused, match="never deleted"):
        raw.execute("DELETE FROM lead")
    with pytest.raises(raw.refused, match="leads_are_never_replaced"):
        raw.execute("UPDATE lead SET external_id = 'A-1' WHERE id = ?", (second,))
    with pytest.raises(raw.refused, match="leads_are_never_replaced"):
        raw.execute(
            "INSERT INTO lead (id, name, owner, created_at, state, step_action, "
            "step_due) VALUES (?, 'Other', 'x', 0, 'open', 'Call', 5)",
            (first,),
        )
    with pytest.raises(raw.refused, match="needs its lead"):
        raw.execute(
            "INSERT INTO event (lead_id, at, actor, kind) VALUES (999, 0, 'x', 'note')"
        )

    assert [pipeline.get(first).name, pipeline.get(second).name] == ["First", "Second"]


def test_history_is_append_only_and_closed_leads_reopen_with_a_step(
    pipeline: Pipeline, raw: Raw
) -> None:
    lead_id = pipeline.add_lead(fields(), step())
    pipeline.win(lead_id)

    with pytest.raises(raw.refused, match="append-only"):
        raw.execute("UPDATE event SET kind = 'won'")
    with pytest.raises(raw.refused, match="append-only"):
        raw.execute("DELETE FROM event")
    with pytest.raises(raw.refused, match="open_lead_has_a_step"):
        raw.execute("UPDATE lead SET state = 'open' WHERE id = ?", (lead_id,))


def test_the_tally_follows_raw_writes(pipeline: Pipeline, raw: Raw) -> None:
    lead_id = pipeline.add_lead(fields(), step(agreed=False))
    assert pipeline.health().loose == 1

    raw.execute(
        "UPDATE lead SET step_agreed = ?, postponed = 4 WHERE id = ?", (True, lead_id)
    )

    health = pipeline.health()
    assert (health.open, health.loose, health.hopium) == (1, 0, 1)


def test_another_sessions_change_is_seen_within_two_seconds(
    database_url: str, pipeline: Pipeline
) -> None:
    other = open_database(database_url)
    try:
        # Another process would have its own connection; on SQLite a second
        # thread's is enough, on PostgreSQL each database object has its own.
        stamp = data_version(pipeline.db)
        assert stamp is not None
        assert data_version(pipeline.db) == stamp  # nothing changed: same stamp

        writer = Pipeline(other, rep="bob", zone=ZONE)
        started = time.monotonic()
        _write_from_another_thread(writer)
        while data_version(pipeline.db) == stamp:
            assert time.monotonic() - started < 2.0, "no change seen in 2 s"
            time.sleep(0.02)
    finally:
        other.close()


def _write_from_another_thread(writer: Pipeline) -> None:
    import threading

    thread = threading.Thread(target=writer.add_lead, args=(fields("Bob's"), step()))
    thread.start()
    thread.join()


def test_a_write_held_up_past_the_wait_is_busy_and_changes_nothing(
    pipeline: Pipeline, raw: Raw
) -> None:
    """Another session holds the lead (PostgreSQL: its row; SQLite: the
    write lock): the save waits, then is refused as Busy, never half done."""
    from nextstep_tui.core.errors import Busy
    from tests.core.helpers import when

    lead_id = pipeline.add_lead(fields(), step("Call", "mon 10:00"))
    if raw.postgres:
        pipeline.db.execute_sql("SET lock_timeout = '100ms'")
        raw.execute("BEGIN")
        raw.execute("SELECT id FROM lead WHERE id = ? FOR UPDATE", (lead_id,))
    else:
        pipeline.db.execute_sql("PRAGMA busy_timeout = 100")
        raw.execute("BEGIN IMMEDIATE")

    with pytest.raises(Busy, match="locked too long"):
        pipeline.postpone(lead_id, when("tue 10:00"))
    raw.execute("ROLLBACK")

    lead = pipeline.get(lead_id)
    assert lead.step is not None and lead.step.postponed == 0
    pipeline.postpone(lead_id, when("tue 10:00"))  # free again: it goes through
    assert [event.kind for event in pipeline.history(lead_id)][-1] == "postponed"
