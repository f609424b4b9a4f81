"""The demo database: the sample, brought to today, never the rep's own file."""

from __future__ import annotations

from pathlib import Path

import pendulum
import pytest

from nextstep_tui.config import Settings
from nextstep_tui.core.errors import InvalidInput
from nextstep_tui.core.model import State
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.storage.database import open_database
from nextstep_tui.transfer.demo import (
    TRIAGED,
    build_demo,
    default_path,
    last_day,
    sample_file,
)
from tests.conftest import NOW, ZONE, Clock


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(database=str(tmp_path / "own.db"), zone=ZONE, rep="ann")


def test_the_bundled_sample_is_the_test_copy() -> None:
    with sample_file() as bundled:
        ours = Path(__file__).parent.parent / "data/crm-sales-opportunities"
        assert bundled.read_bytes() == (ours / "sales_pipeline.csv").read_bytes()
        assert last_day(bundled) == pendulum.date(2017, 12, 31)


def test_demo_is_the_sample_ending_today(
    settings: Settings, tmp_path: Path, clock: Clock
) -> None:
    demo = build_demo(settings, settings.database, tmp_path / "demo.db", clock)

    assert demo.path == tmp_path / "demo.db"
    assert demo.states == {State.WON: 4238, State.DROPPED: 2473, State.OPEN: 2089}
    # Every open lead came in for triage; the demo worked through TRIAGED of
    # them, so each section of the pipeline has leads to show.
    health = demo.health
    assert health.open == 2089
    assert health.due_now == 2089 - TRIAGED
    assert health.hopium == len(range(0, TRIAGED, 12))
    assert TRIAGED // 2 < health.firm < TRIAGED
    assert health.loose == health.open - health.firm
    assert demo.shift_days == (NOW.date() - pendulum.date(2017, 12, 31)).in_days()

    db = open_database(str(demo.path))
    pipeline = Pipeline(db, rep="ann", zone=ZONE, clock=clock)
    days = {
        instant.in_timezone(ZONE).date()
        for lead in pipeline.leads()
        for instant in (lead.created_at, lead.closed_at)
        if instant is not None
    }
    assert max(days) == NOW.date()
    assert min(days) == NOW.date().subtract(
        days=(pendulum.date(2017, 12, 31) - pendulum.date(2016, 10, 20)).in_days()
    )
    db.close()


def test_demo_rebuilds_its_own_file(
    settings: Settings, tmp_path: Path, clock: Clock
) -> None:
    path = tmp_path / "demo.db"
    build_demo(settings, settings.database, path, clock)

    again = build_demo(settings, settings.database, path, clock)

    assert sum(again.states.values()) == 8800


def test_demo_refuses_the_reps_own_database(settings: Settings, clock: Clock) -> None:
    own = Path(settings.database)

    with pytest.raises(InvalidInput, match="your own pipeline"):
        build_demo(settings, settings.database, own, clock)
    with pytest.raises(InvalidInput, match="your own pipeline"):
        build_demo(settings, f"sqlite:///{own}", own, clock)
    assert not own.exists()


def test_demo_refuses_a_file_that_is_not_a_demo(
    settings: Settings, tmp_path: Path, clock: Clock
) -> None:
    other = tmp_path / "colleague.db"
    open_database(str(other)).close()
    before = other.read_bytes()

    with pytest.raises(InvalidInput, match="not a demo database"):
        build_demo(settings, settings.database, other, clock)
    assert other.read_bytes() == before


def test_default_demo_path_is_in_the_cache(tmp_path: Path) -> None:
    assert "xdg_cache_home" in str(default_path())
