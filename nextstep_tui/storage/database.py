"""Opening the database: a file path or a URL, made ready for several reps."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from urllib.parse import unquote

import peewee

from nextstep_tui.core.errors import StorageError
from nextstep_tui.storage import schema
from nextstep_tui.storage.proxy import database

log = logging.getLogger(__name__)

# Seconds a writer waits for another's lock before the rep is told.
BUSY_TIMEOUT = 5.0

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "normal",
    "busy_timeout": int(BUSY_TIMEOUT * 1000),
}


def open_database(target: str, create: bool = True) -> peewee.Database:
    """Open ``target`` (a path, ``sqlite:///path`` or ``postgresql://``).

    The schema is created or upgraded, and the models are bound to it.
    """
    if "://" in target and not target.startswith("sqlite:"):
        db = _open_url(target)
    else:
        db = _open_sqlite(_sqlite_path(target), create)

    database.initialize(db)
    try:
        db.connect(reuse_if_open=True)
        schema.upgrade(db)
    except (peewee.DatabaseError, peewee.ImproperlyConfigured) as error:
        db.close()
        shown = without_password(target)
        raise StorageError(f"Cannot open the database {shown}: {error}") from None
    return db


def without_password(target: str) -> str:
    """A URL fit to print: the password in its user part and any query
    parameter that names a password (however it is spelled: libpq decodes
    ``%70assword`` and ignores spaces) become ``***``."""
    scheme, slashes, rest = target.partition("://")
    if not slashes:
        return target
    head, mark, query = rest.partition("?")
    user, at, host = head.rpartition("@")
    if at and ":" in user:
        head = f"{user.split(':', 1)[0]}:***@{host}"
    pieces = []
    for piece in query.split("&") if mark else []:
        key, equals, _ = piece.partition("=")
        if equals and "password" in unquote(key).replace(" ", "").lower():
            piece = f"{key}=***"
        pieces.append(piece)
    return f"{scheme}://{head}{mark}{'&'.join(pieces)}"


def database_file(target: str) -> Path | None:
    """The SQLite file ``target`` names, or None for a server's URL."""
    if "://" in target and not target.startswith("sqlite:"):
        return None
    return _sqlite_path(target)


def remove_database(path: Path) -> None:
    """Delete a SQLite file and its side files (only for one made by mistake)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _sqlite_path(target: str) -> Path:
    if target.startswith("sqlite:///"):
        target = target.removeprefix("sqlite://")
    elif target.startswith("sqlite:"):
        raise StorageError(f"Write a SQLite URL as sqlite:///path, not {target!r}.")
    return Path(target).expanduser()


def _open_sqlite(path: Path, create: bool) -> peewee.SqliteDatabase:
    try:
        exists = path.exists()
    except PermissionError:
        raise StorageError(_not_allowed(path)) from None
    if not exists:
        if not create:
            raise StorageError(
                f"No database at {path}. Adding a lead (nextstep add), importing "
                "or opening the app starts one."
            )
        _create_private_file(path)
    elif path.is_dir():
        raise StorageError(f"{path} is a directory, not a database file.")

    _check_is_sqlite(path)
    _check_one_name(path)
    return peewee.SqliteDatabase(
        str(path), pragmas=SQLITE_PRAGMAS, timeout=BUSY_TIMEOUT, check_same_thread=False
    )


def _create_private_file(path: Path) -> None:
    """Create an empty database file that only its owner can read.

    SQLite gives the ``-wal`` and ``-shm`` files the rights of the main file.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        return
    except OSError as error:
        raise StorageError(f"Cannot create the database {path}: {error}") from None
    os.close(descriptor)
    log.info("created database %s", path)


def _check_one_name(path: Path) -> None:
    """Refuse a file with hard links: SQLite keeps its log beside the name
    it was opened by, so what is written through one name is lost through
    another (and a link in another folder would escape a team's rules)."""
    links = path.stat().st_nlink
    if links > 1:
        raise StorageError(
            f"{path} has {links} names (hard links). SQLite keeps its log beside "
            "each name, so changes made through one are lost through another. "
            f"Remove the other names (find / -samefile {path}) and open it again."
        )


def _not_allowed(path: Path) -> str:
    return (
        f"You may not open {path}. If it is a team's database, are you in the "
        "team's group? (`id` lists your groups; a new member logs in again.)"
    )


def _check_is_sqlite(path: Path) -> None:
    try:
        with path.open("rb") as handle:
            header = handle.read(16)
    except PermissionError:
        raise StorageError(_not_allowed(path)) from None
    except OSError as error:
        raise StorageError(f"Cannot read the database {path}: {error}") from None
    if header and header != b"SQLite format 3\x00":
        raise StorageError(f"{path} is not a SQLite database.")


def _open_url(url: str) -> peewee.Database:
    if url.startswith(("postgres://", "postgresql://")):
        return _open_postgres(url)
    from playhouse.db_url import connect

    try:
        return connect(url)
    except (ValueError, RuntimeError, peewee.ImproperlyConfigured) as error:
        raise StorageError(f"Cannot use the database URL: {error}") from None


def _open_postgres(url: str) -> peewee.Database:
    try:
        import psycopg  # noqa: F401 - the optional driver: say so if it is missing
    except ImportError:
        raise StorageError(
            "PostgreSQL needs its driver: pip install 'nextstep-tui[postgresql]'."
        ) from None
    from nextstep_tui.storage.postgres import PostgresDatabase

    # Peewee hands a URL to libpq whole only when it starts postgresql://.
    return PostgresDatabase("postgresql://" + url.split("://", 1)[1])


def data_version(db: peewee.Database) -> int | None:
    """A number that changes when another connection commits a change.

    SQLite's ``PRAGMA data_version``: one cheap read, no lock; on PostgreSQL,
    the notifications the schema's triggers send, drained without waiting.
    None for an engine without either.
    """
    if isinstance(db, peewee.SqliteDatabase):
        return int(db.execute_sql("PRAGMA data_version").fetchone()[0])
    changes = getattr(db, "changes", None)
    return int(changes()) if changes is not None else None


def is_locked_error(error: BaseException) -> bool:
    """True when a write failed because another session held the lock too long."""
    from nextstep_tui.storage.postgres import is_busy_error

    text = str(error).lower()
    return isinstance(error, peewee.OperationalError | sqlite3.OperationalError) and (
        "locked" in text or "busy" in text or is_busy_error(error)
    )


TEAM_KEY = "team_config"


def remember_team(db: peewee.Database, config: Path) -> None:
    """Mark the database as a team's, with the path of its ``team.toml``."""
    with schema.write_transaction(db):
        schema.write_setting(db, TEAM_KEY, str(config))


def team_file(db: peewee.Database) -> Path | None:
    """The team configuration of a team database; None for a personal one."""
    config = schema.read_setting(db, TEAM_KEY)
    return Path(config) if config is not None else None
