"""`nextstep migrate-to`: a SQLite pipeline copied whole into PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from nextstep_tui.cli import main
from nextstep_tui.core.model import DropReason
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.storage import copying
from nextstep_tui.storage.database import open_database
from tests import pg_server
from tests.conftest import ZONE, Clock
from tests.core.helpers import fields, step, when


@pytest.fixture
def source(tmp_path: Path, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A SQLite pipeline with every kind of lead and history in it."""
    path = tmp_path / "mine.db"
    db = open_database(str(path))
    pipeline = Pipeline(db, rep="ann", zone=ZONE, clock=clock)
    ids = [
        pipeline.add_lead(fields(f"Lead {n}", email=f"l{n}@x.test"), step())
        for n in range(30)
    ]
    pipeline.add_lead(fields("Zoë Café", external_id="CRM-1"), step(agreed=False))
    pipeline.postpone(ids[0], when("tue 10:00"))
    pipeline.drop(ids[1], DropReason.TIMING, note="next year")
    pipeline.win(ids[2], note="signed")
    pipeline.add_note(ids[3], "ask about the budget")
    db.close()
    monkeypatch.setenv("NEXTSTEP_DB", str(path))
    return path


def test_a_pipeline_is_copied_whole_and_checked(
    source: Path,
    pg: pg_server.Server,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(copying, "BATCH", 7)  # several batches, so progress shows
    url = pg.new_database()

    code = main(["migrate-to", url])
    out, err = capsys.readouterr()

    assert code == 0, err
    assert "every table matches" in out
    for table in ("meta", "lead", "event", "lead_tally"):
        assert any(
            line.startswith(table) and line.endswith(" ok") for line in out.splitlines()
        )
    assert "copying lead: 7 of 31 rows" in err

    mine = Pipeline(open_database(str(source)), rep="ann", zone=ZONE)
    mine_leads = list(mine.leads())
    mine_health = mine.health()
    mine_history = mine.history(4)
    theirs = Pipeline(open_database(url), rep="ann", zone=ZONE)
    assert list(theirs.leads()) == mine_leads
    assert theirs.health() == mine_health
    assert theirs.history(4) == mine_history
    assert theirs.add_lead(fields("After"), step()) == 32  # ids carry on past the copy
    theirs.db.close()
    mine.db.close()


def test_a_target_with_leads_is_refused(
    source: Path, pg: pg_server.Server, capsys: pytest.CaptureFixture[str]
) -> None:
    url = pg.new_database()
    assert main(["migrate-to", url]) == 0
    capsys.readouterr()

    code = main(["migrate-to", url])
    _, err = capsys.readouterr()

    assert code == 1
    assert "already holds 31 lead rows" in err


def test_the_target_must_be_postgresql(
    source: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["migrate-to", "/tmp/other.db"]) == 1
    assert "postgresql://" in capsys.readouterr().err
