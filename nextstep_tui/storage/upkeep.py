"""Looking after a database file: online backups, and what support needs to know.

copy = backup(db, Path("~/sales-2026-12-04.db"))
for name, value, warning in diagnose(db, path):
    ...
"""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

import peewee

from nextstep_tui.core.errors import InvalidInput, StorageError
from nextstep_tui.storage import schema
from nextstep_tui.storage.database import TEAM_KEY

# File systems on which SQLite's locks cannot be trusted (its own advice).
NETWORK_FILESYSTEMS = {
    "nfs", "nfs4", "cifs", "smb", "smb2", "smb3", "smbfs", "afs", "ceph",
    "glusterfs", "9p", "fuse.sshfs", "sshfs", "davfs", "fuse.davfs2", "lustre",
}  # fmt: skip

Progress = Callable[[int, int], None]


def backup(db: peewee.Database, target: Path, progress: Progress | None = None) -> Path:
    """Copy the open SQLite database to ``target`` with SQLite's backup API.

    Other sessions may keep writing meanwhile: the copy is one consistent
    moment, never a half-written file. The copy is private to its owner, and
    an existing file is refused rather than overwritten. A team's copy no
    longer names the team's rules: it opens as its maker's own (a manager's,
    who sees every lead anyway), and put back in the team's folder it is the
    team's again.
    """
    if not isinstance(db, peewee.SqliteDatabase):
        raise StorageError("Backups here are of SQLite databases only.")
    target = target.expanduser()
    if target.exists():
        raise InvalidInput(f"{target} exists; name a new file for the backup.")
    if not target.parent.is_dir():
        raise InvalidInput(f"There is no folder {target.parent} to put it in.")

    try:
        descriptor = os.open(target, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError as error:
        raise InvalidInput(
            f"Cannot write the backup {target}: {error.strerror}."
        ) from None
    os.close(descriptor)
    copy = sqlite3.connect(target)
    try:

        def step(status: int, remaining: int, total: int) -> None:
            if progress is not None:
                progress(total - remaining, total)

        db.connection().backup(copy, pages=1024, progress=step)
        with copy:
            copy.execute("DELETE FROM meta WHERE key = ?", (TEAM_KEY,))
    except BaseException:
        copy.close()
        target.unlink(missing_ok=True)
        raise
    copy.close()
    return target


def filesystem_of(path: Path, mounts_text: str | None = None) -> str:
    """The type of the file system ``path`` lives on, from /proc/mounts."""
    if mounts_text is None:
        try:
            mounts_text = Path("/proc/mounts").read_text(encoding="utf-8")
        except OSError:
            return "unknown"
    mounts = mounts_text.splitlines()
    resolved = str(path.resolve())
    best, kind = "", "unknown"
    for line in mounts:
        parts = line.split()
        if len(parts) < 3:
            continue
        point = parts[1].replace("\\040", " ")
        inside = resolved == point or resolved.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, parts[2]
    return kind


def diagnose(db: peewee.Database, path: Path | None) -> list[tuple[str, str, str]]:
    """What support needs about the database: (name, value, warning or '')."""
    facts: list[tuple[str, str, str]] = []
    if path is not None:
        facts += file_facts(path)
        mode = db.execute_sql("PRAGMA journal_mode").fetchone()[0]
        facts.append(
            ("journal", str(mode), "" if mode == "wal" else "not WAL: writers block")
        )
    facts.append(("schema", f"version {schema.current_version(db)}", ""))
    return facts


def file_facts(path: Path) -> list[tuple[str, str, str]]:
    info = path.stat()
    mode = stat.S_IMODE(info.st_mode)
    others = "others can read or write it" if mode & 0o007 else ""
    kind = filesystem_of(path)
    network = ""
    if kind in NETWORK_FILESYSTEMS:
        network = "a network file system: SQLite's locks are not safe there"
    return [
        ("file", str(path), ""),
        (
            "rights",
            f"{mode:04o} (owner uid {info.st_uid}, group gid {info.st_gid})",
            others,
        ),
        ("size", f"{info.st_size:,} bytes", ""),
        ("file system", kind, network),
    ]
