"""PostgreSQL through psycopg 3: the connection, and the signal that another
session changed something.

SQLite's ``PRAGMA data_version`` has no PostgreSQL twin. Instead the schema's
triggers ``pg_notify`` on every committed change to leads and their history,
and one connection per database LISTENs; reading the signal drains what has
arrived on that connection's socket, without a round trip and without waiting.
"""

from __future__ import annotations

import logging
from typing import Any

import peewee

log = logging.getLogger(__name__)

# The channel the schema's triggers notify on a committed change.
CHANNEL = "nextstep_changed"

# Seconds a writer waits for a row another session holds before the rep is
# told, as SQLite's busy timeout does.
LOCK_TIMEOUT = 5.0

# SQLSTATEs that mean "another session held what we needed": lock timeout,
# deadlock, serialization failure.
BUSY_STATES = {"55P03", "40P01", "40001"}


class PostgresDatabase(peewee.PostgresqlDatabase):
    """A PostgreSQL database driven by psycopg 3, with a change signal."""

    def __init__(self, url: str, **kwargs: Any) -> None:
        # Peewee picks psycopg2 when both drivers are installed; the change
        # listener below speaks psycopg 3.
        super().__init__(url, prefer_psycopg3=True, **kwargs)
        self.url = url
        self._listener: Any = None
        self._changes = 0

    def _initialize_connection(self, conn: Any) -> None:
        conn.execute(f"SET lock_timeout = '{int(LOCK_TIMEOUT * 1000)}ms'")

    def changes(self) -> int:
        """A count that grows when any session commits a change to the data."""
        import psycopg

        try:
            if self._listener is None or self._listener.closed:
                self._listen()
            pgconn = self._listener.pgconn
            pgconn.consume_input()
            while pgconn.notifies() is not None:
                self._changes += 1
        except psycopg.Error as error:
            log.warning("change listener lost: %r", error)
            self._close_listener()
            self._changes += 1  # what happened meanwhile is unknown: refresh
        return self._changes

    def close(self) -> bool:
        self._close_listener()
        return bool(super().close())

    def _listen(self) -> None:
        import psycopg

        self._listener = psycopg.connect(self.url, autocommit=True)
        self._listener.execute(f"LISTEN {CHANNEL}")
        # Changes before LISTEN went unheard: count one so a screen reloads.
        self._changes += 1

    def _close_listener(self) -> None:
        if self._listener is not None:
            self._listener.close()
            self._listener = None


def is_busy_error(error: BaseException) -> bool:
    """True when PostgreSQL gave up waiting on another session's locks."""
    cause = error.__cause__ or error.__context__
    return getattr(cause, "sqlstate", None) in BUSY_STATES or (
        getattr(error, "sqlstate", None) in BUSY_STATES
    )


def may_write_settings(db: peewee.Database) -> bool:
    """This login may change the ``meta`` table, where the database names
    its team's rules: only the team's owner should."""
    row = db.execute_sql(
        "SELECT has_table_privilege('meta', 'INSERT') "
        "OR has_table_privilege('meta', 'UPDATE') "
        "OR has_table_privilege('meta', 'DELETE') "
        "OR has_table_privilege('meta', 'TRUNCATE')"
    ).fetchone()
    return bool(row[0])
