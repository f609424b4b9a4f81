"""The team commands, and the other commands in a team's database."""

from __future__ import annotations

import grp
import os
from pathlib import Path

import pytest

import nextstep_tui.config as config
import nextstep_tui.team as team_module
from nextstep_tui.cli import main
from tests import pg_server

GROUP = grp.getgrgid(os.getgid()).gr_name
PEOPLE = {"ann", "bob", "maria"}  # logins of the server, as the tests have it


@pytest.fixture
def team(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A team made by ``team init``, named in the environment as reps do."""
    real = team_module.members_of_group
    monkeypatch.setattr(
        team_module,
        "members_of_group",
        lambda name: real(name) | {"ann", "bob", "maria"},
    )
    monkeypatch.setattr(team_module, "login_exists", lambda name: name in PEOPLE)
    folder = tmp_path / "sales"
    assert (
        main(["team", "init", str(folder), "--group", GROUP, "--manager", "maria"]) == 0
    )
    monkeypatch.setenv("NEXTSTEP_TEAM", str(folder))
    return folder


def login(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Run the next commands as the login ``name`` (the OS says who we are)."""
    monkeypatch.setattr(config, "current_rep", lambda: name)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def add(capsys: pytest.CaptureFixture[str], name: str) -> int:
    code, out, err = run(capsys, "add", name, "--step", "Demo", "--due", "mon 10am")
    assert code == 0, err
    return int(out)


def test_init_says_what_it_made_and_what_reps_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "east"
    code, out, err = run(capsys, "team", "init", str(folder), "--group", GROUP)
    assert code == 0, err
    assert f"Made the team {GROUP} in {folder}" in out
    assert f'team = "{folder}"' in out
    assert (folder / "pipeline.db").exists() and (folder / "team.toml").exists()

    code, _, err = run(capsys, "team", "init", str(folder), "--group", GROUP)
    assert code == 1 and "not empty" in err


def test_init_needs_a_group(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["team", "init", str(tmp_path / "x")])
    assert exit_.value.code == 2
    assert "--group" in capsys.readouterr().err
    code, _, err = run(capsys, "team", "init", str(tmp_path / "x"), "--group", "zz-no")
    assert code == 1 and "no group 'zz-no'" in err


def test_reps_see_their_own_and_the_manager_everyones(
    team: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    login(monkeypatch, "ann")
    anns = add(capsys, "Acme")
    login(monkeypatch, "bob")
    bobs = add(capsys, "Globex")

    code, out, _ = run(capsys, "list")
    assert "Globex" in out and "Acme" not in out
    code, _, err = run(capsys, "show", str(anns))
    assert code == 1 and f"Lead {anns} is not in your pipeline" in err
    code, _, err = run(capsys, "win", str(anns))
    assert code == 1 and "not in your pipeline" in err and "ann" not in err
    code, _, err = run(capsys, "list", "--rep", "ann")
    assert code == 1 and "Only a manager can see other reps' pipelines" in err
    code, _, err = run(capsys, "reassign", str(bobs), "ann")
    assert code == 1 and "Only a manager can reassign leads; ask maria" in err
    code, _, err = run(capsys, "reassign", str(anns), "bob")
    assert code == 1 and "Only a manager can reassign leads; ask maria" in err
    code, _, err = run(capsys, "backup", str(team.parent / "mine.db"))
    assert code == 1 and "A backup copies every rep's leads: only a manager" in err
    assert not (team.parent / "mine.db").exists()
    code, _, err = run(capsys, "migrate-to", "postgresql:///x?host=/nonexistent")
    assert code == 1 and "A migration copies every rep's leads" in err

    login(monkeypatch, "maria")
    code, out, _ = run(capsys, "list")
    assert f"#{anns:<5} Acme [ann]: Demo" in out
    assert f"#{bobs:<5} Globex [bob]: Demo" in out
    code, _, err = run(capsys, "list", "--rep", "nosuch")
    assert code == 1 and "nosuch is not in the team" in err
    code, out, _ = run(capsys, "agenda", "--rep", "ann")
    assert "Acme" in out and "Globex" not in out
    code, out, _ = run(capsys, "team", "show")
    assert "you:      maria, a manager" in out
    counts = out.split("open leads:\n")[1]
    shown = dict(line.split() for line in counts.splitlines())
    assert {name: shown[name] for name in ("ann", "bob", "maria")} == {
        "ann": "1",
        "bob": "1",
        "maria": "0",
    }


def test_a_manager_reassigns(
    team: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    login(monkeypatch, "ann")
    lead_id = add(capsys, "Acme")
    login(monkeypatch, "maria")

    code, out, err = run(capsys, "reassign", str(lead_id), "bob")
    assert code == 0, err
    assert out.strip() == f"Lead {lead_id} is now bob's (was ann's)."
    code, out, _ = run(capsys, "show", str(lead_id))
    assert "maria" in out and "owner=ann -> bob" in out
    code, _, err = run(capsys, "reassign", str(lead_id), "eve")
    assert code == 1 and "eve is not in the team" in err

    login(monkeypatch, "bob")
    code, out, _ = run(capsys, "list")
    assert "Acme" in out


def test_doctor_tells_the_team_and_its_rights(
    team: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    login(monkeypatch, "ann")
    code, out, _ = run(capsys, "doctor")
    assert f"team:        {GROUP} ({team / 'team.toml'})" in out
    assert "role:        rep" in out
    assert "warning" not in out.replace("warning: not WAL", "")

    os.chmod(team / "pipeline.db", 0o664)
    code, out, _ = run(capsys, "doctor")
    assert code == 1
    assert "others have access" in out


def test_a_personal_database_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEXTSTEP_DB", str(tmp_path / "mine.db"))
    add(capsys, "Acme")
    code, out, _ = run(capsys, "team", "show")
    assert code == 0 and "is a personal database: all yours" in out
    code, _, err = run(capsys, "reassign", "1", "bob")
    assert code == 1 and "reassigning is for a team's database" in err


def test_doctor_still_tells_the_rest_when_the_team_is_broken(
    team: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    login(monkeypatch, "ann")
    (team / "team.toml").rename(team / "gone.toml")
    code, out, _ = run(capsys, "doctor")
    assert code == 1
    assert "opens:       no" in out and "team.toml is missing" in out
    for fact in ("file:", "rights:", "rep:         ann", "zone:", "terminal:"):
        assert fact in out, fact

    (team / "team.toml").write_text("managers = [\n")
    code, out, _ = run(capsys, "doctor")
    assert code == 1 and "not valid TOML" in out and "rep:" in out


def test_doctor_names_managers_and_targets_that_name_nobody(
    team: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    login(monkeypatch, "maria")
    text = (team / "team.toml").read_text()
    text = text.replace('managers = ["maria"]', 'managers = ["maria", "zed"]')
    (team / "team.toml").write_text(text + "ghost = 7\n")
    code, out, _ = run(capsys, "doctor")
    assert code == 1
    assert "manager:     zed\n             warning: no such login" in out
    assert "target:      ghost\n             warning: not a member" in out


def test_doctor_hides_a_servers_password(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = "postgresql://ann:s3cret@/sales?host=/nonexistent/x&password=s3cret"
    code, out, _ = run(capsys, "--db", url, "doctor")
    assert code == 1
    assert "s3cret" not in out
    assert "postgresql://ann:***@/sales?host=/nonexistent/x&password=***" in out


def test_doctor_and_team_init_work_when_the_named_team_cannot_be_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(team_module, "login_exists", lambda name: name in PEOPLE)
    monkeypatch.setenv("NEXTSTEP_TEAM", str(tmp_path / "nosuch"))
    code, _, err = run(capsys, "list")
    assert code == 1 and "No team configuration at" in err

    code, out, _ = run(capsys, "doctor")
    assert code == 1
    assert "settings:    cannot be read" in out and "No team configuration" in out
    for fact in ("rep:", "zone:", "terminal:", "colour:"):
        assert fact in out, fact

    code, out, err = run(
        capsys, "team", "init", str(tmp_path / "east"), "--group", GROUP
    )
    assert code == 0, err
    assert (tmp_path / "east" / "team.toml").exists()


def test_init_notes_what_would_keep_the_team_from_working(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(team_module, "login_exists", lambda name: name in PEOPLE)
    monkeypatch.setattr(team_module, "members_of_group", lambda name: set())
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    code, _, err = run(
        capsys, "team", "init", str(private / "sales"), "--group", GROUP,
        "--manager", "maria",
    )  # fmt: skip
    assert code == 0
    assert f"the group {GROUP} has no members yet" in err
    assert f"maria manages but is not in {GROUP}" in err
    assert f"{private} is closed to others" in err


def test_small_words_of_the_team_commands(
    team: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    login(monkeypatch, "ann")
    lead_id = add(capsys, "Acme")
    login(monkeypatch, "maria")
    code, out, _ = run(capsys, "reassign", str(lead_id), "ann")
    assert code == 0 and out.strip() == f"Lead {lead_id} is already ann's."
    code, _, err = run(capsys, "list", "--rep", "")
    assert code == 1 and "Name the rep" in err
    code, out, _ = run(capsys, "cohorts")
    assert out.splitlines()[-1] == "(months in Europe/Paris)"


def test_a_team_moved_to_postgresql_keeps_its_rules(
    team: Path,
    pg: pg_server.Server,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    login(monkeypatch, "ann")
    add(capsys, "Acme")
    login(monkeypatch, "bob")
    add(capsys, "Globex")
    login(monkeypatch, "maria")
    url = pg.new_database()
    code, _, err = run(capsys, "migrate-to", url)
    assert code == 0, err

    monkeypatch.setenv("NEXTSTEP_DB", url)
    login(monkeypatch, "ann")
    code, out, _ = run(capsys, "list")
    assert "Acme" in out and "Globex" not in out
    # The test server's login may write everything: a rep's doctor says so.
    code, out, _ = run(capsys, "doctor")
    assert code == 1 and "role:        rep" in out
    assert "grant reps SELECT only on meta" in out
    login(monkeypatch, "maria")
    code, out, _ = run(capsys, "doctor")
    assert "settings:    this login may change them\n" in out
    assert "grant reps" not in out


def test_a_managers_backup_opens_as_their_own_and_refuses_a_closed_folder(
    team: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    login(monkeypatch, "ann")
    add(capsys, "Acme")
    login(monkeypatch, "maria")
    copy = team.parent / "copy.db"
    code, _, err = run(capsys, "backup", str(copy))
    assert code == 0, err
    code, out, err = run(capsys, "--db", str(copy), "list")
    assert code == 0, err
    assert "Acme" in out and "[ann]" not in out  # a database of one's own

    closed = team.parent / "closed"
    closed.mkdir(mode=0o500)
    if os.geteuid() == 0:  # root writes anywhere: make it a file's folder
        closed = team / "team.toml"
    code, _, err = run(capsys, "backup", str(closed / "copy.db"))
    assert code == 1
    assert err.startswith("nextstep: ") and "Traceback" not in err
