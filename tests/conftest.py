"""Fixtures shared by every tier: an isolated environment and a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest

from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.storage.database import open_database

ZONE = "Europe/Paris"
NOW = pendulum.datetime(2026, 12, 4, 15, 0, tz=ZONE)  # a Friday afternoon


@pytest.fixture(autouse=True)
def isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Never read or write a developer's own config, data or state."""
    home = tmp_path_factory.mktemp("home")
    for name in (
        "XDG_CONFIG_HOME",
        "XDG_DATA_HOME",
        "XDG_STATE_HOME",
        "XDG_CACHE_HOME",
    ):
        monkeypatch.setenv(name, str(home / name.lower()))
    monkeypatch.delenv("NEXTSTEP_DB", raising=False)
    monkeypatch.delenv("NEXTSTEP_CONFIG", raising=False)
    monkeypatch.delenv("NEXTSTEP_TEAM", raising=False)
    monkeypatch.setenv("TZ", ZONE)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: pendulum.DateTime = NOW) -> None:
        self.current = start

    def __call__(self) -> pendulum.DateTime:
        return self.current

    def advance(self, **delta: int) -> None:
        self.current = self.current.add(**delta)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "pipeline.db"


@pytest.fixture
def pipeline(db_path: Path, clock: Clock) -> Iterator[Pipeline]:
    db = open_database(str(db_path))
    yield Pipeline(db, rep="ann", zone=ZONE, clock=clock)
    db.close()
