"""Fixtures shared by every tier: an isolated environment and a fixed clock."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pendulum
import pytest

from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.storage.database import open_database
from tests import pg_server

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


# The tiers whose tests run on both engines; the screens and file transfers
# run on SQLite only.
BOTH_ENGINES = ("tests/storage", "tests/core", "tests/cli")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run each storage, domain and command-line test that asks for
    ``engine`` (through ``pipeline`` or ``database_url``) on both engines.

    A test that asks for ``db_path`` is about the SQLite file: SQLite only.
    """
    if "engine" not in metafunc.fixturenames:
        return
    where = Path(metafunc.definition.path).relative_to(Path(__file__).parent.parent)
    both = str(where).startswith(BOTH_ENGINES)
    sqlite_only = (
        "db_path" in metafunc.fixturenames
        or metafunc.definition.get_closest_marker("sqlite_only")
    )
    if both and not sqlite_only:
        # Others keep their names (snapshots are named after them): SQLite.
        metafunc.parametrize("engine", ["sqlite", "postgresql"], indirect=True)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only: a test of what only SQLite does (files, pragmas)"
    )


@pytest.fixture(scope="session")
def pg() -> Iterator[pg_server.Server]:
    """A private PostgreSQL server for the session, started on first use.

    Without PostgreSQL's programs the tests that need it skip, or fail when
    NEXTSTEP_REQUIRE_PG=1 (as in CI: ``python3 dev.py test`` installs them).
    """
    binaries = pg_server.find_binaries()
    if binaries is None:
        why = "no PostgreSQL server programs (initdb) found"
        if os.environ.get("NEXTSTEP_REQUIRE_PG") == "1":
            pytest.fail(f"{why}, and NEXTSTEP_REQUIRE_PG=1", pytrace=False)
        pytest.skip(why)
    server = pg_server.start(binaries)
    yield server
    server.stop()


@pytest.fixture
def engine(request: pytest.FixtureRequest) -> str:
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def database_url(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A new, empty database on the test's engine: a file path or a URL."""
    if engine == "postgresql":
        server: pg_server.Server = request.getfixturevalue("pg")
        return server.new_database()
    return str(tmp_path / "pipeline.db")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "pipeline.db"


@pytest.fixture
def pipeline(database_url: str, clock: Clock) -> Iterator[Pipeline]:
    db = open_database(database_url)
    yield Pipeline(db, rep="ann", zone=ZONE, clock=clock)
    db.close()
