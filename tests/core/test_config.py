"""Settings come from one file, the environment, and the system, in that order."""

from __future__ import annotations

from pathlib import Path

import pytest

from nextstep_tui.config import load_settings
from nextstep_tui.core.errors import InvalidInput


def write(tmp_path: Path, text: str) -> dict[str, str]:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return {"NEXTSTEP_CONFIG": str(path)}


def test_defaults_without_a_file(tmp_path: Path) -> None:
    settings = load_settings({"TZ": "America/New_York"})

    assert settings.zone == "America/New_York"
    assert settings.hopium_threshold == 3
    assert settings.target == 30
    assert settings.database.endswith("pipeline.db")
    assert settings.config_file is None


def test_file_values_win_over_tz(tmp_path: Path) -> None:
    env = write(tmp_path, 'zone = "Asia/Tokyo"\nhopium_threshold = 5\ntarget = 12\n')
    env["TZ"] = "Europe/Paris"

    settings = load_settings(env)

    assert (settings.zone, settings.hopium_threshold, settings.target) == (
        "Asia/Tokyo",
        5,
        12,
    )


def test_db_option_beats_environment_beats_file(tmp_path: Path) -> None:
    env = write(tmp_path, 'database = "/from/file.db"\n')
    assert load_settings(env).database == "/from/file.db"
    env["NEXTSTEP_DB"] = "/from/env.db"
    assert load_settings(env).database == "/from/env.db"
    assert load_settings(env, database="/from/option.db").database == "/from/option.db"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('zone = "Europe/Paris"\ntarget = "many"\n', "line 2: target must be int"),
        ("target = 10\nhopium = 3\n", "line 2: unknown setting 'hopium'"),
        ("target = 0\n", "line 1: target must be at least 1"),
        ("target = true\n", "line 1: target must be int"),
        ('zone = "Mars/Olympus"\n', "Unknown time zone 'Mars/Olympus'"),
        ("target = \n", "line 1"),
    ],
)
def test_bad_files_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        load_settings(write(tmp_path, text))


def test_a_named_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="does not exist"):
        load_settings({"NEXTSTEP_CONFIG": str(tmp_path / "nope.toml")})


def test_rep_is_the_login_account_not_an_env_var() -> None:
    import os
    import pwd

    settings = load_settings({"USER": "mallory", "LOGNAME": "mallory"})
    assert settings.rep == pwd.getpwuid(os.getuid()).pw_name
