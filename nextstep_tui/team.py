"""A team on one shared server: its configuration file, and who is who.

``nextstep team init DIR --group sales`` makes DIR with the team's database
and ``team.toml``, so that the group's members can use them and nobody else
can. A database with a ``team.toml`` beside it that names it is the team's,
however a rep names it (a path, a URL, a symlink); the database also
remembers it, so a copy opened elsewhere is refused. Who a rep is comes from
the operating system (the login, its groups), never from the environment.

    # team.toml
    database = "pipeline.db"     # the file's name, beside this one
    group = "sales"              # the unix group whose members are the team
    zone = "Europe/Berlin"       # months of team reports (cohorts)
    managers = ["maria"]         # logins that see everyone's pipeline
    manager_group = "sales-leads"  # and, if set, this group's members
    target = 30                  # open leads each rep aims to keep firm
    hopium_threshold = 3

    [targets]                    # a rep's own target, if not the team's
    ann = 40
"""

from __future__ import annotations

import grp
import os
import pwd
import stat
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import peewee

from nextstep_tui.config import valid_zone
from nextstep_tui.core.access import Access
from nextstep_tui.core.errors import InvalidInput, StorageError

CONFIG_NAME = "team.toml"
DATABASE_NAME = "pipeline.db"

# The directory: owner and group may do anything, others nothing; new files
# inside take the directory's group (setgid), and only a file's owner may
# rename or delete it (sticky): no rep can swap team.toml for their own.
# SQLite copes with a -wal file it may not delete: the next session uses it.
DIRECTORY_MODE = 0o3770
DATABASE_MODE = 0o660
# Reps read the team's configuration; only its owner (who made the team)
# changes it, or any rep could name themselves a manager.
CONFIG_MODE = 0o640


@dataclass(frozen=True)
class Team:
    """One team's configuration, read from its ``team.toml``."""

    file: Path
    group: str
    database: str
    zone: str | None = None
    managers: tuple[str, ...] = ()
    manager_group: str | None = None
    target: int | None = None
    hopium_threshold: int | None = None
    targets: dict[str, int] = field(default_factory=dict)

    def target_of(self, rep: str) -> int | None:
        return self.targets.get(rep, self.target)

    def is_manager(self, rep: str) -> bool:
        """``rep`` manages: named in the file, or in the managers' group."""
        if rep in self.managers:
            return True
        if self.manager_group is None:
            return False
        return self.manager_group in set(groups_of(rep))

    def members(self) -> frozenset[str]:
        """The group's logins (listed, or with it as their own group) and
        the managers."""
        names = set(self.managers) | members_of_group(self.group)
        if self.manager_group:
            names |= members_of_group(self.manager_group)
        return frozenset(names)

    def access_for(self, rep: str) -> Access:
        return Access(
            rep=rep,
            team=self.group,
            manager=self.is_manager(rep),
            members=self.members(),
            managers=tuple(sorted(set(self.managers))),
        )


def groups_of(login: str) -> Iterator[str]:
    """The groups of ``login``: of this process when it is the login that
    runs it (what the kernel checks), else from the group database."""
    if login == pwd.getpwuid(os.getuid()).pw_name:
        gids = {os.getgid(), *os.getgroups()}
    else:
        try:
            user = pwd.getpwnam(login)
        except KeyError:
            return
        gids = set(os.getgrouplist(login, user.pw_gid))
    for gid in gids:
        try:
            yield grp.getgrgid(gid).gr_name
        except KeyError:
            continue


def login_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


def members_of_group(name: str) -> set[str]:
    try:
        group = grp.getgrnam(name)
    except KeyError:
        return set()
    names = set(group.gr_mem)
    names |= {user.pw_name for user in pwd.getpwall() if user.pw_gid == group.gr_gid}
    return names


# -- reading ------------------------------------------------------------------

_KEYS: dict[str, type | tuple[type, ...]] = {
    "database": str,
    "group": str,
    "zone": str,
    "managers": list,
    "manager_group": str,
    "target": int,
    "hopium_threshold": int,
    "targets": dict,
}


def load_team(path: Path) -> Team:
    """Read and check ``team.toml``; every mistake names the file."""
    path = path.expanduser()
    if path.is_dir():
        path = path / CONFIG_NAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InvalidInput(f"No team configuration at {path}.") from None
    except PermissionError:
        raise InvalidInput(
            f"You may not read the team configuration {path}: are you in the "
            "team's group? (`id` lists your groups; a new member logs in again.)"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise InvalidInput(
            f"Cannot read the team configuration {path}: {error}"
        ) from None
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"{path} is not valid TOML: {error}") from None

    for key, value in data.items():
        wanted = _KEYS.get(key)
        if wanted is None:
            known = ", ".join(_KEYS)
            raise InvalidInput(f"{path}: unknown setting {key!r} (known: {known}).")
        if not isinstance(value, wanted) or isinstance(value, bool):
            raise InvalidInput(f"{path}: {key} has the wrong type: {value!r}.")
    for key in ("group", "database"):
        if not data.get(key):
            raise InvalidInput(f"{path}: {key} is missing.")
    zone = data.get("zone")
    if zone is not None and not valid_zone(zone):
        raise InvalidInput(f"{path}: unknown time zone {zone!r}.")
    managers = data.get("managers", [])
    if not all(isinstance(name, str) and name for name in managers):
        raise InvalidInput(f"{path}: managers must be a list of login names.")
    targets = data.get("targets", {})
    for number in [data.get("target"), data.get("hopium_threshold"), *targets.values()]:
        if number is not None and (
            not isinstance(number, int) or isinstance(number, bool) or number < 1
        ):
            raise InvalidInput(f"{path}: targets are whole numbers of at least 1.")

    if Path(data["database"]).name != data["database"]:
        # Beside it, in the folder only the team can enter; a path elsewhere
        # would let whoever writes there choose the team's rules.
        raise InvalidInput(
            f"{path}: database is a file name beside team.toml, not a path: "
            f"{data['database']!r}."
        )
    database = path.parent / data["database"]
    return Team(
        file=path.resolve(),
        group=data["group"],
        database=str(database),
        zone=zone,
        managers=tuple(managers),
        manager_group=data.get("manager_group"),
        target=data.get("target"),
        hopium_threshold=data.get("hopium_threshold"),
        targets=dict(targets),
    )


# -- making one ---------------------------------------------------------------


def create_team(
    directory: Path,
    group: str,
    *,
    managers: tuple[str, ...] = (),
    zone: str | None = None,
) -> Team:
    """Make ``directory``, its team database and ``team.toml``, for ``group``.

    Every file gets the group and its rights whatever the umask, and the
    directory's setgid bit gives the group to the files SQLite adds later.
    """
    from nextstep_tui.storage.database import open_database, remember_team
    from nextstep_tui.storage.upkeep import NETWORK_FILESYSTEMS, filesystem_of

    directory = directory.expanduser().absolute()
    if not group.strip():
        raise InvalidInput("Name the team's unix group: --group GROUP.")
    try:
        gid = grp.getgrnam(group).gr_gid
    except KeyError:
        raise InvalidInput(
            f"There is no group {group!r} on this server; make it first "
            f"(groupadd {group}) and add the reps to it."
        ) from None
    if os.geteuid() != 0 and gid not in {os.getgid(), *os.getgroups()}:
        raise InvalidInput(
            f"You are not in the group {group}: only its members (or root) can "
            "make its team. (`id` lists your groups.)"
        )
    for name in managers:
        if not login_exists(name):
            raise InvalidInput(f"{name} is not a login on this server.")
    if zone is not None and not valid_zone(zone):
        raise InvalidInput(f"Unknown time zone {zone!r}.")
    if directory.exists() and not directory.is_dir():
        raise InvalidInput(f"{directory} is a file; name a new folder.")
    made = not directory.exists()
    if not made and any(directory.iterdir()):
        raise InvalidInput(f"{directory} exists and is not empty; name a new folder.")
    kind = filesystem_of(directory.parent)
    if kind in NETWORK_FILESYSTEMS:
        raise StorageError(
            f"{directory.parent} is on {kind}, a network file system, where "
            "SQLite's locks are not safe. Put the team on a local disk, or on "
            "PostgreSQL."
        )

    database = directory / DATABASE_NAME
    config = directory / CONFIG_NAME
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _give(directory, gid, DIRECTORY_MODE)
        _create_file(database, gid, DATABASE_MODE)
        config_text = _config_text(group, managers, zone)
        _create_file(config, gid, CONFIG_MODE, config_text)
    except OSError as error:
        for path in (config, database):
            path.unlink(missing_ok=True)
        if made:
            directory.rmdir()
        raise StorageError(f"Cannot make the team in {directory}: {error}") from None

    db = open_database(str(database))
    try:
        remember_team(db, config)
    finally:
        db.close()
    return load_team(config)


def _config_text(group: str, managers: tuple[str, ...], zone: str | None) -> str:
    quoted = ", ".join(_toml_string(name) for name in managers)
    lines = [
        "# nextstep team configuration: see `nextstep team --help`.",
        f"database = {_toml_string(DATABASE_NAME)}",
        f"group = {_toml_string(group)}",
        f"managers = [{quoted}]",
        '# manager_group = "sales-leads"',
    ]
    lines.append(f"zone = {_toml_string(zone)}" if zone else '# zone = "UTC"')
    lines += ["target = 30", "hopium_threshold = 3", "", "[targets]", ""]
    return "\n".join(lines)


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'


def _create_file(path: Path, gid: int, mode: int, text: str = "") -> None:
    descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    try:
        os.fchown(descriptor, -1, gid)
        os.fchmod(descriptor, mode)  # the umask took some bits away
        os.write(descriptor, text.encode("utf-8"))
    finally:
        os.close(descriptor)


def _give(path: Path, gid: int, mode: int) -> None:
    os.chown(path, -1, gid)
    os.chmod(path, mode)


# -- checking one -------------------------------------------------------------


def team_warnings(team: Team) -> list[str]:
    """What would keep the team from working, said once it is made."""
    warnings = []
    in_group = members_of_group(team.group)
    if not in_group:
        warnings.append(
            f"the group {team.group} has no members yet: add the reps "
            f"(usermod -aG {team.group} LOGIN); they log in again after."
        )
    for name in team.managers:
        if name not in in_group:
            warnings.append(f"{name} manages but is not in {team.group}: add them.")
    for folder in team.file.parent.parents:
        if not folder.stat().st_mode & 0o001:
            warnings.append(
                f"{folder} is closed to others: the reps cannot reach the team "
                "through it (chmod o+x, or put the team elsewhere)."
            )
            break
    return warnings


def check_rights(team: Team) -> list[tuple[str, str, str]]:
    """Each file of the team with its rights, and a warning where they are
    wrong: (name, value, warning or '')."""
    try:
        gid = grp.getgrnam(team.group).gr_gid
    except KeyError:
        return [("team group", team.group, "no such group on this server")]

    database = Path(team.database)
    folder = team.file.parent
    wanted = [
        (folder, DIRECTORY_MODE),
        (team.file, CONFIG_MODE),
        (database, DATABASE_MODE),
    ]
    wanted += [
        (Path(f"{database}{suffix}"), DATABASE_MODE) for suffix in ("-wal", "-shm")
    ]
    facts = []
    for path, mode in wanted:
        try:
            info = path.stat()
        except FileNotFoundError:
            continue
        except OSError as error:
            facts.append((path.name, str(error), "cannot look at it"))
            continue
        have = stat.S_IMODE(info.st_mode)
        problems = []
        if info.st_gid != gid:
            problems.append(f"its group is not {team.group}")
        if have & 0o007:
            problems.append("others have access")
        if (have & mode & 0o070) != (mode & 0o070):
            problems.append(f"the group lacks rights (want {mode:04o})")
        if path == folder and have & 0o7000 != DIRECTORY_MODE & 0o7000:
            problems.append(
                f"want {DIRECTORY_MODE:04o}: setgid gives new files the group, "
                "sticky keeps reps from replacing others' files"
            )
        if path == team.file:
            if have & 0o022:
                problems.append("the group may rewrite it: any rep could be manager")
            if info.st_uid != folder.stat().st_uid:
                problems.append("it is not owned by the folder's owner")
        rights = f"{have:04o} group {_group_name(info.st_gid)}  {path}"
        facts.append(("team rights", rights, "; ".join(problems)))
    return facts


def team_for(target: str, db: peewee.Database) -> Team | None:
    """The team whose rules apply to the database ``target`` opened as
    ``db``, its ``team.toml`` read once; None for a personal database.

    For a file, the one beside it (links resolved) that names it; a file
    that remembers a team but has none beside it was copied or linked away
    from it, and is refused. For a server, the one it remembers.
    """
    from nextstep_tui.storage.database import database_file, team_file

    remembered = team_file(db)
    path = database_file(target)
    if path is None:
        return load_team(remembered) if remembered is not None else None
    real = path.resolve()
    beside = real.parent / CONFIG_NAME
    if beside.exists():
        team = load_team(beside)
        if Path(team.database).resolve() == real:
            return team
    if remembered is None:
        return None
    if remembered.parent == real.parent:
        raise StorageError(
            f"{path} is a team's database, but its {CONFIG_NAME} is missing; "
            "whoever made the team can put it back (nextstep team --help)."
        )
    raise StorageError(
        f"{path} is a team's database (its {CONFIG_NAME} is {remembered}) "
        "opened away from its folder; open the team's own file."
    )


def _group_name(gid: int) -> str:
    try:
        return grp.getgrgid(gid).gr_name
    except KeyError:
        return str(gid)
