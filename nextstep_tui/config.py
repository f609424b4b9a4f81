"""Settings: where things live, the rep's zone and the pipeline's numbers.

Read once at start from a TOML file (the user's config directory, or the file
named by ``NEXTSTEP_CONFIG``) into one frozen object.
"""

from __future__ import annotations

import os
import pwd
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pendulum
import platformdirs

from nextstep_tui.core.errors import InvalidInput

APP_NAME = "nextstep"

DEFAULT_HOPIUM_THRESHOLD = 3
DEFAULT_TARGET = 30


@dataclass(frozen=True)
class Settings:
    """Everything the app reads from the environment, resolved once."""

    database: str
    zone: str
    hopium_threshold: int = DEFAULT_HOPIUM_THRESHOLD
    target: int = DEFAULT_TARGET
    rep: str = "rep"
    config_file: Path | None = None
    log_dir: Path | None = None


def config_path(env: Mapping[str, str]) -> Path:
    """The configuration file in use: ``NEXTSTEP_CONFIG`` or the XDG default."""
    named = env.get("NEXTSTEP_CONFIG")
    if named:
        return Path(named).expanduser()
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_database() -> str:
    return str(Path(platformdirs.user_data_dir(APP_NAME)) / "pipeline.db")


def state_dir() -> Path:
    """Where the log file goes (never the terminal the app draws on)."""
    return Path(platformdirs.user_state_dir(APP_NAME))


def current_rep() -> str:
    """The login account this process runs as, from the operating system."""
    return pwd.getpwuid(os.getuid()).pw_name


def system_zone() -> str:
    try:
        name = pendulum.now().timezone_name
    except Exception:  # an unreadable /etc/localtime must not stop the app
        return "UTC"
    return name if isinstance(name, str) and name else "UTC"


def valid_zone(name: str) -> bool:
    try:
        pendulum.timezone(name)
    except Exception:
        return False
    return True


_KEYS: dict[str, type] = {
    "zone": str,
    "hopium_threshold": int,
    "target": int,
    "database": str,
    "team": str,
}


def load_settings(
    env: Mapping[str, str] | None = None, database: str | None = None
) -> Settings:
    """Resolve settings: ``--db`` beats ``NEXTSTEP_DB`` beats the file's."""
    env = os.environ if env is None else env
    path = config_path(env)
    values = _read_file(path, explicit="NEXTSTEP_CONFIG" in env)

    zone = values.get("zone") or env.get("TZ") or system_zone()
    zone = zone.lstrip(":")
    if not valid_zone(zone):
        where = f" ({path})" if "zone" in values else " (from TZ)"
        raise InvalidInput(f"Unknown time zone {zone!r}{where}.")

    return Settings(
        database=database
        or env.get("NEXTSTEP_DB")
        or values.get("database")
        or _team_database(env.get("NEXTSTEP_TEAM") or values.get("team"))
        or default_database(),
        zone=zone,
        hopium_threshold=values.get("hopium_threshold", DEFAULT_HOPIUM_THRESHOLD),
        target=values.get("target", DEFAULT_TARGET),
        rep=current_rep(),
        config_file=path if path.exists() else None,
        log_dir=state_dir(),
    )


def fallback_settings(database: str | None = None) -> Settings:
    """What is known without the config file: the login, the zone."""
    zone = os.environ.get("TZ", "").lstrip(":")
    return Settings(
        database=database or "(unknown: the settings cannot be read)",
        zone=zone if zone and valid_zone(zone) else system_zone(),
        rep=current_rep(),
        log_dir=state_dir(),
    )


def _team_database(team: str | None) -> str | None:
    """The database a team's ``team.toml`` (or its folder) names."""
    if not team:
        return None
    from nextstep_tui.team import CONFIG_NAME, DATABASE_NAME, load_team

    path = Path(team).expanduser()
    try:
        return load_team(path).database
    except InvalidInput:
        # A broken team.toml is the database's to report, with its file:
        # opening it says what is wrong, and doctor tells the rest.
        folder = path if path.name != CONFIG_NAME else path.parent
        try:
            found = (folder / DATABASE_NAME).exists()
        except OSError:  # a folder this login may not enter
            found = False
        if found:
            return str(folder / DATABASE_NAME)
        raise


def _read_file(path: Path, explicit: bool) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        if explicit:
            raise InvalidInput(f"Config file {path} does not exist.") from None
        return {}
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(f"Cannot read config file {path}: {error}") from None

    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"Config file {path} is not valid TOML: {error}") from None

    return _check(data, text, path)


def _check(data: dict, text: str, path: Path) -> dict:
    for key, value in data.items():
        line = _line_of(key, text)
        if key not in _KEYS:
            known = ", ".join(_KEYS)
            raise InvalidInput(
                f"{path}, line {line}: unknown setting {key!r} (known: {known})."
            )
        wanted = _KEYS[key]
        if not isinstance(value, wanted) or isinstance(value, bool):
            raise InvalidInput(
                f"{path}, line {line}: {key} must be {wanted.__name__}, not {value!r}."
            )
        if isinstance(value, int) and value < 1:
            raise InvalidInput(f"{path}, line {line}: {key} must be at least 1.")
    return data


def _line_of(key: str, text: str) -> int:
    pattern = re.compile(rf"^\s*{re.escape(key)}\s*=")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return number
    return 1
