"""End-to-end checks on a real server: they need root and may be run alone."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "e2e: a check on a real server (sshd, logins, tmux); "
        "run alone with `.venv/bin/pytest tests/e2e -q`",
    )
