"""Backups while the database is in use, and what `doctor` tells support."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from nextstep_tui.cli import main
from nextstep_tui.core.errors import InvalidInput
from nextstep_tui.core.model import ListView
from nextstep_tui.core.pipeline import Pipeline
from nextstep_tui.storage.database import open_database
from nextstep_tui.storage.upkeep import backup, filesystem_of
from tests.core.helpers import fields, step


@pytest.mark.sqlite_only
def test_a_backup_is_a_private_consistent_copy(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    for number in range(30):
        pipeline.add_lead(fields(f"Lead {number}"), step())
    seen: list[tuple[int, int]] = []

    copy = backup(
        pipeline.db, tmp_path / "copy.db", lambda done, all_: seen.append((done, all_))
    )
    pipeline.add_lead(fields("After the backup"), step())  # not in the copy

    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert seen and seen[-1][0] == seen[-1][1]
    db = open_database(str(copy), create=False)
    try:
        restored = Pipeline(db, rep="ann", zone="Europe/Paris")
        assert restored.count(ListView.ALL) == 30
    finally:
        db.close()


@pytest.mark.sqlite_only
def test_a_backup_never_overwrites(pipeline: Pipeline, tmp_path: Path) -> None:
    taken = tmp_path / "taken.db"
    taken.write_bytes(b"keep me")
    with pytest.raises(InvalidInput, match="exists"):
        backup(pipeline.db, taken)
    with pytest.raises(InvalidInput, match="no folder"):
        backup(pipeline.db, tmp_path / "nowhere" / "copy.db")
    assert taken.read_bytes() == b"keep me"


MOUNTS = """\
/dev/sda1 / ext4 rw 0 0
server:/sales /srv/sales nfs4 rw 0 0
/dev/sdb1 /srv/sales/local xfs rw 0 0
"""


def test_the_file_system_is_the_deepest_mount_holding_the_file() -> None:
    assert filesystem_of(Path("/srv/sales/team.db"), MOUNTS) == "nfs4"
    assert filesystem_of(Path("/srv/sales/local/team.db"), MOUNTS) == "xfs"
    assert filesystem_of(Path("/srv/salesman/x.db"), MOUNTS) == "ext4"


def test_doctor_reports_and_warns_about_rights(
    db_path: Path, pipeline: Pipeline, capsys: pytest.CaptureFixture[str]
) -> None:
    pipeline.add_lead(fields(), step())
    assert main(["--db", str(db_path), "doctor"]) == 0
    out = capsys.readouterr().out
    assert "journal:     wal" in out and "rights:      0600" in out
    assert "zone:" in out and "terminal:" in out and "warning" not in out

    db_path.chmod(0o644)
    assert main(["--db", str(db_path), "doctor"]) == 1
    assert "warning: others can read or write it" in capsys.readouterr().out
