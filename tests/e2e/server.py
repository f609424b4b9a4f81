"""A throwaway shared server for end-to-end checks, all of it undone at the end.

``Accounts`` makes a unix group and logins, ``SshServer`` runs OpenSSH on
loopback with its own key and configuration, and ``Tmux`` runs terminals on
its own socket and reads back what they show. Each keeps what it made, and
``close`` removes only that, even after a failure half way.
"""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SSHD = Path("/usr/sbin/sshd")
# Debian's sshd refuses to start without its privilege separation directory,
# which its service unit usually makes.
PRIVSEP_DIR = Path("/run/sshd")
TOOLS = (
    "ssh",
    "ssh-keygen",
    "tmux",
    "runuser",
    "useradd",
    "userdel",
    "groupadd",
    "groupdel",
)
COMMAND_SECONDS = 30


def run(argv: Sequence[str], **options: object) -> subprocess.CompletedProcess[str]:
    """Run a command to its end; a failure carries its output."""
    done = subprocess.run(
        list(argv),
        capture_output=True,
        text=True,
        timeout=COMMAND_SECONDS,
        **options,  # type: ignore[call-overload]
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{shlex.join(argv)} failed ({done.returncode}): "
            f"{done.stdout}{done.stderr}".strip()
        )
    return done


def processes_of(uid: int) -> dict[int, str]:
    """Every running process whose real user is ``uid``, with its command line."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            command = (entry / "cmdline").read_bytes()
        except OSError:  # it ended while we looked
            continue
        fields = dict(line.split(":\t", 1) for line in status.splitlines())
        if int(fields["Uid"].split()[0]) == uid:
            # A zombie has no command line: its name and state say what it was.
            words = command.replace(b"\0", b" ").decode(errors="replace").strip()
            found[int(entry.name)] = words or f"[{fields['Name']}] {fields['State']}"
    return found


def kill_all(pids: Sequence[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):  # it ended by itself
            os.kill(pid, signal.SIGKILL)


# -- logins -------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    name: str
    home: Path

    @property
    def uid(self) -> int:
        return pwd.getpwnam(self.name).pw_uid


@dataclass
class Accounts:
    """A unix group and logins made for one run."""

    groups: list[str] = field(default_factory=list)
    logins: list[Login] = field(default_factory=list)

    def add_group(self, name: str) -> None:
        self.groups.append(name)  # before, so a half-made one is removed too
        run(["groupadd", name])

    def add_login(self, name: str, home: Path, group: str) -> Login:
        """A login with its own group and ``group`` besides, a home, and no
        password (``*``: none matches, yet the account is not locked, which
        sshd without PAM would refuse)."""
        login = Login(name, home)
        self.logins.append(login)
        run(
            [
                "useradd",
                "--create-home",
                "--home-dir",
                str(home),
                "--shell",
                "/bin/sh",
                "--user-group",
                "--groups",
                group,
                "--password",
                "*",
                name,
            ]
        )
        return login

    def close(self) -> list[str]:
        """Remove the logins (ending what they still run) and the groups;
        what could not be removed, in words."""
        problems = []
        for login in self.logins:
            try:
                uid = login.uid
            except KeyError:
                continue
            left = _ended(uid, seconds=5)  # a hung-up session takes a moment
            if left:
                problems.append(f"{login.name} still ran {sorted(left.values())}")
                kill_all(list(left))
                _ended(uid, seconds=2)
            done = subprocess.run(["userdel", login.name], capture_output=True)
            if done.returncode != 0:
                problems.append(f"userdel {login.name}: {done.stderr.decode()}")
            if _group_exists(login.name):  # its own group, if userdel left it
                subprocess.run(["groupdel", login.name], capture_output=True)
        for name in self.groups:
            if _group_exists(name):
                done = subprocess.run(["groupdel", name], capture_output=True)
                if done.returncode != 0:
                    problems.append(f"groupdel {name}: {done.stderr.decode()}")
        return problems


def _ended(uid: int, seconds: float) -> dict[int, str]:
    """Wait for ``uid``'s processes to end; those still running."""
    deadline = time.monotonic() + seconds
    while (left := processes_of(uid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    return left


def _group_exists(name: str) -> bool:
    try:
        grp.getgrnam(name)
    except KeyError:
        return False
    return True


def name_is_free(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return not _group_exists(name)
    return False


# -- the SSH server -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def make_key(path: Path) -> Path:
    """An ed25519 key pair without a passphrase; returns the private key."""
    run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "e2e", "-f", str(path)])
    return path


@dataclass
class SshServer:
    """OpenSSH on 127.0.0.1 only, everything it reads or writes in ``folder``."""

    folder: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = None
    made_privsep_dir: bool = False

    @property
    def log(self) -> Path:
        return self.folder / "sshd.log"

    def start(self, logins: Sequence[str], public_key: Path) -> None:
        self.folder.mkdir(mode=0o755)
        keys = self.folder / "authorized_keys"
        keys.write_text(public_key.read_text())
        keys.chmod(0o644)  # sshd reads it as the login
        host_key = make_key(self.folder / "host_ed25519")
        if not PRIVSEP_DIR.exists():
            PRIVSEP_DIR.mkdir(mode=0o755)
            self.made_privsep_dir = True

        for _ in range(3):  # another program may take the port in between
            self.port = free_port()
            config = self.folder / "sshd_config"
            config.write_text(self._config(host_key, keys, logins))
            with self.log.open("wb") as log:
                self.process = subprocess.Popen(
                    [str(SSHD), "-D", "-e", "-f", str(config)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"},
                )
            if self._listening():
                return
            self.stop()
        raise RuntimeError(f"sshd did not start:\n{self.log_text()}")

    def _config(self, host_key: Path, keys: Path, logins: Sequence[str]) -> str:
        return "\n".join(
            [
                "ListenAddress 127.0.0.1",
                f"Port {self.port}",
                f"HostKey {host_key}",
                f"PidFile {self.folder / 'sshd.pid'}",
                f"AuthorizedKeysFile {keys}",
                "AuthenticationMethods publickey",
                "PubkeyAuthentication yes",
                "PasswordAuthentication no",
                "KbdInteractiveAuthentication no",
                "UsePAM no",
                "StrictModes no",
                "PermitRootLogin no",
                f"AllowUsers {' '.join(logins)}",
                "PermitUserEnvironment no",
                "X11Forwarding no",
                "AllowTcpForwarding no",
                "PrintMotd no",
                "PrintLastLog no",
                "LogLevel VERBOSE",
                "",
            ]
        )

    def _listening(self, seconds: float = 10) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if "Server listening on 127.0.0.1" in self.log_text():
                return True
            if self.process is None or self.process.poll() is not None:
                return False
            time.sleep(0.05)
        return False

    def log_text(self) -> str:
        try:
            return self.log.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            # Its sessions are its children; they end with their connections.
            process.terminate()
            try:
                process.wait(5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        if self.made_privsep_dir:
            self.made_privsep_dir = False
            PRIVSEP_DIR.rmdir()

    def ssh_argv(
        self, key: Path, login: str, *remote: str, tty: bool = False
    ) -> list[str]:
        """The ssh client's command line for ``login`` here, running ``remote``."""
        return [
            "ssh",
            "-F",
            "/dev/null",  # no user or system client configuration
            *(["-tt"] if tty else ["-T"]),
            "-i",
            str(key),
            "-p",
            str(self.port),
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "StrictHostKeyChecking=no",
            "-o",
            "UserKnownHostsFile=/dev/null",
            "-o",
            "GlobalKnownHostsFile=/dev/null",
            "-o",
            "LogLevel=ERROR",
            f"{login}@127.0.0.1",
            *remote,
        ]


# -- terminals ----------------------------------------------------------------

TMUX_CONFIG = """\
set -g status off
set -g default-size 80x24
set -g remain-on-exit on
set -g history-limit 100
"""


@dataclass
class Tmux:
    """A tmux server on its own socket; ``close`` ends that server only."""

    folder: Path
    socket_name: str
    windows: dict[str, str] = field(default_factory=dict)  # name: window id
    started: bool = False

    def _tmux(self, *args: str) -> str:
        env = {key: value for key, value in os.environ.items() if key not in ("TMUX",)}
        env["LANG"] = "C.UTF-8"
        config = self.folder / "tmux.conf"
        if not config.exists():
            config.write_text(TMUX_CONFIG)
        argv = ["tmux", "-L", self.socket_name, "-f", str(config), *args]
        return run(argv, env=env).stdout

    def open(self, name: str, argv: Sequence[str]) -> str:
        """A new 80x24 window named ``name`` running ``argv`` (no shell)."""
        if not self.started:
            self.started = True
            command = ["new-session", "-d", "-s", "e2e", "-x", "80", "-y", "24"]
        else:
            command = ["new-window", "-d", "-t", "e2e"]
        window = self._tmux(
            *command, "-n", name, "-P", "-F", "#{window_id}", "--", *argv
        ).strip()
        self.windows[name] = window
        return window

    def screen(self, name: str) -> str:
        return self._tmux("capture-pane", "-p", "-t", self.windows[name])

    def keys(self, name: str, *keys: str) -> None:
        """Press keys by tmux's names (``Enter``, ``Tab``, ``C-s``, ``5``)."""
        self._tmux("send-keys", "-t", self.windows[name], *keys)

    def type(self, name: str, text: str) -> None:
        self._tmux("send-keys", "-l", "-t", self.windows[name], text)

    def pane_pid(self, name: str) -> int:
        return int(
            self._tmux("display-message", "-p", "-t", self.windows[name], "#{pane_pid}")
        )

    def wait_for(
        self, name: str, shows: Callable[[str], bool], seconds: float = 15
    ) -> str:
        """The window's screen once ``shows`` holds for it; fails with the
        last screen when it does not within ``seconds``."""
        deadline = time.monotonic() + seconds
        while True:
            text = self.screen(name)
            if shows(text):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"{name}'s screen after {seconds} s:\n{text}")
            time.sleep(0.05)

    def close(self) -> None:
        if self.started:
            self.started = False
            path = Path(self._tmux("display-message", "-p", "#{socket_path}").strip())
            self._tmux("kill-server")
            path.unlink(missing_ok=True)  # tmux leaves it behind
