"""A private PostgreSQL server for the tests: a throwaway cluster listening on
a unix socket in its own temporary folder, never on a network address.

PostgreSQL refuses to run as root, so under root the cluster belongs to the
``postgres`` account (or ``NEXTSTEP_PG_USER``).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path

PORT = 5432  # names the socket file only: nothing listens on a port


def find_binaries() -> Path | None:
    """The folder with initdb and pg_ctl: PATH first, then Debian's layout."""
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(found[0]).parent if found else None


@dataclass
class Server:
    bin: Path
    folder: Path
    account: str | None
    _numbers: count = field(default_factory=lambda: count(1))

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@/{database}?host={self.socket_dir}&port={PORT}"

    def new_database(self) -> str:
        """An empty database of its own; its URL."""
        import psycopg

        name = f"test_{os.getpid()}_{next(self._numbers)}"
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name} TEMPLATE template0")
        return self.url(name)

    def stop(self) -> None:
        self._run("pg_ctl", "stop", "-D", str(self.folder / "data"), "-m", "immediate")
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.account is not None:
            command = ["runuser", "-u", self.account, "--", *command]
        subprocess.run(command, check=True, capture_output=True, text=True)


def start(bin: Path) -> Server:
    """Make a cluster in a new temporary folder and start it."""
    account = None
    if os.geteuid() == 0:
        account = os.environ.get("NEXTSTEP_PG_USER", "postgres")
    folder = Path(tempfile.mkdtemp(prefix="nextstep-pg-"))
    server = Server(bin, folder, account)
    server.socket_dir.mkdir()
    if account is not None:
        entry = pwd.getpwnam(account)
        for path in (folder, server.socket_dir):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    data = str(folder / "data")
    server._run(
        "initdb", "-D", data, "-U", "postgres", "--auth=trust",
        "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync",
    )  # fmt: skip
    settings = (
        f"-c listen_addresses='' -c unix_socket_directories='{server.socket_dir}' "
        f"-c port={PORT} -c fsync=off -c synchronous_commit=off "
        "-c full_page_writes=off -c max_connections=200"
    )
    server._run(
        "pg_ctl", "start", "-w", "-D", data, "-o", settings,
        "-l", str(folder / "server.log"),
    )  # fmt: skip
    return server
