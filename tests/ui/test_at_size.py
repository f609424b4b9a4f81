"""The screens on a database of 100,000 leads show the right rows.

Correctness at size, not speed: the database is filled with plain SQL, and
each screen's rows are checked against what plain SQL says they must be.
Speed is the benchmark's business (benchmarks/).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import peewee
import pendulum
import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input

from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.storage.database import open_database
from nextstep_tui.ui.screens.cohorts import CohortLeadsScreen, CohortScreen
from nextstep_tui.ui.widgets.lead_list import LeadList
from tests.ui.conftest import RecordingApp, settle, until

LEADS = 100_000
NOW = pendulum.datetime(2026, 12, 4, 15, tz="UTC")
DAY = 86_400


@pytest.fixture(scope="module")
def big_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[peewee.Database]:
    """100,000 leads over three years: 40% open, the rest won or dropped."""
    path = tmp_path_factory.mktemp("size") / "big.db"
    db = open_database(str(path))
    now = int(NOW.timestamp())
    with db.atomic():
        db.execute_sql(
            f"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n
                                    WHERE i < {LEADS})
            INSERT INTO lead (name, company, owner, created_at, state,
                step_action, step_due, step_has_time, step_agreed, step_advances,
                postponed, closed_at, drop_reason, recycle_on)
            SELECT 'Lead ' || i, 'Company ' || (i % 997), 'ann',
                {now} - (i * 7919) % ({DAY} * 1095),
                CASE WHEN i % 5 < 2 THEN 'open'
                     WHEN i % 5 = 2 THEN 'won' ELSE 'dropped' END,
                CASE WHEN i % 5 < 2 THEN 'Call ' || i END,
                CASE WHEN i % 5 < 2
                     THEN {now} + (i * 104729) % ({DAY} * 120) - {DAY} * 60 END,
                i % 2, (i / 2) % 2, (i / 4) % 2, i % 6,
                CASE WHEN i % 5 >= 2 THEN {now} - (i * 31) % ({DAY} * 300) END,
                CASE WHEN i % 5 >= 3 THEN 'timing' END,
                CASE WHEN i % 5 = 4 AND i % 3 = 0
                     THEN {now} + (i * 17) % ({DAY} * 200) - {DAY} * 100 END
            FROM n
            """
        )
    yield db
    db.close()


@pytest.fixture
def app(big_db: peewee.Database) -> RecordingApp:
    pipeline = Pipeline(big_db, rep="ann", zone="UTC", clock=lambda: NOW)
    return RecordingApp(pipeline)


def names(db: peewee.Database, sql: str, *params: object) -> list[str]:
    return [row[0] for row in db.execute_sql(sql, params)]


def shown(leads: LeadList) -> list[str]:
    """The names on screen, top to bottom."""
    rows = range(leads._top, min(leads.total, leads._top + leads._rows_shown()))
    return [lead.name for index in rows if (lead := leads.lead_at(index))]


def lead_list(app: RecordingApp) -> LeadList:
    return app.screen.query_one(LeadList)


OPEN = "SELECT name FROM lead WHERE state = 'open' "
OPEN_BY_DUE = OPEN + "ORDER BY step_due, id"


async def test_all_open_leads_first_and_last(
    app: RecordingApp, big_db: peewee.Database
) -> None:
    first = names(big_db, OPEN_BY_DUE + " LIMIT 22")
    last = names(big_db, OPEN + "ORDER BY step_due DESC, id DESC LIMIT 22")[::-1]
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5")
        await settle(pilot)
        leads = lead_list(app)
        assert leads.total == LEADS * 2 // 5
        assert shown(leads) == first[: len(shown(leads))]

        await pilot.press("G")
        assert await until(pilot, lambda: bool(shown(leads)))
        on_screen = shown(leads)
        assert on_screen == last[-len(on_screen) :]

        for _ in range(3):  # back up through three pages, read by key
            await pilot.press("pageup")
        await settle(pilot)
        index = leads.cursor
        assert index < leads.total - 3 * (leads._rows_shown() - 1)
        expected = names(big_db, OPEN_BY_DUE + " LIMIT 1 OFFSET ?", index)
        assert leads.lead is not None and [leads.lead.name] == expected


async def test_the_filter_shows_what_sql_finds(
    app: RecordingApp, big_db: peewee.Database
) -> None:
    expected = names(
        big_db,
        "SELECT name FROM lead WHERE state = 'open' AND (name LIKE ? OR "
        "company LIKE ? OR step_action LIKE ?) ORDER BY step_due, id",
        *["%lead 4242%"] * 3,
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("5", "slash", *"lead 4242")
        await settle(pilot)
        assert app.screen.query_one("#filter", Input).value == "lead 4242"
        leads = lead_list(app)
        assert leads.total == len(expected) > 1
        assert shown(leads) == expected[: len(shown(leads))]


async def test_cohorts_count_and_open_a_month(
    app: RecordingApp, big_db: peewee.Database
) -> None:
    months = big_db.execute_sql(
        "SELECT strftime('%Y-%m', created_at, 'unixepoch') AS month, COUNT(*), "
        "SUM(state = 'won'), SUM(state = 'dropped'), SUM(state = 'open') "
        "FROM lead GROUP BY month ORDER BY month"
    ).fetchall()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CohortScreen)
        shown_rows = [
            (row.month, row.created, row.won, row.dropped, row.open)
            for row in screen.rows
        ]
        assert shown_rows == [tuple(month) for month in months]

        oldest = months[0][0]
        await open_month_row(pilot, 0)
        drill = app.screen
        assert isinstance(drill, CohortLeadsScreen)
        expected = names(
            big_db,
            "SELECT name FROM lead WHERE state = 'open' "
            "AND strftime('%Y-%m', created_at, 'unixepoch') = ? "
            "ORDER BY created_at, id",
            oldest,
        )
        leads = lead_list(app)
        assert leads.total == len(expected)
        assert shown(leads) == expected[: len(shown(leads))]
        await pilot.press("G")
        assert await until(pilot, lambda: bool(shown(leads)))
        assert shown(leads) == expected[-len(shown(leads)) :]


async def test_the_recycle_list_ends_with_the_earliest_dropped(
    app: RecordingApp, big_db: peewee.Database
) -> None:
    expected = names(
        big_db,
        "SELECT name FROM lead WHERE state = 'dropped' "
        "ORDER BY recycle_on IS NULL, recycle_on, "
        "CASE WHEN recycle_on IS NULL THEN -closed_at ELSE closed_at END, "
        "CASE WHEN recycle_on IS NULL THEN -id ELSE id END",
    )
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("r")
        await settle(pilot)
        leads = lead_list(app)
        assert leads.total == len(expected)
        assert shown(leads) == expected[: len(shown(leads))]
        await pilot.press("G")
        assert await until(pilot, lambda: bool(shown(leads)))
        assert shown(leads) == expected[-len(shown(leads)) :]


async def open_month_row(pilot: Pilot[None], row: int) -> None:
    pilot.app.screen.query_one("#months", DataTable).move_cursor(row=row)
    await pilot.press("enter")
    await settle(pilot)


def test_the_database_is_as_big_as_it_says(big_db: peewee.Database) -> None:
    assert Path(big_db.database).stat().st_size > 10_000_000
    [(count,)] = big_db.execute_sql("SELECT COUNT(*) FROM lead").fetchall()
    assert count == LEADS
