"""A team's folder on a shared server: its rights, its configuration, its rules.

The tests that act as another login need root (as CI runs); they use the
``nobody`` account with and without the team's group.
"""

from __future__ import annotations

import grp
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from nextstep_tui.config import Settings
from nextstep_tui.core.errors import InvalidInput, StorageError
from nextstep_tui.core.pipeline import open_pipeline
from nextstep_tui.storage.database import open_database, team_file
from nextstep_tui.team import (
    CONFIG_MODE,
    DATABASE_MODE,
    DIRECTORY_MODE,
    Team,
    check_rights,
    create_team,
    load_team,
)
from tests.conftest import ZONE
from tests.core.helpers import fields, step

NOBODY = 65534
as_root = pytest.mark.skipif(
    os.geteuid() != 0, reason="acting as another login needs root"
)


def own_group() -> str:
    return grp.getgrgid(os.getgid()).gr_name


def team_group() -> tuple[str, int]:
    """A group for the team: as root, one nobody is not in by itself."""
    if os.geteuid() != 0:
        return own_group(), os.getgid()
    group = grp.getgrnam("users")
    return group.gr_name, group.gr_gid


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def settings_for(team: Team, rep: str) -> Settings:
    return Settings(database=team.database, zone=ZONE, rep=rep)


@pytest.fixture(autouse=True)
def known_members(monkeypatch: pytest.MonkeyPatch) -> None:
    """The group's members, as the server's group file would list them."""
    import nextstep_tui.team as team

    real = team.members_of_group
    monkeypatch.setattr(
        team,
        "members_of_group",
        lambda name: real(name) | {"ann", "bob", "maria", "nobody"},
    )
    monkeypatch.setattr(
        team, "login_exists", lambda name: name in {"ann", "bob", "maria", "nobody"}
    )


@pytest.fixture
def shared_tmp() -> Iterator[Path]:
    """A folder that other logins can reach (pytest's own are private)."""
    path = Path(tempfile.mkdtemp(prefix="nextstep-team-"))
    path.chmod(0o755)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def loose_umask() -> Iterator[None]:
    """The umask of a careful rep: the team's files must still be shared."""
    old = os.umask(0o077)
    yield
    os.umask(old)


def test_init_makes_the_folder_for_the_group_only(
    tmp_path: Path, loose_umask: None
) -> None:
    group, gid = team_group()
    team = create_team(tmp_path / "sales", group, managers=("maria",), zone="UTC")

    folder = tmp_path / "sales"
    assert mode(folder) == DIRECTORY_MODE
    assert mode(folder / "pipeline.db") == DATABASE_MODE
    assert mode(folder / "team.toml") == CONFIG_MODE
    for path in folder.iterdir():
        assert path.stat().st_gid == gid, path
        assert mode(path) & 0o007 == 0, path
    assert (team.group, team.managers, team.zone) == (group, ("maria",), "UTC")
    assert team.database == str(folder / "pipeline.db")

    db = open_database(team.database, create=False)
    assert team_file(db) == folder / "team.toml"
    db.close()
    assert [warning for _, _, warning in check_rights(team) if warning] == []


def test_init_refuses_what_it_cannot_do_well(tmp_path: Path) -> None:
    group, _ = team_group()
    with pytest.raises(InvalidInput, match="no group 'no-such-group-x'"):
        create_team(tmp_path / "a", "no-such-group-x")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "keep.txt").write_text("mine")
    with pytest.raises(InvalidInput, match="not empty"):
        create_team(tmp_path / "full", group)
    assert (tmp_path / "full" / "keep.txt").read_text() == "mine"
    with pytest.raises(InvalidInput, match="time zone"):
        create_team(tmp_path / "b", group, zone="Mars/Olympus")
    assert not (tmp_path / "b").exists()


def test_init_refuses_a_network_file_system(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import nextstep_tui.storage.upkeep as upkeep

    monkeypatch.setattr(upkeep, "filesystem_of", lambda path: "nfs4")
    with pytest.raises(StorageError, match="nfs4, a network file system"):
        create_team(tmp_path / "sales", team_group()[0])
    assert not (tmp_path / "sales").exists()


def test_rights_gone_wrong_are_named(tmp_path: Path) -> None:
    team = create_team(tmp_path / "sales", team_group()[0])
    os.chmod(team.file, 0o666)
    os.chmod(tmp_path / "sales", 0o2700)
    warnings = {value.split()[-1]: w for _, value, w in check_rights(team) if w}
    assert "others have access" in warnings[str(team.file)]
    assert "the group lacks rights" in warnings[str(tmp_path / "sales")]


def test_the_database_brings_its_rules_however_named(tmp_path: Path) -> None:
    team = create_team(tmp_path / "sales", team_group()[0], managers=("maria",))
    ann = open_pipeline(settings_for(team, "ann"))
    assert (ann.access.team, ann.access.manager, ann.owner) == (
        team.group,
        False,
        "ann",
    )
    lead_id = ann.add_lead(fields("Acme"), step())
    ann.db.close()

    # Named as sqlite:///..., and asked to show everyone: still Ann's own.
    url = replace(settings_for(team, "ann"), database=f"sqlite:///{team.database}")
    again = open_pipeline(url)
    assert again.owner == "ann" and again.count() == 1
    again.db.close()
    bob = open_pipeline(settings_for(team, "bob"))
    assert bob.count() == 0
    bob.db.close()
    maria = open_pipeline(settings_for(team, "maria"))
    assert maria.access.manager and maria.owner is None
    assert maria.get(lead_id).owner == "ann"
    maria.db.close()


def test_the_teams_numbers_beat_the_reps(tmp_path: Path) -> None:
    team = create_team(tmp_path / "sales", team_group()[0], zone="Asia/Tokyo")
    text = team.file.read_text().replace("target = 30", "target = 12")
    team.file.write_text(text + "ann = 40\n")
    ann = open_pipeline(settings_for(team, "ann"))
    bob = open_pipeline(settings_for(team, "bob"))
    assert (ann.target, bob.target) == (40, 12)
    assert ann.report_zone == "Asia/Tokyo" and ann.zone == ZONE
    ann.db.close()
    bob.db.close()


def test_a_team_database_without_its_configuration_is_refused(
    tmp_path: Path,
) -> None:
    team = create_team(tmp_path / "sales", team_group()[0])
    team.file.rename(tmp_path / "elsewhere.toml")
    with pytest.raises(StorageError, match=r"team\.toml is missing; whoever made"):
        open_pipeline(settings_for(team, "ann"))


def test_the_teams_rules_follow_the_file_however_it_is_reached(
    tmp_path: Path,
) -> None:
    """A symlink elsewhere still finds team.toml; a copy is refused; the
    remembered path does not decide (any member may write the database)."""
    team = create_team(tmp_path / "sales", team_group()[0], managers=("maria",))
    link = tmp_path / "mine.db"
    link.symlink_to(team.database)
    ann = open_pipeline(replace(settings_for(team, "ann"), database=str(link)))
    assert ann.access.team and ann.owner == "ann"
    # A member rewrites what the database remembers: the file beside rules.
    ann.db.execute_sql("DELETE FROM meta WHERE key = 'team_config'")
    ann.db.close()
    again = open_pipeline(settings_for(team, "ann"))
    assert again.access.team and not again.access.manager
    again.db.close()

    copy = tmp_path / "copy.db"
    remembered = create_team(tmp_path / "east", team_group()[0])
    shutil.copy(remembered.database, copy)
    with pytest.raises(StorageError, match="opened away from its folder"):
        open_pipeline(replace(settings_for(team, "ann"), database=str(copy)))


def test_a_manager_group_makes_managers(tmp_path: Path) -> None:
    team = create_team(tmp_path / "sales", team_group()[0])
    mine = own_group()
    with team.file.open("a") as handle:
        handle.write(f'\nmanager_group = "{mine}"\n')
    # The TOML table [targets] would swallow a key written after it.
    text = team.file.read_text().replace("[targets]\n", "")
    team.file.write_text(text)
    me = load_team(team.file)
    login = __import__("pwd").getpwuid(os.getuid()).pw_name
    assert me.is_manager(login)
    assert not me.is_manager("no-such-login-x")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('group = "sales"\n', "database is missing"),
        ('database = "x.db"\ngroup = "sales"\nmanagers = "maria"\n', "wrong type"),
        ('database = "x.db"\ngroup = "sales"\nboss = "maria"\n', "unknown setting"),
        ('database = "x.db"\ngroup = "sales"\nzone = "Nowhere/X"\n', "time zone"),
        ('database = "x.db"\ngroup = "sales"\ntarget = 0\n', "at least 1"),
        ('database = "x.db"\ngroup = "sales"\n[targets]\nann = "many"\n', "at least"),
        ("database = \n", "not valid TOML"),
        ('database = "/srv/x.db"\ngroup = "sales"\n', "a file name beside team"),
    ],
)
def test_a_bad_team_file_is_named(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "team.toml"
    path.write_text(text)
    with pytest.raises(InvalidInput, match=message) as caught:
        load_team(path)
    assert str(path) in str(caught.value)


# -- as other logins --------------------------------------------------------------

REP_SCRIPT = """
import os, sys
from nextstep_tui.config import Settings
from nextstep_tui.core.pipeline import open_pipeline
from nextstep_tui.core.model import LeadFields, StepInput
from nextstep_tui.core.when import parse_when
import pendulum
os.umask(0o077)
settings = Settings(database=sys.argv[1], zone="UTC", rep=sys.argv[2])
pipeline = open_pipeline(settings, create=False)
when = parse_when("tomorrow 10am", pendulum.now("UTC"), "UTC")
lead = LeadFields("From " + sys.argv[2])
pipeline.add_lead(lead, StepInput("Demo", when, True, True))
print(pipeline.count())
"""


def run_as(uid: int, groups: list[int], *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HOME": "/nonexistent"}
    return subprocess.run(
        [sys.executable, "-c", REP_SCRIPT, *args],
        user=uid,
        group=groups[0] if groups else NOBODY,
        extra_groups=groups,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )


@as_root
def test_a_member_works_under_a_tight_umask_and_keeps_the_rights(
    shared_tmp: Path,
) -> None:
    group, gid = team_group()
    team = create_team(shared_tmp / "sales", group)
    # The creator's session ends: the side files go with it.
    for suffix in ("-wal", "-shm"):
        assert not Path(f"{team.database}{suffix}").exists()

    done = run_as(NOBODY, [gid], team.database, "nobody")

    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1"]
    folder = shared_tmp / "sales"
    for path in folder.iterdir():
        assert path.stat().st_gid == gid, path
        assert mode(path) & 0o007 == 0, path
        if path.name.startswith("pipeline.db"):
            assert mode(path) == DATABASE_MODE, path
    # And the creator, another member, still writes after that session.
    root = open_pipeline(settings_for(team, "root"), create=False)
    root.add_lead(fields("From root"), step())
    root.db.close()


@as_root
def test_a_login_outside_the_group_gets_nothing(shared_tmp: Path) -> None:
    group, _ = team_group()
    team = create_team(shared_tmp / "sales", group)

    refused = run_as(NOBODY, [], team.database, "nobody")

    assert refused.returncode != 0
    assert "You may not open" in refused.stderr, refused.stderr
    assert "team's group" in refused.stderr
    db = open_database(team.database, create=False)
    assert db.execute_sql("SELECT COUNT(*) FROM lead").fetchone()[0] == 0
    db.close()


SWAP_SCRIPT = """
import os, sys
folder = sys.argv[1]
mine = os.path.join(folder, "mine.toml")
with open(mine, "w") as handle:
    handle.write('database = "pipeline.db"\\ngroup = "x"\\nmanagers = ["nobody"]\\n')
for attempt in ("rename", "unlink"):
    try:
        if attempt == "rename":
            os.rename(mine, os.path.join(folder, "team.toml"))
        else:
            os.unlink(os.path.join(folder, "pipeline.db"))
        print(attempt, "done")
    except PermissionError:
        print(attempt, "refused")
"""


@as_root
def test_a_member_cannot_swap_team_toml_nor_delete_the_database(
    shared_tmp: Path,
) -> None:
    group, gid = team_group()
    team = create_team(shared_tmp / "sales", group, managers=("maria",))
    done = subprocess.run(
        [sys.executable, "-c", SWAP_SCRIPT, str(team.file.parent)],
        user=NOBODY,
        group=gid,
        extra_groups=[gid],
        capture_output=True,
        text=True,
        timeout=60,
        cwd="/",
    )
    assert done.stdout.split("\n")[:2] == ["rename refused", "unlink refused"], done
    assert load_team(team.file).managers == ("maria",)
    assert Path(team.database).exists()


def test_init_checks_its_words(tmp_path: Path) -> None:
    group, _ = team_group()
    with pytest.raises(InvalidInput, match="Name the team's unix group"):
        create_team(tmp_path / "a", " ")
    with pytest.raises(InvalidInput, match="zed is not a login"):
        create_team(tmp_path / "a", group, managers=("maria", "zed"))
    (tmp_path / "file").write_text("")
    with pytest.raises(InvalidInput, match="is a file"):
        create_team(tmp_path / "file", group)
    assert not (tmp_path / "a").exists()


def test_rights_that_let_a_rep_be_manager_are_named(tmp_path: Path) -> None:
    team = create_team(tmp_path / "sales", team_group()[0])
    os.chmod(team.file, 0o660)
    os.chmod(tmp_path / "sales", 0o2770)
    warnings = {value.split()[-1]: w for _, value, w in check_rights(team) if w}
    assert (
        "the group may rewrite it: any rep could be manager" in warnings[str(team.file)]
    )
    assert "sticky keeps reps from replacing" in warnings[str(tmp_path / "sales")]


def test_a_hard_link_to_the_teams_file_escapes_nothing(tmp_path: Path) -> None:
    """A rep's own folder, a team.toml naming them manager, and a hard link
    to the team's database: refused, and the team's own name with it until
    the link is gone (two names would keep two logs)."""
    team = create_team(tmp_path / "sales", team_group()[0], managers=("maria",))
    evil = tmp_path / "evil"
    evil.mkdir()
    os.link(team.database, evil / "pipeline.db")
    (evil / "team.toml").write_text(
        'database = "pipeline.db"\ngroup = "sales"\nmanagers = ["ann"]\n'
    )
    for database in (evil / "pipeline.db", Path(team.database)):
        with pytest.raises(StorageError, match="hard links"):
            open_pipeline(replace(settings_for(team, "ann"), database=str(database)))
    (evil / "pipeline.db").unlink()
    ann = open_pipeline(settings_for(team, "ann"))
    assert not ann.access.manager
    ann.db.close()
