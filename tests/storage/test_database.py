"""The database keeps the rules even against raw SQL, crashes and old files."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import peewee
import pytest

from nextstep_tui.core.errors import Busy, StorageError
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.storage import schema
from nextstep_tui.storage.database import open_database, without_password
from nextstep_tui.storage.models import Event
from tests.core.helpers import fields, step, when

V1_FIXTURE = Path(__file__).parent.parent / "data" / "schema_v1.db"


def raw(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def test_new_database_is_private_and_in_wal_mode(db_path: Path) -> None:
    db = open_database(str(db_path))

    assert stat.S_IMODE(db_path.stat().st_mode) == 0o600
    assert db.execute_sql("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert db.execute_sql("PRAGMA busy_timeout").fetchone()[0] >= 1000
    assert schema.current_version(db) == schema.LATEST
    db.close()


def test_raw_sql_cannot_leave_an_open_lead_without_a_step(
    pipeline: Pipeline, db_path: Path
) -> None:
    lead_id = pipeline.add_lead(fields(), step())
    connection = raw(db_path)

    with pytest.raises(sqlite3.IntegrityError, match="open_lead_has_a_step"):
        connection.execute(
            "UPDATE lead SET step_action = NULL WHERE id = ?", (lead_id,)
        )
    with pytest.raises(sqlite3.IntegrityError, match="open_lead_has_a_step"):
        connection.execute("UPDATE lead SET step_due = NULL WHERE id = ?", (lead_id,))
    with pytest.raises(sqlite3.IntegrityError, match="open_lead_has_a_step"):
        connection.execute(
            "UPDATE lead SET step_action = '  ' WHERE id = ?", (lead_id,)
        )
    with pytest.raises(sqlite3.IntegrityError, match="open_lead_has_a_step"):
        connection.execute(
            "INSERT INTO lead (name, owner, created_at, state) "
            "VALUES ('Ghost', 'ann', 0, 'open')"
        )
    with pytest.raises(sqlite3.IntegrityError, match="dropped_lead_has_a_reason"):
        connection.execute(
            "UPDATE lead SET state = 'dropped', step_action = NULL, step_due = NULL "
            "WHERE id = ?",
            (lead_id,),
        )

    assert pipeline.get(lead_id).step is not None


@pytest.mark.parametrize(
    ("sql", "rule"),
    [
        ("UPDATE lead SET step_action = char(9)", "open_lead_has_a_step"),
        ("UPDATE lead SET step_action = char(10, 13)", "open_lead_has_a_step"),
        ("UPDATE lead SET step_due = 'soon'", "open_lead_has_a_step"),
        ("UPDATE lead SET step_due = 1.5", "open_lead_has_a_step"),
        ("UPDATE lead SET created_at = 'yesterday'", "instants_are_whole_seconds"),
        ("UPDATE lead SET name = char(9)", "lead_has_a_name"),
        ("UPDATE lead SET postponed = -1", "step_flags_are_yes_or_no"),
        ("UPDATE lead SET step_agreed = 2", "step_flags_are_yes_or_no"),
        (
            "INSERT INTO lead (name, owner, created_at, state, step_action, "
            "step_due) VALUES ('Ghost', 'ann', 'y', 'open', 'Call', 5)",
            "instants_are_whole_seconds",
        ),
    ],
)
def test_raw_sql_cannot_slip_a_useless_step_or_a_text_instant(
    pipeline: Pipeline, db_path: Path, sql: str, rule: str
) -> None:
    lead_id = pipeline.add_lead(fields(), step())
    for checks_off in (False, True):
        connection = raw(db_path)
        if checks_off:  # a connection may switch CHECK constraints off
            connection.execute("PRAGMA ignore_check_constraints = ON")
        with pytest.raises(sqlite3.IntegrityError, match=rule):
            connection.execute(sql)
        connection.close()
    lead = pipeline.get(lead_id)
    assert lead.step is not None and lead.step.action == "Demo to the CFO"


@pytest.mark.parametrize(
    ("sql", "rule"),
    [
        (
            "INSERT OR REPLACE INTO lead (id, name, owner, created_at, state, "
            "step_action, step_due) VALUES (1, 'Other', 'x', 0, 'open', 'Call', 5)",
            "leads_are_never_replaced",
        ),
        ("UPDATE OR REPLACE lead SET id = 1 WHERE id = 2", "lead_ids_never_change"),
        (
            "UPDATE OR REPLACE lead SET external_id = 'A-1' WHERE id = 2",
            "leads_are_never_replaced",
        ),
        (
            "UPDATE lead SET step_due = 9223372036854775807 WHERE id = 2",
            "instants_are_in_range",
        ),
        (
            "UPDATE lead SET created_at = -99999999999999 WHERE id = 2",
            "instants_are_in_range",
        ),
        (
            "UPDATE lead SET step_action = char(160) WHERE id = 2",
            "open_lead_has_a_step",
        ),
        ("UPDATE lead SET name = char(8203) WHERE id = 2", "lead_has_a_name"),
    ],
)
def test_raw_sql_cannot_replace_a_lead_or_break_its_instants(
    pipeline: Pipeline, db_path: Path, sql: str, rule: str
) -> None:
    first = pipeline.add_lead(fields("First", external_id="A-1"), step())
    second = pipeline.add_lead(fields("Second"), step())
    connection = sqlite3.connect(db_path, isolation_level=None)  # keys off
    with pytest.raises(sqlite3.IntegrityError, match=rule):
        connection.execute(sql)
    assert [pipeline.get(first).name, pipeline.get(second).name] == ["First", "Second"]
    assert pipeline.health().open == 2


def test_raw_sql_cannot_delete_a_lead_even_with_foreign_keys_off(
    pipeline: Pipeline, db_path: Path
) -> None:
    lead_id = pipeline.add_lead(fields(), step())
    connection = sqlite3.connect(db_path, isolation_level=None)  # keys off
    with pytest.raises(sqlite3.IntegrityError, match="never deleted"):
        connection.execute("DELETE FROM lead")
    with pytest.raises(sqlite3.IntegrityError, match="needs its lead"):
        connection.execute(
            "INSERT INTO event (lead_id, at, actor, kind) VALUES (999, 0, 'x', 'note')"
        )
    assert pipeline.get(lead_id).name == "Acme"


def test_raw_sql_cannot_reopen_a_closed_lead_without_a_step(
    pipeline: Pipeline, db_path: Path
) -> None:
    lead_id = pipeline.add_lead(fields(), step())
    pipeline.win(lead_id)

    with pytest.raises(sqlite3.IntegrityError, match="open_lead_has_a_step"):
        raw(db_path).execute("UPDATE lead SET state = 'open' WHERE id = ?", (lead_id,))


def test_history_is_append_only(pipeline: Pipeline, db_path: Path) -> None:
    lead_id = pipeline.add_lead(fields(), step())
    connection = raw(db_path)

    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("UPDATE event SET kind = 'won'")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("DELETE FROM event")
    with pytest.raises(sqlite3.IntegrityError):
        connection.execute("DELETE FROM lead WHERE id = ?", (lead_id,))


def test_a_crash_half_way_leaves_the_old_step(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    lead_id = pipeline.add_lead(fields(), step("Call", "mon 10:00"))
    events_before = len(pipeline.history(lead_id))

    def die(*args: object, **kwargs: object) -> None:
        raise RuntimeError("power cut")

    # The lead row is updated first, then the history is written: fail there.
    monkeypatch.setattr(Event, "create", die)
    with pytest.raises(RuntimeError):
        pipeline.complete_step(lead_id, step("Proposal", "tue 10:00"))
    monkeypatch.undo()

    lead = pipeline.get(lead_id)
    assert lead.step is not None and lead.step.action == "Call"
    assert len(pipeline.history(lead_id)) == events_before


CRASHING_WRITER = """
import os, sys
import pendulum
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.core.model import StepInput
from nextstep_tui.core.when import parse_when
from nextstep_tui.storage import models
from nextstep_tui.storage.database import open_database, without_password

db = open_database(sys.argv[1])
now = pendulum.datetime(2026, 12, 4, 15, tz="Europe/Paris")
pipeline = Pipeline(db, rep="ann", zone="Europe/Paris", clock=lambda: now)

def die(*args, **kwargs):
    os._exit(9)  # the process vanishes with the transaction open

models.Event.create = die
when = parse_when("tue 10:00", now, "Europe/Paris")
pipeline.complete_step(1, StepInput("Proposal", when, True, True))
"""


def test_a_killed_process_leaves_the_old_step(
    pipeline: Pipeline, db_path: Path
) -> None:
    lead_id = pipeline.add_lead(fields(), step("Call", "mon 10:00"))
    assert lead_id == 1

    result = subprocess.run(
        [sys.executable, "-c", CRASHING_WRITER, str(db_path)], capture_output=True
    )

    assert result.returncode == 9
    lead = pipeline.get(lead_id)
    assert lead.step is not None and lead.step.action == "Call"
    check = raw(db_path).execute("PRAGMA integrity_check").fetchone()[0]
    assert check == "ok"


LOCK_HOLDER = """
import sqlite3, sys, time
connection = sqlite3.connect(sys.argv[1], isolation_level=None)
connection.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(0.8)
connection.execute("COMMIT")
"""


def test_a_second_writer_waits_for_the_lock(pipeline: Pipeline, db_path: Path) -> None:
    lead_id = pipeline.add_lead(fields(), step("Call", "mon 10:00"))
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCK_HOLDER, str(db_path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "locked\n"

    started = time.monotonic()
    pipeline.postpone(lead_id, when("tue 10:00"))
    waited = time.monotonic() - started
    holder.wait()

    assert waited >= 0.5
    assert pipeline.get(lead_id).step.postponed == 1  # type: ignore[union-attr]


def test_write_blocked_past_the_timeout_fails_cleanly(
    pipeline: Pipeline, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lead_id = pipeline.add_lead(fields(), step("Call", "mon 10:00"))
    pipeline.db.execute_sql("PRAGMA busy_timeout = 100")
    holder = raw(db_path)
    holder.execute("BEGIN IMMEDIATE")

    with pytest.raises(Busy, match="locked") as refused:
        pipeline.postpone(lead_id, when("tue 10:00"))
    assert isinstance(refused.value.__cause__, peewee.OperationalError)
    holder.execute("ROLLBACK")

    assert pipeline.get(lead_id).step.postponed == 0  # type: ignore[union-attr]


def test_upgrades_a_first_version_database(tmp_path: Path) -> None:
    copy = tmp_path / "old.db"
    shutil.copy(V1_FIXTURE, copy)
    before = raw(copy).execute("SELECT COUNT(*) FROM lead").fetchone()[0]
    assert raw(copy).execute("SELECT value FROM meta").fetchone()[0] == "1"

    db = open_database(str(copy))

    assert schema.current_version(db) == schema.LATEST
    pipeline = Pipeline(db, rep="ann", zone="Europe/Paris")
    leads = list(pipeline.leads())
    assert len(leads) == before > 0
    assert all(lead.version == 1 for lead in leads)
    names = {lead.name for lead in leads}
    assert "Fixture Open" in names
    history = pipeline.history(leads[0].id)
    assert history and history[0].kind == "created"
    db.close()


def test_opening_needs_no_write_lock_when_the_schema_is_current(
    db_path: Path,
) -> None:
    """A rep starting the app while another's import holds the write lock
    opens at once, and sees the last committed leads."""
    open_database(str(db_path)).close()
    holder = raw(db_path)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO meta (key, value) VALUES ('held', 'yes')")
    try:
        db = open_database(str(db_path))
        assert schema.current_version(db) == schema.LATEST
        db.close()
    finally:
        holder.execute("ROLLBACK")


def test_a_newer_schema_is_refused(db_path: Path) -> None:
    db = open_database(str(db_path))
    db.execute_sql("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    db.close()

    with pytest.raises(StorageError, match="newer"):
        open_database(str(db_path))


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello")

    with pytest.raises(StorageError, match="not a SQLite"):
        open_database(str(path))


def test_sqlite_url_is_accepted(tmp_path: Path) -> None:
    db = open_database(f"sqlite:///{tmp_path}/url.db")
    assert (tmp_path / "url.db").exists()
    db.close()


def test_naive_datetimes_never_reach_the_database() -> None:
    import datetime as dt

    from nextstep_tui.storage.models import InstantField

    with pytest.raises(ValueError, match="naive"):
        InstantField().db_value(dt.datetime(2026, 1, 1))
    aware = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert InstantField().db_value(aware) == 1767225600


def test_events_store_json(pipeline: Pipeline, db_path: Path) -> None:
    lead_id = pipeline.add_lead(fields(), step("Call", "mon 10:00"))
    row = (
        raw(db_path)
        .execute(
            "SELECT data FROM event WHERE lead_id = ? AND kind = 'step_set'", (lead_id,)
        )
        .fetchone()
    )

    assert json.loads(row[0])["action"] == "Call"


def test_a_hard_linked_file_is_refused_by_every_name(tmp_path: Path) -> None:
    """Through two names SQLite keeps two logs, and writes are lost."""
    first = tmp_path / "pipeline.db"
    open_database(str(first)).close()
    second = tmp_path / "elsewhere.db"
    os.link(first, second)
    for name in (first, second):
        with pytest.raises(StorageError, match="has 2 names \\(hard links\\)"):
            open_database(str(name))
    second.unlink()
    open_database(str(first)).close()


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://ann:s3cret@/sales", "postgresql://ann:***@/sales"),
        ("postgresql://ann:s3/cr@t@db/sales", "postgresql://ann:***@db/sales"),
        ("postgresql:///s?password=s3cret&x=1", "postgresql:///s?password=***&x=1"),
        (
            "postgresql://h/s?user=ann&%70assword=s3cret",
            "postgresql://h/s?user=ann&%70assword=***",
        ),
        ("postgresql://h/s?password =s3cret", "postgresql://h/s?password =***"),
        ("postgresql://h/s?sslpassword=s3cret", "postgresql://h/s?sslpassword=***"),
        ("postgresql://ann@/s?host=/run/pg", "postgresql://ann@/s?host=/run/pg"),
        ("/home/ann/pipeline.db", "/home/ann/pipeline.db"),
    ],
)
def test_a_url_is_printed_without_its_password(url: str, shown: str) -> None:
    assert without_password(url) == shown
