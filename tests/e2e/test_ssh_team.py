"""A team on one shared server, over SSH, for real.

An OpenSSH server on loopback, a unix group with two reps and a manager,
one team database made by ``nextstep team init``, and the app running for
each login in its own tmux window over ``ssh -tt``. What the screens show is
read back with ``tmux capture-pane``. The checks share that server and run
in file order: the last one cuts a rep's connection.

It needs root (to make logins), sshd, ssh and tmux. Without them it skips,
unless NEXTSTEP_REQUIRE_SSH=1 (as in CI), where it fails.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ZONE
from tests.e2e.server import (
    SSHD,
    TOOLS,
    Accounts,
    Login,
    SshServer,
    Tmux,
    make_key,
    name_is_free,
    processes_of,
    run,
)

pytestmark = pytest.mark.e2e

CHECKOUT = Path(__file__).resolve().parents[2]
# The virtual environment's own interpreter, not what it links to.
PYTHON = Path(sys.prefix) / "bin" / "python"
REFRESH_LIMIT = 2.0  # seconds, as the issue asks
TAB_PAUSE = 0.3  # seconds between a Tab and the next field's keys

# Each rep's seeded leads, by a word that is easy to find on a screen.
ANN_LEADS = ("Apricot", "Almond")
BOB_LEADS = ("Birch", "Beech")


def require_server_tools() -> None:
    """Skip, or fail under NEXTSTEP_REQUIRE_SSH=1, when this cannot run."""
    missing = [] if os.geteuid() == 0 else ["root (it makes logins)"]
    if not SSHD.exists():
        missing.append(f"{SSHD} (apt-get install openssh-server)")
    missing += [tool for tool in TOOLS if shutil.which(tool) is None]
    if not missing:
        return
    reason = "the SSH end-to-end check needs " + ", ".join(missing)
    if os.environ.get("NEXTSTEP_REQUIRE_SSH") == "1":
        pytest.fail(reason + " (NEXTSTEP_REQUIRE_SSH=1 makes it required)")
    pytest.skip(reason)


@dataclass(frozen=True)
class Runtime:
    """The Python and the app as the other logins run them."""

    python: Path
    pythonpath: str | None = None  # a copy of the app, when the checkout is shut


@dataclass
class Office:
    """The shared server as the checks see it."""

    accounts: Accounts
    ann: Login  # a rep
    bob: Login  # a rep
    maria: Login  # the manager
    team: Path  # the team's folder
    key: Path
    sshd: SshServer
    tmux: Tmux
    runtime: Runtime

    @property
    def database(self) -> Path:
        return self.team / "pipeline.db"

    def environment(self, login: Login) -> dict[str, str]:
        """All a login's nextstep sees: its home, its zone, the team."""
        home = login.home
        return {
            "HOME": str(home),
            "USER": login.name,
            "LOGNAME": login.name,
            "PATH": "/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "TZ": ZONE,
            "TERM": "xterm-256color",
            "NEXTSTEP_TEAM": str(self.team),
            "XDG_CONFIG_HOME": str(home / ".config"),
            "XDG_DATA_HOME": str(home / ".local" / "share"),
            "XDG_STATE_HOME": str(home / ".local" / "state"),
            "XDG_CACHE_HOME": str(home / ".cache"),
        } | ({"PYTHONPATH": self.runtime.pythonpath} if self.runtime.pythonpath else {})

    def clean(self, login: Login, *argv: str) -> list[str]:
        """``argv`` in ``login``'s environment and nothing else."""
        assignments = [
            f"{key}={value}" for key, value in self.environment(login).items()
        ]
        return ["env", "-i", *assignments, *argv]

    def as_login(self, login: Login, *argv: str) -> list[str]:
        """``argv`` run as ``login`` on this machine (no SSH)."""
        return ["runuser", "-u", login.name, "--", *self.clean(login, *argv)]

    def nextstep(self, login: Login, *args: str) -> str:
        """The command line as ``login`` (not over SSH); its output."""
        argv = self.as_login(
            login, str(self.runtime.python), "-m", "nextstep_tui", *args
        )
        return run(argv, cwd=login.home).stdout

    def remote(self, login: Login, *argv: str) -> str:
        """``argv`` as ``login`` over a fresh SSH connection; its output."""
        command = shlex.join(self.clean(login, *argv))
        return run(self.sshd.ssh_argv(self.key, login.name, command)).stdout

    def open_app(self, login: Login) -> None:
        """The app for ``login`` in its own 80x24 window, over ``ssh -tt``."""
        # exec: the app leads the session, so the hang-up reaches it first.
        app = self.clean(login, str(self.runtime.python), "-m", "nextstep_tui")
        command = "cd && exec " + shlex.join(app)
        self.tmux.open(
            login.name, self.sshd.ssh_argv(self.key, login.name, command, tty=True)
        )


@pytest.fixture(scope="module")
def office() -> Iterator[Office]:
    require_server_tools()
    with ExitStack() as undo:
        # Other logins must reach the team's folder and their homes: pytest's
        # own temporary folders are private to root.
        base = Path(tempfile.mkdtemp(prefix="nextstep-e2e-"))
        base.chmod(0o755)
        undo.callback(shutil.rmtree, base, True)

        accounts = Accounts()
        undo.callback(_report_leftovers, accounts)
        ann, bob, maria, group = _make_team_logins(accounts, base)
        key = make_key(base / "id_ed25519")
        runtime = _runtime_for(ann, base)
        stdlibs = {_check_reachable(login, runtime) for login in (ann, bob, maria)}
        if stdlibs != {Path(os.__file__).parent}:
            warnings.warn(
                f"the logins' Python reads its standard library from {stdlibs}, "
                f"root's from {Path(os.__file__).parent}: the virtual "
                "environment's base interpreter is out of their reach",
                stacklevel=1,
            )

        team = base / "shared" / "sales"
        team.parent.mkdir(mode=0o755)
        _init_team(team, group, maria, base)

        sshd = SshServer(base / "sshd")
        undo.callback(sshd.stop)
        sshd.start([ann.name, bob.name, maria.name], key.with_suffix(".pub"))

        tmux = Tmux(base, f"nextstep-e2e-{secrets.token_hex(4)}")
        undo.callback(tmux.close)  # before sshd stops: the clients hang up first

        office = Office(accounts, ann, bob, maria, team, key, sshd, tmux, runtime)
        _seed_and_open(office)
        yield office


def _seed_and_open(office: Office) -> None:
    """Each rep's leads, added at the shell as that rep; then the app for
    each login, on its list of every open lead."""
    for login, names in ((office.ann, ANN_LEADS), (office.bob, BOB_LEADS)):
        for name in names:
            office.nextstep(login, *firm_lead(name, "tomorrow 10:00"))

    logins = (office.ann, office.bob, office.maria)
    for login in logins:
        office.open_app(login)
    for login in logins:
        office.tmux.wait_for(login.name, shows_all("Now", "All"), seconds=30)
        office.tmux.keys(login.name, "5")  # every open lead, not just today's


def _make_team_logins(
    accounts: Accounts, base: Path
) -> tuple[Login, Login, Login, str]:
    """A group and three logins under fresh throwaway names."""
    while True:
        prefix = "nsx" + secrets.token_hex(2)
        names = [prefix + suffix for suffix in ("g", "a", "b", "m")]
        if all(name_is_free(name) for name in names):
            break
    group, *logins = names
    accounts.add_group(group)
    (base / "home").mkdir(mode=0o755)
    ann, bob, maria = (
        accounts.add_login(name, base / "home" / name, group) for name in logins
    )
    return ann, bob, maria, group


def _report_leftovers(accounts: Accounts) -> None:
    problems = accounts.close()
    if problems:
        warnings.warn("cleaning up: " + "; ".join(problems), stacklevel=1)


PROBE = "import os, nextstep_tui, sqlite3, textual; print(os.__file__)"


def _probe(login: Login, runtime: Runtime) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(login.home)}
    if runtime.pythonpath:
        environment["PYTHONPATH"] = runtime.pythonpath
    return subprocess.run(
        ["runuser", "-u", login.name, "--", str(runtime.python), "-c", PROBE],
        capture_output=True,
        text=True,
        cwd=login.home,
        timeout=60,
        env=environment,
    )


def _runtime_for(login: Login, base: Path) -> Runtime:
    """This checkout's Python and app if other logins can reach them (a
    clone in a shared folder); else a copy of both in ``base``, which they
    can (a clone in a private folder, such as a CI runner's)."""
    here = Runtime(PYTHON)
    if _probe(login, here).returncode == 0:
        return here
    copy = base / "runtime"
    shutil.copytree(sys.prefix, copy / "venv", symlinks=True)
    shutil.copytree(
        CHECKOUT / "nextstep_tui",
        copy / "src" / "nextstep_tui",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    subprocess.run(["chmod", "-R", "a+rX", str(copy)], check=True)
    return Runtime(copy / "venv" / "bin" / "python", str(copy / "src"))


def _check_reachable(login: Login, runtime: Runtime) -> Path:
    """The login runs the Python and imports the app (else the check
    fails, naming the folders that shut it out); its stdlib folder."""
    done = _probe(login, runtime)
    if done.returncode != 0:
        shut = sorted({str(path) for path in _closed_folders()})
        pytest.fail(
            f"login {login.name} cannot run {runtime.python} and import "
            f"nextstep_tui from {CHECKOUT}: {done.stderr.strip()[-600:]}\n"
            f"Folders other logins cannot enter: {', '.join(shut) or 'none'}. "
            "The check needs a checkout and a Python every login can reach "
            "(not under a private home such as /root)."
        )
    return Path(done.stdout.strip()).parent


def _closed_folders() -> Iterator[Path]:
    for start in (CHECKOUT, PYTHON, PYTHON.resolve(), Path(sys.base_prefix)):
        for folder in start.parents:
            if folder.exists() and not folder.stat().st_mode & 0o001:
                yield folder


def _init_team(team: Path, group: str, manager: Login, base: Path) -> None:
    environment = {
        "PATH": "/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TZ": ZONE,
        "HOME": str(base),
        "XDG_CONFIG_HOME": str(base / "root-config"),
        "XDG_DATA_HOME": str(base / "root-data"),
    }
    argv = [str(PYTHON), "-m", "nextstep_tui", "team", "init", str(team)]
    run([*argv, "--group", group, "--manager", manager.name], env=environment)


# -- the checks ---------------------------------------------------------------


def firm_lead(name: str, due: str) -> list[str]:
    """``nextstep add`` arguments for a lead with a firm first step."""
    step = ["--step", f"Call {name}", "--due", due, "--agreed", "--advances"]
    return ["add", name, "--company", f"{name} Ltd", *step]


def lead_ids(office: Office, login: Login) -> dict[str, int]:
    leads = json.loads(office.nextstep(login, "list", "--json"))
    return {lead["name"]: lead["id"] for lead in leads}


def shows_all(*words: str) -> Callable[[str], bool]:
    return lambda screen: all(word in screen for word in words)


def test_each_rep_sees_their_own_leads_and_the_manager_everyones(
    office: Office,
) -> None:
    owners = {
        lead["name"]: lead["owner"]
        for lead in json.loads(office.nextstep(office.maria, "list", "--json"))
    }
    assert owners == {
        **dict.fromkeys(ANN_LEADS, office.ann.name),
        **dict.fromkeys(BOB_LEADS, office.bob.name),
    }

    tmux = office.tmux
    ann = tmux.wait_for(office.ann.name, shows_all(*ANN_LEADS))
    bob = tmux.wait_for(office.bob.name, shows_all(*BOB_LEADS))
    maria = tmux.wait_for(office.maria.name, shows_all(*ANN_LEADS, *BOB_LEADS))
    assert not any(name in ann for name in BOB_LEADS), ann
    assert not any(name in bob for name in ANN_LEADS), bob
    assert f"· {office.ann.name}" in ann  # whose pipeline it says it is
    assert "everyone" in maria, maria
    # Each row names its rep, and so does the line under the list.
    for names, rep in ((ANN_LEADS, office.ann.name), (BOB_LEADS, office.bob.name)):
        rows = [line for line in maria.splitlines() if line.split()[:1] == [names[0]]]
        assert rows and rep in rows[0], maria
    reps = (office.ann.name, office.bob.name)
    assert any(f"{rep} — " in maria for rep in reps), maria


def test_a_reps_keys_reach_the_managers_screen_within_two_seconds(
    office: Office,
) -> None:
    tmux, ann, maria = office.tmux, office.ann.name, office.maria.name
    tmux.keys(ann, "a")
    tmux.wait_for(ann, shows_all("New lead"))
    fill_in(tmux, ann, "Acorn", "Name     Acorn")
    fill_in(tmux, ann, "Acorn Ltd", "Company  Acorn Ltd")
    fill_in(tmux, ann, "Send the quote", "Action   Send the quote")
    fill_in(tmux, ann, "tomorrow 11:00", "When     tomorrow 11:00")
    fill_in(tmux, ann, " ", "[x] Agreed by the buyer")
    fill_in(tmux, ann, " ", "[x] Advances the sale")
    assert "Acorn" not in tmux.screen(maria)

    pressed = time.monotonic()
    tmux.keys(ann, "C-s")
    tmux.wait_for(ann, lambda screen: "New lead" not in screen and "Acorn" in screen)
    saved = time.monotonic()
    screen = tmux.wait_for(maria, shows_all("Acorn"), seconds=10)
    seen = time.monotonic()

    delay = seen - pressed
    print(
        f"\nrefresh: the rep's screen showed the lead {saved - pressed:.2f} s "
        f"after ctrl+s, the manager's {delay:.2f} s after it"
    )
    assert delay < REFRESH_LIMIT, f"the manager saw it after {delay:.2f} s"
    assert "Acorn" not in tmux.screen(office.bob.name)
    [row] = [line for line in screen.splitlines() if line.split()[:1] == ["Acorn"]]
    assert ann in row, screen  # the manager's list names the lead's rep


def fill_in(tmux: Tmux, window: str, text: str, shown: str) -> None:
    """Type into the focused field, see it land, and move to the next one.

    TODO: Textual applies Tab's change of focus only after the keys that
    arrived with it in one read, so ``Acorn<Tab>Ltd`` sent at once puts
    ``AcornLtd`` in the first field; the pause keeps Tab apart from the
    next field's keys, as a typist would.
    """
    tmux.type(window, text)
    tmux.wait_for(window, shows_all(shown))
    tmux.keys(window, "Tab")
    time.sleep(TAB_PAUSE)


def test_a_dropped_connection_leaves_nothing_locked(office: Office) -> None:
    tmux, bob, maria = office.tmux, office.bob, office.maria.name
    before = lead_ids(office, bob)
    # In the middle of an edit: the step editor open, an outcome half typed.
    tmux.keys(bob.name, "d")
    tmux.wait_for(bob.name, shows_all("Step done"))
    tmux.type(bob.name, "They asked for")
    tmux.wait_for(bob.name, shows_all("They asked for"))
    assert _running_nextstep(bob), "bob's app is not running on the server"

    os.kill(tmux.pane_pid(bob.name), signal.SIGKILL)  # the ssh client
    cut = time.monotonic()
    while _running_nextstep(bob) and time.monotonic() - cut < 5:
        time.sleep(0.05)
    left = _running_nextstep(bob)
    assert not left, f"still running 5 s after the connection dropped: {left}"
    print(
        f"\nbob's app ended {time.monotonic() - cut:.2f} s after the drop; its "
        f"log: {_last_words(bob)!r}; bob still runs {processes_of(bob.uid)}"
    )

    # A fresh connection as bob: the write lock is free at once, the file sound.
    check = (
        "import sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], timeout=0.1, isolation_level=None)\n"
        "db.execute('BEGIN IMMEDIATE')\n"
        "db.execute('ROLLBACK')\n"
        "print(db.execute('PRAGMA integrity_check').fetchone()[0])\n"
    )
    said = office.remote(
        bob, str(office.runtime.python), "-c", check, str(office.database)
    )
    assert said.split() == ["ok"]
    # The step he was completing is still the one he had.
    leads = json.loads(
        office.remote(
            bob, str(office.runtime.python), "-m", "nextstep_tui", "list", "--json"
        )
    )
    steps = {lead["name"]: lead["action"] for lead in leads}
    assert steps == {name: f"Call {name}" for name in before}

    # And the manager's app lives on: bob's next lead, typed at the shell,
    # appears there unasked.
    nextstep = [str(office.runtime.python), "-m", "nextstep_tui"]
    office.remote(bob, *nextstep, *firm_lead("Bramble", "tomorrow 12:00"))
    added = time.monotonic()
    tmux.wait_for(maria, shows_all("Bramble"), seconds=10)
    print(f"manager saw bob's lead {time.monotonic() - added:.2f} s after it was added")
    assert time.monotonic() - added < REFRESH_LIMIT


def _last_words(login: Login) -> list[str]:
    """The last lines of the app's log in ``login``'s home."""
    lines = []
    for log in login.home.rglob("nextstep.log"):
        lines += log.read_text(errors="replace").splitlines()[-2:]
    return lines


def _running_nextstep(login: Login) -> list[str]:
    return [
        command
        for command in processes_of(login.uid).values()
        if "nextstep_tui" in command
    ]
