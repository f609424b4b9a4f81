#!/usr/bin/env python3
"""Set up and run nextstep from a fresh clone, with nothing but Python 3.11+.

    python3 dev.py app     # make .venv, install, open the app
    python3 dev.py test    # make .venv, install with test tools, check and test

Extra words after ``app`` go to ``nextstep``; after ``test``, to pytest.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
CHECKED = ["nextstep_tui", "tests", "scripts", "benchmarks", "dev.py"]


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - run by whatever python3 is here
        print("nextstep needs Python 3.11 or newer.", file=sys.stderr)
        return 2
    if not argv or argv[0] not in ("app", "test"):
        print(__doc__.strip(), file=sys.stderr)
        return 2

    command, rest = argv[0], argv[1:]
    if command == "app":
        install("")
        return run([str(BIN / "nextstep"), *rest])

    install("[test]")
    for check in (
        ["ruff", "format", "--check", *CHECKED],
        ["ruff", "check", *CHECKED],
        ["mypy"],
    ):
        code = run([str(BIN / check[0]), *check[1:]])
        if code:
            return code
    install_system_packages()
    # The PostgreSQL half of the storage and domain tests must run, not skip;
    # so must the SSH end-to-end check where it can (it makes logins: root).
    os.environ["NEXTSTEP_REQUIRE_PG"] = "1"
    if os.geteuid() == 0:
        os.environ["NEXTSTEP_REQUIRE_SSH"] = "1"
    return run([str(BIN / "pytest"), *rest])


# What the tests run besides Python: a PostgreSQL server, and an SSH server,
# client and tmux for the team's end-to-end check. Debian package: a program.
SYSTEM_PACKAGES = {
    "postgresql": "/usr/lib/postgresql/*/bin/initdb",
    "openssh-server": "/usr/sbin/sshd",
    "openssh-client": "/usr/bin/ssh",
    "tmux": "/usr/bin/tmux",
}


def install_system_packages() -> None:
    """Install what the tests need from Debian, if missing and we can."""
    missing = [name for name, path in SYSTEM_PACKAGES.items() if not glob.glob(path)]
    if not missing:
        return
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        print(
            f"Not installed: {', '.join(missing)}; the tests that need them will "
            "fail or skip (install them).",
            file=sys.stderr,
        )
        return
    print(
        f"Installing {', '.join(missing)} for the tests (apt-get) ...", file=sys.stderr
    )
    quiet = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Installing a server must not start it on every address: the tests
    # start their own, on loopback. policy-rc.d tells Debian not to start.
    policy = Path("/usr/sbin/policy-rc.d")
    made_policy = not policy.exists()
    if made_policy:
        policy.write_text("#!/bin/sh\nexit 101\n")
        policy.chmod(0o755)
    try:
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", *missing],
        ):
            subprocess.run(command, env=quiet, stdout=subprocess.DEVNULL, check=True)
    finally:
        if made_policy:
            policy.unlink()


def install(extras: str) -> None:
    """Make the virtual environment and install the package in it, editable."""
    if not (BIN / "python").exists():
        print("Creating .venv ...", file=sys.stderr)
        venv.create(VENV, with_pip=True)
    stamp = VENV / f".installed{extras or '[app]'}"
    pyproject = ROOT / "pyproject.toml"
    if stamp.exists() and stamp.stat().st_mtime >= pyproject.stat().st_mtime:
        return
    print(f"Installing nextstep{extras} into .venv ...", file=sys.stderr)
    pip = [
        str(BIN / "python"),
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]
    code = run([*pip, "-e", f".{extras}"])
    if code:
        raise SystemExit(code)
    stamp.touch()


def run(command: list[str]) -> int:
    return subprocess.call(command, cwd=ROOT)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
